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
