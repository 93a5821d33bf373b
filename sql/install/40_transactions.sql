-- Money movements: the partitioned transaction table, its global registries, the point
-- ledger, and partition upkeep.

CREATE TABLE app.transactions (
    id                uuid NOT NULL,
    tx_no             text NOT NULL,
    tx_type           app.tx_type NOT NULL,
    card_id           uuid NOT NULL,
    merchant_id       uuid,
    raw_amount        numeric(12,2) NOT NULL,
    discount_applied  numeric(4,3) CHECK (discount_applied > 0 AND discount_applied <= 1),
    final_amount      numeric(12,2) NOT NULL,  -- signed only for adjustments
    points_earned     bigint NOT NULL DEFAULT 0,
    status            app.tx_status NOT NULL,
    reason            text CHECK (length(reason) <= 500),
    payment_method    text CHECK (length(payment_method) <= 32),
    external_order_id text CHECK (length(external_order_id) <= 128),
    idempotency_key   text CHECK (length(idempotency_key) <= 128),
    original_tx_id    uuid,
    actor_user_id     uuid,
    actor_role        text,
    tag               jsonb NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (tx_type = 'adjustment' OR (raw_amount > 0 AND final_amount >= 0)),
    CHECK (tx_type <> 'adjustment' OR (final_amount <> 0 AND raw_amount = abs(final_amount))),
    CHECK ((tx_type = 'refund') = (original_tx_id IS NOT NULL)),
    CHECK (status <> 'refunded' OR tx_type = 'payment')
) PARTITION BY RANGE (created_at);
COMMENT ON TABLE app.transactions IS
  'One row per money movement, written once with its final status; monthly partitions app.transactions_yYYYYmMM';

-- No key or index on the parent: each partition gets its own (sec.ensure_transaction_partitions).
-- Partitions are ordinary tables, not extension members, so pg_dump keeps their definition and
-- rows, and restoring them never collides with objects CREATE EXTENSION made (an index on the
-- parent would be created again by ATTACH PARTITION during a restore).

-- Global uniqueness: a unique index on a partitioned table must include the partition key,
-- so these registries carry the keys that are unique across all months.
CREATE TABLE app.tx_registry (
    tx_no       text PRIMARY KEY,
    tx_id       uuid NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    tx_type     app.tx_type NOT NULL,
    card_id     uuid NOT NULL,
    merchant_id uuid
);

CREATE TABLE app.idempotency_registry (
    idempotency_key text PRIMARY KEY CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    fingerprint     bytea NOT NULL,
    tx_id           uuid NOT NULL,
    tx_created_at   timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- merchant_id NULL = recharges confirmed by the platform backend (no merchant).
CREATE TABLE app.merchant_order_registry (
    merchant_id       uuid,
    external_order_id text NOT NULL CHECK (length(external_order_id) BETWEEN 1 AND 128),
    fingerprint       bytea NOT NULL,
    tx_id             uuid NOT NULL,
    tx_created_at     timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX merchant_order_registry_key ON app.merchant_order_registry
  ((COALESCE(merchant_id, '00000000-0000-0000-0000-000000000000'::uuid)), external_order_id);

CREATE TABLE app.point_ledger (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_id        uuid NOT NULL REFERENCES app.member_cards (id),
    delta          bigint NOT NULL CHECK (delta <> 0),
    balance_before bigint NOT NULL CHECK (balance_before >= 0),
    balance_after  bigint NOT NULL CHECK (balance_after >= 0),
    tx_id          uuid,
    reason         text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    actor_user_id  uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (balance_after = balance_before + delta)
);
CREATE INDEX ON app.point_ledger (card_id, id);
CREATE INDEX ON app.point_ledger (tx_id) WHERE tx_id IS NOT NULL;

-- Creates the monthly partitions (UTC months) from the current month through p_months_ahead
-- months ahead, each with its unique indexes and RLS on; returns how many were created.
CREATE FUNCTION sec.ensure_transaction_partitions(p_months_ahead integer) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  first_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  m date;
  part text;
  r text;
  created integer := 0;
BEGIN
  IF p_months_ahead IS NULL OR p_months_ahead < 0 OR p_months_ahead > 120 THEN
    RAISE EXCEPTION 'INVALID_ARGUMENT' USING ERRCODE = '22023',
      DETAIL = 'months_ahead must be between 0 and 120.';
  END IF;
  FOR i IN 0 .. p_months_ahead LOOP
    m := (first_month + make_interval(months => i))::date;
    part := format('transactions_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM'));
    CONTINUE WHEN to_regclass(format('app.%I', part)) IS NOT NULL;
    EXECUTE format('CREATE TABLE app.%I PARTITION OF app.transactions FOR VALUES FROM (%L) TO (%L)',
                   part, (m::timestamp AT TIME ZONE 'UTC'),
                   ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
    EXECUTE format('CREATE UNIQUE INDEX %I ON app.%I (id)', part || '_id_key', part);
    EXECUTE format('CREATE UNIQUE INDEX %I ON app.%I (tx_no)', part || '_tx_no_key', part);
    EXECUTE format('CREATE UNIQUE INDEX %I ON app.%I (idempotency_key) WHERE idempotency_key IS NOT NULL',
                   part || '_idempotency_key', part);
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
    created := created + 1;
  END LOOP;
  RETURN created;
END
$$;
