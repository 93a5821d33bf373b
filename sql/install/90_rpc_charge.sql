-- Charge by QR (src/rpc/charge.cpp).

CREATE OR REPLACE FUNCTION app.merchant_charge_by_qr(
    p_merchant_code text, p_qr_plain text, p_raw_price numeric DEFAULT NULL,
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_raw_amount numeric DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_type text, card_id uuid, final_amount numeric, discount numeric,
               points_earned bigint, discount_source text, partner_organization_id uuid)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_merchant_charge_by_qr';
COMMENT ON FUNCTION app.merchant_charge_by_qr(text, text, numeric, text, jsonb, text, text, numeric) IS
  'Charges the card behind a live QR code at the level (or corporate) discount, or the partnership discount of the payer''s current organisation when better (discount_source, partner_organization_id); staff of the merchant only. Idempotent by key and external order id.';
SELECT sec.grant_execute('app.merchant_charge_by_qr(text, text, numeric, text, jsonb, text, text, numeric)',
                         ARRAY['authenticated', 'service_role']);
