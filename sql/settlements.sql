-- Merchant settlement (issue "Merchant settlement"): generate_settlement for t_plus_1, monthly and
-- realtime periods (the day-end rule of seed 001's daily job), figures to the cent with fees,
-- refunds of a payment settled in an earlier period, merchant-funded vouchers and counter
-- top-ups; idempotent re-generation; refused overlaps, periods and transitions; statements.
\set SHOW_CONTEXT never
\set VERBOSITY default

\set u_ann  '5e770000-0000-4000-8000-000000000001'
\set u_cash '5e770000-0000-4000-8000-00000000000a'
\set u_cash2 '5e770000-0000-4000-8000-00000000000b'
\set as_ann  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"5e770000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_cash 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"5e770000-0000-4000-8000-00000000000a","role":"authenticated"}'';'
\set as_cash2 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"5e770000-0000-4000-8000-00000000000b","role":"authenticated"}'';'
\set as_service 'SET LOCAL ROLE service_role;'

-- Rows moved back in time (pg_temp.move_tx).
\i sql/lib/move_tx.sql
-- Settlement days are those of mps.settlement_time_zone (the deployment's; here the zone this
-- test session runs in), whatever a caller's TimeZone: d2 is the day before yesterday, d1 yesterday.
SET mps.settlement_time_zone = 'PST8PDT';
SELECT date_trunc('day', now()) - interval '2 days' AS d2, date_trunc('day', now()) - interval '1 day' AS d1 \gset

SELECT app.create_merchant('ST_SHOP', 'Settlement shop') AS shop \gset
SELECT app.create_merchant('ST_OTHER', 'Another shop') AS other \gset
SELECT app.add_merchant_user('ST_SHOP', :'u_cash');
SELECT app.add_merchant_user('ST_SHOP', :'u_cash2', 'owner');
SELECT app.set_merchant_fee_rate('ST_SHOP', 0.0060);
SELECT enabled FROM app.set_merchant_counter_topup('ST_SHOP', true, 500.00, 1000.00);
BEGIN; :as_ann SELECT app.create_member_profile('ST Ann') IS NOT NULL AS registered; COMMIT;
SELECT id AS ann_card FROM app.member_cards WHERE owner_member_id = :'u_ann' AND card_type = 'standard' \gset
SELECT amount FROM app.user_recharge_card(:'ann_card', 1000.00);
SET mps.qr_reuse_within_ttl = on;
BEGIN; :as_ann SELECT qr_plain AS qr FROM app.rotate_card_qr(:'ann_card', NULL, 86400) \gset
COMMIT;
CREATE TEMP TABLE tx (label text PRIMARY KEY, tx_no text NOT NULL);
GRANT ALL ON tx TO PUBLIC;

-- The day before yesterday: payments 100.00 and 50.00, a refund of 20.00 of the first.
BEGIN; :as_cash
INSERT INTO tx SELECT 'p1', tx_no FROM app.merchant_charge_by_qr('ST_SHOP', :'qr', 100.00);
INSERT INTO tx SELECT 'p2', tx_no FROM app.merchant_charge_by_qr('ST_SHOP', :'qr', 50.00);
COMMIT;
BEGIN; :as_cash
INSERT INTO tx SELECT 'r1', refund_tx_no FROM app.merchant_refund_tx('ST_SHOP', (SELECT tx_no FROM tx WHERE label = 'p1'), 20.00);
COMMIT;
SELECT pg_temp.move_tx(tx_no, :'d2'::timestamptz + interval '10 hours') FROM tx WHERE label IN ('p1', 'p2');
SELECT pg_temp.move_tx(tx_no, :'d2'::timestamptz + interval '23 hours 59 minutes 59.5 seconds') FROM tx WHERE label = 'r1';

-- Seed 001's daily job for that day: 00:00:00 and 23:59:59 with the clock's microseconds. The
-- refund at 23:59:59.5 belongs to the day too.
SELECT to_char(:'d2'::timestamptz, 'YYYY-MM-DD') || 'T00:00:00.123456' AS job_start,
       to_char(:'d2'::timestamptz, 'YYYY-MM-DD') || 'T23:59:59.123456' AS job_end \gset
SELECT app.generate_settlement(p_merchant_id => :'shop', p_mode => 't_plus_1',
                               p_period_start => :'job_start', p_period_end => :'job_end') AS s2 \gset
SELECT mode, period_start = :'d2' AS starts_at_midnight, period_end = :'d2'::timestamptz + interval '1 day' AS ends_next_midnight,
       payments_count, payments_total, refunds_count, refunds_total, vouchers_count, topups_count, fee_rate, fee, net_total,
       status, due_at = :'d2'::timestamptz + interval '2 days' AS due_t_plus_1
  FROM app.settlements WHERE id = :'s2';
-- The same day again: the same settlement, also from a caller in another TimeZone.
BEGIN;
SET LOCAL TimeZone = 'Asia/Shanghai';
SELECT app.generate_settlement(:'shop', 't_plus_1', :'job_start'::timestamp AT TIME ZONE 'PST8PDT',
                               :'job_end'::timestamp AT TIME ZONE 'PST8PDT') = :'s2' AS same_from_shanghai;
COMMIT;
-- A period overlapping it: refused.
SELECT app.generate_settlement(:'shop', 't_plus_1', :'d2', :'d2'::timestamptz + interval '1 day') = :'s2' AS same_settlement;
SELECT app.generate_settlement(:'shop', 'realtime', :'d2'::timestamptz + interval '12 hours', :'d2'::timestamptz + interval '30 hours');
\echo :SQLSTATE
SELECT app.generate_settlement(:'shop', 'monthly', date_trunc('month', :'d2'::timestamptz),
                               date_trunc('month', :'d2'::timestamptz) + interval '1 month');
\echo :SQLSTATE

-- Yesterday: a payment of 30.00, a refund of 10.00 of the payment settled the day before, a
-- counter top-up of 40.00 in cash, and a payment with a voucher the shop issued itself.
BEGIN; :as_cash
INSERT INTO tx SELECT 'p3', tx_no FROM app.merchant_charge_by_qr('ST_SHOP', :'qr', 30.00);
INSERT INTO tx SELECT 'r2', refund_tx_no FROM app.merchant_refund_tx('ST_SHOP', (SELECT tx_no FROM tx WHERE label = 'p2'), 10.00);
COMMIT;
BEGIN; :as_cash
INSERT INTO tx SELECT 't1', tx_no FROM app.user_recharge_card(:'ann_card', 40.00, 'cash', p_merchant_code => 'ST_SHOP');
COMMIT;
BEGIN; :as_cash2
SELECT card_id AS voucher FROM app.create_voucher_card(:'u_ann', 15.00, now() + interval '7 days', 'ST_SHOP') \gset
COMMIT;
BEGIN; :as_ann SELECT qr_plain AS vqr FROM app.rotate_card_qr(:'voucher') \gset
COMMIT;
BEGIN; :as_cash
INSERT INTO tx SELECT 'v1', tx_no FROM app.merchant_charge_by_qr('ST_SHOP', :'vqr', 15.00);
COMMIT;
SELECT pg_temp.move_tx(tx_no, :'d1'::timestamptz + interval '9 hours') FROM tx WHERE label IN ('p3', 'r2', 't1', 'v1');
SELECT app.generate_settlement(:'shop', 't_plus_1', :'d1', :'d1'::timestamptz + interval '1 day') AS s1 \gset
-- net = 30.00 - 10.00 - fee round(20.00 x 0.006) = 0.12 - top-up 40.00 = -20.12: the merchant owes.
SELECT payments_count, payments_total, refunds_count, refunds_total, vouchers_count, vouchers_total,
       topups_count, topups_total, fee, net_total FROM app.settlements WHERE id = :'s1';
-- The statement: every line, with the refund's original payment.
SELECT l.kind, l.raw_amount, l.amount, l.tx_no = x.tx_no AS same_tx,
       l.original_tx_no = (SELECT tx_no FROM tx WHERE label = 'p2') AS refunds_p2
  FROM app.get_settlement_lines(:'s1') l JOIN tx x ON x.tx_no = l.tx_no ORDER BY x.label;
-- As CSV (what the README's psql \copy exports).
COPY (SELECT kind, raw_amount, amount FROM app.get_settlement_lines(:'s1') ORDER BY kind) TO STDOUT WITH (FORMAT csv, HEADER);
-- Each transaction is in one settlement.
SELECT x.label, (SELECT count(*) FROM app.settlement_lines l WHERE l.tx_no = x.tx_no) AS settlements FROM tx x ORDER BY x.label;

--------------------------------------------------------------------------------------------
-- Periods a mode does not allow, periods not over yet, bad input
--------------------------------------------------------------------------------------------
SELECT app.generate_settlement(:'other', 't_plus_1', :'d1'::timestamptz + interval '1 hour', :'d1'::timestamptz + interval '1 day');
\echo :SQLSTATE
SELECT app.generate_settlement(:'other', 't_plus_1', :'d1', :'d1'::timestamptz + interval '23 hours');
\echo :SQLSTATE
SELECT app.generate_settlement(:'other', 't_plus_1', :'d2', :'d1'::timestamptz + interval '1 day');
\echo :SQLSTATE
SELECT app.generate_settlement(:'other', 't_plus_1', date_trunc('day', now()), date_trunc('day', now()) + interval '1 day');
\echo :SQLSTATE
SELECT app.generate_settlement(:'other', 'monthly', date_trunc('month', now()), date_trunc('month', now()) + interval '1 month');
\echo :SQLSTATE
SELECT app.generate_settlement(:'other', 'monthly', :'d1'::timestamptz + interval '1 hour', :'d1'::timestamptz + interval '1 month');
\echo :SQLSTATE
SELECT app.generate_settlement(:'other', 'realtime', now() - interval '1 hour', now() + interval '1 hour');
\echo :SQLSTATE
SELECT app.generate_settlement(:'other', 'realtime', now() - interval '1 hour', now() - interval '2 hours');
\echo :SQLSTATE
SELECT app.generate_settlement(:'other', 'weekly', :'d1', :'d1'::timestamptz + interval '7 days');
\echo :SQLSTATE
SELECT app.generate_settlement(:'other', 't_plus_1', NULL, :'d1');
\echo :SQLSTATE
SELECT app.generate_settlement('00000000-0000-4000-8000-000000000000', 't_plus_1', :'d1', :'d1'::timestamptz + interval '1 day');
\echo :SQLSTATE
BEGIN; :as_cash
SELECT app.generate_settlement(:'shop', 'realtime', now() - interval '1 hour', now());
\echo :SQLSTATE
ROLLBACK;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT app.generate_settlement(:'other', 'realtime', now() - interval '1 hour', now());
\echo :SQLSTATE
ROLLBACK;
-- No money moves after it in the same transaction (it would carry the transaction's start time,
-- inside the period just settled).
BEGIN;
SELECT app.generate_settlement(:'other', 'realtime', now() - interval '1 hour', clock_timestamp()) IS NOT NULL AS settled;
SELECT amount FROM app.user_recharge_card(:'ann_card', 1.00);
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS other_settlements FROM app.settlements WHERE merchant_id = :'other';

-- realtime: any ended period, as given; today's payment so far.
BEGIN; :as_cash
INSERT INTO tx SELECT 'p4', tx_no FROM app.merchant_charge_by_qr('ST_SHOP', :'qr', 12.34);
COMMIT;
SELECT app.generate_settlement(:'shop', 'realtime', date_trunc('day', now()), clock_timestamp()) AS s0 \gset
SELECT mode, payments_count, payments_total, fee, net_total, due_at = period_end AS due_at_end
  FROM app.settlements WHERE id = :'s0';

--------------------------------------------------------------------------------------------
-- Status: pending -> confirmed -> paid, or failed before it is paid; nothing else
--------------------------------------------------------------------------------------------
SELECT app.update_settlement_status(:'s2', 'paid');
\echo :SQLSTATE
SELECT app.update_settlement_status(:'s2', 'confirmed') AS confirmed;
SELECT app.update_settlement_status(:'s2', 'confirmed') AS confirmed_again;
SELECT app.update_settlement_status(:'s2', 'paid', 'bank transfer 2026-12-02') AS paid;
SELECT app.update_settlement_status(:'s2', 'failed');
\echo :SQLSTATE
SELECT app.update_settlement_status(:'s2', 'pending');
\echo :SQLSTATE
SELECT app.update_settlement_status(:'s1', 'failed', 'merchant owes: collect') AS failed;
SELECT app.update_settlement_status(:'s1', 'confirmed');
\echo :SQLSTATE
SELECT app.update_settlement_status(:'s1', 'refunded');
\echo :SQLSTATE
SELECT app.update_settlement_status('00000000-0000-4000-8000-000000000000', 'confirmed');
\echo :SQLSTATE
BEGIN; :as_cash2
SELECT app.update_settlement_status(:'s0', 'confirmed');
\echo :SQLSTATE
ROLLBACK;
SELECT status, status_changed_at IS NOT NULL AS changed FROM app.settlements WHERE id IN (:'s2', :'s1', :'s0') ORDER BY period_start;
SELECT context FROM audit.event_log WHERE action = 'settlement.status' AND object_id = :'s2' ORDER BY id;

--------------------------------------------------------------------------------------------
-- Who reads settlements and statements
--------------------------------------------------------------------------------------------
BEGIN; :as_cash
SELECT mode, net_total, status FROM app.list_settlements('ST_SHOP');
SELECT count(*) AS lines FROM app.get_settlement_lines(:'s1');
COMMIT;
-- A page of one, then the next page after its cursor.
BEGIN; :as_cash
SELECT cursor AS c1 FROM app.list_settlements('ST_SHOP', p_limit => 1) \gset
SELECT mode, period_start = :'d1' AS yesterday FROM app.list_settlements('ST_SHOP', p_limit => 1, p_before => :'c1');
COMMIT;
SELECT count(*) AS paid FROM app.list_settlements('ST_SHOP', 'paid');
SELECT * FROM app.list_settlements('ST_SHOP', p_before => 'not-a-cursor');
\echo :SQLSTATE
SELECT * FROM app.list_settlements('ST_SHOP', p_limit => 0);
\echo :SQLSTATE
BEGIN; :as_cash
SELECT * FROM app.list_settlements('ST_OTHER');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cash
SELECT * FROM app.list_settlements();
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_ann
SELECT * FROM app.get_settlement_lines(:'s1');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_ann
SELECT * FROM app.get_settlement_lines('00000000-0000-4000-8000-000000000000');
\echo :SQLSTATE
ROLLBACK;
SELECT * FROM app.get_settlement_lines('00000000-0000-4000-8000-000000000000');
\echo :SQLSTATE
BEGIN; :as_cash SELECT count(*) AS staff_reads_lines_directly FROM app.settlement_lines; COMMIT;
SELECT app.set_merchant_fee_rate('ST_SHOP', 1);
\echo :SQLSTATE
SELECT app.set_merchant_fee_rate('ST_SHOP', 0.00005);
\echo :SQLSTATE
BEGIN; :as_cash2
SELECT app.set_merchant_fee_rate('ST_SHOP', 0);
\echo :SQLSTATE
ROLLBACK;

-- The daily run (pg_cron's job mps_settle_t_plus_1): three days ago a payment at each shop; the
-- other shop's realtime settlement already covers part of that day, so the run leaves it to it
-- (skipped, audited); the shop's day is settled as generate_settlement settles it; run again, it
-- creates nothing. A day not over, a non-finite day and a member are refused.
SELECT date_trunc('day', now()) - interval '3 days' AS d3 \gset
INSERT INTO tx SELECT 'day3_shop', tx_no FROM app.merchant_charge_by_qr('ST_SHOP', :'qr', 30.00);
INSERT INTO tx SELECT 'day3_other', tx_no FROM app.merchant_charge_by_qr('ST_OTHER', :'qr', 40.00);
SELECT pg_temp.move_tx(tx_no, :'d3'::timestamptz + interval '12 hours') FROM tx WHERE label IN ('day3_shop', 'day3_other');
SELECT app.generate_settlement(:'other', 'realtime', :'d3'::timestamptz + interval '10 hours',
                               :'d3'::timestamptz + interval '13 hours') IS NOT NULL AS other_settled_realtime;
SELECT app.cron_settle_t_plus_1((:'d3')::date) AS created;
SELECT m.code, s.mode, s.payments_count, s.payments_total, s.fee, s.net_total,
       s.period_start = :'d3' AND s.period_end = :'d3'::timestamptz + interval '1 day' AS whole_day
  FROM app.settlements s JOIN app.merchants m ON m.id = s.merchant_id
 WHERE s.period_start >= :'d3' AND s.period_start < :'d3'::timestamptz + interval '1 day' ORDER BY m.code, s.mode;
SELECT app.cron_settle_t_plus_1((:'d3')::date) AS created_again;
SELECT object_id = to_char(:'d3'::timestamptz, 'YYYY-MM-DD') AS that_day, context - 'time_zone' AS run, context ->> 'time_zone' AS zone
  FROM audit.event_log WHERE action = 'settlement.daily_run' ORDER BY id;
SELECT app.cron_settle_t_plus_1(current_date);
\echo :SQLSTATE
SELECT app.cron_settle_t_plus_1('-infinity');
\echo :SQLSTATE
BEGIN; :as_ann
SELECT app.cron_settle_t_plus_1();
\echo :SQLSTATE
ROLLBACK;

-- The ledger checker also proves each settlement equals its lines.
SELECT * FROM app.verify_ledger();
BEGIN;
UPDATE app.settlements SET payments_total = payments_total + 0.01, net_total = net_total + 0.01 WHERE id = :'s2';
SELECT invariant FROM app.verify_ledger();
ROLLBACK;
RESET mps.qr_reuse_within_ttl;
RESET mps.settlement_time_zone;
