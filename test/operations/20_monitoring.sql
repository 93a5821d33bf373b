-- The monitoring views and the health check (sql/install/95_monitoring.sql) on a server that
-- collects refused payments (mps preloaded): charges and refusals of one merchant show in
-- monitor.payments_hourly with their reasons, in refused_calls_hourly and idempotency_conflicts;
-- cards past their expiry, pending recharge orders and QR codes show; monitor.health lists what
-- is wrong (the failure log's drops from 10_failure_log, no job scheduled after 00_jobs, the
-- failure rate, a card past its expiry until the expiry job runs). Only service_role (and the
-- superuser) may read schema monitor. Autocommit, like 10_failure_log: the writer only sees
-- what is committed; fixtures are MON_* rows of this layer's database.
\set QUIET 1
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT plan(21);

-- Who may read.
SELECT throws_ok($$SET LOCAL ROLE authenticated; SELECT * FROM monitor.health$$, '42501', NULL,
                 'monitor.health: an authenticated caller may not read it');
SELECT throws_ok($$SET LOCAL ROLE anon; SELECT * FROM monitor.payments_hourly$$, '42501', NULL,
                 'monitor.payments_hourly: anon may not read it');
CREATE FUNCTION pg_temp.as_service(p_sql text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  SET LOCAL ROLE service_role;
  EXECUTE format('SELECT count(*) FROM (%s) q', p_sql) INTO n;
  RESET ROLE;
  RETURN n;
END $$;
SELECT is(pg_temp.as_service('SELECT * FROM monitor.health'), 1::bigint, 'service_role reads monitor.health: one row');

-- Polls until p_sql (a count) reaches p_count; false after 20 s. No fixed sleeps.
CREATE FUNCTION pg_temp.wait_count(p_sql text, p_count bigint) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  deadline timestamptz := clock_timestamp() + interval '20 seconds';
  n bigint;
BEGIN
  LOOP
    EXECUTE p_sql INTO n;
    IF n >= p_count THEN RETURN true; END IF;
    IF clock_timestamp() > deadline THEN RETURN false; END IF;
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;

-- MON_A and Mia (60.00 on her standard card). Four charges of 2.00 go through (the last with a
-- key); four are refused: twice over the balance, once a used code, once the key reused for
-- another amount.
SELECT app.create_merchant('MON_A', 'Monitoring shop') AS mon_a \gset
INSERT INTO app.member_profiles (id, user_id, name)
VALUES ('40a00000-0000-4000-8000-000000000001', '40a00000-0000-4000-8000-000000000001', 'MON Mia');
SELECT id AS mia_card FROM app.member_cards WHERE owner_member_id = '40a00000-0000-4000-8000-000000000001' \gset
SELECT amount AS seeded FROM app.user_recharge_card(:'mia_card', 60.00) \gset
CREATE FUNCTION pg_temp.charge(p_amount numeric, p_key text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
DECLARE qr text := (SELECT qr_plain FROM app.rotate_card_qr(current_setting('mon.card')::uuid));
BEGIN
  PERFORM app.merchant_charge_by_qr('MON_A', qr, p_amount, p_idempotency_key => p_key);
  RETURN qr;
END $$;
SELECT set_config('mon.card', :'mia_card', false) AS card \gset
SELECT pg_temp.charge(2.00) AS used_qr \gset
SELECT pg_temp.charge(2.00) AS c2, pg_temp.charge(2.00) AS c3, pg_temp.charge(2.00, 'mon-key-1') AS c4 \gset
SELECT throws_ok($$SELECT pg_temp.charge(1000.00)$$, 'P0001', 'INSUFFICIENT_BALANCE', 'a charge over the balance is refused');
SELECT throws_ok($$SELECT pg_temp.charge(999.00)$$, 'P0001', 'INSUFFICIENT_BALANCE', 'and another');
SELECT throws_ok(format($$SELECT app.merchant_charge_by_qr('MON_A', %L, 2.00)$$, :'used_qr'), 'P0001', 'QR_EXPIRED_OR_INVALID',
                 'a used code is refused');
SELECT throws_ok($$SELECT pg_temp.charge(3.00, 'mon-key-1')$$, 'PT409', 'IDEMPOTENCY_KEY_REUSED',
                 'the key reused for another amount is refused');
SELECT ok(pg_temp.wait_count(format($$SELECT count(*) FROM audit.event_log WHERE action = 'PAYMENT_FAILED'
                                        AND context ->> 'merchant_id' = %L$$, :'mon_a'), 4),
          'the failure log writer wrote the four refusals');

-- A busy card: another session (dblink) holds Mia's card; a recharge waits 200 ms and is refused
-- with CARD_BUSY, which the failure log records with the card it waited for.
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT format('dbname=%s host=%s port=%s', current_database(), split_part(current_setting('unix_socket_directories'), ',', 1),
              current_setting('port')) AS here \gset
SELECT dblink_connect('holder', :'here') AS holder_connected \gset
SELECT dblink_exec('holder', 'BEGIN') AS holder_began \gset
SELECT * FROM dblink('holder', format('SELECT id FROM app.member_cards WHERE id = %L FOR UPDATE', :'mia_card'))
  AS t(id uuid) \gset holder_
SET mps.card_lock_timeout = '200ms';
SELECT throws_ok(format($$SELECT app.user_recharge_card(%L, 1.00)$$, :'mia_card'), 'PT503', 'CARD_BUSY',
                 'a recharge of a card another session holds gives up with CARD_BUSY');
RESET mps.card_lock_timeout;
SELECT dblink_exec('holder', 'ROLLBACK') AS holder_done, dblink_disconnect('holder') AS holder_gone \gset
SELECT ok(pg_temp.wait_count(format($$SELECT count(*) FROM audit.event_log WHERE action = 'PAYMENT_FAILED'
                                        AND context ->> 'error' = 'CARD_BUSY' AND context ->> 'card_id' = %L
                                        AND context ->> 'sqlstate' = 'PT503'$$, :'mia_card'), 1),
          'the failure log recorded CARD_BUSY with the card it waited for');
DROP EXTENSION dblink;

-- The views. (Summed over hours: the test may cross an hour.)
SELECT results_eq($$SELECT sum(succeeded)::int, sum(failed)::int, round(sum(failed) / sum(succeeded + failed), 2)
                      FROM monitor.payments_hourly WHERE merchant_code = 'MON_A'$$,
  $$VALUES (4, 4, 0.50)$$, 'payments_hourly: MON_A charged 4 times, refused 4: failure rate 0.50');
SELECT is((SELECT jsonb_object_agg(key, n) FROM (SELECT r.key, sum(r.value::int) AS n
                                                    FROM monitor.payments_hourly, jsonb_each_text(reasons) r
                                                   WHERE merchant_code = 'MON_A' GROUP BY 1) x),
          '{"INSUFFICIENT_BALANCE": 2, "QR_EXPIRED_OR_INVALID": 1, "IDEMPOTENCY_KEY_REUSED": 1}'::jsonb,
          'payments_hourly: the reasons, by code');
SELECT is((SELECT sum(calls)::int FROM monitor.refused_calls_hourly WHERE merchant_code = 'MON_A' AND rpc = 'merchant_charge_by_qr'), 4,
          'refused_calls_hourly: four refused charges at MON_A');
SELECT is((SELECT sum(calls)::int FROM monitor.idempotency_conflicts WHERE merchant_code = 'MON_A'), 1,
          'idempotency_conflicts: the reused key');
SELECT ok((SELECT used >= 4 AND issued >= 7 FROM monitor.qr_daily WHERE day = (now() AT TIME ZONE 'UTC')::date),
          'qr_daily: today''s codes issued and used');
SELECT is((SELECT count(*) FROM monitor.card_lock_waits), 0::bigint, 'card_lock_waits: nobody waits now');

-- A prepaid card whose expiry passed while no job runs (00_jobs unscheduled them), and Mia's
-- own recharge request, which waits as an order.
SELECT card_id AS mia_prepaid FROM app.create_prepaid_card('40a00000-0000-4000-8000-000000000001', NULL,
                                                            now() + interval '1 hour') \gset
UPDATE app.member_cards SET expires_at = now() - interval '1 minute' WHERE id = :'mia_prepaid';
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "40a00000-0000-4000-8000-000000000001", "role": "authenticated"}', true) AS jwt,
       set_config('role', 'authenticated', true) AS role \gset
SELECT status AS order_status FROM app.user_recharge_card(:'mia_card', 30.00) \gset
COMMIT;
SELECT ok((SELECT cards >= 1 FROM monitor.cards_near_expiry WHERE card_type = 'prepaid' AND expiry = 'past'),
          'cards_near_expiry: the prepaid card is past its expiry');
SELECT ok((SELECT pending >= 1 AND past_expiry = 0 FROM monitor.recharge_orders_pending),
          'recharge_orders_pending: Mia''s order waits, none is past its expiry');

-- The health check names each problem; once the expiry job has run, that one is gone.
CREATE TEMP TABLE h1 AS SELECT * FROM monitor.health;
SELECT ok((SELECT NOT ok AND failure_log_collecting AND partitions_months_ahead >= 2 AND cards_past_expiry >= 1
                  AND refused_charges_last_hour >= 4 FROM h1),
          'health: not ok; collecting; partitions ahead; the card past its expiry; the refused charges');
SELECT ok((SELECT bool_or(p LIKE 'the failure log dropped %') AND bool_or(p = 'no mps job is scheduled (app.schedule_jobs())')
                  AND bool_or(p LIKE 'payment failure rate %') AND bool_or(p LIKE '% cards past their expiry are still active%')
             FROM h1, unnest(problems) p),
          'health: the drops, no job scheduled, the failure rate and the card past its expiry are listed');
SELECT app.cron_expire_cards() >= 1 AS expired \gset
SELECT ok((SELECT cards_past_expiry = 0 AND NOT EXISTS (SELECT 1 FROM unnest(problems) p WHERE p LIKE '%past their expiry%')
             FROM monitor.health),
          'health: after the expiry job, no card is past its expiry');
SELECT * FROM finish();
