-- Points transactions (seed 003 update_card_points, points_transactions; issue #13 item 5) on
-- the one point ledger: earn, redeem, expire, transfer, idempotent references, who may, never
-- below zero, the seed-shaped view, and the ledger checker. Exact numbers throughout.
-- Organisations, memberships, partnerships and loyalty cards are INSERTed directly by the
-- superuser test runner (their RPCs are being written on another branch).
\set SHOW_CONTEXT never
\set VERBOSITY default

\set u_amy    '1b000000-0000-4000-8000-000000000001'
\set u_ben    '1b000000-0000-4000-8000-000000000002'
\set u_cash   '1b000000-0000-4000-8000-00000000000a'
\set u_book   '1b000000-0000-4000-8000-00000000000b'
\set as_amy   'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"1b000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_ben   'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"1b000000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_cash  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"1b000000-0000-4000-8000-00000000000a","role":"authenticated"}'';'
\set as_book  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"1b000000-0000-4000-8000-00000000000b","role":"authenticated"}'';'
\set org      '1b0e0000-0000-4000-8000-000000000001'
\set amy_org  '1bc00000-0000-4000-8000-000000000001'
\set amy_cafe '1bc00000-0000-4000-8000-000000000002'
\set ben_cafe '1bc00000-0000-4000-8000-000000000003'
\set cash_cafe '1bc00000-0000-4000-8000-000000000004'
\set nowhere  '00000000-0000-4000-8000-000000000000'
-- What the JSON answers carry that differs from run to run (ids, times) is left out.
\set hide '- ''ledger_id'' - ''created_at'' - ''merchant_id'' - ''card_id'''
\set hide_t '- ''from_ledger_id'' - ''to_ledger_id'' - ''created_at'' - ''from_card_id'' - ''to_card_id'''

SELECT app.create_merchant('LP_CAFE', 'Loyalty cafe') AS cafe_id \gset
SELECT app.create_merchant('LP_BOOK', 'Loyalty books') AS book_id \gset
SELECT app.add_merchant_user('LP_CAFE', :'u_cash');
SELECT app.add_merchant_user('LP_BOOK', :'u_book');
BEGIN; :as_amy SELECT app.create_member_profile('LP Amy') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_ben SELECT app.create_member_profile('LP Ben') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_cash SELECT app.create_member_profile('LP Cashier') IS NOT NULL AS registered; COMMIT;
SELECT id AS amy_std FROM app.member_cards WHERE owner_member_id = :'u_amy' AND card_type = 'standard' \gset

-- The organisation (Amy and Ben verified members: member_count 2), its partnership with the
-- cafe (not with the bookshop), and the loyalty cards.
INSERT INTO app.organizations (id, name, display_name_zh, display_name_en, slug, region, member_count)
VALUES (:'org', 'LP CSSA', '积分学联', 'Loyalty Points CSSA', 'lp-cssa', 'US-NY', 2);
INSERT INTO app.user_organizations (member_id, organization_id, is_current, verification_status, verified_at)
VALUES (:'u_amy', :'org', true, 'verified', now()), (:'u_ben', :'org', true, 'verified', now()),
       (:'u_cash', :'org', true, 'pending', NULL);
INSERT INTO app.organization_merchant_partnerships (organization_id, merchant_id, discount_rate)
VALUES (:'org', :'cafe_id', 10.0);
INSERT INTO app.member_cards (id, card_no, card_type, owner_member_id, organization_id, loyalty_merchant_id)
VALUES (:'amy_org', sec.new_card_no('organization'), 'organization', :'u_amy', :'org', NULL),
       (:'amy_cafe', sec.new_card_no('merchant'), 'merchant', :'u_amy', :'org', :'cafe_id'),
       (:'ben_cafe', sec.new_card_no('merchant'), 'merchant', :'u_ben', :'org', :'cafe_id'),
       (:'cash_cafe', sec.new_card_no('merchant'), 'merchant', :'u_cash', NULL, :'cafe_id');
CREATE TEMP VIEW cards AS
SELECT CASE id WHEN :'amy_org' THEN 'amy_org' WHEN :'amy_cafe' THEN 'amy_cafe' WHEN :'ben_cafe' THEN 'ben_cafe'
                WHEN :'cash_cafe' THEN 'cash_cafe' ELSE card_type::text END AS card, points, level, discount,
       last_used_at IS NOT NULL AS used
  FROM app.member_cards
 WHERE id IN (:'amy_org', :'amy_cafe', :'ben_cafe', :'cash_cafe', :'amy_std')
 ORDER BY 1;
SELECT * FROM cards;

--------------------------------------------------------------------------------------------
-- Earn and redeem: the cafe's cashier on the cafe's merchant card, idempotent by reference
--------------------------------------------------------------------------------------------
BEGIN; :as_cash
SELECT r :hide AS earned, r ->> 'merchant_id' = :'cafe_id' AS cafe_named
  FROM app.update_card_points(:'amy_cafe', 100, 'earn', '消费获得积分', :'cafe_id', 'order_123') r;
COMMIT;
SELECT id AS first_ledger_id FROM app.point_ledger WHERE card_id = :'amy_cafe' AND kind = 'earn' AND reference_id = 'order_123' \gset
-- The same call again (a retry): the original row, nothing written twice.
BEGIN; :as_cash
SELECT r :hide AS retried, (r ->> 'ledger_id')::bigint = :first_ledger_id AS same_row
  FROM app.update_card_points(:'amy_cafe', 100, 'earn', '消费获得积分', :'cafe_id', 'order_123') r;
COMMIT;
SELECT count(*) AS ledger_rows FROM app.point_ledger WHERE card_id = :'amy_cafe';
-- The same reference with other points: a conflict, nothing changes.
BEGIN; :as_cash
SELECT app.update_card_points(:'amy_cafe', 150, 'earn', NULL, :'cafe_id', 'order_123');
ROLLBACK;
-- Redeem 30 (a redemption may carry the order's reference too: references are per kind).
BEGIN; :as_cash
SELECT r :hide AS redeemed FROM app.update_card_points(:'amy_cafe', -30, 'redeem', 'free coffee', :'cafe_id', 'order_123') r;
COMMIT;
-- Never below zero.
BEGIN; :as_cash
SELECT app.update_card_points(:'amy_cafe', -71, 'redeem', NULL, :'cafe_id');
ROLLBACK;
SELECT * FROM cards;

--------------------------------------------------------------------------------------------
-- Organisation cards: staff of a partner merchant; no partnership, no points
--------------------------------------------------------------------------------------------
BEGIN; :as_cash
SELECT r :hide AS earned FROM app.update_card_points(:'amy_org', 40, 'earn', 'partner visit', :'cafe_id', 'visit-1') r;
COMMIT;
BEGIN; :as_book
SELECT app.update_card_points(:'amy_org', 40, 'earn', NULL, :'book_id');
ROLLBACK;
-- A partnership that ended yesterday counts no more.
BEGIN;
UPDATE app.organization_merchant_partnerships SET start_date = current_date - 30, end_date = current_date - 1
 WHERE organization_id = :'org';
:as_cash
SELECT app.update_card_points(:'amy_org', 40, 'earn', NULL, :'cafe_id');
ROLLBACK;
-- A deactivated organisation's cards earn nothing.
BEGIN;
UPDATE app.organizations SET is_active = false WHERE id = :'org';
:as_cash
SELECT app.update_card_points(:'amy_org', 40, 'earn', NULL, :'cafe_id');
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Who may not
--------------------------------------------------------------------------------------------
-- The bookshop's staff on the cafe's card.
BEGIN; :as_book
SELECT app.update_card_points(:'amy_cafe', 10, 'earn', NULL, :'book_id');
ROLLBACK;
-- The cafe's cashier in the bookshop's name, and without naming a merchant.
BEGIN; :as_cash
SELECT app.update_card_points(:'amy_cafe', 10, 'earn', NULL, :'book_id');
ROLLBACK;
BEGIN; :as_cash
SELECT app.update_card_points(:'amy_cafe', 10, 'earn');
ROLLBACK;
-- A member earns nothing for itself, with or without naming the merchant.
BEGIN; :as_amy
SELECT app.update_card_points(:'amy_cafe', 10, 'earn', NULL, :'cafe_id');
ROLLBACK;
BEGIN; :as_amy
SELECT app.update_card_points(:'amy_cafe', 10, 'earn');
ROLLBACK;
-- Nor does a cashier on a card it owns itself.
BEGIN; :as_cash
SELECT app.update_card_points(:'cash_cafe', 10, 'earn', NULL, :'cafe_id');
ROLLBACK;
-- Staff never change a standard card's points (those come from payments), nor expire points.
BEGIN; :as_cash
SELECT app.update_card_points(:'amy_std', 10, 'earn', NULL, :'cafe_id');
ROLLBACK;
BEGIN; :as_cash
SELECT app.update_card_points(:'amy_cafe', -10, 'expire', NULL, :'cafe_id');
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Bad input changes nothing
--------------------------------------------------------------------------------------------
SELECT app.update_card_points(:'amy_cafe', 10, 'transfer');
SELECT app.update_card_points(:'amy_cafe', 10, 'bonus');
SELECT app.update_card_points(:'amy_cafe', -10, 'earn');
SELECT app.update_card_points(:'amy_cafe', 10, 'redeem');
SELECT app.update_card_points(:'amy_cafe', 0, 'earn');
SELECT app.update_card_points(:'amy_cafe', 2147483648, 'earn');
SELECT app.update_card_points(:'amy_cafe', NULL, 'earn');
SELECT app.update_card_points(NULL, 10, 'earn');
SELECT app.update_card_points(:'amy_cafe', 10, NULL);
SELECT app.update_card_points(:'amy_cafe', 10, 'earn', repeat('x', 256));
SELECT app.update_card_points(:'amy_cafe', 10, 'earn', NULL, NULL, repeat('r', 256));
SELECT app.update_card_points(:'amy_cafe', 10, 'earn', NULL, NULL, '  ');
-- Unknown card, unknown merchant, a card without points, a frozen card.
SELECT app.update_card_points(:'nowhere', 10, 'earn');
SELECT app.update_card_points(:'amy_cafe', 10, 'earn', NULL, :'nowhere');
SELECT card_id AS corp FROM app.create_corporate_card('LP Corp', 0.900, 'corp-password-1') \gset
SELECT app.update_card_points(:'corp', 10, 'earn');
SELECT app.freeze_card(:'amy_cafe', 'lost') AS frozen;
BEGIN; :as_cash
SELECT app.update_card_points(:'amy_cafe', 10, 'earn', NULL, :'cafe_id');
ROLLBACK;
SELECT app.unfreeze_card(:'amy_cafe') AS unfrozen;
SELECT app.admin_suspend_merchant('LP_BOOK') AS suspended;
BEGIN; :as_book
SELECT app.update_card_points(:'amy_org', 10, 'earn', NULL, :'book_id');
ROLLBACK;
SELECT app.admin_reactivate_merchant('LP_BOOK') AS reactivated;
SELECT * FROM cards;

--------------------------------------------------------------------------------------------
-- Platform administrators: standard cards follow the ladder; points expire
--------------------------------------------------------------------------------------------
SELECT r :hide AS earned FROM app.update_card_points(:'amy_std', 1500, 'earn', 'welcome bonus', NULL, 'welcome') r;
SELECT card, points, level, discount FROM cards WHERE card = 'standard';
SELECT r :hide AS expired FROM app.update_card_points(:'amy_std', -600, 'expire', NULL, NULL, '2026-expiry') r;
SELECT card, points, level, discount FROM cards WHERE card = 'standard';
-- An expiry is retried safely too.
SELECT r -> 'replayed' AS replayed, r -> 'points' AS points
  FROM app.update_card_points(:'amy_std', -600, 'expire', NULL, NULL, '2026-expiry') r;
SELECT app.update_card_points(:'amy_std', -1000, 'expire');
-- The administrator's correction (update_points_and_level) shares the same write.
SELECT points, level, discount FROM app.update_points_and_level(:'amy_std', 100, 'goodwill');
-- Loyalty cards keep level 0 and discount 1.000 whatever their points.
SELECT r :hide AS earned FROM app.update_card_points(:'amy_cafe', 20000, 'earn', 'campaign', :'cafe_id') r;
SELECT * FROM cards;

--------------------------------------------------------------------------------------------
-- Transfers between two cards of one member
--------------------------------------------------------------------------------------------
BEGIN; :as_amy
SELECT r :hide_t AS transferred FROM app.transfer_points(:'amy_cafe', :'amy_org', 25, 'move-1') r;
COMMIT;
BEGIN; :as_amy
SELECT r :hide_t AS retried FROM app.transfer_points(:'amy_cafe', :'amy_org', 25, 'move-1') r;
COMMIT;
BEGIN; :as_amy
SELECT app.transfer_points(:'amy_cafe', :'amy_org', 26, 'move-1');
ROLLBACK;
-- The reverse direction with the same reference is another transfer: a conflict too.
BEGIN; :as_amy
SELECT app.transfer_points(:'amy_org', :'amy_cafe', 25, 'move-1');
ROLLBACK;
SELECT * FROM cards WHERE card IN ('amy_cafe', 'amy_org');
-- More than the card holds: refused, neither card changes.
BEGIN; :as_amy
SELECT app.transfer_points(:'amy_org', :'amy_std', 66, NULL);
ROLLBACK;
SELECT * FROM cards WHERE card IN ('amy_org', 'standard');
BEGIN; :as_amy
SELECT r :hide_t AS all_of_it FROM app.transfer_points(:'amy_org', :'amy_std', 40) r;
COMMIT;
SELECT * FROM cards WHERE card IN ('amy_org', 'standard');
-- Another member's card is neither a source nor a target; an administrator moves points only
-- between two cards of one member.
BEGIN; :as_amy
SELECT app.transfer_points(:'ben_cafe', :'amy_org', 1);
ROLLBACK;
BEGIN; :as_amy
SELECT app.transfer_points(:'amy_cafe', :'ben_cafe', 1);
ROLLBACK;
BEGIN; :as_ben
SELECT app.transfer_points(:'amy_cafe', :'amy_org', 1);
ROLLBACK;
SELECT app.transfer_points(:'amy_cafe', :'ben_cafe', 1);
SELECT app.transfer_points(:'amy_cafe', :'nowhere', 1);
SELECT app.transfer_points(:'amy_cafe', :'amy_cafe', 1);
SELECT app.transfer_points(:'amy_cafe', :'amy_org', 0);
SELECT app.transfer_points(:'amy_cafe', :'amy_org', -5);
SELECT app.transfer_points(:'amy_cafe', NULL, 5);
-- A voucher holds no points; a frozen card takes none.
SELECT card_id AS voucher FROM app.create_voucher_card(:'u_amy', 20.00, now() + interval '30 days') \gset
BEGIN; :as_amy
SELECT app.transfer_points(:'amy_cafe', :'voucher', 1);
ROLLBACK;
SELECT app.freeze_card(:'amy_org') AS frozen;
BEGIN; :as_amy
SELECT app.transfer_points(:'amy_cafe', :'amy_org', 1);
ROLLBACK;
SELECT app.unfreeze_card(:'amy_org') AS unfrozen;
-- The administrator, for Amy.
SELECT r :hide_t AS by_admin FROM app.transfer_points(:'amy_cafe', :'amy_org', 5, 'support-7') r;
SELECT * FROM cards;

--------------------------------------------------------------------------------------------
-- Payments' points and refunds' clawbacks are on the same ledger; the seed-shaped view
--------------------------------------------------------------------------------------------
SELECT amount FROM app.user_recharge_card(:'amy_std', 100.00);
BEGIN; :as_amy SELECT qr_plain AS amy_qr FROM app.rotate_card_qr(:'amy_std') \gset
COMMIT;
-- (Amy's current organisation partners with the cafe: 10 % off beats her Silver 0.950, she pays
-- 54.00, and refunding 30.00 of it claws back floor(60 x 30 / 54) = 33 of the 60 points.)
BEGIN; :as_cash
SELECT tx_no AS pay_no, points_earned FROM app.merchant_charge_by_qr('LP_CAFE', :'amy_qr', 60.00) \gset
SELECT refunded_amount FROM app.merchant_refund_tx('LP_CAFE', :'pay_no', 30.00);
COMMIT;
-- What Amy reads (row security of the ledger and of her transactions).
BEGIN; :as_amy
SELECT c.card, p.transaction_type, p.points_change, p.description, p.reference_id,
       CASE p.merchant_id WHEN :'cafe_id' THEN 'LP_CAFE' END AS merchant
  FROM app.points_transactions p
  JOIN (VALUES (:'amy_cafe'::uuid, 'amy_cafe'), (:'amy_org'::uuid, 'amy_org'), (:'amy_std'::uuid, 'standard')) c (id, card)
    ON c.id = p.card_id
 ORDER BY p.id;
-- Ben reads none of Amy's.
:as_ben
SELECT count(*) AS amys_rows_for_ben FROM app.points_transactions WHERE card_id IN (:'amy_cafe', :'amy_org', :'amy_std');
COMMIT;
-- get_point_ledger answers for a loyalty card.
BEGIN; :as_amy
SELECT delta, balance_before, balance_after, reason, tx_no FROM app.get_point_ledger(:'amy_cafe');
COMMIT;
BEGIN; :as_ben
SELECT * FROM app.get_point_ledger(:'amy_cafe');
ROLLBACK;

-- Audit: every change, with its kind, reference and merchant.
SELECT action, context ->> 'kind' AS kind, context ->> 'delta' AS delta, context ->> 'points' AS points,
       context ->> 'reference_id' AS reference_id, context ? 'merchant_id' AS has_merchant
  FROM audit.event_log WHERE action IN ('card.points', 'card.points_transfer')
   AND (object_id IN (:'amy_cafe', :'amy_org', :'amy_std'))
 ORDER BY id;

--------------------------------------------------------------------------------------------
-- The ledger checker: clean, and it notices a wrong member_count
--------------------------------------------------------------------------------------------
SELECT * FROM app.verify_ledger();
BEGIN;
UPDATE app.organizations SET member_count = 3 WHERE id = :'org';
SELECT invariant, detail FROM app.verify_ledger();
ROLLBACK;
