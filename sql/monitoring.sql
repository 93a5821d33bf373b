-- The failure log without preloading (issue #11; src/pg/failure_log.hpp): the regress cluster
-- runs without mps in shared_preload_libraries, so app.failure_log_status() says nothing is
-- collected and why, the failure log's server settings do not exist, and the money RPCs work
-- exactly as before: refusals are raised as always and leave no PAYMENT_FAILED row.
-- (With preloading: test/operations/10_failure_log.sql.)
\set SHOW_CONTEXT never
\set VERBOSITY default
\set u_cashier 'a9000000-0000-4000-8000-000000000003'
\set as_cashier 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a9000000-0000-4000-8000-000000000003","role":"authenticated"}'';'

SELECT * FROM app.failure_log_status();
-- The writer's database and the queue size exist only with preloading; the pause setting always.
SELECT current_setting('mps.failure_log_database', true) AS failure_log_database,
       current_setting('mps.failure_queue_size', true) AS failure_queue_size,
       current_setting('mps.failure_log_pause') AS failure_log_pause;

-- Fixtures: MON_SHOP and its cashier; Mona with 20.00 and a live QR code.
SELECT app.create_merchant('MON_SHOP', 'Monitoring Test Shop') IS NOT NULL AS created;
SELECT app.add_merchant_user('MON_SHOP', :'u_cashier');
INSERT INTO app.member_profiles (name) VALUES ('MON Mona');
SELECT c.id AS mona_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id
 WHERE p.name = 'MON Mona' \gset
SELECT amount FROM app.user_recharge_card(:'mona_card', 20.00);
SELECT qr_plain AS qr_mona FROM app.rotate_card_qr(:'mona_card') \gset
SELECT count(*) AS payment_failed_rows_before FROM audit.event_log WHERE action = 'PAYMENT_FAILED';

-- Refused as always: over the balance, a bad amount, not staff.
BEGIN; :as_cashier
SELECT final_amount FROM app.merchant_charge_by_qr('MON_SHOP', :'qr_mona', 500.00);
ROLLBACK;
BEGIN; :as_cashier
SELECT final_amount FROM app.merchant_charge_by_qr('MON_SHOP', :'qr_mona', -1.00);
ROLLBACK;
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a9000000-0000-4000-8000-000000000099","role":"authenticated"}';
SELECT final_amount FROM app.merchant_charge_by_qr('MON_SHOP', :'qr_mona', 1.00);
ROLLBACK;
-- And a payment goes through.
BEGIN; :as_cashier
SELECT final_amount, discount FROM app.merchant_charge_by_qr('MON_SHOP', :'qr_mona', 12.50);
COMMIT;
SELECT balance FROM app.member_cards WHERE id = :'mona_card';

-- Nothing was queued or written.
SELECT count(*) AS payment_failed_rows_after FROM audit.event_log WHERE action = 'PAYMENT_FAILED';
SELECT collecting, reason, enqueued, dropped, not_collected FROM app.failure_log_status();

-- The status is for service_role and superusers (EXECUTE only for service_role, as verify_ledger).
BEGIN; :as_cashier
SELECT * FROM app.failure_log_status();
ROLLBACK;
BEGIN;
SET LOCAL ROLE service_role;
SELECT collecting, reason FROM app.failure_log_status();
COMMIT;
