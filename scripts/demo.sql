-- The mps payment story, step by step, on a fresh database. Each caller acts the way
-- PostgREST would call for it: SET LOCAL ROLE + transaction-local JWT claims.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset footer off
\set staff '00000000-0000-4000-8000-00000000cafe'
\set alice '00000000-0000-4000-8000-0000000a11ce'
\set bob '00000000-0000-4000-8000-000000000b0b'

\echo '== 1. Platform administrator (psql superuser) creates the merchant and its cashier'
SELECT app.create_merchant('COFFEE01', 'Blue Bottle Corner', 'ops@example.com') AS merchant_id \gset
SELECT app.add_merchant_user('COFFEE01', :'staff', 'cashier');
SELECT code, name, status FROM app.merchants;

\echo '== 2. Alice registers herself from the app (authenticated, JWT sub = her user id)'
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'alice', 'role', 'authenticated')::text, true) \gset
SELECT app.create_member_profile('Alice', '+86 138 0000 0000', 'alice@example.com') AS member_id \gset
COMMIT;
SELECT card_no, card_type, balance, points, level, discount FROM app.member_cards WHERE owner_member_id = :'member_id';
SELECT id AS card_id FROM app.member_cards WHERE owner_member_id = :'member_id' \gset

\echo '== 3. The payment backend (service_role) confirms a WeChat payment and recharges 1000.00'
BEGIN;
SET LOCAL ROLE service_role;
SELECT tx_no, amount FROM app.user_recharge_card(:'card_id', 1000.00, 'wechat', 'app top-up', '{}',
       'wx-4200001234', 'WX-ORDER-1');
COMMIT;

\echo '== 4. Alice opens her payment code: a fresh QR (the previous one stops working)'
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'alice', 'role', 'authenticated')::text, true) \gset
SELECT qr_plain AS qr, qr_expires_at - now() AS valid_for FROM app.rotate_card_qr(:'card_id') \gset
COMMIT;
\echo 'QR valid for' :valid_for '(only its BLAKE2b digest is stored)'

\echo '== 5. The cashier scans it and charges 299.00 (idempotency key pos-1-0001)'
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'staff', 'role', 'authenticated')::text, true) \gset
SELECT tx_no, card_type, final_amount, discount
  FROM app.merchant_charge_by_qr('COFFEE01', :'qr', 299.00, 'latte x 10', '{"pos":"1"}', 'pos-1-0001', 'POS-1-0001');
COMMIT;
SELECT tx_no AS pay_no FROM app.transactions WHERE tx_type = 'payment' \gset

\echo '== 6. The POS retries the same request after a timeout: same transaction, charged once'
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'staff', 'role', 'authenticated')::text, true) \gset
SELECT tx_no, final_amount
  FROM app.merchant_charge_by_qr('COFFEE01', :'qr', 299.00, 'latte x 10', '{"pos":"1"}', 'pos-1-0001', 'POS-1-0001');
COMMIT;

\echo '== 7. The same key with another amount is refused'
\set ON_ERROR_STOP 0
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'staff', 'role', 'authenticated')::text, true) \gset
SELECT tx_no FROM app.merchant_charge_by_qr('COFFEE01', :'qr', 1.00, 'latte x 10', '{"pos":"1"}', 'pos-1-0001');
ROLLBACK;
\echo '== 7b. The payment used the QR code up: scanned again for a new charge, it is refused'
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'staff', 'role', 'authenticated')::text, true) \gset
SELECT tx_no FROM app.merchant_charge_by_qr('COFFEE01', :'qr', 5.00, 'one more latte');
ROLLBACK;
\set ON_ERROR_STOP 1

\echo '== 8. Partial refund of 100.00 (two lattes returned)'
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'staff', 'role', 'authenticated')::text, true) \gset
SELECT refund_tx_no, refunded_amount FROM app.merchant_refund_tx('COFFEE01', :'pay_no', 100.00, 'two lattes returned');
COMMIT;

\echo '== 9. Alice reads her own card and history (RLS: only her rows)'
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'alice', 'role', 'authenticated')::text, true) \gset
SELECT card_no, balance, points, level, discount FROM app.member_cards;
SELECT tx_no, tx_type, raw_amount, discount_applied, final_amount, points_earned, status
  FROM app.transactions ORDER BY created_at, tx_type;
SELECT delta, balance_before, balance_after, reason FROM app.point_ledger ORDER BY id;
COMMIT;

\echo '== 10. Audit trail (administrator view)'
SELECT id, actor_role, action, object_type, context - 'card_id' - 'merchant_id' - 'member_id' - 'original_tx_id' AS context
  FROM audit.event_log ORDER BY id;

\echo '== 11. Alice opens a family (prepaid) card with a binding password; the backend tops it up'
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'alice', 'role', 'authenticated')::text, true) \gset
SELECT card_id AS family, card_no FROM app.create_prepaid_card(p_binding_password => 'our-family-2026') \gset
COMMIT;
BEGIN;
SET LOCAL ROLE service_role;
SELECT tx_no, amount FROM app.user_recharge_card(:'family', 300.00, 'alipay', 'family top-up', '{}', 'ali-2088-0001');
COMMIT;

\echo '== 12. Bob registers; a wrong password does not bind him (false, and counted), the right one does'
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'bob', 'role', 'authenticated')::text, true) \gset
SELECT app.create_member_profile('Bob') AS bob_member \gset
SELECT app.bind_member_to_card(:'family', :'bob_member', 'member', 'our-family') AS bound_with_wrong_password;
SELECT app.bind_member_to_card(:'family', :'bob_member', 'member', 'our-family-2026') AS bound;
SELECT qr_plain AS family_qr FROM app.rotate_card_qr(:'family') \gset
COMMIT;

\echo '== 13. Bob pays 45.00 from the family card at the cashier'
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'staff', 'role', 'authenticated')::text, true) \gset
SELECT tx_no, card_type, final_amount, discount, points_earned
  FROM app.merchant_charge_by_qr('COFFEE01', :'family_qr', 45.00, 'breakfast for two');
COMMIT;
SELECT card_no, card_type, balance, points FROM app.member_cards WHERE id = :'family';

\echo '== 14. A 20.00 voucher for Bob pays once: 12.50 of it, the 7.50 left is written off'
SELECT card_id AS voucher FROM app.create_voucher_card(:'bob_member', 20.00, now() + interval '30 days',
                                                        p_reason => 'welcome voucher') \gset
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'bob', 'role', 'authenticated')::text, true) \gset
SELECT qr_plain AS voucher_qr FROM app.rotate_card_qr(:'voucher', 'voucher') \gset
COMMIT;
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'staff', 'role', 'authenticated')::text, true) \gset
SELECT tx_no, card_type, final_amount FROM app.merchant_charge_by_qr('COFFEE01', :'voucher_qr', 12.50, 'croissant');
COMMIT;
SELECT tx_type, final_amount, reason FROM app.transactions WHERE card_id = :'voucher' ORDER BY final_amount DESC;
SELECT card_no, status, balance FROM app.member_cards WHERE id = :'voucher';

\echo '== 15. Seed 003: Columbia CSSA; Alice joins, its administrator verifies her (she gets the organisation card)'
\set cssa_admin '00000000-0000-4000-8000-0000000c55a0'
SELECT app.create_organization('Columbia CSSA', '哥伦比亚大学中国学生学者联谊会',
         'Columbia Chinese Students and Scholars Association', 'columbia-cssa', 'US-NY',
         p_brand_colors => '{"primary": "#1E40AF", "secondary": "#DBEAFE"}') AS cssa \gset
SELECT app.set_organization_admin(:'cssa', :'cssa_admin') AS appointed;
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'alice', 'role', 'authenticated')::text, true) \gset
SELECT app.join_organization(:'cssa', '{"student_id": "cu-2024-001"}') ->> 'verification_status' AS applied;
COMMIT;
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'cssa_admin', 'role', 'authenticated')::text, true) \gset
SELECT r ->> 'verification_status' AS status, r ->> 'member_number' AS member_number, r ->> 'is_current' AS current
  FROM app.review_organization_member(:'cssa', :'member_id', 'verified', 'premium', 'CSSA2024001') r;
COMMIT;

\echo '== 16. The coffee shop partners with Columbia (10 % off); Alice scans its counter code and takes its card'
SELECT app.set_partnership(:'cssa', :'merchant_id', 'premium', 10, '["free upsize"]') ->> 'discount_rate' AS discount_rate;
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'alice', 'role', 'authenticated')::text, true) \gset
SELECT r ->> 'has_permission' AS has_permission, r #>> '{merchant,name}' AS merchant,
       r #>> '{partnership_info,discount_rate}' AS rate
  FROM app.verify_merchant_qr('vitaglobal://merchant/COFFEE01/location/001') r;
SELECT r ->> 'created' AS created, r #>> '{card,card_type}' AS card_type, r #>> '{card,card_number}' AS card_number
  FROM app.create_merchant_card(p_qr_data => 'vitaglobal://merchant/COFFEE01/location/001') r;
SELECT qr_plain AS partner_qr FROM app.rotate_card_qr(:'card_id') \gset
COMMIT;

\echo '== 17. Alice pays 50.00 there: the better of her level''s discount (none yet) and her organisation''s 10 %, never both'
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'staff', 'role', 'authenticated')::text, true) \gset
SELECT tx_no, final_amount, discount, discount_source FROM app.merchant_charge_by_qr('COFFEE01', :'partner_qr', 50.00, 'flat white');
COMMIT;

\echo '== 18. Ledger checker: no rows means every invariant holds'
SELECT * FROM app.verify_ledger();
