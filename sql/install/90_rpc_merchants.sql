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
