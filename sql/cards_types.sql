-- Every card type (issue "Every card type"): issuing prepaid, corporate and voucher cards, and the
-- card-type table of ARCHITECTURE.md §2 as a matrix — who shares, who recharges, who rotates the
-- QR code, what a payment costs and earns on each type. Exact amounts throughout.
\set SHOW_CONTEXT never
\set VERBOSITY default

\set u_alice   'c7000000-0000-4000-8000-000000000001'
\set u_bob     'c7000000-0000-4000-8000-000000000002'
\set u_carol   'c7000000-0000-4000-8000-000000000003'
\set u_dan     'c7000000-0000-4000-8000-000000000004'
\set u_vera    'c7000000-0000-4000-8000-000000000005'
\set u_cash_a  'c7000000-0000-4000-8000-00000000000a'
\set u_owner_a 'c7000000-0000-4000-8000-00000000000b'
\set u_cash_b  'c7000000-0000-4000-8000-00000000000c'
\set as_alice   'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c7000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_bob     'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c7000000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_carol   'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c7000000-0000-4000-8000-000000000003","role":"authenticated"}'';'
\set as_dan     'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c7000000-0000-4000-8000-000000000004","role":"authenticated"}'';'
\set as_vera    'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c7000000-0000-4000-8000-000000000005","role":"authenticated"}'';'
\set as_cash_a  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c7000000-0000-4000-8000-00000000000a","role":"authenticated"}'';'
\set as_owner_a 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c7000000-0000-4000-8000-00000000000b","role":"authenticated"}'';'
\set as_cash_b  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"c7000000-0000-4000-8000-00000000000c","role":"authenticated"}'';'

-- Fixtures: shops A and B; members register themselves (member id = user id).
SELECT app.create_merchant('CT_A', 'Card types shop A') IS NOT NULL AS created;
SELECT app.create_merchant('CT_B', 'Card types shop B') IS NOT NULL AS created;
SELECT app.add_merchant_user('CT_A', :'u_cash_a');
SELECT app.add_merchant_user('CT_A', :'u_owner_a', 'owner');
SELECT app.add_merchant_user('CT_B', :'u_cash_b');
BEGIN; :as_alice SELECT app.create_member_profile('CT Alice') = :'u_alice' AS member_id_is_user_id; COMMIT;
BEGIN; :as_bob SELECT app.create_member_profile('CT Bob') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_carol SELECT app.create_member_profile('CT Carol') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_dan SELECT app.create_member_profile('CT Dan') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_vera SELECT app.create_member_profile('CT Vera') IS NOT NULL AS registered; COMMIT;
SELECT id AS alice_std FROM app.member_cards WHERE owner_member_id = :'u_alice' AND card_type = 'standard' \gset
SELECT id AS dan_std FROM app.member_cards WHERE owner_member_id = :'u_dan' AND card_type = 'standard' \gset
SELECT member_no AS dan_no FROM app.member_profiles WHERE id = :'u_dan' \gset
SELECT member_no AS carol_no FROM app.member_profiles WHERE id = :'u_carol' \gset

--------------------------------------------------------------------------------------------
-- Issuing prepaid cards: a member for itself, an administrator for a member
--------------------------------------------------------------------------------------------
BEGIN; :as_alice
SELECT card_id AS prepaid, card_no ~ '^PRE[0-9]{12}$' AS pre_number
  FROM app.create_prepaid_card(p_binding_password => 'family-secret') \gset
SELECT :'pre_number' AS prepaid_number_shape;
COMMIT;
SELECT card_type, owner_member_id = :'u_alice' AS alice_owns, balance, points, level, discount, status,
       binding_password_hash LIKE '$argon2id$%' AS argon2id, expires_at IS NULL AS no_expiry
  FROM app.member_cards WHERE id = :'prepaid';
SELECT action, context ->> 'card_type' AS card_type, context -> 'binding_password' AS with_password
  FROM audit.event_log WHERE object_id = :'prepaid' ORDER BY id;
-- For another member: PERMISSION_DENIED. An administrator may (with p_member_id).
BEGIN; :as_alice
SELECT * FROM app.create_prepaid_card(:'u_bob');
\echo :SQLSTATE
ROLLBACK;
SELECT card_no ~ '^PRE' AS prepaid_for_bob FROM app.create_prepaid_card(:'u_bob', NULL, now() + interval '1 year');
-- An administrator must name the member; bad passwords and past expiries change nothing.
SELECT * FROM app.create_prepaid_card();
\echo :SQLSTATE
SELECT * FROM app.create_prepaid_card(:'u_bob', 'short');
\echo :SQLSTATE
SELECT * FROM app.create_prepaid_card(:'u_bob', NULL, now() - interval '1 minute');
\echo :SQLSTATE
SELECT * FROM app.create_prepaid_card('00000000-0000-4000-8000-000000000000');
\echo :SQLSTATE
-- Not signed in.
BEGIN; SET LOCAL ROLE anon;
SELECT * FROM app.create_prepaid_card();
\echo :SQLSTATE
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Issuing corporate cards: platform administrators; fixed discount, binding password, expiry
--------------------------------------------------------------------------------------------
SELECT card_id AS corp, card_no ~ '^COR[0-9]{12}$' AS cor_number
  FROM app.create_corporate_card('Acme Ltd', 0.800, 'acme-binding-pw') \gset
SELECT :'cor_number' AS corporate_number_shape;
SELECT card_type, owner_member_id IS NULL AS no_owner, company_name, fixed_discount, discount, balance,
       binding_password_hash LIKE '$argon2id$%' AS argon2id
  FROM app.member_cards WHERE id = :'corp';
SELECT * FROM app.create_corporate_card('Acme Ltd', 1.5, 'acme-binding-pw');
\echo :SQLSTATE
SELECT * FROM app.create_corporate_card('Acme Ltd', 0.8555, 'acme-binding-pw');
\echo :SQLSTATE
SELECT * FROM app.create_corporate_card('Acme Ltd', 0, 'acme-binding-pw');
\echo :SQLSTATE
SELECT * FROM app.create_corporate_card('Acme Ltd', 0.9, NULL);
\echo :SQLSTATE
SELECT * FROM app.create_corporate_card('  ', 0.9, 'acme-binding-pw');
\echo :SQLSTATE
BEGIN; :as_carol
SELECT * FROM app.create_corporate_card('Carol Inc', 0.5, 'carol-binding-pw');
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS carol_inc_cards FROM app.member_cards WHERE company_name = 'Carol Inc';

--------------------------------------------------------------------------------------------
-- Issuing vouchers: an administrator (anywhere) or an owner/manager of a merchant (there only).
-- The face value is the voucher's issuing transaction (an adjustment), so the ledger holds.
--------------------------------------------------------------------------------------------
SELECT card_id AS voucher, card_no ~ '^VCH[0-9]{12}$' AS vch_number
  FROM app.create_voucher_card(:'u_alice', 30.00, now() + interval '30 days', p_idempotency_key => 'vch-1') \gset
SELECT :'vch_number' AS voucher_number_shape;
SELECT card_type, owner_member_id = :'u_alice' AS alice_owns, face_value, balance, status, voucher_merchant_id IS NULL AS anywhere
  FROM app.member_cards WHERE id = :'voucher';
SELECT tx_type, raw_amount, final_amount, reason, merchant_id IS NULL AS no_merchant, tx_no ~ '^ADJ' AS adj_number
  FROM app.transactions WHERE card_id = :'voucher';
-- A retry with the key returns the same voucher; the key with another face value is refused.
SELECT card_id = :'voucher' AS same_voucher
  FROM app.create_voucher_card(:'u_alice', 30.00, (SELECT expires_at FROM app.member_cards WHERE id = :'voucher'),
                               p_idempotency_key => 'vch-1');
SELECT * FROM app.create_voucher_card(:'u_alice', 31.00, now() + interval '30 days', p_idempotency_key => 'vch-1');
\echo :SQLSTATE
SELECT count(*) AS alice_vouchers FROM app.member_cards WHERE owner_member_id = :'u_alice' AND card_type = 'voucher';
-- Shop A's owner issues a voucher redeemable only at shop A; its cashier may not; neither may
-- staff of shop B issue for shop A, nor a member.
BEGIN; :as_owner_a
SELECT card_id AS voucher_a FROM app.create_voucher_card(:'u_dan', 15.00, now() + interval '7 days', 'CT_A') \gset
COMMIT;
SELECT voucher_merchant_id = (SELECT id FROM app.merchants WHERE code = 'CT_A') AS only_at_a, balance
  FROM app.member_cards WHERE id = :'voucher_a';
SELECT merchant_id = (SELECT id FROM app.merchants WHERE code = 'CT_A') AS issued_by_a, final_amount, actor_user_id = :'u_owner_a' AS by_owner
  FROM app.transactions WHERE card_id = :'voucher_a';
BEGIN; :as_cash_a
SELECT * FROM app.create_voucher_card(:'u_dan', 15.00, now() + interval '7 days', 'CT_A');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cash_b
SELECT * FROM app.create_voucher_card(:'u_dan', 15.00, now() + interval '7 days', 'CT_A');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_owner_a
SELECT * FROM app.create_voucher_card(:'u_dan', 15.00, now() + interval '7 days');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_dan
SELECT * FROM app.create_voucher_card(:'u_dan', 15.00, now() + interval '7 days');
\echo :SQLSTATE
ROLLBACK;
-- Bad input: no expiry, a past one, a zero face value, an unknown member.
SELECT * FROM app.create_voucher_card(:'u_dan', 15.00, NULL);
\echo :SQLSTATE
SELECT * FROM app.create_voucher_card(:'u_dan', 15.00, now() - interval '1 day');
\echo :SQLSTATE
SELECT * FROM app.create_voucher_card(:'u_dan', 0, now() + interval '1 day');
\echo :SQLSTATE
SELECT * FROM app.create_voucher_card('00000000-0000-4000-8000-000000000000', 15.00, now() + interval '1 day');
\echo :SQLSTATE

--------------------------------------------------------------------------------------------
-- Money in: standard and prepaid cards by the backend; the corporate card too; never a voucher
--------------------------------------------------------------------------------------------
SELECT amount, status FROM app.user_recharge_card(:'alice_std', 1000.00);
SELECT amount FROM app.user_recharge_card(:'prepaid', 500.00);
SELECT amount FROM app.user_recharge_enterprise_card_admin(:'corp', 1000.00);
SELECT amount FROM app.user_recharge_card(:'dan_std', 100.00);
SELECT * FROM app.user_recharge_card(:'voucher', 10.00);
\echo :SQLSTATE

-- Sharing: standard cards and vouchers are not shareable.
SELECT app.bind_member_to_card(:'alice_std', :'u_bob');
\echo :SQLSTATE
SELECT app.bind_member_to_card(:'voucher', :'u_bob');
\echo :SQLSTATE
-- The prepaid card: Bob as member, Vera as viewer; the corporate card: Carol admin, Dan member.
SELECT app.bind_member_to_card(:'prepaid', :'u_bob') AS bob_bound;
SELECT app.bind_member_to_card(:'prepaid', :'u_vera', 'viewer') AS vera_bound;
SELECT app.enterprise_set_initial_admin((SELECT card_no FROM app.member_cards WHERE id = :'corp'), :'carol_no') AS carol_admin;
BEGIN; :as_carol
SELECT app.enterprise_add_member((SELECT card_no FROM app.member_cards WHERE id = :'corp'), :'dan_no', 'acme-binding-pw') AS dan_added;
COMMIT;

--------------------------------------------------------------------------------------------
-- Who rotates the QR code of each type
--------------------------------------------------------------------------------------------
BEGIN; :as_alice
SELECT qr_plain AS qr_alice_std FROM app.rotate_card_qr(:'alice_std', 'personal') \gset
COMMIT;
BEGIN; :as_bob
SELECT qr_plain AS qr_prepaid FROM app.rotate_card_qr(:'prepaid', 'prepaid') \gset
COMMIT;
BEGIN; :as_vera
SELECT * FROM app.rotate_card_qr(:'prepaid');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_carol
SELECT qr_plain AS qr_corp FROM app.rotate_card_qr(:'corp', 'enterprise') \gset
COMMIT;
BEGIN; :as_dan
SELECT * FROM app.rotate_card_qr(:'corp');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_dan
SELECT qr_plain AS qr_dan_std FROM app.rotate_card_qr(:'dan_std') \gset
SELECT qr_plain AS qr_voucher_a FROM app.rotate_card_qr(:'voucher_a', 'voucher') \gset
COMMIT;
BEGIN; :as_alice
SELECT qr_plain AS qr_voucher FROM app.rotate_card_qr(:'voucher') \gset
COMMIT;

--------------------------------------------------------------------------------------------
-- What a payment costs and earns on each type (shop A's cashier charges)
--------------------------------------------------------------------------------------------
BEGIN; :as_cash_a
-- standard, level 0: 100.00 at 1.000, 100 points.
SELECT card_type, final_amount, discount, points_earned FROM app.merchant_charge_by_qr('CT_A', :'qr_alice_std', 100.00);
-- prepaid, shown by Bob: the card's own level, 50.00, 50 points on the prepaid card.
SELECT card_type, final_amount, discount, points_earned FROM app.merchant_charge_by_qr('CT_A', :'qr_prepaid', 50.00);
-- corporate: the fixed 0.800, no points: 100.00 -> 80.00.
SELECT card_type, final_amount, discount, points_earned FROM app.merchant_charge_by_qr('CT_A', :'qr_corp', 100.00);
-- Dan's standard card: Dan is bound to an active corporate card, the better discount applies:
-- 10.00 -> 8.00, and the standard card still earns 10 points.
SELECT card_type, final_amount, discount, points_earned FROM app.merchant_charge_by_qr('CT_A', :'qr_dan_std', 10.00);
COMMIT;
-- Vouchers: more than the face value is refused and changes nothing (the code stays live) ...
BEGIN; :as_cash_a
SELECT * FROM app.merchant_charge_by_qr('CT_A', :'qr_voucher', 30.01);
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS voucher_code_live FROM app.card_qr_state WHERE card_id = :'voucher';
-- ... one payment up to it: 20.00 of 30.00, no points; the 10.00 left is written off and the
-- voucher closes at 0.00.
BEGIN; :as_cash_a
SELECT card_type, final_amount, discount, points_earned FROM app.merchant_charge_by_qr('CT_A', :'qr_voucher', 20.00);
COMMIT;
SELECT status, balance, points FROM app.member_cards WHERE id = :'voucher';
SELECT tx_type, final_amount, reason FROM app.transactions WHERE card_id = :'voucher' ORDER BY created_at, tx_type DESC;
SELECT action, context ->> 'amount' AS amount FROM audit.event_log
 WHERE object_type = 'transaction' AND context ->> 'card_id' = :'voucher' ORDER BY id;
-- A closed voucher shows no new code.
BEGIN; :as_alice
SELECT * FROM app.rotate_card_qr(:'voucher');
\echo :SQLSTATE
ROLLBACK;
-- Shop A's voucher is refused at shop B, and pays its whole face value at shop A (nothing left
-- to write off).
BEGIN; :as_cash_b
SELECT * FROM app.merchant_charge_by_qr('CT_B', :'qr_voucher_a', 15.00);
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cash_a
SELECT card_type, final_amount, points_earned FROM app.merchant_charge_by_qr('CT_A', :'qr_voucher_a', 15.00);
COMMIT;
SELECT status, balance, (SELECT count(*) FROM app.transactions WHERE card_id = :'voucher_a') AS transactions
  FROM app.member_cards WHERE id = :'voucher_a';

--------------------------------------------------------------------------------------------
-- Recharge of the corporate card by its admin (self-service off: a pending order), never by a
-- plain member; the card-type matrix as it ends
--------------------------------------------------------------------------------------------
BEGIN; :as_carol
SELECT tx_id IS NULL AS no_money_moved, amount, status FROM app.user_recharge_enterprise_card_admin(:'corp', 200.00);
COMMIT;
BEGIN; :as_dan
SELECT * FROM app.user_recharge_enterprise_card_admin(:'corp', 200.00);
\echo :SQLSTATE
ROLLBACK;
SELECT c.card_type, c.balance, c.points, c.level, c.discount, c.fixed_discount, c.status,
       (SELECT count(*) FROM app.card_bindings b WHERE b.card_id = c.id AND b.status = 'active') AS bindings
  FROM app.member_cards c
 WHERE c.id IN (:'alice_std', :'prepaid', :'corp', :'dan_std', :'voucher', :'voucher_a')
 ORDER BY c.card_type, c.balance;
SELECT * FROM app.verify_ledger();
