-- Fills a database created as mps 0.1.0, running 0.1.0's mps.so, through 0.1.0's RPCs (this
-- file is frozen with that version's API): merchants and staff, members (self-registered,
-- registered by the backend with a password and an external login, and inserted directly),
-- recharges with idempotency keys and external order ids, QR rotations, charges, partial and
-- full refunds, a prepaid card shared by two members, a revoked QR. What later steps need is
-- kept in upgrade_fixture (a scratch schema, outside the extension).
\set ON_ERROR_STOP 1
\set QUIET 1
\set u_alice  'a7000000-0000-4000-8000-000000000001'
\set u_bob    'a7000000-0000-4000-8000-000000000002'
\set u_cash   'a7000000-0000-4000-8000-000000000003'
\set u_owner  'a7000000-0000-4000-8000-000000000004'
CREATE SCHEMA upgrade_fixture;
CREATE TABLE upgrade_fixture.kv (k text PRIMARY KEY, v text NOT NULL);

SELECT app.create_merchant('UPG_SHOP', 'Upgrade Shop', 'front desk') IS NOT NULL AS created;
SELECT app.create_merchant('UPG_CAFE', 'Upgrade Cafe') IS NOT NULL AS created;
SELECT app.add_merchant_user('UPG_SHOP', :'u_owner', 'owner');
SELECT app.add_merchant_user('UPG_SHOP', :'u_cash');

-- Alice registers herself from the app; Bob is registered by the backend with a password and
-- his wechat login; Carol is inserted directly by a trusted backend (the trigger issues her card).
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000001","role":"authenticated"}';
SELECT app.create_member_profile('Upgrade Alice', '+100200', 'alice@example.org') IS NOT NULL AS alice;
COMMIT;
SELECT app.create_member_profile('Upgrade Bob', NULL, NULL, 'bob-password-1', 'wechat', 'wx-upgrade-bob') AS bob_member \gset
UPDATE app.member_profiles SET user_id = :'u_bob' WHERE id = :'bob_member';
INSERT INTO app.member_profiles (name) VALUES ('Upgrade Carol');
SELECT c.id AS alice_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id
 WHERE p.user_id = :'u_alice' \gset
SELECT c.id AS bob_card FROM app.member_cards c WHERE c.owner_member_id = :'bob_member' \gset

-- Money in: the backend's wechat recharges (idempotency key = provider id), a counter top-up.
SELECT tx_no AS rcg_alice FROM app.user_recharge_card(:'alice_card', 500.00, 'wechat', 'topup', '{"channel":"app"}',
                                                      'wx-upg-0001', 'upg-order-0001') \gset
SELECT tx_no FROM app.user_recharge_card(:'alice_card', 500.00, 'wechat', 'topup', '{"channel":"app"}',
                                         'wx-upg-0001', 'upg-order-0001') \gset retry_
SELECT tx_no AS rcg_bob FROM app.user_recharge_personal_card(:'bob_card', 80.00, 'alipay') \gset
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000003","role":"authenticated"}';
SELECT tx_no AS rcg_counter FROM app.user_recharge_card(:'bob_card', 20.00, 'cash', NULL, '{}', NULL, NULL, 'UPG_SHOP') \gset
COMMIT;

-- With self-service recharge on (superuser setting), Alice tops up her own card with her own key.
BEGIN;
SET LOCAL mps.allow_self_recharge = on;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000001","role":"authenticated"}';
SELECT tx_no AS rcg_alice_own FROM app.user_recharge_card(:'alice_card', 7.00, 'alipay', NULL, '{}', 'alice-own-1') \gset
COMMIT;

-- Alice shows a QR code, the cashier charges twice (once with a key and an order id), then
-- refunds part of the first payment and all of the second.
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000001","role":"authenticated"}';
SELECT qr_plain AS alice_qr FROM app.rotate_card_qr(:'alice_card', 'personal', 3600) \gset
COMMIT;
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000003","role":"authenticated"}';
SELECT tx_no AS pay1 FROM app.merchant_charge_by_qr('UPG_SHOP', :'alice_qr', 120.00, 'lunch', '{"table":4}',
                                                    'pos-upg-0001', 'upg-pos-order-1') \gset
SELECT tx_no AS pay2 FROM app.merchant_charge_by_qr('UPG_SHOP', :'alice_qr', 33.33) \gset
SELECT refund_tx_no AS ref1 FROM app.merchant_refund_tx('UPG_SHOP', :'pay1', 20.00, 'cold soup') \gset
SELECT refund_tx_no AS ref2 FROM app.merchant_refund_tx('UPG_SHOP', :'pay2', 33.33) \gset
COMMIT;

-- A prepaid card of Alice's shared with Bob (0.1.0 has no RPC to issue one: a trusted backend
-- inserts it), recharged, and paid from by Bob; a revoked QR on Bob's standard card.
INSERT INTO app.member_cards (card_no, card_type, owner_member_id)
SELECT sec.new_card_no('prepaid'), 'prepaid', owner_member_id FROM app.member_cards WHERE id = :'alice_card'
RETURNING id AS prepaid_card \gset
INSERT INTO app.card_bindings (card_id, member_id, role)
SELECT :'prepaid_card', owner_member_id, 'owner' FROM app.member_cards WHERE id = :'alice_card';
INSERT INTO app.card_bindings (card_id, member_id, role) VALUES (:'prepaid_card', :'bob_member', 'member');
SELECT tx_no FROM app.user_recharge_card(:'prepaid_card', 300.00, 'wechat', NULL, '{}', 'wx-upg-0002') \gset prepaid_
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000002","role":"authenticated"}';
SELECT qr_plain AS prepaid_qr FROM app.rotate_card_qr(:'prepaid_card') \gset
SELECT qr_plain AS bob_qr FROM app.rotate_card_qr(:'bob_card') \gset
SELECT app.revoke_card_qr(:'bob_card') AS revoked \gset
COMMIT;
SELECT tx_no AS pay3 FROM app.merchant_charge_by_qr('UPG_CAFE', :'prepaid_qr', 45.50) \gset

INSERT INTO upgrade_fixture.kv VALUES
  ('alice_card', :'alice_card'), ('bob_card', :'bob_card'), ('prepaid_card', :'prepaid_card'),
  ('alice_qr', :'alice_qr'), ('prepaid_qr', :'prepaid_qr'), ('bob_member', :'bob_member'),
  ('rcg_alice', :'rcg_alice'), ('pay1', :'pay1'), ('pay2', :'pay2'), ('pay3', :'pay3'),
  ('ref1', :'ref1'), ('ref2', :'ref2'), ('rcg_counter', :'rcg_counter'), ('rcg_alice_own', :'rcg_alice_own');
-- The retried recharge returned the first one.
SELECT CASE WHEN :'retry_tx_no' = :'rcg_alice' THEN 'ok' ELSE 1 / 0 || '' END AS idempotent_retry;
