-- Operations RPCs (src/rpc/operations.cpp): ledger checker, error catalog,
-- and what this mps.so implements (for the contract tests and for administrators checking a
-- deployment after an upgrade).

CREATE OR REPLACE FUNCTION app.verify_ledger()
RETURNS TABLE (invariant text, object_id text, detail text)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_verify_ledger';
COMMENT ON FUNCTION app.verify_ledger() IS
  'One row per violated ledger invariant (ARCHITECTURE.md §2); no rows on a healthy database. Platform administrators only.';
SELECT sec.grant_execute('app.verify_ledger()', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.error_catalog()
RETURNS TABLE (code text, sqlstate text, http_status text, meaning text)
LANGUAGE c IMMUTABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_error_catalog';
COMMENT ON FUNCTION app.error_catalog() IS 'Every error code an mps RPC raises, with its SQLSTATE and HTTP status';
SELECT sec.grant_execute('app.error_catalog()', ARRAY['anon', 'authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.library_entry_points()
RETURNS TABLE (symbol text, arg_names text[])
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_library_entry_points';
COMMENT ON FUNCTION app.library_entry_points() IS
  'Every SQL-callable C function of the installed mps.so with its parameter names as the C++ declares them. Platform administrators only.';
SELECT sec.grant_execute('app.library_entry_points()', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.library_labels()
RETURNS TABLE (sql_type text, labels text[])
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_library_labels';
COMMENT ON FUNCTION app.library_labels() IS
  'The labels the installed mps.so knows for each SQL enum it reads, in order. Platform administrators only.';
SELECT sec.grant_execute('app.library_labels()', ARRAY['service_role']);
