-- Organisations (seed 003; src/rpc/organizations.cpp, partnerships.cpp, loyalty.cpp): who reads
-- and changes what. Nobody reads another organisation's member list or verification data (not
-- through the tables, not through the RPCs), a member sees only its own memberships, a
-- non-member's verify_merchant_qr grants nothing and create_merchant_card gives it nothing,
-- only an organisation's administrators (or platform administrators) review its members, only
-- the merchant's owner/manager sets its partnerships, identity never comes from p_user_id, and
-- a forged "role" claim gains nothing. Calls are made as PostgREST makes them (lib/postgrest.sql).
\ir lib/setup.sql
\ir lib/postgrest.sql

SELECT plan(45);

\set alice_user a11ce000-0000-4000-8000-000000000001
\set bob_user b0b00000-0000-4000-8000-000000000002
\set carol_user ca201000-0000-4000-8000-000000000003
\set oa_a_user 0aa00000-0000-4000-8000-00000000000a
\set oa_b_user 0ab00000-0000-4000-8000-00000000000b
\set owner_user 0e000000-0000-4000-8000-000000000001
\set cashier_user 0c000000-0000-4000-8000-000000000002
\set nobody_user 0b0d0000-0000-4000-8000-000000000005
\set qr 'vitaglobal://merchant/SHOP_P/location/1'

-- Seed (superuser = platform administrator): organisations A and B with an administrator each;
-- Alice a verified member of A (with verification data), Bob of B, Carol of none; SHOP_P in
-- partnership with A (10 % off), its owner and a cashier.
SELECT app.create_organization('Org A', 'A', 'Org A', 'org-a', 'US-NY') AS org_a,
       app.create_organization('Org B', 'B', 'Org B', 'org-b', 'US-CA') AS org_b \gset
SELECT app.set_organization_admin(:'org_a', :'oa_a_user'), app.set_organization_admin(:'org_b', :'oa_b_user') \gset seed_
INSERT INTO app.member_profiles (user_id, name) VALUES (:'alice_user', 'Alice'), (:'bob_user', 'Bob'), (:'carol_user', 'Carol');
SELECT max(id::text) FILTER (WHERE user_id = :'alice_user') AS alice_member,
       max(id::text) FILTER (WHERE user_id = :'bob_user') AS bob_member
  FROM app.member_profiles \gset
SELECT app.join_organization(:'org_a', '{"student_id": "A-secret-001"}', :'alice_user') IS NOT NULL AS j1,
       app.join_organization(:'org_b', '{"student_id": "B-secret-002"}', :'bob_user') IS NOT NULL AS j2 \gset seed_
SELECT app.review_organization_member(:'org_a', :'alice_member', 'verified') IS NOT NULL AS r1,
       app.review_organization_member(:'org_b', :'bob_member', 'verified') IS NOT NULL AS r2 \gset seed_
SELECT app.create_merchant('SHOP_P', 'Partner shop') AS shop \gset
SELECT app.add_merchant_user('SHOP_P', :'owner_user', 'owner'), app.add_merchant_user('SHOP_P', :'cashier_user') \gset seed_
SELECT app.set_partnership(:'org_a', :'shop', 'standard', 10) IS NOT NULL AS p1 \gset seed_

SELECT pgrst_test.claims(:'alice_user') AS alice, pgrst_test.claims(:'bob_user') AS bob,
       pgrst_test.claims(:'carol_user') AS carol, pgrst_test.claims(:'oa_a_user') AS oa_a,
       pgrst_test.claims(:'oa_b_user') AS oa_b, pgrst_test.claims(:'owner_user') AS owner,
       pgrst_test.claims(:'cashier_user') AS cashier, pgrst_test.claims(:'nobody_user') AS nobody,
       pgrst_test.claims(:'oa_b_user', 'service_role') AS forged,
       '{"role": "anon"}' AS anon, '{"role": "service_role"}' AS service \gset

-- ---------------------------------------------------------------------------------------------
-- 1. Member lists and verification data, through the tables (RLS)
-- ---------------------------------------------------------------------------------------------
SELECT is(pgrst_test.as_caller('authenticated', :'oa_b',
            format('SELECT count(*) AS n FROM app.user_organizations WHERE organization_id = %L', :'org_a')) #>> '{0,n}',
          '0', 'table: B''s administrator reads none of A''s memberships');
SELECT is(pgrst_test.as_caller('authenticated', :'oa_a',
            'SELECT verification_data ->> ''student_id'' AS s FROM app.user_organizations') #>> '{0,s}',
          'A-secret-001', 'table: A''s administrator reads its member''s verification data');
SELECT is(pgrst_test.as_caller('authenticated', :'bob', 'SELECT count(*) AS n FROM app.user_organizations') #>> '{0,n}',
          '1', 'table: Bob reads his own membership only');
SELECT is(pgrst_test.as_caller('authenticated', :'bob',
            'SELECT count(*) AS n FROM app.user_organizations WHERE verification_data::text LIKE ''%A-secret%''') #>> '{0,n}',
          '0', 'table: Bob reads nothing of Alice''s verification data');
SELECT is(pgrst_test.as_caller('authenticated', :'carol', 'SELECT count(*) AS n FROM app.user_organizations') #>> '{0,n}',
          '0', 'table: Carol (no organisation) reads no membership');
SELECT is(pgrst_test.as_caller('authenticated', :'forged', 'SELECT count(*) AS n FROM app.user_organizations') #>> '{0,n}',
          '1', 'table: a forged service_role claim reads only what its user may (B''s membership)');
SELECT throws_ok(pgrst_test.as_caller_sql('anon', :'anon', 'SELECT * FROM app.user_organizations'),
                 '42501', NULL, 'table: anon may not read memberships');
SELECT is(pgrst_test.as_caller('authenticated', :'oa_b', 'SELECT count(*) AS n FROM app.organization_admins') #>> '{0,n}',
          '1', 'table: B''s administrator sees only B''s administrators (itself)');

-- ---------------------------------------------------------------------------------------------
-- 2. Member lists through get_organization_members
-- ---------------------------------------------------------------------------------------------
SELECT is(json_array_length(pgrst_test.rpc('authenticated', :'oa_a', 'get_organization_members',
            jsonb_build_object('p_organization_id', :'org_a'))), 1, 'rpc: A''s administrator lists A''s member');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'oa_b', 'get_organization_members',
                   jsonb_build_object('p_organization_id', :'org_a')),
                 '42501', 'PERMISSION_DENIED', 'rpc: B''s administrator may not list A''s members');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'alice', 'get_organization_members',
                   jsonb_build_object('p_organization_id', :'org_a')),
                 '42501', 'PERMISSION_DENIED', 'rpc: a member may not list its organisation''s members');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'forged', 'get_organization_members',
                   jsonb_build_object('p_organization_id', :'org_a')),
                 '42501', 'PERMISSION_DENIED', 'rpc: a forged service_role claim gains nothing');
SELECT throws_ok(pgrst_test.rpc_sql('anon', :'anon', 'get_organization_members', jsonb_build_object('p_organization_id', :'org_a')),
                 '42501', NULL, 'rpc: anon may not list members');
SELECT is(json_array_length(pgrst_test.rpc('service_role', :'service', 'get_organization_members',
            jsonb_build_object('p_organization_id', :'org_b'))), 1, 'rpc: service_role lists any organisation''s members');

-- ---------------------------------------------------------------------------------------------
-- 3. Identity never comes from p_user_id
-- ---------------------------------------------------------------------------------------------
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'bob', 'get_user_organizations', jsonb_build_object('p_user_id', :'alice_user')),
                 '42501', 'PERMISSION_DENIED', 'Bob may not list Alice''s organisations');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'bob', 'switch_organization',
                   jsonb_build_object('p_organization_id', :'org_a', 'p_user_id', :'alice_user')),
                 '42501', 'PERMISSION_DENIED', 'Bob may not switch Alice''s organisation');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'bob', 'get_user_membership_cards', jsonb_build_object('p_user_id', :'alice_user')),
                 '42501', 'PERMISSION_DENIED', 'Bob may not list Alice''s loyalty cards');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'nobody', 'get_user_organizations', '{}'),
                 '42501', 'PERMISSION_DENIED', 'a user without a member profile has no organisations to list');
SELECT is(pgrst_test.rpc('authenticated', :'alice', 'get_user_organizations', '{}') #>> '{organizations,0,slug}',
          'org-a', 'Alice lists her own');

-- ---------------------------------------------------------------------------------------------
-- 4. verify_merchant_qr and create_merchant_card grant non-members nothing
-- ---------------------------------------------------------------------------------------------
SELECT is(pgrst_test.rpc('authenticated', :'alice', 'verify_merchant_qr', jsonb_build_object('p_qr_data', :'qr')) ->> 'has_permission',
          'true', 'Alice (verified member of the partner organisation) has permission');
SELECT is(pgrst_test.rpc('authenticated', :'carol', 'verify_merchant_qr', jsonb_build_object('p_qr_data', :'qr'))::jsonb
            - 'merchant' - 'location',
          jsonb_build_object('valid', true, 'organization_id', NULL, 'has_permission', false, 'partnership_info', NULL,
                             'available_organizations', '[]'::jsonb, 'message', 'NO_CURRENT_ORGANIZATION'),
          'Carol (no organisation): no permission, no partnership, nothing to switch to');
SELECT is(pgrst_test.rpc('authenticated', :'carol', 'verify_merchant_qr',
            jsonb_build_object('p_qr_data', :'qr', 'p_organization_id', :'org_a')) ->> 'has_permission',
          'false', 'Carol naming A (not hers): no permission');
SELECT is(pgrst_test.rpc('authenticated', :'bob', 'verify_merchant_qr',
            jsonb_build_object('p_qr_data', :'qr', 'p_organization_id', :'org_a'))::jsonb -> 'partnership_info',
          'null'::jsonb, 'Bob naming A: no partnership information');
SELECT is(pgrst_test.rpc('authenticated', :'bob', 'verify_merchant_qr', jsonb_build_object('p_qr_data', :'qr'))::jsonb
            -> 'available_organizations', '[]'::jsonb, 'Bob is offered no organisation he does not belong to');
SELECT throws_ok(pgrst_test.rpc_sql('anon', :'anon', 'verify_merchant_qr', jsonb_build_object('p_qr_data', :'qr')),
                 '42501', NULL, 'anon may not check merchant codes');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'carol', 'create_merchant_card', jsonb_build_object('p_qr_data', :'qr')),
                 'P0001', 'NOT_ORGANIZATION_MEMBER', 'Carol gets no merchant card');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'bob', 'create_merchant_card',
                   jsonb_build_object('p_qr_data', :'qr', 'p_organization_id', :'org_a')),
                 'P0001', 'NOT_ORGANIZATION_MEMBER', 'Bob gets no merchant card through A');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'bob', 'create_merchant_card', jsonb_build_object('p_qr_data', :'qr')),
                 'P0001', 'PARTNERSHIP_REQUIRED', 'Bob gets no merchant card through B (no partnership)');
SELECT is((SELECT count(*) FROM app.member_cards WHERE card_type::text = 'merchant'), 0::bigint, 'no merchant card was issued');
SELECT is(pgrst_test.rpc('authenticated', :'alice', 'create_merchant_card', jsonb_build_object('p_qr_data', :'qr')) ->> 'created',
          'true', 'Alice takes the merchant''s card');
SELECT is(pgrst_test.as_caller('authenticated', :'alice', 'SELECT string_agg(card_type, '','' ORDER BY card_type) AS t FROM app.membership_cards') #>> '{0,t}',
          'merchant,organization', 'app.membership_cards (seed 003): Alice sees her organisation and merchant cards');
SELECT is(pgrst_test.as_caller('authenticated', :'carol', 'SELECT count(*) AS n FROM app.membership_cards') #>> '{0,n}',
          '0', 'app.membership_cards: Carol sees none of them');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'bob', 'get_organization_merchants', jsonb_build_object('p_organization_id', :'org_a')),
                 '42501', 'PERMISSION_DENIED', 'Bob may not list A''s partner merchants');

-- ---------------------------------------------------------------------------------------------
-- 5. Who changes what
-- ---------------------------------------------------------------------------------------------
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'oa_b', 'review_organization_member',
                   jsonb_build_object('p_organization_id', :'org_a', 'p_member_id', :'alice_member', 'p_verification_status', 'rejected')),
                 '42501', 'PERMISSION_DENIED', 'B''s administrator may not review A''s members');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'alice', 'review_organization_member',
                   jsonb_build_object('p_organization_id', :'org_a', 'p_member_id', :'alice_member', 'p_verification_status', 'verified',
                                      'p_membership_level', 'vip')),
                 '42501', 'PERMISSION_DENIED', 'a member may not review itself');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'oa_b', 'update_organization',
                   jsonb_build_object('p_organization_id', :'org_a', 'p_name', 'Taken')),
                 '42501', 'PERMISSION_DENIED', 'B''s administrator may not change A');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'oa_b', 'set_organization_admin',
                   jsonb_build_object('p_organization_id', :'org_a', 'p_user_id', :'oa_b_user')),
                 '42501', 'PERMISSION_DENIED', 'B''s administrator may not make itself A''s');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'oa_a', 'create_organization',
                   jsonb_build_object('p_name', 'C', 'p_display_name_zh', 'C', 'p_display_name_en', 'C', 'p_slug', 'org-c', 'p_region', 'US')),
                 '42501', 'PERMISSION_DENIED', 'an organisation administrator may not create organisations');
SELECT ok(pgrst_test.rpc('service_role', :'service', 'create_organization',
            jsonb_build_object('p_name', 'C', 'p_display_name_zh', 'C', 'p_display_name_en', 'C', 'p_slug', 'org-c', 'p_region', 'US'))
          IS NOT NULL, 'service_role creates organisations');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'cashier', 'set_partnership',
                   jsonb_build_object('p_organization_id', :'org_b', 'p_merchant_id', :'shop', 'p_discount_rate', 50)),
                 '42501', 'PERMISSION_DENIED', 'a cashier may not set partnerships');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'oa_b', 'set_partnership',
                   jsonb_build_object('p_organization_id', :'org_b', 'p_merchant_id', :'shop', 'p_discount_rate', 50)),
                 '42501', 'PERMISSION_DENIED', 'an organisation may not grant itself a merchant''s discount');
SELECT is(pgrst_test.rpc('authenticated', :'owner', 'set_partnership',
            jsonb_build_object('p_organization_id', :'org_b', 'p_merchant_id', :'shop', 'p_discount_rate', 5)) ->> 'discount_rate',
          '5.00', 'the merchant''s owner sets its partnership with B');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'cashier', 'update_merchant_profile',
                   jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_category', 'dining')),
                 '42501', 'PERMISSION_DENIED', 'a cashier may not change the merchant''s profile');
SELECT is(pgrst_test.as_caller('authenticated', :'cashier', 'SELECT count(*) AS n FROM app.organization_merchant_partnerships') #>> '{0,n}',
          '2', 'table: the merchant''s staff read its partnerships');
SELECT is(pgrst_test.as_caller('authenticated', :'carol', 'SELECT count(*) AS n FROM app.organization_merchant_partnerships') #>> '{0,n}',
          '0', 'table: Carol reads no partnership');

SELECT * FROM finish();
ROLLBACK;
