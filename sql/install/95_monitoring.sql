-- Monitoring views (README, operations): schema monitor, readable by service_role (and the
-- superuser) only (sec.apply_privileges). They read the tables as their owner, past RLS, so they
-- show no secret: no QR token or digest, no password hash, no query text. Failures come from the
-- failure log (audit.event_log, action PAYMENT_FAILED, written by the failure log writer while
-- mps is preloaded: app.failure_log_status()). Hours and days are UTC.

-- Charges per merchant and hour over the last 48 hours: how many succeeded, how many were
-- refused and why (seed 001: alert above 5% in the last hour). A refusal before the merchant was
-- known (an unknown merchant code) has no merchant.
CREATE OR REPLACE VIEW monitor.payments_hourly AS
WITH ok AS (
  SELECT date_trunc('hour', t.created_at AT TIME ZONE 'UTC') AS hour, t.merchant_id, count(*) AS n
    FROM app.transactions t
   WHERE t.tx_type = 'payment' AND t.created_at >= now() - interval '48 hours'
   GROUP BY 1, 2),
bad AS (
  SELECT date_trunc('hour', e.happened_at AT TIME ZONE 'UTC') AS hour, (e.context ->> 'merchant_id')::uuid AS merchant_id,
         e.context ->> 'error' AS code, count(*) AS n
    FROM audit.event_log e
   WHERE e.action = 'PAYMENT_FAILED' AND e.happened_at >= now() - interval '48 hours'
     AND e.context ->> 'rpc' = 'merchant_charge_by_qr'
   GROUP BY 1, 2, 3),
badsum AS (
  SELECT hour, merchant_id, sum(n)::bigint AS n, jsonb_object_agg(code, n) AS reasons FROM bad GROUP BY 1, 2)
SELECT coalesce(ok.hour, b.hour) AS hour, m.code AS merchant_code, coalesce(ok.merchant_id, b.merchant_id) AS merchant_id,
       coalesce(ok.n, 0)::bigint AS succeeded, coalesce(b.n, 0)::bigint AS failed,
       round(coalesce(b.n, 0)::numeric / (coalesce(ok.n, 0) + coalesce(b.n, 0)), 4) AS failure_rate,
       coalesce(b.reasons, '{}') AS reasons
  FROM ok FULL JOIN badsum b ON b.hour = ok.hour AND b.merchant_id IS NOT DISTINCT FROM ok.merchant_id
  LEFT JOIN app.merchants m ON m.id = coalesce(ok.merchant_id, b.merchant_id);
COMMENT ON VIEW monitor.payments_hourly IS
  'Charges per merchant and UTC hour over the last 48 hours: succeeded, refused (failure log), failure rate, reasons {code: count}';

-- Every refused money call (charges, refunds, recharges, recharge orders, adjustments) per hour,
-- call and code over the last 48 hours.
CREATE OR REPLACE VIEW monitor.refused_calls_hourly AS
SELECT date_trunc('hour', e.happened_at AT TIME ZONE 'UTC') AS hour, e.context ->> 'rpc' AS rpc,
       e.context ->> 'error' AS code, m.code AS merchant_code, count(*) AS calls,
       count(DISTINCT e.context ->> 'card_id') AS cards
  FROM audit.event_log e
  LEFT JOIN app.merchants m ON m.id = (e.context ->> 'merchant_id')::uuid
 WHERE e.action = 'PAYMENT_FAILED' AND e.happened_at >= now() - interval '48 hours'
 GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW monitor.refused_calls_hourly IS
  'Refused money calls per UTC hour, RPC, error code and merchant over the last 48 hours (failure log)';

-- Idempotency conflicts: a key or external order id reused for a different request (a client
-- bug or a replay) per hour and merchant over the last 48 hours.
CREATE OR REPLACE VIEW monitor.idempotency_conflicts AS
SELECT hour, rpc, code, merchant_code, calls
  FROM monitor.refused_calls_hourly
 WHERE code IN ('IDEMPOTENCY_KEY_REUSED', 'EXTERNAL_ORDER_ID_REUSED');
COMMENT ON VIEW monitor.idempotency_conflicts IS
  'Idempotency keys and external order ids reused for a different request, per UTC hour and merchant (failure log)';

-- Sessions waiting for a card's row lock now (a money call waits at most mps.card_lock_timeout,
-- then fails with CARD_BUSY): the first waiter holds the row's tuple lock and waits for the
-- holder's transaction, later ones wait for the tuple lock. The card comes from the tuple lock's
-- row address.
CREATE OR REPLACE VIEW monitor.card_lock_waits AS
SELECT w.pid, c.id AS card_id, w.waitstart AS waiting_since, clock_timestamp() - w.waitstart AS waited,
       pg_blocking_pids(w.pid) AS blocked_by, a.application_name, a.usename AS db_user
  FROM pg_locks w
  JOIN pg_locks t ON t.pid = w.pid AND t.locktype = 'tuple' AND t.relation = 'app.member_cards'::regclass
  LEFT JOIN app.member_cards c ON c.ctid = format('(%s,%s)', t.page, t.tuple)::tid
  LEFT JOIN pg_stat_activity a ON a.pid = w.pid
 WHERE NOT w.granted
   AND (w.locktype = 'transactionid' OR (w.locktype = 'tuple' AND w.relation = 'app.member_cards'::regclass));
COMMENT ON VIEW monitor.card_lock_waits IS
  'Sessions waiting for a card''s row lock now: pid, card, since when, blocked by which pids (no query text)';

-- Active cards whose expiry is near or has passed (past: the expiry job is not running), per
-- type, with the money they hold.
CREATE OR REPLACE VIEW monitor.cards_near_expiry AS
SELECT c.card_type,
       CASE WHEN c.expires_at <= now() THEN 'past'
            WHEN c.expires_at <= now() + interval '1 day' THEN 'within 1 day'
            WHEN c.expires_at <= now() + interval '7 days' THEN 'within 7 days'
            ELSE 'within 30 days' END AS expiry,
       count(*) AS cards, sum(c.balance) AS balance_total, min(c.expires_at) AS first_expiry
  FROM app.member_cards c
 WHERE c.status IN ('active', 'frozen') AND c.expires_at <= now() + interval '30 days'
 GROUP BY 1, 2;
COMMENT ON VIEW monitor.cards_near_expiry IS
  'Active or frozen cards expiring within 30 days or past their expiry (the expiry job is late), per type, with their balances';

-- Pending recharge orders: how many, how many expire within 5 minutes, how many are past their
-- expiry (the expiry job is not running), the oldest.
CREATE OR REPLACE VIEW monitor.recharge_orders_pending AS
SELECT count(*) AS pending,
       count(*) FILTER (WHERE o.expires_at > now() AND o.expires_at <= now() + interval '5 minutes') AS expiring_within_5_minutes,
       count(*) FILTER (WHERE o.expires_at <= now()) AS past_expiry,
       coalesce(sum(o.amount), 0) AS amount_total, min(o.created_at) AS oldest
  FROM app.recharge_orders o
 WHERE o.status = 'pending';
COMMENT ON VIEW monitor.recharge_orders_pending IS
  'Pending recharge orders: count, expiring within 5 minutes, past expiry (the expiry job is late), amount, oldest';

-- QR codes issued and ended per UTC day over the last 30 days (seed 001: the expiry rate), from
-- the code history (kept 30 days by the job mps_cleanup_qr_history).
CREATE OR REPLACE VIEW monitor.qr_daily AS
SELECT (date_trunc('day', h.issued_at AT TIME ZONE 'UTC'))::date AS day, count(*) AS issued,
       count(*) FILTER (WHERE h.end_reason = 'used') AS used,
       count(*) FILTER (WHERE h.end_reason = 'expired') AS expired,
       count(*) FILTER (WHERE h.end_reason = 'rotated') AS rotated,
       count(*) FILTER (WHERE h.end_reason = 'revoked') AS revoked,
       count(*) FILTER (WHERE h.ended_at IS NULL) AS live,
       round(count(*) FILTER (WHERE h.end_reason = 'expired')::numeric / count(*), 4) AS expired_rate
  FROM app.card_qr_history h
 WHERE h.issued_at >= now() - interval '30 days'
 GROUP BY 1;
COMMENT ON VIEW monitor.qr_daily IS
  'QR codes issued per UTC day over the last 30 days and how they ended (used, expired, rotated, revoked, still live)';

-- One row for an alerting job to poll: ok, and what is wrong (problems, empty when ok), with the
-- figures behind each check. Cheap: the last hour of charges and failures, catalog lookups.
CREATE OR REPLACE VIEW monitor.health AS
WITH f AS (SELECT * FROM app.failure_log_status()),
p AS (SELECT CASE WHEN current_month_ready THEN months_ready_ahead ELSE -1 END AS months_ahead, live_months_past_retention
        FROM monitor.partitions_ready),
h AS (SELECT coalesce(sum(succeeded), 0) AS succeeded, coalesce(sum(failed), 0) AS failed
        FROM monitor.payments_hourly WHERE hour >= date_trunc('hour', now() AT TIME ZONE 'UTC') - interval '1 hour'),
w AS (SELECT count(*) AS waiting, max(waited) AS longest FROM monitor.card_lock_waits),
c AS (SELECT coalesce(sum(cards) FILTER (WHERE expiry = 'past'), 0) AS cards_past_expiry FROM monitor.cards_near_expiry),
o AS (SELECT past_expiry FROM monitor.recharge_orders_pending),
j AS (SELECT count(*) AS scheduled, coalesce(sum(failures_last_day), 0) AS failures FROM app.job_status()),
x AS (SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') AS cron),
checks AS (
  SELECT f.*, p.months_ahead, p.live_months_past_retention, h.succeeded, h.failed, w.waiting, w.longest, c.cards_past_expiry, o.past_expiry,
         j.scheduled, j.failures, x.cron,
         array_remove(ARRAY[
           CASE WHEN p.months_ahead < 0 THEN 'the current month has no transaction partition: payments fail'
                WHEN p.months_ahead < 2 THEN 'fewer than 2 months of transaction partitions ahead' END,
           CASE WHEN p.live_months_past_retention > 0 THEN p.live_months_past_retention || ' live months are past the retention (app.archive_partitions has not run, or holds them: unsettled transactions)' END,
           CASE WHEN NOT f.collecting THEN 'refused payments are not being collected: ' || f.reason END,
           CASE WHEN f.dropped > 0 THEN 'the failure log dropped ' || f.dropped || ' refusals (queue full)' END,
           CASE WHEN h.failed > 0 AND h.failed::numeric / (h.succeeded + h.failed) > 0.05
                THEN 'payment failure rate ' || round(100 * h.failed::numeric / (h.succeeded + h.failed), 1) || '% since the last hour began' END,
           CASE WHEN w.longest > interval '5 seconds' THEN 'a call has waited ' || w.longest || ' for a card lock' END,
           CASE WHEN c.cards_past_expiry > 0 THEN c.cards_past_expiry || ' cards past their expiry are still active (is mps_expire_cards running?)' END,
           CASE WHEN o.past_expiry > 0 THEN o.past_expiry || ' recharge orders past their expiry are still pending (is mps_expire_recharge_orders running?)' END,
           CASE WHEN NOT x.cron THEN 'pg_cron is not installed in this database: no job runs'
                WHEN j.scheduled = 0 THEN 'no mps job is scheduled (app.schedule_jobs())' END,
           CASE WHEN j.failures > 0 THEN j.failures || ' job runs failed in the last day (app.job_status())' END
         ], NULL) AS problems
    FROM f, p, h, w, c, o, j, x)
SELECT clock_timestamp() AS checked_at, cardinality(problems) = 0 AS ok, problems,
       months_ahead AS partitions_months_ahead, live_months_past_retention, collecting AS failure_log_collecting, dropped AS failure_log_dropped,
       succeeded AS charges_last_hour, CASE WHEN collecting THEN failed END AS refused_charges_last_hour, waiting AS card_lock_waiters,
       longest AS longest_card_lock_wait, cards_past_expiry, past_expiry AS recharge_orders_past_expiry,
       scheduled AS jobs_scheduled, failures AS job_failures_last_day
  FROM checks;
COMMENT ON VIEW monitor.health IS
  'One row for alerting: ok, the problems found (none when ok) and the figures behind them';
