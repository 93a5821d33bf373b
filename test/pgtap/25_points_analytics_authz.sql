-- Points transactions and analytics (README "Points transactions and analytics"; src/rpc/points.cpp,
-- src/rpc/analytics.cpp): who may call each RPC. Staff earn and redeem only on the loyalty cards
-- their merchant serves, a member never earns for itself, expiry is the platform's; a member
-- transfers only between its own cards; an organisation's administrators read only their
-- organisation's analytics, a merchant's owners and managers only their merchant's. Calls are made
-- as a client makes them (pgrst_test.rpc: POST /rpc/<fn> with a JSON body, READ ONLY for the
-- STABLE analytics; see lib/postgrest.sql). Organisations, memberships, partnerships and loyalty
-- cards are INSERTed by the superuser (their RPCs are being written on another branch).
\ir lib/setup.sql
\ir lib/postgrest.sql

SELECT plan(39);

\set alice_user a11ce000-0000-4000-8000-000000000024
\set bob_user b0b00000-0000-4000-8000-000000000024
\set cash_user 57aff000-0000-4000-8000-0000000024c1
\set owner_user 57aff000-0000-4000-8000-0000000024c2
\set book_user 57aff000-0000-4000-8000-0000000024b1
\set oa_user 0a000000-0000-4000-8000-0000000024a1
\set ob_user 0a000000-0000-4000-8000-0000000024b1
\set admin_user ad000000-0000-4000-8000-000000000024
\set org_a 0e000000-0000-4000-8000-0000000024a0
\set org_b 0e000000-0000-4000-8000-0000000024b0
\set alice_org c0000000-0000-4000-8000-000000002401
\set alice_cafe c0000000-0000-4000-8000-000000002402
\set bob_cafe c0000000-0000-4000-8000-000000002403

SELECT app.create_merchant('P24_CAFE', 'Points cafe') AS cafe, app.create_merchant('P24_BOOK', 'Points books') AS book \gset
SELECT app.add_merchant_user('P24_CAFE', :'cash_user', 'cashier'), app.add_merchant_user('P24_CAFE', :'owner_user', 'owner'),
       app.add_merchant_user('P24_BOOK', :'book_user', 'manager') \gset seed_
INSERT INTO app.admin_users (user_id, note) VALUES (:'admin_user', 'pgTAP 24');
INSERT INTO app.member_profiles (id, user_id, name) VALUES (:'alice_user', :'alice_user', 'Alice'), (:'bob_user', :'bob_user', 'Bob');
SELECT id AS alice_std FROM app.member_cards WHERE owner_member_id = :'alice_user' AND card_type = 'standard' \gset
INSERT INTO app.organizations (id, name, display_name_zh, display_name_en, slug, region, member_count) VALUES
  (:'org_a', 'P24 A', '甲', 'P24 A', 'p24-a', 'US-NY', 1), (:'org_b', 'P24 B', '乙', 'P24 B', 'p24-b', 'US-CA', 0);
INSERT INTO app.organization_admins (organization_id, user_id) VALUES (:'org_a', :'oa_user'), (:'org_b', :'ob_user');
INSERT INTO app.user_organizations (member_id, organization_id, is_current, verification_status)
VALUES (:'alice_user', :'org_a', true, 'verified');
INSERT INTO app.organization_merchant_partnerships (organization_id, merchant_id) VALUES (:'org_a', :'cafe');
INSERT INTO app.member_cards (id, card_no, card_type, owner_member_id, organization_id, loyalty_merchant_id)
VALUES (:'alice_org', sec.new_card_no('organization'), 'organization', :'alice_user', :'org_a', NULL),
       (:'alice_cafe', sec.new_card_no('merchant'), 'merchant', :'alice_user', :'org_a', :'cafe'),
       (:'bob_cafe', sec.new_card_no('merchant'), 'merchant', :'bob_user', NULL, :'cafe');
SELECT app.update_card_points(:'bob_cafe', 100, 'earn', 'setup', :'cafe') IS NOT NULL AS seed_points \gset

SELECT pgrst_test.claims(:'alice_user') AS alice, pgrst_test.claims(:'bob_user') AS bob,
       pgrst_test.claims(:'cash_user') AS cash, pgrst_test.claims(:'owner_user') AS owner,
       pgrst_test.claims(:'book_user') AS book_man, pgrst_test.claims(:'oa_user') AS oa,
       pgrst_test.claims(:'ob_user') AS ob, pgrst_test.claims(:'admin_user') AS admin,
       '{"role": "anon"}' AS anon, '{"role": "service_role"}' AS service \gset

-- ---------------------------------------------------------------------------------------------
-- update_card_points
-- ---------------------------------------------------------------------------------------------
SELECT lives_ok(pgrst_test.rpc_sql('authenticated', :'cash', 'update_card_points', jsonb_build_object(
  'p_card_id', :'alice_cafe', 'p_points_change', 50, 'p_transaction_type', 'earn', 'p_merchant_id', :'cafe')),
  'the cafe''s cashier earns points on the cafe''s card');
SELECT lives_ok(pgrst_test.rpc_sql('authenticated', :'cash', 'update_card_points', jsonb_build_object(
  'p_card_id', :'alice_org', 'p_points_change', 20, 'p_transaction_type', 'earn', 'p_merchant_id', :'cafe')),
  'the cafe''s cashier earns points on a partner organisation''s card');
SELECT lives_ok(pgrst_test.rpc_sql('authenticated', :'cash', 'update_card_points', jsonb_build_object(
  'p_card_id', :'alice_cafe', 'p_points_change', -10, 'p_transaction_type', 'redeem', 'p_merchant_id', :'cafe')),
  'the cafe''s cashier redeems points on the cafe''s card');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'book_man', 'update_card_points', jsonb_build_object(
  'p_card_id', :'alice_cafe', 'p_points_change', 50, 'p_transaction_type', 'earn', 'p_merchant_id', :'book')),
  '42501', 'PERMISSION_DENIED', 'another merchant''s manager cannot earn points on the cafe''s card');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'book_man', 'update_card_points', jsonb_build_object(
  'p_card_id', :'alice_org', 'p_points_change', 50, 'p_transaction_type', 'earn', 'p_merchant_id', :'book')),
  'P0001', 'PARTNERSHIP_REQUIRED', 'a merchant without a partnership cannot earn points on the organisation''s card');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'book_man', 'update_card_points', jsonb_build_object(
  'p_card_id', :'alice_cafe', 'p_points_change', 50, 'p_transaction_type', 'earn', 'p_merchant_id', :'cafe')),
  '42501', 'PERMISSION_DENIED', 'staff cannot act in the name of a merchant they do not work for');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'alice', 'update_card_points', jsonb_build_object(
  'p_card_id', :'alice_cafe', 'p_points_change', 1000, 'p_transaction_type', 'earn', 'p_merchant_id', :'cafe')),
  '42501', 'PERMISSION_DENIED', 'a member cannot earn points for itself (naming the merchant)');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'alice', 'update_card_points', jsonb_build_object(
  'p_card_id', :'alice_cafe', 'p_points_change', 1000, 'p_transaction_type', 'earn')),
  '42501', 'PERMISSION_DENIED', 'a member cannot earn points for itself');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'cash', 'update_card_points', jsonb_build_object(
  'p_card_id', :'alice_cafe', 'p_points_change', -5, 'p_transaction_type', 'expire', 'p_merchant_id', :'cafe')),
  '42501', 'PERMISSION_DENIED', 'staff cannot expire points');
SELECT throws_ok(pgrst_test.rpc_sql('anon', :'anon', 'update_card_points', jsonb_build_object(
  'p_card_id', :'alice_cafe', 'p_points_change', 5, 'p_transaction_type', 'earn')),
  '42501', NULL, 'anon cannot call update_card_points');
SELECT lives_ok(pgrst_test.rpc_sql('service_role', :'service', 'update_card_points', jsonb_build_object(
  'p_card_id', :'alice_cafe', 'p_points_change', -5, 'p_transaction_type', 'expire')),
  'service_role expires points');
SELECT lives_ok(pgrst_test.rpc_sql('authenticated', :'admin', 'update_card_points', jsonb_build_object(
  'p_card_id', :'alice_std', 'p_points_change', 5, 'p_transaction_type', 'earn', 'p_reference_id', 'admin-bonus')),
  'a platform administrator (app.admin_users) earns points on a standard card');
SELECT is(pgrst_test.rpc('authenticated', :'cash', 'update_card_points', jsonb_build_object(
  'p_card_id', :'alice_cafe', 'p_points_change', 7, 'p_transaction_type', 'earn', 'p_merchant_id', :'cafe',
  'p_reference_id', 'r-24'))::jsonb ->> 'points', '42', 'the answer over PostgREST: the card''s points (50 - 10 - 5 + 7)');

-- ---------------------------------------------------------------------------------------------
-- transfer_points
-- ---------------------------------------------------------------------------------------------
SELECT lives_ok(pgrst_test.rpc_sql('authenticated', :'alice', 'transfer_points', jsonb_build_object(
  'p_from_card_id', :'alice_cafe', 'p_to_card_id', :'alice_org', 'p_points', 2)),
  'a member transfers between two of its cards');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'alice', 'transfer_points', jsonb_build_object(
  'p_from_card_id', :'bob_cafe', 'p_to_card_id', :'alice_org', 'p_points', 2)),
  '42501', 'PERMISSION_DENIED', 'another member''s card cannot be a transfer source');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'alice', 'transfer_points', jsonb_build_object(
  'p_from_card_id', :'alice_cafe', 'p_to_card_id', :'bob_cafe', 'p_points', 2)),
  '42501', 'PERMISSION_DENIED', 'another member''s card cannot be a transfer target');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'cash', 'transfer_points', jsonb_build_object(
  'p_from_card_id', :'alice_cafe', 'p_to_card_id', :'alice_org', 'p_points', 2)),
  '42501', 'PERMISSION_DENIED', 'the merchant''s staff cannot move a member''s points');
SELECT throws_ok(pgrst_test.rpc_sql('anon', :'anon', 'transfer_points', jsonb_build_object(
  'p_from_card_id', :'alice_cafe', 'p_to_card_id', :'alice_org', 'p_points', 2)),
  '42501', NULL, 'anon cannot call transfer_points');
SELECT lives_ok(pgrst_test.rpc_sql('service_role', :'service', 'transfer_points', jsonb_build_object(
  'p_from_card_id', :'alice_org', 'p_to_card_id', :'alice_cafe', 'p_points', 1)),
  'service_role transfers between a member''s two cards');

-- ---------------------------------------------------------------------------------------------
-- get_organization_analytics
-- ---------------------------------------------------------------------------------------------
SELECT is(pgrst_test.rpc('authenticated', :'oa', 'get_organization_analytics', jsonb_build_object(
  'p_organization_id', :'org_a'))::jsonb -> 'members' ->> 'verified', '1',
  'the organisation''s administrator reads its analytics (READ ONLY)');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'ob', 'get_organization_analytics', jsonb_build_object(
  'p_organization_id', :'org_a')), '42501', 'PERMISSION_DENIED', 'another organisation''s administrator never reads them');
SELECT lives_ok(pgrst_test.rpc_sql('authenticated', :'ob', 'get_organization_analytics', jsonb_build_object(
  'p_organization_id', :'org_b')), 'that administrator reads its own organisation''s');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'alice', 'get_organization_analytics', jsonb_build_object(
  'p_organization_id', :'org_a')), '42501', 'PERMISSION_DENIED', 'a verified member does not read them');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'owner', 'get_organization_analytics', jsonb_build_object(
  'p_organization_id', :'org_a')), '42501', 'PERMISSION_DENIED', 'a partner merchant''s owner does not read them');
SELECT throws_ok(pgrst_test.rpc_sql('anon', :'anon', 'get_organization_analytics', jsonb_build_object(
  'p_organization_id', :'org_a')), '42501', NULL, 'anon cannot call get_organization_analytics');
SELECT lives_ok(pgrst_test.rpc_sql('service_role', :'service', 'get_organization_analytics', jsonb_build_object(
  'p_organization_id', :'org_a')), 'service_role reads them');
SELECT lives_ok(pgrst_test.rpc_sql('authenticated', :'admin', 'get_organization_analytics', jsonb_build_object(
  'p_organization_id', :'org_b', 'p_months', 36)), 'a platform administrator reads them');

-- ---------------------------------------------------------------------------------------------
-- get_merchant_analytics
-- ---------------------------------------------------------------------------------------------
SELECT is(pgrst_test.rpc('authenticated', :'owner', 'get_merchant_analytics', jsonb_build_object(
  'p_merchant_id', :'cafe'))::jsonb -> 'cards' ->> 'issued', '2', 'the merchant''s owner reads its analytics (READ ONLY)');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'cash', 'get_merchant_analytics', jsonb_build_object(
  'p_merchant_id', :'cafe')), '42501', 'PERMISSION_DENIED', 'its cashier does not');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'book_man', 'get_merchant_analytics', jsonb_build_object(
  'p_merchant_id', :'cafe')), '42501', 'PERMISSION_DENIED', 'another merchant''s manager never reads them');
SELECT lives_ok(pgrst_test.rpc_sql('authenticated', :'book_man', 'get_merchant_analytics', jsonb_build_object(
  'p_merchant_id', :'book')), 'that manager reads its own merchant''s');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'alice', 'get_merchant_analytics', jsonb_build_object(
  'p_merchant_id', :'cafe')), '42501', 'PERMISSION_DENIED', 'a card holder does not read them');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'oa', 'get_merchant_analytics', jsonb_build_object(
  'p_merchant_id', :'cafe')), '42501', 'PERMISSION_DENIED', 'a partner organisation''s administrator does not read them');
SELECT throws_ok(pgrst_test.rpc_sql('anon', :'anon', 'get_merchant_analytics', jsonb_build_object(
  'p_merchant_id', :'cafe')), '42501', NULL, 'anon cannot call get_merchant_analytics');
SELECT lives_ok(pgrst_test.rpc_sql('service_role', :'service', 'get_merchant_analytics', jsonb_build_object(
  'p_merchant_id', :'cafe')), 'service_role reads them');
SELECT lives_ok(pgrst_test.rpc_sql('authenticated', :'admin', 'get_merchant_analytics', jsonb_build_object(
  'p_merchant_id', :'book', 'p_months', 1)), 'a platform administrator reads them');

-- The view reads through row security: Alice sees her rows only.
SELECT is((pgrst_test.as_caller('authenticated', :'alice',
  format('SELECT count(*) AS n FROM app.points_transactions WHERE card_id = %L', :'bob_cafe'))::jsonb -> 0 ->> 'n'), '0',
  'a member reads no other member''s points transactions');
SELECT ok((pgrst_test.as_caller('authenticated', :'alice',
  format('SELECT count(*) AS n FROM app.points_transactions WHERE card_id = %L', :'alice_cafe'))::jsonb -> 0 ->> 'n')::int > 0,
  'a member reads its own points transactions');
SELECT is((SELECT count(*) FROM app.verify_ledger()), 0::bigint, 'the ledger checker finds nothing');

SELECT * FROM finish();
ROLLBACK;
