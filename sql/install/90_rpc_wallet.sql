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
