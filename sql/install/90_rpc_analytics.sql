-- Analytics (seed 003 §数据统计), read-only (src/rpc/analytics.cpp). Months are calendar months
-- of mps.settlement_time_zone (default UTC).

CREATE OR REPLACE FUNCTION app.get_organization_analytics(p_organization_id uuid, p_months integer DEFAULT 12)
RETURNS jsonb
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_organization_analytics';
COMMENT ON FUNCTION app.get_organization_analytics(uuid, integer) IS
  'An organisation''s figures as one JSON object: members (active, verified, pending) and their growth by month over the last p_months (1..36) months, active partner merchants by category, its loyalty cards, points issued and redeemed on them by month, activity of the last 30 days. The organisation''s administrators and platform administrators.';
SELECT sec.grant_execute('app.get_organization_analytics(uuid, integer)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.get_merchant_analytics(p_merchant_id uuid, p_months integer DEFAULT 12)
RETURNS jsonb
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_get_merchant_analytics';
COMMENT ON FUNCTION app.get_merchant_analytics(uuid, integer) IS
  'A merchant''s figures as one JSON object: its loyalty cards issued by month over the last p_months (1..36) months, points earned and redeemed in its name (totals, counts, by month), cards active there in the last 30 days, card holders by organisation. Owners and managers of the merchant and platform administrators.';
SELECT sec.grant_execute('app.get_merchant_analytics(uuid, integer)', ARRAY['authenticated', 'service_role']);
