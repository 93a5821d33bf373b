-- Analytics (seed 003 §数据统计; issue #13 item 7): app.get_organization_analytics and
-- app.get_merchant_analytics with exact figures from fixtures spread over the months of
-- mps.settlement_time_zone (UTC here): "old" rows two months back (more than 30 days ago), the
-- others now. Organisations, memberships, partnerships, loyalty cards and their ledger rows are
-- INSERTed directly by the superuser test runner (their RPCs are written on another branch),
-- ledger-consistent (app.verify_ledger() stays clean).
\set SHOW_CONTEXT never
\set VERBOSITY default

\set org_a    '2a0e0000-0000-4000-8000-00000000000a'
\set org_b    '2a0e0000-0000-4000-8000-00000000000b'
\set u_oa     '2a000000-0000-4000-8000-0000000000a0'
\set u_ob     '2a000000-0000-4000-8000-0000000000b0'
\set u_owner  '2a000000-0000-4000-8000-0000000000c1'
\set u_cash   '2a000000-0000-4000-8000-0000000000c2'
\set u_bman   '2a000000-0000-4000-8000-0000000000c3'
\set m1 '2a000000-0000-4000-8000-000000000001'
\set m2 '2a000000-0000-4000-8000-000000000002'
\set m3 '2a000000-0000-4000-8000-000000000003'
\set m4 '2a000000-0000-4000-8000-000000000004'
\set m5 '2a000000-0000-4000-8000-000000000005'
\set m6 '2a000000-0000-4000-8000-000000000006'
\set as_oa    'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"2a000000-0000-4000-8000-0000000000a0"}'';'
\set as_ob    'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"2a000000-0000-4000-8000-0000000000b0"}'';'
\set as_owner 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"2a000000-0000-4000-8000-0000000000c1"}'';'
\set as_cash  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"2a000000-0000-4000-8000-0000000000c2"}'';'
\set as_bman  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"2a000000-0000-4000-8000-0000000000c3"}'';'
\set as_m1    'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"2a000000-0000-4000-8000-000000000001"}'';'

SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '2 months' + interval '4 days') AT TIME ZONE 'UTC' AS old_ts,
       (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '2 months' + interval '4 days')::date AS old_day,
       date_trunc('month', now() AT TIME ZONE 'UTC')::date AS this_first_day \gset

SELECT app.create_merchant('AN_CAFE', 'Analytics cafe') AS cafe, app.create_merchant('AN_BOOK', 'Analytics books') AS book,
       app.create_merchant('AN_GYM', 'Analytics gym') AS gym, app.create_merchant('AN_OLD', 'Analytics old') AS old \gset
-- (mps.so is loaded now.) Months are those of this zone:
SHOW mps.settlement_time_zone;
UPDATE app.merchants SET category = v.category
  FROM (VALUES ('AN_CAFE', 'dining'), ('AN_BOOK', 'retail'), ('AN_GYM', 'service'), ('AN_OLD', 'dining')) v (code, category)
 WHERE merchants.code = v.code;
SELECT app.add_merchant_user('AN_CAFE', :'u_owner', 'owner'), app.add_merchant_user('AN_CAFE', :'u_cash', 'cashier'),
       app.add_merchant_user('AN_BOOK', :'u_bman', 'manager') \gset seed_

-- Six members (each with its standard card).
INSERT INTO app.member_profiles (id, user_id, name)
SELECT m::uuid, m::uuid, 'AN member ' || right(m, 1)
  FROM unnest(ARRAY[:'m1', :'m2', :'m3', :'m4', :'m5', :'m6']) m;

-- Organisation A: m1 and m2 verified two months ago, m3 verified this month, m4 pending, m5
-- rejected, m6 verified but no longer active: member_count 3. Organisation B: m1 (count 1).
INSERT INTO app.organizations (id, name, display_name_zh, display_name_en, slug, region, member_count) VALUES
  (:'org_a', 'AN CSSA A', '统计学联甲', 'Analytics CSSA A', 'an-cssa-a', 'US-NY', 3),
  (:'org_b', 'AN CSSA B', '统计学联乙', 'Analytics CSSA B', 'an-cssa-b', 'US-CA', 1);
INSERT INTO app.organization_admins (organization_id, user_id) VALUES (:'org_a', :'u_oa'), (:'org_b', :'u_ob');
INSERT INTO app.user_organizations (member_id, organization_id, join_date, is_current, is_active, verification_status)
VALUES (:'m1', :'org_a', :'old_day', true, true, 'verified'),
       (:'m2', :'org_a', :'old_day', true, true, 'verified'),
       (:'m3', :'org_a', :'this_first_day', true, true, 'verified'),
       (:'m4', :'org_a', :'this_first_day', true, true, 'pending'),
       (:'m5', :'org_a', :'this_first_day', false, true, 'rejected'),
       (:'m6', :'org_a', :'old_day', false, false, 'verified'),
       (:'m1', :'org_b', :'old_day', false, true, 'verified');
-- Partnerships of A: the cafe and the bookshop (active), the gym (ended yesterday), the old
-- shop (switched off).
INSERT INTO app.organization_merchant_partnerships (organization_id, merchant_id, start_date, end_date, is_active)
VALUES (:'org_a', :'cafe', NULL, NULL, true), (:'org_a', :'book', :'old_day', NULL, true),
       (:'org_a', :'gym', :'old_day', current_date - 1, true), (:'org_a', :'old', NULL, NULL, false),
       (:'org_b', :'cafe', NULL, NULL, true);

-- Loyalty cards: organisation cards of A for m1, m2 (two months ago) and m3 (now); cafe cards
-- through A for m1 (old) and m2 (now), through B for m4 (now), without an organisation for m5
-- (old); a bookshop card through A for m3 (now).
\set o1 '2ac00000-0000-4000-8000-000000000001'
\set o2 '2ac00000-0000-4000-8000-000000000002'
\set o3 '2ac00000-0000-4000-8000-000000000003'
\set c1 '2ac00000-0000-4000-8000-000000000011'
\set c2 '2ac00000-0000-4000-8000-000000000012'
\set c4 '2ac00000-0000-4000-8000-000000000014'
\set c5 '2ac00000-0000-4000-8000-000000000015'
\set b3 '2ac00000-0000-4000-8000-000000000023'
INSERT INTO app.member_cards (id, card_no, card_type, owner_member_id, organization_id, loyalty_merchant_id, created_at)
VALUES (:'o1', sec.new_card_no('organization'), 'organization', :'m1', :'org_a', NULL, :'old_ts'),
       (:'o2', sec.new_card_no('organization'), 'organization', :'m2', :'org_a', NULL, :'old_ts'),
       (:'o3', sec.new_card_no('organization'), 'organization', :'m3', :'org_a', NULL, now()),
       (:'c1', sec.new_card_no('merchant'), 'merchant', :'m1', :'org_a', :'cafe', :'old_ts'),
       (:'c2', sec.new_card_no('merchant'), 'merchant', :'m2', :'org_a', :'cafe', now()),
       (:'c4', sec.new_card_no('merchant'), 'merchant', :'m4', :'org_b', :'cafe', now()),
       (:'c5', sec.new_card_no('merchant'), 'merchant', :'m5', NULL, :'cafe', :'old_ts'),
       (:'b3', sec.new_card_no('merchant'), 'merchant', :'m3', :'org_a', :'book', now());
-- Points: o1 +100 (old, cafe) -30 (now, cafe); o2 +50 (now, bookshop); c1 +200 (old, cafe)
-- -50 (now, cafe); c4 +70 (now, cafe); b3 +10 (now, bookshop).
INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, reason, kind, merchant_id, created_at)
VALUES (:'o1', 100, 0, 100, 'visit', 'earn', :'cafe', :'old_ts'),
       (:'o1', -30, 100, 70, 'coffee', 'redeem', :'cafe', now()),
       (:'o2', 50, 0, 50, 'book club', 'earn', :'book', now()),
       (:'c1', 200, 0, 200, 'visit', 'earn', :'cafe', :'old_ts'),
       (:'c1', -50, 200, 150, 'cake', 'redeem', :'cafe', now()),
       (:'c4', 70, 0, 70, 'visit', 'earn', :'cafe', now()),
       (:'b3', 10, 0, 10, 'visit', 'earn', :'book', now());
UPDATE app.member_cards c SET points = l.total
  FROM (SELECT card_id, sum(delta) AS total FROM app.point_ledger GROUP BY card_id) l
 WHERE c.id = l.card_id AND c.id IN (:'o1', :'o2', :'c1', :'c4', :'b3');
-- m5 pays 12.00 at the cafe with its standard card: 12 points in the cafe's name.
SELECT id AS m5_std FROM app.member_cards WHERE owner_member_id = :'m5' AND card_type = 'standard' \gset
SELECT amount FROM app.user_recharge_card(:'m5_std', 50.00);
SELECT qr_plain AS m5_qr FROM app.rotate_card_qr(:'m5_std') \gset
BEGIN; :as_cash
SELECT final_amount, points_earned FROM app.merchant_charge_by_qr('AN_CAFE', :'m5_qr', 12.00);
COMMIT;
SELECT * FROM app.verify_ledger();

--------------------------------------------------------------------------------------------
-- The organisation's figures, read by its administrator
--------------------------------------------------------------------------------------------
BEGIN; :as_oa
SELECT app.get_organization_analytics(:'org_a', 3) AS r \gset
COMMIT;
SELECT jsonb_pretty(:'r'::jsonb - 'organization_id' - 'member_growth' - 'points') AS figures;
SELECT :'r'::jsonb ->> 'organization_id' = :'org_a' AS this_organisation;
SELECT jsonb_pretty((:'r'::jsonb -> 'points') - 'by_month') AS points;
-- Month by month, oldest first (the last one is the current month).
SELECT i AS month_no, e ->> 'month' = to_char(date_trunc('month', now() AT TIME ZONE 'UTC') - (3 - i) * interval '1 month', 'YYYY-MM')
         AS labelled, e ->> 'new_verified' AS new_verified, e ->> 'cumulative' AS cumulative
  FROM jsonb_array_elements(:'r'::jsonb -> 'member_growth') WITH ORDINALITY g (e, i);
SELECT i AS month_no, e ->> 'month' = to_char(date_trunc('month', now() AT TIME ZONE 'UTC') - (3 - i) * interval '1 month', 'YYYY-MM')
         AS labelled, e ->> 'issued' AS issued, e ->> 'redeemed' AS redeemed
  FROM jsonb_array_elements(:'r'::jsonb -> 'points' -> 'by_month') WITH ORDINALITY g (e, i);
-- The default is 12 months; a platform administrator reads it too.
SELECT jsonb_array_length(r -> 'member_growth') AS months, r -> 'members' AS members
  FROM app.get_organization_analytics(:'org_a') r;
-- Organisation B's administrator reads B's, never A's; a member reads neither.
BEGIN; :as_ob
SELECT r -> 'members' AS members, r -> 'cards' AS cards, r -> 'partner_merchants' -> 'active' AS partners
  FROM app.get_organization_analytics(:'org_b', 1) r;
SELECT app.get_organization_analytics(:'org_a');
ROLLBACK;
BEGIN; :as_m1
SELECT app.get_organization_analytics(:'org_a');
ROLLBACK;
SELECT app.get_organization_analytics('00000000-0000-4000-8000-000000000000');
SELECT app.get_organization_analytics(NULL);
SELECT app.get_organization_analytics(:'org_a', 0);
SELECT app.get_organization_analytics(:'org_a', 37);
SELECT jsonb_array_length(app.get_organization_analytics(:'org_a', 36) -> 'member_growth') AS months;

--------------------------------------------------------------------------------------------
-- The merchant's figures, read by its owner
--------------------------------------------------------------------------------------------
BEGIN; :as_owner
SELECT app.get_merchant_analytics(:'cafe', 3) AS r \gset
COMMIT;
SELECT jsonb_pretty(:'r'::jsonb - 'merchant_id' - 'cards' - 'points' - 'members_by_organization') AS figures;
SELECT :'r'::jsonb -> 'cards' -> 'issued' AS cards_issued, jsonb_pretty((:'r'::jsonb -> 'points') - 'by_month') AS points;
SELECT i AS month_no, c.e ->> 'issued' AS cards_issued, p.e ->> 'earned' AS earned, p.e ->> 'earned_count' AS earned_count,
       p.e ->> 'redeemed' AS redeemed, p.e ->> 'redeemed_count' AS redeemed_count,
       c.e ->> 'month' = p.e ->> 'month' AS same_month
  FROM jsonb_array_elements(:'r'::jsonb -> 'cards' -> 'by_month') WITH ORDINALITY c (e, i)
  JOIN jsonb_array_elements(:'r'::jsonb -> 'points' -> 'by_month') WITH ORDINALITY p (e, j) ON i = j;
SELECT CASE e ->> 'organization_id' WHEN :'org_a' THEN 'A' WHEN :'org_b' THEN 'B' END AS organisation,
       e ->> 'name' AS name, e ->> 'cards' AS cards
  FROM jsonb_array_elements(:'r'::jsonb -> 'members_by_organization') e;
-- The bookshop's manager reads the bookshop's, never the cafe's; the cafe's cashier neither.
BEGIN; :as_bman
SELECT r -> 'cards' -> 'issued' AS cards, r -> 'points' -> 'earned' AS earned, r -> 'active_users_30d' AS active
  FROM app.get_merchant_analytics(:'book', 1) r;
SELECT app.get_merchant_analytics(:'cafe');
ROLLBACK;
BEGIN; :as_cash
SELECT app.get_merchant_analytics(:'cafe');
ROLLBACK;
BEGIN; :as_oa
SELECT app.get_merchant_analytics('00000000-0000-4000-8000-000000000000');
ROLLBACK;
SELECT app.get_merchant_analytics('00000000-0000-4000-8000-000000000000');
SELECT app.get_merchant_analytics(:'cafe', -1);
SELECT app.get_merchant_analytics(NULL);
SELECT * FROM app.verify_ledger();
