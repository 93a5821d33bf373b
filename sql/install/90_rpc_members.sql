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
