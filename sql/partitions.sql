-- Partition lifecycle (issue #11): partitions kept at least two months ahead (ensure_partitions,
-- ensure_next_month_partition), months past the retention archived with every balance still
-- provable (archive_partitions, verify_ledger), what an archived transaction means for refunds,
-- details and retried requests, QR history retention (cron_cleanup_qr_history), the monitoring
-- views, and who may call them. Months are named relative to the current UTC month (m-14 is 14
-- months ago): nothing printed depends on today's date. Other tests' partitions of older months
-- (empty) may be archived along; only this test's months are shown.
\set SHOW_CONTEXT never
\set VERBOSITY default

\set u_ann  'a2c00000-0000-4000-8000-000000000001'
\set u_cash 'a2c00000-0000-4000-8000-00000000000a'
\set as_ann  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a2c00000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_cash 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a2c00000-0000-4000-8000-00000000000a","role":"authenticated"}'';'
\set as_service 'SET LOCAL ROLE service_role;'

-- Rows moved back in time (pg_temp.move_tx).
\i sql/lib/move_tx.sql
-- Rows and Σ final_amount of a table (an archived month's, named by the archive).
CREATE FUNCTION pg_temp.rows_of(p_table text) RETURNS TABLE (tx_count bigint, final_total numeric) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format('SELECT count(*), COALESCE(sum(final_amount), 0) FROM %s', p_table);
END $$;
-- Runs a statement built from the catalog (names that depend on today's date are not printed).
CREATE FUNCTION pg_temp.exec(p_sql text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN EXECUTE p_sql; RETURN true; END $$;
-- A month's name relative to the current one (m-14, m+0, ...).
CREATE FUNCTION pg_temp.rel(p_month date) RETURNS text LANGUAGE sql AS $$
  SELECT 'm' || CASE WHEN n >= 0 THEN '+' ELSE '' END || n
    FROM (SELECT ((extract(year FROM p_month) - extract(year FROM now() AT TIME ZONE 'UTC')) * 12
                  + extract(month FROM p_month) - extract(month FROM now() AT TIME ZONE 'UTC'))::int AS n) s
$$;
SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '14 months')::date AS m14,
       (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '13 months')::date AS m13,
       (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '12 months')::date AS m12 \gset
-- (Their first instants, UTC: partitions and settlement months here are UTC months.)
SELECT :'m14'::timestamp AT TIME ZONE 'UTC' AS t14, :'m13'::timestamp AT TIME ZONE 'UTC' AS t13,
       :'m12'::timestamp AT TIME ZONE 'UTC' AS t12 \gset

SELECT app.create_merchant('PT_SHOP', 'Partition shop') AS shop \gset
SELECT app.add_merchant_user('PT_SHOP', :'u_cash');
BEGIN; :as_ann SELECT app.create_member_profile('PT Ann') IS NOT NULL AS registered; COMMIT;
SELECT id AS card FROM app.member_cards WHERE owner_member_id = :'u_ann' AND card_type = 'standard' \gset
SET mps.qr_reuse_within_ttl = on;
BEGIN; :as_ann SELECT qr_plain AS qr FROM app.rotate_card_qr(:'card', NULL, 86400) \gset
COMMIT;
CREATE TEMP TABLE tx (label text PRIMARY KEY, tx_no text NOT NULL);
GRANT ALL ON tx TO PUBLIC;

-- m-14: a recharge of 500.00, payments of 100.00 and 60.00, a refund of 10.00 of the first.
-- Now: a refund of 5.00 of the second (a live refund whose payment gets archived). m-12: a
-- payment of 30.00; m-13: its refund (a refund's row carries its transaction's start, which can
-- precede its payment's).
INSERT INTO tx SELECT 'rcg', tx_no FROM app.user_recharge_card(:'card', 500.00);
BEGIN; :as_cash
INSERT INTO tx SELECT 'p1', tx_no FROM app.merchant_charge_by_qr('PT_SHOP', :'qr', 100.00, p_idempotency_key => 'pt-p1');
INSERT INTO tx SELECT 'p2', tx_no FROM app.merchant_charge_by_qr('PT_SHOP', :'qr', 60.00);
INSERT INTO tx SELECT 'p3', tx_no FROM app.merchant_charge_by_qr('PT_SHOP', :'qr', 30.00);
COMMIT;
BEGIN; :as_cash
INSERT INTO tx SELECT 'r1', refund_tx_no FROM app.merchant_refund_tx('PT_SHOP', (SELECT tx_no FROM tx WHERE label = 'p1'), 10.00);
INSERT INTO tx SELECT 'r2', refund_tx_no FROM app.merchant_refund_tx('PT_SHOP', (SELECT tx_no FROM tx WHERE label = 'p2'), 5.00);
INSERT INTO tx SELECT 'r3', refund_tx_no FROM app.merchant_refund_tx('PT_SHOP', (SELECT tx_no FROM tx WHERE label = 'p3'), 30.00);
COMMIT;
SELECT pg_temp.move_tx(tx_no, :'t14'::timestamptz + interval '3 days') FROM tx WHERE label IN ('rcg', 'p1', 'p2', 'r1');
SELECT pg_temp.move_tx(tx_no, :'t12'::timestamptz + interval '5 days') FROM tx WHERE label = 'p3';
SELECT pg_temp.move_tx(tx_no, :'t13'::timestamptz + interval '20 days') FROM tx WHERE label = 'r3';
SELECT balance FROM app.member_cards WHERE id = :'card';
SELECT count(*) AS ledger_violations FROM app.verify_ledger();

--------------------------------------------------------------------------------------------
-- Archive (mps.transaction_retention_months = 12: months that ended more than 12 months ago)
--------------------------------------------------------------------------------------------
SHOW mps.transaction_retention_months;
-- m-14 before: its rows and sums.
SELECT count(*) AS m14_rows, sum(final_amount) AS m14_final FROM app.transactions
 WHERE created_at >= :'t14' AND created_at < :'t13';
-- Its merchant payments are not settled yet: held (and so is everything after it).
CREATE TEMP TABLE run1 AS SELECT * FROM app.archive_partitions();
SELECT pg_temp.rel(month) AS month, regexp_replace(table_name, 'y[0-9]{4}m[0-9]{2}', 'yYYYYmMM') AS table_name,
       tx_count, outcome, note
  FROM run1 WHERE month >= :'m14' ORDER BY run1.month;
SELECT coalesce(bool_and(tx_count = 0 AND outcome = 'archived'), true) AS older_months_archived_empty FROM run1 WHERE month < :'m14';
SELECT count(*) AS m14_still_live FROM app.transactions
 WHERE created_at >= :'t14' AND created_at < :'t13';

-- Settled (monthly), m-14 is archived; m-13, settled too, is held: its refund refunds a payment
-- of m-12, which stays live.
SELECT app.generate_settlement(:'shop', 'monthly', :'t14', :'t13') IS NOT NULL AS m14_settled;
SELECT app.generate_settlement(:'shop', 'monthly', :'t13', :'t12') IS NOT NULL AS m13_settled;
CREATE TEMP TABLE run2 AS SELECT * FROM app.archive_partitions();
SELECT pg_temp.rel(month) AS month, regexp_replace(table_name, 'y[0-9]{4}m[0-9]{2}', 'yYYYYmMM') AS table_name,
       tx_count, balance_total, cards, outcome, note
  FROM run2 WHERE month >= :'m14' ORDER BY run2.month;

-- After: no live row of m-14; the archived table holds the same rows and sums; the record.
SELECT count(*) AS m14_live_rows FROM app.transactions
 WHERE created_at >= :'t14' AND created_at < :'t13';
SELECT r.* FROM app.archived_months a, pg_temp.rows_of('archive.' || quote_ident(a.table_name)) r WHERE a.month = :'m14';
SELECT tx_count, balance_total, cards, totals, archived_by_role FROM app.archived_months WHERE month = :'m14';
SELECT tx_count, balance_delta FROM app.archived_card_totals WHERE card_id = :'card';
-- The registries keep their rows: numbers and keys stay unique forever.
SELECT count(*) AS registry_rows FROM app.tx_registry r JOIN tx ON tx.tx_no = r.tx_no;
SELECT count(*) AS key_rows FROM app.idempotency_registry WHERE idempotency_key = 'pt-p1';
-- Audited, with its figures.
SELECT action, object_type, context ->> 'rows' AS rows, context ->> 'balance_total' AS balance_total,
       context ->> 'keep_months' AS keep_months
  FROM audit.event_log WHERE action = 'partition.archive' AND object_id = to_char(:'m14'::date, 'YYYY-MM');

-- Balances stay provable: carried totals + live rows.
SELECT * FROM app.verify_ledger();
SELECT balance FROM app.member_cards WHERE id = :'card';

-- Running it again archives nothing more (m-13 is still held).
SELECT pg_temp.rel(month) AS month, outcome FROM app.archive_partitions() a WHERE month >= :'m14' ORDER BY a.month;
SELECT count(*) AS archived_again FROM app.archive_partitions() WHERE outcome = 'archived';
-- m-13 is in the retention of 14 months: nothing to do.
SELECT count(*) AS with_14_months FROM app.archive_partitions(14);

--------------------------------------------------------------------------------------------
-- An archived transaction: refunds refused, details and retries say so (the errors' DETAIL
-- names the month and the transaction's number: not printed)
--------------------------------------------------------------------------------------------
\set VERBOSITY terse
BEGIN; :as_cash
SELECT * FROM app.merchant_refund_tx('PT_SHOP', (SELECT tx_no FROM tx WHERE label = 'p1'), 1.00);
\echo :SQLSTATE
ROLLBACK;
SELECT * FROM app.get_transaction_detail((SELECT tx_no FROM tx WHERE label = 'p1'));
\echo :SQLSTATE
-- A live refund of an archived payment: the payment as its registry row knows it.
SELECT relation, tx_type, final_amount, status, tx_no = (SELECT tx_no FROM tx WHERE label = 'p2') AS is_p2
  FROM app.get_transaction_detail((SELECT tx_no FROM tx WHERE label = 'r2')) ORDER BY relation DESC;
-- Its card's member is told the same; to a stranger it is as unknown as any other number.
BEGIN; :as_ann
SELECT * FROM app.get_transaction_detail((SELECT tx_no FROM tx WHERE label = 'p1'));
ROLLBACK;
BEGIN; SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a2c00000-0000-4000-8000-0000000000ff","role":"authenticated"}';
SELECT * FROM app.get_transaction_detail((SELECT tx_no FROM tx WHERE label = 'p1'));
\echo :SQLSTATE
ROLLBACK;
-- The charge retried with its idempotency key.
BEGIN; :as_cash
SELECT * FROM app.merchant_charge_by_qr('PT_SHOP', :'qr', 100.00, p_idempotency_key => 'pt-p1');
\echo :SQLSTATE
ROLLBACK;
-- Its month never gets a partition again.
SELECT sec.ensure_transaction_partition(:'m14');
\set VERBOSITY default

--------------------------------------------------------------------------------------------
-- The ledger checker sees tampering with archived months
--------------------------------------------------------------------------------------------
-- (Objects without their date- or random-dependent parts.)
CREATE FUNCTION pg_temp.violations() RETURNS TABLE (invariant text, object_id text) LANGUAGE sql AS $$
  SELECT v.invariant, CASE WHEN v.invariant = 'card_balance' THEN 'a card'
                           ELSE regexp_replace(regexp_replace(regexp_replace(v.object_id, 'y[0-9]{4}m[0-9]{2}', 'yYYYYmMM'),
                                                              '^[0-9]{4}-[0-9]{2}$', 'YYYY-MM'), '^([A-Z]{3})[0-9]+$', '\1…') END
    FROM app.verify_ledger() v ORDER BY 1, 2
$$;
-- An archived row changed.
BEGIN;
SELECT pg_temp.exec(format('UPDATE archive.%I SET final_amount = final_amount + 1 WHERE tx_type = ''recharge''', table_name))
  FROM app.archived_months WHERE month = :'m14';
SELECT * FROM pg_temp.violations();
ROLLBACK;
-- Carried totals lost.
BEGIN;
DELETE FROM app.archived_card_totals WHERE card_id = :'card';
SELECT * FROM pg_temp.violations();
ROLLBACK;
-- A partition detached by hand, never recorded.
BEGIN;
SELECT pg_temp.exec(format('ALTER TABLE app.transactions DETACH PARTITION %s', partition))
  FROM sec.transaction_partitions() WHERE month = :'m12';
SELECT * FROM pg_temp.violations();
ROLLBACK;
-- An archived table exported to cold storage and dropped: its record stands for it.
BEGIN;
SELECT pg_temp.exec(format('DROP TABLE archive.%I', table_name)) FROM app.archived_months WHERE month = :'m14';
SELECT count(*) AS violations_after_export FROM app.verify_ledger();
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Retention and partition arguments
--------------------------------------------------------------------------------------------
SELECT count(*) AS archived_months_before FROM app.archived_months \gset
SELECT * FROM app.archive_partitions(0);
\echo :SQLSTATE
SELECT * FROM app.archive_partitions(-1);
SELECT * FROM app.archive_partitions(1201);
SET mps.transaction_retention_months = 0;
SET mps.transaction_retention_months = 'a year';
SHOW mps.transaction_retention_months;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM app.archive_partitions();
ROLLBACK;
SELECT count(*) = :archived_months_before AS archived_months_unchanged FROM app.archived_months;
SELECT app.ensure_partitions(1);
\echo :SQLSTATE
SELECT app.ensure_partitions(NULL);
SELECT app.ensure_partitions(121);
SELECT app.ensure_partitions(2) AS created_two_ahead;
-- Two months ahead gone: seed 000's call makes them again (3 ahead).
BEGIN;
SELECT count(pg_temp.exec(format('DROP TABLE %s', partition))) AS dropped FROM sec.transaction_partitions()
 WHERE month >= (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months')::date;
SELECT months_ready_ahead FROM monitor.partitions_ready;
SELECT app.ensure_next_month_partition() AS created;
SELECT months_ready_ahead FROM monitor.partitions_ready;
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Monitoring
--------------------------------------------------------------------------------------------
SELECT pg_temp.rel(month) AS month, state, regexp_replace(table_name, 'y[0-9]{4}m[0-9]{2}', 'yYYYYmMM') AS table_name,
       is_current, months_ahead
  FROM monitor.partitions p WHERE month IN (:'m14', :'m13') OR months_ahead >= 0 ORDER BY p.month;
SELECT current_month = date_trunc('month', now() AT TIME ZONE 'UTC')::date AS is_this_month, current_month_ready,
       months_ready_ahead, live_months_past_retention, archived_months >= 1 AS some_archived
  FROM monitor.partitions_ready;
-- Next month missing: 0 ahead, so the alert fires before a write fails.
BEGIN;
SELECT count(pg_temp.exec(format('DROP TABLE %s', partition))) AS dropped FROM sec.transaction_partitions()
 WHERE month = (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month')::date;
SELECT months_ready_ahead FROM monitor.partitions_ready;
SELECT pg_temp.rel(month) AS month, state FROM monitor.partitions WHERE months_ahead = 1;
ROLLBACK;

--------------------------------------------------------------------------------------------
-- QR history retention (seed 001: 30 days)
--------------------------------------------------------------------------------------------
-- Two more rotations: two ended codes and the live one; all of them 40 days old.
BEGIN; :as_ann SELECT count(*) AS rotated FROM app.rotate_card_qr(:'card'); COMMIT;
BEGIN; :as_ann SELECT count(*) AS rotated FROM app.rotate_card_qr(:'card'); COMMIT;
UPDATE app.card_qr_history SET issued_at = issued_at - interval '40 days', expires_at = expires_at - interval '40 days',
                               ended_at = ended_at - interval '40 days'
 WHERE card_id = :'card';
SELECT count(*) AS history_rows, count(*) FILTER (WHERE ended_at IS NULL) AS live FROM app.card_qr_history WHERE card_id = :'card';
SELECT app.cron_cleanup_qr_history(0);
\echo :SQLSTATE
SELECT app.cron_cleanup_qr_history(NULL);
SELECT app.cron_cleanup_qr_history(50) AS deleted_keeping_50_days;
SELECT app.cron_cleanup_qr_history() AS deleted;
SELECT app.cron_cleanup_qr_history() AS deleted_again;
SELECT count(*) AS history_rows, count(*) FILTER (WHERE ended_at IS NULL) AS live FROM app.card_qr_history WHERE card_id = :'card';
SELECT context FROM audit.event_log WHERE action = 'qr.history_cleanup' ORDER BY id DESC LIMIT 1;

--------------------------------------------------------------------------------------------
-- Who may call them: platform administrators (service_role, psql administrators) only
--------------------------------------------------------------------------------------------
BEGIN; SET LOCAL ROLE anon; SELECT * FROM app.archive_partitions(); ROLLBACK;
BEGIN; :as_ann SELECT * FROM app.archive_partitions(); ROLLBACK;
BEGIN; :as_cash SELECT app.cron_cleanup_qr_history(); ROLLBACK;
BEGIN; :as_cash SELECT app.ensure_next_month_partition(); ROLLBACK;
BEGIN; :as_ann SELECT * FROM monitor.partitions; ROLLBACK;
BEGIN; SET LOCAL ROLE anon; SELECT * FROM monitor.partitions_ready; ROLLBACK;
-- Even with EXECUTE granted by mistake, a member or a cashier gets PERMISSION_DENIED.
BEGIN;
GRANT EXECUTE ON FUNCTION app.archive_partitions(integer), app.cron_cleanup_qr_history(integer),
                          app.ensure_next_month_partition(), app.ensure_partitions(integer) TO authenticated;
:as_ann
SAVEPOINT s; SELECT * FROM app.archive_partitions(); ROLLBACK TO s;
SAVEPOINT s; SELECT app.cron_cleanup_qr_history(); ROLLBACK TO s;
:as_cash
SAVEPOINT s; SELECT app.ensure_next_month_partition(); ROLLBACK TO s;
SAVEPOINT s; SELECT app.ensure_partitions(3); ROLLBACK TO s;
ROLLBACK;
BEGIN; :as_service
SELECT count(*) FILTER (WHERE outcome = 'archived') AS service_role_archived FROM app.archive_partitions();
SELECT app.cron_cleanup_qr_history() AS service_role_deleted;
SELECT app.ensure_next_month_partition() AS service_role_created;
SELECT count(*) > 0 AS service_role_reads_monitor FROM monitor.partitions;
SELECT months_ready_ahead FROM monitor.partitions_ready;
COMMIT;
