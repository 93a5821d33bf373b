-- Authorization matrix (ARCHITECTURE.md §3): who may call which money RPC on whose objects, what RLS
-- lets each role read, and that identity is taken only from the transaction-local JWT claims
-- and the role the transaction runs as - never from a "role" claim or a session-level setting.
-- Calls are made the way a client makes them (pgrst_test.as_caller: role + transaction-local
-- claims, in an emulated per-request transaction; see lib/postgrest.sql), or with plain
-- top-level SET LOCAL ROLE where the point is the setting itself.
\ir lib/setup.sql
\ir lib/postgrest.sql

SELECT plan(89);
-- This file is about authorization, not about QR codes being used up: codes stay usable until
-- they expire (a deployment setting; by default a payment consumes its code, see
-- sql/money_security.sql and test/isolation/specs/qr_used_once.spec).
SET LOCAL mps.qr_reuse_within_ttl = on;

-- ---------------------------------------------------------------------------------------------
-- Seed, as the superuser (a platform administrator). Alice and Bob are members; staff_a is a
-- cashier of SHOP_A, staff_b of SHOP_B; nobody is signed in but owns nothing; admin_user is a
-- platform administrator listed in app.admin_users.
-- ---------------------------------------------------------------------------------------------
\set alice_user a11ce000-0000-4000-8000-000000000001
\set bob_user b0b00000-0000-4000-8000-000000000002
\set staff_a_user 57aff000-0000-4000-8000-00000000000a
\set staff_b_user 57aff000-0000-4000-8000-00000000000b
\set nobody_user 0b0d0000-0000-4000-8000-000000000005
\set admin_user ad000000-0000-4000-8000-000000000004

SELECT app.create_merchant('SHOP_A', 'Shop A') AS shop_a, app.create_merchant('SHOP_B', 'Shop B') AS shop_b \gset
SELECT app.add_merchant_user('SHOP_A', :'staff_a_user'), app.add_merchant_user('SHOP_B', :'staff_b_user') \gset seed_
SELECT count(*) AS counter_shops FROM unnest(ARRAY['SHOP_A', 'SHOP_B']) code,
       LATERAL app.set_merchant_counter_topup(code, true, 1000.00, 5000.00) \gset seed_
INSERT INTO app.admin_users (user_id, note) VALUES (:'admin_user', 'pgTAP 20_authz_matrix');
INSERT INTO app.member_profiles (user_id, name) VALUES (:'alice_user', 'Alice'), (:'bob_user', 'Bob');
SELECT c.id AS alice_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id
 WHERE p.user_id = :'alice_user' AND c.card_type = 'standard' \gset
SELECT c.id AS bob_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id
 WHERE p.user_id = :'bob_user' AND c.card_type = 'standard' \gset

-- Alice: recharged 100.00, paid 30.00 at SHOP_A (balance 70.00, 30 points).
-- Bob: recharged 50.00, paid 10.00 at SHOP_B (balance 40.00, 10 points).
SELECT tx_no AS seed_rcg_a FROM app.user_recharge_card(:'alice_card', 100.00) \gset
SELECT tx_no AS seed_rcg_b FROM app.user_recharge_card(:'bob_card', 50.00) \gset
SELECT qr_plain AS alice_qr FROM app.rotate_card_qr(:'alice_card') \gset
SELECT qr_plain AS bob_qr FROM app.rotate_card_qr(:'bob_card') \gset
SELECT tx_no AS a_pay FROM app.merchant_charge_by_qr('SHOP_A', :'alice_qr', 30.00) \gset
SELECT tx_no AS b_pay FROM app.merchant_charge_by_qr('SHOP_B', :'bob_qr', 10.00) \gset

-- JWT payloads (PostgREST puts the whole payload, "role" included, into request.jwt.claims).
SELECT pgrst_test.claims(:'alice_user') AS alice, pgrst_test.claims(:'bob_user') AS bob,
       pgrst_test.claims(:'staff_a_user') AS staff_a, pgrst_test.claims(:'nobody_user') AS nobody,
       pgrst_test.claims(:'admin_user') AS admin, '{"role": "anon"}' AS anon,
       '{"role": "service_role"}' AS service \gset

-- ---------------------------------------------------------------------------------------------
-- A member acts only on their own cards.
-- ---------------------------------------------------------------------------------------------
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob', format('SELECT * FROM app.rotate_card_qr(%L)', :'alice_card')),
  '42501', 'PERMISSION_DENIED', 'a member cannot rotate another member''s QR');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob', format('SELECT app.revoke_card_qr(%L)', :'alice_card')),
  '42501', 'PERMISSION_DENIED', 'a member cannot revoke another member''s QR');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob', format('SELECT app.validate_qr_plain(%L)', :'alice_qr')),
  '42501', 'PERMISSION_DENIED', 'a member cannot resolve another member''s QR to a card');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob', format('SELECT * FROM app.user_recharge_card(%L, 10.00)', :'alice_card')),
  '42501', 'PERMISSION_DENIED', 'a member cannot recharge another member''s card (user_recharge_card)');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob', format('SELECT * FROM app.user_recharge_personal_card(%L, 10.00)', :'alice_card')),
  '42501', 'PERMISSION_DENIED', 'a member cannot recharge another member''s card (user_recharge_personal_card)');
SELECT is(pgrst_test.as_caller('authenticated', :'bob', format('SELECT status, tx_id FROM app.user_recharge_card(%L, 10.00)', :'bob_card'))::jsonb->0,
  '{"status": "pending", "tx_id": null}'::jsonb,
  'a member''s own card: ownership passes; self-service recharge is off by default, so no money moves: a pending recharge order');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob', format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1.00)', 'SHOP_A', :'alice_qr')),
  '42501', 'PERMISSION_DENIED', 'a member who is not staff cannot charge a QR');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob', format('SELECT * FROM app.merchant_refund_tx(%L, %L, 1.00)', 'SHOP_A', :'a_pay')),
  '42501', 'PERMISSION_DENIED', 'a member who is not staff cannot refund a payment');

-- RLS: another member's rows are invisible (0 rows, no error); one's own are readable.
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'bob', format('SELECT id FROM app.member_cards WHERE id = %L', :'alice_card'))),
  0, 'RLS: a member reads no row of another member''s card');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'bob', format('SELECT id FROM app.transactions WHERE card_id = %L', :'alice_card'))),
  0, 'RLS: a member reads no transaction of another member''s card');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'bob', format('SELECT id FROM app.point_ledger WHERE card_id = %L', :'alice_card'))),
  0, 'RLS: a member reads no point-ledger row of another member''s card');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'bob', format('SELECT id FROM app.member_profiles WHERE user_id = %L', :'alice_user'))),
  0, 'RLS: a member reads no other member''s profile');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'bob',
    format('SELECT card_id FROM app.card_qr_state WHERE card_id = %1$L UNION ALL SELECT card_id FROM app.card_qr_history WHERE card_id = %1$L', :'alice_card'))),
  0, 'RLS: a member reads nothing of another member''s QR state or history');
SELECT is(pgrst_test.as_caller('authenticated', :'bob', 'SELECT id FROM app.member_cards')::jsonb,
  jsonb_build_array(jsonb_build_object('id', :'bob_card')), 'RLS: of all cards a member sees exactly their own');
SELECT is(pgrst_test.as_caller('authenticated', :'alice', 'SELECT balance, points FROM app.member_cards')::jsonb,
  '[{"balance": 70.00, "points": 30}]'::jsonb, 'RLS: a member reads their own card (balance 70.00, 30 points)');
SELECT is(pgrst_test.as_caller('authenticated', :'alice', 'SELECT tx_type, final_amount FROM app.transactions ORDER BY final_amount')::jsonb,
  '[{"tx_type": "payment", "final_amount": 30.00}, {"tx_type": "recharge", "final_amount": 100.00}]'::jsonb,
  'RLS: a member reads their own transactions, and only those');
SELECT is(pgrst_test.as_caller('authenticated', :'alice', 'SELECT delta, balance_after FROM app.point_ledger')::jsonb,
  '[{"delta": 30, "balance_after": 30}]'::jsonb, 'RLS: a member reads their own point ledger');
SELECT is(pgrst_test.as_caller('authenticated', :'alice', 'SELECT count(*) AS n FROM app.card_qr_state')::jsonb,
  '[{"n": 1}]'::jsonb, 'RLS: a member reads their own card''s QR state');

-- ---------------------------------------------------------------------------------------------
-- Merchant staff act only for their own merchant.
-- ---------------------------------------------------------------------------------------------
SELECT is(pgrst_test.as_caller('authenticated', :'staff_a', format('SELECT final_amount FROM app.merchant_charge_by_qr(%L, %L, 20.00)', 'SHOP_A', :'alice_qr'))::jsonb,
  '[{"final_amount": 20.00}]'::jsonb, 'staff of SHOP_A charge at SHOP_A');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'staff_a', format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1.00)', 'SHOP_B', :'alice_qr')),
  '42501', 'PERMISSION_DENIED', 'staff of SHOP_A cannot charge as SHOP_B');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'staff_a', format('SELECT * FROM app.merchant_refund_tx(%L, %L, 1.00)', 'SHOP_B', :'b_pay')),
  '42501', 'PERMISSION_DENIED', 'staff of SHOP_A cannot refund as SHOP_B');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'staff_a', format('SELECT * FROM app.merchant_refund_tx(%L, %L, 1.00)', 'SHOP_A', :'b_pay')),
  'PT404', 'ORIGINAL_TX_NOT_FOUND', 'staff of SHOP_A cannot refund a SHOP_B payment under their own merchant code');
SELECT is(pgrst_test.as_caller('authenticated', :'staff_a', format('SELECT refunded_amount FROM app.merchant_refund_tx(%L, %L, 5.00)', 'SHOP_A', :'a_pay'))::jsonb,
  '[{"refunded_amount": 5.00}]'::jsonb, 'staff of SHOP_A refund a SHOP_A payment');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'staff_a', format('SELECT * FROM app.user_recharge_card(%L, 10.00, p_merchant_code => %L)', :'bob_card', 'SHOP_B')),
  '42501', 'PERMISSION_DENIED', 'staff of SHOP_A cannot take a counter recharge as SHOP_B');
SELECT is(pgrst_test.as_caller('authenticated', :'staff_a', format('SELECT amount FROM app.user_recharge_card(%L, 10.00, p_merchant_code => %L)', :'bob_card', 'SHOP_A'))::jsonb,
  '[{"amount": 10.00}]'::jsonb, 'staff of SHOP_A take a counter recharge at SHOP_A');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'staff_a', format('SELECT * FROM app.user_recharge_card(%L, 10.00)', :'bob_card')),
  '42501', 'PERMISSION_DENIED', 'staff cannot recharge without naming their cash desk (no self-service recharge of others'' cards)');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'staff_a', format('SELECT app.add_merchant_user(%L, %L)', 'SHOP_B', :'nobody_user')),
  '42501', 'PERMISSION_DENIED', 'staff of SHOP_A cannot add staff to SHOP_B');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'staff_a', format('SELECT app.add_merchant_user(%L, %L)', 'SHOP_A', :'nobody_user')),
  '42501', 'PERMISSION_DENIED', 'a cashier cannot appoint staff, even at their own merchant');
SELECT is(pgrst_test.as_caller('authenticated', :'staff_a', 'SELECT DISTINCT merchant_id FROM app.transactions')::jsonb,
  jsonb_build_array(jsonb_build_object('merchant_id', :'shop_a')), 'RLS: staff read their merchant''s transactions only');
SELECT is(pgrst_test.as_caller('authenticated', :'staff_a', 'SELECT code FROM app.merchants')::jsonb,
  '[{"code": "SHOP_A"}]'::jsonb, 'RLS: staff read their own merchant only');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'staff_a', 'SELECT id FROM app.member_cards')),
  0, 'RLS: staff read no member cards (they act on cards only through a QR)');

-- ---------------------------------------------------------------------------------------------
-- anon can do nothing money-related: 42501 from the RPC or from the EXECUTE grants.
-- ---------------------------------------------------------------------------------------------
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', format('SELECT * FROM app.user_recharge_card(%L, 10.00)', :'alice_card')),
  '42501', NULL, 'anon: user_recharge_card');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', format('SELECT * FROM app.user_recharge_personal_card(%L, 10.00)', :'alice_card')),
  '42501', NULL, 'anon: user_recharge_personal_card');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', format('SELECT * FROM app.user_recharge_enterprise_card_admin(%L, 10.00)', :'alice_card')),
  '42501', NULL, 'anon: user_recharge_enterprise_card_admin');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1.00)', 'SHOP_A', :'alice_qr')),
  '42501', NULL, 'anon: merchant_charge_by_qr');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', format('SELECT * FROM app.merchant_refund_tx(%L, %L, 1.00)', 'SHOP_A', :'a_pay')),
  '42501', NULL, 'anon: merchant_refund_tx');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', format('SELECT * FROM app.rotate_card_qr(%L)', :'alice_card')),
  '42501', NULL, 'anon: rotate_card_qr');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', format('SELECT app.revoke_card_qr(%L)', :'alice_card')),
  '42501', NULL, 'anon: revoke_card_qr');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', format('SELECT app.validate_qr_plain(%L)', :'alice_qr')),
  '42501', NULL, 'anon: validate_qr_plain');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', 'SELECT app.create_merchant(''SHOP_X'', ''X'')'),
  '42501', NULL, 'anon: create_merchant');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', format('SELECT app.add_merchant_user(%L, %L)', 'SHOP_A', :'nobody_user')),
  '42501', NULL, 'anon: add_merchant_user');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', 'SELECT app.create_member_profile(''Eve'', NULL, NULL)'),
  '42501', NULL, 'anon: create_member_profile');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', 'SELECT app.cron_rotate_qr_tokens()'),
  '42501', NULL, 'anon: cron_rotate_qr_tokens');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', 'SELECT * FROM app.verify_ledger()'),
  '42501', NULL, 'anon: verify_ledger');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', 'SELECT app.ensure_partitions(1)'),
  '42501', NULL, 'anon: ensure_partitions');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', 'SELECT app.ensure_next_month_partition()'),
  '42501', NULL, 'anon: ensure_next_month_partition');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', 'SELECT * FROM app.archive_partitions()'),
  '42501', NULL, 'anon: archive_partitions');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', 'SELECT app.cron_cleanup_qr_history()'),
  '42501', NULL, 'anon: cron_cleanup_qr_history');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', jsonb_build_object('sub', :'staff_a_user', 'role', 'anon'),
    format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1.00)', 'SHOP_A', :'alice_qr')),
  '42501', NULL, 'anon carrying a staff member''s sub still cannot charge');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', 'SELECT id FROM app.member_cards'),
  '42501', NULL, 'anon cannot read member cards at all');
SELECT is(pgrst_test.as_caller('anon', :'anon', 'SELECT count(*) AS n FROM app.membership_levels')::jsonb,
  '[{"n": 4}]'::jsonb, 'anon reads the public membership levels');

-- ---------------------------------------------------------------------------------------------
-- A "role": "service_role" claim written by an anon/authenticated connection gains nothing:
-- the role is the role the transaction runs as.
-- ---------------------------------------------------------------------------------------------
SELECT throws_ok(pgrst_test.as_caller_sql(r.role, r.claims, 'SELECT app.create_merchant(''SHOP_X'', ''X'')'),
         '42501', NULL, r.label || ': create_merchant still denied')
  FROM (VALUES (1, 'anon', '{"role": "service_role"}'::jsonb, 'anon + forged service_role claim'),
               (2, 'authenticated', '{"role": "service_role"}'::jsonb, 'authenticated + forged service_role claim'),
               (3, 'authenticated', jsonb_build_object('sub', :'nobody_user', 'role', 'service_role'),
                'authenticated + sub + forged service_role claim')) AS r(n, role, claims, label)
 ORDER BY r.n;
SELECT throws_ok(pgrst_test.as_caller_sql(r.role, r.claims, format('SELECT * FROM app.user_recharge_card(%L, 10.00)', :'alice_card')),
         '42501', NULL, r.label || ': recharge still denied')
  FROM (VALUES (1, 'anon', '{"role": "service_role"}'::jsonb, 'anon + forged service_role claim'),
               (2, 'authenticated', '{"role": "service_role"}'::jsonb, 'authenticated + forged service_role claim'),
               (3, 'authenticated', jsonb_build_object('sub', :'nobody_user', 'role', 'service_role'),
                'authenticated + sub + forged service_role claim')) AS r(n, role, claims, label)
 ORDER BY r.n;
SELECT throws_ok(pgrst_test.as_caller_sql(r.role, r.claims, 'SELECT * FROM app.verify_ledger()'),
         '42501', NULL, r.label || ': verify_ledger still denied')
  FROM (VALUES (1, 'anon', '{"role": "service_role"}'::jsonb, 'anon + forged service_role claim'),
               (2, 'authenticated', '{"role": "service_role"}'::jsonb, 'authenticated + forged service_role claim'),
               (3, 'authenticated', jsonb_build_object('sub', :'nobody_user', 'role', 'service_role'),
                'authenticated + sub + forged service_role claim')) AS r(n, role, claims, label)
 ORDER BY r.n;
SELECT throws_ok(pgrst_test.as_caller_sql(r.role, r.claims, 'SELECT app.cron_rotate_qr_tokens()'),
         '42501', NULL, r.label || ': cron_rotate_qr_tokens still denied')
  FROM (VALUES (1, 'anon', '{"role": "service_role"}'::jsonb, 'anon + forged service_role claim'),
               (2, 'authenticated', '{"role": "service_role"}'::jsonb, 'authenticated + forged service_role claim'),
               (3, 'authenticated', jsonb_build_object('sub', :'nobody_user', 'role', 'service_role'),
                'authenticated + sub + forged service_role claim')) AS r(n, role, claims, label)
 ORDER BY r.n;
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'service', 'SELECT id FROM app.member_cards')),
  0, 'authenticated + forged service_role claim does not bypass RLS');

-- ---------------------------------------------------------------------------------------------
-- Identity counts only when set transaction-locally: a session-level SET (which would leak to
-- the next request on a pooled connection) is ignored. Plain top-level statements here.
-- ---------------------------------------------------------------------------------------------
SET request.jwt.claims = :'staff_a';
SET LOCAL ROLE authenticated;
SELECT throws_ok(format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1.00)', 'SHOP_A', :'alice_qr'),
  '42501', 'PERMISSION_DENIED', 'session-level SET request.jwt.claims (staff) is ignored by the RPCs');
RESET ROLE;
RESET request.jwt.claims;

SELECT set_config('request.jwt.claims', :'alice', false) \gset seed_
SET LOCAL ROLE authenticated;
SELECT throws_ok(format('SELECT * FROM app.rotate_card_qr(%L)', :'alice_card'),
  '42501', 'PERMISSION_DENIED', 'session-level set_config(request.jwt.claims, ..., false) (owner) is ignored by the RPCs');
RESET ROLE;
RESET request.jwt.claims;

SET request.jwt.claim.sub = :'staff_a_user';
SET LOCAL ROLE authenticated;
SELECT throws_ok(format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1.00)', 'SHOP_A', :'alice_qr'),
  '42501', 'PERMISSION_DENIED', 'session-level SET request.jwt.claim.sub (staff) is ignored by the RPCs');
RESET ROLE;
RESET request.jwt.claim.sub;

-- The same identities set transaction-locally do count (so the denials above are about the
-- setting's scope, nothing else).
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = :'staff_a';
SELECT is((SELECT final_amount FROM app.merchant_charge_by_qr('SHOP_A', :'alice_qr', 1.00)),
  1.00, 'SET LOCAL request.jwt.claims (staff) is honoured');
RESET ROLE;
RESET request.jwt.claims;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claim.sub = :'alice_user';
SELECT is((SELECT count(*) FROM app.rotate_card_qr(:'alice_card')), 1::bigint,
  'SET LOCAL request.jwt.claim.sub (owner, as in Supabase''s pgTAP examples) is honoured');
RESET ROLE;
RESET request.jwt.claim.sub;
SELECT qr_plain AS alice_qr FROM app.rotate_card_qr(:'alice_card') \gset

-- RLS reads identity through sec.uid(); ARCHITECTURE.md §3 forbids identity from session-level settings
-- there too: a value left in the session must neither identify a caller that set no claims
-- nor override the claims of the current request.
SET request.jwt.claims = :'alice';
SET LOCAL ROLE authenticated;
SELECT is((SELECT count(*) FROM app.member_cards), 0::bigint,
  'RLS: session-level request.jwt.claims identifies nobody (no rows without transaction-local claims)');
RESET ROLE;
RESET request.jwt.claims;
SET request.jwt.claim.sub = :'alice_user';
SELECT is(pgrst_test.as_caller('authenticated', :'bob', 'SELECT id FROM app.member_cards')::jsonb,
  jsonb_build_array(jsonb_build_object('id', :'bob_card')),
  'RLS: a stale session-level request.jwt.claim.sub does not override the request''s claims');
RESET request.jwt.claim.sub;

-- ---------------------------------------------------------------------------------------------
-- service_role (the trusted backend) and platform administrators.
-- ---------------------------------------------------------------------------------------------
SELECT is(json_typeof(pgrst_test.as_caller('service_role', :'service', 'SELECT app.create_merchant(''SHOP_S'', ''Shop S'') AS id')->0->'id'),
  'string', 'service_role creates a merchant');
SELECT is(pgrst_test.as_caller('service_role', :'service', format('SELECT amount FROM app.user_recharge_card(%L, 10.00)', :'alice_card'))::jsonb,
  '[{"amount": 10.00}]'::jsonb, 'service_role recharges a card');
SELECT is(pgrst_test.as_caller('service_role', :'service', 'SELECT * FROM app.verify_ledger()')::jsonb,
  '[]'::jsonb, 'service_role runs verify_ledger (healthy: no rows)');
SELECT lives_ok(pgrst_test.as_caller_sql('service_role', :'service', 'SELECT app.cron_rotate_qr_tokens(300)'),
  'service_role runs cron_rotate_qr_tokens');
SELECT is(json_array_length(pgrst_test.as_caller('service_role', :'service', 'SELECT id FROM app.member_cards')),
  2, 'service_role reads every card (bypasses RLS)');
-- Partition upkeep, archive, QR history retention and their monitoring: the trusted backend (and
-- pg_cron as the owner), not a signed-in administrator through the API, nor a forged claim.
SELECT is(pgrst_test.as_caller('service_role', :'service', 'SELECT app.ensure_next_month_partition() AS n')::jsonb,
  '[{"n": 0}]'::jsonb, 'service_role runs ensure_next_month_partition (nothing missing)');
SELECT is(pgrst_test.as_caller('service_role', :'service', 'SELECT count(*) AS n FROM app.archive_partitions()')::jsonb,
  '[{"n": 0}]'::jsonb, 'service_role runs archive_partitions (nothing to archive)');
SELECT lives_ok(pgrst_test.as_caller_sql('service_role', :'service', 'SELECT app.cron_cleanup_qr_history(30)'),
  'service_role runs cron_cleanup_qr_history');
SELECT is(pgrst_test.as_caller('service_role', :'service', 'SELECT months_ready_ahead FROM monitor.partitions_ready')::jsonb,
  '[{"months_ready_ahead": 3}]'::jsonb, 'service_role reads the partition monitor');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'admin', 'SELECT * FROM monitor.partitions'),
  '42501', NULL, 'a signed-in administrator does not read the monitoring views through the API');
SELECT throws_ok(pgrst_test.as_caller_sql(r.role, r.claims, 'SELECT * FROM app.archive_partitions()'),
         '42501', NULL, r.label || ': archive_partitions still denied')
  FROM (VALUES (1, 'anon', '{"role": "service_role"}'::jsonb, 'anon + forged service_role claim'),
               (2, 'authenticated', '{"role": "service_role"}'::jsonb, 'authenticated + forged service_role claim'),
               (3, 'authenticated', jsonb_build_object('sub', :'admin_user', 'role', 'service_role'),
                'an administrator''s sub + forged service_role claim')) AS r(n, role, claims, label)
 ORDER BY r.n;
SELECT is(json_typeof(pgrst_test.as_caller('authenticated', :'admin', 'SELECT app.create_merchant(''SHOP_T'', ''Shop T'') AS id')->0->'id'),
  'string', 'a user listed in app.admin_users acts as platform administrator');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'nobody', 'SELECT app.create_merchant(''SHOP_U'', ''Shop U'')'),
  '42501', 'PERMISSION_DENIED', 'a signed-in user who is no administrator cannot create merchants');

-- Final balances: Alice 100 - 30 - 20 + 5 - 1 + 10 = 64.00; Bob 50 - 10 + 10 = 50.00.
SELECT results_eq(
  format('SELECT id, balance FROM app.member_cards WHERE id IN (%L, %L) ORDER BY balance', :'alice_card', :'bob_card'),
  format('VALUES (%L::uuid, 50.00::numeric(12,2)), (%L::uuid, 64.00)', :'bob_card', :'alice_card'),
  'balances reflect exactly the calls that were allowed');
SELECT is_empty('SELECT * FROM app.verify_ledger()', 'the ledger checker finds nothing');

-- ---------------------------------------------------------------------------------------------
-- row_security = off is how sec.restoring() recognises a dump being replayed (then the member
-- trigger issues no card: the dump brings it). Any role may set it; inside an RPC it is
-- pinned on, so a member who registers with it off still gets the standard card.
-- ---------------------------------------------------------------------------------------------
\set eve_user e0e00000-0000-4000-8000-000000000006
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', jsonb_build_object('sub', :'eve_user', 'role', 'authenticated')::text, true);
SET LOCAL row_security = off;
SELECT app.create_member_profile('Eve', NULL, NULL) AS eve_member \gset
SET LOCAL row_security = on;
SELECT set_config('request.jwt.claims', '', true);
RESET ROLE;
SELECT is((SELECT count(*) FROM app.member_cards WHERE owner_member_id = :'eve_member' AND card_type = 'standard'),
          1::bigint, 'a member registering with row_security = off still gets the standard card');

SELECT * FROM finish();
ROLLBACK;
