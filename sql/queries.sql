-- Query RPCs (issue "Merchant settlement and authorized queries"): get_member_transactions,
-- get_merchant_transactions, get_transaction_detail, get_point_ledger, get_member_cards — who may
-- read what, keyset pages (a cursor from the last row, never OFFSET), filters by period and type;
-- and the plans of their statements: index scans on the partitions of the asked period only.
\set SHOW_CONTEXT never
\set VERBOSITY default

\set u_kim  '9e000000-0000-4000-8000-000000000001'
\set u_lee  '9e000000-0000-4000-8000-000000000002'
\set u_cash '9e000000-0000-4000-8000-00000000000a'
\set as_kim  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"9e000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_lee  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"9e000000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_cash 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"9e000000-0000-4000-8000-00000000000a","role":"authenticated"}'';'

SELECT app.create_merchant('QY_SHOP', 'Query shop') IS NOT NULL AS created;
SELECT app.create_merchant('QY_OTHER', 'Other shop') IS NOT NULL AS created;
SELECT app.add_merchant_user('QY_SHOP', :'u_cash');
BEGIN; :as_kim SELECT app.create_member_profile('QY Kim') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_lee SELECT app.create_member_profile('QY Lee') IS NOT NULL AS registered; COMMIT;
SELECT id AS kim_card FROM app.member_cards WHERE owner_member_id = :'u_kim' AND card_type = 'standard' \gset
SELECT card_id AS family FROM app.create_prepaid_card(:'u_kim') \gset
SELECT app.bind_member_to_card(:'family', :'u_lee') AS lee_bound;
SELECT amount FROM app.user_recharge_card(:'kim_card', 500.00, 'wechat', 'first');
SELECT amount FROM app.user_recharge_card(:'family', 200.00, 'alipay', 'family');
SET mps.qr_reuse_within_ttl = on;
BEGIN; :as_kim SELECT qr_plain AS kqr FROM app.rotate_card_qr(:'kim_card', NULL, 86400) \gset
COMMIT;
BEGIN; :as_lee SELECT qr_plain AS fqr FROM app.rotate_card_qr(:'family', NULL, 86400) \gset
COMMIT;
BEGIN; :as_cash
SELECT tx_no AS pay1 FROM app.merchant_charge_by_qr('QY_SHOP', :'kqr', 10.00, 'one') \gset
SELECT tx_no AS pay2 FROM app.merchant_charge_by_qr('QY_SHOP', :'kqr', 20.00, 'two') \gset
SELECT tx_no AS pay3 FROM app.merchant_charge_by_qr('QY_SHOP', :'fqr', 30.00, 'family dinner') \gset
COMMIT;
BEGIN; :as_cash
SELECT refund_tx_no AS ref1 FROM app.merchant_refund_tx('QY_SHOP', :'pay2', 5.00, 'partly') \gset
SELECT refund_tx_no AS ref2 FROM app.merchant_refund_tx('QY_SHOP', :'pay2', 15.00, 'rest') \gset
COMMIT;
RESET mps.qr_reuse_within_ttl;

--------------------------------------------------------------------------------------------
-- A member's history: its own card and the shared card it is bound to, newest first
--------------------------------------------------------------------------------------------
BEGIN; :as_kim
SELECT tx_type, card_id = :'kim_card' AS own_card, merchant_code, raw_amount, discount_applied, final_amount,
       points_earned, status, reason, payment_method
  FROM app.get_member_transactions() ORDER BY created_at DESC, final_amount;
COMMIT;
-- Pages of two: the cursor of the last row continues; every row exactly once; no OFFSET.
BEGIN; :as_kim
SELECT cursor AS c1 FROM app.get_member_transactions(p_limit => 2) ORDER BY created_at, tx_id LIMIT 1 \gset
SELECT cursor AS c2 FROM app.get_member_transactions(p_limit => 2, p_before => :'c1') ORDER BY created_at, tx_id LIMIT 1 \gset
SELECT cursor AS c3 FROM app.get_member_transactions(p_limit => 2, p_before => :'c2') ORDER BY created_at, tx_id LIMIT 1 \gset
SELECT count(*) AS fourth_page FROM app.get_member_transactions(p_limit => 2, p_before => :'c3');
WITH pages AS (
  SELECT tx_id FROM app.get_member_transactions(p_limit => 2)
  UNION ALL SELECT tx_id FROM app.get_member_transactions(p_limit => 2, p_before => :'c1')
  UNION ALL SELECT tx_id FROM app.get_member_transactions(p_limit => 2, p_before => :'c2')
  UNION ALL SELECT tx_id FROM app.get_member_transactions(p_limit => 2, p_before => :'c3'))
SELECT count(*) AS rows, count(DISTINCT tx_id) AS distinct_rows,
       (SELECT count(*) FROM app.get_member_transactions(p_limit => 500)) AS all_at_once FROM pages;
COMMIT;
-- Filters: one card, a type, a period.
BEGIN; :as_kim
SELECT tx_type, final_amount FROM app.get_member_transactions(:'family') ORDER BY final_amount;
SELECT count(*) AS refunds FROM app.get_member_transactions(p_tx_type => 'refund');
SELECT count(*) AS tomorrow FROM app.get_member_transactions(p_from => now() + interval '1 day');
SELECT count(*) AS before_now FROM app.get_member_transactions(p_to => now() + interval '1 second');
COMMIT;
-- Lee, bound to the family card, sees its transactions and none of Kim's own card; unbound, none.
BEGIN; :as_lee
SELECT card_id = :'family' AS family_only, count(*) FROM app.get_member_transactions() GROUP BY 1;
SELECT * FROM app.get_member_transactions(:'kim_card');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_lee
SELECT * FROM app.get_member_transactions(p_member_id => :'u_kim');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_lee SELECT app.unbind_member_from_card(:'family', :'u_lee') AS left_family; COMMIT;
BEGIN; :as_lee SELECT count(*) AS after_unbinding FROM app.get_member_transactions(); COMMIT;
-- An administrator reads a member's history by id.
SELECT count(*) AS admin_reads_kim FROM app.get_member_transactions(p_member_id => :'u_kim');
SELECT * FROM app.get_member_transactions();
\echo :SQLSTATE
-- Bad input.
SELECT * FROM app.get_member_transactions(p_member_id => :'u_kim', p_tx_type => 'gift');
\echo :SQLSTATE
SELECT * FROM app.get_member_transactions(p_member_id => :'u_kim', p_limit => 501);
\echo :SQLSTATE
SELECT * FROM app.get_member_transactions(p_member_id => :'u_kim', p_before => '12_nope');
\echo :SQLSTATE
BEGIN; SET LOCAL ROLE anon;
SELECT * FROM app.get_member_transactions();
\echo :SQLSTATE
ROLLBACK;

--------------------------------------------------------------------------------------------
-- A merchant's history: its staff and administrators
--------------------------------------------------------------------------------------------
BEGIN; :as_cash
SELECT tx_type, final_amount, reason FROM app.get_merchant_transactions('QY_SHOP') ORDER BY created_at DESC, final_amount;
SELECT count(*) AS payments FROM app.get_merchant_transactions('QY_SHOP', p_tx_type => 'payment');
COMMIT;
BEGIN; :as_cash
SELECT * FROM app.get_merchant_transactions('QY_OTHER');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_kim
SELECT * FROM app.get_merchant_transactions('QY_SHOP');
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS admin_reads_shop FROM app.get_merchant_transactions('QY_SHOP');

--------------------------------------------------------------------------------------------
-- A transaction's detail: a payment with its refunds, a refund with its payment
--------------------------------------------------------------------------------------------
BEGIN; :as_kim
SELECT relation, tx_type, final_amount, status, reason, tx_no = :'pay2' AS is_pay2
  FROM app.get_transaction_detail(:'pay2') ORDER BY relation DESC, created_at, final_amount;
SELECT relation, tx_type, final_amount, tx_no = :'pay2' AS is_pay2 FROM app.get_transaction_detail(:'ref1') ORDER BY relation DESC;
COMMIT;
BEGIN; :as_cash SELECT count(*) AS staff_reads_detail FROM app.get_transaction_detail(:'pay1'); COMMIT;
-- Not the caller's: the same refusal whether the number exists or not.
BEGIN; :as_lee
SELECT * FROM app.get_transaction_detail(:'pay1');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_lee
SELECT * FROM app.get_transaction_detail('PAY000000000000000000');
\echo :SQLSTATE
ROLLBACK;
SELECT * FROM app.get_transaction_detail('PAY000000000000000000');
\echo :SQLSTATE

--------------------------------------------------------------------------------------------
-- Point ledger and cards
--------------------------------------------------------------------------------------------
BEGIN; :as_kim
SELECT delta, balance_before, balance_after, reason, tx_no IS NOT NULL AS has_tx FROM app.get_point_ledger(:'kim_card');
SELECT cursor AS lc FROM app.get_point_ledger(:'kim_card', 1) \gset
SELECT delta, reason FROM app.get_point_ledger(:'kim_card', 1, :'lc');
COMMIT;
BEGIN; :as_lee
SELECT * FROM app.get_point_ledger(:'kim_card');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_kim
SELECT card_type, role, balance, points, level, discount, status, expires_at IS NULL AS no_expiry, has_binding_password
  FROM app.get_member_cards();
COMMIT;
BEGIN; :as_kim
SELECT * FROM app.get_member_cards(:'u_lee');
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS admin_reads_kims_cards FROM app.get_member_cards(:'u_kim');
SELECT count(*) AS hash_columns
  FROM unnest((SELECT proargnames FROM pg_proc WHERE oid = 'app.get_member_cards(uuid)'::regprocedure)) AS n
 WHERE n LIKE '%hash%';
SELECT count(*) AS none FROM app.get_member_cards('00000000-0000-4000-8000-000000000000');
\echo :SQLSTATE

--------------------------------------------------------------------------------------------
-- Plans: the statements of src/rpc/queries.cpp and src/rpc/settlements.cpp, as their generic
-- plans (prepared once, run with parameters): only the partitions of the asked period are
-- scanned (the others are pruned at run time), through the card's, merchant's or registry's
-- index. (Index scans are forced so that the plan does not depend on the tables' sizes here;
-- bench/history.sh measures them at 10^7 transactions.)
--------------------------------------------------------------------------------------------
SELECT count(*) > 0 AS made FROM generate_series(1, 24) AS m,
       LATERAL (SELECT sec.ensure_transaction_partition((date_trunc('month', now()) - make_interval(months => m))::date)) p;
-- (UTC days and months: the partitions' own, so that each asked period is one partition.)
SET TimeZone = 'UTC';
-- The plan with the partitions' month left out (yYYYYmMM), so the expected output holds in any month.
CREATE FUNCTION pg_temp.plan(p_execute text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || p_execute LOOP
    RETURN NEXT regexp_replace(line, 'y[0-9]{4}m[0-9]{2}', 'yYYYYmMM', 'g');
  END LOOP;
END $$;
SELECT id AS shop_id FROM app.merchants WHERE code = 'QY_SHOP' \gset
SELECT tx_id AS pay2_id, created_at AS pay2_at FROM app.tx_registry WHERE tx_no = :'pay2' \gset
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET plan_cache_mode = force_generic_plan;
PREPARE card_page(uuid, timestamptz, timestamptz, timestamptz, uuid, text, int) AS
  SELECT t.id, t.tx_no, t.tx_type::text, t.card_id, m.code, t.raw_amount, t.discount_applied, t.final_amount,
         t.points_earned, t.status::text, t.reason, t.payment_method, t.created_at
    FROM app.transactions t LEFT JOIN app.merchants m ON m.id = t.merchant_id
   WHERE t.card_id = $1
     AND t.created_at >= $2 AND t.created_at < $3 AND t.created_at <= $4 AND (t.created_at, t.id) < ($4, $5)
     AND ($6::text IS NULL OR t.tx_type::text = $6)
   ORDER BY t.created_at DESC, t.id DESC LIMIT $7;
-- One month asked: its partition scanned, by the card index.
SELECT * FROM pg_temp.plan(format('EXECUTE card_page(%L, %L, %L, %L, %L, NULL, 50)', :'kim_card', date_trunc('month', now()),
                                   date_trunc('month', now()) + interval '1 month', 'infinity', '00000000-0000-0000-0000-000000000000'));
PREPARE merchant_page(uuid, timestamptz, timestamptz, timestamptz, uuid, text, int) AS
  SELECT t.id, t.tx_no, t.created_at
    FROM app.transactions t LEFT JOIN app.merchants m ON m.id = t.merchant_id
   WHERE t.merchant_id = $1
     AND t.created_at >= $2 AND t.created_at < $3 AND t.created_at <= $4 AND (t.created_at, t.id) < ($4, $5)
     AND ($6::text IS NULL OR t.tx_type::text = $6)
   ORDER BY t.created_at DESC, t.id DESC LIMIT $7;
-- Last month, payments only.
SELECT * FROM pg_temp.plan(format('EXECUTE merchant_page(%L, %L, %L, %L, %L, %L, 50)', :'shop_id',
                                   date_trunc('month', now()) - interval '1 month', date_trunc('month', now()), 'infinity',
                                   '00000000-0000-0000-0000-000000000000', 'payment'));
-- A transaction by number: the registry's key gives its id and time, then its one partition;
-- its refunds through each partition's index on original_tx_id.
PREPARE registry(text) AS SELECT tx_id, created_at, card_id, merchant_id FROM app.tx_registry WHERE tx_no = $1;
SELECT * FROM pg_temp.plan(format('EXECUTE registry(%L)', :'pay2'));
PREPARE detail(uuid, timestamptz) AS SELECT tx_no FROM app.transactions WHERE id = $1 AND created_at = $2;
SELECT * FROM pg_temp.plan(format('EXECUTE detail(%L, %L)', :'pay2_id', :'pay2_at'));
-- A merchant-day's settlement reads that day's rows of the merchant, on one partition.
PREPARE settle_day(uuid, timestamptz, timestamptz) AS
  SELECT t.id FROM app.transactions t JOIN app.member_cards c ON c.id = t.card_id
   WHERE t.merchant_id = $1 AND t.created_at >= $2 AND t.created_at < $3
     AND t.tx_type IN ('payment', 'refund', 'recharge') AND t.status IN ('completed', 'refunded')
     AND NOT EXISTS (SELECT 1 FROM app.settlement_lines x WHERE x.tx_id = t.id);
SELECT * FROM pg_temp.plan(format('EXECUTE settle_day(%L, %L, %L)', :'shop_id', date_trunc('day', now()),
                                   date_trunc('day', now()) + interval '1 day'));
RESET TimeZone;
RESET plan_cache_mode;
RESET enable_seqscan;
RESET enable_bitmapscan;
SELECT * FROM app.verify_ledger();
