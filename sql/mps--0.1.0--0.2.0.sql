-- mps upgrade 0.1.0 -> 0.2.0: the migration of the schema pieces (sql/install/00-59). The
-- Makefile appends every definition piece (sql/install/60-99: helpers, RPCs, row security,
-- privileges, dump registration) to this file to make sql/mps--0.1.0--0.2.0.sql, so functions,
-- policies and grants come out exactly as a fresh install makes them. What goes here: every
-- change to a type, table, index, sequence or trigger function, and the data migrations they
-- need; dropping an RPC whose signature changed (CREATE OR REPLACE cannot change it).
-- test/upgrade.sh proves the result equals a fresh install of 0.2.0.
\echo Use "ALTER EXTENSION mps UPDATE TO '0.2.0'" to load this file. \quit

-- Idempotency keys and external order ids in scopes (ARCHITECTURE.md §4). 0.1.0's rows get the
-- scope of the call that made them: the merchant's when their transaction has a merchant, the
-- member's for a member's own recharge (an authenticated user who is no platform
-- administrator), else the platform's.
CREATE TYPE app.key_scope AS ENUM ('platform', 'merchant', 'member');
ALTER TABLE app.idempotency_registry ADD COLUMN scope app.key_scope, ADD COLUMN scope_id uuid;
ALTER TABLE app.merchant_order_registry ADD COLUMN scope app.key_scope, ADD COLUMN scope_id uuid;
WITH s AS (
  SELECT t.id, t.created_at,
         CASE WHEN t.merchant_id IS NOT NULL THEN 'merchant' WHEN m.id IS NOT NULL THEN 'member' ELSE 'platform' END::app.key_scope AS scope,
         COALESCE(t.merchant_id, m.id, '00000000-0000-0000-0000-000000000000'::uuid) AS scope_id
    FROM app.transactions t
    LEFT JOIN app.member_profiles m
      ON t.merchant_id IS NULL AND t.actor_role = 'authenticated' AND m.user_id = t.actor_user_id
     AND NOT EXISTS (SELECT 1 FROM app.admin_users a WHERE a.user_id = t.actor_user_id AND a.active)),
 i AS (UPDATE app.idempotency_registry i SET scope = s.scope, scope_id = s.scope_id
         FROM s WHERE s.id = i.tx_id AND s.created_at = i.tx_created_at)
UPDATE app.merchant_order_registry o SET scope = s.scope, scope_id = s.scope_id
  FROM s WHERE s.id = o.tx_id AND s.created_at = o.tx_created_at;
-- (A registry row without its transaction, which app.verify_ledger() reports, keeps 0.1.0's
-- meaning: the platform's, or its merchant's.)
UPDATE app.idempotency_registry SET scope = 'platform', scope_id = '00000000-0000-0000-0000-000000000000'
 WHERE scope IS NULL;
UPDATE app.merchant_order_registry
   SET scope = CASE WHEN merchant_id IS NULL THEN 'platform' ELSE 'merchant' END::app.key_scope,
       scope_id = COALESCE(merchant_id, '00000000-0000-0000-0000-000000000000')
 WHERE scope IS NULL;
ALTER TABLE app.idempotency_registry ALTER COLUMN scope SET NOT NULL, ALTER COLUMN scope_id SET NOT NULL,
  DROP CONSTRAINT idempotency_registry_pkey,
  ADD CONSTRAINT idempotency_registry_pkey PRIMARY KEY (scope, scope_id, idempotency_key);
DROP INDEX app.merchant_order_registry_key;
ALTER TABLE app.merchant_order_registry ALTER COLUMN scope SET NOT NULL, ALTER COLUMN scope_id SET NOT NULL,
  DROP COLUMN merchant_id,
  ADD CONSTRAINT merchant_order_registry_pkey PRIMARY KEY (scope, scope_id, external_order_id);
-- Keys are unique per scope, no longer per partition: the partitions lose that index.
DO $$
DECLARE
  idx regclass;
BEGIN
  FOR idx IN SELECT i.indexrelid::regclass
               FROM pg_catalog.pg_inherits h
               JOIN pg_catalog.pg_index i ON i.indrelid = h.inhrelid
               JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
              WHERE h.inhparent = 'app.transactions'::regclass AND c.relname LIKE '%\_idempotency\_key'
  LOOP
    EXECUTE format('DROP INDEX %s', idx);
  END LOOP;
END
$$;

-- Counter top-ups: off per merchant until an administrator switches them on, with limits.
ALTER TABLE app.merchants
  ADD COLUMN counter_topup_enabled boolean NOT NULL DEFAULT false,
  ADD COLUMN counter_topup_max_per_tx numeric(12,2) CHECK (counter_topup_max_per_tx > 0),
  ADD COLUMN counter_topup_max_per_day numeric(12,2) CHECK (counter_topup_max_per_day > 0),
  ADD CONSTRAINT merchants_counter_topup_limits
    CHECK (NOT counter_topup_enabled OR (counter_topup_max_per_tx IS NOT NULL AND counter_topup_max_per_day IS NOT NULL));
CREATE TABLE app.merchant_topup_days (
    merchant_id uuid NOT NULL REFERENCES app.merchants (id),
    day         date NOT NULL,
    total       numeric(14,2) NOT NULL CHECK (total >= 0),
    topups      integer NOT NULL CHECK (topups >= 0),
    PRIMARY KEY (merchant_id, day)
);

-- QR codes: who minted each one, and codes a payment used up.
ALTER TABLE app.card_qr_state ADD COLUMN issued_by_role text;
ALTER TABLE app.card_qr_history ADD COLUMN issued_by_role text,
  DROP CONSTRAINT card_qr_history_end_reason_check,
  ADD CONSTRAINT card_qr_history_end_reason_check CHECK (end_reason IN ('rotated', 'revoked', 'expired', 'used'));

-- Numbers from no counter: the registry holds every member and card number 0.1.0 gave out,
-- so that a new random one can never repeat them; the sequences go.
CREATE TABLE app.number_registry (
    number     text PRIMARY KEY CHECK (number ~ '^[A-Z]{1,3}[0-9]{8,24}$'),
    kind       text NOT NULL CHECK (kind IN ('member', 'card')),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO app.number_registry (number, kind, created_at)
SELECT member_no, 'member', created_at FROM app.member_profiles
UNION ALL
SELECT card_no, 'card', created_at FROM app.member_cards;
ALTER TABLE app.member_profiles ALTER COLUMN member_no DROP DEFAULT;
-- (ALTER EXTENSION ... DROP takes them out of what pg_dump keeps; DROP alone would leave them.)
ALTER EXTENSION mps DROP SEQUENCE app.member_no_seq;
ALTER EXTENSION mps DROP SEQUENCE app.card_no_seq;
ALTER EXTENSION mps DROP SEQUENCE app.tx_no_seq;
DROP SEQUENCE app.member_no_seq, app.card_no_seq, app.tx_no_seq;
-- 0.1.0 made the card numbers in SQL from a sequence; 61_numbers.sql replaces the function.

-- merchant_refund_tx takes an idempotency key (a new last parameter; 90_rpc_refund.sql).
DROP FUNCTION app.merchant_refund_tx(text, text, numeric, text, jsonb);
-- Install and upgrade helper: EXECUTE on one function for exactly the listed API roles that exist
-- here; PUBLIC and the other API roles lose whatever they had (also from ALTER DEFAULT
-- PRIVILEGES on the server).
CREATE OR REPLACE FUNCTION sec.grant_execute(p_function regprocedure, p_roles text[]) RETURNS void
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
-- Numbers shown to people (ARCHITECTURE.md §3): member and card numbers, random digits with a
-- Luhn check digit from libsodium (sec.random_number, src/rpc/numbers.cpp), unique through
-- app.number_registry. Run by install and every upgrade.

-- A new number: p_prefix, p_digits random digits and a check digit (sec.random_number, from
-- libsodium's CSPRNG), claimed in the registry.
CREATE OR REPLACE FUNCTION sec.claim_number(p_kind text, p_prefix text, p_digits integer) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v text;
BEGIN
  FOR attempt IN 1 .. 10 LOOP
    v := sec.random_number(p_prefix, p_digits);
    INSERT INTO app.number_registry (number, kind) VALUES (v, p_kind) ON CONFLICT (number) DO NOTHING;
    IF FOUND THEN
      RETURN v;
    END IF;
  END LOOP;
  RAISE EXCEPTION 'INTERNAL_ERROR' USING ERRCODE = 'XX000',
    DETAIL = format('Ten random %s numbers in a row were taken; the number space is exhausted.', p_kind);
END
$$;

-- card_no = type prefix + 11 random digits + a check digit, e.g. STD482917305561.
CREATE OR REPLACE FUNCTION sec.new_card_no(p_type app.card_type) RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT sec.claim_number('card', CASE p_type WHEN 'standard' THEN 'STD' WHEN 'prepaid' THEN 'PRE'
                                              WHEN 'corporate' THEN 'COR' ELSE 'VCH' END, 11)
$$;

-- A number that was claimed and then not used (an insert that failed) stays in the registry:
-- it is never handed out again, which costs nothing.
ALTER TABLE app.member_profiles ALTER COLUMN member_no SET DEFAULT sec.claim_number('member', 'M', 9);
-- Monthly partitions of app.transactions (ARCHITECTURE.md §2, §10). Run by install and every
-- upgrade; 99_finish.sql makes the first ones.

-- Creates the monthly partitions (UTC months) from the current month through p_months_ahead
-- months ahead, each with its unique indexes and RLS on; returns how many were created.
CREATE OR REPLACE FUNCTION sec.ensure_transaction_partitions(p_months_ahead integer) RETURNS integer
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
-- Charge by QR (src/rpc/charge.cpp).

CREATE OR REPLACE FUNCTION app.merchant_charge_by_qr(
    p_merchant_code text, p_qr_plain text, p_raw_price numeric DEFAULT NULL,
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_raw_amount numeric DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_type text, card_id uuid, final_amount numeric, discount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_merchant_charge_by_qr';
COMMENT ON FUNCTION app.merchant_charge_by_qr(text, text, numeric, text, jsonb, text, text, numeric) IS
  'Charges the card behind a live QR code at the level (or corporate) discount; staff of the merchant only. Idempotent by key and external order id.';
SELECT sec.grant_execute('app.merchant_charge_by_qr(text, text, numeric, text, jsonb, text, text, numeric)',
                         ARRAY['authenticated', 'service_role']);
-- Caller identity for row-level security (src/rpc/identity.cpp).

-- The caller's user id for RLS policies, read exactly as the RPCs read it (src/pg/identity.hpp):
-- request.jwt.claim.sub, else request.jwt.claims ->> 'sub', set transaction-locally.
CREATE OR REPLACE FUNCTION sec.uid() RETURNS uuid
LANGUAGE c STABLE
AS 'MODULE_PATHNAME', 'mps_sec_uid';
-- Members (src/rpc/members.cpp).

CREATE OR REPLACE FUNCTION app.create_member_profile(
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
-- Merchants and their staff (src/rpc/merchants.cpp).

CREATE OR REPLACE FUNCTION app.create_merchant(p_code text, p_name text, p_contact text DEFAULT NULL)
RETURNS uuid
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_create_merchant';
COMMENT ON FUNCTION app.create_merchant(text, text, text) IS 'Creates a merchant; platform administrators only. Returns its id.';
SELECT sec.grant_execute('app.create_merchant(text, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.add_merchant_user(p_merchant_code text, p_user_id uuid, p_role text DEFAULT 'cashier')
RETURNS void
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_add_merchant_user';
COMMENT ON FUNCTION app.add_merchant_user(text, uuid, text) IS
  'Adds (or re-activates) a staff member: owner/manager/cashier. Platform administrators or the merchant''s owner/manager.';
SELECT sec.grant_execute('app.add_merchant_user(text, uuid, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.set_merchant_counter_topup(
    p_merchant_code text, p_enabled boolean, p_max_per_transaction numeric DEFAULT NULL,
    p_max_per_day numeric DEFAULT NULL)
RETURNS TABLE (merchant_code text, enabled boolean, max_per_transaction numeric, max_per_day numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_set_merchant_counter_topup';
COMMENT ON FUNCTION app.set_merchant_counter_topup(text, boolean, numeric, numeric) IS
  'Switches counter top-ups (cash at the counter put on a card) on or off for a merchant, with a limit per top-up and per UTC day; platform administrators only.';
SELECT sec.grant_execute('app.set_merchant_counter_topup(text, boolean, numeric, numeric)', ARRAY['authenticated', 'service_role']);
-- Random numbers for people to read (src/rpc/numbers.cpp); sec.claim_number (61_numbers.sql)
-- makes them unique. Not for PUBLIC.

CREATE OR REPLACE FUNCTION sec.random_number(p_prefix text, p_digits integer)
RETURNS text
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'mps_random_number';
-- Operations RPCs (src/rpc/operations.cpp): ledger checker, partition upkeep, error catalog,
-- and what this mps.so implements (for the contract tests and for administrators checking a
-- deployment after an upgrade).

CREATE OR REPLACE FUNCTION app.verify_ledger()
RETURNS TABLE (invariant text, object_id text, detail text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_verify_ledger';
COMMENT ON FUNCTION app.verify_ledger() IS
  'One row per violated ledger invariant (ARCHITECTURE.md §2); no rows on a healthy database. Platform administrators only.';
SELECT sec.grant_execute('app.verify_ledger()', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.ensure_partitions(p_months_ahead integer DEFAULT 3)
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_ensure_partitions';
COMMENT ON FUNCTION app.ensure_partitions(integer) IS
  'Creates missing monthly transaction partitions up to p_months_ahead months ahead; returns how many. Platform administrators only.';
SELECT sec.grant_execute('app.ensure_partitions(integer)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.error_catalog()
RETURNS TABLE (code text, sqlstate text, http_status text, meaning text)
LANGUAGE c IMMUTABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_error_catalog';
COMMENT ON FUNCTION app.error_catalog() IS 'Every error code an mps RPC raises, with its SQLSTATE and HTTP status';
SELECT sec.grant_execute('app.error_catalog()', ARRAY['anon', 'authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.library_entry_points()
RETURNS TABLE (symbol text, arg_names text[])
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_library_entry_points';
COMMENT ON FUNCTION app.library_entry_points() IS
  'Every SQL-callable C function of the installed mps.so with its parameter names as the C++ declares them. Platform administrators only.';
SELECT sec.grant_execute('app.library_entry_points()', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.library_labels()
RETURNS TABLE (sql_type text, labels text[])
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_library_labels';
COMMENT ON FUNCTION app.library_labels() IS
  'The labels the installed mps.so knows for each SQL enum it reads, in order. Platform administrators only.';
SELECT sec.grant_execute('app.library_labels()', ARRAY['service_role']);
-- Dynamic QR codes (src/rpc/qr.cpp).

CREATE OR REPLACE FUNCTION app.rotate_card_qr(p_card_id uuid, p_card_type text DEFAULT NULL, p_ttl_seconds integer DEFAULT 900)
RETURNS TABLE (qr_plain text, qr_expires_at timestamptz)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_rotate_card_qr';
COMMENT ON FUNCTION app.rotate_card_qr(uuid, text, integer) IS
  'Issues a new QR code for the card (the previous one stops working); the plaintext is returned only here.';
SELECT sec.grant_execute('app.rotate_card_qr(uuid, text, integer)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.revoke_card_qr(p_card_id uuid)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_revoke_card_qr';
COMMENT ON FUNCTION app.revoke_card_qr(uuid) IS 'Ends the card''s live QR code; true when there was one.';
SELECT sec.grant_execute('app.revoke_card_qr(uuid)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.validate_qr_plain(p_qr_plain text)
RETURNS uuid
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_validate_qr_plain';
COMMENT ON FUNCTION app.validate_qr_plain(text) IS
  'The card id behind a live QR code; merchant staff, platform administrators or the card holder.';
SELECT sec.grant_execute('app.validate_qr_plain(text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.cron_rotate_qr_tokens(p_ttl_seconds integer DEFAULT 300)
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_cron_rotate_qr_tokens';
COMMENT ON FUNCTION app.cron_rotate_qr_tokens(integer) IS
  'Ends live QR codes that expired or are older than p_ttl_seconds; returns how many. For pg_cron / administrators.';
SELECT sec.grant_execute('app.cron_rotate_qr_tokens(integer)', ARRAY['service_role']);
-- Recharge (src/rpc/recharge.cpp). Money comes in only from whoever took it: the trusted
-- backend (service_role / platform administrators), merchant staff at the counter
-- (p_merchant_code), members only when mps.allow_self_recharge is on.

CREATE OR REPLACE FUNCTION app.user_recharge_card(
    p_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_card';
COMMENT ON FUNCTION app.user_recharge_card(uuid, numeric, text, text, jsonb, text, text, text) IS
  'Adds money to a standard, prepaid or corporate card: service_role/platform administrators, merchant staff at the counter (p_merchant_code), members only when mps.allow_self_recharge is on.';
SELECT sec.grant_execute('app.user_recharge_card(uuid, numeric, text, text, jsonb, text, text, text)',
                         ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.user_recharge_personal_card(
    p_personal_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_personal_card';
COMMENT ON FUNCTION app.user_recharge_personal_card(uuid, numeric, text, text, jsonb, text, text, text) IS
  'Adds money to a standard (personal) card; the rules of user_recharge_card. Seed-compatible name.';
SELECT sec.grant_execute('app.user_recharge_personal_card(uuid, numeric, text, text, jsonb, text, text, text)',
                         ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.user_recharge_enterprise_card_admin(
    p_enterprise_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_enterprise_card_admin';
COMMENT ON FUNCTION app.user_recharge_enterprise_card_admin(uuid, numeric, text, text, jsonb, text, text, text) IS
  'Adds money to a corporate (enterprise) card: the trusted backend, or the card''s admins when mps.allow_self_recharge is on; never at a merchant counter.';
SELECT sec.grant_execute('app.user_recharge_enterprise_card_admin(uuid, numeric, text, text, jsonb, text, text, text)',
                         ARRAY['authenticated', 'service_role']);
-- Refunds (src/rpc/refund.cpp).

CREATE OR REPLACE FUNCTION app.merchant_refund_tx(
    p_merchant_code text, p_original_tx_no text, p_refund_amount numeric,
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL)
RETURNS TABLE (refund_tx_id uuid, refund_tx_no text, refunded_amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_merchant_refund_tx';
COMMENT ON FUNCTION app.merchant_refund_tx(text, text, numeric, text, jsonb, text) IS
  'Refunds part or all of a completed payment of this merchant back to the paying card, clawing back points in proportion. Idempotent by key (the merchant''s scope).';
SELECT sec.grant_execute('app.merchant_refund_tx(text, text, numeric, text, jsonb, text)', ARRAY['authenticated', 'service_role']);
-- Boundary self-tests (src/rpc/selftest.cpp), for sql/boundary.sql: they raise a PostgreSQL
-- error from inside SPI, throw C++ exceptions, misuse SPI on purpose, so tests can prove every
-- case reaches the client cleanly. Superusers only.

CREATE OR REPLACE FUNCTION sec.selftest_boundary(p_kind text)
RETURNS bigint
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'mps_selftest_boundary';
REVOKE ALL ON FUNCTION sec.selftest_boundary(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION sec.selftest_stable(p_kind text)
RETURNS text
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'mps_selftest_stable';
REVOKE ALL ON FUNCTION sec.selftest_stable(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION sec.selftest_next_tx_numbers(p_numbers text[])
RETURNS bigint
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'mps_selftest_next_tx_numbers';
REVOKE ALL ON FUNCTION sec.selftest_next_tx_numbers(text[]) FROM PUBLIC;
-- Row-level security (default deny, read-only policies; ARCHITECTURE.md §3). Writes happen only
-- inside the RPCs, which run as the extension owner. Re-run by every upgrade: functions are
-- replaced and each policy is dropped and made again, so an upgraded database gets exactly these.

-- The caller's member id / readable cards / staffed merchants, evaluated once per query
-- (policies wrap them in a scalar sub-select) and compared with row columns.
CREATE OR REPLACE FUNCTION sec.my_member_id() RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT id FROM app.member_profiles WHERE user_id = sec.uid() $$;

CREATE OR REPLACE FUNCTION sec.my_card_ids() RETURNS uuid[]
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

CREATE OR REPLACE FUNCTION sec.my_merchant_ids() RETURNS uuid[]
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
ALTER TABLE app.number_registry ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.merchant_topup_days ENABLE ROW LEVEL SECURITY;

-- Read-only policies. Tables without a policy (admin_users, registries, audit) show no rows
-- to anyone subject to RLS.
DROP POLICY IF EXISTS levels_public_read ON app.membership_levels;
CREATE POLICY levels_public_read ON app.membership_levels FOR SELECT USING (true);
DROP POLICY IF EXISTS member_reads_own_profile ON app.member_profiles;
CREATE POLICY member_reads_own_profile ON app.member_profiles FOR SELECT
  USING (user_id = (SELECT sec.uid()));
DROP POLICY IF EXISTS member_reads_own_identities ON app.member_external_identities;
CREATE POLICY member_reads_own_identities ON app.member_external_identities FOR SELECT
  USING (member_id = (SELECT sec.my_member_id()));
DROP POLICY IF EXISTS member_reads_own_cards ON app.member_cards;
CREATE POLICY member_reads_own_cards ON app.member_cards FOR SELECT
  USING (id = ANY ((SELECT sec.my_card_ids())::uuid[]));
DROP POLICY IF EXISTS member_reads_card_bindings ON app.card_bindings;
CREATE POLICY member_reads_card_bindings ON app.card_bindings FOR SELECT
  USING (card_id = ANY ((SELECT sec.my_card_ids())::uuid[]));
DROP POLICY IF EXISTS member_reads_card_qr_state ON app.card_qr_state;
CREATE POLICY member_reads_card_qr_state ON app.card_qr_state FOR SELECT
  USING (card_id = ANY ((SELECT sec.my_card_ids())::uuid[]));
DROP POLICY IF EXISTS member_reads_card_qr_history ON app.card_qr_history;
CREATE POLICY member_reads_card_qr_history ON app.card_qr_history FOR SELECT
  USING (card_id = ANY ((SELECT sec.my_card_ids())::uuid[]));
DROP POLICY IF EXISTS member_reads_point_ledger ON app.point_ledger;
CREATE POLICY member_reads_point_ledger ON app.point_ledger FOR SELECT
  USING (card_id = ANY ((SELECT sec.my_card_ids())::uuid[]));
DROP POLICY IF EXISTS member_or_staff_reads_transactions ON app.transactions;
CREATE POLICY member_or_staff_reads_transactions ON app.transactions FOR SELECT
  USING (card_id = ANY ((SELECT sec.my_card_ids())::uuid[])
         OR merchant_id = ANY ((SELECT sec.my_merchant_ids())::uuid[]));
DROP POLICY IF EXISTS staff_reads_merchant ON app.merchants;
CREATE POLICY staff_reads_merchant ON app.merchants FOR SELECT
  USING (id = ANY ((SELECT sec.my_merchant_ids())::uuid[]));
DROP POLICY IF EXISTS staff_reads_merchant_users ON app.merchant_users;
CREATE POLICY staff_reads_merchant_users ON app.merchant_users FOR SELECT
  USING (merchant_id = ANY ((SELECT sec.my_merchant_ids())::uuid[]));
DROP POLICY IF EXISTS staff_reads_topup_days ON app.merchant_topup_days;
CREATE POLICY staff_reads_topup_days ON app.merchant_topup_days FOR SELECT
  USING (merchant_id = ANY ((SELECT sec.my_merchant_ids())::uuid[]));
DROP POLICY IF EXISTS staff_reads_settlements ON app.settlements;
CREATE POLICY staff_reads_settlements ON app.settlements FOR SELECT
  USING (merchant_id = ANY ((SELECT sec.my_merchant_ids())::uuid[]));

-- Privileges are made in 98_privileges.sql, once every object exists.
-- Privileges, made by install and by every upgrade once every table, sequence and function
-- exists (sec.apply_privileges, called last, in 99_finish.sql). Everything is first taken from PUBLIC and the API roles, also
-- what ALTER DEFAULT PRIVILEGES on the server may have handed out (Supabase's advice for exposed
-- schemas grants ALL on new tables); then exactly what ARCHITECTURE.md §3 allows is granted.
-- RPC EXECUTE grants are made with each function (sec.grant_execute); transaction partitions
-- get none (sec.ensure_transaction_partitions).
CREATE OR REPLACE FUNCTION sec.apply_privileges() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- Every table of app and audit but the transaction partitions, whose privileges
  -- sec.ensure_transaction_partitions keeps at none (read through their parent).
  tables text := (SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.oid::regclass::text)
                    FROM pg_class c
                   WHERE c.relnamespace IN ('app'::regnamespace, 'audit'::regnamespace)
                     AND c.relkind IN ('r', 'p') AND NOT c.relispartition);
  app_tables text := (SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.oid::regclass::text)
                        FROM pg_class c
                       WHERE c.relnamespace = 'app'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition);
  r text;
  secret record;
BEGIN
  REVOKE ALL ON SCHEMA app, audit, sec FROM PUBLIC;
  EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', tables);
  REVOKE ALL ON ALL SEQUENCES IN SCHEMA app, audit FROM PUBLIC;
  REVOKE ALL ON ALL FUNCTIONS IN SCHEMA sec FROM PUBLIC;
  FOREACH r IN ARRAY sec.api_roles() LOOP
    EXECUTE format('REVOKE ALL ON SCHEMA app, audit, sec FROM %I', r);
    EXECUTE format('REVOKE ALL ON %s FROM %I', tables, r);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA app, audit FROM %I', r);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA sec FROM %I', r);

    EXECUTE format('GRANT USAGE ON SCHEMA app, sec TO %I', r);
    EXECUTE format('GRANT EXECUTE ON FUNCTION sec.uid(), sec.my_member_id(), sec.my_card_ids(), sec.my_merchant_ids() TO %I', r);
    EXECUTE format('GRANT SELECT ON app.membership_levels TO %I', r);
    IF r <> 'anon' THEN
      EXECUTE format('GRANT SELECT ON %s TO %I', app_tables, r);
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
-- The last step of install and of every upgrade: partitions for the current month and the
-- next three (a restore brings its own), what pg_dump must keep, and the privileges.

SELECT sec.ensure_transaction_partitions(3) WHERE NOT sec.restoring();

-- Rows of the extension's tables and sequences are user data: pg_dump dumps them although
-- they belong to the extension. Every table and sequence of app and audit that is a member of
-- the extension is registered, read from the catalog (no list to keep in step). The
-- partitioned app.transactions is not: its partitions are ordinary tables, not members, which
-- pg_dump keeps anyway. One call per relation: each updates pg_extension.
CREATE OR REPLACE FUNCTION sec.register_user_data() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t regclass;
BEGIN
  FOR t IN
    SELECT c.oid::regclass
      FROM pg_class c
      JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
      JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'mps'
     WHERE c.relnamespace IN ('app'::regnamespace, 'audit'::regnamespace) AND c.relkind IN ('r', 'S')
     ORDER BY c.oid::regclass::text
  LOOP
    PERFORM pg_extension_config_dump(t, '');
  END LOOP;
END
$$;
SELECT sec.register_user_data();

-- Last, when every object exists (functions made after it would keep PUBLIC's EXECUTE).
SELECT sec.apply_privileges();
