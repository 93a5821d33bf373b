-- Money RPCs: recharge (src/rpc/recharge.cpp), charge by QR (src/rpc/charge.cpp), refund
-- (src/rpc/refund.cpp).

CREATE FUNCTION app.user_recharge_personal_card(
    p_personal_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_personal_card';

CREATE FUNCTION app.user_recharge_card(
    p_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_card';

CREATE FUNCTION app.user_recharge_enterprise_card_admin(
    p_enterprise_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_enterprise_card_admin';

CREATE FUNCTION app.merchant_charge_by_qr(
    p_merchant_code text, p_qr_plain text, p_raw_price numeric DEFAULT NULL,
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_raw_amount numeric DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_type text, card_id uuid, final_amount numeric, discount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_merchant_charge_by_qr';

CREATE FUNCTION app.merchant_refund_tx(
    p_merchant_code text, p_original_tx_no text, p_refund_amount numeric,
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}')
RETURNS TABLE (refund_tx_id uuid, refund_tx_no text, refunded_amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_merchant_refund_tx';

COMMENT ON FUNCTION app.user_recharge_card(uuid, numeric, text, text, jsonb, text, text, text) IS
  'Adds money to a card: service_role/platform administrators, merchant staff at the counter (p_merchant_code), members only when mps.allow_self_recharge is on.';
COMMENT ON FUNCTION app.merchant_charge_by_qr(text, text, numeric, text, jsonb, text, text, numeric) IS
  'Charges the card behind a live QR code at the level (or corporate) discount; staff of the merchant only. Idempotent by key and external order id.';
COMMENT ON FUNCTION app.merchant_refund_tx(text, text, numeric, text, jsonb) IS
  'Refunds part or all of a completed payment of this merchant back to the paying card, clawing back points in proportion.';

SELECT sec.grant_execute(f, ARRAY['authenticated', 'service_role'])
  FROM unnest(ARRAY[
    'app.user_recharge_personal_card(uuid, numeric, text, text, jsonb, text, text, text)',
    'app.user_recharge_card(uuid, numeric, text, text, jsonb, text, text, text)',
    'app.user_recharge_enterprise_card_admin(uuid, numeric, text, text, jsonb, text, text, text)',
    'app.merchant_charge_by_qr(text, text, numeric, text, jsonb, text, text, numeric)',
    'app.merchant_refund_tx(text, text, numeric, text, jsonb)'
  ]::regprocedure[]) AS f;
