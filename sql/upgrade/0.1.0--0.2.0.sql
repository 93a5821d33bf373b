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
