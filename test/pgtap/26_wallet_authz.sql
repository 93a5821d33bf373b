-- Wallet passes (README "Wallet passes"; src/rpc/wallet.cpp): who gets a card's pass and who may
-- call the PassKit web service functions. A pass's authentication token is readable by nobody
-- through the tables (the column is not granted, even to service_role), and no RPC hands it to
-- anyone but the card's holders, platform administrators and the web service; a stranger cannot
-- get another member's pass; only service_role calls the web-service functions; anon gets
-- nothing. Calls are made as a client makes them (pgrst_test.rpc / as_caller, lib/postgrest.sql).
\ir lib/setup.sql
\ir lib/postgrest.sql

SELECT plan(34);

\set alice_user a11ce000-0000-4000-8000-000000000001
\set bob_user b0b00000-0000-4000-8000-000000000002
\set admin_user ad000000-0000-4000-8000-000000000004
INSERT INTO app.admin_users (user_id, note) VALUES (:'admin_user', 'pgTAP 26_wallet_authz');
INSERT INTO app.member_profiles (user_id, name) VALUES (:'alice_user', 'Alice'), (:'bob_user', 'Bob');
SELECT c.id AS alice_card, c.card_no AS alice_card_no FROM app.member_cards c
  JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.user_id = :'alice_user' \gset
SELECT pgrst_test.claims(:'alice_user') AS alice, pgrst_test.claims(:'bob_user') AS bob,
       pgrst_test.claims(:'admin_user') AS admin \gset
SELECT app.set_wallet_settings('ABC123DEF4', 'pass.com.vitaglobal', 'https://api.vitaglobal.com/passkit', '3388000000012345678')
  IS NOT NULL AS configured \gset seed_

-- ---------------------------------------------------------------------------------------------
-- The holder gets its pass (POST /rpc/get_apple_wallet_pass); strangers and anon do not
-- ---------------------------------------------------------------------------------------------
SELECT pgrst_test.rpc('authenticated', :'alice', 'get_apple_wallet_pass', jsonb_build_object('p_card_id', :'alice_card'))::jsonb AS alice_pass \gset
SELECT is(:'alice_pass'::jsonb ->> 'serialNumber', :'alice_card_no', 'the holder gets its pass: serial number = card number');
SELECT authentication_token AS alice_token FROM app.wallet_passes WHERE card_id = :'alice_card' \gset
SELECT is(:'alice_pass'::jsonb ->> 'authenticationToken', :'alice_token', 'the pass carries the stored authentication token');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'bob', 'get_apple_wallet_pass', jsonb_build_object('p_card_id', :'alice_card')),
  '42501', 'PERMISSION_DENIED', 'a stranger cannot get another member''s Apple pass');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'bob', 'get_google_wallet_object', jsonb_build_object('p_card_id', :'alice_card')),
  '42501', 'PERMISSION_DENIED', 'a stranger cannot get another member''s Google object');
SELECT throws_ok(pgrst_test.rpc_sql('anon', NULL, 'get_apple_wallet_pass', jsonb_build_object('p_card_id', :'alice_card')),
  '42501', 'permission denied for function get_apple_wallet_pass', 'anon gets no pass');
SELECT throws_ok(pgrst_test.rpc_sql('anon', NULL, 'get_google_wallet_object', jsonb_build_object('p_card_id', :'alice_card')),
  '42501', 'permission denied for function get_google_wallet_object', 'anon gets no Google object');
SELECT is((pgrst_test.rpc('authenticated', :'admin', 'get_apple_wallet_pass', jsonb_build_object('p_card_id', :'alice_card'))::jsonb
           ->> 'serialNumber'), :'alice_card_no', 'a platform administrator (app.admin_users) gets the pass');
SELECT is((pgrst_test.rpc('authenticated', :'alice', 'get_google_wallet_object', jsonb_build_object('p_card_id', :'alice_card'))::jsonb
           ->> 'accountId'), :'alice_card_no', 'the holder gets its Google object');
SELECT ok(position(:'alice_token' IN pgrst_test.rpc('authenticated', :'alice', 'get_google_wallet_object',
            jsonb_build_object('p_card_id', :'alice_card'))::text) = 0, 'the Google object carries no authentication token');

-- ---------------------------------------------------------------------------------------------
-- The tables: the token column is granted to nobody; registrations and settings show no row to members
-- ---------------------------------------------------------------------------------------------
SELECT pgrst_test.rpc('service_role', '{}', 'wallet_register_device', jsonb_build_object(
  'p_device_library_identifier', 'DEV-A', 'p_pass_type_identifier', 'pass.com.vitaglobal', 'p_serial_number', :'alice_card_no',
  'p_authentication_token', :'alice_token', 'p_push_token', 'abcdef0123')) #>> '{}' AS registered \gset
SELECT is(:'registered'::text, 'created', 'service_role registers a device with the pass''s token');
SELECT is(pgrst_test.as_caller('authenticated', :'alice', 'SELECT serial_number FROM app.wallet_passes')::jsonb,
  jsonb_build_array(jsonb_build_object('serial_number', :'alice_card_no')), 'the holder reads its pass row (serial number)');
SELECT is(pgrst_test.as_caller('authenticated', :'bob', 'SELECT serial_number FROM app.wallet_passes')::jsonb, '[]'::jsonb,
  'a stranger reads no pass row');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'alice', 'SELECT authentication_token FROM app.wallet_passes'),
  '42501', 'permission denied for table wallet_passes', 'even the holder cannot select the token column');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob', 'SELECT * FROM app.wallet_passes'),
  '42501', 'permission denied for table wallet_passes', 'SELECT * on wallet_passes is refused (the token column)');
SELECT throws_ok(pgrst_test.as_caller_sql('service_role', '{}', 'SELECT authentication_token FROM app.wallet_passes'),
  '42501', 'permission denied for table wallet_passes', 'service_role cannot select the token column either');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', NULL, 'SELECT serial_number FROM app.wallet_passes'),
  '42501', 'permission denied for table wallet_passes', 'anon reads nothing of wallet_passes');
SELECT is(pgrst_test.as_caller('authenticated', :'alice', 'SELECT count(*) AS n FROM app.wallet_registrations')::jsonb,
  '[{"n": 0}]'::jsonb, 'the holder does not see device registrations (push tokens)');
SELECT is(pgrst_test.as_caller('authenticated', :'admin', 'SELECT count(*) AS n FROM app.wallet_registrations')::jsonb,
  '[{"n": 0}]'::jsonb, 'nor does a signed-in administrator reading the table');
SELECT is(pgrst_test.as_caller('service_role', '{}', 'SELECT push_token FROM app.wallet_registrations')::jsonb,
  '[{"push_token": "abcdef0123"}]'::jsonb, 'service_role reads the registrations');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', NULL, 'SELECT count(*) FROM app.wallet_registrations'),
  '42501', 'permission denied for table wallet_registrations', 'anon reads nothing of wallet_registrations');
SELECT is(pgrst_test.as_caller('authenticated', :'alice', 'SELECT count(*) AS n FROM app.wallet_settings')::jsonb,
  '[{"n": 0}]'::jsonb, 'members see no wallet settings row');

-- ---------------------------------------------------------------------------------------------
-- No other RPC shows the token: the member's card list
-- ---------------------------------------------------------------------------------------------
SELECT ok(position(:'alice_token' IN pgrst_test.rpc('authenticated', :'alice', 'get_member_cards', '{}')::text) = 0,
  'get_member_cards shows no authentication token');

-- ---------------------------------------------------------------------------------------------
-- The web-service functions: service_role only (no EXECUTE for authenticated or anon)
-- ---------------------------------------------------------------------------------------------
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'alice', 'wallet_register_device', jsonb_build_object(
  'p_device_library_identifier', 'DEV-B', 'p_pass_type_identifier', 'pass.com.vitaglobal', 'p_serial_number', :'alice_card_no',
  'p_authentication_token', :'alice_token', 'p_push_token', 'abcd')),
  '42501', 'permission denied for function wallet_register_device', 'even the holder may not register a device itself');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'admin', 'wallet_unregister_device', jsonb_build_object(
  'p_device_library_identifier', 'DEV-A', 'p_pass_type_identifier', 'pass.com.vitaglobal', 'p_serial_number', :'alice_card_no',
  'p_authentication_token', :'alice_token')),
  '42501', 'permission denied for function wallet_unregister_device', 'a signed-in administrator may not unregister');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'alice', 'wallet_serials_updated_since', jsonb_build_object(
  'p_device_library_identifier', 'DEV-A', 'p_pass_type_identifier', 'pass.com.vitaglobal')),
  '42501', 'permission denied for function wallet_serials_updated_since', 'a member may not list serials');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'bob', 'wallet_latest_pass', jsonb_build_object(
  'p_pass_type_identifier', 'pass.com.vitaglobal', 'p_serial_number', :'alice_card_no', 'p_authentication_token', :'alice_token')),
  '42501', 'permission denied for function wallet_latest_pass', 'a stranger holding the token still gets no pass from the web-service function');
SELECT throws_ok(pgrst_test.rpc_sql('anon', NULL, 'wallet_push_targets', '{}'),
  '42501', 'permission denied for function wallet_push_targets', 'anon gets no push targets');
SELECT throws_ok(pgrst_test.rpc_sql('anon', NULL, 'wallet_serials_updated_since', jsonb_build_object(
  'p_device_library_identifier', 'DEV-A', 'p_pass_type_identifier', 'pass.com.vitaglobal')),
  '42501', 'permission denied for function wallet_serials_updated_since', 'anon lists no serials');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'alice', 'set_wallet_settings', jsonb_build_object('p_team_identifier', 'ZZZ123DEF4')),
  '42501', 'PERMISSION_DENIED', 'a member may not change the wallet settings');

-- service_role: a wrong token is WALLET_AUTH_FAILED and changes nothing; the right one works,
-- also in the READ ONLY transaction PostgREST gives the STABLE functions.
SELECT throws_ok(pgrst_test.rpc_sql('service_role', '{}', 'wallet_register_device', jsonb_build_object(
  'p_device_library_identifier', 'DEV-C', 'p_pass_type_identifier', 'pass.com.vitaglobal', 'p_serial_number', :'alice_card_no',
  'p_authentication_token', translate(left(:'alice_token', 1), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 'BCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_A') || substr(:'alice_token', 2), 'p_push_token', 'abcd')),
  '42501', 'WALLET_AUTH_FAILED', 'a wrong token is refused');
SELECT is((SELECT count(*)::int FROM app.wallet_registrations), 1, 'and nothing was registered');
SELECT is(pgrst_test.rpc('service_role', '{}', 'wallet_serials_updated_since', jsonb_build_object(
  'p_device_library_identifier', 'DEV-A', 'p_pass_type_identifier', 'pass.com.vitaglobal'))::jsonb -> 'serialNumbers',
  jsonb_build_array(:'alice_card_no'), 'service_role lists the device''s serials (GET-shaped, read-only)');
SELECT is(pgrst_test.rpc('service_role', '{}', 'wallet_latest_pass', jsonb_build_object(
  'p_pass_type_identifier', 'pass.com.vitaglobal', 'p_serial_number', :'alice_card_no', 'p_authentication_token', :'alice_token'))::jsonb
  #>> '{pass,serialNumber}', :'alice_card_no', 'service_role gets the latest pass with the token');
SELECT is(pgrst_test.rpc('service_role', '{}', 'wallet_unregister_device', jsonb_build_object(
  'p_device_library_identifier', 'DEV-A', 'p_pass_type_identifier', 'pass.com.vitaglobal', 'p_serial_number', :'alice_card_no',
  'p_authentication_token', :'alice_token'))::text, 'true', 'service_role unregisters the device');

SELECT * FROM finish();
ROLLBACK;
