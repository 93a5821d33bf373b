-- Monitoring RPCs (src/rpc/monitoring.cpp): the failure log, which keeps refused money calls
-- across their rollback (mps in shared_preload_libraries; DESIGN.md §10).

CREATE OR REPLACE FUNCTION app.failure_log_status()
RETURNS TABLE (collecting boolean, reason text, database text, queue_capacity bigint, queued bigint,
               enqueued bigint, written bigint, dropped bigint, write_errors bigint, not_collected bigint,
               paused boolean, writer_pid integer)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_failure_log_status';
COMMENT ON FUNCTION app.failure_log_status() IS
  'Whether refused money calls of this database are written into audit.event_log as PAYMENT_FAILED (reason when not), the shared-memory queue (capacity, queued) and its counters (enqueued, written, dropped when full, write_errors, not_collected from other databases), whether the writer is paused, its pid. Platform administrators only.';
SELECT sec.grant_execute('app.failure_log_status()', ARRAY['service_role']);
