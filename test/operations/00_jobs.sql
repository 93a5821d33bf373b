-- pg_cron, for real (test/operations.sh: pg_cron preloaded, jobs of database mps_ops run by
-- background workers). app.schedule_jobs schedules every mps job under its stable name as the
-- role mps_jobs, idempotently; a job scheduled every minute is run by pg_cron (polled in
-- cron.job_run_details, bounded: no fixed sleep) and does its work (a card past its expiry is
-- expired), as mps_jobs, which may execute the job functions and nothing else.
-- Not in a transaction: pg_cron only sees committed jobs.
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
SELECT plan(21);

-- A member whose prepaid card's expiry has passed (an hour went by).
INSERT INTO app.member_profiles (id, user_id, name)
VALUES ('0b5e0000-0000-4000-8000-000000000001', '0b5e0000-0000-4000-8000-000000000001', 'Olga');
SELECT card_id AS olga_card FROM app.create_prepaid_card('0b5e0000-0000-4000-8000-000000000001', NULL,
                                                         now() + interval '1 hour') \gset
UPDATE app.member_cards SET expires_at = now() - interval '1 second' WHERE id = :'olga_card';

-- Who may schedule.
SELECT throws_ok($$SET LOCAL ROLE authenticated; SELECT app.schedule_jobs()$$, '42501', NULL,
                 'schedule_jobs: an authenticated caller may not execute it');
SELECT throws_ok($$SET LOCAL ROLE anon; SELECT app.unschedule_jobs()$$, '42501', NULL,
                 'unschedule_jobs: anon may not execute it');
SELECT throws_ok($$SELECT app.schedule_jobs('["mps_expire_cards"]')$$, '22023', 'INVALID_ARGUMENT',
                 'schedule_jobs: p_schedules must be an object');
SELECT throws_ok($$SELECT app.schedule_jobs('{"mps_no_such_job": "* * * * *"}')$$, '22023', 'INVALID_ARGUMENT',
                 'schedule_jobs: an unknown job name is refused');
SELECT throws_ok($$SELECT app.schedule_jobs('{"mps_expire_cards": "every minute"}')$$, '22023', 'INVALID_ARGUMENT',
                 'schedule_jobs: a schedule that is not cron syntax is refused');
SELECT is((SELECT count(*) FROM cron.job), 0::bigint, 'refused calls scheduled nothing');

-- Every job with its default schedule, then again: the same jobs (ids), changed in place.
CREATE TEMP TABLE first_run AS SELECT job_name, job_id, schedule, run_as FROM app.schedule_jobs();
SELECT is((SELECT count(*) FROM first_run), 7::bigint, 'schedule_jobs: seven jobs');
SELECT set_eq($$SELECT job_name FROM first_run$$,
              ARRAY['mps_expire_cards', 'mps_expire_recharge_orders', 'mps_rotate_qr', 'mps_cleanup_qr_history',
                    'mps_partitions', 'mps_archive_partitions', 'mps_settle_t_plus_1'],
              'schedule_jobs: the stable job names');
SELECT is((SELECT schedule FROM first_run WHERE job_name = 'mps_settle_t_plus_1'), '30 0 * * *',
          'schedule_jobs: the daily settlement runs at 00:30 (pg_cron''s GMT) by default');
SELECT is((SELECT array_agg(DISTINCT run_as) FROM first_run), ARRAY['mps_jobs'], 'schedule_jobs: every job runs as mps_jobs');
CREATE TEMP TABLE second_run AS
  SELECT job_name, job_id, schedule FROM app.schedule_jobs('{"mps_expire_cards": "* * * * *", "mps_settle_t_plus_1": null}');
SELECT is((SELECT count(*) FROM cron.job WHERE jobname LIKE 'mps\_%'), 6::bigint,
          'schedule_jobs again: still one job per name; a job given null is left out');
SELECT is((SELECT count(*) FROM second_run s JOIN first_run f USING (job_name, job_id)), 6::bigint,
          'schedule_jobs again: the jobs keep their ids (changed in place)');
SELECT is((SELECT schedule FROM second_run WHERE job_name = 'mps_expire_cards'), '* * * * *',
          'schedule_jobs: p_schedules changes a schedule');

-- What mps_jobs may do: the job functions, nothing else.
SELECT ok(has_function_privilege('mps_jobs', 'app.cron_expire_cards()', 'EXECUTE')
          AND has_function_privilege('mps_jobs', 'app.cron_settle_t_plus_1(date)', 'EXECUTE'),
          'mps_jobs may execute the job functions');
SELECT ok(NOT has_function_privilege('mps_jobs', 'app.adjust_card_balance(uuid, numeric, text, text)', 'EXECUTE')
          AND NOT has_function_privilege('mps_jobs', 'app.schedule_jobs(jsonb)', 'EXECUTE')
          AND NOT has_table_privilege('mps_jobs', 'app.member_cards', 'SELECT')
          AND NOT (SELECT rolsuper OR rolcreaterole OR rolbypassrls FROM pg_roles WHERE rolname = 'mps_jobs'),
          'mps_jobs may not move money, schedule, read tables, or hold any role attribute beyond LOGIN');

-- pg_cron runs the minute job (within two minutes), as mps_jobs, and the card expires.
CREATE FUNCTION pg_temp.wait_for_run(p_job text, p_seconds int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  deadline timestamptz := clock_timestamp() + make_interval(secs => p_seconds);
  st text;
BEGIN
  LOOP
    SELECT d.status INTO st FROM cron.job_run_details d JOIN cron.job j USING (jobid)
     WHERE j.jobname = p_job AND d.status IN ('succeeded', 'failed') ORDER BY d.runid LIMIT 1;
    IF st IS NOT NULL OR clock_timestamp() > deadline THEN
      RETURN coalesce(st, 'no run within ' || p_seconds || ' s');
    END IF;
    PERFORM pg_sleep(0.2);
  END LOOP;
END
$$;
SELECT is(pg_temp.wait_for_run('mps_expire_cards', 150), 'succeeded', 'pg_cron ran mps_expire_cards, and it succeeded');
SELECT is((SELECT d.username FROM cron.job_run_details d JOIN cron.job j USING (jobid)
            WHERE j.jobname = 'mps_expire_cards' ORDER BY d.runid LIMIT 1), 'mps_jobs', 'the job ran as mps_jobs');
SELECT is((SELECT status::text FROM app.member_cards WHERE id = :'olga_card'), 'expired', 'its effect: the card is expired');
SELECT is((SELECT actor_role FROM audit.event_log WHERE action = 'card.expire' AND object_id = :'olga_card'), 'mps_jobs',
          'its effect is audited as done by mps_jobs');
SELECT is((SELECT last_status FROM app.job_status() WHERE job_name = 'mps_expire_cards'), 'succeeded',
          'job_status: the last run of mps_expire_cards');

-- Unscheduled: every mps job of the database goes.
SELECT is(app.unschedule_jobs(), 6, 'unschedule_jobs: six jobs unscheduled');
SELECT * FROM finish();
