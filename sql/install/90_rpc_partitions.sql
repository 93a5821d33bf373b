-- Partition lifecycle of app.transactions (src/rpc/partitions.cpp): partitions ahead, archive
-- of months past the retention. The DDL is in 62_partitions.sql and 63_archive.sql.

CREATE OR REPLACE FUNCTION app.ensure_partitions(p_months_ahead integer DEFAULT 3)
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_ensure_partitions';
COMMENT ON FUNCTION app.ensure_partitions(integer) IS
  'Creates missing monthly transaction partitions from the current month up to p_months_ahead months ahead; returns how many. p_months_ahead below 2 is INVALID_ARGUMENT: partitions are kept at least two months ahead. Platform administrators only.';
SELECT sec.grant_execute('app.ensure_partitions(integer)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.ensure_next_month_partition()
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_ensure_next_month_partition';
COMMENT ON FUNCTION app.ensure_next_month_partition() IS
  'Seed 000''s name for ensure_partitions() with its default (3 months ahead); returns how many partitions it created. Platform administrators only.';
SELECT sec.grant_execute('app.ensure_next_month_partition()', ARRAY['service_role']);

-- Not STABLE: it detaches and moves tables. Rows come back as an array of objects.
CREATE OR REPLACE FUNCTION app.archive_partitions(p_keep_months integer DEFAULT NULL)
RETURNS TABLE (month date, table_name text, tx_count bigint, balance_total numeric, cards bigint, outcome text,
               note text)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_archive_partitions';
COMMENT ON FUNCTION app.archive_partitions(integer) IS
  'Archives every month of app.transactions whose whole UTC month ended more than p_keep_months (NULL: mps.transaction_retention_months, 12) months ago into schema archive, verified and audited; one row per month archived, and a held row (outcome held, note why) for the first month that must stay live (unsettled merchant transactions). Needs READ COMMITTED. Platform administrators only.';
SELECT sec.grant_execute('app.archive_partitions(integer)', ARRAY['service_role']);
