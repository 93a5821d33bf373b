-- Operations RPCs: ledger checker, partition upkeep, error catalog (src/rpc/operations.cpp).

CREATE FUNCTION app.verify_ledger()
RETURNS TABLE (invariant text, object_id text, detail text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_verify_ledger';
COMMENT ON FUNCTION app.verify_ledger() IS
  'One row per violated ledger invariant (DESIGN §2); no rows on a healthy database. Platform administrators only.';
SELECT sec.grant_execute('app.verify_ledger()', ARRAY['service_role']);

CREATE FUNCTION app.ensure_partitions(p_months_ahead integer DEFAULT 3)
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_ensure_partitions';
COMMENT ON FUNCTION app.ensure_partitions(integer) IS
  'Creates missing monthly transaction partitions up to p_months_ahead months ahead; returns how many. Platform administrators only.';
SELECT sec.grant_execute('app.ensure_partitions(integer)', ARRAY['service_role']);

CREATE FUNCTION app.error_catalog()
RETURNS TABLE (code text, sqlstate text, http_status text, meaning text)
LANGUAGE c IMMUTABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_error_catalog';
COMMENT ON FUNCTION app.error_catalog() IS 'Every error code an mps RPC raises, with its SQLSTATE and HTTP status';
SELECT sec.grant_execute('app.error_catalog()', ARRAY['anon', 'authenticated', 'service_role']);

-- Boundary self-test (tests only): raises a PostgreSQL error from inside SPI, or throws a C++
-- exception, so tests can prove both reach the client cleanly. Superusers only.
CREATE FUNCTION sec.selftest_boundary(p_kind text)
RETURNS bigint
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'mps_selftest_boundary';
REVOKE ALL ON FUNCTION sec.selftest_boundary(text) FROM PUBLIC;
