-- mps install script, assembled from sql/install/*.sql in name order by the Makefile.
\echo Use "CREATE EXTENSION mps" to load this file. \quit

-- app: business tables and RPCs; audit: the event log; sec: security helpers (never exposed).
CREATE SCHEMA app;
CREATE SCHEMA audit;
CREATE SCHEMA sec;
COMMENT ON SCHEMA app IS 'mps: business tables (read through RLS) and RPCs (native SECURITY DEFINER functions)';
COMMENT ON SCHEMA audit IS 'mps: append-only event log';
COMMENT ON SCHEMA sec IS 'mps: security helpers used by policies and triggers; not an API';

CREATE TYPE app.member_status AS ENUM ('active', 'suspended', 'closed');
CREATE TYPE app.merchant_status AS ENUM ('active', 'suspended', 'closed');
CREATE TYPE app.merchant_role AS ENUM ('owner', 'manager', 'cashier');
CREATE TYPE app.card_type AS ENUM ('standard', 'prepaid', 'corporate', 'voucher');
CREATE TYPE app.card_status AS ENUM ('active', 'frozen', 'expired', 'closed');
CREATE TYPE app.binding_role AS ENUM ('owner', 'admin', 'member', 'viewer');
CREATE TYPE app.binding_status AS ENUM ('active', 'removed');
CREATE TYPE app.tx_type AS ENUM ('payment', 'refund', 'recharge', 'adjustment');
-- A transaction row is written once with its final status; a payment moves to 'refunded'
-- only when its refunds add up to its final amount.
CREATE TYPE app.tx_status AS ENUM ('completed', 'refunded', 'failed');
CREATE TYPE app.settlement_mode AS ENUM ('realtime', 't_plus_1', 'monthly');
CREATE TYPE app.settlement_status AS ENUM ('pending', 'confirmed', 'paid', 'cancelled');

CREATE SEQUENCE app.member_no_seq;
CREATE SEQUENCE app.card_no_seq;
CREATE SEQUENCE app.tx_no_seq;

-- The caller's user id for RLS policies, read exactly as the RPCs read it (src/pg/identity.hpp):
-- request.jwt.claim.sub, else request.jwt.claims ->> 'sub', set transaction-locally.
CREATE FUNCTION sec.uid() RETURNS uuid
LANGUAGE c STABLE
AS 'MODULE_PATHNAME', 'mps_sec_uid';

-- The Supabase API roles that exist on this server (a plain server may have none of them):
-- the roles every grant and revoke of the install script and of new partitions is about.
CREATE FUNCTION sec.api_roles() RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(array_agg(r ORDER BY r), '{}')
    FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) AS r
   WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r)
$$;

-- True while pg_dump output is being replayed (pg_restore, or psql on a plain dump): both always
-- run with row_security off, which applications never do (with it off, a role subject to RLS
-- gets an error instead of filtered rows). The install script then leaves the rows it would
-- seed (default ladder, partitions) to the dump, and triggers do not derive rows the dump holds.
-- Any role may set row_security, so every RPC pins it on (SET row_security = on): inside an
-- RPC this is never true.
CREATE FUNCTION sec.restoring() RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT current_setting('row_security') = 'off' $$;
-- Members, their external logins, and platform administrators.

CREATE TABLE app.admin_users (
    user_id    uuid PRIMARY KEY,
    active     boolean NOT NULL DEFAULT true,
    note       text CHECK (length(note) <= 500),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE app.admin_users IS 'Platform administrators (Supabase auth user ids)';

CREATE TABLE app.member_profiles (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid UNIQUE,
    member_no     text NOT NULL UNIQUE
                  DEFAULT ('M' || lpad(nextval('app.member_no_seq')::text, 10, '0')),
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    phone         text CHECK (length(phone) BETWEEN 1 AND 32),
    email         text CHECK (length(email) BETWEEN 3 AND 254),
    password_hash text CHECK (password_hash LIKE '$argon2id$%'),
    status        app.member_status NOT NULL DEFAULT 'active',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN app.member_profiles.user_id IS 'auth.users id when the member signs in through Supabase';

CREATE TABLE app.member_external_identities (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id   uuid NOT NULL REFERENCES app.member_profiles (id),
    provider    text NOT NULL CHECK (length(provider) BETWEEN 1 AND 64),
    external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 256),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, external_id)
);
CREATE INDEX ON app.member_external_identities (member_id);

-- auth.users exists on Supabase; elsewhere the user id is only a uuid.
DO $$
BEGIN
  IF to_regclass('auth.users') IS NOT NULL THEN
    ALTER TABLE app.member_profiles
      ADD CONSTRAINT member_profiles_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id);
  END IF;
END
$$;
-- Membership levels (points -> discount) and member cards with their bindings and QR codes.

CREATE TABLE app.membership_levels (
    level      integer PRIMARY KEY CHECK (level >= 0),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    min_points bigint NOT NULL CHECK (min_points >= 0),
    max_points bigint CHECK (max_points >= min_points),  -- NULL: no upper bound
    discount   numeric(4,3) NOT NULL CHECK (discount > 0 AND discount <= 1),
    -- Two ranges may never share a point value.
    CONSTRAINT membership_levels_no_overlap
        EXCLUDE USING gist (int8range(min_points, max_points, '[]') WITH &&)
);
COMMENT ON TABLE app.membership_levels IS
  'Level ladder: ranges start at 0, never overlap, leave no gap, and the last one is open-ended';

-- The ladder as a whole: starts at 0, each range starts right after the previous one ends,
-- exactly one open-ended range at the top, level numbers and discounts follow the points.
-- Deferred to commit so an administrator can reshape the ladder in one transaction.
CREATE FUNCTION sec.check_level_ladder() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  prev record;
  cur record;
  n int := 0;
BEGIN
  FOR cur IN SELECT * FROM app.membership_levels ORDER BY min_points LOOP
    n := n + 1;
    IF prev IS NULL THEN
      IF cur.min_points <> 0 THEN
        RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514',
          DETAIL = format('The lowest level (%s) starts at %s points; the ladder must start at 0.', cur.level, cur.min_points);
      END IF;
    ELSE
      IF prev.max_points IS NULL THEN
        RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514',
          DETAIL = format('Level %s is open-ended but level %s starts above it.', prev.level, cur.level);
      END IF;
      IF cur.min_points <> prev.max_points + 1 THEN
        RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514',
          DETAIL = format('Gap between level %s (ends at %s) and level %s (starts at %s).',
                          prev.level, prev.max_points, cur.level, cur.min_points);
      END IF;
      IF cur.level <= prev.level OR cur.discount > prev.discount THEN
        RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514',
          DETAIL = format('Level %s must have a higher number and no worse discount than level %s.', cur.level, prev.level);
      END IF;
    END IF;
    prev := cur;
  END LOOP;
  IF n = 0 THEN
    RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514', DETAIL = 'The ladder has no levels.';
  END IF;
  IF prev.max_points IS NOT NULL THEN
    RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514',
      DETAIL = format('The top level (%s) ends at %s points; it must be open-ended.', prev.level, prev.max_points);
  END IF;
  -- Cards that earn points follow the new ladder at once.
  IF NOT sec.restoring() THEN
    UPDATE app.member_cards c SET level = l.level, discount = l.discount, updated_at = now()
      FROM app.membership_levels l
     WHERE c.card_type IN ('standard', 'prepaid')
       AND c.points >= l.min_points AND (l.max_points IS NULL OR c.points <= l.max_points)
       AND (c.level <> l.level OR c.discount <> l.discount);
  END IF;
  RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER membership_levels_ladder
  AFTER INSERT OR UPDATE OR DELETE ON app.membership_levels
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION sec.check_level_ladder();


CREATE TABLE app.member_cards (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    card_no               text NOT NULL UNIQUE,
    card_type             app.card_type NOT NULL,
    owner_member_id       uuid REFERENCES app.member_profiles (id),
    balance               numeric(12,2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
    points                bigint NOT NULL DEFAULT 0 CHECK (points >= 0),
    level                 integer NOT NULL DEFAULT 0,
    discount              numeric(4,3) NOT NULL DEFAULT 1.000 CHECK (discount > 0 AND discount <= 1),
    fixed_discount        numeric(4,3) CHECK (fixed_discount > 0 AND fixed_discount <= 1),
    face_value            numeric(12,2) CHECK (face_value > 0),
    binding_password_hash text CHECK (binding_password_hash LIKE '$argon2id$%'),
    status                app.card_status NOT NULL DEFAULT 'active',
    expires_at            timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK (card_type <> 'standard' OR owner_member_id IS NOT NULL),
    CHECK (card_type <> 'corporate' OR fixed_discount IS NOT NULL),
    CHECK (card_type <> 'voucher' OR face_value IS NOT NULL)
);
-- A member has exactly one standard card.
CREATE UNIQUE INDEX member_cards_one_standard ON app.member_cards (owner_member_id)
  WHERE card_type = 'standard';
CREATE INDEX ON app.member_cards (owner_member_id);
CREATE INDEX ON app.member_cards (expires_at) WHERE status = 'active' AND expires_at IS NOT NULL;

-- card_no = type prefix + 12 digits, e.g. STD000000000042.
CREATE FUNCTION sec.new_card_no(p_type app.card_type) RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT CASE p_type WHEN 'standard' THEN 'STD' WHEN 'prepaid' THEN 'PRE'
                     WHEN 'corporate' THEN 'COR' ELSE 'VCH' END
         || lpad(nextval('app.card_no_seq')::text, 12, '0')
$$;

CREATE TABLE app.card_bindings (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    card_id    uuid NOT NULL REFERENCES app.member_cards (id),
    member_id  uuid NOT NULL REFERENCES app.member_profiles (id),
    role       app.binding_role NOT NULL DEFAULT 'member',
    status     app.binding_status NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (card_id, member_id)
);
CREATE INDEX ON app.card_bindings (member_id) WHERE status = 'active';

-- The live QR code of a card: only the BLAKE2b-256 digest of the token, unique, so a scan
-- is one index lookup. Rotation updates the row in place (a charge holding the old digest
-- re-checks it under the row lock and fails); revocation deletes it.
CREATE TABLE app.card_qr_state (
    card_id      uuid PRIMARY KEY REFERENCES app.member_cards (id),
    token_digest bytea NOT NULL UNIQUE CHECK (octet_length(token_digest) = 32),
    issued_at    timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL CHECK (expires_at > issued_at),
    issued_by    uuid
);
CREATE INDEX ON app.card_qr_state (expires_at);

CREATE TABLE app.card_qr_history (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_id      uuid NOT NULL REFERENCES app.member_cards (id),
    token_digest bytea NOT NULL CHECK (octet_length(token_digest) = 32),
    issued_at    timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    issued_by    uuid,
    ended_at     timestamptz,
    end_reason   text CHECK (end_reason IN ('rotated', 'revoked', 'expired'))
);
CREATE INDEX ON app.card_qr_history (card_id, issued_at DESC);

-- The default ladder, checked right away (later statements of this script alter the table).
SET CONSTRAINTS app.membership_levels_ladder IMMEDIATE;
-- (A restore brings the ladder the database had, which may have been reshaped.)
INSERT INTO app.membership_levels (level, name, min_points, max_points, discount)
SELECT * FROM (VALUES
  (0, 'Standard',     0,   999, 1.000),
  (1, 'Silver',    1000,  4999, 0.950),
  (2, 'Gold',      5000,  9999, 0.900),
  (3, 'Platinum', 10000,  NULL, 0.850)) AS v
 WHERE NOT sec.restoring();
SET CONSTRAINTS app.membership_levels_ladder DEFERRED;
-- Merchants, their staff, and settlements.

CREATE TABLE app.merchants (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code       text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    contact    text CHECK (length(contact) <= 200),
    status     app.merchant_status NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app.merchant_users (
    merchant_id uuid NOT NULL REFERENCES app.merchants (id),
    user_id     uuid NOT NULL,
    role        app.merchant_role NOT NULL DEFAULT 'cashier',
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (merchant_id, user_id)
);
CREATE INDEX ON app.merchant_users (user_id) WHERE active;

CREATE TABLE app.settlements (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    merchant_id    uuid NOT NULL REFERENCES app.merchants (id),
    mode           app.settlement_mode NOT NULL,
    period_start   timestamptz NOT NULL,
    period_end     timestamptz NOT NULL CHECK (period_end > period_start),
    payments_count integer NOT NULL DEFAULT 0,
    payments_total numeric(14,2) NOT NULL DEFAULT 0,
    refunds_total  numeric(14,2) NOT NULL DEFAULT 0,
    net_total      numeric(14,2) NOT NULL DEFAULT 0,
    status         app.settlement_status NOT NULL DEFAULT 'pending',
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (merchant_id, mode, period_start, period_end)
);
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
-- The event log: every money movement and every administrative change. Append-only: no role
-- but the extension owner holds a write privilege on it.

CREATE TABLE audit.event_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_user_id uuid,
    actor_role    text NOT NULL,
    action        text NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    object_type   text NOT NULL CHECK (length(object_type) BETWEEN 1 AND 64),
    object_id     text NOT NULL,
    context       jsonb NOT NULL DEFAULT '{}',
    happened_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON audit.event_log (object_type, object_id, id);
CREATE INDEX ON audit.event_log (happened_at);

-- Every new member gets a standard card at the entry level of the ladder, whoever inserts
-- the member row (an RPC or a trusted backend writing the table directly).
CREATE FUNCTION sec.issue_standard_card() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  new_card uuid;
BEGIN
  -- A restore loads members and their cards as separate user data; issuing a card here would
  -- collide with the restored card and audit rows.
  IF sec.restoring() THEN
    RETURN NULL;
  END IF;
  INSERT INTO app.member_cards (card_no, card_type, owner_member_id, level, discount)
  SELECT sec.new_card_no('standard'), 'standard', NEW.id, l.level, l.discount
    FROM app.membership_levels l
   WHERE l.min_points = 0
  RETURNING id INTO new_card;
  IF new_card IS NULL THEN
    RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514',
      DETAIL = 'No level starts at 0 points; cannot issue a standard card.';
  END IF;
  INSERT INTO audit.event_log (actor_user_id, actor_role, action, object_type, object_id, context)
  VALUES (sec.uid(), COALESCE(NULLIF(current_setting('role', true), 'none'), session_user::text), 'card.issue', 'card', new_card::text,
          jsonb_build_object('card_type', 'standard', 'member_id', NEW.id));
  RETURN NULL;
END
$$;

CREATE TRIGGER member_profiles_issue_standard_card
  AFTER INSERT ON app.member_profiles
  FOR EACH ROW EXECUTE FUNCTION sec.issue_standard_card();
-- Install-time helper: EXECUTE on one function for exactly the listed API roles that exist
-- here; PUBLIC and the other API roles lose whatever they had (also from ALTER DEFAULT
-- PRIVILEGES on the server).
CREATE FUNCTION sec.grant_execute(p_function regprocedure, p_roles text[]) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r text;
BEGIN
  EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', p_function);
  FOREACH r IN ARRAY sec.api_roles() LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %I', p_function, r);
    IF r = ANY (p_roles) THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', p_function, r);
    END IF;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION sec.grant_execute(regprocedure, text[]) FROM PUBLIC;
-- Row-level security (default deny, read-only policies) and table privileges (DESIGN §3).
-- Writes happen only inside the RPCs, which run as the extension owner.

-- The caller's member id / readable cards / staffed merchants, evaluated once per query
-- (policies wrap them in a scalar sub-select) and compared with row columns.
CREATE FUNCTION sec.my_member_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT id FROM app.member_profiles WHERE user_id = sec.uid() $$;

CREATE FUNCTION sec.my_card_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT COALESCE(array_agg(DISTINCT card_id), '{}') FROM (
    SELECT c.id AS card_id FROM app.member_cards c
     WHERE c.owner_member_id = sec.my_member_id()
    UNION ALL
    SELECT b.card_id FROM app.card_bindings b
     WHERE b.member_id = sec.my_member_id() AND b.status = 'active'
  ) s
$$;

CREATE FUNCTION sec.my_merchant_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT COALESCE(array_agg(merchant_id), '{}') FROM app.merchant_users
   WHERE user_id = sec.uid() AND active
$$;

-- RLS on every table (partitions get it when created).
ALTER TABLE app.admin_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.member_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.member_external_identities ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.membership_levels ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.member_cards ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.card_bindings ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.card_qr_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.card_qr_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.merchants ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.merchant_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.settlements ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.transactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.tx_registry ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.idempotency_registry ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.merchant_order_registry ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.point_ledger ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit.event_log ENABLE ROW LEVEL SECURITY;

-- Read-only policies. Tables without a policy (admin_users, registries, audit) show no rows
-- to anyone subject to RLS.
CREATE POLICY levels_public_read ON app.membership_levels FOR SELECT USING (true);
CREATE POLICY member_reads_own_profile ON app.member_profiles FOR SELECT
  USING (user_id = (SELECT sec.uid()));
CREATE POLICY member_reads_own_identities ON app.member_external_identities FOR SELECT
  USING (member_id = (SELECT sec.my_member_id()));
CREATE POLICY member_reads_own_cards ON app.member_cards FOR SELECT
  USING (id = ANY ((SELECT sec.my_card_ids())::uuid[]));
CREATE POLICY member_reads_card_bindings ON app.card_bindings FOR SELECT
  USING (card_id = ANY ((SELECT sec.my_card_ids())::uuid[]));
CREATE POLICY member_reads_card_qr_state ON app.card_qr_state FOR SELECT
  USING (card_id = ANY ((SELECT sec.my_card_ids())::uuid[]));
CREATE POLICY member_reads_card_qr_history ON app.card_qr_history FOR SELECT
  USING (card_id = ANY ((SELECT sec.my_card_ids())::uuid[]));
CREATE POLICY member_reads_point_ledger ON app.point_ledger FOR SELECT
  USING (card_id = ANY ((SELECT sec.my_card_ids())::uuid[]));
CREATE POLICY member_or_staff_reads_transactions ON app.transactions FOR SELECT
  USING (card_id = ANY ((SELECT sec.my_card_ids())::uuid[])
         OR merchant_id = ANY ((SELECT sec.my_merchant_ids())::uuid[]));
CREATE POLICY staff_reads_merchant ON app.merchants FOR SELECT
  USING (id = ANY ((SELECT sec.my_merchant_ids())::uuid[]));
CREATE POLICY staff_reads_merchant_users ON app.merchant_users FOR SELECT
  USING (merchant_id = ANY ((SELECT sec.my_merchant_ids())::uuid[]));
CREATE POLICY staff_reads_settlements ON app.settlements FOR SELECT
  USING (merchant_id = ANY ((SELECT sec.my_merchant_ids())::uuid[]));

-- Privileges are made in 98_privileges.sql, once every object exists.
-- Operations RPCs: ledger checker, partition upkeep, error catalog (src/rpc/operations.cpp).

CREATE FUNCTION app.verify_ledger()
RETURNS TABLE (invariant text, object_id text, detail text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_verify_ledger';
COMMENT ON FUNCTION app.verify_ledger() IS
  'One row per violated ledger invariant (DESIGN §2); no rows on a healthy database. Platform administrators only.';
SELECT sec.grant_execute('app.verify_ledger()', ARRAY['service_role']);

CREATE FUNCTION app.ensure_partitions(p_months_ahead integer DEFAULT 3)
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_ensure_partitions';
COMMENT ON FUNCTION app.ensure_partitions(integer) IS
  'Creates missing monthly transaction partitions up to p_months_ahead months ahead; returns how many. Platform administrators only.';
SELECT sec.grant_execute('app.ensure_partitions(integer)', ARRAY['service_role']);

CREATE FUNCTION app.error_catalog()
RETURNS TABLE (code text, sqlstate text, http_status text, meaning text)
LANGUAGE c IMMUTABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_error_catalog';
COMMENT ON FUNCTION app.error_catalog() IS 'Every error code an mps RPC raises, with its SQLSTATE and HTTP status';
SELECT sec.grant_execute('app.error_catalog()', ARRAY['anon', 'authenticated', 'service_role']);

-- Boundary self-test (tests only): raises a PostgreSQL error from inside SPI, or throws a C++
-- exception, so tests can prove both reach the client cleanly. Superusers only.
CREATE FUNCTION sec.selftest_boundary(p_kind text)
RETURNS bigint
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'mps_selftest_boundary';
REVOKE ALL ON FUNCTION sec.selftest_boundary(text) FROM PUBLIC;
-- Members and merchants (src/rpc/members.cpp, src/rpc/merchants.cpp).

CREATE FUNCTION app.create_merchant(p_code text, p_name text, p_contact text DEFAULT NULL)
RETURNS uuid
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_create_merchant';
COMMENT ON FUNCTION app.create_merchant(text, text, text) IS 'Creates a merchant; platform administrators only. Returns its id.';
SELECT sec.grant_execute('app.create_merchant(text, text, text)', ARRAY['authenticated', 'service_role']);

CREATE FUNCTION app.add_merchant_user(p_merchant_code text, p_user_id uuid, p_role text DEFAULT 'cashier')
RETURNS void
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_add_merchant_user';
COMMENT ON FUNCTION app.add_merchant_user(text, uuid, text) IS
  'Adds (or re-activates) a staff member: owner/manager/cashier. Platform administrators or the merchant''s owner/manager.';
SELECT sec.grant_execute('app.add_merchant_user(text, uuid, text)', ARRAY['authenticated', 'service_role']);

CREATE FUNCTION app.create_member_profile(
    p_name text, p_phone text, p_email text, p_password text DEFAULT NULL,
    p_binding_user_org text DEFAULT NULL, p_binding_org_id text DEFAULT NULL)
RETURNS uuid
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_create_member_profile';
COMMENT ON FUNCTION app.create_member_profile(text, text, text, text, text, text) IS
  'Registers a member (platform administrators; or a signed-in user for itself) and issues its standard card. Returns the member id.';
SELECT sec.grant_execute('app.create_member_profile(text, text, text, text, text, text)', ARRAY['authenticated', 'service_role']);
-- Dynamic QR codes (src/rpc/qr.cpp).

CREATE FUNCTION app.rotate_card_qr(p_card_id uuid, p_card_type text DEFAULT NULL, p_ttl_seconds integer DEFAULT 900)
RETURNS TABLE (qr_plain text, qr_expires_at timestamptz)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_rotate_card_qr';
COMMENT ON FUNCTION app.rotate_card_qr(uuid, text, integer) IS
  'Issues a new QR code for the card (the previous one stops working); the plaintext is returned only here.';
SELECT sec.grant_execute('app.rotate_card_qr(uuid, text, integer)', ARRAY['authenticated', 'service_role']);

CREATE FUNCTION app.revoke_card_qr(p_card_id uuid)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_revoke_card_qr';
COMMENT ON FUNCTION app.revoke_card_qr(uuid) IS 'Ends the card''s live QR code; true when there was one.';
SELECT sec.grant_execute('app.revoke_card_qr(uuid)', ARRAY['authenticated', 'service_role']);

CREATE FUNCTION app.validate_qr_plain(p_qr_plain text)
RETURNS uuid
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_validate_qr_plain';
COMMENT ON FUNCTION app.validate_qr_plain(text) IS
  'The card id behind a live QR code; merchant staff, platform administrators or the card holder.';
SELECT sec.grant_execute('app.validate_qr_plain(text)', ARRAY['authenticated', 'service_role']);

CREATE FUNCTION app.cron_rotate_qr_tokens(p_ttl_seconds integer DEFAULT 300)
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_cron_rotate_qr_tokens';
COMMENT ON FUNCTION app.cron_rotate_qr_tokens(integer) IS
  'Ends live QR codes that expired or are older than p_ttl_seconds; returns how many. For pg_cron / administrators.';
SELECT sec.grant_execute('app.cron_rotate_qr_tokens(integer)', ARRAY['service_role']);
-- Money RPCs: recharge (src/rpc/recharge.cpp), charge by QR (src/rpc/charge.cpp), refund
-- (src/rpc/refund.cpp).

CREATE FUNCTION app.user_recharge_personal_card(
    p_personal_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_personal_card';

CREATE FUNCTION app.user_recharge_card(
    p_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_card';

CREATE FUNCTION app.user_recharge_enterprise_card_admin(
    p_enterprise_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_enterprise_card_admin';

CREATE FUNCTION app.merchant_charge_by_qr(
    p_merchant_code text, p_qr_plain text, p_raw_price numeric DEFAULT NULL,
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_raw_amount numeric DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_type text, card_id uuid, final_amount numeric, discount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_merchant_charge_by_qr';

CREATE FUNCTION app.merchant_refund_tx(
    p_merchant_code text, p_original_tx_no text, p_refund_amount numeric,
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}')
RETURNS TABLE (refund_tx_id uuid, refund_tx_no text, refunded_amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_merchant_refund_tx';

COMMENT ON FUNCTION app.user_recharge_card(uuid, numeric, text, text, jsonb, text, text, text) IS
  'Adds money to a card: service_role/platform administrators, merchant staff at the counter (p_merchant_code), members only when mps.allow_self_recharge is on.';
COMMENT ON FUNCTION app.merchant_charge_by_qr(text, text, numeric, text, jsonb, text, text, numeric) IS
  'Charges the card behind a live QR code at the level (or corporate) discount; staff of the merchant only. Idempotent by key and external order id.';
COMMENT ON FUNCTION app.merchant_refund_tx(text, text, numeric, text, jsonb) IS
  'Refunds part or all of a completed payment of this merchant back to the paying card, clawing back points in proportion.';

SELECT sec.grant_execute(f, ARRAY['authenticated', 'service_role'])
  FROM unnest(ARRAY[
    'app.user_recharge_personal_card(uuid, numeric, text, text, jsonb, text, text, text)',
    'app.user_recharge_card(uuid, numeric, text, text, jsonb, text, text, text)',
    'app.user_recharge_enterprise_card_admin(uuid, numeric, text, text, jsonb, text, text, text)',
    'app.merchant_charge_by_qr(text, text, numeric, text, jsonb, text, text, numeric)',
    'app.merchant_refund_tx(text, text, numeric, text, jsonb)'
  ]::regprocedure[]) AS f;
-- Privileges, made once every table, sequence and function exists. Everything is first taken
-- from PUBLIC and the API roles, also what ALTER DEFAULT PRIVILEGES on the server may have
-- handed out (Supabase's advice for exposed schemas grants ALL on new tables); then exactly
-- what DESIGN §3 allows is granted. RPC EXECUTE grants are made with each function
-- (sec.grant_execute); transaction partitions get none (sec.ensure_transaction_partitions).
REVOKE ALL ON SCHEMA app, audit, sec FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA app, audit FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA app, audit FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA sec FROM PUBLIC;

DO $$
DECLARE
  r text;
  secret record;
BEGIN
  FOREACH r IN ARRAY sec.api_roles() LOOP
    EXECUTE format('REVOKE ALL ON SCHEMA app, audit, sec FROM %I', r);
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA app, audit FROM %I', r);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA app, audit FROM %I', r);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA sec FROM %I', r);

    EXECUTE format('GRANT USAGE ON SCHEMA app, sec TO %I', r);
    EXECUTE format('GRANT EXECUTE ON FUNCTION sec.uid(), sec.my_member_id(), sec.my_card_ids(), sec.my_merchant_ids() TO %I', r);
    EXECUTE format('GRANT SELECT ON app.membership_levels TO %I', r);
    IF r <> 'anon' THEN
      EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA app TO %I', r);
      -- Secrets stay unreadable even on rows the policies show (a member bound to a corporate
      -- card sees the card, not its binding password hash): SELECT on the other columns only.
      FOR secret IN SELECT * FROM (VALUES
          ('member_profiles', 'password_hash'),
          ('member_cards', 'binding_password_hash'),
          ('card_qr_state', 'token_digest'),
          ('card_qr_history', 'token_digest')) AS v (tbl, col) LOOP
        EXECUTE format('REVOKE SELECT ON app.%I FROM %I', secret.tbl, r);
        EXECUTE format('GRANT SELECT (%s) ON app.%I TO %I',
          (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
             FROM pg_attribute a
            WHERE a.attrelid = format('app.%I', secret.tbl)::regclass
              AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> secret.col),
          secret.tbl, r);
      END LOOP;
    END IF;
    IF r = 'service_role' THEN
      EXECUTE format('GRANT USAGE ON SCHEMA audit TO %I', r);
      EXECUTE format('GRANT SELECT ON audit.event_log TO %I', r);
    END IF;
  END LOOP;
END
$$;
-- Partitions for the current month and the next three (a restore brings its own), and what
-- pg_dump must keep.

SELECT sec.ensure_transaction_partitions(3) WHERE NOT sec.restoring();

-- Rows of these tables are user data: pg_dump dumps them although the tables belong to the
-- extension (partitions are not members: pg_dump keeps them anyway). One statement per call:
-- each updates pg_extension.
DO $$
DECLARE
  t regclass;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'app.admin_users', 'app.membership_levels', 'app.member_profiles', 'app.member_external_identities',
    'app.member_cards', 'app.card_bindings', 'app.card_qr_state', 'app.card_qr_history',
    'app.merchants', 'app.merchant_users', 'app.settlements',
    'app.tx_registry', 'app.idempotency_registry', 'app.merchant_order_registry',
    'app.point_ledger', 'audit.event_log',
    'app.member_no_seq', 'app.card_no_seq', 'app.tx_no_seq',
    'app.card_qr_history_id_seq', 'app.point_ledger_id_seq', 'audit.event_log_id_seq'
  ]::regclass[] LOOP
    PERFORM pg_catalog.pg_extension_config_dump(t, '');
  END LOOP;
END
$$;
