-- Organisations, partner merchants and merchant loyalty cards (seed 003): the seed's sample
-- organisations (Columbia CSSA, NYU GSU) and a partner merchant (Starbucks, QR code
-- vitaglobal://merchant/starbucks-001/location/001). Creating and administering organisations,
-- joining, review, one current organisation, partnerships, verify_merchant_qr,
-- create_merchant_card, the members' lists, and what a partnership takes off a payment (the
-- better of the card's discount and the partnership's, never both), with exact amounts.
\set SHOW_CONTEXT never
\set VERBOSITY default

\set u_lin   'c6000000-0000-4000-8000-000000000001'
\set u_mei   'c6000000-0000-4000-8000-000000000002'
\set u_wu    'c6000000-0000-4000-8000-000000000003'
\set u_oa    'c6000000-0000-4000-8000-000000000004'
\set u_owner 'c6000000-0000-4000-8000-000000000005'
\set u_cash  'c6000000-0000-4000-8000-000000000006'
\set as_lin   'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c6000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_mei   'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c6000000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_wu    'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c6000000-0000-4000-8000-000000000003","role":"authenticated"}'';'
\set as_oa    'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c6000000-0000-4000-8000-000000000004","role":"authenticated"}'';'
\set as_owner 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c6000000-0000-4000-8000-000000000005","role":"authenticated"}'';'
\set as_cash  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c6000000-0000-4000-8000-000000000006","role":"authenticated"}'';'

BEGIN; :as_lin SELECT app.create_member_profile('OR Lin') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_mei SELECT app.create_member_profile('OR Mei') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_wu SELECT app.create_member_profile('OR Wu') IS NOT NULL AS registered; COMMIT;
SELECT id AS lin_std FROM app.member_cards WHERE owner_member_id = :'u_lin' AND card_type = 'standard' \gset

--------------------------------------------------------------------------------------------
-- Organisations: platform administrators create them (seed 003's sample rows)
--------------------------------------------------------------------------------------------
SELECT app.create_organization('Columbia CSSA', '哥伦比亚大学中国学生学者联谊会',
         'Columbia Chinese Students and Scholars Association', 'columbia-cssa', 'US-NY',
         p_brand_colors => '{"primary": "#1E40AF", "secondary": "#DBEAFE"}') AS cssa \gset
SELECT app.create_organization('NYU GSU', '纽约大学中国学生会', 'NYU Graduate Student Union Chinese Chapter',
         'nyu-gsu', 'US-NY', 'https://example.org/nyu.png', '{"primary": "#7C3AED", "secondary": "#EDE9FE"}',
         '{"email": "gsu@example.org"}') AS nyu \gset
SELECT slug, region, brand_colors, member_count, is_active FROM app.organizations ORDER BY slug;
-- Bad input changes nothing; the slug is unique; only platform administrators create.
SELECT app.create_organization('X', 'X', 'X', 'Bad Slug', 'US-NY');
SELECT app.create_organization('X', 'X', 'X', 'x-org', 'usa');
SELECT app.create_organization('X', 'X', 'X', 'x-org', 'US', p_brand_colors => '{"primary": "blue"}');
SELECT app.create_organization('X', 'X', 'X', 'x-org', 'US', p_brand_colors => '["#000000"]');
SELECT app.create_organization('X', 'X', 'X', 'x-org', 'US', 'javascript:alert(1)');
SELECT app.create_organization('X', 'X', 'X', 'x-org', NULL);
SELECT app.create_organization('Columbia again', 'X', 'X', 'columbia-cssa', 'US-NY');
BEGIN; :as_lin
SELECT app.create_organization('Mine', 'X', 'X', 'mine', 'US');
ROLLBACK;
SELECT count(*) AS organizations FROM app.organizations;

-- An administrator of its own for Columbia; it may appoint others, a member may not.
SELECT app.set_organization_admin(:'cssa', :'u_oa') AS appointed;
SELECT app.set_organization_admin(:'cssa', :'u_oa') AS again_unchanged;
BEGIN; :as_lin
SELECT app.set_organization_admin(:'cssa', :'u_lin');
ROLLBACK;
BEGIN; :as_oa
SELECT app.update_organization(:'cssa', p_logo_url => 'https://example.org/cssa.png') ->> 'logo_url' AS logo;
-- Switching an organisation off is the platform's decision; another organisation is not its own.
SELECT app.update_organization(:'cssa', p_is_active => false);
ROLLBACK;
BEGIN; :as_oa
SELECT app.update_organization(:'nyu', p_name => 'Taken over');
ROLLBACK;
SELECT app.update_organization('00000000-0000-4000-8000-00000000dead', p_name => 'Nobody');

--------------------------------------------------------------------------------------------
-- Joining: pending until reviewed; the first membership becomes current
--------------------------------------------------------------------------------------------
BEGIN; :as_lin
SELECT app.join_organization(:'cssa', '{"student_id": "cu-2024-001", "email": "lin@columbia.edu"}') - 'id' - 'join_date' AS joined;
SELECT (app.join_organization(:'nyu') ->> 'is_current') AS nyu_current;
COMMIT;
BEGIN; :as_lin
SELECT app.join_organization(:'cssa');
ROLLBACK;
BEGIN; :as_lin
SELECT app.join_organization('00000000-0000-4000-8000-00000000dead');
ROLLBACK;
BEGIN; :as_lin
SELECT app.join_organization(:'cssa', '["not", "an", "object"]');
ROLLBACK;
-- Identity never comes from an argument: Lin cannot join in Mei's name.
BEGIN; :as_lin
SELECT app.join_organization(:'nyu', p_user_id => :'u_mei');
ROLLBACK;
BEGIN; :as_mei
SELECT app.join_organization(:'cssa', '{"student_id": "cu-2024-777"}') ->> 'verification_status' AS mei_cssa;
SELECT app.join_organization(:'nyu') ->> 'is_current' AS mei_nyu_current;
COMMIT;
BEGIN; :as_lin
SELECT jsonb_path_query_array(app.get_user_organizations(), '$.organizations[*].slug') AS lin_orgs,
       (app.get_user_organizations() #> '{organizations,0}') - 'id' - 'join_date' AS lin_current;
COMMIT;

--------------------------------------------------------------------------------------------
-- Review by the organisation's administrators: verified members get the organisation card
--------------------------------------------------------------------------------------------
BEGIN; :as_oa
SELECT app.review_organization_member(:'cssa', :'u_lin', 'verified', 'premium', 'CSSA2024001')
       - 'id' - 'join_date' AS lin_verified;
SELECT app.review_organization_member(:'cssa', :'u_mei', 'verified', p_member_number => 'CSSA2024001');
ROLLBACK;
BEGIN; :as_oa
SELECT app.review_organization_member(:'cssa', :'u_lin', 'verified', 'premium', 'CSSA2024001') ->> 'member_number' AS number;
SELECT app.review_organization_member(:'cssa', :'u_mei', 'rejected') ->> 'verification_status' AS mei;
COMMIT;
-- Mei's current organisation was Columbia (her first); rejected there, NYU (pending) is current.
SELECT o.slug, u.verification_status, u.is_current FROM app.user_organizations u JOIN app.organizations o ON o.id = u.organization_id
 WHERE u.member_id = :'u_mei' ORDER BY o.slug;
BEGIN; :as_oa
SELECT app.review_organization_member(:'nyu', :'u_lin', 'verified');
ROLLBACK;
BEGIN; :as_oa
SELECT app.review_organization_member(:'cssa', :'u_wu', 'verified');
ROLLBACK;
BEGIN; :as_oa
SELECT app.review_organization_member(:'cssa', :'u_lin', 'approved');
ROLLBACK;
BEGIN; :as_oa
SELECT app.review_organization_member(:'cssa', :'u_lin', 'verified', 'gold');
ROLLBACK;
BEGIN; :as_mei
SELECT app.review_organization_member(:'cssa', :'u_mei', 'verified');
ROLLBACK;
-- A platform administrator verifies Lin at NYU: no number given, so the card's number is hers.
SELECT app.review_organization_member(:'nyu', :'u_lin', 'verified') ->> 'member_number' ~ '^ORG[0-9]{12}$' AS card_number_is_member_number;
SELECT slug, member_count FROM app.organizations ORDER BY slug;
SELECT o.slug, c.card_type, c.membership_level, c.points, c.balance, c.card_no ~ '^ORG[0-9]{12}$' AS number_shape,
       c.qr_code_data = 'vitaglobal://card/' || c.card_no || '/' || right(c.qr_code_data, 22) AS code_shape
  FROM app.member_cards c JOIN app.organizations o ON o.id = c.organization_id
 WHERE c.owner_member_id = :'u_lin' ORDER BY o.slug;
-- Verifying again issues no second card; a level change reaches the card.
SELECT app.review_organization_member(:'cssa', :'u_lin', 'verified', 'vip') ->> 'membership_level' AS level;
SELECT count(*) AS cssa_cards, max(membership_level) AS card_level FROM app.member_cards
 WHERE owner_member_id = :'u_lin' AND organization_id = :'cssa';

-- The member list with verification data: the organisation's administrators only.
BEGIN; :as_oa
SELECT name, membership_level, member_number, is_current, verification_status, verification_data
  FROM app.get_organization_members(:'cssa') ORDER BY name;
SELECT name FROM app.get_organization_members(:'cssa', 'rejected');
COMMIT;
BEGIN; :as_lin
SELECT * FROM app.get_organization_members(:'cssa');
ROLLBACK;
BEGIN; :as_oa
SELECT * FROM app.get_organization_members(:'nyu');
ROLLBACK;

--------------------------------------------------------------------------------------------
-- One current organisation
--------------------------------------------------------------------------------------------
BEGIN; :as_lin
SELECT r ->> 'success' AS success, r ->> 'message' AS message, r #>> '{current_organization,slug}' AS current
  FROM app.switch_organization(:'nyu') r;
COMMIT;
SELECT o.slug, u.is_current FROM app.user_organizations u JOIN app.organizations o ON o.id = u.organization_id
 WHERE u.member_id = :'u_lin' ORDER BY o.slug;
BEGIN; :as_wu
SELECT app.switch_organization(:'cssa');
ROLLBACK;
BEGIN; :as_mei
SELECT app.switch_organization(:'cssa');
ROLLBACK;
BEGIN; :as_lin
SELECT app.switch_organization('00000000-0000-4000-8000-00000000dead');
ROLLBACK;

--------------------------------------------------------------------------------------------
-- The partner merchant: its profile and the partnership (the merchant's own decision)
--------------------------------------------------------------------------------------------
SELECT app.create_merchant('starbucks-001', 'Starbucks Coffee') AS starbucks \gset
SELECT app.create_merchant('lotus-tea', 'Lotus Tea House') AS lotus \gset
SELECT app.create_merchant('plain-shop', 'Plain Shop') AS plain \gset
SELECT app.add_merchant_user('starbucks-001', :'u_owner', 'owner');
SELECT app.add_merchant_user('starbucks-001', :'u_cash');
SELECT app.add_merchant_user('lotus-tea', :'u_cash');
SELECT app.add_merchant_user('plain-shop', :'u_cash');
BEGIN; :as_owner
SELECT app.update_merchant_profile('starbucks-001', 'dining', 'Coffee', 'https://example.org/sb.png',
         '{"primary": "#00704A", "secondary": "#FFFFFF"}', '116th St & Broadway', '+1 212 000 0000',
         'https://www.starbucks.com', 'vitaglobal://merchant/starbucks-001/', '{"mon": "07:00-21:00"}') - 'id' AS profile;
COMMIT;
BEGIN; :as_cash
SELECT app.update_merchant_profile('starbucks-001', 'retail');
ROLLBACK;
BEGIN; :as_owner
SELECT app.update_merchant_profile('starbucks-001', p_brand_colors => '{"primary": "#00704"}');
ROLLBACK;
BEGIN; :as_owner
SELECT app.update_merchant_profile('starbucks-001', 'Dining');
ROLLBACK;
BEGIN; :as_owner
SELECT app.set_partnership(:'cssa', :'starbucks', 'premium', 10.00, '["免费升杯", "生日特饮"]')
       - 'partnership_id' - 'organization_id' - 'merchant_id' AS partnership;
COMMIT;
BEGIN; :as_cash
SELECT app.set_partnership(:'cssa', :'starbucks', 'premium', 50);
ROLLBACK;
BEGIN; :as_owner
SELECT app.set_partnership(:'cssa', :'starbucks', 'premium', 10.55);
ROLLBACK;
BEGIN; :as_owner
SELECT app.set_partnership(:'cssa', :'starbucks', 'premium', 100);
ROLLBACK;
BEGIN; :as_owner
SELECT app.set_partnership(:'cssa', :'starbucks', 'gold', 10);
ROLLBACK;
BEGIN; :as_owner
SELECT app.set_partnership(:'cssa', :'starbucks', 'premium', 10, '[1, 2]');
ROLLBACK;
BEGIN; :as_owner
SELECT app.set_partnership(:'cssa', :'starbucks', 'premium', 10, p_start_date => '2026-06-01', p_end_date => '2026-05-01');
ROLLBACK;
BEGIN; :as_owner
SELECT app.set_partnership('00000000-0000-4000-8000-00000000dead', :'starbucks', 'premium', 10);
ROLLBACK;
-- Lotus Tea and NYU: 12.5 % off, from the year after next (not yet).
SELECT app.set_partnership(:'nyu', :'lotus', 'standard', 12.5,
         p_start_date => (date_trunc('year', now()) + interval '2 years')::date) ->> 'discount_rate' AS lotus_rate;

-- The partner merchants of an organisation: its verified members see them.
BEGIN; :as_lin
SELECT (m -> 'partnership_info') - 'partnership_id' - 'organization_id' - 'merchant_id' AS info, m ->> 'name' AS name,
       m ->> 'category' AS category
  FROM jsonb_array_elements(app.get_organization_merchants(:'cssa') -> 'merchants') m;
SELECT app.get_organization_merchants(:'cssa', 'retail') AS none_in_retail;
SELECT app.get_organization_merchants(:'nyu') AS lotus_not_yet;
COMMIT;
BEGIN; :as_mei
SELECT app.get_organization_merchants(:'cssa');
ROLLBACK;

--------------------------------------------------------------------------------------------
-- verify_merchant_qr (seed 003 §权限控制逻辑)
--------------------------------------------------------------------------------------------
BEGIN; :as_lin
-- Current is NYU: no partnership with Starbucks, but Columbia (also hers, verified) has one.
SELECT r ->> 'valid' AS valid, r ->> 'has_permission' AS has_permission, r ->> 'message' AS message,
       r ->> 'location' AS location, r #>> '{merchant,name}' AS merchant,
       jsonb_path_query_array(r, '$.available_organizations[*].slug') AS switch_to
  FROM app.verify_merchant_qr('vitaglobal://merchant/starbucks-001/location/001') r;
SELECT r ->> 'has_permission' AS has_permission, r #>> '{partnership_info,discount_rate}' AS rate,
       r #> '{partnership_info,special_benefits}' AS benefits, r -> 'available_organizations' AS others
  FROM app.verify_merchant_qr('vitaglobal://merchant/starbucks-001/location/001', :'cssa') r;
SELECT r ->> 'valid' AS valid, r ->> 'message' AS message, r -> 'merchant' AS merchant
  FROM app.verify_merchant_qr('vitaglobal://merchant/no-such-shop/location/1') r;
COMMIT;
BEGIN; :as_lin
SELECT app.verify_merchant_qr('https://evil.example/merchant/starbucks-001');
ROLLBACK;
BEGIN; :as_lin
SELECT app.verify_merchant_qr(NULL);
ROLLBACK;
-- Members of no partner organisation are granted nothing.
BEGIN; :as_wu
SELECT r ->> 'has_permission' AS has_permission, r ->> 'message' AS message, r -> 'partnership_info' AS info
  FROM app.verify_merchant_qr('vitaglobal://merchant/starbucks-001/location/001') r;
COMMIT;
BEGIN; :as_mei
SELECT r ->> 'has_permission' AS has_permission, r ->> 'message' AS message, r -> 'available_organizations' AS others
  FROM app.verify_merchant_qr('vitaglobal://merchant/starbucks-001/location/001', :'cssa') r;
COMMIT;

--------------------------------------------------------------------------------------------
-- create_merchant_card: scanning the merchant's code through a partner organisation
--------------------------------------------------------------------------------------------
BEGIN; :as_lin
SELECT app.create_merchant_card(p_qr_data => 'vitaglobal://merchant/starbucks-001/location/001');
ROLLBACK;
BEGIN; :as_lin
SELECT r ->> 'success' AS success, r ->> 'created' AS created, r #>> '{card,card_type}' AS card_type,
       r #>> '{card,card_number}' ~ '^MCD[0-9]{12}$' AS number_shape, r #>> '{card,merchant,name}' AS merchant,
       r #>> '{card,organization,slug}' AS organization, r #>> '{card,points}' AS points
  FROM app.create_merchant_card(p_organization_id => :'cssa', p_merchant_id => :'starbucks',
                                p_qr_data => 'vitaglobal://merchant/starbucks-001/location/001') r;
SELECT r ->> 'created' AS created_again
  FROM app.create_merchant_card(p_organization_id => :'cssa', p_qr_data => 'vitaglobal://merchant/starbucks-001/location/002') r;
COMMIT;
BEGIN; :as_lin
SELECT app.create_merchant_card(p_organization_id => :'cssa', p_merchant_id => :'lotus',
                                p_qr_data => 'vitaglobal://merchant/starbucks-001/location/001');
ROLLBACK;
BEGIN; :as_lin
SELECT app.create_merchant_card(p_organization_id => :'cssa', p_qr_data => 'vitaglobal://merchant/starbucks-001');
ROLLBACK;
BEGIN; :as_wu
SELECT app.create_merchant_card(p_qr_data => 'vitaglobal://merchant/starbucks-001/location/001');
ROLLBACK;
BEGIN; :as_mei
SELECT app.create_merchant_card(p_organization_id => :'cssa', p_qr_data => 'vitaglobal://merchant/starbucks-001/location/001');
ROLLBACK;
BEGIN; :as_lin
SELECT app.create_merchant_card(p_user_id => :'u_mei', p_qr_data => 'vitaglobal://merchant/starbucks-001/location/001');
ROLLBACK;
SELECT count(*) AS lin_merchant_cards FROM app.member_cards WHERE owner_member_id = :'u_lin' AND card_type = 'merchant';

-- The member's loyalty cards (seed 003's shape), by organisation and type.
BEGIN; :as_lin
SELECT c ->> 'card_type' AS card_type, c #>> '{organization,slug}' AS organization, c #>> '{merchant,name}' AS merchant,
       c ->> 'membership_level' AS level, c ->> 'points' AS points, c ->> 'status' AS status
  FROM jsonb_array_elements(app.get_user_membership_cards() -> 'cards') c ORDER BY 1, 2;
SELECT jsonb_array_length(app.get_user_membership_cards(p_card_type => 'merchant') -> 'cards') AS merchant_cards,
       jsonb_array_length(app.get_user_membership_cards(p_organization_id => :'nyu') -> 'cards') AS nyu_cards;
SELECT app.get_user_membership_cards(p_card_type => 'standard');
ROLLBACK;
BEGIN; :as_mei
SELECT app.get_user_membership_cards(p_user_id => :'u_lin');
ROLLBACK;
-- Loyalty cards hold points, never money: no recharge, no payment QR code.
SELECT id AS lin_mcard FROM app.member_cards WHERE owner_member_id = :'u_lin' AND card_type = 'merchant' \gset
SELECT app.user_recharge_card(:'lin_mcard', 10.00);
BEGIN; :as_lin
SELECT app.rotate_card_qr(:'lin_mcard');
ROLLBACK;

--------------------------------------------------------------------------------------------
-- The payment effect: the better of the card's discount and the partnership's
--------------------------------------------------------------------------------------------
SELECT amount FROM app.user_recharge_card(:'lin_std', 1000.00);
CREATE TEMP TABLE pays (label text, final_amount numeric, discount numeric, discount_source text, partner text);
GRANT ALL ON pays TO PUBLIC;
CREATE TEMP VIEW org_slug AS SELECT id, slug FROM app.organizations;
GRANT SELECT ON org_slug TO PUBLIC;
SET mps.qr_reuse_within_ttl = on;
BEGIN; :as_lin
SELECT qr_plain AS qr_lin FROM app.rotate_card_qr(:'lin_std', 'standard', 3600) \gset
COMMIT;
-- Current organisation NYU has no partnership with Starbucks: level 0, full price.
BEGIN; :as_cash
INSERT INTO pays SELECT 'nyu current', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('starbucks-001', :'qr_lin', 100.00);
COMMIT;
-- Switched to Columbia: 10 % off. 100.00 -> 90.00; 33.33 x 0.900 = 29.997 -> 30.00.
BEGIN; :as_lin SELECT app.switch_organization(:'cssa') ->> 'success' AS switched; COMMIT;
BEGIN; :as_cash
INSERT INTO pays SELECT 'cssa current', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('starbucks-001', :'qr_lin', 100.00, p_idempotency_key => 'sb-1');
INSERT INTO pays SELECT 'cssa 33.33', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('starbucks-001', :'qr_lin', 33.33);
-- The retry with the same key answers the same, partnership included.
INSERT INTO pays SELECT 'cssa retry', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('starbucks-001', :'qr_lin', 100.00, p_idempotency_key => 'sb-1');
-- Another merchant: no partnership, no discount.
INSERT INTO pays SELECT 'plain shop', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('plain-shop', :'qr_lin', 100.00);
COMMIT;
-- Lin reaches Platinum (0.850): her level is better than 10 % off, so the level applies, alone.
SELECT level, discount FROM app.update_points_and_level(:'lin_std', 10000, 'test: platinum');
BEGIN; :as_cash
INSERT INTO pays SELECT 'platinum', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('starbucks-001', :'qr_lin', 100.00);
COMMIT;
-- A window not yet open gives nothing; open today, 12.5 % off (0.875) at Lotus Tea for NYU
-- members still loses to Platinum (0.850); 20 % off wins: 80.00 x 0.800 = 64.00.
BEGIN; :as_lin SELECT app.switch_organization(:'nyu') ->> 'success' AS switched; COMMIT;
BEGIN; :as_cash
INSERT INTO pays SELECT 'lotus not yet', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('lotus-tea', :'qr_lin', 80.00);
COMMIT;
SELECT app.set_partnership(:'nyu', :'lotus', 'standard', 12.5, p_start_date => (now() AT TIME ZONE 'UTC')::date,
                           p_end_date => (now() AT TIME ZONE 'UTC')::date) ->> 'discount_rate' AS lotus_today;
BEGIN; :as_cash
INSERT INTO pays SELECT 'lotus today', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('lotus-tea', :'qr_lin', 80.00);
COMMIT;
SELECT app.set_partnership(:'nyu', :'lotus', 'standard', 20, p_start_date => (now() AT TIME ZONE 'UTC')::date)
       ->> 'discount_rate' AS lotus_20;
BEGIN; :as_cash
INSERT INTO pays SELECT 'lotus 20 %', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('lotus-tea', :'qr_lin', 80.00);
COMMIT;
-- 99.9 % off never makes a payment of nothing: 1.00 x 0.001 comes to 0.00 and is refused.
SELECT app.set_partnership(:'nyu', :'lotus', 'exclusive', 99.9) ->> 'discount_rate' AS lotus_almost_free;
BEGIN; :as_cash
SELECT * FROM app.merchant_charge_by_qr('lotus-tea', :'qr_lin', 1.00);
ROLLBACK;
BEGIN; :as_cash
INSERT INTO pays SELECT 'lotus 99.9', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('lotus-tea', :'qr_lin', 1000.00);
COMMIT;
-- A membership under review gives nothing: Mei (NYU pending) pays full price at Lotus Tea.
SELECT id AS mei_std FROM app.member_cards WHERE owner_member_id = :'u_mei' AND card_type = 'standard' \gset
SELECT amount FROM app.user_recharge_card(:'mei_std', 100.00);
BEGIN; :as_mei
SELECT qr_plain AS qr_mei FROM app.rotate_card_qr(:'mei_std', 'standard', 3600) \gset
COMMIT;
BEGIN; :as_cash
INSERT INTO pays SELECT 'mei pending', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('lotus-tea', :'qr_mei', 10.00);
COMMIT;
-- A corporate card: its fixed 0.800 beats 10 % off; Lin pays with it at Starbucks.
SELECT card_id AS corp FROM app.create_corporate_card('Acme', 0.800, 'corp-password-1') \gset
SELECT app.enterprise_set_initial_admin(c.card_no, p.member_no)
  FROM app.member_cards c, app.member_profiles p WHERE c.id = :'corp' AND p.id = :'u_lin';
SELECT amount FROM app.user_recharge_card(:'corp', 500.00);
BEGIN; :as_lin SELECT app.switch_organization(:'cssa') ->> 'success' AS switched; COMMIT;
BEGIN; :as_lin
SELECT qr_plain AS qr_corp FROM app.rotate_card_qr(:'corp', 'corporate', 3600) \gset
COMMIT;
BEGIN; :as_cash
INSERT INTO pays SELECT 'corporate', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('starbucks-001', :'qr_corp', 100.00);
COMMIT;
-- A shared card pays with the discount of the member who showed the code: Mei (no verified
-- organisation) shows Lin's family card at Starbucks and pays full price; Lin shows it and
-- gets Columbia's 10 %.
BEGIN; :as_lin
SELECT card_id AS family FROM app.create_prepaid_card() \gset
SELECT app.bind_member_to_card(:'family', :'u_mei') AS mei_bound;
COMMIT;
SELECT amount FROM app.user_recharge_card(:'family', 300.00);
BEGIN; :as_mei
SELECT qr_plain AS qr_family_mei FROM app.rotate_card_qr(:'family', 'prepaid', 3600) \gset
COMMIT;
BEGIN; :as_cash
INSERT INTO pays SELECT 'family by mei', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('starbucks-001', :'qr_family_mei', 50.00);
COMMIT;
BEGIN; :as_lin
SELECT qr_plain AS qr_family_lin FROM app.rotate_card_qr(:'family', 'prepaid', 3600) \gset
COMMIT;
BEGIN; :as_cash
INSERT INTO pays SELECT 'family by lin', final_amount, discount, discount_source, (SELECT slug FROM org_slug WHERE id = partner_organization_id)
  FROM app.merchant_charge_by_qr('starbucks-001', :'qr_family_lin', 50.00);
COMMIT;
RESET mps.qr_reuse_within_ttl;
SELECT * FROM pays;
-- The transaction keeps where its discount came from.
SELECT t.final_amount, t.discount_applied, t.discount_source, o.slug AS partner
  FROM app.transactions t LEFT JOIN app.organizations o ON o.id = t.partner_organization_id
 WHERE t.card_id = :'lin_std' AND t.tx_type = 'payment' ORDER BY t.created_at, t.final_amount;
SELECT balance FROM app.member_cards WHERE id = :'lin_std';

--------------------------------------------------------------------------------------------
-- Leaving, and an organisation switched off
--------------------------------------------------------------------------------------------
BEGIN; :as_lin
SELECT app.leave_organization(:'cssa') AS left_cssa;
COMMIT;
SELECT o.slug, u.is_active, u.is_current FROM app.user_organizations u JOIN app.organizations o ON o.id = u.organization_id
 WHERE u.member_id = :'u_lin' ORDER BY o.slug;
SELECT slug, member_count FROM app.organizations ORDER BY slug;
BEGIN; :as_lin
SELECT app.leave_organization(:'cssa');
ROLLBACK;
-- Lin left: Starbucks is full price again (Platinum applies).
BEGIN; :as_lin
SELECT r ->> 'has_permission' AS has_permission, r ->> 'message' AS message
  FROM app.verify_merchant_qr('vitaglobal://merchant/starbucks-001/location/001', :'cssa') r;
COMMIT;
-- Coming back is a new application, pending again.
BEGIN; :as_lin
SELECT app.join_organization(:'cssa') ->> 'verification_status' AS again;
COMMIT;
SELECT app.update_organization(:'nyu', p_is_active => false) ->> 'is_active' AS nyu_active;
BEGIN; :as_mei
SELECT app.switch_organization(:'nyu');
ROLLBACK;
BEGIN; :as_wu
SELECT app.join_organization(:'nyu');
ROLLBACK;

-- The event log has every change; the ledger and the member counts hold.
SELECT action, count(*) FROM audit.event_log
 WHERE action LIKE 'organization.%' OR action = 'partnership.set' OR action = 'merchant.profile'
 GROUP BY action ORDER BY action;
SELECT * FROM app.verify_ledger();
