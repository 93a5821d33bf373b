-- Charge by QR (issue #3), idempotency and every refusal: p_raw_amount by name, the amount
-- given twice or not at all, idempotency keys and external order ids, INSUFFICIENT_BALANCE,
-- callers that are not (active) staff of the (active) merchant, inactive cards, members and
-- QR codes. A refused charge changes nothing.
\set SHOW_CONTEXT never
\set VERBOSITY default
-- This file is not about QR codes being used up: codes stay usable until they expire (a
-- deployment setting; by default a payment consumes its code, see sql/money_security.sql).
SET mps.qr_reuse_within_ttl = on;

\set u_eve      'a5000000-0000-4000-8000-000000000001'
\set u_cashier  'a5000000-0000-4000-8000-000000000003'
\set u_cashier2 'a5000000-0000-4000-8000-000000000004'
\set u_cashier3 'a5000000-0000-4000-8000-000000000005'
\set u_former   'a5000000-0000-4000-8000-000000000006'
\set as_eve      'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a5000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_cashier  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a5000000-0000-4000-8000-000000000003","role":"authenticated"}'';'
\set as_cashier2 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a5000000-0000-4000-8000-000000000004","role":"authenticated"}'';'
\set as_cashier3 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a5000000-0000-4000-8000-000000000005","role":"authenticated"}'';'
\set as_former   'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a5000000-0000-4000-8000-000000000006","role":"authenticated"}'';'
\set as_service  'SET LOCAL ROLE service_role;'

-- Fixtures: MCE_SHOP (a cashier and a former cashier), MCE_OTHER (a cashier), MCE_SUSP (a
-- cashier; suspended below); Eve, Frank, Gail and Ivy with money on their standard cards and
-- a live QR code each (shown by an administrator).
SELECT app.create_merchant(code, 'Charge Errors ' || code) IS NOT NULL AS created
  FROM unnest(ARRAY['MCE_SHOP', 'MCE_OTHER', 'MCE_SUSP']) code;
SELECT app.add_merchant_user('MCE_SHOP', :'u_cashier');
SELECT app.add_merchant_user('MCE_SHOP', :'u_former');
SELECT app.add_merchant_user('MCE_OTHER', :'u_cashier2');
SELECT app.add_merchant_user('MCE_SUSP', :'u_cashier3');
UPDATE app.merchant_users SET active = false WHERE user_id = :'u_former';
INSERT INTO app.member_profiles (user_id, name) VALUES
  (:'u_eve', 'MCE Eve'), (NULL, 'MCE Frank'), (NULL, 'MCE Gail'), (NULL, 'MCE Ivy');
CREATE TEMP TABLE card (label text PRIMARY KEY, id uuid NOT NULL);
INSERT INTO card SELECT lower(substr(p.name, 5)), c.id
  FROM app.member_profiles p JOIN app.member_cards c ON c.owner_member_id = p.id WHERE p.name LIKE 'MCE %';
SELECT id AS eve_card FROM card WHERE label = 'eve' \gset
SELECT id AS frank_card FROM card WHERE label = 'frank' \gset
SELECT id AS gail_card FROM card WHERE label = 'gail' \gset
SELECT id AS ivy_card FROM card WHERE label = 'ivy' \gset
SELECT k.label, r.amount FROM card k, LATERAL app.user_recharge_card(k.id, CASE k.label WHEN 'eve' THEN 50.00 ELSE 10.00 END) r
 ORDER BY k.label;
SELECT qr_plain AS qr_eve FROM app.rotate_card_qr(:'eve_card', NULL, 86400) \gset
SELECT qr_plain AS qr_frank FROM app.rotate_card_qr(:'frank_card', NULL, 86400) \gset
SELECT qr_plain AS qr_gail FROM app.rotate_card_qr(:'gail_card', NULL, 30) \gset
SELECT qr_plain AS qr_ivy FROM app.rotate_card_qr(:'ivy_card', NULL, 86400) \gset
CREATE TEMP TABLE pay (label text PRIMARY KEY, tx_id uuid, tx_no text, card_type text, card_id uuid,
                       final_amount numeric, discount numeric, points_earned bigint, discount_source text,
                       partner_organization_id uuid);
GRANT ALL ON pay TO PUBLIC;
-- Balances, points and row counts, to show what a refused call did not change.
CREATE TEMP VIEW state AS
SELECT (SELECT string_agg(k.label || '=' || c.balance || '/' || c.points || '/' || c.status, ' ' ORDER BY k.label)
          FROM card k JOIN app.member_cards c ON c.id = k.id) AS cards,
       (SELECT count(*) FROM app.transactions) AS transactions,
       (SELECT count(*) FROM app.tx_registry) AS tx_registry,
       (SELECT count(*) FROM app.idempotency_registry) AS idempotency_keys,
       (SELECT count(*) FROM app.merchant_order_registry) AS merchant_orders,
       (SELECT count(*) FROM app.point_ledger) AS point_ledger,
       (SELECT count(*) FROM audit.event_log) AS audit_rows;
SELECT cards FROM state;

--------------------------------------------------------------------------------------------
-- The amount: p_raw_price or, by name, p_raw_amount; exactly one of them
--------------------------------------------------------------------------------------------
BEGIN; :as_cashier
INSERT INTO pay SELECT 'by_name', * FROM app.merchant_charge_by_qr(p_merchant_code => 'MCE_SHOP',
  p_qr_plain => :'qr_eve', p_raw_amount => 10.00)
RETURNING label, card_type, card_id = :'eve_card' AS eve_card, final_amount, discount;
COMMIT;
SELECT t.raw_amount, t.final_amount, t.points_earned FROM app.transactions t JOIN pay x ON x.tx_id = t.id WHERE x.label = 'by_name';
CREATE TEMP TABLE before AS SELECT * FROM state;
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 10.00, p_raw_amount => 10.00);
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', NULL, p_raw_amount => NULL);
\echo :SQLSTATE
ROLLBACK;
SELECT (SELECT row(b.*)::text FROM before b) = (SELECT row(s.*)::text FROM state s) AS nothing_changed;
DROP TABLE before;

--------------------------------------------------------------------------------------------
-- Idempotency keys
--------------------------------------------------------------------------------------------
BEGIN; :as_cashier
INSERT INTO pay SELECT 'key1', * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 5.00, 'coffee',
  '{"table": 7}', 'mce-key-1')
RETURNING label, final_amount, discount;
COMMIT;
-- The same request again: the identical row, and the card charged once.
SELECT balance AS eve_before FROM app.member_cards WHERE id = :'eve_card' \gset
BEGIN; :as_cashier
INSERT INTO pay SELECT 'key1_replay', * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 5.00, 'coffee',
  '{"table": 7}', 'mce-key-1')
RETURNING label, final_amount, discount;
COMMIT;
SELECT (SELECT row(tx_id, tx_no, card_type, card_id, final_amount, discount)::text FROM pay WHERE label = 'key1')
     = (SELECT row(tx_id, tx_no, card_type, card_id, final_amount, discount)::text FROM pay WHERE label = 'key1_replay')
       AS identical_row;
SELECT balance - :eve_before AS balance_moved FROM app.member_cards WHERE id = :'eve_card';
SELECT (SELECT count(*) FROM app.transactions WHERE idempotency_key = 'mce-key-1') AS transactions,
       (SELECT count(*) FROM app.point_ledger l JOIN pay x ON x.tx_id = l.tx_id WHERE x.label = 'key1') AS ledger_rows,
       (SELECT count(*) FROM audit.event_log e JOIN pay x ON x.tx_no = e.object_id WHERE x.label = 'key1') AS audit_rows;
-- The same key for anything else: IDEMPOTENCY_KEY_REUSED (PT409), nothing moves.
CREATE TEMP TABLE before AS SELECT * FROM state;
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 5.01, 'coffee', '{"table": 7}', 'mce-key-1');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 5.00, 'tea', '{"table": 7}', 'mce-key-1');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_frank', 5.00, 'coffee', '{"table": 7}', 'mce-key-1');
\echo :SQLSTATE
ROLLBACK;
-- Keys live in scopes: another merchant's key, or the payment backend's (the platform), is
-- another key, whatever its text — neither is refused nor told that MCE_SHOP used it (both
-- rolled back here).
BEGIN; :as_cashier2
SELECT final_amount FROM app.merchant_charge_by_qr('MCE_OTHER', :'qr_eve', 5.00, 'coffee', '{"table": 7}', 'mce-key-1');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_service
SELECT amount FROM app.user_recharge_card(:'eve_card', 5.00, p_idempotency_key => 'mce-key-1');
\echo :SQLSTATE
ROLLBACK;
SELECT (SELECT row(b.*)::text FROM before b) = (SELECT row(s.*)::text FROM state s) AS nothing_changed;
DROP TABLE before;

--------------------------------------------------------------------------------------------
-- External order ids, per merchant
--------------------------------------------------------------------------------------------
BEGIN; :as_cashier
INSERT INTO pay SELECT 'order1', * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 2.00, p_external_order_id => 'MCE-ORD-1')
RETURNING label, final_amount;
INSERT INTO pay SELECT 'order1_replay', * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 2.00, p_external_order_id => 'MCE-ORD-1')
RETURNING label, final_amount;
COMMIT;
SELECT count(DISTINCT tx_no) AS distinct_tx FROM pay WHERE label LIKE 'order1%';
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 2.50, p_external_order_id => 'MCE-ORD-1');
\echo :SQLSTATE
ROLLBACK;
-- Another merchant's order with the same id is another order.
BEGIN; :as_cashier2
INSERT INTO pay SELECT 'order1_other', * FROM app.merchant_charge_by_qr('MCE_OTHER', :'qr_eve', 2.00, p_external_order_id => 'MCE-ORD-1')
RETURNING label, final_amount;
COMMIT;
-- 50.00 - 10.00 - 5.00 - 2.00 - 2.00 = 31.00, and 10 + 5 + 2 + 2 = 19 points.
SELECT balance, points FROM app.member_cards WHERE id = :'eve_card';

--------------------------------------------------------------------------------------------
-- INSUFFICIENT_BALANCE
--------------------------------------------------------------------------------------------
CREATE TEMP TABLE before AS SELECT * FROM state;
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 31.01);
\echo :SQLSTATE
ROLLBACK;
SELECT (SELECT row(b.*)::text FROM before b) = (SELECT row(s.*)::text FROM state s) AS nothing_changed;
DROP TABLE before;
-- Exactly the balance is fine; then not even a cent more.
BEGIN; :as_cashier
INSERT INTO pay SELECT 'all_of_it', * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 31.00) RETURNING label, final_amount;
COMMIT;
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 0.01);
\echo :SQLSTATE
ROLLBACK;
SELECT balance, points FROM app.member_cards WHERE id = :'eve_card';
-- A refused request does not use up its idempotency key: after a recharge, the same key
-- charges.
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 3.00, p_idempotency_key => 'mce-key-2');
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS key_kept FROM app.idempotency_registry WHERE idempotency_key = 'mce-key-2';
SELECT amount FROM app.user_recharge_card(:'eve_card', 3.00);
BEGIN; :as_cashier
INSERT INTO pay SELECT 'key2_after_refusal', * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 3.00, p_idempotency_key => 'mce-key-2')
RETURNING label, final_amount;
COMMIT;
SELECT balance, points FROM app.member_cards WHERE id = :'eve_card';

--------------------------------------------------------------------------------------------
-- Who may charge
--------------------------------------------------------------------------------------------
CREATE TEMP TABLE before AS SELECT * FROM state;
-- Staff of another merchant: PERMISSION_DENIED.
BEGIN; :as_cashier2
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_frank', 1.00);
\echo :SQLSTATE
ROLLBACK;
-- A former (inactive) cashier.
BEGIN; :as_former
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_frank', 1.00);
\echo :SQLSTATE
ROLLBACK;
-- A member, even the card holder.
BEGIN; :as_eve
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_eve', 1.00);
\echo :SQLSTATE
ROLLBACK;
-- Not signed in; and anon has no EXECUTE privilege.
BEGIN;
SET LOCAL ROLE authenticated;
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_frank', 1.00);
\echo :SQLSTATE
ROLLBACK;
BEGIN;
SET LOCAL ROLE anon;
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_frank', 1.00);
\echo :SQLSTATE
ROLLBACK;
-- An unknown merchant.
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_NO_SUCH_SHOP', :'qr_frank', 1.00);
\echo :SQLSTATE
ROLLBACK;
-- A suspended merchant: MERCHANT_NOT_FOUND_OR_INACTIVE, for its own staff too.
UPDATE app.merchants SET status = 'suspended' WHERE code = 'MCE_SUSP';
BEGIN; :as_cashier3
SELECT * FROM app.merchant_charge_by_qr('MCE_SUSP', :'qr_frank', 1.00);
\echo :SQLSTATE
ROLLBACK;
SELECT * FROM app.merchant_charge_by_qr('MCE_SUSP', :'qr_frank', 1.00);
\echo :SQLSTATE
SELECT (SELECT row(b.*)::text FROM before b) = (SELECT row(s.*)::text FROM state s) AS nothing_changed;
DROP TABLE before;
-- A platform administrator may charge at any active merchant.
INSERT INTO pay SELECT 'admin', * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_frank', 1.00) RETURNING label, final_amount;
SELECT t.actor_role, t.actor_user_id IS NULL AS no_user FROM app.transactions t JOIN pay x ON x.tx_id = t.id WHERE x.label = 'admin';

--------------------------------------------------------------------------------------------
-- Inactive cards, members and QR codes
--------------------------------------------------------------------------------------------
CREATE TEMP TABLE before AS SELECT * FROM state;
-- An unknown (well-formed) code.
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', 'mpsq1' || repeat('A', 43), 1.00);
\echo :SQLSTATE
ROLLBACK;
-- Frank's card expired a second ago, then frozen, then closed: CARD_NOT_ACTIVE.
UPDATE app.member_cards SET expires_at = now() - interval '1 second' WHERE id = :'frank_card';
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_frank', 1.00);
\echo :SQLSTATE
ROLLBACK;
UPDATE app.member_cards SET expires_at = NULL, status = 'frozen' WHERE id = :'frank_card';
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_frank', 1.00);
\echo :SQLSTATE
ROLLBACK;
UPDATE app.member_cards SET status = 'closed' WHERE id = :'frank_card';
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_frank', 1.00);
\echo :SQLSTATE
ROLLBACK;
-- Gail's 30-second code has expired: QR_EXPIRED_OR_INVALID.
UPDATE app.card_qr_state SET expires_at = now() - interval '1 second', issued_at = now() - interval '1 minute'
 WHERE card_id = :'gail_card';
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_gail', 1.00);
\echo :SQLSTATE
ROLLBACK;
-- Ivy's membership is suspended: MEMBER_NOT_ACTIVE.
UPDATE app.member_profiles SET status = 'suspended' WHERE name = 'MCE Ivy';
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MCE_SHOP', :'qr_ivy', 1.00);
\echo :SQLSTATE
ROLLBACK;
-- Status changes are not money: compare balances, points and rows only.
SELECT (SELECT row(b.transactions, b.tx_registry, b.idempotency_keys, b.merchant_orders, b.point_ledger, b.audit_rows)::text FROM before b)
     = (SELECT row(s.transactions, s.tx_registry, s.idempotency_keys, s.merchant_orders, s.point_ledger, s.audit_rows)::text FROM state s)
       AS no_rows_written;
SELECT cards FROM state;
DROP TABLE before;

-- Every charge of this file, as written.
SELECT x.label, t.raw_amount, t.final_amount, t.points_earned, t.idempotency_key, t.external_order_id, t.reason, t.tag
  FROM pay x JOIN app.transactions t ON t.id = x.tx_id
 WHERE x.label NOT LIKE '%replay' ORDER BY x.label;
DROP VIEW state;
