-- Charge by QR (issue #3), the success path: merchant_charge_by_qr at every level of the
-- ladder, final = round(raw x discount, 2) half away from zero (checked against
-- PostgreSQL's round() on the same rows), points = floor(raw), levels and discounts changing
-- at 1000, 5000 and 10000 points, the point ledger, the transaction rows and one audit row per
-- charge; corporate cards and the corporate perk; the largest amount. Errors and idempotency
-- are in money_charge_errors.
\set SHOW_CONTEXT never
\set VERBOSITY default
-- This file is about amounts: Dan's one QR code pays at every level of the ladder, so codes stay
-- usable until they expire (a deployment setting; by default a payment consumes its code, see
-- sql/money_security.sql).
SET mps.qr_reuse_within_ttl = on;

\set u_dan     'a4000000-0000-4000-8000-000000000001'
\set u_hank    'a4000000-0000-4000-8000-000000000002'
\set u_cashier 'a4000000-0000-4000-8000-000000000003'
\set as_dan     'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a4000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_hank    'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a4000000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_cashier 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a4000000-0000-4000-8000-000000000003","role":"authenticated"}'';'

-- Fixtures: a merchant and its cashier; Dan with 20000.00 on his standard card.
SELECT app.create_merchant('MC_SHOP', 'Charge Test Shop') IS NOT NULL AS created;
SELECT app.add_merchant_user('MC_SHOP', :'u_cashier');
SELECT id AS shop_id FROM app.merchants WHERE code = 'MC_SHOP' \gset
INSERT INTO app.member_profiles (user_id, name) VALUES (:'u_dan', 'MC Dan'), (:'u_hank', 'MC Hank'), (NULL, 'MC Max');
SELECT c.id AS dan_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MC Dan' \gset
SELECT c.id AS hank_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MC Hank' \gset
SELECT c.id AS max_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MC Max' \gset
SELECT amount FROM app.user_recharge_card(:'dan_card', 20000.00);
SELECT COALESCE(max(id), 0) AS audit_mark FROM audit.event_log \gset
-- Dan shows a QR code valid for a day.
BEGIN; :as_dan
SELECT qr_plain AS qr_dan FROM app.rotate_card_qr(:'dan_card', 'personal', 86400) \gset
COMMIT;

-- What each charge returned (ids and tx_no compared, never printed), and Dan's card.
CREATE TEMP TABLE pay (label text PRIMARY KEY, tx_id uuid, tx_no text, card_type text, card_id uuid,
                       final_amount numeric, discount numeric, points_earned bigint, discount_source text,
                       partner_organization_id uuid);
GRANT ALL ON pay TO PUBLIC;
CREATE TEMP VIEW dan AS
  SELECT points, level, discount, balance FROM app.member_cards WHERE id = :'dan_card';

--------------------------------------------------------------------------------------------
-- Level 0 (discount 1.000) up to 1000 points
--------------------------------------------------------------------------------------------
BEGIN; :as_cashier
INSERT INTO pay SELECT 'd01', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 999.99)
RETURNING label, card_type, card_id = :'dan_card' AS dan_card, final_amount, discount,
          tx_no ~ '^PAY[0-9]{20}$' AS tx_no_shape;
COMMIT;
-- 999 points: still level 0.
SELECT * FROM dan;
-- One more unit: 1000 points, level 1 (0.950). This charge itself was at the old discount.
BEGIN; :as_cashier
INSERT INTO pay SELECT 'd02', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 1.00) RETURNING label, final_amount, discount;
COMMIT;
SELECT * FROM dan;

--------------------------------------------------------------------------------------------
-- Level 1 (0.950): half-cent cases and points = floor(raw)
--------------------------------------------------------------------------------------------
-- 0.10 x 0.950 = 0.095 -> 0.10; 10.10 x 0.950 = 9.595 -> 9.60; 0.30 x 0.950 = 0.285 -> 0.29;
-- 0.11 x 0.950 = 0.1045 -> 0.10 (down); 299.00 x 0.950 = 284.05; 3690.00 x 0.950 = 3505.50.
BEGIN; :as_cashier
INSERT INTO pay SELECT 'd03', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 0.10) RETURNING label, final_amount, discount;
INSERT INTO pay SELECT 'd04', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 10.10) RETURNING label, final_amount, discount;
INSERT INTO pay SELECT 'd05', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 0.30) RETURNING label, final_amount, discount;
INSERT INTO pay SELECT 'd06', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 0.11) RETURNING label, final_amount, discount;
COMMIT;
BEGIN; :as_cashier
INSERT INTO pay SELECT 'd07', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 299.00) RETURNING label, final_amount, discount;
COMMIT;
SELECT * FROM dan;
BEGIN; :as_cashier
INSERT INTO pay SELECT 'd08', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 3690.00) RETURNING label, final_amount, discount;
COMMIT;
-- 4999 points: still level 1.
SELECT * FROM dan;
-- 1.00 x 0.950 = 0.95 and the 5000th point: level 2 (0.900).
BEGIN; :as_cashier
INSERT INTO pay SELECT 'd09', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 1.00) RETURNING label, final_amount, discount;
COMMIT;
SELECT * FROM dan;

--------------------------------------------------------------------------------------------
-- Level 2 (0.900)
--------------------------------------------------------------------------------------------
-- 0.05 x 0.900 = 0.045 -> 0.05; 12.35 x 0.900 = 11.115 -> 11.12; 0.15 x 0.900 = 0.135 -> 0.14;
-- 4987.99 x 0.900 = 4489.191 -> 4489.19 (4987 points: 9999).
BEGIN; :as_cashier
INSERT INTO pay SELECT 'd10', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 0.05) RETURNING label, final_amount, discount;
INSERT INTO pay SELECT 'd11', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 12.35) RETURNING label, final_amount, discount;
INSERT INTO pay SELECT 'd12', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 0.15) RETURNING label, final_amount, discount;
INSERT INTO pay SELECT 'd13', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 4987.99) RETURNING label, final_amount, discount;
COMMIT;
SELECT * FROM dan;
-- 1.99 x 0.900 = 1.791 -> 1.79, one point (floor 1.99): 10000 points, level 3 (0.850).
BEGIN; :as_cashier
INSERT INTO pay SELECT 'd14', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 1.99) RETURNING label, final_amount, discount;
COMMIT;
SELECT * FROM dan;

--------------------------------------------------------------------------------------------
-- Level 3 (0.850), the open-ended top
--------------------------------------------------------------------------------------------
-- 0.10 x 0.850 = 0.085 -> 0.09; 10.10 x 0.850 = 8.585 -> 8.59; 0.30 x 0.850 = 0.255 -> 0.26;
-- 10.99 x 0.850 = 9.3415 -> 9.34 with 10 points; 100.00 x 0.850 = 85.00.
BEGIN; :as_cashier
INSERT INTO pay SELECT 'd15', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 0.10) RETURNING label, final_amount, discount;
INSERT INTO pay SELECT 'd16', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 10.10) RETURNING label, final_amount, discount;
INSERT INTO pay SELECT 'd17', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 0.30) RETURNING label, final_amount, discount;
INSERT INTO pay SELECT 'd18', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 10.99) RETURNING label, final_amount, discount;
INSERT INTO pay SELECT 'd19', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_dan', 100.00) RETURNING label, final_amount, discount;
COMMIT;
-- 10120 points; 20000.00 minus the nineteen final amounts (computed by hand) = 10592.85.
SELECT * FROM dan;

--------------------------------------------------------------------------------------------
-- What was written
--------------------------------------------------------------------------------------------
-- The transaction rows: each final amount equals PostgreSQL's round(raw * discount, 2) on the
-- same row, and what the RPC returned; points = floor(raw).
SELECT x.label, t.tx_type, t.status, t.raw_amount, t.discount_applied, t.final_amount,
       round(t.raw_amount * t.discount_applied, 2) AS pg_round,
       t.final_amount = round(t.raw_amount * t.discount_applied, 2) AS same,
       t.final_amount = x.final_amount AND t.discount_applied = x.discount AS as_returned,
       t.points_earned, t.points_earned = floor(t.raw_amount) AS floor_raw
  FROM pay x JOIN app.transactions t ON t.id = x.tx_id
 ORDER BY x.label;
SELECT count(*) AS payments, sum(t.final_amount) AS total_final, sum(t.points_earned) AS total_points,
       bool_and(t.merchant_id = :'shop_id') AS all_at_mc_shop, bool_and(t.card_id = :'dan_card') AS all_dan,
       bool_and(t.tx_no = x.tx_no) AS tx_no_as_returned, bool_and(t.actor_user_id = :'u_cashier') AS all_by_cashier,
       bool_and(t.actor_role = 'authenticated') AS all_authenticated
  FROM pay x JOIN app.transactions t ON t.id = x.tx_id;
-- The half-cent cases against PostgreSQL's round() directly.
SELECT raw, discount, round(raw * discount, 2) AS pg_round
  FROM (VALUES (0.10, 0.950), (10.10, 0.950), (0.30, 0.950), (0.11, 0.950),
               (0.05, 0.900), (12.35, 0.900), (0.15, 0.900),
               (0.10, 0.850), (10.10, 0.850), (0.30, 0.850)) v(raw, discount);
-- The point ledger: one row per payment that earned points (none for 0 points), each
-- continuing the previous one, linked to its payment.
SELECT x.label, l.delta, l.balance_before, l.balance_after, l.reason, l.actor_user_id = :'u_cashier' AS by_cashier
  FROM app.point_ledger l LEFT JOIN pay x ON x.tx_id = l.tx_id
 WHERE l.card_id = :'dan_card' ORDER BY l.id;
SELECT sum(delta) = (SELECT points FROM app.member_cards WHERE id = :'dan_card') AS ledger_adds_up
  FROM app.point_ledger WHERE card_id = :'dan_card';
-- The registry, and one audit row per charge with amount, balance after and points delta.
SELECT count(*) AS registered FROM pay x JOIN app.tx_registry r ON r.tx_no = x.tx_no AND r.tx_id = x.tx_id
 WHERE r.tx_type = 'payment' AND r.card_id = :'dan_card' AND r.merchant_id = :'shop_id';
SELECT x.label, e.actor_role, (e.context ->> 'amount')::numeric AS amount,
       (e.context ->> 'balance_after')::numeric AS balance_after, (e.context ->> 'points_delta')::int AS points_delta
  FROM audit.event_log e JOIN pay x ON x.tx_no = e.object_id
 WHERE e.id > :audit_mark AND e.action = 'payment.charge' AND e.object_type = 'transaction'
 ORDER BY e.id;
SELECT count(*) AS charge_audit_rows FROM audit.event_log WHERE id > :audit_mark AND action = 'payment.charge';

--------------------------------------------------------------------------------------------
-- Corporate cards: fixed discount, no points; the corporate perk on a bound member's card
--------------------------------------------------------------------------------------------
INSERT INTO app.member_cards (card_no, card_type, fixed_discount, company_name)
VALUES (sec.new_card_no('corporate'), 'corporate', 0.800, 'Test Co') RETURNING id AS corp_card \gset
SELECT amount FROM app.user_recharge_enterprise_card_admin(:'corp_card', 100.00);
SELECT amount FROM app.user_recharge_card(:'hank_card', 100.00);
-- An administrator shows the corporate card's QR; 10.00 x 0.800 = 8.00, no points.
SELECT qr_plain AS qr_corp FROM app.rotate_card_qr(:'corp_card', 'enterprise', 86400) \gset
BEGIN; :as_cashier
INSERT INTO pay SELECT 'corp', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_corp', 10.00)
RETURNING label, card_type, final_amount, discount;
COMMIT;
SELECT t.points_earned, c.balance, c.points, (SELECT count(*) FROM app.point_ledger l WHERE l.card_id = c.id) AS ledger_rows
  FROM pay x JOIN app.transactions t ON t.id = x.tx_id JOIN app.member_cards c ON c.id = t.card_id WHERE x.label = 'corp';
-- A charge the discount brings to 0.00 is refused (0.01 x 0.400 = 0.004): no payment of
-- nothing, no point earned for free; the card is unchanged.
UPDATE app.member_cards SET fixed_discount = 0.400 WHERE id = :'corp_card';
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_corp', 0.01);
\echo :SQLSTATE
ROLLBACK;
UPDATE app.member_cards SET fixed_discount = 0.800 WHERE id = :'corp_card';
SELECT balance, (SELECT count(*) FROM app.transactions t WHERE t.card_id = c.id) AS transactions
  FROM app.member_cards c WHERE c.id = :'corp_card';
-- Hank (level 0, 1.000) is bound to the active corporate card: his own card pays at the
-- better 0.800 and still earns points (10.00 -> 8.00, 10 points).
INSERT INTO app.card_bindings (card_id, member_id, role)
SELECT :'corp_card', p.id, 'member' FROM app.member_profiles p WHERE p.name = 'MC Hank';
BEGIN; :as_hank
SELECT qr_plain AS qr_hank FROM app.rotate_card_qr(:'hank_card') \gset
COMMIT;
BEGIN; :as_cashier
INSERT INTO pay SELECT 'hank_perk', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_hank', 10.00)
RETURNING label, card_type, card_id = :'hank_card' AS hank_card, final_amount, discount;
COMMIT;
-- The perk ends with the binding: back to the level's 1.000.
UPDATE app.card_bindings SET status = 'removed' WHERE card_id = :'corp_card';
BEGIN; :as_cashier
INSERT INTO pay SELECT 'hank_no_perk', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_hank', 10.00)
RETURNING label, card_type, final_amount, discount;
COMMIT;
SELECT balance, points, level, discount FROM app.member_cards WHERE id = :'hank_card';

--------------------------------------------------------------------------------------------
-- The largest amount: 9999999999.99 at level 0, all of it in points
--------------------------------------------------------------------------------------------
SELECT amount FROM app.user_recharge_card(:'max_card', 9999999999.99);
SELECT qr_plain AS qr_max FROM app.rotate_card_qr(:'max_card') \gset
BEGIN; :as_cashier
INSERT INTO pay SELECT 'max', * FROM app.merchant_charge_by_qr('MC_SHOP', :'qr_max', 9999999999.99)
RETURNING label, final_amount, discount;
COMMIT;
SELECT balance, points, level, discount FROM app.member_cards WHERE id = :'max_card';
DROP VIEW dan;
