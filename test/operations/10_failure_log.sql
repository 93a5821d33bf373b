-- The failure log (issue #11 item 3; src/pg/failure_log.hpp): refused money calls outlive their
-- rollback as audit.event_log rows (action PAYMENT_FAILED), written by the background worker
-- "mps failure log writer" in its own transactions. Runs in the operations layer: mps in
-- shared_preload_libraries, mps.failure_log_database = 'mps_ops' (this database),
-- mps.failure_queue_size = 16, as the superuser.
--
-- Not one transaction: pausing the writer is ALTER SYSTEM + pg_reload_conf(), which cannot run
-- inside one, and the writer only sees what is committed. The fixtures (codes FL_*) are committed
-- in this layer's own database; every check looks only at rows written after the file began.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;

SELECT plan(41);

\set staff_a f1000000-0000-4000-8000-00000000000a
\set staff_b f1000000-0000-4000-8000-00000000000b
\set nobody f1000000-0000-4000-8000-000000000005
\set alice_user f1000000-0000-4000-8000-0000000000a1

-- Runs the query p_sql as p_role with the JWT subject p_user (transaction-local, as PostgREST
-- sets them) and returns its rows as a JSON array, back as the superuser (pgTAP writes its
-- results as that).
CREATE FUNCTION pg_temp.call_as(p_role text, p_user uuid, p_sql text, p_read_only boolean DEFAULT false)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  result jsonb;
BEGIN
  IF p_read_only THEN
    PERFORM set_config('transaction_read_only', 'on', true);
  END IF;
  PERFORM set_config('role', p_role, true);
  PERFORM set_config('request.jwt.claims', json_build_object('sub', p_user, 'role', p_role)::text, true);
  EXECUTE format('SELECT COALESCE(jsonb_agg(t), ''[]'') FROM (%s) t', p_sql) INTO result;
  RESET ROLE;
  RESET request.jwt.claims;
  RETURN result;
END
$$;

-- Polls app.failure_log_status() every 0.1 s until p_condition (an expression over its
-- columns) holds; false after p_seconds (with the status as a WARNING). No fixed sleeps.
CREATE FUNCTION pg_temp.wait_for(p_condition text, p_seconds numeric DEFAULT 20)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  deadline timestamptz := clock_timestamp() + make_interval(secs => p_seconds);
  done boolean;
BEGIN
  LOOP
    EXECUTE format('SELECT (%s) FROM app.failure_log_status()', p_condition) INTO done;
    IF done THEN RETURN true; END IF;
    IF clock_timestamp() >= deadline THEN
      RAISE WARNING 'waited % s for %: %', p_seconds, p_condition,
        (SELECT row_to_json(s) FROM app.failure_log_status() s);
      RETURN false;
    END IF;
    PERFORM pg_sleep(0.1);
  END LOOP;
END
$$;

-- p_count charges with a bad amount by FL_A's cashier; returns how many raised INVALID_AMOUNT.
CREATE FUNCTION pg_temp.refuse(p_count int, p_staff uuid)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  raised int := 0;
BEGIN
  FOR i IN 1 .. p_count LOOP
    BEGIN
      PERFORM pg_temp.call_as('authenticated', p_staff, $q$SELECT * FROM app.merchant_charge_by_qr('FL_A', 'mpsq1' || repeat('A', 43), -1.00)$q$);
    EXCEPTION WHEN OTHERS THEN
      IF SQLERRM = 'INVALID_AMOUNT' THEN raised := raised + 1; END IF;
    END;
  END LOOP;
  RETURN raised;
END
$$;

-- The rows this file expects, added next to each refused call.
CREATE TEMP TABLE expected (rpc text, error text, sqlstate text, merchant_id text, card_id text,
                            actor_role text, actor_user_id text);
-- Every QR code shown in this file: none may ever reach the event log.
CREATE TEMP TABLE shown_qr (qr text);

-- ---------------------------------------------------------------------------------------------
-- The writer serves this database (it may still be restarting after mps_ops was created).
-- ---------------------------------------------------------------------------------------------
SELECT ok(pg_temp.wait_for('collecting'), 'the writer runs and serves this database (collecting)');
SELECT results_eq($$SELECT collecting, reason, database, queue_capacity, paused,
                           writer_pid = (SELECT pid FROM pg_stat_activity WHERE backend_type = 'mps failure log writer')
                      FROM app.failure_log_status()$$,
  $$VALUES (true, NULL::text, 'mps_ops'::text, 16::bigint, false, true)$$,
  'failure_log_status: collecting, no reason, database mps_ops, capacity 16, not paused, the writer''s pid');
SELECT has_index('audit', 'event_log', 'event_log_payment_failed', 'audit.event_log has the partial index for PAYMENT_FAILED rows');

SELECT clock_timestamp() AS t0, COALESCE(max(id), 0) AS log_start FROM audit.event_log \gset
SELECT enqueued AS enq0, written AS wr0, dropped AS drop0, write_errors AS err0, not_collected AS nc0,
       writer_pid AS writer0 FROM app.failure_log_status() \gset

-- ---------------------------------------------------------------------------------------------
-- Fixtures, as the superuser: FL_A (counter top-ups on) with cashier staff_a, FL_B with staff_b;
-- Alice (50.00), Bob (10.00), Carol (10.00), each with a standard card.
-- ---------------------------------------------------------------------------------------------
SELECT app.create_merchant('FL_A', 'Failure log shop A') AS shop_a, app.create_merchant('FL_B', 'Failure log shop B') AS shop_b \gset
SELECT app.add_merchant_user('FL_A', :'staff_a'), app.add_merchant_user('FL_B', :'staff_b') \gset seed_
SELECT merchant_code FROM app.set_merchant_counter_topup('FL_A', true, 500.00, 2000.00) \gset seed_
INSERT INTO app.member_profiles (user_id, name) VALUES (:'alice_user', 'FL Alice'), (NULL, 'FL Bob'), (NULL, 'FL Carol');
SELECT max(c.id::text) FILTER (WHERE p.name = 'FL Alice') AS alice_card, max(c.id::text) FILTER (WHERE p.name = 'FL Bob') AS bob_card,
       max(c.id::text) FILTER (WHERE p.name = 'FL Carol') AS carol_card, max(p.id::text) FILTER (WHERE p.name = 'FL Carol') AS carol
  FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id
 WHERE p.name LIKE 'FL %' AND c.card_type = 'standard' \gset
SELECT count(*) AS seed_recharges FROM (VALUES (:'alice_card', 50.00), (:'bob_card', 10.00), (:'carol_card', 10.00)) v(card, amount),
       LATERAL app.user_recharge_card(v.card::uuid, v.amount) \gset
SELECT qr_plain AS qr_old FROM app.rotate_card_qr(:'alice_card') \gset
SELECT qr_plain AS qr_alice FROM app.rotate_card_qr(:'alice_card') \gset
SELECT qr_plain AS qr_bob FROM app.rotate_card_qr(:'bob_card') \gset
SELECT qr_plain AS qr_carol FROM app.rotate_card_qr(:'carol_card') \gset
INSERT INTO shown_qr VALUES (:'qr_old'), (:'qr_alice'), (:'qr_bob'), (:'qr_carol');

-- ---------------------------------------------------------------------------------------------
-- Refused money calls of every kind. Each is raised exactly as without the failure log.
-- ---------------------------------------------------------------------------------------------
SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L)$$, :'staff_a',
    format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 5.00)', 'FL_A', :'qr_old')),
  'P0001', 'QR_EXPIRED_OR_INVALID', 'a rotated (unknown) QR code is refused');
INSERT INTO expected VALUES ('merchant_charge_by_qr', 'QR_EXPIRED_OR_INVALID', 'P0001', :'shop_a', NULL, 'authenticated', :'staff_a');

SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L)$$, :'staff_a',
    format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1000.00)', 'FL_A', :'qr_alice')),
  'P0001', 'INSUFFICIENT_BALANCE', 'a charge over the balance is refused');
INSERT INTO expected VALUES ('merchant_charge_by_qr', 'INSUFFICIENT_BALANCE', 'P0001', :'shop_a', :'alice_card', 'authenticated', :'staff_a');

-- A frozen card: the freeze ended its code, and a counter top-up onto it is refused.
SELECT app.freeze_card(:'bob_card', 'lost phone') AS seed_frozen \gset
SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L)$$, :'staff_a',
    format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 5.00)', 'FL_A', :'qr_bob')),
  'P0001', 'QR_EXPIRED_OR_INVALID', 'a frozen card''s code is refused (the freeze ended it)');
INSERT INTO expected VALUES ('merchant_charge_by_qr', 'QR_EXPIRED_OR_INVALID', 'P0001', :'shop_a', NULL, 'authenticated', :'staff_a');
SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L)$$, :'staff_a',
    format('SELECT * FROM app.user_recharge_card(%L, 20.00, p_merchant_code => %L)', :'bob_card', 'FL_A')),
  'P0001', 'CARD_NOT_ACTIVE', 'a counter top-up onto a frozen card is refused');
INSERT INTO expected VALUES ('user_recharge_card', 'CARD_NOT_ACTIVE', 'P0001', :'shop_a', :'bob_card', 'authenticated', :'staff_a');

-- A suspended member's card (its code was minted by the administrator, so it stays live).
SELECT app.admin_suspend_member(:'carol') AS seed_suspended \gset
SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L)$$, :'staff_a',
    format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 5.00)', 'FL_A', :'qr_carol')),
  'P0001', 'MEMBER_NOT_ACTIVE', 'a suspended member''s card is refused');
INSERT INTO expected VALUES ('merchant_charge_by_qr', 'MEMBER_NOT_ACTIVE', 'P0001', :'shop_a', :'carol_card', 'authenticated', :'staff_a');

-- Staff of another merchant, somebody who is no staff, an unknown merchant code.
SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L)$$, :'staff_b',
    format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 5.00)', 'FL_A', :'qr_alice')),
  '42501', 'PERMISSION_DENIED', 'staff of FL_B cannot charge as FL_A');
INSERT INTO expected VALUES ('merchant_charge_by_qr', 'PERMISSION_DENIED', '42501', :'shop_a', NULL, 'authenticated', :'staff_b');
SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L)$$, :'nobody',
    format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 5.00)', 'FL_A', :'qr_alice')),
  '42501', 'PERMISSION_DENIED', 'a user who is no staff cannot charge');
INSERT INTO expected VALUES ('merchant_charge_by_qr', 'PERMISSION_DENIED', '42501', :'shop_a', NULL, 'authenticated', :'nobody');
SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L)$$, :'nobody',
    format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 5.00)', 'FL_NONE', :'qr_alice')),
  '42501', 'PERMISSION_DENIED', 'a user who is no staff gets the same refusal for an unknown merchant code');
INSERT INTO expected VALUES ('merchant_charge_by_qr', 'PERMISSION_DENIED', '42501', NULL, NULL, 'authenticated', :'nobody');

-- An idempotency key reused for another amount (the first charge uses the code up).
SELECT pg_temp.call_as('authenticated', :'staff_a',
    format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1.00, p_idempotency_key => %L)', 'FL_A', :'qr_alice', 'fl-key-1')) \gset seed_
SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L)$$, :'staff_a',
    format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 2.00, p_idempotency_key => %L)', 'FL_A', :'qr_alice', 'fl-key-1')),
  'PT409', 'IDEMPOTENCY_KEY_REUSED', 'an idempotency key reused with another amount is refused');
INSERT INTO expected VALUES ('merchant_charge_by_qr', 'IDEMPOTENCY_KEY_REUSED', 'PT409', :'shop_a', NULL, 'authenticated', :'staff_a');

-- A bad amount: refused before the caller is read (no user id; the role is the call's).
SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L)$$, :'staff_a',
    format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, -5.00)', 'FL_A', :'qr_alice')),
  '22023', 'INVALID_AMOUNT', 'a negative amount is refused');
INSERT INTO expected VALUES ('merchant_charge_by_qr', 'INVALID_AMOUNT', '22023', NULL, NULL, 'authenticated', NULL);

-- A plain PostgreSQL error inside the charge (its lock in a read-only transaction): its SQLSTATE
-- stands for the code.
SELECT qr_plain AS qr_alice FROM app.rotate_card_qr(:'alice_card') \gset
INSERT INTO shown_qr VALUES (:'qr_alice');
SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L, true)$$, :'staff_a',
    format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 5.00)', 'FL_A', :'qr_alice')),
  '25006', NULL, 'a charge in a read-only transaction fails with PostgreSQL''s own error');
INSERT INTO expected VALUES ('merchant_charge_by_qr', '25006', '25006', :'shop_a', :'alice_card', 'authenticated', :'staff_a');

-- A refund over what remains, and a recharge order confirmed with the wrong amount.
SELECT tx_no AS pay_no FROM app.merchant_charge_by_qr('FL_A', :'qr_alice', 10.00) \gset
SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L)$$, :'staff_a',
    format('SELECT * FROM app.merchant_refund_tx(%L, %L, 20.00)', 'FL_A', :'pay_no')),
  'P0001', 'REFUND_EXCEEDS_REMAINING', 'a refund over the payment is refused');
INSERT INTO expected VALUES ('merchant_refund_tx', 'REFUND_EXCEEDS_REMAINING', 'P0001', :'shop_a', :'alice_card', 'authenticated', :'staff_a');
-- Alice's own recharge request is a pending order (self-service recharge is off).
SELECT pg_temp.call_as('authenticated', :'alice_user',
    format('SELECT order_id FROM app.user_recharge_card(%L, 30.00)', :'alice_card'))->0->>'order_id' AS alice_order \gset
SELECT throws_ok(format($$SELECT pg_temp.call_as('service_role', NULL, %L)$$,
    format('SELECT * FROM app.confirm_recharge_order(%L, %L, 31.00)', :'alice_order', 'fl-provider-1')),
  'P0001', 'AMOUNT_MISMATCH', 'a recharge order confirmed with another amount is refused');
INSERT INTO expected VALUES ('confirm_recharge_order', 'AMOUNT_MISMATCH', 'P0001', NULL, :'alice_card', 'service_role', NULL);

-- Not a money RPC: its refusal is not a payment failure.
SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L)$$, :'nobody',
    format('SELECT * FROM app.rotate_card_qr(%L)', :'alice_card')),
  '42501', 'PERMISSION_DENIED', 'rotating another''s QR code is refused (not a money RPC)');

-- ---------------------------------------------------------------------------------------------
-- What the writer wrote.
-- ---------------------------------------------------------------------------------------------
SELECT count(*) AS n_expected FROM expected \gset
SELECT ok(pg_temp.wait_for(format('queued = 0 AND written >= %s + %s', :wr0, :n_expected)),
  'the writer drained the queue');
CREATE TEMP VIEW logged AS
SELECT * FROM audit.event_log WHERE action = 'PAYMENT_FAILED' AND id > :log_start;
SELECT bag_eq($$SELECT context->>'rpc' AS rpc, context->>'error' AS error, context->>'sqlstate' AS sqlstate,
                       context->>'merchant_id' AS merchant_id, context->>'card_id' AS card_id, actor_role,
                       actor_user_id::text FROM logged$$,
  'SELECT * FROM expected',
  'each refused money call is one PAYMENT_FAILED row with its RPC, code, SQLSTATE, merchant, card, role and user; nothing else');
SELECT is_empty($$SELECT id FROM logged
                   WHERE (object_type, object_id) IS DISTINCT FROM (
                         CASE WHEN context->>'card_id' IS NOT NULL THEN 'card' WHEN context->>'merchant_id' IS NOT NULL THEN 'merchant' ELSE 'call' END,
                         COALESCE(context->>'card_id', context->>'merchant_id', context->>'rpc'))$$,
  'the object is the card when known, else the merchant, else the call');
SELECT results_eq($$SELECT object_type, object_id FROM logged WHERE context->>'error' = 'INVALID_AMOUNT'$$,
  $$VALUES ('call'::text, 'merchant_charge_by_qr'::text)$$, 'a call that knew neither is logged as the call');
SELECT is_empty($$SELECT id FROM logged
                   WHERE ARRAY(SELECT jsonb_object_keys(context) ORDER BY 1) <> ARRAY['card_id', 'error', 'merchant_id', 'rpc', 'sqlstate']$$,
  'the context holds error, sqlstate, rpc, merchant_id and card_id only: no argument value');
SELECT is_empty($$SELECT e.id FROM audit.event_log e JOIN shown_qr q ON strpos(e::text, q.qr) > 0$$,
  'no event_log row contains a QR code''s plaintext');
SELECT is_empty(format($$SELECT id FROM logged WHERE happened_at < %L OR happened_at > clock_timestamp()$$, :'t0'),
  'happened_at is the time of the refusal');
SELECT results_eq(format($$SELECT enqueued - %s, written - %s, dropped - %s, write_errors - %s, queued FROM app.failure_log_status()$$,
                         :enq0, :wr0, :drop0, :err0),
  format('VALUES (%1$s::bigint, %1$s::bigint, 0::bigint, 0::bigint, 0::bigint)', :n_expected),
  'counters add up: every refused money call enqueued and written, none dropped or lost');

-- Seed 001's diagnostic query, unchanged.
SELECT bag_eq($$
SELECT
    CASE
        WHEN context->>'error' LIKE '%INSUFFICIENT_BALANCE%' THEN '餘額不足'
        WHEN context->>'error' LIKE '%QR_EXPIRED%' THEN 'QR碼過期'
        WHEN context->>'error' LIKE '%CARD_NOT_ACTIVE%' THEN '卡片未激活'
        ELSE '其他錯誤'
    END as error_type,
    COUNT(*) as count
FROM audit.event_log
WHERE action = 'PAYMENT_FAILED'
  AND happened_at >= NOW() - INTERVAL '1 hour'
GROUP BY error_type;
$$, format($$SELECT CASE WHEN error = 'INSUFFICIENT_BALANCE' THEN '餘額不足' WHEN error = 'QR_EXPIRED_OR_INVALID' THEN 'QR碼過期'
                         WHEN error = 'CARD_NOT_ACTIVE' THEN '卡片未激活' ELSE '其他錯誤' END, count(*)
               FROM (SELECT error FROM expected
                     UNION ALL SELECT context->>'error' FROM audit.event_log
                      WHERE action = 'PAYMENT_FAILED' AND id <= %s AND happened_at >= now() - interval '1 hour') e
              GROUP BY 1$$, :log_start),
  'seed 001''s failure-reason query counts them (餘額不足 1, QR碼過期 2, 卡片未激活 1, 其他錯誤 the rest)');

-- ---------------------------------------------------------------------------------------------
-- Another database's refusals are not collected (the writer serves mps_ops only).
-- ---------------------------------------------------------------------------------------------
CREATE DATABASE fl_other;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT format('dbname=fl_other host=%s port=%s', split_part(current_setting('unix_socket_directories'), ',', 1),
              current_setting('port')) AS other \gset
SELECT dblink_exec(:'other', 'CREATE EXTENSION mps') \gset seed_
SELECT results_eq($$SELECT * FROM dblink($$ || quote_literal(:'other') || $$, 'SELECT collecting, reason FROM app.failure_log_status()')
                       AS s(collecting boolean, reason text)$$,
  $$VALUES (false, 'the writer serves database mps_ops')$$,
  'in another database failure_log_status says the writer serves mps_ops');
SELECT count(*) AS seed_other FROM dblink(:'other', 'SELECT * FROM app.merchant_charge_by_qr(''X'', ''x'', -1.00)', false) AS t(x text) \gset
SELECT is((SELECT not_collected - :nc0 FROM app.failure_log_status()), 1::bigint,
  'a refused charge in another database counts as not_collected');
DROP DATABASE fl_other WITH (FORCE);
DROP EXTENSION dblink;

-- ---------------------------------------------------------------------------------------------
-- A full queue: the writer paused, 16 refusals queued, the rest dropped; payments go on.
-- ---------------------------------------------------------------------------------------------
ALTER SYSTEM SET mps.failure_log_pause = on;
SELECT pg_reload_conf() AS seed_reload \gset
SELECT ok(pg_temp.wait_for('paused'), 'after mps.failure_log_pause = on and a reload the writer says it is paused');
SELECT enqueued AS enq1, written AS wr1, dropped AS drop1 FROM app.failure_log_status() \gset
SELECT is(pg_temp.refuse(20, :'staff_a'), 20, 'with the writer paused every refused call is still refused (20 of 20)');
SELECT results_eq(format($$SELECT queued, enqueued - %s, dropped - %s, written - %s FROM app.failure_log_status()$$, :enq1, :drop1, :wr1),
  $$VALUES (16::bigint, 16::bigint, 4::bigint, 0::bigint)$$,
  'the queue holds 16 (its capacity); the 4 others are counted as dropped');
SELECT qr_plain AS qr_alice FROM app.rotate_card_qr(:'alice_card') \gset
INSERT INTO shown_qr VALUES (:'qr_alice');
SELECT is(pg_temp.call_as('authenticated', :'staff_a',
    format('SELECT final_amount FROM app.merchant_charge_by_qr(%L, %L, 1.00)', 'FL_A', :'qr_alice')),
  '[{"final_amount": 1.00}]'::jsonb, 'a payment succeeds while the queue is full');
SELECT throws_ok(format($$SELECT pg_temp.call_as('authenticated', %L, %L)$$, :'staff_a',
    format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1.00)', 'FL_A', :'qr_alice')),
  'P0001', 'QR_EXPIRED_OR_INVALID', 'a refusal while the queue is full (the code just used) is raised as usual');
SELECT is((SELECT dropped - :drop1 FROM app.failure_log_status()), 5::bigint, '... and counted as dropped');
ALTER SYSTEM RESET mps.failure_log_pause;
SELECT pg_reload_conf() AS seed_reload \gset
SELECT ok(pg_temp.wait_for(format('NOT paused AND queued = 0 AND written = %s + 16', :wr1)),
  'resumed, the writer drains the 16 queued refusals');
SELECT is((SELECT count(*) FROM logged WHERE context->>'error' = 'INVALID_AMOUNT'), 17::bigint,
  'they are in the event log (1 + 16 INVALID_AMOUNT rows; the dropped ones are not)');

-- ---------------------------------------------------------------------------------------------
-- A batch that cannot be written is counted and dropped; the writer keeps running.
-- ---------------------------------------------------------------------------------------------
SELECT write_errors AS err2, written AS wr2 FROM app.failure_log_status() \gset
ALTER TABLE audit.event_log ADD CONSTRAINT fl_test_refuses_failures CHECK (action <> 'PAYMENT_FAILED') NOT VALID;
SELECT is(pg_temp.refuse(2, :'staff_a'), 2, 'two refusals while the event log refuses the writer''s rows');
SELECT ok(pg_temp.wait_for(format('queued = 0 AND write_errors = %s + 2 AND written = %s', :err2, :wr2)),
  'they are counted as write_errors, none as written');
ALTER TABLE audit.event_log DROP CONSTRAINT fl_test_refuses_failures;
SELECT is(pg_temp.refuse(1, :'staff_a'), 1, 'one more refusal once the event log accepts rows again');
SELECT ok(pg_temp.wait_for(format('queued = 0 AND written = %s + 1 AND writer_pid = %s', :wr2, :writer0)),
  'the same writer process writes it: no restart after the failed batch');
SELECT results_eq(format($$SELECT enqueued - %s, written - %s + write_errors - %s + queued FROM app.failure_log_status()$$,
                         :enq0, :wr0, :err0),
  format('VALUES (%1$s::bigint, %1$s::bigint)', :n_expected + 16 + 3),
  'over the whole file: enqueued = written + write_errors + queued');

SELECT * FROM finish();
