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

-- Every card type and card sharing (issue "Every card type").
-- The seeds' card type names, accepted as input only (never stored, see member_cards_stored_type).
-- (New enum labels cannot be used before this transaction commits; nothing below uses them.)
ALTER TYPE app.card_type ADD VALUE 'personal';
ALTER TYPE app.card_type ADD VALUE 'enterprise';
CREATE TYPE app.recharge_order_status AS ENUM ('pending', 'paid', 'cancelled', 'expired');
CREATE DOMAIN app.pay_method AS text CHECK (VALUE ~ '^[a-z0-9_]{1,32}$');
ALTER TABLE app.member_cards
  ADD COLUMN company_name text CHECK (length(btrim(company_name)) BETWEEN 1 AND 200),
  ADD COLUMN voucher_merchant_id uuid,
  ADD COLUMN frozen_by text CHECK (frozen_by IN ('admin', 'holder')),
  ADD COLUMN password_locked_until timestamptz,
  ADD COLUMN frozen_by_member_id uuid;
-- 0.1.0 had no RPC that issued corporate cards: rows written directly get the company name the
-- card number gives.
UPDATE app.member_cards SET company_name = card_no WHERE card_type = 'corporate' AND company_name IS NULL;
ALTER TABLE app.member_cards
  ADD CONSTRAINT member_cards_stored_type CHECK (card_type::text IN ('standard', 'prepaid', 'corporate', 'voucher')),
  ADD CONSTRAINT member_cards_company CHECK (card_type::text <> 'corporate' OR company_name IS NOT NULL);
CREATE TABLE app.card_password_failures (
    card_id       uuid NOT NULL REFERENCES app.member_cards (id),
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id     uuid,
    actor_user_id uuid,
    failed_at     timestamptz NOT NULL,
    PRIMARY KEY (card_id, id)
);
CREATE INDEX ON app.card_password_failures (card_id, failed_at);
CREATE TABLE app.recharge_orders (
    card_id           uuid NOT NULL REFERENCES app.member_cards (id),
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id         uuid NOT NULL,  -- who asked for it
    requested_by      uuid,           -- that member's user id
    amount            numeric(12,2) NOT NULL CHECK (amount > 0),
    payment_method    app.pay_method NOT NULL,
    reason            text CHECK (length(reason) <= 500),
    tag               jsonb NOT NULL DEFAULT '{}',
    idempotency_key   text CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    fingerprint       bytea,
    status            app.recharge_order_status NOT NULL DEFAULT 'pending',
    provider_tx_id    text CHECK (length(provider_tx_id) BETWEEN 1 AND 128),
    tx_id             uuid,
    created_at        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL CHECK (expires_at > created_at),
    closed_at         timestamptz,
    PRIMARY KEY (card_id, id),
    CHECK ((status = 'paid') = (tx_id IS NOT NULL AND provider_tx_id IS NOT NULL)),
    CHECK ((status = 'pending') = (closed_at IS NULL))
);
CREATE INDEX ON app.recharge_orders (id);
CREATE INDEX ON app.recharge_orders (expires_at) WHERE status = 'pending';
-- A member's retry with the same key finds its order.
CREATE UNIQUE INDEX recharge_orders_member_key ON app.recharge_orders (card_id, member_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- Signatures that change (CREATE OR REPLACE cannot): the charge's result gains points_earned
-- (seed 004 §2.1) and the recharges' a status and order id; rotate_card_qr takes app.card_type
-- as seed 000 declares it; create_member_profile takes seed 001's positional order.
DROP FUNCTION app.merchant_charge_by_qr(text, text, numeric, text, jsonb, text, text, numeric);
DROP FUNCTION app.user_recharge_card(uuid, numeric, text, text, jsonb, text, text, text);
DROP FUNCTION app.user_recharge_personal_card(uuid, numeric, text, text, jsonb, text, text, text);
DROP FUNCTION app.user_recharge_enterprise_card_admin(uuid, numeric, text, text, jsonb, text, text, text);
DROP FUNCTION app.rotate_card_qr(uuid, text, integer);
DROP FUNCTION app.create_member_profile(text, text, text, text, text, text);

-- Settlements (issue "Merchant settlement"): 0.1.0's 'cancelled' is 'failed'; fees, refunds
-- counted, merchant-funded vouchers, counter top-ups netted, due dates; the statement lines.
ALTER TYPE app.settlement_status RENAME VALUE 'cancelled' TO 'failed';
ALTER TABLE app.merchants
  ADD COLUMN settlement_fee_rate numeric(5,4) NOT NULL DEFAULT 0 CHECK (settlement_fee_rate >= 0 AND settlement_fee_rate < 1);
ALTER TABLE app.settlements
  ADD COLUMN refunds_count integer NOT NULL DEFAULT 0,
  ADD COLUMN vouchers_count integer NOT NULL DEFAULT 0,
  ADD COLUMN vouchers_total numeric(14,2) NOT NULL DEFAULT 0,
  ADD COLUMN topups_count integer NOT NULL DEFAULT 0,
  ADD COLUMN topups_total numeric(14,2) NOT NULL DEFAULT 0,
  ADD COLUMN fee_rate numeric(5,4) NOT NULL DEFAULT 0,
  ADD COLUMN fee numeric(14,2) NOT NULL DEFAULT 0,
  ADD COLUMN due_at timestamptz,
  ADD COLUMN generated_by uuid,
  ADD COLUMN status_changed_at timestamptz,
  ADD COLUMN legacy boolean NOT NULL DEFAULT false;
-- 0.1.0 had no RPC that wrote settlements: rows written directly keep their figures and status
-- (what was paid stays paid), are marked legacy (they have no statement lines), and what their
-- net leaves unexplained becomes their fee.
UPDATE app.settlements SET legacy = true, fee = payments_total - refunds_total - net_total;
ALTER TABLE app.settlements
  ADD CONSTRAINT settlements_net CHECK (net_total = payments_total - refunds_total - fee - topups_total);
CREATE INDEX ON app.settlements (merchant_id, period_start);
CREATE TABLE app.settlement_lines (
    tx_id         uuid PRIMARY KEY,
    tx_created_at timestamptz NOT NULL,
    settlement_id uuid NOT NULL REFERENCES app.settlements (id),
    merchant_id   uuid NOT NULL,
    tx_no         text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('payment', 'refund', 'counter_topup', 'merchant_voucher')),
    card_id       uuid NOT NULL,
    raw_amount    numeric(12,2) NOT NULL,
    amount        numeric(12,2) NOT NULL CHECK (amount >= 0)
);
CREATE INDEX ON app.settlement_lines (settlement_id, tx_created_at, tx_id);

-- #11 operations: the monitoring views' schema (sql/install/95_monitoring.sql).
CREATE SCHEMA monitor;
COMMENT ON SCHEMA monitor IS 'mps: monitoring views and the health check (service_role only)';

-- #11 partition lifecycle: archived months of app.transactions (sql/install/55_archive.sql).
CREATE SCHEMA archive;
COMMENT ON SCHEMA archive IS 'mps: monthly transaction partitions detached after the retention period (app.archive_partitions); not an API';
CREATE TABLE app.archived_months (
    month            date PRIMARY KEY CHECK (month = date_trunc('month', month)::date),
    table_name       text NOT NULL UNIQUE,
    tx_count         bigint NOT NULL CHECK (tx_count >= 0),
    balance_total    numeric(16,2) NOT NULL,
    cards            bigint NOT NULL CHECK (cards >= 0),
    totals           jsonb NOT NULL,
    archived_at      timestamptz NOT NULL DEFAULT now(),
    archived_by      uuid,
    archived_by_role text NOT NULL
);
CREATE TABLE app.archived_card_totals (
    card_id       uuid NOT NULL,  -- no foreign key: its lock on the card would wait for payments (app.verify_ledger checks it)
    month         date NOT NULL,
    tx_count      bigint NOT NULL CHECK (tx_count > 0),
    balance_delta numeric(14,2) NOT NULL,
    PRIMARY KEY (card_id, month)
);
CREATE INDEX ON app.archived_card_totals (month);

-- #11 failure log
-- Refused money calls, written by the failure log writer into audit.event_log as PAYMENT_FAILED.
CREATE INDEX event_log_payment_failed ON audit.event_log (happened_at) WHERE action = 'PAYMENT_FAILED';

-- The level ladder's check runs at COMMIT, after app.replace_membership_levels returned, as the
-- caller (service_role), who may neither call sec helpers nor update cards: it runs as the owner.
ALTER FUNCTION sec.check_level_ladder() SECURITY DEFINER;

-- Organisations, partner merchants, loyalty cards (issue "Organisations", seed 003;
-- sql/install/35_organizations.sql). Loyalty cards are member cards of two new types.
-- (New enum labels cannot be used before this transaction commits; nothing below uses them.)
ALTER TYPE app.card_type ADD VALUE 'organization';
ALTER TYPE app.card_type ADD VALUE 'merchant';
CREATE TABLE app.organizations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 255),
    display_name_zh text NOT NULL CHECK (length(btrim(display_name_zh)) BETWEEN 1 AND 255),
    display_name_en text NOT NULL CHECK (length(btrim(display_name_en)) BETWEEN 1 AND 255),
    slug            text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    -- ISO 3166-1 country, optionally with a subdivision: US-NY, US-CA, GB.
    region          text NOT NULL CHECK (region ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
    logo_url        text CHECK (logo_url ~ '^https?://' AND length(logo_url) <= 500),
    -- {"primary": "#1E40AF", "secondary": "#DBEAFE"}: colours as #RRGGBB (checked by the RPCs).
    brand_colors    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(brand_colors) = 'object'),
    contact_info    jsonb CHECK (jsonb_typeof(contact_info) = 'object'),
    -- Active verified members, kept by the RPCs in the transaction that changes a membership
    -- (app.verify_ledger() recounts it).
    member_count    integer NOT NULL DEFAULT 0 CHECK (member_count >= 0),
    is_active       boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE app.organizations IS 'Organisations (seed 003) whose members get partner discounts and loyalty cards';

-- An organisation's administrators (Supabase auth user ids): they review memberships and read
-- the organisation's members and analytics.
CREATE TABLE app.organization_admins (
    organization_id uuid NOT NULL REFERENCES app.organizations (id),
    user_id         uuid NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX ON app.organization_admins (user_id) WHERE active;

-- A member's membership of an organisation (seed 003's user_organizations, keyed by the member
-- profile: the user is the member). At most one current membership per member (the index
-- below); app.switch_organization moves it under the member's row lock.
CREATE TABLE app.user_organizations (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id           uuid NOT NULL REFERENCES app.member_profiles (id),
    organization_id     uuid NOT NULL REFERENCES app.organizations (id),
    membership_level    text NOT NULL DEFAULT 'basic' CHECK (membership_level IN ('basic', 'premium', 'vip')),
    member_number       text CHECK (member_number ~ '^[A-Za-z0-9-]{1,100}$'),
    join_date           date NOT NULL DEFAULT current_date,
    is_current          boolean NOT NULL DEFAULT false,
    is_active           boolean NOT NULL DEFAULT true,
    verification_status text NOT NULL DEFAULT 'pending'
                        CHECK (verification_status IN ('pending', 'verified', 'rejected')),
    -- What the member handed in (student id, email): read by the member and the organisation's
    -- administrators only.
    verification_data   jsonb CHECK (jsonb_typeof(verification_data) = 'object'),
    verified_at         timestamptz,
    verified_by         uuid,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (member_id, organization_id),
    CONSTRAINT user_organizations_current_is_active CHECK (NOT is_current OR is_active)
);
CREATE UNIQUE INDEX user_organizations_one_current ON app.user_organizations (member_id) WHERE is_current;
CREATE UNIQUE INDEX user_organizations_member_number ON app.user_organizations (organization_id, member_number)
  WHERE member_number IS NOT NULL;
CREATE INDEX ON app.user_organizations (organization_id, join_date);

-- Organisation <-> merchant. discount_rate is percent off (10.00 = 10 % off), in steps of 0.1 %
-- so that it is a discount in thousandths like every other (ARCHITECTURE.md §4).
CREATE TABLE app.organization_merchant_partnerships (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES app.organizations (id),
    merchant_id      uuid NOT NULL REFERENCES app.merchants (id),
    partnership_type text NOT NULL DEFAULT 'standard' CHECK (partnership_type IN ('standard', 'premium', 'exclusive')),
    discount_rate    numeric(5,2) NOT NULL DEFAULT 0
                     CHECK (discount_rate >= 0 AND discount_rate < 100 AND discount_rate * 10 = trunc(discount_rate * 10)),
    special_benefits jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(special_benefits) = 'array'),
    start_date       date,
    end_date         date,
    is_active        boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, merchant_id),
    CONSTRAINT partnerships_window CHECK (end_date >= start_date)
);
CREATE INDEX ON app.organization_merchant_partnerships (merchant_id);
ALTER TABLE app.merchants
  ADD COLUMN category        text CHECK (category ~ '^[a-z][a-z_]{0,99}$'),
  ADD COLUMN description     text CHECK (length(description) <= 2000),
  ADD COLUMN logo_url        text CHECK (logo_url ~ '^https?://' AND length(logo_url) <= 500),
  ADD COLUMN brand_colors    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(brand_colors) = 'object'),
  ADD COLUMN address         text CHECK (length(address) <= 500),
  ADD COLUMN phone           text CHECK (length(phone) BETWEEN 1 AND 50),
  ADD COLUMN website         text CHECK (website ~ '^https?://' AND length(website) <= 255),
  ADD COLUMN qr_code_pattern text UNIQUE CHECK (length(qr_code_pattern) BETWEEN 1 AND 255),
  ADD COLUMN business_hours  jsonb CHECK (jsonb_typeof(business_hours) = 'object');
ALTER TABLE app.member_cards
  DROP CONSTRAINT member_cards_stored_type,
  ADD CONSTRAINT member_cards_stored_type CHECK (card_type::text IN ('standard', 'prepaid', 'corporate', 'voucher', 'organization', 'merchant')),
  ADD COLUMN organization_id       uuid,
  ADD COLUMN loyalty_merchant_id   uuid,
  ADD COLUMN membership_level      text CHECK (membership_level IN ('basic', 'premium', 'vip')),
  ADD COLUMN qr_code_data          text CHECK (qr_code_data ~ '^vitaglobal://card/[A-Z0-9]+/[A-Za-z0-9_-]{22}$'),
  ADD COLUMN last_used_at          timestamptz,
  ADD CONSTRAINT member_cards_loyalty CHECK (
      CASE card_type::text
        WHEN 'organization' THEN organization_id IS NOT NULL AND loyalty_merchant_id IS NULL
                                 AND owner_member_id IS NOT NULL AND balance = 0
        WHEN 'merchant' THEN loyalty_merchant_id IS NOT NULL AND owner_member_id IS NOT NULL AND balance = 0
        ELSE organization_id IS NULL AND loyalty_merchant_id IS NULL
      END);
CREATE UNIQUE INDEX member_cards_one_organization_card ON app.member_cards (owner_member_id, organization_id)
  WHERE organization_id IS NOT NULL AND loyalty_merchant_id IS NULL;
CREATE UNIQUE INDEX member_cards_one_merchant_card ON app.member_cards (owner_member_id, loyalty_merchant_id)
  WHERE loyalty_merchant_id IS NOT NULL;
CREATE INDEX ON app.member_cards (organization_id) WHERE organization_id IS NOT NULL;
CREATE INDEX ON app.member_cards (loyalty_merchant_id) WHERE loyalty_merchant_id IS NOT NULL;
ALTER TABLE app.point_ledger
  ADD COLUMN kind           text CHECK (kind IN ('earn', 'redeem', 'transfer', 'expire')),
  ADD COLUMN reference_id   text CHECK (length(reference_id) BETWEEN 1 AND 255),
  ADD COLUMN merchant_id    uuid;
CREATE UNIQUE INDEX point_ledger_reference ON app.point_ledger (card_id, kind, reference_id)
  WHERE reference_id IS NOT NULL;
CREATE INDEX point_ledger_merchant ON app.point_ledger (merchant_id, created_at) WHERE merchant_id IS NOT NULL;
ALTER TABLE app.transactions ADD COLUMN partner_organization_id uuid,
  ADD COLUMN discount_source text CHECK (discount_source IN ('none', 'level', 'corporate', 'partnership'));

-- ---------------------------------------------------------------------------------------------
-- Wallet passes (issue #13 item 6, branch wallet): the tables of sql/install/37_wallet.sql, as
-- they are there. Self-contained: nothing above depends on it.
-- ---------------------------------------------------------------------------------------------
-- The platform's wallet settings: one row, set by a platform administrator
-- (app.set_wallet_settings). A NULL setting is not configured: Apple passes need
-- team_identifier and pass_type_identifier, Google objects google_issuer_id; without
-- web_service_url passes carry no webServiceURL/authenticationToken (they never update).
-- Small reference data (ARCHITECTURE.md §9).
CREATE TABLE app.wallet_settings (
    id                   boolean PRIMARY KEY DEFAULT true CHECK (id),
    team_identifier      text CHECK (team_identifier ~ '^[A-Z0-9]{10}$'),
    -- The base of every pass type id: pass.com.vitaglobal -> pass.com.vitaglobal.org.<slug>,
    -- pass.com.vitaglobal.merchant.<merchant id>, and the base itself for the platform's cards.
    pass_type_identifier text CHECK (pass_type_identifier ~ '^pass(\.[A-Za-z0-9-]+)+$' AND length(pass_type_identifier) <= 150),
    web_service_url      text CHECK (web_service_url ~ '^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$'
                                     AND length(web_service_url) <= 500),
    google_issuer_id     text CHECK (google_issuer_id ~ '^[0-9]{1,25}$'),
    -- organizationName / logoText of the platform's own cards (standard, prepaid, corporate, voucher).
    organization_name    text NOT NULL DEFAULT 'VitaGlobal' CHECK (length(btrim(organization_name)) BETWEEN 1 AND 100),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    updated_by           uuid
);
COMMENT ON TABLE app.wallet_settings IS 'Apple / Google Wallet settings of the platform (one row; app.set_wallet_settings)';

-- A card's Apple Wallet pass, made by the first app.get_apple_wallet_pass of the card. Rows
-- belong to the card (key card_id, ARCHITECTURE.md §9); serial_number is the card number, unique
-- like it. pass_type_identifier is fixed when the pass is made: a pass on a device keeps its type.
-- authentication_token (32 random bytes, base64url) authenticates the device's web service calls
-- for this pass: a secret, readable by no API role (sql/install/98_privileges.sql), handed out
-- only inside the pass to the card's holders.
CREATE TABLE app.wallet_passes (
    card_id              uuid PRIMARY KEY REFERENCES app.member_cards (id),
    serial_number        text NOT NULL UNIQUE CHECK (serial_number ~ '^[A-Z0-9]{1,64}$'),
    pass_type_identifier text NOT NULL CHECK (pass_type_identifier ~ '^pass(\.[A-Za-z0-9-]+)+$' AND length(pass_type_identifier) <= 255),
    authentication_token text NOT NULL CHECK (authentication_token ~ '^[A-Za-z0-9_-]{43}$'),
    created_at           timestamptz NOT NULL DEFAULT now()
);

-- A device registered for a pass's updates (PassKit web service: register / unregister). Rows
-- belong to the card (key (card_id, device_library_identifier)); the device's passes are found
-- through the index on device_library_identifier. Push tokens are the device's: readable only
-- by service_role (the web service's backend).
CREATE TABLE app.wallet_registrations (
    card_id                   uuid NOT NULL REFERENCES app.wallet_passes (card_id),
    device_library_identifier text NOT NULL CHECK (device_library_identifier ~ '^[A-Za-z0-9._-]{1,128}$'),
    push_token                text NOT NULL CHECK (push_token ~ '^[A-Za-z0-9]{1,200}$'),
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    -- The card's update tag this device was last told about (at registration: the tag of the pass
    -- it registered with; then each app.wallet_push_targets that listed it). A push is due when
    -- the card's tag differs from it, so a change is pushed once, whatever order commits came in.
    pushed_tag                bigint NOT NULL,
    pushed_at                 timestamptz,
    PRIMARY KEY (card_id, device_library_identifier)
);
CREATE INDEX ON app.wallet_registrations (device_library_identifier);

-- ---------------------------------------------------------------------------------------------
-- Issue #15 (performance): a refund's remainder read from the latest refund, and two per-partition
-- indexes no query or guarantee needs (sql/install/40_transactions.sql, 62_partitions.sql).
-- ---------------------------------------------------------------------------------------------
ALTER TABLE app.transactions ADD COLUMN refunded_after numeric(12,2);
-- The running sum of each payment's refunds, in the order they were written (0.1.0's refunds
-- took the payment's card lock one after another, so created_at then tx_no orders them).
UPDATE app.transactions t SET refunded_after = s.total
  FROM (SELECT id, created_at,
               sum(final_amount) OVER (PARTITION BY original_tx_id ORDER BY created_at, tx_no
                                       ROWS UNBOUNDED PRECEDING) AS total
          FROM app.transactions WHERE tx_type = 'refund') s
 WHERE t.id = s.id AND t.created_at = s.created_at;
DO $$
DECLARE
  part regclass;
  name text;
BEGIN
  FOR part, name IN SELECT h.inhrelid::regclass, c.relname
                      FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_class c ON c.oid = h.inhrelid
                     WHERE h.inhparent = 'app.transactions'::regclass
  LOOP
    EXECUTE format('DROP INDEX IF EXISTS app.%I, app.%I, app.%I',
                   name || '_tx_no_key', name || '_status_idx', name || '_original_idx');
    EXECUTE format('CREATE INDEX %I ON %s (original_tx_id, refunded_after) WHERE original_tx_id IS NOT NULL',
                   name || '_original_idx', part);
  END LOOP;
END
$$;

-- One CHECK per table that calls its rules function instead of one per rule (issue #15:
-- PostgreSQL re-read 35 CHECK node strings in every charge). The per-rule CHECKs go here;
-- sql/install/64_row_rules.sql, run after this migration, adds the rules CHECKs with the same
-- rules, which checks every existing row.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT c.conrelid::regclass AS rel, c.conname
             FROM pg_catalog.pg_constraint c
            WHERE c.contype = 'c' AND c.conislocal
              AND c.conrelid IN ('app.member_cards'::regclass, 'app.transactions'::regclass,
                                 'app.point_ledger'::regclass, 'audit.event_log'::regclass)
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.rel, r.conname);
  END LOOP;
END
$$;
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

-- card_no = type prefix + 11 random digits + a check digit, e.g. STD482917305561. (The type as
-- text: an upgrade that adds a card type creates this function in the transaction that adds the
-- label, where the new label may not be used as a value yet.)
CREATE OR REPLACE FUNCTION sec.new_card_no(p_type app.card_type) RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT sec.claim_number('card', CASE p_type::text WHEN 'standard' THEN 'STD' WHEN 'prepaid' THEN 'PRE'
                                                    WHEN 'corporate' THEN 'COR' WHEN 'organization' THEN 'ORG'
                                                    WHEN 'merchant' THEN 'MCD' ELSE 'VCH' END, 11)
$$;

-- A number that was claimed and then not used (an insert that failed) stays in the registry:
-- it is never handed out again, which costs nothing.
ALTER TABLE app.member_profiles ALTER COLUMN member_no SET DEFAULT sec.claim_number('member', 'M', 9);
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
-- Archiving old months of app.transactions (app.archive_partitions, src/rpc/partitions.cpp;
-- ARCHITECTURE.md §10). Run by install and every upgrade.
--
-- A month is archived whole: its partition is detached and moved, rows intact, into schema
-- archive, and app.archived_months / app.archived_card_totals record what its rows added up to,
-- so that app.verify_ledger proves every balance as Σ carried totals + Σ live rows, also once
-- the archived table is exported and dropped. The registries (tx_registry, idempotency and
-- order keys) keep their rows: numbers and keys stay unique forever.

-- What one month's rows add up to, in one scan: rows, Σ signed amounts (app.verify_ledger's
-- card_balance rule: completed and refunded rows, payments negative), cards, per tx_type/status
-- totals; and how many cards' rows differ from their carried totals for p_month (either way).
CREATE OR REPLACE FUNCTION sec.archive_month_check(p_table regclass, p_month date)
RETURNS TABLE (tx_count bigint, balance_total numeric, cards bigint, totals jsonb, carry_mismatches bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY EXECUTE format($q$
    WITH g AS MATERIALIZED (
      SELECT t.card_id, t.tx_type::text || '/' || t.status::text AS kind, count(*) AS n, sum(t.raw_amount) AS raw,
             sum(t.final_amount) AS fin, sum(t.points_earned) AS pts,
             COALESCE(sum(CASE WHEN t.tx_type = 'payment' THEN -t.final_amount ELSE t.final_amount END)
                        FILTER (WHERE t.status IN ('completed', 'refunded')), 0) AS bal
        FROM %s t GROUP BY 1, 2),
    k AS (SELECT card_id, sum(n)::bigint AS n, sum(bal) AS bal FROM g GROUP BY card_id),
    s AS (SELECT kind, sum(n) AS n, sum(raw) AS raw, sum(fin) AS fin, sum(pts) AS pts FROM g GROUP BY kind)
    SELECT (SELECT COALESCE(sum(n), 0)::bigint FROM k),
           (SELECT COALESCE(sum(bal), 0) FROM k),
           (SELECT count(*) FROM k),
           (SELECT COALESCE(jsonb_object_agg(kind, jsonb_build_object('rows', n, 'raw', raw, 'final', fin, 'points', pts)),
                            '{}'::jsonb) FROM s),
           (SELECT count(*) FROM k
              FULL JOIN (SELECT * FROM app.archived_card_totals WHERE month = $1) c ON c.card_id = k.card_id
             WHERE (k.n, k.bal) IS DISTINCT FROM (c.tx_count, c.balance_delta))$q$, p_table)
  USING p_month;
END
$$;

-- Archives every month past the retention (its whole UTC month ended more than p_keep_months
-- months ago), oldest first; returns one row per month archived, and one 'held' row for the
-- first month it had to leave live with the reason (the months after it wait too, so that
-- archived months always precede live ones). A month is held while
--   * a payment, refund or counter top-up of it at a merchant is not settled: archived, it would
--     never be (generate_settlement reads live rows), and the merchant's money would be lost;
--   * a refund of it refunds a payment of a month that stays live (a refund's row carries its
--     transaction's start, which can precede its payment's): that payment's refunded total must
--     stay readable in full, or it could be refunded twice;
--   * its partition does not hold exactly one UTC month under its own name.
-- Every step is verified in the caller's transaction: each month is locked against writes,
-- counted and summed, each card's carried totals recorded and checked; then each is detached,
-- moved (the same storage) and counted again; any difference raises ARCHIVE_VERIFICATION_FAILED
-- and rolls it all back. Detaching takes app.transactions' ACCESS EXCLUSIVE lock until commit
-- (payments wait for one count of each month archived): lock_timeout is 3 s here, so a long
-- reader makes the job fail (retry) rather than queue every payment behind it. A refund that read the month after it was locked and then marks
-- its payment refunded waits for the archive while the detach waits for it: PostgreSQL aborts one
-- of the two (40P01, retry); nothing is half done. Needs READ COMMITTED (checked by the RPC).
CREATE OR REPLACE FUNCTION sec.archive_transaction_partitions(p_keep_months integer, p_actor uuid, p_actor_role text)
RETURNS TABLE (month date, table_name text, tx_count bigint, balance_total numeric, cards bigint, outcome text, note text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET lock_timeout = '3s'
AS $$
DECLARE
  cur date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
  months date[] := '{}';
  parts regclass[] := '{}';
  whole boolean[] := '{}';
  unsettled bigint[] := '{}';
  originals timestamptz[] := '{}';  -- per month: the latest payment its refunds refund
  p record;
  u bigint;
  o timestamptz;
  n integer;
  keep integer := 0;
  before record;
  counts bigint[] := '{}';
  balances numeric[] := '{}';
  card_counts bigint[] := '{}';
  figures jsonb[] := '{}';
  files oid[] := '{}';
  rows_after bigint;
BEGIN
  IF p_keep_months IS NULL OR p_keep_months < 1 OR p_keep_months > 1200 THEN
    RAISE EXCEPTION 'INVALID_ARGUMENT' USING ERRCODE = '22023',
      DETAIL = 'The retention must be between 1 and 1200 months.';
  END IF;
  -- One archiver at a time.
  LOCK TABLE app.archived_months IN SHARE ROW EXCLUSIVE MODE;
  -- The months past the retention, oldest first, each locked against writes (a refund marking
  -- an old payment refunded) before it is read; the current and future months never qualify.
  FOR p IN SELECT t.month, t.partition, t.whole_month FROM sec.transaction_partitions() t
            WHERE t.month < cur
              AND (t.month + make_interval(months => 1 + p_keep_months))::timestamp AT TIME ZONE 'UTC' <= now()
            ORDER BY t.month
  LOOP
    EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', p.partition);
    EXECUTE format($q$
      SELECT count(*) FILTER (WHERE t.merchant_id IS NOT NULL AND t.tx_type IN ('payment', 'refund', 'recharge')
                                AND t.status IN ('completed', 'refunded')
                                AND NOT EXISTS (SELECT 1 FROM app.settlement_lines l WHERE l.tx_id = t.id)
                                AND NOT EXISTS (SELECT 1 FROM app.settlements s
                                                 WHERE s.legacy AND s.merchant_id = t.merchant_id
                                                   AND t.created_at >= s.period_start AND t.created_at < s.period_end)),
             max(o.created_at)
        FROM %s t LEFT JOIN app.tx_registry o ON t.tx_type = 'refund' AND o.tx_id = t.original_tx_id$q$, p.partition)
      INTO u, o;
    months := months || p.month;
    parts := parts || p.partition;
    whole := whole || p.whole_month;
    unsettled := unsettled || u;
    originals := originals || o;
    -- The months after one that must stay live wait with it: neither locked nor read.
    EXIT WHEN NOT p.whole_month OR u > 0;
  END LOOP;
  n := coalesce(array_length(months, 1), 0);
  -- The longest run from the oldest month with nothing unsettled, each month whole, whose
  -- refunds refund only payments of the run.
  WHILE keep < n AND whole[keep + 1] AND unsettled[keep + 1] = 0 LOOP
    keep := keep + 1;
  END LOOP;
  WHILE keep > 0 AND (SELECT max(x) FROM unnest(originals[1:keep]) x)
                     >= (months[keep] + interval '1 month')::timestamp AT TIME ZONE 'UTC' LOOP
    keep := keep - 1;
  END LOOP;

  -- First every month's carried totals and figures, while app.transactions is still open to
  -- payments; then every detach (each takes app.transactions' ACCESS EXCLUSIVE lock, held to the
  -- commit), so that nothing after the first detach waits for a card a payment may hold.
  FOR i IN 1 .. keep LOOP
    EXECUTE format($q$
      INSERT INTO app.archived_card_totals (card_id, month, tx_count, balance_delta)
      SELECT t.card_id, $1, count(*),
             COALESCE(sum(CASE WHEN t.tx_type = 'payment' THEN -t.final_amount ELSE t.final_amount END)
                        FILTER (WHERE t.status IN ('completed', 'refunded')), 0)
        FROM %s t GROUP BY t.card_id$q$, parts[i]) USING months[i];
    SELECT * INTO before FROM sec.archive_month_check(parts[i], months[i]);
    IF before.carry_mismatches <> 0 THEN
      RAISE EXCEPTION 'ARCHIVE_VERIFICATION_FAILED' USING ERRCODE = 'XX000',
        DETAIL = format('%s: %s cards differ from their carried totals.', to_char(months[i], 'YYYY-MM'),
                        before.carry_mismatches),
        HINT = 'Nothing was archived. Run app.verify_ledger() and look for writes to the month.';
    END IF;
    counts := counts || before.tx_count;
    balances := balances || before.balance_total;
    card_counts := card_counts || before.cards;
    figures := figures || before.totals;
    files := files || (SELECT c.relfilenode FROM pg_class c WHERE c.oid = parts[i]);
  END LOOP;

  FOR i IN 1 .. keep LOOP
    EXECUTE format('ALTER TABLE app.transactions DETACH PARTITION %s', parts[i]);
    EXECUTE format('ALTER TABLE %s SET SCHEMA archive', parts[i]);
    -- (The same table, now archive.<name>: a regclass is its oid.) Its storage is the one that
    -- was summed (nothing was written since: the month is locked against writes), and it is
    -- counted again.
    EXECUTE format('SELECT count(*) FROM %s', parts[i]) INTO rows_after;
    IF rows_after <> counts[i]
       OR (SELECT c.relfilenode <> files[i] OR c.relnamespace <> 'archive'::regnamespace FROM pg_class c WHERE c.oid = parts[i]) THEN
      RAISE EXCEPTION 'ARCHIVE_VERIFICATION_FAILED' USING ERRCODE = 'XX000',
        DETAIL = format('%s: %s rows before the move, %s after.', to_char(months[i], 'YYYY-MM'), counts[i], rows_after),
        HINT = 'Nothing was archived. Run app.verify_ledger() and look for writes to the month.';
    END IF;
    INSERT INTO app.archived_months AS a (month, table_name, tx_count, balance_total, cards, totals, archived_by, archived_by_role)
    SELECT months[i], c.relname, counts[i], balances[i], card_counts[i], figures[i], p_actor, p_actor_role
      FROM pg_class c WHERE c.oid = parts[i];
    month := months[i];
    table_name := parts[i]::text;
    tx_count := counts[i];
    balance_total := balances[i];
    cards := card_counts[i];
    outcome := 'archived';
    note := NULL;
    RETURN NEXT;
  END LOOP;

  IF keep < n THEN
    month := months[keep + 1];
    table_name := parts[keep + 1]::text;
    tx_count := NULL;
    balance_total := NULL;
    cards := NULL;
    outcome := 'held';
    note := CASE
      WHEN NOT whole[keep + 1] THEN 'the partition does not hold exactly one UTC month under its own name'
      WHEN unsettled[keep + 1] > 0 THEN format('%s payments, refunds or counter top-ups at merchants are not settled yet (generate_settlement)',
                                              unsettled[keep + 1])
      ELSE 'a refund of this month refunds a payment of a later month, which stays live' END;
    RETURN NEXT;
  END IF;
END
$$;

-- app.verify_ledger()'s archive checks, one row per violation:
--   archive_month       an archived month's record disagrees with its carried totals (rows,
--                       Σ balance, cards) or with its tx_registry rows (one per archived row),
--                       carried totals of a month that is not archived or of a card that does
--                       not exist, or an archived month that has a live partition again;
--   archive_table       an archived table still in schema archive whose rows no longer add up
--                       to its record, or whose cards' rows differ from their carried totals
--                       (an exported and dropped table is not checked: its record stands for it);
--   archive_unrecorded  a transactions table detached from app.transactions, or a table in
--                       schema archive, that no archived month records.
CREATE OR REPLACE FUNCTION sec.archive_violations()
RETURNS TABLE (invariant text, object_id text, detail text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  a record;
  f record;
  t regclass;
BEGIN
  IF EXISTS (SELECT 1 FROM app.archived_months) OR EXISTS (SELECT 1 FROM app.archived_card_totals) THEN
    RETURN QUERY
    WITH c AS (SELECT k.month, count(*) AS cards, sum(k.tx_count) AS n, sum(k.balance_delta) AS total
                 FROM app.archived_card_totals k GROUP BY k.month),
         g AS (SELECT date_trunc('month', r.created_at AT TIME ZONE 'UTC')::date AS month, count(*) AS n
                 FROM app.tx_registry r
                WHERE date_trunc('month', r.created_at AT TIME ZONE 'UTC')::date IN (SELECT m.month FROM app.archived_months m)
                GROUP BY 1)
    SELECT 'archive_month', to_char(m.month, 'YYYY-MM'),
           format('recorded %s rows, balance %s, %s cards; carried totals say %s rows, balance %s, %s cards; tx_registry has %s rows',
                  m.tx_count, m.balance_total, m.cards, COALESCE(c.n, 0), COALESCE(c.total, 0), COALESCE(c.cards, 0),
                  COALESCE(g.n, 0))
      FROM app.archived_months m LEFT JOIN c ON c.month = m.month LEFT JOIN g ON g.month = m.month
     WHERE (COALESCE(c.n, 0), COALESCE(c.total, 0), COALESCE(c.cards, 0), COALESCE(g.n, 0))
           IS DISTINCT FROM (m.tx_count::numeric, m.balance_total, m.cards, m.tx_count)
    UNION ALL
    SELECT 'archive_month', to_char(c.month, 'YYYY-MM'), 'carried totals of a month that is not archived'
      FROM c WHERE NOT EXISTS (SELECT 1 FROM app.archived_months m WHERE m.month = c.month)
    UNION ALL
    SELECT 'archive_month', to_char(k.month, 'YYYY-MM'), format('carried totals of a card that does not exist: %s', k.card_id)
      FROM app.archived_card_totals k WHERE NOT EXISTS (SELECT 1 FROM app.member_cards mc WHERE mc.id = k.card_id)
    UNION ALL
    SELECT 'archive_month', to_char(m.month, 'YYYY-MM'), format('archived month has a live partition again: %s', p.partition)
      FROM app.archived_months m JOIN sec.transaction_partitions() p ON p.month = m.month;
  END IF;

  FOR a IN SELECT * FROM app.archived_months ORDER BY month LOOP
    t := to_regclass(format('archive.%I', a.table_name));
    CONTINUE WHEN t IS NULL;
    SELECT * INTO f FROM sec.archive_month_check(t, a.month);
    IF (f.tx_count, f.balance_total, f.cards, f.totals) IS DISTINCT FROM (a.tx_count, a.balance_total, a.cards, a.totals) THEN
      invariant := 'archive_table';
      object_id := t::text;
      detail := format('rows %s, balance %s, %s cards%s; recorded %s, %s, %s', f.tx_count, f.balance_total, f.cards,
                       CASE WHEN f.totals IS DISTINCT FROM a.totals THEN ', totals per tx_type/status differ' ELSE '' END,
                       a.tx_count, a.balance_total, a.cards);
      RETURN NEXT;
    END IF;
    IF f.carry_mismatches <> 0 THEN
      invariant := 'archive_table';
      object_id := t::text;
      detail := format('%s cards'' rows differ from their carried totals', f.carry_mismatches);
      RETURN NEXT;
    END IF;
  END LOOP;

  RETURN QUERY
  SELECT 'archive_unrecorded', c.oid::regclass::text,
         'a transactions table outside app.transactions that no archived month records'
    FROM pg_class c
   WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
     AND ((c.relnamespace = 'app'::regnamespace AND c.relname ~ '^transactions_y[0-9]{4}m[0-9]{2}$')
          OR (c.relnamespace = 'archive'::regnamespace
              AND NOT EXISTS (SELECT 1 FROM app.archived_months m WHERE m.table_name = c.relname)))
   ORDER BY 2;
END
$$;
-- The role pg_cron runs mps's jobs as (app.schedule_jobs, src/rpc/jobs.cpp). Run by install and
-- every upgrade; the role itself is made by the first app.schedule_jobs(), since a server without
-- pg_cron needs none.

-- Makes the role mps_jobs when missing and lets it execute exactly p_functions (and use schema
-- app); returns the role the jobs are to run as. pg_cron schedules a job for another user only
-- for a superuser: where the extension owner is none (a managed service), the jobs run as the
-- owner, which is a platform administrator anyway.
CREATE OR REPLACE FUNCTION sec.prepare_job_role(p_functions text[]) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f text;
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    RETURN current_user;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mps_jobs') THEN
    -- LOGIN: pg_cron connects as the job's user. No password: only what pg_hba.conf trusts for
    -- it (or pg_cron's background workers, cron.use_background_workers = on) lets it in.
    CREATE ROLE mps_jobs LOGIN NOINHERIT;
    COMMENT ON ROLE mps_jobs IS 'mps: pg_cron runs the mps_* jobs as this role (app.schedule_jobs); EXECUTE on the job functions only';
  END IF;
  GRANT USAGE ON SCHEMA app TO mps_jobs;
  FOREACH f IN ARRAY p_functions LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO mps_jobs', f::regprocedure);
  END LOOP;
  RETURN 'mps_jobs';
END
$$;
REVOKE ALL ON FUNCTION sec.prepare_job_role(text[]) FROM PUBLIC;
-- The row rules of the tables every payment writes (member_cards, transactions, point_ledger,
-- audit.event_log), each table's in one plpgsql function called by one CHECK constraint.
--
-- Why not one CHECK per rule: PostgreSQL re-reads every CHECK constraint of a table from its
-- stored node string (stringToNode, then planning) in each statement that writes the table, and
-- a charge's statements carried 35 of them, about 33 kB of node text: 43 % of a charge's CPU
-- instructions (issue #15, bench/README.md). A CHECK that calls a function is a short node
-- string; the function's expression is compiled once per backend and kept by plpgsql. The rules
-- are the same expressions as before, each one passing when it is NULL, as a CHECK does.
--
-- Install and every upgrade run this file (a definitions piece): the functions are replaced,
-- and each table's CHECK is added when it is missing, which checks the rows already there (an
-- upgrade from 0.1.0 drops the per-rule CHECKs first: sql/upgrade/0.1.0--0.2.0.sql). A changed
-- rule does not re-check existing rows: the upgrade that changes one validates them itself.

CREATE OR REPLACE FUNCTION sec.member_card_rules(
    card_type app.card_type, owner_member_id uuid, balance numeric, points bigint, discount numeric,
    fixed_discount numeric, face_value numeric, binding_password_hash text, company_name text, frozen_by text,
    organization_id uuid, loyalty_merchant_id uuid, membership_level text, qr_code_data text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (balance >= 0) IS NOT FALSE
     AND (points >= 0) IS NOT FALSE
     AND (discount > 0 AND discount <= 1) IS NOT FALSE
     AND (fixed_discount > 0 AND fixed_discount <= 1) IS NOT FALSE
     AND (face_value > 0) IS NOT FALSE
     AND (binding_password_hash LIKE '$argon2id$%') IS NOT FALSE
     AND (length(btrim(company_name)) BETWEEN 1 AND 200) IS NOT FALSE
     AND (frozen_by IN ('admin', 'holder')) IS NOT FALSE
     AND (membership_level IN ('basic', 'premium', 'vip')) IS NOT FALSE
     AND (qr_code_data ~ '^vitaglobal://card/[A-Z0-9]+/[A-Za-z0-9_-]{22}$') IS NOT FALSE
     -- the stored types (the legacy labels are input only); per type what it must have
     AND card_type::text IN ('standard', 'prepaid', 'corporate', 'voucher', 'organization', 'merchant')
     AND (card_type::text <> 'standard' OR owner_member_id IS NOT NULL)
     AND (card_type::text <> 'corporate' OR (fixed_discount IS NOT NULL AND company_name IS NOT NULL))
     AND (card_type::text <> 'voucher' OR face_value IS NOT NULL)
     -- loyalty cards (seed 003) hold points, never money
     AND (CASE card_type::text
            WHEN 'organization' THEN organization_id IS NOT NULL AND loyalty_merchant_id IS NULL
                                     AND owner_member_id IS NOT NULL AND balance = 0
            WHEN 'merchant' THEN loyalty_merchant_id IS NOT NULL AND owner_member_id IS NOT NULL AND balance = 0
            ELSE organization_id IS NULL AND loyalty_merchant_id IS NULL
          END) IS NOT FALSE;
END
$$;

CREATE OR REPLACE FUNCTION sec.transaction_rules(
    tx_type app.tx_type, status app.tx_status, raw_amount numeric, discount_applied numeric, final_amount numeric,
    reason text, payment_method text, external_order_id text, idempotency_key text, original_tx_id uuid,
    discount_source text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (discount_applied > 0 AND discount_applied <= 1) IS NOT FALSE
     AND (length(reason) <= 500) IS NOT FALSE
     AND (length(payment_method) <= 32) IS NOT FALSE
     AND (length(external_order_id) <= 128) IS NOT FALSE
     AND (length(idempotency_key) <= 128) IS NOT FALSE
     AND (discount_source IN ('none', 'level', 'corporate', 'partnership')) IS NOT FALSE
     -- amounts: positive but for adjustments, which are signed and never 0
     AND (tx_type = 'adjustment' OR (raw_amount > 0 AND final_amount >= 0)) IS NOT FALSE
     AND (tx_type <> 'adjustment' OR (final_amount <> 0 AND raw_amount = abs(final_amount))) IS NOT FALSE
     -- a refund, and only a refund, names its payment; only a payment is ever 'refunded'
     AND ((tx_type = 'refund') = (original_tx_id IS NOT NULL)) IS NOT FALSE
     AND (status <> 'refunded' OR tx_type = 'payment') IS NOT FALSE;
END
$$;

CREATE OR REPLACE FUNCTION sec.point_ledger_rules(
    delta bigint, balance_before bigint, balance_after bigint, reason text, kind text, reference_id text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (delta <> 0) IS NOT FALSE
     AND (balance_before >= 0) IS NOT FALSE
     AND (balance_after >= 0) IS NOT FALSE
     AND (balance_after = balance_before + delta) IS NOT FALSE
     AND (length(reason) BETWEEN 1 AND 500) IS NOT FALSE
     AND (kind IN ('earn', 'redeem', 'transfer', 'expire')) IS NOT FALSE
     AND (length(reference_id) BETWEEN 1 AND 255) IS NOT FALSE;
END
$$;

CREATE OR REPLACE FUNCTION sec.event_log_rules(action text, object_type text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (length(action) BETWEEN 1 AND 64) IS NOT FALSE
     AND (length(object_type) BETWEEN 1 AND 64) IS NOT FALSE;
END
$$;

REVOKE ALL ON FUNCTION sec.member_card_rules(app.card_type, uuid, numeric, bigint, numeric, numeric, numeric, text, text,
                                             text, uuid, uuid, text, text),
                       sec.transaction_rules(app.tx_type, app.tx_status, numeric, numeric, numeric, text, text, text,
                                             text, uuid, text),
                       sec.point_ledger_rules(bigint, bigint, bigint, text, text, text),
                       sec.event_log_rules(text, text)
  FROM PUBLIC;

DO $$
DECLARE
  c record;
BEGIN
  FOR c IN SELECT * FROM (VALUES
      ('app.member_cards', 'member_cards_rules',
       'sec.member_card_rules(card_type, owner_member_id, balance, points, discount, fixed_discount, face_value, '
       'binding_password_hash, company_name, frozen_by, organization_id, loyalty_merchant_id, membership_level, qr_code_data)'),
      ('app.transactions', 'transactions_rules',
       'sec.transaction_rules(tx_type, status, raw_amount, discount_applied, final_amount, reason, payment_method, '
       'external_order_id, idempotency_key, original_tx_id, discount_source)'),
      ('app.point_ledger', 'point_ledger_rules',
       'sec.point_ledger_rules(delta, balance_before, balance_after, reason, kind, reference_id)'),
      ('audit.event_log', 'event_log_rules', 'sec.event_log_rules(action, object_type)')) AS t(rel, name, expr)
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
                    WHERE conrelid = c.rel::regclass AND conname = c.name) THEN
      EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%s)', c.rel, c.name, c.expr);
    END IF;
  END LOOP;
END
$$;
-- Analytics (seed 003 §数据统计), read-only (src/rpc/analytics.cpp). Months are calendar months
-- of mps.settlement_time_zone (default UTC).

CREATE OR REPLACE FUNCTION app.get_organization_analytics(p_organization_id uuid, p_months integer DEFAULT 12)
RETURNS jsonb
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_organization_analytics';
COMMENT ON FUNCTION app.get_organization_analytics(uuid, integer) IS
  'An organisation''s figures as one JSON object: members (active, verified, pending) and their growth by month over the last p_months (1..36) months, active partner merchants by category, its loyalty cards, points issued and redeemed on them by month, activity of the last 30 days. The organisation''s administrators and platform administrators.';
SELECT sec.grant_execute('app.get_organization_analytics(uuid, integer)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_merchant_analytics(p_merchant_id uuid, p_months integer DEFAULT 12)
RETURNS jsonb
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_merchant_analytics';
COMMENT ON FUNCTION app.get_merchant_analytics(uuid, integer) IS
  'A merchant''s figures as one JSON object: its loyalty cards issued by month over the last p_months (1..36) months, points earned and redeemed in its name (totals, counts, by month), cards active there in the last 30 days, card holders by organisation. Owners and managers of the merchant and platform administrators.';
SELECT sec.grant_execute('app.get_merchant_analytics(uuid, integer)', ARRAY['authenticated', 'service_role']);
-- Issuing and administering cards (src/rpc/cards.cpp). Standard cards come with their member.

CREATE OR REPLACE FUNCTION app.create_prepaid_card(
    p_member_id uuid DEFAULT NULL, p_binding_password text DEFAULT NULL, p_expires_at timestamptz DEFAULT NULL)
RETURNS TABLE (card_id uuid, card_no text)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_create_prepaid_card';
COMMENT ON FUNCTION app.create_prepaid_card(uuid, text, timestamptz) IS
  'Issues a shareable prepaid (family) card: a member for itself, or a platform administrator for p_member_id; optional binding password (Argon2id) and expiry.';
SELECT sec.grant_execute('app.create_prepaid_card(uuid, text, timestamptz)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.create_corporate_card(
    p_company_name text, p_fixed_discount numeric, p_binding_password text, p_expires_at timestamptz DEFAULT NULL)
RETURNS TABLE (card_id uuid, card_no text)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_create_corporate_card';
COMMENT ON FUNCTION app.create_corporate_card(text, numeric, text, timestamptz) IS
  'Issues a company''s corporate (enterprise) card with a fixed discount and a binding password (Argon2id); platform administrators. Its first admin: enterprise_set_initial_admin.';
SELECT sec.grant_execute('app.create_corporate_card(text, numeric, text, timestamptz)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.create_voucher_card(
    p_member_id uuid, p_face_value numeric, p_expires_at timestamptz, p_merchant_code text DEFAULT NULL,
    p_idempotency_key text DEFAULT NULL, p_reason text DEFAULT NULL)
RETURNS TABLE (card_id uuid, card_no text)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_create_voucher_card';
COMMENT ON FUNCTION app.create_voucher_card(uuid, numeric, timestamptz, text, text, text) IS
  'Issues a one-payment voucher of a face value to a member: platform administrators, or an owner/manager of p_merchant_code (then redeemable only there). Idempotent by key.';
SELECT sec.grant_execute('app.create_voucher_card(uuid, numeric, timestamptz, text, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.freeze_card(p_card_id uuid, p_reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_freeze_card';
COMMENT ON FUNCTION app.freeze_card(uuid, text) IS
  'Freezes a card (no payment, refund or recharge; its live QR code ends): platform administrators, or a holder of the card (a lost phone). True when it changed.';
SELECT sec.grant_execute('app.freeze_card(uuid, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.unfreeze_card(p_card_id uuid, p_reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_unfreeze_card';
COMMENT ON FUNCTION app.unfreeze_card(uuid, text) IS
  'Unfreezes a card: platform administrators any, a holder only a card it froze itself. True when it changed.';
SELECT sec.grant_execute('app.unfreeze_card(uuid, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.update_points_and_level(p_card_id uuid, p_delta_points integer, p_reason text)
RETURNS TABLE (card_id uuid, points bigint, level integer, discount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_update_points_and_level';
COMMENT ON FUNCTION app.update_points_and_level(uuid, integer, text) IS
  'Adds (or takes) points on a standard or prepaid card with a reason (a point-ledger row, never below zero); level and discount follow the ladder. Platform administrators.';
SELECT sec.grant_execute('app.update_points_and_level(uuid, integer, text)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.adjust_card_balance(p_card_id uuid, p_amount numeric, p_reason text, p_idempotency_key text)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_adjust_card_balance';
COMMENT ON FUNCTION app.adjust_card_balance(uuid, numeric, text, text) IS
  'Corrects a card balance by a signed amount (an adjustment transaction with a mandatory reason, never below zero, idempotent by key). Platform administrators.';
SELECT sec.grant_execute('app.adjust_card_balance(uuid, numeric, text, text)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.replace_membership_levels(p_levels jsonb)
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_replace_membership_levels';
COMMENT ON FUNCTION app.replace_membership_levels(jsonb) IS
  'Replaces the level ladder atomically (JSON array of {level, name, min_points, max_points, discount}; no gap, no overlap) and recomputes every card''s level; returns the cards changed. Platform administrators.';
SELECT sec.grant_execute('app.replace_membership_levels(jsonb)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.cron_expire_cards()
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_cron_expire_cards';
COMMENT ON FUNCTION app.cron_expire_cards() IS
  'Expires every card past its expiry (QR codes ended, a voucher''s remainder written off, audited); returns how many (pg_cron). Platform administrators.';
SELECT sec.grant_execute('app.cron_expire_cards()', ARRAY['service_role']);
-- Charge by QR (src/rpc/charge.cpp).

CREATE OR REPLACE FUNCTION app.merchant_charge_by_qr(
    p_merchant_code text, p_qr_plain text, p_raw_price numeric DEFAULT NULL,
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_raw_amount numeric DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_type text, card_id uuid, final_amount numeric, discount numeric,
               points_earned bigint, discount_source text, partner_organization_id uuid)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_merchant_charge_by_qr';
COMMENT ON FUNCTION app.merchant_charge_by_qr(text, text, numeric, text, jsonb, text, text, numeric) IS
  'Charges the card behind a live QR code at the level (or corporate) discount, or the partnership discount of the payer''s current organisation when better (discount_source, partner_organization_id); staff of the merchant only. Idempotent by key and external order id.';
SELECT sec.grant_execute('app.merchant_charge_by_qr(text, text, numeric, text, jsonb, text, text, numeric)',
                         ARRAY['authenticated', 'service_role']);
-- Caller identity for row-level security (src/rpc/identity.cpp).

-- The caller's user id for RLS policies, read exactly as the RPCs read it (src/pg/identity.hpp):
-- request.jwt.claim.sub, else request.jwt.claims ->> 'sub', set transaction-locally.
CREATE OR REPLACE FUNCTION sec.uid() RETURNS uuid
LANGUAGE c STABLE
AS 'MODULE_PATHNAME', 'mps_sec_uid';
-- pg_cron scheduling of the periodic jobs (src/rpc/jobs.cpp): every job under a stable name,
-- run as the role mps_jobs. The README's operations chapter lists the jobs and their schedules.

CREATE OR REPLACE FUNCTION app.schedule_jobs(p_schedules jsonb DEFAULT NULL)
RETURNS TABLE (job_name text, schedule text, command text, run_as text, active boolean, job_id bigint,
               last_status text, last_start timestamptz, last_end timestamptz, last_message text,
               runs_last_day bigint, failures_last_day bigint)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_schedule_jobs';
COMMENT ON FUNCTION app.schedule_jobs(jsonb) IS
  'Schedules mps''s jobs with pg_cron under stable names (again: changed in place); p_schedules {"job": "cron schedule" | null to leave it out} overrides the defaults. Platform administrators.';
SELECT sec.grant_execute('app.schedule_jobs(jsonb)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.unschedule_jobs()
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_unschedule_jobs';
COMMENT ON FUNCTION app.unschedule_jobs() IS
  'Unschedules every mps job of this database; returns how many. Platform administrators.';
SELECT sec.grant_execute('app.unschedule_jobs()', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.job_status()
RETURNS TABLE (job_name text, schedule text, command text, run_as text, active boolean, job_id bigint,
               last_status text, last_start timestamptz, last_end timestamptz, last_message text,
               runs_last_day bigint, failures_last_day bigint)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_job_status';
COMMENT ON FUNCTION app.job_status() IS
  'The mps jobs pg_cron has for this database, with their last run and the last day''s runs and failures; no rows without pg_cron. Platform administrators.';
SELECT sec.grant_execute('app.job_status()', ARRAY['service_role']);
-- Loyalty cards: a merchant's card taken through a partner organisation, and the member's list
-- (src/rpc/loyalty.cpp; seed 003).

CREATE OR REPLACE FUNCTION app.create_merchant_card(
    p_user_id uuid DEFAULT NULL, p_organization_id uuid DEFAULT NULL, p_merchant_id uuid DEFAULT NULL,
    p_qr_data text DEFAULT NULL)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_create_merchant_card';
COMMENT ON FUNCTION app.create_merchant_card(uuid, uuid, uuid, text) IS
  'The calling member takes the loyalty card of the merchant whose QR code it scanned (p_qr_data), through its current (or the named) verified organisation in partnership with the merchant; scanning again returns the same card (created false). Returns {success, created, card}.';
SELECT sec.grant_execute('app.create_merchant_card(uuid, uuid, uuid, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_user_membership_cards(
    p_user_id uuid DEFAULT NULL, p_organization_id uuid DEFAULT NULL, p_card_type text DEFAULT NULL)
RETURNS jsonb
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_user_membership_cards';
COMMENT ON FUNCTION app.get_user_membership_cards(uuid, uuid, text) IS
  'The calling member''s loyalty cards (organisation and merchant cards) as seed 003 lists them: {cards: [...]}, optionally of one organisation and type.';
SELECT sec.grant_execute('app.get_user_membership_cards(uuid, uuid, text)', ARRAY['authenticated', 'service_role']);
-- Members (src/rpc/members.cpp).

-- Seed 001's positional order (name, phone, email, binding org, binding id, password), every
-- parameter but p_name optional. (0.1.0 took p_password fourth: its declaration calls the
-- symbol mps_create_member_profile, which mps.so keeps for that order.)
CREATE OR REPLACE FUNCTION app.create_member_profile(
    p_name text, p_phone text DEFAULT NULL, p_email text DEFAULT NULL,
    p_binding_user_org text DEFAULT NULL, p_binding_org_id text DEFAULT NULL, p_password text DEFAULT NULL)
RETURNS uuid
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_create_member_profile_v2';
COMMENT ON FUNCTION app.create_member_profile(text, text, text, text, text, text) IS
  'Registers a member (platform administrators, who may bind a verified external login; or a signed-in user for itself, whose member id is its user id) and issues its standard card. Returns the member id.';
SELECT sec.grant_execute('app.create_member_profile(text, text, text, text, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.login_or_register_external(
    p_provider text, p_external_id text, p_name text DEFAULT NULL, p_phone text DEFAULT NULL,
    p_email text DEFAULT NULL, p_user_id uuid DEFAULT NULL)
RETURNS TABLE (member_id uuid, member_no text, is_new boolean)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_login_or_register_external';
COMMENT ON FUNCTION app.login_or_register_external(text, text, text, text, text, uuid) IS
  'The trusted backend that verified a wechat/alipay login: returns the member of that identity, or registers one (p_name) with its standard card. Platform administrators / service_role.';
SELECT sec.grant_execute('app.login_or_register_external(text, text, text, text, text, uuid)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.link_external_identity(p_member_id uuid, p_provider text, p_external_id text)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_link_external_identity';
COMMENT ON FUNCTION app.link_external_identity(uuid, text, text) IS
  'The trusted backend links a further verified external login to a member; false when already linked to it. Platform administrators / service_role.';
SELECT sec.grant_execute('app.link_external_identity(uuid, text, text)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.admin_suspend_member(p_member_id uuid, p_reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_admin_suspend_member';
COMMENT ON FUNCTION app.admin_suspend_member(uuid, text) IS
  'Suspends a member: its cards take part in no payment, refund or recharge and its QR codes end. Platform administrators. True when it changed.';
SELECT sec.grant_execute('app.admin_suspend_member(uuid, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.admin_reactivate_member(p_member_id uuid, p_reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_admin_reactivate_member';
COMMENT ON FUNCTION app.admin_reactivate_member(uuid, text) IS
  'Reactivates a suspended member. Platform administrators. True when it changed.';
SELECT sec.grant_execute('app.admin_reactivate_member(uuid, text)', ARRAY['authenticated', 'service_role']);
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

CREATE OR REPLACE FUNCTION app.admin_suspend_merchant(p_merchant_code text, p_reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_admin_suspend_merchant';
COMMENT ON FUNCTION app.admin_suspend_merchant(text, text) IS
  'Suspends a merchant: no payment, refund or counter top-up there until reactivated. Platform administrators. True when it changed.';
SELECT sec.grant_execute('app.admin_suspend_merchant(text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.admin_reactivate_merchant(p_merchant_code text, p_reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_admin_reactivate_merchant';
COMMENT ON FUNCTION app.admin_reactivate_merchant(text, text) IS
  'Reactivates a suspended merchant. Platform administrators. True when it changed.';
SELECT sec.grant_execute('app.admin_reactivate_merchant(text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.update_merchant_profile(
    p_merchant_code text, p_category text DEFAULT NULL, p_description text DEFAULT NULL, p_logo_url text DEFAULT NULL,
    p_brand_colors jsonb DEFAULT NULL, p_address text DEFAULT NULL, p_phone text DEFAULT NULL,
    p_website text DEFAULT NULL, p_qr_code_pattern text DEFAULT NULL, p_business_hours jsonb DEFAULT NULL)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_update_merchant_profile';
COMMENT ON FUNCTION app.update_merchant_profile(text, text, text, text, jsonb, text, text, text, text, jsonb) IS
  'Sets the merchant''s public profile shown to partner organisations'' members (seed 003); NULL leaves a field as it is. The merchant''s owner/manager or platform administrators. Returns the profile.';
SELECT sec.grant_execute('app.update_merchant_profile(text, text, text, text, jsonb, text, text, text, text, jsonb)',
                         ARRAY['authenticated', 'service_role']);
-- Monitoring RPCs (src/rpc/monitoring.cpp): the failure log, which keeps refused money calls
-- across their rollback (mps in shared_preload_libraries; DESIGN.md §10).

CREATE OR REPLACE FUNCTION app.failure_log_status()
RETURNS TABLE (collecting boolean, reason text, database text, queue_capacity bigint, queued bigint,
               enqueued bigint, written bigint, dropped bigint, write_errors bigint, not_collected bigint,
               paused boolean, writer_pid integer)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_failure_log_status';
COMMENT ON FUNCTION app.failure_log_status() IS
  'Whether refused money calls of this database are written into audit.event_log as PAYMENT_FAILED (reason when not), the shared-memory queue (capacity, queued) and its counters (enqueued, written, dropped when full, write_errors, not_collected from other databases), whether the writer is paused, its pid. Platform administrators only.';
SELECT sec.grant_execute('app.failure_log_status()', ARRAY['service_role']);
-- Random numbers for people to read (src/rpc/numbers.cpp); sec.claim_number (61_numbers.sql)
-- makes them unique. Not for PUBLIC.

CREATE OR REPLACE FUNCTION sec.random_number(p_prefix text, p_digits integer)
RETURNS text
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'mps_random_number';
-- Operations RPCs (src/rpc/operations.cpp): ledger checker, error catalog,
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
-- Organisations, their administrators and members (src/rpc/organizations.cpp; seed 003).

CREATE OR REPLACE FUNCTION app.create_organization(
    p_name text, p_display_name_zh text, p_display_name_en text, p_slug text, p_region text,
    p_logo_url text DEFAULT NULL, p_brand_colors jsonb DEFAULT '{}', p_contact_info jsonb DEFAULT NULL)
RETURNS uuid
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_create_organization';
COMMENT ON FUNCTION app.create_organization(text, text, text, text, text, text, jsonb, jsonb) IS
  'Creates an organisation (unique slug, region, brand colours as #RRGGBB); platform administrators only. Returns its id.';
SELECT sec.grant_execute('app.create_organization(text, text, text, text, text, text, jsonb, jsonb)',
                         ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.update_organization(
    p_organization_id uuid, p_name text DEFAULT NULL, p_display_name_zh text DEFAULT NULL,
    p_display_name_en text DEFAULT NULL, p_region text DEFAULT NULL, p_logo_url text DEFAULT NULL,
    p_brand_colors jsonb DEFAULT NULL, p_contact_info jsonb DEFAULT NULL, p_is_active boolean DEFAULT NULL)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_update_organization';
COMMENT ON FUNCTION app.update_organization(uuid, text, text, text, text, text, jsonb, jsonb, boolean) IS
  'Changes an organisation''s profile (NULL leaves a field as it is; the slug never changes); its administrators or platform administrators; only platform administrators (de)activate it. Returns the organisation.';
SELECT sec.grant_execute('app.update_organization(uuid, text, text, text, text, text, jsonb, jsonb, boolean)',
                         ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.set_organization_admin(p_organization_id uuid, p_user_id uuid, p_active boolean DEFAULT true)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_set_organization_admin';
COMMENT ON FUNCTION app.set_organization_admin(uuid, uuid, boolean) IS
  'Appoints (p_active true) or removes an organisation administrator; platform administrators or the organisation''s administrators. True when something changed.';
SELECT sec.grant_execute('app.set_organization_admin(uuid, uuid, boolean)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.join_organization(
    p_organization_id uuid, p_verification_data jsonb DEFAULT NULL, p_user_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_join_organization';
COMMENT ON FUNCTION app.join_organization(uuid, jsonb, uuid) IS
  'The calling member applies to join an organisation (pending until its administrators verify it); the first membership becomes current. p_user_id: only the caller''s own, or any for platform administrators. Returns the membership.';
SELECT sec.grant_execute('app.join_organization(uuid, jsonb, uuid)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.review_organization_member(
    p_organization_id uuid, p_member_id uuid, p_verification_status text,
    p_membership_level text DEFAULT NULL, p_member_number text DEFAULT NULL)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_review_organization_member';
COMMENT ON FUNCTION app.review_organization_member(uuid, uuid, text, text, text) IS
  'Verifies or rejects a membership and sets its level (basic/premium/vip) and member number; a verified member gets the organisation''s loyalty card. The organisation''s administrators or platform administrators. Returns the membership.';
SELECT sec.grant_execute('app.review_organization_member(uuid, uuid, text, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.leave_organization(p_organization_id uuid, p_user_id uuid DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_leave_organization';
COMMENT ON FUNCTION app.leave_organization(uuid, uuid) IS
  'The calling member leaves an organisation; if it was current, its most recent other membership becomes current.';
SELECT sec.grant_execute('app.leave_organization(uuid, uuid)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.switch_organization(p_organization_id uuid, p_user_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_switch_organization';
COMMENT ON FUNCTION app.switch_organization(uuid, uuid) IS
  'Makes one of the calling member''s active memberships its current organisation (seed 003); exactly one is current, also under concurrent switches. Returns {success, message, current_organization}.';
SELECT sec.grant_execute('app.switch_organization(uuid, uuid)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_user_organizations(p_user_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_user_organizations';
COMMENT ON FUNCTION app.get_user_organizations(uuid) IS
  'The calling member''s active memberships as seed 003 shows them: {organizations: [...]}, the current one first.';
SELECT sec.grant_execute('app.get_user_organizations(uuid)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_organization_members(
    p_organization_id uuid, p_verification_status text DEFAULT NULL, p_limit integer DEFAULT NULL,
    p_after_member_id uuid DEFAULT NULL)
RETURNS TABLE (member_id uuid, member_no text, name text, membership_level text, member_number text,
               join_date date, is_current boolean, is_active boolean, verification_status text,
               verification_data jsonb, verified_at timestamptz)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_organization_members';
COMMENT ON FUNCTION app.get_organization_members(uuid, text, integer, uuid) IS
  'An organisation''s members with their verification data, by member id (keyset: p_after_member_id); the organisation''s administrators or platform administrators only.';
SELECT sec.grant_execute('app.get_organization_members(uuid, text, integer, uuid)', ARRAY['authenticated', 'service_role']);
-- Partition lifecycle of app.transactions (src/rpc/partitions.cpp): partitions ahead, archive
-- of months past the retention. The DDL is in 62_partitions.sql and 63_archive.sql.

CREATE OR REPLACE FUNCTION app.ensure_partitions(p_months_ahead integer DEFAULT 3)
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_ensure_partitions';
COMMENT ON FUNCTION app.ensure_partitions(integer) IS
  'Creates missing monthly transaction partitions from the current month up to p_months_ahead months ahead; returns how many. p_months_ahead below 2 is INVALID_ARGUMENT: partitions are kept at least two months ahead. Platform administrators only.';
SELECT sec.grant_execute('app.ensure_partitions(integer)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.ensure_next_month_partition()
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_ensure_next_month_partition';
COMMENT ON FUNCTION app.ensure_next_month_partition() IS
  'Seed 000''s name for ensure_partitions() with its default (3 months ahead); returns how many partitions it created. Platform administrators only.';
SELECT sec.grant_execute('app.ensure_next_month_partition()', ARRAY['service_role']);

-- Not STABLE: it detaches and moves tables. Rows come back as an array of objects.
CREATE OR REPLACE FUNCTION app.archive_partitions(p_keep_months integer DEFAULT NULL)
RETURNS TABLE (month date, table_name text, tx_count bigint, balance_total numeric, cards bigint, outcome text,
               note text)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_archive_partitions';
COMMENT ON FUNCTION app.archive_partitions(integer) IS
  'Archives every month of app.transactions whose whole UTC month ended more than p_keep_months (NULL: mps.transaction_retention_months, 12) months ago into schema archive, verified and audited; one row per month archived, and a held row (outcome held, note why) for the first month that must stay live (unsettled merchant transactions). Needs READ COMMITTED. Platform administrators only.';
SELECT sec.grant_execute('app.archive_partitions(integer)', ARRAY['service_role']);
-- Organisation <-> merchant partnerships and the merchant QR check (src/rpc/partnerships.cpp; seed 003).

CREATE OR REPLACE FUNCTION app.set_partnership(
    p_organization_id uuid, p_merchant_id uuid, p_partnership_type text DEFAULT 'standard',
    p_discount_rate numeric DEFAULT 0, p_special_benefits jsonb DEFAULT '[]', p_start_date date DEFAULT NULL,
    p_end_date date DEFAULT NULL, p_is_active boolean DEFAULT true)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_set_partnership';
COMMENT ON FUNCTION app.set_partnership(uuid, uuid, text, numeric, jsonb, date, date, boolean) IS
  'Creates or changes the partnership of an organisation and a merchant (type, percent off in steps of 0.1, benefits, validity window, active); the merchant''s owner/manager or platform administrators. Returns the partnership.';
SELECT sec.grant_execute('app.set_partnership(uuid, uuid, text, numeric, jsonb, date, date, boolean)',
                         ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_organization_merchants(p_organization_id uuid, p_category text DEFAULT NULL)
RETURNS jsonb
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_organization_merchants';
COMMENT ON FUNCTION app.get_organization_merchants(uuid, text) IS
  'The organisation''s partner merchants today, with partnership_info (seed 003): {merchants: [...]}; its verified members and administrators.';
SELECT sec.grant_execute('app.get_organization_merchants(uuid, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.verify_merchant_qr(p_qr_data text, p_organization_id uuid DEFAULT NULL, p_user_id uuid DEFAULT NULL)
RETURNS jsonb
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_verify_merchant_qr';
COMMENT ON FUNCTION app.verify_merchant_qr(text, uuid, uuid) IS
  'Checks a scanned merchant QR code (vitaglobal://merchant/<code>/location/<n>) for the calling member: {valid, merchant, has_permission, partnership_info, available_organizations, message} for its current (or the named) verified organisation.';
SELECT sec.grant_execute('app.verify_merchant_qr(text, uuid, uuid)', ARRAY['authenticated', 'service_role']);
-- Points transactions (seed 003) on the one point ledger (src/rpc/points.cpp). The seed-shaped
-- read is the view app.points_transactions (96_seed_views.sql).

CREATE OR REPLACE FUNCTION app.update_card_points(p_card_id uuid, p_points_change bigint, p_transaction_type text,
                                                  p_description text DEFAULT NULL, p_merchant_id uuid DEFAULT NULL,
                                                  p_reference_id text DEFAULT NULL)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_update_card_points';
COMMENT ON FUNCTION app.update_card_points(uuid, bigint, text, text, uuid, text) IS
  'Earns (> 0), redeems (< 0) or expires (< 0) points on a card that holds points, as a point-ledger row (never below zero; idempotent by card, type and p_reference_id). Earn/redeem: staff of p_merchant_id on its merchant cards or on organisation cards of a partner organisation (never a card they own); expire: platform administrators and the job runner; platform administrators anything.';
SELECT sec.grant_execute('app.update_card_points(uuid, bigint, text, text, uuid, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.transfer_points(p_from_card_id uuid, p_to_card_id uuid, p_points bigint,
                                               p_reference_id text DEFAULT NULL)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_transfer_points';
COMMENT ON FUNCTION app.transfer_points(uuid, uuid, bigint, text) IS
  'Moves points between two active cards of one member that hold points: the caller''s own (platform administrators: any member''s); both locked in id order, two ledger rows of kind transfer, never below zero, idempotent by p_reference_id.';
SELECT sec.grant_execute('app.transfer_points(uuid, uuid, bigint, text)', ARRAY['authenticated', 'service_role']);
-- Dynamic QR codes (src/rpc/qr.cpp).

-- p_card_type is app.card_type, as seed 000 declares it: the seeds' 'personal' / 'enterprise'
-- (labels accepted as input only) or a type name; any other text fails its cast (22P02).
CREATE OR REPLACE FUNCTION app.rotate_card_qr(p_card_id uuid, p_card_type app.card_type DEFAULT NULL, p_ttl_seconds integer DEFAULT 900)
RETURNS TABLE (qr_plain text, qr_expires_at timestamptz)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_rotate_card_qr';
COMMENT ON FUNCTION app.rotate_card_qr(uuid, app.card_type, integer) IS
  'Issues a new QR code for the card (the previous one stops working); the plaintext is returned only here.';
SELECT sec.grant_execute('app.rotate_card_qr(uuid, app.card_type, integer)', ARRAY['authenticated', 'service_role']);

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

CREATE OR REPLACE FUNCTION app.cron_cleanup_qr_history(p_keep_days integer DEFAULT 30)
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_cron_cleanup_qr_history';
COMMENT ON FUNCTION app.cron_cleanup_qr_history(integer) IS
  'Deletes the QR history rows of codes that ended more than p_keep_days (1..3650, default 30) days ago, never a live code''s; returns how many. For pg_cron / administrators.';
SELECT sec.grant_execute('app.cron_cleanup_qr_history(integer)', ARRAY['service_role']);
-- Authorized, keyset-paginated reads (src/rpc/queries.cpp). STABLE: PostgREST runs them in a
-- read-only transaction (GET or POST /rpc/...), and they run on a hot standby. A page continues
-- after the cursor of its last row (p_before); bounds are [p_from, p_to).

CREATE OR REPLACE FUNCTION app.get_member_transactions(
    p_card_id uuid DEFAULT NULL, p_from timestamptz DEFAULT NULL, p_to timestamptz DEFAULT NULL,
    p_tx_type text DEFAULT NULL, p_limit integer DEFAULT 50, p_before text DEFAULT NULL, p_member_id uuid DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, tx_type text, card_id uuid, merchant_code text, raw_amount numeric,
               discount_applied numeric, final_amount numeric, points_earned bigint, status text, reason text,
               payment_method text, created_at timestamptz, cursor text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_member_transactions';
COMMENT ON FUNCTION app.get_member_transactions(uuid, timestamptz, timestamptz, text, integer, text, uuid) IS
  'A member''s transactions on the cards it owns or is bound to now (or one of them), newest first, a page at a time; platform administrators for p_member_id.';
SELECT sec.grant_execute('app.get_member_transactions(uuid, timestamptz, timestamptz, text, integer, text, uuid)',
                         ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_merchant_transactions(
    p_merchant_code text, p_from timestamptz DEFAULT NULL, p_to timestamptz DEFAULT NULL,
    p_tx_type text DEFAULT NULL, p_limit integer DEFAULT 50, p_before text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, tx_type text, card_id uuid, merchant_code text, raw_amount numeric,
               discount_applied numeric, final_amount numeric, points_earned bigint, status text, reason text,
               payment_method text, created_at timestamptz, cursor text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_merchant_transactions';
COMMENT ON FUNCTION app.get_merchant_transactions(text, timestamptz, timestamptz, text, integer, text) IS
  'A merchant''s transactions, newest first, a page at a time: its staff and platform administrators.';
SELECT sec.grant_execute('app.get_merchant_transactions(text, timestamptz, timestamptz, text, integer, text)',
                         ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_transaction_detail(p_tx_no text)
RETURNS TABLE (relation text, tx_no text, tx_type text, card_id uuid, merchant_code text, raw_amount numeric,
               discount_applied numeric, final_amount numeric, points_earned bigint, status text, reason text,
               created_at timestamptz)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_transaction_detail';
COMMENT ON FUNCTION app.get_transaction_detail(text) IS
  'A transaction with its refunds (a payment) or its payment (a refund): members of its card, staff of its merchant, platform administrators.';
SELECT sec.grant_execute('app.get_transaction_detail(text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_point_ledger(p_card_id uuid, p_limit integer DEFAULT 50, p_before text DEFAULT NULL)
RETURNS TABLE (delta bigint, balance_before bigint, balance_after bigint, reason text, tx_no text,
               created_at timestamptz, cursor text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_point_ledger';
COMMENT ON FUNCTION app.get_point_ledger(uuid, integer, text) IS
  'A card''s point ledger, newest first, a page at a time: members who own it or are bound to it, platform administrators.';
SELECT sec.grant_execute('app.get_point_ledger(uuid, integer, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_member_cards(p_member_id uuid DEFAULT NULL)
RETURNS TABLE (card_id uuid, card_no text, card_type text, role text, balance numeric, points bigint, level integer,
               discount numeric, fixed_discount numeric, company_name text, status text, expires_at timestamptz,
               has_binding_password boolean)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_member_cards';
COMMENT ON FUNCTION app.get_member_cards(uuid) IS
  'The cards a member owns or is bound to, with balance, points, level, discount, status and expiry (never a secret); platform administrators for p_member_id.';
SELECT sec.grant_execute('app.get_member_cards(uuid)', ARRAY['authenticated', 'service_role']);
-- Recharge (src/rpc/recharge.cpp). Money comes in only from whoever took it: the trusted
-- backend (service_role / platform administrators), merchant staff at the counter
-- (p_merchant_code). A member's own call (a corporate admin's for its card) recharges at once
-- only when mps.allow_self_recharge is on; otherwise it creates a pending recharge order
-- (status 'pending', order_id; tx_id and tx_no NULL) that moves no money until the trusted
-- backend confirms it (app.confirm_recharge_order, 90_rpc_recharge_orders.sql).

CREATE OR REPLACE FUNCTION app.user_recharge_card(
    p_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric, status text, order_id uuid)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_card';
COMMENT ON FUNCTION app.user_recharge_card(uuid, numeric, text, text, jsonb, text, text, text) IS
  'Adds money to a standard, prepaid or corporate card: service_role/platform administrators, merchant staff at the counter (p_merchant_code), members: at once when mps.allow_self_recharge is on, else a pending recharge order (status, order_id).';
SELECT sec.grant_execute('app.user_recharge_card(uuid, numeric, text, text, jsonb, text, text, text)',
                         ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.user_recharge_personal_card(
    p_personal_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric, status text, order_id uuid)
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
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric, status text, order_id uuid)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_enterprise_card_admin';
COMMENT ON FUNCTION app.user_recharge_enterprise_card_admin(uuid, numeric, text, text, jsonb, text, text, text) IS
  'Adds money to a corporate (enterprise) card: the trusted backend, or the card''s admins when mps.allow_self_recharge is on; never at a merchant counter.';
SELECT sec.grant_execute('app.user_recharge_enterprise_card_admin(uuid, numeric, text, text, jsonb, text, text, text)',
                         ARRAY['authenticated', 'service_role']);
-- Recharge orders (src/rpc/recharge_orders.cpp), seed 004 §5.1: a member's recharge while
-- self-service recharge is off waits as an order until the trusted backend confirms it.

CREATE OR REPLACE FUNCTION app.confirm_recharge_order(p_order_id uuid, p_provider_tx_id text, p_amount numeric)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric, status text, order_id uuid)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_confirm_recharge_order';
COMMENT ON FUNCTION app.confirm_recharge_order(uuid, text, numeric) IS
  'The trusted backend confirms a paid recharge order with the payment provider''s transaction id: the money moves once; the same id again returns the same result. Platform administrators / service_role.';
SELECT sec.grant_execute('app.confirm_recharge_order(uuid, text, numeric)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.cancel_recharge_order(p_order_id uuid)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_cancel_recharge_order';
COMMENT ON FUNCTION app.cancel_recharge_order(uuid) IS
  'Cancels a pending recharge order: the member who asked for it, or a platform administrator. False when it was already cancelled.';
SELECT sec.grant_execute('app.cancel_recharge_order(uuid)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.cron_expire_recharge_orders()
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_cron_expire_recharge_orders';
COMMENT ON FUNCTION app.cron_expire_recharge_orders() IS
  'Expires pending recharge orders past their 30 minutes (pg_cron); returns how many. Platform administrators.';
SELECT sec.grant_execute('app.cron_expire_recharge_orders()', ARRAY['service_role']);
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
-- Merchant settlement (src/rpc/settlements.cpp): settlements, their status, their statements,
-- merchants' fee rates.

-- Seed 001's daily job calls it by name with ISO timestamps: p_period_start 00:00:00 and
-- p_period_end 23:59:59 of yesterday (mode t_plus_1): the whole day.
CREATE OR REPLACE FUNCTION app.generate_settlement(
    p_merchant_id uuid, p_mode text, p_period_start timestamptz, p_period_end timestamptz)
RETURNS uuid
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_generate_settlement';
COMMENT ON FUNCTION app.generate_settlement(uuid, text, timestamptz, timestamptz) IS
  'Settles a merchant''s payments, refunds and counter top-ups of an ended period (realtime: as given; t_plus_1: a whole day; monthly: a whole month), each exactly once; the same period again returns the same settlement. Platform administrators.';
SELECT sec.grant_execute('app.generate_settlement(uuid, text, timestamptz, timestamptz)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.update_settlement_status(p_settlement_id uuid, p_status text, p_reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_update_settlement_status';
COMMENT ON FUNCTION app.update_settlement_status(uuid, text, text) IS
  'Moves a settlement pending -> confirmed -> paid, or to failed before it is paid; true when it changed. Platform administrators.';
SELECT sec.grant_execute('app.update_settlement_status(uuid, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.set_merchant_fee_rate(p_merchant_code text, p_fee_rate numeric)
RETURNS void
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_set_merchant_fee_rate';
COMMENT ON FUNCTION app.set_merchant_fee_rate(text, numeric) IS
  'Sets the platform''s fee on a merchant''s net sales for its coming settlements (0.0060 = 0.6%). Platform administrators.';
SELECT sec.grant_execute('app.set_merchant_fee_rate(text, numeric)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.list_settlements(
    p_merchant_code text DEFAULT NULL, p_status text DEFAULT NULL, p_limit integer DEFAULT 50, p_before text DEFAULT NULL)
RETURNS TABLE (settlement_id uuid, merchant_code text, mode text, period_start timestamptz, period_end timestamptz,
               payments_count integer, payments_total numeric, refunds_count integer, refunds_total numeric,
               vouchers_count integer, vouchers_total numeric, topups_count integer, topups_total numeric,
               fee_rate numeric, fee numeric, net_total numeric, status text, due_at timestamptz,
               created_at timestamptz, cursor text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_list_settlements';
COMMENT ON FUNCTION app.list_settlements(text, text, integer, text) IS
  'Settlements, newest period first, a page at a time (p_before: the cursor of the last row seen): platform administrators all or p_merchant_code''s; staff their merchant''s.';
SELECT sec.grant_execute('app.list_settlements(text, text, integer, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_settlement_lines(p_settlement_id uuid)
RETURNS TABLE (tx_no text, kind text, tx_created_at timestamptz, raw_amount numeric, amount numeric,
               original_tx_no text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_settlement_lines';
COMMENT ON FUNCTION app.get_settlement_lines(uuid) IS
  'The statement of a settlement: every payment, refund, merchant-funded voucher payment and counter top-up it settled, in time order; staff of its merchant and platform administrators.';
SELECT sec.grant_execute('app.get_settlement_lines(uuid)', ARRAY['authenticated', 'service_role']);

-- The daily run pg_cron makes (job mps_settle_t_plus_1, app.schedule_jobs).
CREATE OR REPLACE FUNCTION app.cron_settle_t_plus_1(p_day date DEFAULT NULL)
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_cron_settle_t_plus_1';
COMMENT ON FUNCTION app.cron_settle_t_plus_1(date) IS
  'Settles the day (default: yesterday in mps.settlement_time_zone) as t_plus_1 for every merchant with payments, refunds or counter top-ups on it, as generate_settlement does; returns how many settlements it created (0 when the day was settled before). Platform administrators (pg_cron).';
SELECT sec.grant_execute('app.cron_settle_t_plus_1(date)', ARRAY['service_role']);
-- Sharing prepaid and corporate cards (src/rpc/sharing.cpp); seed 000 §4.2 and seed 004 §1.4.
-- Seed-compatible names and parameters; they return boolean as the seeds do. A wrong binding
-- password returns false (and counts: five within 15 minutes lock the card's password).

CREATE OR REPLACE FUNCTION app.bind_member_to_card(
    p_card_id uuid, p_member_id uuid, p_role text DEFAULT 'member', p_binding_password text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_bind_member_to_card';
COMMENT ON FUNCTION app.bind_member_to_card(uuid, uuid, text, text) IS
  'Binds a member to a prepaid or corporate card (admin/member/viewer): the card''s owner or admins, or a member for itself on a prepaid card with its password; false for a wrong password.';
SELECT sec.grant_execute('app.bind_member_to_card(uuid, uuid, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.unbind_member_from_card(p_card_id uuid, p_member_id uuid)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_unbind_member_from_card';
COMMENT ON FUNCTION app.unbind_member_from_card(uuid, uuid) IS
  'Ends a member''s binding: the card''s owner or admins for anyone, a member for itself; a corporate card''s last admin stays. False when there was none.';
SELECT sec.grant_execute('app.unbind_member_from_card(uuid, uuid)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.set_card_binding_password(
    p_card_id uuid, p_new_password text, p_current_password text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_set_card_binding_password';
COMMENT ON FUNCTION app.set_card_binding_password(uuid, text, text) IS
  'Sets a shared card''s binding password (NULL removes a prepaid card''s): platform administrators, or the card''s owner/admins with the current one; false when that is wrong.';
SELECT sec.grant_execute('app.set_card_binding_password(uuid, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.enterprise_set_initial_admin(p_card_no text, p_member_no text)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_enterprise_set_initial_admin';
COMMENT ON FUNCTION app.enterprise_set_initial_admin(text, text) IS
  'Makes a member the first admin of a corporate card, only while it has none. Platform administrators.';
SELECT sec.grant_execute('app.enterprise_set_initial_admin(text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.enterprise_add_member(p_card_no text, p_member_no text, p_card_password text)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_enterprise_add_member';
COMMENT ON FUNCTION app.enterprise_add_member(text, text, text) IS
  'An admin of the corporate card adds a member with the card''s password; false for a wrong password.';
SELECT sec.grant_execute('app.enterprise_add_member(text, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.enterprise_remove_member(p_card_no text, p_member_no text)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_enterprise_remove_member';
COMMENT ON FUNCTION app.enterprise_remove_member(text, text) IS
  'Removes a member from a corporate card: its admins remove anyone, a member itself; the last admin stays.';
SELECT sec.grant_execute('app.enterprise_remove_member(text, text)', ARRAY['authenticated', 'service_role']);
-- Wallet passes (src/rpc/wallet.cpp; tables in 37_wallet.sql): Apple Wallet pass.json and Google
-- Wallet loyalty objects for card holders, the platform's wallet settings, and the data the
-- PassKit web service needs (service_role only). Signing the .pkpass stays outside the database
-- (README, "Wallet passes").

CREATE OR REPLACE FUNCTION app.get_apple_wallet_pass(p_card_id uuid)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_apple_wallet_pass';
COMMENT ON FUNCTION app.get_apple_wallet_pass(uuid) IS
  'The card''s Apple Wallet pass.json (storeCard; barcode = the card''s static qr_code_data), made with its serial number and authentication token on the first call; card holders who may use the card, platform administrators.';
SELECT sec.grant_execute('app.get_apple_wallet_pass(uuid)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_google_wallet_object(p_card_id uuid)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_google_wallet_object';
COMMENT ON FUNCTION app.get_google_wallet_object(uuid) IS
  'The card''s Google Wallet loyaltyObject (id, classId, state, points, QR barcode, colour); card holders who may use the card, platform administrators.';
SELECT sec.grant_execute('app.get_google_wallet_object(uuid)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.set_wallet_settings(p_team_identifier text DEFAULT NULL, p_pass_type_identifier text DEFAULT NULL,
  p_web_service_url text DEFAULT NULL, p_google_issuer_id text DEFAULT NULL, p_organization_name text DEFAULT NULL)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_set_wallet_settings';
COMMENT ON FUNCTION app.set_wallet_settings(text, text, text, text, text) IS
  'Replaces the platform''s wallet settings (a NULL clears one); returns them. Platform administrators.';
SELECT sec.grant_execute('app.set_wallet_settings(text, text, text, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.wallet_register_device(p_device_library_identifier text, p_pass_type_identifier text,
  p_serial_number text, p_authentication_token text, p_push_token text)
RETURNS text
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_wallet_register_device';
COMMENT ON FUNCTION app.wallet_register_device(text, text, text, text, text) IS
  'PassKit web service: registers a device for a pass''s updates once its authentication token is checked; created (201) or exists (200). service_role.';
SELECT sec.grant_execute('app.wallet_register_device(text, text, text, text, text)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.wallet_unregister_device(p_device_library_identifier text, p_pass_type_identifier text,
  p_serial_number text, p_authentication_token text)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_wallet_unregister_device';
COMMENT ON FUNCTION app.wallet_unregister_device(text, text, text, text) IS
  'PassKit web service: removes a device''s registration for a pass once its authentication token is checked; true when there was one. service_role.';
SELECT sec.grant_execute('app.wallet_unregister_device(text, text, text, text)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.wallet_serials_updated_since(p_device_library_identifier text, p_pass_type_identifier text,
  p_passes_updated_since text DEFAULT NULL)
RETURNS jsonb
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_wallet_serials_updated_since';
COMMENT ON FUNCTION app.wallet_serials_updated_since(text, text, text) IS
  'PassKit web service: {serialNumbers, lastUpdated} of the device''s passes of that type changed since the tag (looking back 10 minutes), NULL (204) when none. service_role.';
SELECT sec.grant_execute('app.wallet_serials_updated_since(text, text, text)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.wallet_latest_pass(p_pass_type_identifier text, p_serial_number text, p_authentication_token text)
RETURNS jsonb
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_wallet_latest_pass';
COMMENT ON FUNCTION app.wallet_latest_pass(text, text, text) IS
  'PassKit web service: {pass, tag, last_modified} of the pass once its authentication token is checked. service_role.';
SELECT sec.grant_execute('app.wallet_latest_pass(text, text, text)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.wallet_push_targets(p_limit integer DEFAULT 1000)
RETURNS TABLE (push_token text, pass_type_identifier text, serial_number text, tag text)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_wallet_push_targets';
COMMENT ON FUNCTION app.wallet_push_targets(integer) IS
  'PassKit web service: claims the registrations whose pass changed since they were last listed (each change once); push once per distinct push_token and pass type. service_role.';
SELECT sec.grant_execute('app.wallet_push_targets(integer)', ARRAY['service_role']);
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
-- The seed-000 tables as read-only views over app.member_cards and app.card_bindings, so that
-- clients written against the seeds read their cards unchanged (select * from app.personal_cards
-- where member_id = auth.uid()). security_invoker (PostgreSQL 15+): the caller's privileges and
-- the row security of the tables underneath apply, so a member sees only its own rows. No
-- password hash is shown. Member-facing reads should prefer the query RPCs (ARCHITECTURE.md §9).
CREATE OR REPLACE VIEW app.personal_cards WITH (security_invoker = true) AS
SELECT c.id, c.card_no, c.owner_member_id AS member_id, c.balance, c.points, c.level, c.discount,
       c.status, c.expires_at, c.created_at, c.updated_at
  FROM app.member_cards c
 WHERE c.card_type = 'standard';
COMMENT ON VIEW app.personal_cards IS 'Seed 000''s personal cards: the standard cards (read-only; row security of app.member_cards)';

CREATE OR REPLACE VIEW app.enterprise_cards WITH (security_invoker = true) AS
SELECT c.id, c.card_no, c.company_name, c.fixed_discount, c.balance, c.status, c.expires_at,
       c.created_at, c.updated_at
  FROM app.member_cards c
 WHERE c.card_type = 'corporate';
COMMENT ON VIEW app.enterprise_cards IS 'Seed 000''s enterprise cards: the corporate cards (read-only; row security of app.member_cards)';

CREATE OR REPLACE VIEW app.enterprise_card_bindings WITH (security_invoker = true) AS
SELECT b.id, b.card_id AS enterprise_card_id, b.member_id, b.role, b.status, b.created_at
  FROM app.card_bindings b
  JOIN app.member_cards c ON c.id = b.card_id
 WHERE c.card_type = 'corporate';
COMMENT ON VIEW app.enterprise_card_bindings IS 'Seed 000''s enterprise card bindings (read-only; row security of app.card_bindings)';

-- Seed 003's membership_cards: the loyalty cards (organisation and merchant cards) of
-- app.member_cards, with seed 003's column names (read-only; row security of app.member_cards,
-- so a member sees its own). user_id is the owner's member id (mps keys members by profile).
CREATE OR REPLACE VIEW app.membership_cards WITH (security_invoker = true) AS
SELECT c.id, c.owner_member_id AS user_id, c.organization_id, c.loyalty_merchant_id AS merchant_id,
       c.card_type::text AS card_type, c.card_no AS card_number, c.points, c.membership_level, c.qr_code_data,
       c.last_used_at, c.expires_at, c.status = 'active' AS is_active, c.created_at, c.updated_at
  FROM app.member_cards c
 WHERE c.card_type::text IN ('organization', 'merchant');
COMMENT ON VIEW app.membership_cards IS 'Seed 003''s membership cards: the organisation and merchant loyalty cards (read-only; row security of app.member_cards)';

-- Seed 003's points_transactions over the one point ledger. transaction_type is the row's kind
-- (earn, redeem, transfer, expire: app.update_card_points, app.transfer_points) or, for the rows
-- without one, what wrote them: 'earn' for a payment's points, 'refund' for a refund's clawback,
-- 'adjust' for an administrator's correction (app.update_points_and_level) or another
-- transaction's. merchant_id is the row's, or its payment's or refund's merchant.
CREATE OR REPLACE VIEW app.points_transactions WITH (security_invoker = true) AS
SELECT l.id, l.card_id,
       COALESCE(l.kind, CASE t.tx_type WHEN 'payment' THEN 'earn' WHEN 'refund' THEN 'refund' ELSE 'adjust' END)
         AS transaction_type,
       l.delta AS points_change, l.reason AS description, l.reference_id,
       COALESCE(l.merchant_id, t.merchant_id) AS merchant_id, l.created_at
  FROM app.point_ledger l
  LEFT JOIN app.transactions t ON l.tx_id IS NOT NULL AND t.id = l.tx_id AND t.card_id = l.card_id;
COMMENT ON VIEW app.points_transactions IS 'Seed 003''s points transactions: the point ledger with its kind, reference and merchant (read-only; row security of app.point_ledger and app.transactions)';
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

-- The organisations the caller administers / is a verified active member of (seed 003).
CREATE OR REPLACE FUNCTION sec.my_admin_organization_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT COALESCE(array_agg(organization_id), '{}') FROM app.organization_admins
   WHERE user_id = sec.uid() AND active
$$;

CREATE OR REPLACE FUNCTION sec.my_organization_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT COALESCE(array_agg(organization_id), '{}') FROM app.user_organizations
   WHERE member_id = sec.my_member_id() AND is_active AND verification_status = 'verified'
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
ALTER TABLE app.card_password_failures ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.recharge_orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.settlement_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.archived_months ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.archived_card_totals ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.organization_admins ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.user_organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.organization_merchant_partnerships ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.wallet_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.wallet_passes ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.wallet_registrations ENABLE ROW LEVEL SECURITY;

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

DROP POLICY IF EXISTS member_reads_own_recharge_orders ON app.recharge_orders;
-- (Compares a row column with the caller, no subquery: ready for distribution, ARCHITECTURE.md §9.)
CREATE POLICY member_reads_own_recharge_orders ON app.recharge_orders FOR SELECT
  USING (requested_by = sec.uid());
-- Organisations (seed 003): the directory of active organisations is readable by every signed-in
-- user; a membership by its member and the organisation's administrators (who review its
-- verification data); administrators by each other and themselves; a partnership by the
-- organisation's verified members and administrators and the merchant's staff.
DROP POLICY IF EXISTS users_read_organizations ON app.organizations;
CREATE POLICY users_read_organizations ON app.organizations FOR SELECT
  USING (is_active OR id = ANY ((SELECT sec.my_admin_organization_ids())::uuid[]));
DROP POLICY IF EXISTS admins_read_organization_admins ON app.organization_admins;
CREATE POLICY admins_read_organization_admins ON app.organization_admins FOR SELECT
  USING (user_id = (SELECT sec.uid()) OR organization_id = ANY ((SELECT sec.my_admin_organization_ids())::uuid[]));
DROP POLICY IF EXISTS member_or_admin_reads_memberships ON app.user_organizations;
CREATE POLICY member_or_admin_reads_memberships ON app.user_organizations FOR SELECT
  USING (member_id = (SELECT sec.my_member_id())
         OR organization_id = ANY ((SELECT sec.my_admin_organization_ids())::uuid[]));
DROP POLICY IF EXISTS parties_read_partnerships ON app.organization_merchant_partnerships;
CREATE POLICY parties_read_partnerships ON app.organization_merchant_partnerships FOR SELECT
  USING (organization_id = ANY ((SELECT sec.my_organization_ids())::uuid[])
         OR organization_id = ANY ((SELECT sec.my_admin_organization_ids())::uuid[])
         OR merchant_id = ANY ((SELECT sec.my_merchant_ids())::uuid[]));

-- Wallet passes: a card's holders see its pass row (serial number and type; the authentication
-- token is not granted even as a column, 98_privileges.sql). Device registrations and their
-- push tokens have no policy: only service_role (the PassKit web service's backend, which
-- bypasses RLS) reads them. app.wallet_settings has none either: passes show what members need.
DROP POLICY IF EXISTS member_reads_wallet_passes ON app.wallet_passes;
CREATE POLICY member_reads_wallet_passes ON app.wallet_passes FOR SELECT
  USING (card_id = ANY ((SELECT sec.my_card_ids())::uuid[]));

-- (app.card_password_failures has no policy: administrators read it as service_role;
-- app.settlement_lines neither: staff read their statements through app.get_settlement_lines;
-- nor app.archived_months and app.archived_card_totals: administrators' records of archived months.)

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
  -- Every table (and view) of app and audit but the transaction partitions, whose privileges
  -- sec.ensure_transaction_partitions keeps at none (read through their parent).
  tables text := (SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.oid::regclass::text)
                    FROM pg_class c
                   WHERE c.relnamespace IN ('app'::regnamespace, 'audit'::regnamespace)
                     AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition);
  app_tables text := (SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.oid::regclass::text)
                        FROM pg_class c
                       WHERE c.relnamespace = 'app'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition);
  r text;
  secret record;
BEGIN
  -- Schema archive (archived months' tables) is no API role's: nothing is granted on it.
  REVOKE ALL ON SCHEMA app, audit, sec, archive, monitor FROM PUBLIC;
  REVOKE ALL ON ALL TABLES IN SCHEMA monitor FROM PUBLIC;
  EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', tables);
  REVOKE ALL ON ALL SEQUENCES IN SCHEMA app, audit FROM PUBLIC;
  REVOKE ALL ON ALL FUNCTIONS IN SCHEMA sec FROM PUBLIC;
  FOREACH r IN ARRAY sec.api_roles() LOOP
    EXECUTE format('REVOKE ALL ON SCHEMA app, audit, sec, archive, monitor FROM %I', r);
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA monitor FROM %I', r);
    EXECUTE format('REVOKE ALL ON %s FROM %I', tables, r);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA app, audit FROM %I', r);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA sec FROM %I', r);

    EXECUTE format('GRANT USAGE ON SCHEMA app, sec TO %I', r);
    EXECUTE format('GRANT EXECUTE ON FUNCTION sec.uid(), sec.my_member_id(), sec.my_card_ids(), sec.my_merchant_ids(),'
                   ' sec.my_admin_organization_ids(), sec.my_organization_ids() TO %I', r);
    EXECUTE format('GRANT SELECT ON app.membership_levels TO %I', r);
    IF r <> 'anon' THEN
      EXECUTE format('GRANT SELECT ON %s TO %I', app_tables, r);
      -- Secrets stay unreadable even on rows the policies show (a member bound to a corporate
      -- card sees the card, not its binding password hash): SELECT on the other columns only.
      FOR secret IN SELECT * FROM (VALUES
          ('member_profiles', 'password_hash'),
          ('member_cards', 'binding_password_hash'),
          ('card_qr_state', 'token_digest'),
          ('card_qr_history', 'token_digest'),
          ('wallet_passes', 'authentication_token')) AS v (tbl, col) LOOP
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
      -- The monitoring views (schema monitor) are for platform administrators only.
      EXECUTE format('GRANT USAGE ON SCHEMA audit, monitor TO %I', r);
      EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA monitor TO %I', r);
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
