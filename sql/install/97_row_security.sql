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
