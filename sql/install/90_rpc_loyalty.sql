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
