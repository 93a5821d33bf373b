-- pg_cron scheduling of the periodic jobs (src/rpc/jobs.cpp): every job under a stable name,
-- run as the role mps_jobs. The README's operations chapter lists the jobs and their schedules.

CREATE OR REPLACE FUNCTION app.schedule_jobs(p_schedules jsonb DEFAULT NULL)
RETURNS TABLE (job_name text, schedule text, command text, run_as text, active boolean, job_id bigint,
               last_status text, last_start timestamptz, last_end timestamptz, last_message text,
               runs_last_day bigint, failures_last_day bigint)
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_schedule_jobs';
COMMENT ON FUNCTION app.schedule_jobs(jsonb) IS
  'Schedules mps''s jobs with pg_cron under stable names (again: changed in place); p_schedules {"job": "cron schedule" | null to leave it out} overrides the defaults. Platform administrators.';
SELECT sec.grant_execute('app.schedule_jobs(jsonb)', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.unschedule_jobs()
RETURNS integer
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_unschedule_jobs';
COMMENT ON FUNCTION app.unschedule_jobs() IS
  'Unschedules every mps job of this database; returns how many. Platform administrators.';
SELECT sec.grant_execute('app.unschedule_jobs()', ARRAY['service_role']);

CREATE OR REPLACE FUNCTION app.job_status()
RETURNS TABLE (job_name text, schedule text, command text, run_as text, active boolean, job_id bigint,
               last_status text, last_start timestamptz, last_end timestamptz, last_message text,
               runs_last_day bigint, failures_last_day bigint)
LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_job_status';
COMMENT ON FUNCTION app.job_status() IS
  'The mps jobs pg_cron has for this database, with their last run and the last day''s runs and failures; no rows without pg_cron. Platform administrators.';
SELECT sec.grant_execute('app.job_status()', ARRAY['service_role']);
