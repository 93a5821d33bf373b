-- The role pg_cron runs mps's jobs as (app.schedule_jobs, src/rpc/jobs.cpp). Run by install and
-- every upgrade; the role itself is made by the first app.schedule_jobs(), since a server without
-- pg_cron needs none.

-- Makes the role mps_jobs when missing and lets it execute exactly p_functions (and use schema
-- app); returns the role the jobs are to run as. pg_cron schedules a job for another user only
-- for a superuser: where the extension owner is none (a managed service), the jobs run as the
-- owner, which is a platform administrator anyway.
CREATE OR REPLACE FUNCTION sec.prepare_job_role(p_functions text[]) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  f text;
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    RETURN current_user;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mps_jobs') THEN
    -- LOGIN: pg_cron connects as the job's user. No password: only what pg_hba.conf trusts for
    -- it (or pg_cron's background workers, cron.use_background_workers = on) lets it in.
    CREATE ROLE mps_jobs LOGIN NOINHERIT;
    COMMENT ON ROLE mps_jobs IS 'mps: pg_cron runs the mps_* jobs as this role (app.schedule_jobs); EXECUTE on the job functions only';
  END IF;
  GRANT USAGE ON SCHEMA app TO mps_jobs;
  FOREACH f IN ARRAY p_functions LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO mps_jobs', f::regprocedure);
  END LOOP;
  RETURN 'mps_jobs';
END
$$;
REVOKE ALL ON FUNCTION sec.prepare_job_role(text[]) FROM PUBLIC;
