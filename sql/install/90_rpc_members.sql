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
