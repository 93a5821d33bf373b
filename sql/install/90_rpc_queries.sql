-- Authorized, keyset-paginated reads (src/rpc/queries.cpp). STABLE: PostgREST runs them in a
-- read-only transaction (GET or POST /rpc/...), and they run on a hot standby. A page continues
-- after the cursor of its last row (p_before); bounds are [p_from, p_to).

CREATE OR REPLACE FUNCTION app.get_member_transactions(
    p_card_id uuid DEFAULT NULL, p_from timestamptz DEFAULT NULL, p_to timestamptz DEFAULT NULL,
    p_tx_type text DEFAULT NULL, p_limit integer DEFAULT 50, p_before text DEFAULT NULL, p_member_id uuid DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, tx_type text, card_id uuid, merchant_code text, raw_amount numeric,
               discount_applied numeric, final_amount numeric, points_earned bigint, status text, reason text,
               payment_method text, created_at timestamptz, cursor text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_member_transactions';
COMMENT ON FUNCTION app.get_member_transactions(uuid, timestamptz, timestamptz, text, integer, text, uuid) IS
  'A member''s transactions on the cards it owns or is bound to now (or one of them), newest first, a page at a time; platform administrators for p_member_id.';
SELECT sec.grant_execute('app.get_member_transactions(uuid, timestamptz, timestamptz, text, integer, text, uuid)',
                         ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_merchant_transactions(
    p_merchant_code text, p_from timestamptz DEFAULT NULL, p_to timestamptz DEFAULT NULL,
    p_tx_type text DEFAULT NULL, p_limit integer DEFAULT 50, p_before text DEFAULT NULL)
RETURNS TABLE (tx_id uuid, tx_no text, tx_type text, card_id uuid, merchant_code text, raw_amount numeric,
               discount_applied numeric, final_amount numeric, points_earned bigint, status text, reason text,
               payment_method text, created_at timestamptz, cursor text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_merchant_transactions';
COMMENT ON FUNCTION app.get_merchant_transactions(text, timestamptz, timestamptz, text, integer, text) IS
  'A merchant''s transactions, newest first, a page at a time: its staff and platform administrators.';
SELECT sec.grant_execute('app.get_merchant_transactions(text, timestamptz, timestamptz, text, integer, text)',
                         ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_transaction_detail(p_tx_no text)
RETURNS TABLE (relation text, tx_no text, tx_type text, card_id uuid, merchant_code text, raw_amount numeric,
               discount_applied numeric, final_amount numeric, points_earned bigint, status text, reason text,
               created_at timestamptz)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_transaction_detail';
COMMENT ON FUNCTION app.get_transaction_detail(text) IS
  'A transaction with its refunds (a payment) or its payment (a refund): members of its card, staff of its merchant, platform administrators.';
SELECT sec.grant_execute('app.get_transaction_detail(text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_point_ledger(p_card_id uuid, p_limit integer DEFAULT 50, p_before text DEFAULT NULL)
RETURNS TABLE (delta bigint, balance_before bigint, balance_after bigint, reason text, tx_no text,
               created_at timestamptz, cursor text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_point_ledger';
COMMENT ON FUNCTION app.get_point_ledger(uuid, integer, text) IS
  'A card''s point ledger, newest first, a page at a time: members who own it or are bound to it, platform administrators.';
SELECT sec.grant_execute('app.get_point_ledger(uuid, integer, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_member_cards(p_member_id uuid DEFAULT NULL)
RETURNS TABLE (card_id uuid, card_no text, card_type text, role text, balance numeric, points bigint, level integer,
               discount numeric, fixed_discount numeric, company_name text, status text, expires_at timestamptz,
               has_binding_password boolean)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_member_cards';
COMMENT ON FUNCTION app.get_member_cards(uuid) IS
  'The cards a member owns or is bound to, with balance, points, level, discount, status and expiry (never a secret); platform administrators for p_member_id.';
SELECT sec.grant_execute('app.get_member_cards(uuid)', ARRAY['authenticated', 'service_role']);
