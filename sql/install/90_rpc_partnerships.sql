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
