-- Monthly partitions of app.transactions (ARCHITECTURE.md §2, §10). Run by install and every
-- upgrade; 99_finish.sql makes the first ones.

-- Creates the partition of one UTC month (the month p_month falls in) with its unique indexes
-- and RLS on, unless it exists; true when it was created. Also for a past month (a restore of
-- archived rows, a test that moves rows in time).
CREATE OR REPLACE FUNCTION sec.ensure_transaction_partition(p_month date) RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  m date := date_trunc('month', p_month)::date;
  part text := format('transactions_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM'));
  r text;
BEGIN
  IF to_regclass(format('app.%I', part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE app.%I PARTITION OF app.transactions FOR VALUES FROM (%L) TO (%L)',
                 part, (m::timestamp AT TIME ZONE 'UTC'),
                 ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
  EXECUTE format('CREATE UNIQUE INDEX %I ON app.%I (id)', part || '_id_key', part);
  EXECUTE format('CREATE UNIQUE INDEX %I ON app.%I (tx_no)', part || '_tx_no_key', part);
  EXECUTE format('CREATE UNIQUE INDEX %I ON app.%I (merchant_id, external_order_id) WHERE external_order_id IS NOT NULL',
                 part || '_merchant_order_key', part);
  EXECUTE format('CREATE INDEX %I ON app.%I (card_id, created_at DESC)', part || '_card_idx', part);
  EXECUTE format('CREATE INDEX %I ON app.%I (merchant_id, created_at DESC)', part || '_merchant_idx', part);
  EXECUTE format('CREATE INDEX %I ON app.%I (status)', part || '_status_idx', part);
  EXECUTE format('CREATE INDEX %I ON app.%I (original_tx_id) WHERE original_tx_id IS NOT NULL',
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
-- months ahead; returns how many were created.
CREATE OR REPLACE FUNCTION sec.ensure_transaction_partitions(p_months_ahead integer) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  first_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  created integer := 0;
BEGIN
  IF p_months_ahead IS NULL OR p_months_ahead < 0 OR p_months_ahead > 120 THEN
    RAISE EXCEPTION 'INVALID_ARGUMENT' USING ERRCODE = '22023',
      DETAIL = 'months_ahead must be between 0 and 120.';
  END IF;
  FOR i IN 0 .. p_months_ahead LOOP
    IF sec.ensure_transaction_partition((first_month + make_interval(months => i))::date) THEN
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END
$$;
