-- Issuing and administering cards (src/rpc/cards.cpp). Standard cards come with their member.

CREATE OR REPLACE FUNCTION app.create_prepaid_card(
    p_member_id uuid DEFAULT NULL, p_binding_password text DEFAULT NULL, p_expires_at timestamptz DEFAULT NULL)
RETURNS TABLE (card_id uuid, card_no text)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_create_prepaid_card';
COMMENT ON FUNCTION app.create_prepaid_card(uuid, text, timestamptz) IS
  'Issues a shareable prepaid (family) card: a member for itself, or a platform administrator for p_member_id; optional binding password (Argon2id) and expiry.';
SELECT sec.grant_execute('app.create_prepaid_card(uuid, text, timestamptz)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.create_corporate_card(
    p_company_name text, p_fixed_discount numeric, p_binding_password text, p_expires_at timestamptz DEFAULT NULL)
RETURNS TABLE (card_id uuid, card_no text)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_create_corporate_card';
COMMENT ON FUNCTION app.create_corporate_card(text, numeric, text, timestamptz) IS
  'Issues a company''s corporate (enterprise) card with a fixed discount and a binding password (Argon2id); platform administrators. Its first admin: enterprise_set_initial_admin.';
SELECT sec.grant_execute('app.create_corporate_card(text, numeric, text, timestamptz)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.create_voucher_card(
    p_member_id uuid, p_face_value numeric, p_expires_at timestamptz, p_merchant_code text DEFAULT NULL,
    p_idempotency_key text DEFAULT NULL, p_reason text DEFAULT NULL)
RETURNS TABLE (card_id uuid, card_no text)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_create_voucher_card';
COMMENT ON FUNCTION app.create_voucher_card(uuid, numeric, timestamptz, text, text, text) IS
  'Issues a one-payment voucher of a face value to a member: platform administrators, or an owner/manager of p_merchant_code (then redeemable only there). Idempotent by key.';
SELECT sec.grant_execute('app.create_voucher_card(uuid, numeric, timestamptz, text, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.freeze_card(p_card_id uuid, p_reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_freeze_card';
COMMENT ON FUNCTION app.freeze_card(uuid, text) IS
  'Freezes a card (no payment, refund or recharge; its live QR code ends): platform administrators, or a holder of the card (a lost phone). True when it changed.';
SELECT sec.grant_execute('app.freeze_card(uuid, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.unfreeze_card(p_card_id uuid, p_reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_unfreeze_card';
COMMENT ON FUNCTION app.unfreeze_card(uuid, text) IS
  'Unfreezes a card: platform administrators any, a holder only a card it froze itself. True when it changed.';
SELECT sec.grant_execute('app.unfreeze_card(uuid, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.update_points_and_level(p_card_id uuid, p_delta_points integer, p_reason text)
RETURNS TABLE (card_id uuid, points bigint, level integer, discount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_update_points_and_level';
COMMENT ON FUNCTION app.update_points_and_level(uuid, integer, text) IS
  'Adds (or takes) points on a standard or prepaid card with a reason (a point-ledger row, never below zero); level and discount follow the ladder. Platform administrators.';
SELECT sec.grant_execute('app.update_points_and_level(uuid, integer, text)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.adjust_card_balance(p_card_id uuid, p_amount numeric, p_reason text, p_idempotency_key text)
RETURNS TABLE (tx_id uuid, tx_no text, card_id uuid, amount numeric)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_adjust_card_balance';
COMMENT ON FUNCTION app.adjust_card_balance(uuid, numeric, text, text) IS
  'Corrects a card balance by a signed amount (an adjustment transaction with a mandatory reason, never below zero, idempotent by key). Platform administrators.';
SELECT sec.grant_execute('app.adjust_card_balance(uuid, numeric, text, text)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.replace_membership_levels(p_levels jsonb)
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_replace_membership_levels';
COMMENT ON FUNCTION app.replace_membership_levels(jsonb) IS
  'Replaces the level ladder atomically (JSON array of {level, name, min_points, max_points, discount}; no gap, no overlap) and recomputes every card''s level; returns the cards changed. Platform administrators.';
SELECT sec.grant_execute('app.replace_membership_levels(jsonb)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.cron_expire_cards()
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_cron_expire_cards';
COMMENT ON FUNCTION app.cron_expire_cards() IS
  'Expires every card past its expiry (QR codes ended, a voucher''s remainder written off, audited); returns how many (pg_cron). Platform administrators.';
SELECT sec.grant_execute('app.cron_expire_cards()', ARRAY['service_role']);
