-- Monthly partitions of app.transactions (ARCHITECTURE.md §2, §10). Run by install and every
-- upgrade; 99_finish.sql makes the first ones.

-- Creates the partition of one UTC month (the month p_month falls in) with its unique indexes
-- and RLS on, unless it exists; true when it was created. Also for a past month (a test that
-- moves rows in time), but never for an archived one (app.archive_partitions): an empty new
-- partition would take writes that the month's records no longer account for.
CREATE OR REPLACE FUNCTION sec.ensure_transaction_partition(p_month date) RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  m date := date_trunc('month', p_month)::date;
  part text := format('transactions_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM'));
  r text;
BEGIN
  IF EXISTS (SELECT 1 FROM app.archived_months a WHERE a.month = m) THEN
    RAISE EXCEPTION 'TX_ARCHIVED' USING ERRCODE = 'P0001',
      DETAIL = format('The transactions of %s were archived; no partition is made for that month again.', to_char(m, 'YYYY-MM'));
  END IF;
  IF to_regclass(format('app.%I', part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE app.%I PARTITION OF app.transactions FOR VALUES FROM (%L) TO (%L)',
                 part, (m::timestamp AT TIME ZONE 'UTC'),
                 ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
  -- Each index is a B-tree entry every payment writes, so only those a query or a guarantee
  -- needs (issue #15): id (reads by id and created_at), the merchant's order ids, card and
  -- merchant histories, and a payment's refunds with their running total. tx_no is unique
  -- across all months by app.tx_registry's key and read through it (app.verify_ledger() proves
  -- every row has its registry row); no query selects by status alone.
  EXECUTE format('CREATE UNIQUE INDEX %I ON app.%I (id)', part || '_id_key', part);
  EXECUTE format('CREATE UNIQUE INDEX %I ON app.%I (merchant_id, external_order_id) WHERE external_order_id IS NOT NULL',
                 part || '_merchant_order_key', part);
  EXECUTE format('CREATE INDEX %I ON app.%I (card_id, created_at DESC)', part || '_card_idx', part);
  EXECUTE format('CREATE INDEX %I ON app.%I (merchant_id, created_at DESC)', part || '_merchant_idx', part);
  EXECUTE format('CREATE INDEX %I ON app.%I (original_tx_id, refunded_after) WHERE original_tx_id IS NOT NULL',
                 part || '_original_idx', part);
  EXECUTE format('ALTER TABLE app.%I ENABLE ROW LEVEL SECURITY', part);
  -- Read through the parent only: no privilege on the partition itself, whatever default
  -- privileges the server grants on new tables (RLS does not stop TRUNCATE, nor service_role).
  -- Without such defaults the ACL stays NULL (owner only), as pg_dump restores it.
  IF (SELECT c.relacl FROM pg_class c WHERE c.oid = format('app.%I', part)::regclass) IS NOT NULL THEN
    EXECUTE format('REVOKE ALL ON app.%I FROM PUBLIC', part);
    FOREACH r IN ARRAY sec.api_roles() LOOP
      EXECUTE format('REVOKE ALL ON app.%I FROM %I', part, r);
    END LOOP;
  END IF;
  -- Made by CREATE EXTENSION, it would be a member: pg_dump would skip its rows.
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
              WHERE d.classid = 'pg_catalog.pg_class'::regclass
                AND d.objid = format('app.%I', part)::regclass AND d.deptype = 'e') THEN
    EXECUTE format('ALTER EXTENSION mps DROP TABLE app.%I', part);
  END IF;
  RETURN true;
END
$$;

-- Creates the monthly partitions (UTC months) from the current month through p_months_ahead
-- months ahead; returns how many were created. Only forward from the current month, so an
-- archived month is never made again. At least 2 ahead (ARCHITECTURE.md §10): a month's first
-- write never waits for the job that makes its partition.
CREATE OR REPLACE FUNCTION sec.ensure_transaction_partitions(p_months_ahead integer) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  first_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  created integer := 0;
BEGIN
  IF p_months_ahead IS NULL OR p_months_ahead < 2 OR p_months_ahead > 120 THEN
    RAISE EXCEPTION 'INVALID_ARGUMENT' USING ERRCODE = '22023',
      DETAIL = 'months_ahead must be between 2 and 120: partitions are kept at least two months ahead.';
  END IF;
  FOR i IN 0 .. p_months_ahead LOOP
    IF sec.ensure_transaction_partition((first_month + make_interval(months => i))::date) THEN
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END
$$;

-- The partitions of app.transactions with the UTC month each holds, read from its bounds;
-- whole_month when it holds exactly that month and is named after it (as
-- sec.ensure_transaction_partition makes them). The bounds are printed in UTC/ISO whatever
-- the caller's settings. For the archive and the ledger checker (owner only).
CREATE OR REPLACE FUNCTION sec.transaction_partitions()
RETURNS TABLE (month date, partition regclass, whole_month boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
SET TimeZone = 'UTC'
SET DateStyle = 'ISO, YMD'
AS $$
  SELECT date_trunc('month', b.lo)::date, c.oid::regclass,
         b.lo = date_trunc('month', b.lo) AND b.hi = b.lo + interval '1 month'
         AND c.relname = format('transactions_y%sm%s', to_char(b.lo, 'YYYY'), to_char(b.lo, 'MM'))
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)') AS r
    CROSS JOIN LATERAL (SELECT r[1]::timestamptz AT TIME ZONE 'UTC' AS lo, r[2]::timestamptz AT TIME ZONE 'UTC' AS hi) b
   WHERE i.inhparent = 'app.transactions'::regclass
$$;

-- Monitoring (platform administrators: SELECT for service_role only, sec.apply_privileges).
-- Every UTC month from the oldest live or archived one to 3 months ahead (further when
-- partitions exist further): live (a partition of app.transactions), archived
-- (app.archived_months; its table in schema archive unless exported), or missing. A month is
-- read from the partition's name, which sec.ensure_transaction_partition gives it (functions in
-- sec are not the API roles' to call).
CREATE OR REPLACE VIEW monitor.partitions AS
WITH cur AS (SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date AS m),
live AS (
  SELECT to_date(substring(c.relname FROM '^transactions_y([0-9]{4}m[0-9]{2})$'), 'YYYY"m"MM') AS month,
         c.oid::regclass::text AS table_name
    FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
   WHERE i.inhparent = 'app.transactions'::regclass),
arch AS (SELECT a.month, 'archive.' || quote_ident(a.table_name) AS table_name FROM app.archived_months a),
span AS (
  SELECT generate_series(LEAST(cur.m, (SELECT min(month) FROM live), (SELECT min(month) FROM arch))::timestamp,
                         GREATEST((cur.m + interval '3 months')::date, (SELECT max(month) FROM live))::timestamp,
                         interval '1 month')::date AS month
    FROM cur)
SELECT s.month,
       CASE WHEN l.month IS NOT NULL THEN 'live' WHEN a.month IS NOT NULL THEN 'archived' ELSE 'missing' END AS state,
       COALESCE(l.table_name, a.table_name) AS table_name,
       s.month = cur.m AS is_current,
       ((extract(year FROM s.month) - extract(year FROM cur.m)) * 12
        + extract(month FROM s.month) - extract(month FROM cur.m))::integer AS months_ahead
  FROM span s CROSS JOIN cur
  LEFT JOIN live l ON l.month = s.month
  LEFT JOIN arch a ON a.month = s.month;
COMMENT ON VIEW monitor.partitions IS
  'Each UTC month of app.transactions from the oldest live or archived one to 3 months ahead: live, archived or missing. Platform administrators (service_role).';

-- One row for the health check: whether the current month has its partition, how many months
-- after it have theirs without a gap (0 when next month is missing: alert below 2, before a
-- write fails), and how many live months are past the retention (mps.transaction_retention_months,
-- 12 when unset or not a value mps accepts): app.archive_partitions has not run or holds them back.
CREATE OR REPLACE VIEW monitor.partitions_ready AS
WITH cur AS (SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date AS m),
p AS (SELECT month, state, months_ahead FROM monitor.partitions)
SELECT (SELECT m FROM cur) AS current_month,
       EXISTS (SELECT 1 FROM p WHERE months_ahead = 0 AND state = 'live') AS current_month_ready,
       (SELECT min(k) - 1 FROM generate_series(1, 121) AS k
         WHERE NOT EXISTS (SELECT 1 FROM p WHERE p.months_ahead = k AND p.state = 'live'))::integer AS months_ready_ahead,
       (SELECT count(*) FROM p
         WHERE p.state = 'live' AND p.months_ahead < 0
           AND (p.month + make_interval(months => 1 + COALESCE(
                  (SELECT n FROM (SELECT CASE WHEN r ~ '^[0-9]{1,4}$' THEN r::integer END AS n
                                    FROM (SELECT current_setting('mps.transaction_retention_months', true) AS r) x) y
                   WHERE n BETWEEN 1 AND 1200), 12)))::timestamp
               AT TIME ZONE 'UTC' <= now())::integer AS live_months_past_retention,
       (SELECT count(*) FROM p WHERE p.state = 'archived')::integer AS archived_months;
COMMENT ON VIEW monitor.partitions_ready IS
  'One row: current_month_ready, months_ready_ahead (alert below 2), live_months_past_retention, archived_months. Platform administrators (service_role).';
