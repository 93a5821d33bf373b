-- Card sharing and card administration (README "Security model", RPC table; src/rpc/sharing.cpp,
-- src/rpc/cards.cpp): who may add and remove members of a corporate card, that its last admin
-- stays, that a wrong binding password never binds and is kept, the lockout after five wrong
-- passwords, that no caller reads a binding password hash, who issues corporate, prepaid and
-- voucher cards, that a standard card is not shared, and the PostgREST shape of the boolean
-- answers. Calls are made as a client makes them (pgrst_test.as_caller: role + transaction-local
-- claims, in an emulated per-request transaction; pgrst_test.rpc: POST /rpc/<fn> with a JSON
-- body; see lib/postgrest.sql). Argon2id costs ~100 ms per hash or check: this file makes 5
-- hashes and 18 checks.
\ir lib/setup.sql
\ir lib/postgrest.sql

SELECT plan(104);

-- ---------------------------------------------------------------------------------------------
-- Seed, as the superuser (a platform administrator), through the RPCs.
--   alice: first admin of the corporate cards ACME and GLOBEX; bob, carol: members she adds to
--   ACME; dave: the second ACME admin, left as its last one; erin: the member added to GLOBEX
--   with wrong passwords (registers herself: her member id is her user id); eve: a member bound
--   to nothing; owner_a / manager_a / cashier_a: owner, manager and cashier of SHOP_A; owner_b:
--   owner of SHOP_B; admin_user: a platform administrator listed in app.admin_users.
-- ---------------------------------------------------------------------------------------------
\set alice_user a11ce000-0000-4000-8000-000000000001
\set bob_user b0b00000-0000-4000-8000-000000000002
\set carol_user ca201000-0000-4000-8000-000000000003
\set admin_user ad000000-0000-4000-8000-000000000004
\set dave_user da7e0000-0000-4000-8000-000000000006
\set erin_user e4100000-0000-4000-8000-000000000007
\set eve_user e0e00000-0000-4000-8000-000000000008
\set owner_a_user 0a000000-0000-4000-8000-00000000000a
\set owner_b_user 0b000000-0000-4000-8000-00000000000b
\set cashier_a_user ca000000-0000-4000-8000-00000000000c
\set manager_a_user 3a000000-0000-4000-8000-00000000000d
\set acme_pw 'acme-secret-1'
\set globex_pw 'globex-secret-2'
\set family_pw 'family-secret-3'

INSERT INTO app.admin_users (user_id, note) VALUES (:'admin_user', 'pgTAP 22_cards_sharing_authz');
SELECT app.create_merchant('SHOP_A', 'Shop A') AS shop_a, app.create_merchant('SHOP_B', 'Shop B') AS shop_b \gset
SELECT app.add_merchant_user('SHOP_A', :'owner_a_user', 'owner'), app.add_merchant_user('SHOP_A', :'cashier_a_user'),
       app.add_merchant_user('SHOP_A', :'manager_a_user', 'manager'),
       app.add_merchant_user('SHOP_B', :'owner_b_user', 'owner') \gset seed_
INSERT INTO app.member_profiles (user_id, name)
VALUES (:'alice_user', 'Alice'), (:'bob_user', 'Bob'), (:'carol_user', 'Carol'), (:'dave_user', 'Dave'),
       (:'eve_user', 'Eve');

SELECT pgrst_test.claims(:'alice_user') AS alice, pgrst_test.claims(:'bob_user') AS bob,
       pgrst_test.claims(:'carol_user') AS carol, pgrst_test.claims(:'dave_user') AS dave,
       pgrst_test.claims(:'erin_user') AS erin, pgrst_test.claims(:'eve_user') AS eve,
       pgrst_test.claims(:'owner_a_user') AS owner_a, pgrst_test.claims(:'owner_b_user') AS owner_b,
       pgrst_test.claims(:'cashier_a_user') AS cashier_a,
       pgrst_test.claims(:'manager_a_user') AS manager_a, pgrst_test.claims(:'admin_user') AS admin,
       '{"role": "service_role"}' AS service \gset

-- Erin registers herself from the app.
SELECT pgrst_test.as_caller('authenticated', :'erin', 'SELECT app.create_member_profile(''Erin'') AS id') #>> '{0,id}' AS erin_member \gset

SELECT max(id::text) FILTER (WHERE user_id = :'alice_user') AS alice_member,
       max(member_no) FILTER (WHERE user_id = :'alice_user') AS alice_no,
       max(id::text) FILTER (WHERE user_id = :'bob_user') AS bob_member,
       max(member_no) FILTER (WHERE user_id = :'bob_user') AS bob_no,
       max(id::text) FILTER (WHERE user_id = :'carol_user') AS carol_member,
       max(member_no) FILTER (WHERE user_id = :'carol_user') AS carol_no,
       max(id::text) FILTER (WHERE user_id = :'dave_user') AS dave_member,
       max(member_no) FILTER (WHERE user_id = :'dave_user') AS dave_no,
       max(member_no) FILTER (WHERE user_id = :'erin_user') AS erin_no,
       max(id::text) FILTER (WHERE user_id = :'eve_user') AS eve_member,
       max(member_no) FILTER (WHERE user_id = :'eve_user') AS eve_no
  FROM app.member_profiles \gset
SELECT c.id AS alice_std FROM app.member_cards c WHERE c.owner_member_id = :'alice_member' AND c.card_type = 'standard' \gset

SELECT card_id AS acme_id, card_no AS acme_no FROM app.create_corporate_card('Acme Ltd', 0.900, :'acme_pw') \gset
SELECT card_id AS globex_id, card_no AS globex_no FROM app.create_corporate_card('Globex', 0.850, :'globex_pw') \gset
SELECT app.enterprise_set_initial_admin(:'acme_no', :'alice_no') AS acme_admin,
       app.enterprise_set_initial_admin(:'globex_no', :'alice_no') AS globex_admin \gset seed_

SELECT is(:'erin_member'::uuid, :'erin_user'::uuid, 'a signed-in user registering itself gets its user id as member id');

-- ---------------------------------------------------------------------------------------------
-- 1. Only an admin of a corporate card adds members and rotates its QR code.
-- ---------------------------------------------------------------------------------------------
SELECT is(pgrst_test.as_caller('authenticated', :'alice',
            format('SELECT app.enterprise_add_member(%L, %L, %L) AS ok', :'acme_no', :'bob_no', :'acme_pw'))::jsonb,
  '[{"ok": true}]'::jsonb, 'the corporate card''s admin adds a member with the right password');
SELECT is((SELECT role::text || ' ' || status::text FROM app.card_bindings WHERE card_id = :'acme_id' AND member_id = :'bob_member'),
  'member active', 'the added member is bound as member');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob',
    format('SELECT app.enterprise_add_member(%L, %L, %L)', :'acme_no', :'carol_no', :'acme_pw')),
  '42501', 'PERMISSION_DENIED', 'a non-admin member of the corporate card cannot add members, even with the right password');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob',
    format('SELECT app.bind_member_to_card(%L, %L, %L, %L)', :'acme_id', :'carol_member', 'member', :'acme_pw')),
  '42501', 'PERMISSION_DENIED', 'a non-admin member cannot add members through bind_member_to_card either');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob',
    format('SELECT app.bind_member_to_card(%L, %L, %L, %L)', :'acme_id', :'bob_member', 'admin', :'acme_pw')),
  '42501', 'PERMISSION_DENIED', 'a non-admin member cannot make itself admin of the corporate card');
SELECT is((SELECT count(*) FROM app.card_bindings WHERE card_id = :'acme_id' AND member_id = :'carol_member'),
  0::bigint, 'the refused calls bound nobody');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob', format('SELECT * FROM app.rotate_card_qr(%L)', :'acme_id')),
  '42501', 'PERMISSION_DENIED', 'a non-admin member cannot rotate the corporate card''s QR');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob', format('SELECT app.revoke_card_qr(%L)', :'acme_id')),
  '42501', 'PERMISSION_DENIED', 'a non-admin member cannot revoke the corporate card''s QR');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob',
    format('SELECT app.set_card_binding_password(%L, %L, %L)', :'acme_id', 'bobs-own-secret', :'acme_pw')),
  '42501', 'PERMISSION_DENIED', 'a non-admin member cannot change the corporate card''s binding password');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'admin', format('SELECT * FROM app.rotate_card_qr(%L)', :'acme_id'))),
  1, 'a platform administrator rotates the corporate card''s QR');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'alice', format('SELECT * FROM app.rotate_card_qr(%L)', :'acme_id'))),
  1, 'the corporate card''s admin rotates its QR');
SELECT is((SELECT issued_by FROM app.card_qr_state WHERE card_id = :'acme_id'), :'alice_user'::uuid,
  'the live QR of the corporate card was minted by its admin');
SELECT is(pgrst_test.as_caller('authenticated', :'alice',
            format('SELECT app.enterprise_add_member(%L, %L, %L) AS ok', :'acme_no', :'carol_no', :'acme_pw'))::jsonb,
  '[{"ok": true}]'::jsonb, 'the admin adds a second member');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'eve',
    format('SELECT app.enterprise_add_member(%L, %L, %L)', :'acme_no', :'eve_no', :'acme_pw')),
  '42501', 'PERMISSION_DENIED', 'a member not bound to the corporate card cannot add anyone (itself included)');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'eve',
    format('SELECT app.enterprise_add_member(%L, %L, %L)', 'COR000000000000', :'eve_no', :'acme_pw')),
  '42501', 'PERMISSION_DENIED', 'an unknown corporate card number gets the same refusal (no enumeration)');

-- ---------------------------------------------------------------------------------------------
-- 2. A member removes only itself; admins remove anyone.
-- ---------------------------------------------------------------------------------------------
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob',
    format('SELECT app.enterprise_remove_member(%L, %L)', :'acme_no', :'carol_no')),
  '42501', 'PERMISSION_DENIED', 'a plain member cannot remove another member');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob',
    format('SELECT app.enterprise_remove_member(%L, %L)', :'acme_no', :'alice_no')),
  '42501', 'PERMISSION_DENIED', 'a plain member cannot remove the admin');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob',
    format('SELECT app.unbind_member_from_card(%L, %L)', :'acme_id', :'carol_member')),
  '42501', 'PERMISSION_DENIED', 'a plain member cannot unbind another member (unbind_member_from_card)');
SELECT is((SELECT status::text FROM app.card_bindings WHERE card_id = :'acme_id' AND member_id = :'carol_member'),
  'active', 'the refused removals left the other member bound');
SELECT is(pgrst_test.as_caller('authenticated', :'bob',
            format('SELECT app.enterprise_remove_member(%L, %L) AS ok', :'acme_no', :'bob_no'))::jsonb,
  '[{"ok": true}]'::jsonb, 'a plain member removes itself');
SELECT is((SELECT status::text FROM app.card_bindings WHERE card_id = :'acme_id' AND member_id = :'bob_member'),
  'removed', 'its binding is removed');
SELECT is(pgrst_test.as_caller('authenticated', :'alice',
            format('SELECT app.enterprise_remove_member(%L, %L) AS ok', :'acme_no', :'carol_no'))::jsonb,
  '[{"ok": true}]'::jsonb, 'an admin removes another member');
SELECT is((SELECT status::text FROM app.card_bindings WHERE card_id = :'acme_id' AND member_id = :'carol_member'),
  'removed', 'the removed member''s binding is removed');

-- ---------------------------------------------------------------------------------------------
-- 3. The last admin stays.
-- ---------------------------------------------------------------------------------------------
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'alice',
    format('SELECT app.enterprise_remove_member(%L, %L)', :'acme_no', :'alice_no')),
  'P0001', 'LAST_ADMIN_CANNOT_BE_REMOVED', 'the only admin cannot remove itself');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'alice',
    format('SELECT app.unbind_member_from_card(%L, %L)', :'acme_id', :'alice_member')),
  'P0001', 'LAST_ADMIN_CANNOT_BE_REMOVED', 'the only admin cannot unbind itself (unbind_member_from_card)');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'admin',
    format('SELECT app.enterprise_remove_member(%L, %L)', :'acme_no', :'alice_no')),
  'P0001', 'LAST_ADMIN_CANNOT_BE_REMOVED', 'a platform administrator (app.admin_users) cannot remove the last admin either');
SELECT throws_ok(format('SELECT app.enterprise_remove_member(%L, %L)', :'acme_no', :'alice_no'),
  'P0001', 'LAST_ADMIN_CANNOT_BE_REMOVED', 'the superuser cannot remove the last admin either');
SELECT throws_ok(pgrst_test.as_caller_sql('service_role', :'service',
    format('SELECT app.unbind_member_from_card(%L, %L)', :'acme_id', :'alice_member')),
  'P0001', 'LAST_ADMIN_CANNOT_BE_REMOVED', 'service_role cannot unbind the last admin either');
SELECT throws_ok(format('SELECT app.enterprise_set_initial_admin(%L, %L)', :'acme_no', :'eve_no'),
  'PT409', 'CARD_ALREADY_HAS_ADMIN', 'enterprise_set_initial_admin is refused once the card has an admin');
SELECT is(pgrst_test.as_caller('authenticated', :'alice',
            format('SELECT app.bind_member_to_card(%L, %L, %L, %L) AS ok', :'acme_id', :'dave_member', 'admin', :'acme_pw'))::jsonb,
  '[{"ok": true}]'::jsonb, 'the admin makes a second admin (bind_member_to_card, role admin, the card''s password)');
SELECT is(pgrst_test.as_caller('authenticated', :'alice',
            format('SELECT app.enterprise_remove_member(%L, %L) AS ok', :'acme_no', :'alice_no'))::jsonb,
  '[{"ok": true}]'::jsonb, 'with two admins, one can leave');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'dave',
    format('SELECT app.enterprise_remove_member(%L, %L)', :'acme_no', :'dave_no')),
  'P0001', 'LAST_ADMIN_CANNOT_BE_REMOVED', 'the admin left behind is the last one and stays');
SELECT is((SELECT string_agg(member_id::text || ':' || role::text, ',') FROM app.card_bindings
            WHERE card_id = :'acme_id' AND status = 'active'),
  :'dave_member' || ':admin', 'ACME ends with exactly one active binding: its last admin');

-- ---------------------------------------------------------------------------------------------
-- 4. A wrong password never binds; the failure is recorded by a call that does not raise.
-- ---------------------------------------------------------------------------------------------
SELECT is(pgrst_test.as_caller('authenticated', :'alice',
            format('SELECT app.enterprise_add_member(%L, %L, %L) AS ok', :'globex_no', :'erin_no', 'wrong-password-1'))::jsonb,
  '[{"ok": false}]'::jsonb,
  'a wrong password: enterprise_add_member returns false instead of raising (the caller''s transaction goes on and commits)');
SELECT is((SELECT count(*) FROM app.card_bindings WHERE card_id = :'globex_id' AND member_id = :'erin_member'),
  0::bigint, 'a wrong password bound nobody');
-- pgrst_test.as_caller ran the call in its own emulated request: had the call raised, the
-- request would have been rolled back (ROLLBACK TO its savepoint) and its rows with it. The
-- rows below outlived the request, exactly as they survive a real call's COMMIT.
SELECT is((SELECT count(*) FROM app.card_password_failures
            WHERE card_id = :'globex_id' AND member_id = :'alice_member' AND actor_user_id = :'alice_user'),
  1::bigint, 'the failure is kept after the request ended: app.card_password_failures has its row (card, member, user)');
SELECT is((SELECT count(*) FROM audit.event_log
            WHERE action = 'card.password_failed' AND object_type = 'card' AND object_id = :'globex_id'
              AND actor_user_id = :'alice_user' AND context @> '{"recent_failures": 1, "locked": false}'),
  1::bigint, 'the failure is kept after the request ended: audit.event_log has its card.password_failed row');
-- The same call as a plain statement of the caller's own transaction (SET LOCAL ROLE and
-- transaction-local claims, as PostgREST runs it): it answers false, and the statements after
-- it run in the same transaction, which an error would have aborted (ON_ERROR_STOP would end
-- this file short of its plan).
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', :'alice', true) \gset seed_
SELECT app.enterprise_add_member(:'globex_no', :'erin_no', 'wrong-password-2') AS wrong_2 \gset
SELECT count(*) AS wrong_2_next FROM app.card_bindings WHERE card_id = :'globex_id' \gset
SELECT set_config('request.jwt.claims', '', true) \gset seed_
RESET ROLE;
SELECT is(:'wrong_2' || ' ' || :'wrong_2_next', 'f 1',
  'a wrong password as a statement of the caller''s transaction: false, and the transaction goes on (the next statement ran)');
SELECT is((SELECT count(*) FROM app.card_password_failures WHERE card_id = :'globex_id'),
  2::bigint, 'the second failure is kept in the caller''s transaction');
-- For contrast: a refusal that raises leaves nothing behind.
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob',
    format('SELECT app.enterprise_add_member(%L, %L, %L)', :'globex_no', :'bob_no', 'wrong-password-x')),
  '42501', 'PERMISSION_DENIED', 'a caller not bound to the card is refused before any password check');
SELECT is((SELECT count(*) FROM app.card_password_failures WHERE card_id = :'globex_id'),
  2::bigint, 'the refused call counted no failure');

-- ---------------------------------------------------------------------------------------------
-- 5. Five wrong passwords within 15 minutes lock every password, the right one too.
-- ---------------------------------------------------------------------------------------------
SELECT is(pgrst_test.as_caller('authenticated', :'alice',
            format('SELECT app.enterprise_add_member(%L, %L, %L) AS ok', :'globex_no', :'erin_no', 'wrong-password-' || n))::jsonb,
  '[{"ok": false}]'::jsonb, format('wrong password %s of 5: false', n))
  FROM generate_series(3, 5) AS n ORDER BY n;
SELECT is((SELECT count(*) FROM app.card_password_failures WHERE card_id = :'globex_id'), 5::bigint,
  'five failures recorded');
SELECT ok((SELECT password_locked_until > clock_timestamp() + interval '14 minutes'
             AND password_locked_until <= clock_timestamp() + interval '15 minutes'
             FROM app.member_cards WHERE id = :'globex_id'),
  'the fifth wrong password locks the card''s password for 15 minutes');
SELECT is((SELECT count(*) FROM audit.event_log
            WHERE action = 'card.password_failed' AND object_id = :'globex_id' AND context @> '{"recent_failures": 5, "locked": true}'),
  1::bigint, 'the fifth failure''s audit row says the card is locked');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'alice',
    format('SELECT app.enterprise_add_member(%L, %L, %L)', :'globex_no', :'erin_no', :'globex_pw')),
  'P0001', 'CARD_PASSWORD_LOCKED', 'the sixth call, with the RIGHT password, is refused: CARD_PASSWORD_LOCKED');
SELECT ok(pgrst_test.error_of(pgrst_test.as_caller_sql('authenticated', :'alice',
            format('SELECT app.enterprise_add_member(%L, %L, %L)', :'globex_no', :'erin_no', :'globex_pw')))
          LIKE '%' || (SELECT to_char(password_locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                         FROM app.member_cards WHERE id = :'globex_id') || '%',
  'CARD_PASSWORD_LOCKED names the time the lockout ends');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'alice',
    format('SELECT app.set_card_binding_password(%L, %L, %L)', :'globex_id', 'globex-secret-new', :'globex_pw')),
  'P0001', 'CARD_PASSWORD_LOCKED', 'while locked, changing the password with the right current one is refused too');
SELECT is((SELECT count(*) FROM app.card_bindings WHERE card_id = :'globex_id' AND member_id = :'erin_member'),
  0::bigint, 'still nobody bound while locked');
-- The window passes (simulated as the superuser): the lock ended a minute ago, the failures are
-- 20 minutes old.
UPDATE app.member_cards SET password_locked_until = clock_timestamp() - interval '1 minute' WHERE id = :'globex_id';
UPDATE app.card_password_failures SET failed_at = clock_timestamp() - interval '20 minutes' WHERE card_id = :'globex_id';
SELECT is(pgrst_test.as_caller('authenticated', :'alice',
            format('SELECT app.enterprise_add_member(%L, %L, %L) AS ok', :'globex_no', :'erin_no', :'globex_pw'))::jsonb,
  '[{"ok": true}]'::jsonb, 'once the lockout has ended, the right password binds');
SELECT is((SELECT role::text || ' ' || status::text FROM app.card_bindings WHERE card_id = :'globex_id' AND member_id = :'erin_member'),
  'member active', 'erin is bound to GLOBEX as member');

-- A platform administrator ends a lockout by setting a new password (the lock's HINT: "ask a
-- platform administrator"). The failures that caused the lockout were made before it ended, so
-- they no longer count (src/rpc/sharing.cpp: "failures before the last lockout ended do not
-- count"): one wrong password afterwards is one failure, not a sixth.
SELECT is(array_agg(pgrst_test.as_caller('authenticated', :'dave',
            format('SELECT app.enterprise_add_member(%L, %L, %L) AS ok', :'acme_no', :'carol_no', 'wrong-acme-' || n))::jsonb ORDER BY n),
  array_fill('[{"ok": false}]'::jsonb, ARRAY[5]), 'ACME: five wrong passwords by its admin, each false')
  FROM generate_series(1, 5) AS n;
SELECT ok((SELECT password_locked_until > clock_timestamp() FROM app.member_cards WHERE id = :'acme_id'), 'ACME is locked');
SELECT is(pgrst_test.as_caller('authenticated', :'admin',
            format('SELECT app.set_card_binding_password(%L, %L) AS ok', :'acme_id', 'acme-secret-new'))::jsonb,
  '[{"ok": true}]'::jsonb, 'a platform administrator sets a new password during the lockout (no current password needed)');
SELECT ok((SELECT password_locked_until <= clock_timestamp() FROM app.member_cards WHERE id = :'acme_id'),
  'the new password ends the lockout (the lock time is now, which also marks the failures before it as not counting)');
SELECT is(pgrst_test.as_caller('authenticated', :'dave',
            format('SELECT app.enterprise_add_member(%L, %L, %L) AS ok', :'acme_no', :'carol_no', 'wrong-acme-6'))::jsonb,
  '[{"ok": false}]'::jsonb, 'after the reset a wrong password is false');
SELECT is((SELECT context FROM audit.event_log WHERE action = 'card.password_failed' AND object_id = :'acme_id' ORDER BY id DESC LIMIT 1)
          || jsonb_build_object('locked_now', (SELECT password_locked_until > clock_timestamp() FROM app.member_cards WHERE id = :'acme_id')),
  '{"recent_failures": 1, "locked": false, "locked_now": false}'::jsonb,
  'after the administrator''s reset, one wrong password is failure 1 and does not lock the card again (the failures before the reset no longer count)');

-- ---------------------------------------------------------------------------------------------
-- 6. Nobody reads a binding password hash; the seed views show a member its own rows only.
-- ---------------------------------------------------------------------------------------------
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'erin', 'SELECT binding_password_hash FROM app.member_cards'),
  '42501', 'permission denied for table member_cards', 'a member cannot select binding_password_hash (column privilege)');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'alice',
    format('SELECT binding_password_hash FROM app.member_cards WHERE id = %L', :'globex_id')),
  '42501', 'permission denied for table member_cards', 'not even the admin of the card, for its own bound card');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'erin', 'SELECT * FROM app.member_cards'),
  '42501', 'permission denied for table member_cards', 'SELECT * on app.member_cards is refused to a member');
SELECT throws_ok(pgrst_test.as_caller_sql('service_role', :'service', 'SELECT binding_password_hash FROM app.member_cards'),
  '42501', 'permission denied for table member_cards', 'service_role cannot select binding_password_hash either');
SELECT is(pgrst_test.as_caller('authenticated', :'erin', 'SELECT id, card_no, company_name FROM app.enterprise_cards')::jsonb,
  jsonb_build_array(jsonb_build_object('id', :'globex_id', 'card_no', :'globex_no', 'company_name', 'Globex')),
  'app.enterprise_cards: a member bound to a corporate card sees exactly that card');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'erin', 'SELECT * FROM app.enterprise_cards')), 1,
  'app.enterprise_cards: SELECT * works for a member (no secret column in the view)');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'eve', 'SELECT * FROM app.enterprise_cards')), 0,
  'app.enterprise_cards: a member bound to no corporate card sees 0 rows');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'bob', 'SELECT * FROM app.enterprise_cards')), 0,
  'app.enterprise_cards: a member who left the card sees it no more');
SELECT is(pgrst_test.as_caller('authenticated', :'erin',
            'SELECT enterprise_card_id, member_id, role FROM app.enterprise_card_bindings ORDER BY role')::jsonb,
  jsonb_build_array(jsonb_build_object('enterprise_card_id', :'globex_id', 'member_id', :'alice_member', 'role', 'admin'),
                    jsonb_build_object('enterprise_card_id', :'globex_id', 'member_id', :'erin_member', 'role', 'member')),
  'app.enterprise_card_bindings: a member sees the bindings of its own corporate card only');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'eve', 'SELECT * FROM app.enterprise_card_bindings')), 0,
  'app.enterprise_card_bindings: a member bound to no corporate card sees 0 rows');
SELECT is(pgrst_test.as_caller('authenticated', :'eve', 'SELECT member_id FROM app.personal_cards')::jsonb,
  jsonb_build_array(jsonb_build_object('member_id', :'eve_member')),
  'app.personal_cards: a member sees its own standard card only');
SELECT is(pgrst_test.as_caller('authenticated', :'erin', 'SELECT member_id FROM app.personal_cards')::jsonb,
  jsonb_build_array(jsonb_build_object('member_id', :'erin_member')),
  'app.personal_cards: another member sees its own standard card only');
SELECT is(pgrst_test.as_caller('authenticated', :'alice', 'SELECT count(*) AS n FROM app.card_password_failures')::jsonb,
  '[{"n": 0}]'::jsonb, 'app.card_password_failures shows no row to a member (not even its own failures)');
SELECT is((SELECT count(*) FROM pg_catalog.pg_attribute
            WHERE attrelid IN ('app.enterprise_cards'::regclass, 'app.personal_cards'::regclass,
                               'app.enterprise_card_bindings'::regclass)
              AND attnum > 0 AND NOT attisdropped AND attname LIKE '%password%'),
  0::bigint, 'the seed views have no password column');

-- ---------------------------------------------------------------------------------------------
-- 7. Who issues cards.
-- ---------------------------------------------------------------------------------------------
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'owner_a',
    format('SELECT * FROM app.create_voucher_card(%L, 20.00, %L, %L)', :'eve_member', now() + interval '30 days', 'SHOP_B')),
  '42501', 'PERMISSION_DENIED', 'the owner of SHOP_A cannot issue vouchers for SHOP_B');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'cashier_a',
    format('SELECT * FROM app.create_voucher_card(%L, 20.00, %L, %L)', :'eve_member', now() + interval '30 days', 'SHOP_A')),
  '42501', 'PERMISSION_DENIED', 'a cashier of SHOP_A (not owner/manager) cannot issue vouchers for SHOP_A');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'owner_a',
    format('SELECT * FROM app.create_voucher_card(%L, 20.00, %L)', :'eve_member', now() + interval '30 days')),
  '42501', 'PERMISSION_DENIED', 'a merchant owner cannot issue a voucher redeemable everywhere (no p_merchant_code)');
SELECT pgrst_test.as_caller('authenticated', :'owner_a',
         format('SELECT card_id, card_no FROM app.create_voucher_card(%L, 20.00, %L, %L)', :'eve_member', now() + interval '30 days', 'SHOP_A'))
       #>> '{0,card_id}' AS voucher_id \gset
SELECT is((SELECT card_type::text || ' ' || voucher_merchant_id::text || ' ' || owner_member_id::text || ' ' || balance::text
             FROM app.member_cards WHERE id = :'voucher_id'),
  'voucher ' || :'shop_a' || ' ' || :'eve_member' || ' 20.00',
  'the owner of SHOP_A issues a 20.00 voucher redeemable only at SHOP_A');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'manager_a',
            format('SELECT * FROM app.create_voucher_card(%L, 5.00, %L, %L)', :'eve_member', now() + interval '30 days', 'SHOP_A'))),
  1, 'a manager of SHOP_A issues vouchers for SHOP_A too');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'eve',
    format('SELECT * FROM app.create_voucher_card(%L, 20.00, %L)', :'eve_member', now() + interval '30 days')),
  '42501', 'PERMISSION_DENIED', 'a member cannot issue vouchers (to itself, redeemable everywhere)');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'eve',
    format('SELECT * FROM app.create_voucher_card(%L, 20.00, %L, %L)', :'eve_member', now() + interval '30 days', 'SHOP_A')),
  '42501', 'PERMISSION_DENIED', 'a member cannot issue vouchers (for a merchant)');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'alice', 'SELECT * FROM app.create_corporate_card(''Evil Corp'', 0.500, ''evil-secret-1'')'),
  '42501', 'PERMISSION_DENIED', 'a member (even a corporate card admin) cannot issue corporate cards');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'owner_a', 'SELECT * FROM app.create_corporate_card(''Evil Corp'', 0.500, ''evil-secret-1'')'),
  '42501', 'PERMISSION_DENIED', 'a merchant owner cannot issue corporate cards');
SELECT pgrst_test.as_caller('authenticated', :'admin',
         'SELECT card_id, card_no FROM app.create_corporate_card(''Initech'', 0.950, ''initech-secret-1'')') AS r_initech \gset
SELECT :'r_initech'::json #>> '{0,card_id}' AS initech_id, :'r_initech'::json #>> '{0,card_no}' AS initech_no \gset
SELECT is((SELECT card_type::text || ' ' || company_name || ' ' || fixed_discount::text || ' ' || card_no FROM app.member_cards WHERE id = :'initech_id'),
  'corporate Initech 0.950 ' || :'initech_no', 'a platform administrator (app.admin_users) issues a corporate card');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'alice',
    format('SELECT app.enterprise_set_initial_admin(%L, %L)', :'initech_no', :'alice_no')),
  '42501', 'PERMISSION_DENIED', 'a member cannot make itself the first admin of a corporate card');
SELECT pgrst_test.as_caller('authenticated', :'eve', 'SELECT card_id FROM app.create_prepaid_card()') #>> '{0,card_id}' AS eve_prepaid \gset
SELECT is((SELECT card_type::text || ' ' || owner_member_id::text FROM app.member_cards WHERE id = :'eve_prepaid'),
  'prepaid ' || :'eve_member', 'a member creates a prepaid card for itself (no p_member_id)');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'eve', format('SELECT * FROM app.create_prepaid_card(%L)', :'eve_member'))),
  1, 'a member creates a prepaid card naming its own member id');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'eve', format('SELECT * FROM app.create_prepaid_card(%L)', :'bob_member')),
  '42501', 'PERMISSION_DENIED', 'a member cannot create a prepaid card for another member');
SELECT is((SELECT count(*) FROM app.member_cards WHERE owner_member_id = :'bob_member' AND card_type = 'prepaid'),
  0::bigint, 'the refused call issued nothing');
SELECT is(json_array_length(pgrst_test.as_caller('authenticated', :'admin', format('SELECT * FROM app.create_prepaid_card(%L)', :'bob_member'))),
  1, 'a platform administrator creates a prepaid card for any member');

-- ---------------------------------------------------------------------------------------------
-- 8. Standard cards (and vouchers) are not shared.
-- ---------------------------------------------------------------------------------------------
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'alice',
    format('SELECT app.bind_member_to_card(%L, %L)', :'alice_std', :'bob_member')),
  'P0001', 'CARD_NOT_SHAREABLE', 'the owner cannot share its standard card');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'bob',
    format('SELECT app.bind_member_to_card(%L, %L, %L, %L)', :'alice_std', :'bob_member', 'member', 'any-password-1')),
  'P0001', 'CARD_NOT_SHAREABLE', 'a member cannot bind itself to someone''s standard card');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'admin',
    format('SELECT app.bind_member_to_card(%L, %L)', :'alice_std', :'bob_member')),
  'P0001', 'CARD_NOT_SHAREABLE', 'a platform administrator cannot share a standard card either');
SELECT throws_ok(format('SELECT app.bind_member_to_card(%L, %L)', :'voucher_id', :'bob_member'),
  'P0001', 'CARD_NOT_SHAREABLE', 'a voucher is not shareable either');
SELECT throws_ok(pgrst_test.as_caller_sql('authenticated', :'alice',
    format('SELECT app.set_card_binding_password(%L, %L)', :'alice_std', 'new-secret-123')),
  'P0001', 'CARD_NOT_SHAREABLE', 'a standard card has no binding password to set');
SELECT is((SELECT count(*) FROM app.card_bindings WHERE card_id IN (:'alice_std', :'voucher_id')),
  0::bigint, 'no binding on the standard card or the voucher');

-- ---------------------------------------------------------------------------------------------
-- 9. PostgREST-shaped calls answer the seeds' boolean.
-- ---------------------------------------------------------------------------------------------
SELECT pgrst_test.rpc('authenticated', :'alice', 'enterprise_add_member',
         jsonb_build_object('p_card_no', :'globex_no', 'p_member_no', :'carol_no', 'p_card_password', :'globex_pw')) AS r_add \gset
SELECT is(json_typeof(:'r_add'::json), 'boolean', 'enterprise_add_member (PostgREST): a scalar function answers a bare JSON boolean');
SELECT is(:'r_add'::jsonb, 'true'::jsonb, 'enterprise_add_member (PostgREST) with the right password: true');
SELECT is(pgrst_test.rpc('authenticated', :'alice', 'enterprise_add_member',
            jsonb_build_object('p_card_no', :'globex_no', 'p_member_no', :'bob_no', 'p_card_password', 'wrong-password-9'))::jsonb,
  'false'::jsonb, 'enterprise_add_member (PostgREST) with a wrong password: false');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'erin', 'enterprise_add_member',
    jsonb_build_object('p_card_no', :'globex_no', 'p_member_no', :'bob_no', 'p_card_password', :'globex_pw')),
  '42501', 'PERMISSION_DENIED', 'enterprise_add_member (PostgREST) by a plain member: 42501 PERMISSION_DENIED');
SELECT pgrst_test.as_caller('authenticated', :'alice',
         format('SELECT card_id FROM app.create_prepaid_card(NULL, %L)', :'family_pw')) #>> '{0,card_id}' AS family_id \gset
SELECT is(pgrst_test.rpc('authenticated', :'bob', 'bind_member_to_card',
            jsonb_build_object('p_card_id', :'family_id', 'p_member_id', :'bob_member', 'p_binding_password', :'family_pw'))::jsonb,
  'true'::jsonb, 'bind_member_to_card (PostgREST): a member binds itself to a prepaid card with its password: true');
SELECT is((SELECT role::text FROM app.card_bindings WHERE card_id = :'family_id' AND member_id = :'bob_member' AND status = 'active'),
  'member', 'bind_member_to_card (PostgREST): p_role left out takes its DEFAULT (member)');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'alice', 'bind_member_to_card',
    jsonb_build_object('p_card_id', :'alice_std', 'p_member_id', :'bob_member')),
  'P0001', 'CARD_NOT_SHAREABLE', 'bind_member_to_card (PostgREST) on a standard card: P0001 CARD_NOT_SHAREABLE');

SELECT is_empty('SELECT * FROM app.verify_ledger()', 'the ledger checker finds nothing');

SELECT * FROM finish();
ROLLBACK;
