-- Rejected input changes nothing (issue #3). Every money RPC (the three recharges, the charge
-- with p_raw_price and with p_raw_amount, the refund) gets malformed amounts, strings, QR
-- codes, tags and unknown merchants; each is refused with its code, SQLSTATE and DETAIL, and
-- a snapshot of balances, points and every money-related row count taken before is equal
-- afterwards. The bulk runs through pg_temp.try(sql), which returns the error instead of
-- raising it, one row per case; a few cases are shown as plain psql errors first.
\set SHOW_CONTEXT never
\set VERBOSITY default
-- This file is not about QR codes being used up: codes stay usable until they expire (a
-- deployment setting; by default a payment consumes its code, see sql/money_security.sql).
SET mps.qr_reuse_within_ttl = on;

\set u_cashier 'a7000000-0000-4000-8000-000000000003'
\set as_cashier 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a7000000-0000-4000-8000-000000000003","role":"authenticated"}'';'
\set as_service 'SET LOCAL ROLE service_role;'

-- Fixtures: MX_SHOP and its cashier; Rex with 100.00, a live QR code and a 20.00 payment to
-- refund; a corporate card with 100.00.
SELECT app.create_merchant('MX_SHOP', 'Rejects Test Shop') IS NOT NULL AS created;
SELECT app.add_merchant_user('MX_SHOP', :'u_cashier');
INSERT INTO app.member_profiles (name) VALUES ('MX Rex');
SELECT c.id AS rex_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MX Rex' \gset
INSERT INTO app.member_cards (card_no, card_type, fixed_discount, company_name)
VALUES (sec.new_card_no('corporate'), 'corporate', 0.900, 'Test Co') RETURNING id AS corp_card \gset
SELECT amount FROM app.user_recharge_card(:'rex_card', 100.00);
SELECT amount FROM app.user_recharge_card(:'corp_card', 100.00);
SELECT qr_plain AS qr_rex FROM app.rotate_card_qr(:'rex_card', NULL, 86400) \gset
BEGIN; :as_cashier
SELECT tx_no AS pay_no, final_amount FROM app.merchant_charge_by_qr('MX_SHOP', :'qr_rex', 20.00) \gset
COMMIT;
SELECT :'final_amount' AS paid;

-- Runs one statement; returns its error (or ACCEPTED) instead of raising it.
CREATE FUNCTION pg_temp.try(p_sql text)
RETURNS TABLE (sqlstate text, code text, detail text, hint text)
LANGUAGE plpgsql AS $$
DECLARE
  d text;
  h text;
BEGIN
  EXECUTE p_sql;
  RETURN QUERY SELECT '00000'::text, 'ACCEPTED'::text, NULL::text, NULL::text;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
  RETURN QUERY SELECT SQLSTATE::text, SQLERRM::text, NULLIF(d, ''), NULLIF(h, '');
END
$$;

-- Everything a money RPC could touch: balances and points of all cards, and the row counts
-- (plus a digest of the live QR codes and of the registries' keys).
CREATE TEMP VIEW money_state AS
SELECT (SELECT count(*) FROM app.member_cards) AS cards,
       (SELECT sum(balance) FROM app.member_cards) AS total_balance,
       (SELECT sum(points) FROM app.member_cards) AS total_points,
       (SELECT md5(string_agg(id::text || balance || points || level || status, ',' ORDER BY id)) FROM app.member_cards) AS cards_digest,
       (SELECT count(*) FROM app.transactions) AS transactions,
       (SELECT count(*) FROM app.transactions WHERE status = 'refunded') AS refunded_payments,
       (SELECT count(*) FROM app.tx_registry) AS tx_registry,
       (SELECT md5(COALESCE(string_agg(idempotency_key, ',' ORDER BY idempotency_key), '')) FROM app.idempotency_registry) AS idempotency_registry,
       (SELECT md5(COALESCE(string_agg(external_order_id || scope || scope_id::text, ',' ORDER BY external_order_id, scope, scope_id), '')) FROM app.merchant_order_registry) AS merchant_order_registry,
       (SELECT count(*) FROM app.point_ledger) AS point_ledger,
       (SELECT count(*) FROM audit.event_log) AS audit_rows,
       (SELECT md5(COALESCE(string_agg(token_digest::text, ',' ORDER BY card_id), '')) FROM app.card_qr_state) AS qr_state,
       (SELECT count(*) FROM app.card_qr_history) AS qr_history,
       (SELECT count(*) FROM app.number_registry) AS numbers,
       (SELECT md5(COALESCE(string_agg(merchant_id::text || day || total, ',' ORDER BY merchant_id, day), '')) FROM app.merchant_topup_days) AS topup_days;
CREATE TEMP TABLE before AS SELECT * FROM money_state;

--------------------------------------------------------------------------------------------
-- A few, as psql shows them
--------------------------------------------------------------------------------------------
SELECT * FROM app.user_recharge_card(:'rex_card', 'NaN');
\echo :SQLSTATE
SELECT * FROM app.user_recharge_card(:'rex_card', 1.005);
\echo :SQLSTATE
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MX_SHOP', :'qr_rex', '-Infinity');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MX_SHOP', 'abc', 1.00);
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MX_SHOP', :'qr_rex', 1.00, p_tag => '[]');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cashier
SELECT * FROM app.merchant_refund_tx('MX_SHOP', :'pay_no', 1e20);
\echo :SQLSTATE
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Amounts: NULL, zero, negative, NaN, +-Infinity, three decimals, over the limit
--------------------------------------------------------------------------------------------
-- Recharges as service_role, charges and refunds as the cashier; committed, so anything
-- wrongly accepted would show in the snapshot below.
CREATE TEMP TABLE amount_cases (ord int, input text);
INSERT INTO amount_cases VALUES (1, 'NULL'), (2, '0'), (3, '-5.00'), (4, '-0.01'), (5, '''NaN'''),
  (6, '''Infinity'''), (7, '''-Infinity'''), (8, '1.005'), (9, '0.001'), (10, '1e20'),
  (11, '10000000000.00'), (12, '-1e20');
CREATE TEMP TABLE amount_calls (ord int, fn text, template text);
INSERT INTO amount_calls VALUES
  (1, 'user_recharge_card', format('SELECT app.user_recharge_card(%L, %%s::numeric)', :'rex_card')),
  (2, 'user_recharge_personal_card', format('SELECT app.user_recharge_personal_card(%L, %%s::numeric)', :'rex_card')),
  (3, 'user_recharge_enterprise_card_admin', format('SELECT app.user_recharge_enterprise_card_admin(%L, %%s::numeric)', :'corp_card')),
  (4, 'merchant_charge_by_qr p_raw_price', format('SELECT app.merchant_charge_by_qr(%L, %L, %%s::numeric)', 'MX_SHOP', :'qr_rex')),
  (5, 'merchant_charge_by_qr p_raw_amount', format('SELECT app.merchant_charge_by_qr(%L, %L, p_raw_amount => %%s::numeric)', 'MX_SHOP', :'qr_rex')),
  (6, 'merchant_refund_tx', format('SELECT app.merchant_refund_tx(%L, %L, %%s::numeric)', 'MX_SHOP', :'pay_no'));
GRANT SELECT ON amount_cases, amount_calls TO PUBLIC;
BEGIN; :as_service
SELECT c.fn, a.input, r.sqlstate, r.code, r.detail, r.hint
  FROM amount_calls c, amount_cases a, LATERAL pg_temp.try(format(c.template, a.input)) r
 WHERE c.ord <= 3 ORDER BY c.ord, a.ord;
COMMIT;
BEGIN; :as_cashier
SELECT c.fn, a.input, r.sqlstate, r.code, r.detail, r.hint
  FROM amount_calls c, amount_cases a, LATERAL pg_temp.try(format(c.template, a.input)) r
 WHERE c.ord > 3 ORDER BY c.ord, a.ord;
COMMIT;

--------------------------------------------------------------------------------------------
-- Strings, QR codes, tags, unknown merchants and cards
--------------------------------------------------------------------------------------------
CREATE TEMP TABLE other_cases (ord int, fn text, input text, sql text);
INSERT INTO other_cases VALUES
  -- merchant codes
  (1, 'charge', 'merchant NULL', format('SELECT app.merchant_charge_by_qr(NULL, %L, 1.00)', :'qr_rex')),
  (2, 'charge', 'merchant empty', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00)', '', :'qr_rex')),
  (3, 'charge', 'merchant whitespace', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00)', E' \t ', :'qr_rex')),
  (4, 'charge', 'merchant 65 chars', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00)', repeat('M', 65), :'qr_rex')),
  (5, 'charge', 'merchant unknown', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00)', 'MX_NO_SUCH_SHOP', :'qr_rex')),
  (6, 'refund', 'merchant empty', format('SELECT app.merchant_refund_tx(%L, %L, 1.00)', '', :'pay_no')),
  (7, 'refund', 'merchant 65 chars', format('SELECT app.merchant_refund_tx(%L, %L, 1.00)', repeat('M', 65), :'pay_no')),
  (8, 'refund', 'merchant unknown', format('SELECT app.merchant_refund_tx(%L, %L, 1.00)', 'MX_NO_SUCH_SHOP', :'pay_no')),
  (9, 'recharge', 'merchant empty', format('SELECT app.user_recharge_card(%L, 1.00, p_merchant_code => %L)', :'rex_card', '')),
  (10, 'recharge', 'merchant 65 chars', format('SELECT app.user_recharge_card(%L, 1.00, p_merchant_code => %L)', :'rex_card', repeat('M', 65))),
  (11, 'recharge', 'merchant unknown', format('SELECT app.user_recharge_card(%L, 1.00, p_merchant_code => %L)', :'rex_card', 'MX_NO_SUCH_SHOP')),
  -- QR codes
  (20, 'charge', 'qr NULL', 'SELECT app.merchant_charge_by_qr(''MX_SHOP'', NULL, 1.00)'),
  (21, 'charge', 'qr empty', 'SELECT app.merchant_charge_by_qr(''MX_SHOP'', '''', 1.00)'),
  (22, 'charge', 'qr abc', 'SELECT app.merchant_charge_by_qr(''MX_SHOP'', ''abc'', 1.00)'),
  (23, 'charge', 'qr wrong prefix', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00)', 'MX_SHOP', 'xxxx1' || substr(:'qr_rex', 6))),
  (24, 'charge', 'qr one char more', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00)', 'MX_SHOP', :'qr_rex' || 'A')),
  (25, 'charge', 'qr one char less', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00)', 'MX_SHOP', left(:'qr_rex', 47))),
  (26, 'charge', 'qr bad character', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00)', 'MX_SHOP', left(:'qr_rex', 47) || '=')),
  (27, 'charge', 'qr with spaces', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00)', 'MX_SHOP', ' ' || :'qr_rex')),
  (28, 'charge', 'qr well-formed, unknown', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00)', 'MX_SHOP', 'mpsq1' || repeat('A', 43))),
  -- reasons, idempotency keys, external order ids, payment methods
  (30, 'charge', 'reason 501 chars', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00, %L)', 'MX_SHOP', :'qr_rex', repeat('r', 501))),
  (31, 'refund', 'reason 501 chars', format('SELECT app.merchant_refund_tx(%L, %L, 1.00, %L)', 'MX_SHOP', :'pay_no', repeat('r', 501))),
  (32, 'recharge', 'reason 501 chars', format('SELECT app.user_recharge_card(%L, 1.00, p_reason => %L)', :'rex_card', repeat('r', 501))),
  (29, 'charge', 'reason 501 chars, 2 bytes each', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00, %L)', 'MX_SHOP', :'qr_rex', repeat('é', 501))),
  (33, 'charge', 'key empty', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00, p_idempotency_key => %L)', 'MX_SHOP', :'qr_rex', '')),
  (34, 'charge', 'key whitespace', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00, p_idempotency_key => %L)', 'MX_SHOP', :'qr_rex', '   ')),
  (35, 'charge', 'key 129 chars', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00, p_idempotency_key => %L)', 'MX_SHOP', :'qr_rex', repeat('k', 129))),
  (36, 'recharge', 'key empty', format('SELECT app.user_recharge_card(%L, 1.00, p_idempotency_key => %L)', :'rex_card', '')),
  (37, 'recharge', 'key 129 chars', format('SELECT app.user_recharge_card(%L, 1.00, p_idempotency_key => %L)', :'rex_card', repeat('k', 129))),
  (38, 'charge', 'order id empty', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00, p_external_order_id => %L)', 'MX_SHOP', :'qr_rex', '')),
  (39, 'charge', 'order id 129 chars', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00, p_external_order_id => %L)', 'MX_SHOP', :'qr_rex', repeat('o', 129))),
  (40, 'recharge', 'order id whitespace', format('SELECT app.user_recharge_card(%L, 1.00, p_external_order_id => %L)', :'rex_card', ' ')),
  (41, 'recharge', 'order id 129 chars', format('SELECT app.user_recharge_card(%L, 1.00, p_external_order_id => %L)', :'rex_card', repeat('o', 129))),
  (42, 'recharge', 'method empty', format('SELECT app.user_recharge_card(%L, 1.00, %L)', :'rex_card', '')),
  (43, 'recharge', 'method upper case', format('SELECT app.user_recharge_card(%L, 1.00, %L)', :'rex_card', 'WeChat')),
  (44, 'recharge', 'method 33 chars', format('SELECT app.user_recharge_card(%L, 1.00, %L)', :'rex_card', repeat('w', 33))),
  -- tags
  (50, 'charge', 'tag []', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00, p_tag => %L::jsonb)', 'MX_SHOP', :'qr_rex', '[]')),
  (51, 'charge', 'tag 1', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00, p_tag => %L::jsonb)', 'MX_SHOP', :'qr_rex', '1')),
  (52, 'charge', 'tag "x"', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00, p_tag => %L::jsonb)', 'MX_SHOP', :'qr_rex', '"x"')),
  (53, 'charge', 'tag json null', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00, p_tag => %L::jsonb)', 'MX_SHOP', :'qr_rex', 'null')),
  (54, 'charge', 'tag > 4 kB', format('SELECT app.merchant_charge_by_qr(%L, %L, 1.00, p_tag => jsonb_build_object(%L, repeat(%L, 4100)))', 'MX_SHOP', :'qr_rex', 'note', 'x')),
  (55, 'refund', 'tag []', format('SELECT app.merchant_refund_tx(%L, %L, 1.00, p_tag => %L::jsonb)', 'MX_SHOP', :'pay_no', '[]')),
  (56, 'refund', 'tag > 4 kB', format('SELECT app.merchant_refund_tx(%L, %L, 1.00, p_tag => jsonb_build_object(%L, repeat(%L, 4100)))', 'MX_SHOP', :'pay_no', 'note', 'x')),
  (57, 'recharge', 'tag 1', format('SELECT app.user_recharge_card(%L, 1.00, p_tag => %L::jsonb)', :'rex_card', '1')),
  (58, 'recharge', 'tag > 4 kB', format('SELECT app.user_recharge_card(%L, 1.00, p_tag => jsonb_build_object(%L, repeat(%L, 4100)))', :'rex_card', 'note', 'x')),
  -- original tx numbers, card ids
  (60, 'refund', 'tx_no NULL', 'SELECT app.merchant_refund_tx(''MX_SHOP'', NULL, 1.00)'),
  (61, 'refund', 'tx_no empty', 'SELECT app.merchant_refund_tx(''MX_SHOP'', '''', 1.00)'),
  (62, 'refund', 'tx_no 65 chars', format('SELECT app.merchant_refund_tx(%L, %L, 1.00)', 'MX_SHOP', repeat('P', 65))),
  (63, 'refund', 'tx_no unknown', 'SELECT app.merchant_refund_tx(''MX_SHOP'', ''PAY00000000000000000000'', 1.00)'),
  (64, 'refund', 'over the payment', format('SELECT app.merchant_refund_tx(%L, %L, 20.01)', 'MX_SHOP', :'pay_no')),
  (65, 'recharge', 'card NULL', 'SELECT app.user_recharge_card(NULL, 1.00)'),
  (66, 'recharge', 'card unknown', 'SELECT app.user_recharge_card(''00000000-0000-4000-8000-000000000000'', 1.00)'),
  (67, 'personal', 'card NULL', 'SELECT app.user_recharge_personal_card(NULL, 1.00)'),
  (68, 'enterprise', 'card NULL', 'SELECT app.user_recharge_enterprise_card_admin(NULL, 1.00)');
GRANT SELECT ON other_cases TO PUBLIC;
-- Charges and refunds as the cashier, recharges as service_role; committed, like above.
BEGIN; :as_cashier
SELECT o.fn, o.input, r.sqlstate, r.code, r.detail
  FROM other_cases o, LATERAL pg_temp.try(o.sql) r
 WHERE o.fn IN ('charge', 'refund') ORDER BY o.ord;
COMMIT;
BEGIN; :as_service
SELECT o.fn, o.input, r.sqlstate, r.code, r.detail
  FROM other_cases o, LATERAL pg_temp.try(o.sql) r
 WHERE o.fn NOT IN ('charge', 'refund') ORDER BY o.ord;
COMMIT;

--------------------------------------------------------------------------------------------
-- Nothing changed
--------------------------------------------------------------------------------------------
SELECT (SELECT row(b.*)::text FROM before b) = (SELECT row(s.*)::text FROM money_state s) AS unchanged;
SELECT b.transactions = s.transactions AS same_transactions, b.total_balance = s.total_balance AS same_balances,
       b.total_points = s.total_points AS same_points, b.point_ledger = s.point_ledger AS same_ledger,
       b.audit_rows = s.audit_rows AS same_audit, b.tx_registry = s.tx_registry AS same_registry,
       b.idempotency_registry = s.idempotency_registry AS same_keys,
       b.merchant_order_registry = s.merchant_order_registry AS same_orders,
       b.qr_state = s.qr_state AND b.qr_history = s.qr_history AS same_qr
  FROM before b, money_state s;
SELECT balance, points FROM app.member_cards WHERE id = :'rex_card';

--------------------------------------------------------------------------------------------
-- The largest accepted values (empty and blank reasons count as none)
--------------------------------------------------------------------------------------------
BEGIN; :as_service
SELECT amount FROM app.user_recharge_card(:'rex_card', 0.01, repeat('w', 32), repeat('r', 500),
  jsonb_build_object('note', repeat('x', 4000)), repeat('k', 128), repeat('o', 128));
SELECT amount FROM app.user_recharge_card(:'rex_card', 0.01, 'cash', '   ');
SELECT amount FROM app.user_recharge_card(:'rex_card', 0.01, 'cash', repeat('é', 500));
COMMIT;
SELECT length(payment_method) AS method, length(reason) AS reason, octet_length(tag::text) > 4000 AS big_tag,
       length(idempotency_key) AS key, length(external_order_id) AS order_id
  FROM app.transactions WHERE card_id = :'rex_card' AND tx_type = 'recharge' AND raw_amount = 0.01
 ORDER BY length(reason) NULLS LAST;
SELECT balance, points FROM app.member_cards WHERE id = :'rex_card';
DROP VIEW money_state;
