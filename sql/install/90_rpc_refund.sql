-- Refunds (src/rpc/refund.cpp).

CREATE OR REPLACE FUNCTION app.merchant_refund_tx(
    p_merchant_code text, p_original_tx_no text, p_refund_amount numeric,
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL)
RETURNS TABLE (refund_tx_id uuid, refund_tx_no text, refunded_amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_merchant_refund_tx';
COMMENT ON FUNCTION app.merchant_refund_tx(text, text, numeric, text, jsonb, text) IS
  'Refunds part or all of a completed payment of this merchant back to the paying card, clawing back points in proportion. Idempotent by key (the merchant''s scope).';
SELECT sec.grant_execute('app.merchant_refund_tx(text, text, numeric, text, jsonb, text)', ARRAY['authenticated', 'service_role']);
