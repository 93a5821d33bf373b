-- Refunds (issue #3): merchant_refund_tx. Partial and repeated refunds, the exact remainder,
-- over-refunds (REFUND_EXCEEDS_REMAINING, the remainder in DETAIL), the payment becoming
-- 'refunded', what cannot be refunded (TX_NOT_REFUNDABLE, ORIGINAL_TX_NOT_FOUND), who may
-- refund, the proportional points clawback (never below zero) and the level falling back.
\set SHOW_CONTEXT never
\set VERBOSITY default
-- This file is not about QR codes being used up: codes stay usable until they expire (a
-- deployment setting; by default a payment consumes its code, see sql/money_security.sql).
SET mps.qr_reuse_within_ttl = on;

\set u_rita     'a6000000-0000-4000-8000-000000000001'
\set u_cashier  'a6000000-0000-4000-8000-000000000003'
\set u_cashier2 'a6000000-0000-4000-8000-000000000004'
\set as_rita     'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a6000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_cashier  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a6000000-0000-4000-8000-000000000003","role":"authenticated"}'';'
\set as_cashier2 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a6000000-0000-4000-8000-000000000004","role":"authenticated"}'';'

-- Fixtures: MF_SHOP and MF_OTHER with a cashier each; Rita, Lev and Zed with money and a
-- live QR code (shown by an administrator).
SELECT app.create_merchant(code, 'Refund Test ' || code) IS NOT NULL AS created
  FROM unnest(ARRAY['MF_SHOP', 'MF_OTHER']) code;
SELECT app.add_merchant_user('MF_SHOP', :'u_cashier');
SELECT app.add_merchant_user('MF_OTHER', :'u_cashier2');
SELECT id AS shop_id FROM app.merchants WHERE code = 'MF_SHOP' \gset
INSERT INTO app.member_profiles (user_id, name) VALUES (:'u_rita', 'MF Rita'), (NULL, 'MF Lev'), (NULL, 'MF Zed');
SELECT c.id AS rita_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MF Rita' \gset
SELECT c.id AS lev_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MF Lev' \gset
SELECT c.id AS zed_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MF Zed' \gset
SELECT amount FROM app.user_recharge_card(:'rita_card', 1000.00);
SELECT amount FROM app.user_recharge_card(:'lev_card', 5000.00);
SELECT amount FROM app.user_recharge_card(:'zed_card', 500.00);
SELECT qr_plain AS qr_rita FROM app.rotate_card_qr(:'rita_card', NULL, 86400) \gset
SELECT qr_plain AS qr_lev FROM app.rotate_card_qr(:'lev_card', NULL, 86400) \gset
SELECT qr_plain AS qr_zed FROM app.rotate_card_qr(:'zed_card', NULL, 86400) \gset
SELECT COALESCE(max(id), 0) AS audit_mark FROM audit.event_log \gset

-- Payments and refunds by label (tx_no and ids compared, never printed).
CREATE TEMP TABLE tx (label text PRIMARY KEY, tx_id uuid, tx_no text, amount numeric);
GRANT ALL ON tx TO PUBLIC;
CREATE TEMP VIEW cards AS
  SELECT p.name, c.balance, c.points, c.level, c.discount
    FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name LIKE 'MF %';
-- Refund errors whose DETAIL names a dated tx_no are shown with the tx_no masked.
CREATE FUNCTION pg_temp.refund_error(p_merchant text, p_tx_no text, p_amount numeric)
RETURNS TABLE (sqlstate text, message text, detail text)
LANGUAGE plpgsql AS $$
DECLARE
  d text;
BEGIN
  PERFORM app.merchant_refund_tx(p_merchant, p_tx_no, p_amount);
  RETURN QUERY SELECT '00000'::text, 'no error'::text, NULL::text;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
  RETURN QUERY SELECT SQLSTATE::text, SQLERRM::text, replace(d, p_tx_no, '<tx_no>');
END
$$;

--------------------------------------------------------------------------------------------
-- Partial, repeated and exact refunds of a level-0 payment (100.00, 100 points)
--------------------------------------------------------------------------------------------
BEGIN; :as_cashier
INSERT INTO tx SELECT 'p1', tx_id, tx_no, final_amount FROM app.merchant_charge_by_qr('MF_SHOP', :'qr_rita', 100.00)
RETURNING label, amount;
COMMIT;
SELECT * FROM cards WHERE name = 'MF Rita';
-- 30.00 back: the clawback is floor(100 x 30.00 / 100.00) = 30 points.
BEGIN; :as_cashier
INSERT INTO tx SELECT 'r1', * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'p1'), 30.00, 'one item returned')
RETURNING label, amount, tx_no ~ '^REF[0-9]{20}$' AS tx_no_shape;
COMMIT;
SELECT * FROM cards WHERE name = 'MF Rita';
-- 33.33 more: floor(100 x 63.33 / 100.00) = 63 in all, so 33 now.
BEGIN; :as_cashier
INSERT INTO tx SELECT 'r2', * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'p1'), 33.33)
RETURNING label, amount;
COMMIT;
SELECT * FROM cards WHERE name = 'MF Rita';
SELECT status FROM app.transactions WHERE id = (SELECT tx_id FROM tx WHERE label = 'p1');
-- One cent over the remaining 36.67: REFUND_EXCEEDS_REMAINING (P0001).
BEGIN; :as_cashier
SELECT * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'p1'), 36.68);
\echo :SQLSTATE
ROLLBACK;
-- Exactly the remainder: the rest of the points (37) and the payment is 'refunded'.
BEGIN; :as_cashier
INSERT INTO tx SELECT 'r3', * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'p1'), 36.67)
RETURNING label, amount;
COMMIT;
SELECT * FROM cards WHERE name = 'MF Rita';
SELECT status FROM app.transactions WHERE id = (SELECT tx_id FROM tx WHERE label = 'p1');
-- Nothing left: even a cent is REFUND_EXCEEDS_REMAINING, with a remainder of 0.00.
BEGIN; :as_cashier
SELECT * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'p1'), 0.01);
\echo :SQLSTATE
ROLLBACK;
-- The refund rows: type refund, raw = final = the amount, the payment's refunded total with
-- this refund (the next refund's remainder is read there), pointing at the payment, at the
-- payment's merchant and card, negative points.
SELECT x.label, t.tx_type, t.status, t.raw_amount, t.final_amount, t.refunded_after, t.discount_applied, t.points_earned,
       t.original_tx_id = (SELECT tx_id FROM tx WHERE label = 'p1') AS of_p1,
       t.merchant_id = :'shop_id' AS at_mf_shop, t.card_id = :'rita_card' AS to_rita, t.reason,
       t.actor_user_id = :'u_cashier' AS by_cashier
  FROM tx x JOIN app.transactions t ON t.id = x.tx_id WHERE x.label LIKE 'r_' ORDER BY x.label;
SELECT count(*) AS registered FROM tx x JOIN app.tx_registry r ON r.tx_no = x.tx_no AND r.tx_id = x.tx_id
 WHERE x.label LIKE 'r_' AND r.tx_type = 'refund' AND r.merchant_id = :'shop_id';
-- The point ledger of Rita's card.
SELECT x.label, l.delta, l.balance_before, l.balance_after, l.reason
  FROM app.point_ledger l LEFT JOIN tx x ON x.tx_id = l.tx_id WHERE l.card_id = :'rita_card' ORDER BY l.id;

--------------------------------------------------------------------------------------------
-- What cannot be refunded, and who may refund
--------------------------------------------------------------------------------------------
-- A recharge taken at MF_SHOP's counter is not a payment: TX_NOT_REFUNDABLE; nor is a refund.
SELECT enabled FROM app.set_merchant_counter_topup('MF_SHOP', true, 100.00, 500.00);
BEGIN; :as_cashier
INSERT INTO tx SELECT 'desk_recharge', tx_id, tx_no, amount FROM app.user_recharge_card(:'rita_card', 20.00, 'cash', p_merchant_code => 'MF_SHOP')
RETURNING label, amount;
COMMIT;
BEGIN; :as_cashier
SELECT * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'desk_recharge'), 1.00);
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cashier
SELECT * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'r1'), 1.00);
\echo :SQLSTATE
ROLLBACK;
-- An unknown tx_no: ORIGINAL_TX_NOT_FOUND (PT404).
BEGIN; :as_cashier
SELECT * FROM app.merchant_refund_tx('MF_SHOP', 'PAY00000000000000000000', 1.00);
\echo :SQLSTATE
ROLLBACK;
-- Another merchant's payment, and a backend recharge (no merchant), are not found either (the
-- tx_no in DETAIL is masked here).
BEGIN; :as_cashier
INSERT INTO tx SELECT 'p2', tx_id, tx_no, final_amount FROM app.merchant_charge_by_qr('MF_SHOP', :'qr_rita', 50.00)
RETURNING label, amount;
COMMIT;
BEGIN; :as_cashier2
SELECT * FROM pg_temp.refund_error('MF_OTHER', (SELECT tx_no FROM tx WHERE label = 'p2'), 1.00);
ROLLBACK;
SELECT tx_no AS backend_recharge_no FROM app.transactions
 WHERE card_id = :'rita_card' AND tx_type = 'recharge' AND merchant_id IS NULL \gset
BEGIN; :as_cashier
SELECT * FROM pg_temp.refund_error('MF_SHOP', :'backend_recharge_no', 1.00);
ROLLBACK;
-- The member who paid may not refund herself: PERMISSION_DENIED.
BEGIN; :as_rita
SELECT * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'p2'), 1.00);
\echo :SQLSTATE
ROLLBACK;
-- Nor may the other merchant's cashier at MF_SHOP.
BEGIN; :as_cashier2
SELECT * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'p2'), 1.00);
\echo :SQLSTATE
ROLLBACK;
-- While MF_SHOP is suspended its payments cannot be refunded (MERCHANT_NOT_FOUND_OR_INACTIVE).
UPDATE app.merchants SET status = 'suspended' WHERE code = 'MF_SHOP';
BEGIN; :as_cashier
SELECT * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'p2'), 1.00);
\echo :SQLSTATE
ROLLBACK;
UPDATE app.merchants SET status = 'active' WHERE code = 'MF_SHOP';
-- A platform administrator may: 50.00 refunded in full, 50 points back out.
INSERT INTO tx SELECT 'r4_admin', * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'p2'), 50.00)
RETURNING label, amount;
SELECT t.status, (SELECT actor_role FROM app.transactions WHERE id = (SELECT tx_id FROM tx WHERE label = 'r4_admin')) AS refund_actor
  FROM app.transactions t WHERE t.id = (SELECT tx_id FROM tx WHERE label = 'p2');
-- 1000.00 - 100.00 + 30.00 + 33.33 + 36.67 + 20.00 - 50.00 + 50.00 = 1020.00, no points.
SELECT * FROM cards WHERE name = 'MF Rita';

--------------------------------------------------------------------------------------------
-- Proportional clawback on a discounted payment, and the level falling back
--------------------------------------------------------------------------------------------
-- Lev pays 1000.00 at level 0 (1000 points: level 1), then 299.00 at 0.950 = 284.05
-- (299 points: 1299).
BEGIN; :as_cashier
INSERT INTO tx SELECT 'lev_p1', tx_id, tx_no, final_amount FROM app.merchant_charge_by_qr('MF_SHOP', :'qr_lev', 1000.00)
RETURNING label, amount;
INSERT INTO tx SELECT 'lev_p2', tx_id, tx_no, final_amount FROM app.merchant_charge_by_qr('MF_SHOP', :'qr_lev', 299.00)
RETURNING label, amount;
COMMIT;
SELECT * FROM cards WHERE name = 'MF Lev';
-- 100.00 of the 284.05 back: floor(299 x 100.00 / 284.05) = floor(105.26...) = 105 points.
BEGIN; :as_cashier
INSERT INTO tx SELECT 'lev_r1', * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'lev_p2'), 100.00)
RETURNING label, amount;
COMMIT;
SELECT * FROM cards WHERE name = 'MF Lev';
-- The remaining 184.05: 299 - 105 = 194 points; 1000 points left, still level 1.
BEGIN; :as_cashier
INSERT INTO tx SELECT 'lev_r2', * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'lev_p2'), 184.05)
RETURNING label, amount;
COMMIT;
SELECT * FROM cards WHERE name = 'MF Lev';
-- 1.00 of the 1000.00 payment: floor(1000 x 1.00 / 1000.00) = 1 point, 999 points: level 0,
-- discount 1.000 again: the next payment is at full price (and its 10 points make 1009,
-- level 1 again).
BEGIN; :as_cashier
INSERT INTO tx SELECT 'lev_r3', * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'lev_p1'), 1.00)
RETURNING label, amount;
COMMIT;
SELECT * FROM cards WHERE name = 'MF Lev';
BEGIN; :as_cashier
SELECT final_amount, discount FROM app.merchant_charge_by_qr('MF_SHOP', :'qr_lev', 10.00);
COMMIT;
SELECT * FROM cards WHERE name = 'MF Lev';
SELECT x.label, l.delta, l.balance_before, l.balance_after, l.reason
  FROM app.point_ledger l LEFT JOIN tx x ON x.tx_id = l.tx_id WHERE l.card_id = :'lev_card' ORDER BY l.id;

--------------------------------------------------------------------------------------------
-- The clawback never takes a card below zero points
--------------------------------------------------------------------------------------------
-- Zed pays 200.00 (200 points), then 150 of the points go elsewhere (a superuser adjustment
-- with its ledger row, standing in for a redemption): 50 points left.
BEGIN; :as_cashier
INSERT INTO tx SELECT 'zed_p1', tx_id, tx_no, final_amount FROM app.merchant_charge_by_qr('MF_SHOP', :'qr_zed', 200.00)
RETURNING label, amount;
COMMIT;
UPDATE app.member_cards SET points = 50 WHERE id = :'zed_card';
INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, reason)
VALUES (:'zed_card', -150, 200, 50, 'test: points redeemed');
-- The full refund would claw back 200; only the 50 there are taken.
BEGIN; :as_cashier
INSERT INTO tx SELECT 'zed_r1', * FROM app.merchant_refund_tx('MF_SHOP', (SELECT tx_no FROM tx WHERE label = 'zed_p1'), 200.00)
RETURNING label, amount;
COMMIT;
SELECT * FROM cards WHERE name = 'MF Zed';
SELECT x.label, l.delta, l.balance_before, l.balance_after, l.reason
  FROM app.point_ledger l LEFT JOIN tx x ON x.tx_id = l.tx_id WHERE l.card_id = :'zed_card' ORDER BY l.id;
SELECT t.points_earned, p.status AS payment_status
  FROM app.transactions t, app.transactions p
 WHERE t.id = (SELECT tx_id FROM tx WHERE label = 'zed_r1') AND p.id = (SELECT tx_id FROM tx WHERE label = 'zed_p1');

--------------------------------------------------------------------------------------------
-- Audit, and the ledger
--------------------------------------------------------------------------------------------
-- One payment.refund row per refund, with the amount, the balance after and the points taken.
SELECT x.label, e.actor_role, (e.context ->> 'amount')::numeric AS amount,
       (e.context ->> 'balance_after')::numeric AS balance_after, (e.context ->> 'points_delta')::int AS points_delta,
       e.context ->> 'original_tx_id' = t.original_tx_id::text AS names_the_payment
  FROM audit.event_log e JOIN tx x ON x.tx_no = e.object_id JOIN app.transactions t ON t.id = x.tx_id
 WHERE e.id > :audit_mark AND e.action = 'payment.refund'
 ORDER BY e.id;
SELECT count(*) AS ledger_violations FROM app.verify_ledger();
-- The checker proves the running totals: one that is off, and one on a payment, are reported
-- (the tx_no is dated, so only its shape is shown).
BEGIN;
UPDATE app.transactions SET refunded_after = refunded_after + 0.01 WHERE id = (SELECT tx_id FROM tx WHERE label = 'r2');
UPDATE app.transactions SET refunded_after = 1.00 WHERE id = (SELECT tx_id FROM tx WHERE label = 'p1');
SELECT invariant, object_id ~ '^(PAY|REF)[0-9]{20}$' AS tx_no_shape, detail FROM app.verify_ledger() ORDER BY detail;
ROLLBACK;
DROP VIEW cards;
