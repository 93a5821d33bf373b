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
