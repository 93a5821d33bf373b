-- Recharge orders (src/rpc/recharge_orders.cpp), seed 004 §5.1: a member's recharge while
-- self-service recharge is off waits as an order until the trusted backend confirms it.

CREATE OR REPLACE FUNCTION app.confirm_recharge_order(p_order_id uuid, p_provider_tx_id text, p_amount numeric)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric, status text, order_id uuid)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_confirm_recharge_order';
COMMENT ON FUNCTION app.confirm_recharge_order(uuid, text, numeric) IS
  'The trusted backend confirms a paid recharge order with the payment provider''s transaction id: the money moves once; the same id again returns the same result. Platform administrators / service_role.';
SELECT sec.grant_execute('app.confirm_recharge_order(uuid, text, numeric)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.cancel_recharge_order(p_order_id uuid)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_cancel_recharge_order';
COMMENT ON FUNCTION app.cancel_recharge_order(uuid) IS
  'Cancels a pending recharge order: the member who asked for it, or a platform administrator. False when it was already cancelled.';
SELECT sec.grant_execute('app.cancel_recharge_order(uuid)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.cron_expire_recharge_orders()
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_cron_expire_recharge_orders';
COMMENT ON FUNCTION app.cron_expire_recharge_orders() IS
  'Expires pending recharge orders past their 30 minutes (pg_cron); returns how many. Platform administrators.';
SELECT sec.grant_execute('app.cron_expire_recharge_orders()', ARRAY['service_role']);
