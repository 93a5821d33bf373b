-- Merchant settlement (src/rpc/settlements.cpp): settlements, their status, their statements,
-- merchants' fee rates.

-- Seed 001's daily job calls it by name with ISO timestamps: p_period_start 00:00:00 and
-- p_period_end 23:59:59 of yesterday (mode t_plus_1): the whole day.
CREATE OR REPLACE FUNCTION app.generate_settlement(
    p_merchant_id uuid, p_mode text, p_period_start timestamptz, p_period_end timestamptz)
RETURNS uuid
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_generate_settlement';
COMMENT ON FUNCTION app.generate_settlement(uuid, text, timestamptz, timestamptz) IS
  'Settles a merchant''s payments, refunds and counter top-ups of an ended period (realtime: as given; t_plus_1: a whole day; monthly: a whole month), each exactly once; the same period again returns the same settlement. Platform administrators.';
SELECT sec.grant_execute('app.generate_settlement(uuid, text, timestamptz, timestamptz)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.update_settlement_status(p_settlement_id uuid, p_status text, p_reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_update_settlement_status';
COMMENT ON FUNCTION app.update_settlement_status(uuid, text, text) IS
  'Moves a settlement pending -> confirmed -> paid, or to failed before it is paid; true when it changed. Platform administrators.';
SELECT sec.grant_execute('app.update_settlement_status(uuid, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.set_merchant_fee_rate(p_merchant_code text, p_fee_rate numeric)
RETURNS void
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_set_merchant_fee_rate';
COMMENT ON FUNCTION app.set_merchant_fee_rate(text, numeric) IS
  'Sets the platform''s fee on a merchant''s net sales for its coming settlements (0.0060 = 0.6%). Platform administrators.';
SELECT sec.grant_execute('app.set_merchant_fee_rate(text, numeric)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.list_settlements(
    p_merchant_code text DEFAULT NULL, p_status text DEFAULT NULL, p_limit integer DEFAULT 50, p_before text DEFAULT NULL)
RETURNS TABLE (settlement_id uuid, merchant_code text, mode text, period_start timestamptz, period_end timestamptz,
               payments_count integer, payments_total numeric, refunds_count integer, refunds_total numeric,
               vouchers_count integer, vouchers_total numeric, topups_count integer, topups_total numeric,
               fee_rate numeric, fee numeric, net_total numeric, status text, due_at timestamptz,
               created_at timestamptz, cursor text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_list_settlements';
COMMENT ON FUNCTION app.list_settlements(text, text, integer, text) IS
  'Settlements, newest period first, a page at a time (p_before: the cursor of the last row seen): platform administrators all or p_merchant_code''s; staff their merchant''s.';
SELECT sec.grant_execute('app.list_settlements(text, text, integer, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_settlement_lines(p_settlement_id uuid)
RETURNS TABLE (tx_no text, kind text, tx_created_at timestamptz, raw_amount numeric, amount numeric,
               original_tx_no text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_settlement_lines';
COMMENT ON FUNCTION app.get_settlement_lines(uuid) IS
  'The statement of a settlement: every payment, refund, merchant-funded voucher payment and counter top-up it settled, in time order; staff of its merchant and platform administrators.';
SELECT sec.grant_execute('app.get_settlement_lines(uuid)', ARRAY['authenticated', 'service_role']);

-- The daily run pg_cron makes (job mps_settle_t_plus_1, app.schedule_jobs).
CREATE OR REPLACE FUNCTION app.cron_settle_t_plus_1(p_day date DEFAULT NULL)
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_cron_settle_t_plus_1';
COMMENT ON FUNCTION app.cron_settle_t_plus_1(date) IS
  'Settles the day (default: yesterday in mps.settlement_time_zone) as t_plus_1 for every merchant with payments, refunds or counter top-ups on it, as generate_settlement does; returns how many settlements it created (0 when the day was settled before). Platform administrators (pg_cron).';
SELECT sec.grant_execute('app.cron_settle_t_plus_1(date)', ARRAY['service_role']);
