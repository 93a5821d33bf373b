-- Points transactions (seed 003) on the one point ledger (src/rpc/points.cpp). The seed-shaped
-- read is the view app.points_transactions (96_seed_views.sql).

CREATE OR REPLACE FUNCTION app.update_card_points(p_card_id uuid, p_points_change bigint, p_transaction_type text,
                                                  p_description text DEFAULT NULL, p_merchant_id uuid DEFAULT NULL,
                                                  p_reference_id text DEFAULT NULL)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_update_card_points';
COMMENT ON FUNCTION app.update_card_points(uuid, bigint, text, text, uuid, text) IS
  'Earns (> 0), redeems (< 0) or expires (< 0) points on a card that holds points, as a point-ledger row (never below zero; idempotent by card, type and p_reference_id). Earn/redeem: staff of p_merchant_id on its merchant cards or on organisation cards of a partner organisation (never a card they own); expire: platform administrators and the job runner; platform administrators anything.';
SELECT sec.grant_execute('app.update_card_points(uuid, bigint, text, text, uuid, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.transfer_points(p_from_card_id uuid, p_to_card_id uuid, p_points bigint,
                                               p_reference_id text DEFAULT NULL)
RETURNS jsonb
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_transfer_points';
COMMENT ON FUNCTION app.transfer_points(uuid, uuid, bigint, text) IS
  'Moves points between two active cards of one member that hold points: the caller''s own (platform administrators: any member''s); both locked in id order, two ledger rows of kind transfer, never below zero, idempotent by p_reference_id.';
SELECT sec.grant_execute('app.transfer_points(uuid, uuid, bigint, text)', ARRAY['authenticated', 'service_role']);
