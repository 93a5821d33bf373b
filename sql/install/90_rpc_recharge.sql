-- Recharge (src/rpc/recharge.cpp). Money comes in only from whoever took it: the trusted
-- backend (service_role / platform administrators), merchant staff at the counter
-- (p_merchant_code). A member's own call (a corporate admin's for its card) recharges at once
-- only when mps.allow_self_recharge is on; otherwise it creates a pending recharge order
-- (status 'pending', order_id; tx_id and tx_no NULL) that moves no money until the trusted
-- backend confirms it (app.confirm_recharge_order, 90_rpc_recharge_orders.sql).

CREATE OR REPLACE FUNCTION app.user_recharge_card(
    p_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric, status text, order_id uuid)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_card';
COMMENT ON FUNCTION app.user_recharge_card(uuid, numeric, text, text, jsonb, text, text, text) IS
  'Adds money to a standard, prepaid or corporate card: service_role/platform administrators, merchant staff at the counter (p_merchant_code), members: at once when mps.allow_self_recharge is on, else a pending recharge order (status, order_id).';
SELECT sec.grant_execute('app.user_recharge_card(uuid, numeric, text, text, jsonb, text, text, text)',
                         ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.user_recharge_personal_card(
    p_personal_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric, status text, order_id uuid)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_personal_card';
COMMENT ON FUNCTION app.user_recharge_personal_card(uuid, numeric, text, text, jsonb, text, text, text) IS
  'Adds money to a standard (personal) card; the rules of user_recharge_card. Seed-compatible name.';
SELECT sec.grant_execute('app.user_recharge_personal_card(uuid, numeric, text, text, jsonb, text, text, text)',
                         ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.user_recharge_enterprise_card_admin(
    p_enterprise_card_id uuid, p_amount numeric, p_payment_method text DEFAULT 'wechat',
    p_reason text DEFAULT NULL, p_tag jsonb DEFAULT '{}', p_idempotency_key text DEFAULT NULL,
    p_external_order_id text DEFAULT NULL, p_merchant_code text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric, status text, order_id uuid)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_user_recharge_enterprise_card_admin';
COMMENT ON FUNCTION app.user_recharge_enterprise_card_admin(uuid, numeric, text, text, jsonb, text, text, text) IS
  'Adds money to a corporate (enterprise) card: the trusted backend, or the card''s admins when mps.allow_self_recharge is on; never at a merchant counter.';
SELECT sec.grant_execute('app.user_recharge_enterprise_card_admin(uuid, numeric, text, text, jsonb, text, text, text)',
                         ARRAY['authenticated', 'service_role']);
