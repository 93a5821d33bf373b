-- EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) of the SQL the RPCs run (src/rpc/queries.cpp,
-- src/rpc/settlements.cpp), with literal parameters, in a database made by history_seed.sql.
-- Each statement is planned as its RPC plans it (keep in step with the Statement declarations):
-- the history pages and the detail are prepared statements with a generic plan
-- (Statement::Plan::Generic: partitions pruned at executor start-up, "Subplans Removed"); the
-- registry lookup and the settlement lines use PostgreSQL's default choice (custom plans, made
-- again on every call). At the end: planning and execution time of the detail and the
-- settlement-lines statements over 20 warm calls each.
-- psql variables: member (i), merchant (i), tx (n), day_merchant (i), day (a date).
\set ON_ERROR_STOP 1
SELECT card_id AS card FROM hist.cards WHERE i = :member \gset
SELECT hist.merchant_id(:merchant) AS merchant_uuid, hist.merchant_id(:day_merchant) AS day_merchant_uuid,
       hist.tx_no(:tx) AS tx_no,
       to_char(date_trunc('month', now()) - interval '1 month', 'YYYY-MM-DD') AS last_month,
       to_char(date_trunc('month', now()), 'YYYY-MM-DD') AS this_month \gset

SET plan_cache_mode = force_generic_plan;
PREPARE member_page(uuid, timestamptz, timestamptz, timestamptz, uuid, text, int) AS
SELECT t.id, t.tx_no, t.tx_type::text, t.card_id, m.code, t.raw_amount, t.discount_applied, t.final_amount,
       t.points_earned, t.status::text, t.reason, t.payment_method, t.created_at
  FROM app.transactions t LEFT JOIN app.merchants m ON m.id = t.merchant_id
 WHERE t.card_id = $1
   AND t.created_at >= $2 AND t.created_at < $3 AND t.created_at <= $4 AND (t.created_at, t.id) < ($4, $5)
   AND ($6::text IS NULL OR t.tx_type::text = $6)
 ORDER BY t.created_at DESC, t.id DESC LIMIT $7;
PREPARE merchant_page(uuid, timestamptz, timestamptz, timestamptz, uuid, text, int) AS
SELECT t.id, t.tx_no, t.tx_type::text, t.card_id, m.code, t.raw_amount, t.discount_applied, t.final_amount,
       t.points_earned, t.status::text, t.reason, t.payment_method, t.created_at
  FROM app.transactions t LEFT JOIN app.merchants m ON m.id = t.merchant_id
 WHERE t.merchant_id = $1
   AND t.created_at >= $2 AND t.created_at < $3 AND t.created_at <= $4 AND (t.created_at, t.id) < ($4, $5)
   AND ($6::text IS NULL OR t.tx_type::text = $6)
 ORDER BY t.created_at DESC, t.id DESC LIMIT $7;

\echo
\echo '--- member page: get_member_transactions(p_member_id => member' :member '), first page of 50, no period (what pgbench measures)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
EXECUTE member_page(:'card', '-infinity', 'infinity', 'infinity', '00000000-0000-0000-0000-000000000000', NULL, 50);
\echo
\echo '--- member page, asked period: p_from =>' :'last_month' ', p_to =>' :'this_month'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
EXECUTE member_page(:'card', :'last_month', :'this_month', 'infinity', '00000000-0000-0000-0000-000000000000', NULL, 50);
\echo
\echo '--- merchant page: get_merchant_transactions(merchant' :merchant '), first page of 50, no period'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
EXECUTE merchant_page(:'merchant_uuid', '-infinity', 'infinity', 'infinity', '00000000-0000-0000-0000-000000000000', NULL, 50);

SELECT tx_id, created_at AS tx_at FROM app.tx_registry WHERE tx_no = :'tx_no' \gset
PREPARE detail_stmt(uuid, timestamptz) AS
WITH x AS (SELECT * FROM app.transactions WHERE id = $1 AND created_at = $2)
SELECT 'transaction', t.tx_no, t.tx_type::text, t.card_id, m.code, t.raw_amount, t.discount_applied,
       t.final_amount, t.points_earned, t.status::text, t.reason, t.created_at
  FROM x t LEFT JOIN app.merchants m ON m.id = t.merchant_id
 UNION ALL
SELECT CASE WHEN x.tx_type = 'payment' THEN 'refund' ELSE 'payment' END, t.tx_no, t.tx_type::text, t.card_id,
       m.code, t.raw_amount, t.discount_applied, t.final_amount, t.points_earned, t.status::text, t.reason,
       t.created_at
  FROM x JOIN app.transactions t
    ON (x.tx_type = 'payment' AND t.original_tx_id = x.id AND t.card_id = x.card_id)
    OR (x.tx_type = 'refund' AND t.id = x.original_tx_id AND t.card_id = x.card_id)
  LEFT JOIN app.merchants m ON m.id = t.merchant_id
 ORDER BY 12, 2;
\echo
\echo '--- transaction detail: get_transaction_detail(' :'tx_no' '): the registry row, then the transaction with its refunds or its payment'
SET plan_cache_mode = auto;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT r.tx_id, r.created_at, r.card_id, r.merchant_id, m.code
  FROM app.tx_registry r LEFT JOIN app.merchants m ON m.id = r.merchant_id WHERE r.tx_no = :'tx_no';
SET plan_cache_mode = force_generic_plan;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE detail_stmt(:'tx_id', :'tx_at');
SET plan_cache_mode = auto;

\echo
\echo '--- settlement lines: generate_settlement(merchant' :day_merchant ', t_plus_1,' :'day' '), in a transaction rolled back'
BEGIN;
INSERT INTO app.settlements (merchant_id, mode, period_start, period_end)
VALUES (:'day_merchant_uuid', 't_plus_1', :'day'::date, :'day'::date + 1) RETURNING id AS settlement_id \gset
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH l AS (
  INSERT INTO app.settlement_lines (tx_id, tx_created_at, settlement_id, merchant_id, tx_no, kind, card_id,
         raw_amount, amount)
  SELECT t.id, t.created_at, :'settlement_id', t.merchant_id, t.tx_no,
         CASE WHEN t.tx_type = 'refund' THEN 'refund' WHEN t.tx_type = 'recharge' THEN 'counter_topup'
              WHEN c.card_type = 'voucher' AND c.voucher_merchant_id = t.merchant_id THEN 'merchant_voucher'
              ELSE 'payment' END,
         t.card_id, t.raw_amount, t.final_amount
    FROM app.transactions t JOIN app.member_cards c ON c.id = t.card_id
   WHERE t.merchant_id = :'day_merchant_uuid' AND t.created_at >= :'day'::date::timestamptz AND t.created_at < (:'day'::date + 1)::timestamptz
     AND t.tx_type IN ('payment', 'refund', 'recharge') AND t.status IN ('completed', 'refunded')
     AND NOT EXISTS (SELECT 1 FROM app.settlement_lines x WHERE x.tx_id = t.id)
  ON CONFLICT (tx_id) DO NOTHING
  RETURNING kind, amount)
SELECT count(*) FILTER (WHERE kind = 'payment'),
       (COALESCE(sum(amount) FILTER (WHERE kind = 'payment'), 0) * 100)::int8,
       count(*) FILTER (WHERE kind = 'refund'),
       (COALESCE(sum(amount) FILTER (WHERE kind = 'refund'), 0) * 100)::int8,
       count(*) FILTER (WHERE kind = 'merchant_voucher'),
       (COALESCE(sum(amount) FILTER (WHERE kind = 'merchant_voucher'), 0) * 100)::int8,
       count(*) FILTER (WHERE kind = 'counter_topup'),
       (COALESCE(sum(amount) FILTER (WHERE kind = 'counter_topup'), 0) * 100)::int8
  FROM l;
ROLLBACK;

-- Median planning / execution time of 20 EXPLAIN ANALYZE of a prepared statement, in the
-- session's plan_cache_mode.
CREATE FUNCTION pg_temp.explain_times(q text, n int DEFAULT 20) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  j json;
  p float8[] := '{}';
  e float8[] := '{}';
BEGIN
  FOR i IN 1 .. n LOOP
    EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || q INTO j;
    p := p || (j->0->>'Planning Time')::float8;
    e := e || (j->0->>'Execution Time')::float8;
  END LOOP;
  RETURN format('planning %s ms, execution %s ms (medians of %s calls in one session)',
                (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 3) FROM unnest(p) x),
                (SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY x)::numeric, 3) FROM unnest(e) x), n);
END
$$;
PREPARE lines_stmt(uuid, uuid, timestamptz, timestamptz) AS
WITH l AS (
  INSERT INTO app.settlement_lines (tx_id, tx_created_at, settlement_id, merchant_id, tx_no, kind, card_id,
         raw_amount, amount)
  SELECT t.id, t.created_at, $2, t.merchant_id, t.tx_no,
         CASE WHEN t.tx_type = 'refund' THEN 'refund' WHEN t.tx_type = 'recharge' THEN 'counter_topup'
              WHEN c.card_type = 'voucher' AND c.voucher_merchant_id = t.merchant_id THEN 'merchant_voucher'
              ELSE 'payment' END,
         t.card_id, t.raw_amount, t.final_amount
    FROM app.transactions t JOIN app.member_cards c ON c.id = t.card_id
   WHERE t.merchant_id = $1 AND t.created_at >= $3 AND t.created_at < $4
     AND t.tx_type IN ('payment', 'refund', 'recharge') AND t.status IN ('completed', 'refunded')
     AND NOT EXISTS (SELECT 1 FROM app.settlement_lines x WHERE x.tx_id = t.id)
  ON CONFLICT (tx_id) DO NOTHING
  RETURNING kind, amount)
SELECT count(*) FILTER (WHERE kind = 'payment'), count(*) FILTER (WHERE kind = 'refund'),
       count(*) FILTER (WHERE kind = 'counter_topup') FROM l;
\echo
\echo '--- planning and execution per call, planned as the RPCs plan them:'
\t on
SET plan_cache_mode = force_generic_plan;
SELECT 'transaction detail (generic plan, made once): ' || pg_temp.explain_times(format('EXECUTE detail_stmt(%L, %L)', :'tx_id', :'tx_at')) AS " ";
SET plan_cache_mode = auto;
BEGIN;
INSERT INTO app.settlements (merchant_id, mode, period_start, period_end)
VALUES (:'day_merchant_uuid', 't_plus_1', :'day'::date, :'day'::date + 1) RETURNING id AS settlement_id \gset
SELECT 'settlement lines (custom plans, one per call): ' || pg_temp.explain_times(format('EXECUTE lines_stmt(%L, %L, %L, %L)', :'day_merchant_uuid',
         :'settlement_id', :'day'::date::timestamptz, (:'day'::date + 1)::timestamptz)) AS " ";
ROLLBACK;
\t off
