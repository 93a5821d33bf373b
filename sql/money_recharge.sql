-- Recharge (issue #3): user_recharge_card, user_recharge_personal_card and
-- user_recharge_enterprise_card_admin. Who may add money (platform administrators and
-- service_role; merchant staff at the cash desk; members only with mps.allow_self_recharge),
-- card types, idempotency keys and external order ids, the balance limit, and the rows each
-- recharge writes (transaction, tx_registry, audit; no points).
\set SHOW_CONTEXT never
\set VERBOSITY default

\set u_alice    'a3000000-0000-4000-8000-000000000001'
\set u_bob      'a3000000-0000-4000-8000-000000000002'
\set u_cashier  'a3000000-0000-4000-8000-000000000003'
\set u_cashier2 'a3000000-0000-4000-8000-000000000004'
\set as_alice    'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a3000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_bob      'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a3000000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_cashier  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a3000000-0000-4000-8000-000000000003","role":"authenticated"}'';'
\set as_cashier2 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a3000000-0000-4000-8000-000000000004","role":"authenticated"}'';'
\set as_service  'SET LOCAL ROLE service_role;'

-- Fixtures: two merchants (one to be suspended) with a cashier each; members Alice, Bob,
-- Carol and Max with their standard cards; a prepaid card owned by Alice, a corporate card
-- and a voucher (inserted directly by the superuser, with zero balance).
SELECT app.create_merchant('MR_SHOP', 'Recharge Test Shop') IS NOT NULL AS created;
SELECT app.create_merchant('MR_SUSP', 'Recharge Test Shop, suspended') IS NOT NULL AS created;
SELECT app.add_merchant_user('MR_SHOP', :'u_cashier');
SELECT app.add_merchant_user('MR_SUSP', :'u_cashier2');
UPDATE app.merchants SET status = 'suspended' WHERE code = 'MR_SUSP';
-- MR_SHOP takes counter top-ups, up to 1000.00 each and 5000.00 a day (sql/money_security.sql
-- has their controls).
SELECT enabled FROM app.set_merchant_counter_topup('MR_SHOP', true, 1000.00, 5000.00);
INSERT INTO app.member_profiles (user_id, name) VALUES
  (:'u_alice', 'MR Alice'), (:'u_bob', 'MR Bob'), (NULL, 'MR Carol'), (NULL, 'MR Max'), (NULL, 'MR Frozen');
CREATE TEMP TABLE card (label text PRIMARY KEY, id uuid NOT NULL UNIQUE);
INSERT INTO card
SELECT lower(substr(p.name, 4)), c.id FROM app.member_profiles p JOIN app.member_cards c ON c.owner_member_id = p.id
 WHERE p.name IN ('MR Alice', 'MR Bob', 'MR Carol', 'MR Max', 'MR Frozen');
INSERT INTO app.member_cards (card_no, card_type, owner_member_id)
SELECT sec.new_card_no('prepaid'), 'prepaid', p.id FROM app.member_profiles p WHERE p.name = 'MR Alice'
RETURNING id AS prepaid_card \gset
INSERT INTO app.member_cards (card_no, card_type, fixed_discount, company_name)
VALUES (sec.new_card_no('corporate'), 'corporate', 0.800, 'Test Co') RETURNING id AS corporate_card \gset
INSERT INTO app.member_cards (card_no, card_type, face_value)
VALUES (sec.new_card_no('voucher'), 'voucher', 50.00) RETURNING id AS voucher_card \gset
INSERT INTO card VALUES ('prepaid', :'prepaid_card'), ('corporate', :'corporate_card'), ('voucher', :'voucher_card');
SELECT id AS alice_card FROM card WHERE label = 'alice' \gset
SELECT id AS bob_card FROM card WHERE label = 'bob' \gset
SELECT id AS carol_card FROM card WHERE label = 'carol' \gset
SELECT id AS max_card FROM card WHERE label = 'max' \gset
SELECT id AS frozen_card FROM card WHERE label = 'frozen' \gset

-- What each call returned (tx_no and ids are compared, never printed), and the cards' state.
CREATE TEMP TABLE tx (label text PRIMARY KEY, tx_id uuid, tx_no text, card_id uuid, amount numeric, status text,
                      order_id uuid);
GRANT ALL ON tx TO PUBLIC;
CREATE TEMP VIEW cards AS
  SELECT k.label, c.card_type, c.balance, c.points, c.level, c.status
    FROM card k JOIN app.member_cards c ON c.id = k.id;
GRANT SELECT ON card, cards TO PUBLIC;
SELECT * FROM cards ORDER BY label;
SELECT COALESCE(max(id), 0) AS audit_mark FROM audit.event_log \gset

--------------------------------------------------------------------------------------------
-- Platform administrators and service_role (the backend that confirmed a payment)
--------------------------------------------------------------------------------------------
INSERT INTO tx SELECT 'admin_100', * FROM app.user_recharge_card(:'alice_card', 100.00)
RETURNING label, amount, tx_no ~ '^RCG[0-9]{20}$' AS tx_no_shape, card_id = :'alice_card' AS alice_card;
BEGIN; :as_service
INSERT INTO tx SELECT 'svc_50_50', * FROM app.user_recharge_personal_card(:'alice_card', 50.50, 'alipay',
  'app top-up', '{"channel": "app"}', 'mr-key-1')
RETURNING label, amount, tx_no ~ '^RCG[0-9]{20}$' AS tx_no_shape, card_id = :'alice_card' AS alice_card;
COMMIT;
-- Trailing zeros are not extra decimals: 1.500 is 1.50.
INSERT INTO tx SELECT 'admin_1_500', * FROM app.user_recharge_card(:'alice_card', 1.500)
RETURNING label, amount;
SELECT * FROM cards WHERE label = 'alice';
-- The transaction rows as written: recharge, raw = final, no discount, no points, no merchant.
SELECT x.label, t.tx_type, t.raw_amount, t.final_amount, t.discount_applied, t.points_earned, t.status,
       t.payment_method, t.reason, t.tag, t.idempotency_key, t.merchant_id IS NULL AS no_merchant,
       t.actor_role, t.actor_user_id, t.tx_no = x.tx_no AS same_tx_no
  FROM tx x JOIN app.transactions t ON t.id = x.tx_id ORDER BY x.label;
-- Each has its registry row; none wrote a point-ledger row.
SELECT count(*) AS registered FROM tx x JOIN app.tx_registry r ON r.tx_no = x.tx_no AND r.tx_id = x.tx_id
 WHERE r.tx_type = 'recharge' AND r.card_id = x.card_id AND r.merchant_id IS NULL;
SELECT count(*) AS ledger_rows FROM app.point_ledger WHERE card_id = :'alice_card';

--------------------------------------------------------------------------------------------
-- The cash desk: staff of an active merchant, naming it in p_merchant_code
--------------------------------------------------------------------------------------------
BEGIN; :as_cashier
INSERT INTO tx SELECT 'desk_bob_25', * FROM app.user_recharge_card(:'bob_card', 25.00, 'cash',
  p_merchant_code => 'MR_SHOP')
RETURNING label, amount, card_id = :'bob_card' AS bob_card;
COMMIT;
SELECT t.payment_method, t.merchant_id = m.id AS at_mr_shop, t.actor_role, t.actor_user_id = :'u_cashier' AS by_cashier
  FROM tx x JOIN app.transactions t ON t.id = x.tx_id, app.merchants m
 WHERE x.label = 'desk_bob_25' AND m.code = 'MR_SHOP';
SELECT * FROM cards WHERE label = 'bob';
-- Somebody who is not staff of the merchant: PERMISSION_DENIED.
BEGIN; :as_bob
SELECT * FROM app.user_recharge_card(:'bob_card', 25.00, 'cash', p_merchant_code => 'MR_SHOP');
\echo :SQLSTATE
ROLLBACK;
-- Staff of a suspended merchant: MERCHANT_NOT_FOUND_OR_INACTIVE. A code the caller is not staff
-- of, existing or not: PERMISSION_DENIED, the same answer either way (no enumeration).
BEGIN; :as_cashier2
SELECT * FROM app.user_recharge_card(:'bob_card', 25.00, 'cash', p_merchant_code => 'MR_SUSP');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cashier
SELECT * FROM app.user_recharge_card(:'bob_card', 25.00, 'cash', p_merchant_code => 'MR_NO_SUCH_SHOP');
\echo :SQLSTATE
ROLLBACK;
-- Without p_merchant_code, staff are nobody special: PERMISSION_DENIED.
BEGIN; :as_cashier
SELECT * FROM app.user_recharge_card(:'bob_card', 25.00, 'cash');
\echo :SQLSTATE
ROLLBACK;
-- At the desk, an unknown card is CARD_NOT_FOUND.
BEGIN; :as_cashier
SELECT * FROM app.user_recharge_card('00000000-0000-4000-8000-000000000000', 25.00, 'cash', p_merchant_code => 'MR_SHOP');
\echo :SQLSTATE
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Members: self-service recharge is off by default
--------------------------------------------------------------------------------------------
SHOW mps.allow_self_recharge;
-- Own card: no money moves; a pending recharge order waits for the payment provider's
-- confirmation (seed 004 §5.1; money_recharge_orders tests the orders).
BEGIN; :as_alice
SELECT tx_id IS NULL AS no_tx, tx_no IS NULL AS no_tx_no, card_id = :'alice_card' AS alice_card, amount, status,
       order_id IS NOT NULL AS has_order
  FROM app.user_recharge_personal_card(:'alice_card', 20.00);
\echo :SQLSTATE
ROLLBACK;
-- Someone else's card: PERMISSION_DENIED (the ownership check comes first).
BEGIN; :as_alice
SELECT * FROM app.user_recharge_card(:'bob_card', 20.00);
\echo :SQLSTATE
ROLLBACK;
-- The personal function on her prepaid card: CARD_TYPE_MISMATCH.
BEGIN; :as_alice
SELECT * FROM app.user_recharge_personal_card(:'prepaid_card', 20.00);
\echo :SQLSTATE
ROLLBACK;
-- An unknown card: PERMISSION_DENIED, not CARD_NOT_FOUND (no probing of card ids).
BEGIN; :as_alice
SELECT * FROM app.user_recharge_card('00000000-0000-4000-8000-000000000000', 20.00);
\echo :SQLSTATE
ROLLBACK;
-- Not signed in.
BEGIN;
SET LOCAL ROLE authenticated;
SELECT * FROM app.user_recharge_card(:'alice_card', 20.00);
\echo :SQLSTATE
ROLLBACK;
-- The switch is superuser-only: a member cannot turn it on.
BEGIN; :as_alice
SET LOCAL mps.allow_self_recharge = on;
\echo :SQLSTATE
ROLLBACK;

-- Switched on (by the superuser, for this session): a member recharges its own cards...
SET mps.allow_self_recharge = on;
BEGIN; :as_alice
INSERT INTO tx SELECT 'self_alice_20', * FROM app.user_recharge_personal_card(:'alice_card', 20.00)
RETURNING label, amount, card_id = :'alice_card' AS alice_card;
INSERT INTO tx SELECT 'self_prepaid_5', * FROM app.user_recharge_card(:'prepaid_card', 5.00)
RETURNING label, amount, card_id = :'prepaid_card' AS prepaid_card;
COMMIT;
SELECT x.label, t.actor_role, t.actor_user_id = :'u_alice' AS by_alice
  FROM tx x JOIN app.transactions t ON t.id = x.tx_id WHERE x.label LIKE 'self_%' ORDER BY x.label;
-- ... but still not another member's card.
BEGIN; :as_alice
SELECT * FROM app.user_recharge_card(:'bob_card', 20.00);
\echo :SQLSTATE
ROLLBACK;
-- ... nor a corporate card it does not administer.
BEGIN; :as_alice
SELECT * FROM app.user_recharge_enterprise_card_admin(:'corporate_card', 20.00);
\echo :SQLSTATE
ROLLBACK;
RESET mps.allow_self_recharge;
BEGIN; :as_alice
SELECT tx_id IS NULL AS no_tx, amount, status FROM app.user_recharge_personal_card(:'alice_card', 20.00);
\echo :SQLSTATE
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Card types per function (as an administrator)
--------------------------------------------------------------------------------------------
SELECT * FROM app.user_recharge_personal_card(:'prepaid_card', 10.00);
\echo :SQLSTATE
SELECT * FROM app.user_recharge_personal_card(:'corporate_card', 10.00);
\echo :SQLSTATE
SELECT * FROM app.user_recharge_enterprise_card_admin(:'alice_card', 10.00);
\echo :SQLSTATE
SELECT * FROM app.user_recharge_card(:'voucher_card', 10.00);
\echo :SQLSTATE
INSERT INTO tx SELECT 'admin_prepaid_10', * FROM app.user_recharge_card(:'prepaid_card', 10.00) RETURNING label, amount;
BEGIN; :as_service
INSERT INTO tx SELECT 'svc_corporate_1000', * FROM app.user_recharge_enterprise_card_admin(:'corporate_card', 1000.00, 'bank_transfer')
RETURNING label, amount;
COMMIT;
-- An unknown card: CARD_NOT_FOUND (PT404) for an administrator.
SELECT * FROM app.user_recharge_card('00000000-0000-4000-8000-000000000000', 10.00);
\echo :SQLSTATE
-- A frozen or expired card: CARD_NOT_ACTIVE.
UPDATE app.member_cards SET status = 'frozen' WHERE id = :'frozen_card';
SELECT * FROM app.user_recharge_card(:'frozen_card', 10.00);
\echo :SQLSTATE
UPDATE app.member_cards SET status = 'active', expires_at = now() - interval '1 second' WHERE id = :'frozen_card';
SELECT * FROM app.user_recharge_card(:'frozen_card', 10.00);
\echo :SQLSTATE
SELECT * FROM cards ORDER BY label;

--------------------------------------------------------------------------------------------
-- Idempotency keys
--------------------------------------------------------------------------------------------
-- The same key with the same request (same caller, card, amount, method, reason, tag): the
-- original result, and the balance moved once.
SELECT balance AS alice_before FROM app.member_cards WHERE id = :'alice_card' \gset
BEGIN; :as_service
INSERT INTO tx SELECT 'svc_50_50_replay', * FROM app.user_recharge_personal_card(:'alice_card', 50.50, 'alipay',
  'app top-up', '{"channel": "app"}', 'mr-key-1')
RETURNING label, amount;
COMMIT;
SELECT a.tx_id = b.tx_id AS same_tx_id, a.tx_no = b.tx_no AS same_tx_no, a.amount = b.amount AS same_amount
  FROM tx a, tx b WHERE a.label = 'svc_50_50' AND b.label = 'svc_50_50_replay';
SELECT balance - :alice_before AS balance_moved FROM app.member_cards WHERE id = :'alice_card';
SELECT count(*) AS transactions_with_key FROM app.transactions WHERE idempotency_key = 'mr-key-1';
-- The same key with another amount, method or tag, or from another caller:
-- IDEMPOTENCY_KEY_REUSED (PT409), and nothing moves.
BEGIN; :as_service
SELECT * FROM app.user_recharge_personal_card(:'alice_card', 50.51, 'alipay', 'app top-up', '{"channel": "app"}', 'mr-key-1');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_service
SELECT * FROM app.user_recharge_personal_card(:'alice_card', 50.50, 'wechat', 'app top-up', '{"channel": "app"}', 'mr-key-1');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_service
SELECT * FROM app.user_recharge_personal_card(:'alice_card', 50.50, 'alipay', 'app top-up', '{"channel": "web"}', 'mr-key-1');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_service
SELECT * FROM app.user_recharge_card(:'alice_card', 50.50, 'alipay', 'app top-up', '{"channel": "app"}', 'mr-key-1');
\echo :SQLSTATE
ROLLBACK;
SELECT * FROM app.user_recharge_personal_card(:'alice_card', 50.50, 'alipay', 'app top-up', '{"channel": "app"}', 'mr-key-1');
\echo :SQLSTATE
SELECT balance - :alice_before AS balance_moved FROM app.member_cards WHERE id = :'alice_card';

--------------------------------------------------------------------------------------------
-- External order ids: unique per merchant (the backend's recharges form one scope)
--------------------------------------------------------------------------------------------
BEGIN; :as_service
INSERT INTO tx SELECT 'order_svc_30', * FROM app.user_recharge_card(:'carol_card', 30.00, p_external_order_id => 'MR-ORD-1')
RETURNING label, amount;
COMMIT;
-- The same order with the same request: the same result, no second movement.
BEGIN; :as_service
INSERT INTO tx SELECT 'order_svc_30_replay', * FROM app.user_recharge_card(:'carol_card', 30.00, p_external_order_id => 'MR-ORD-1')
RETURNING label, amount;
COMMIT;
-- ... also when retried under a new idempotency key (which is then not kept).
BEGIN; :as_service
INSERT INTO tx SELECT 'order_svc_30_newkey', * FROM app.user_recharge_card(:'carol_card', 30.00,
  p_idempotency_key => 'mr-key-order-retry', p_external_order_id => 'MR-ORD-1')
RETURNING label, amount;
COMMIT;
SELECT count(DISTINCT tx_id) AS distinct_tx, count(DISTINCT tx_no) AS distinct_tx_no
  FROM tx WHERE label LIKE 'order_svc_30%';
SELECT count(*) AS kept_retry_keys FROM app.idempotency_registry WHERE idempotency_key = 'mr-key-order-retry';
-- The same order id for a different request: EXTERNAL_ORDER_ID_REUSED (PT409).
BEGIN; :as_service
SELECT * FROM app.user_recharge_card(:'carol_card', 31.00, p_external_order_id => 'MR-ORD-1');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_service
SELECT * FROM app.user_recharge_card(:'bob_card', 30.00, p_external_order_id => 'MR-ORD-1');
\echo :SQLSTATE
ROLLBACK;
-- The same order id at a merchant's cash desk is another merchant's order: accepted.
BEGIN; :as_cashier
INSERT INTO tx SELECT 'order_desk_12', * FROM app.user_recharge_card(:'carol_card', 12.00, 'cash',
  p_external_order_id => 'MR-ORD-1', p_merchant_code => 'MR_SHOP')
RETURNING label, amount;
COMMIT;
SELECT r.scope, count(*)
  FROM app.merchant_order_registry r WHERE r.external_order_id = 'MR-ORD-1' GROUP BY 1 ORDER BY 1;
SELECT * FROM cards WHERE label = 'carol';

--------------------------------------------------------------------------------------------
-- The balance limit: numeric(12,2) holds at most 9999999999.99
--------------------------------------------------------------------------------------------
INSERT INTO tx SELECT 'max_fill', * FROM app.user_recharge_card(:'max_card', 9999999999.99) RETURNING label, amount;
SELECT * FROM app.user_recharge_card(:'max_card', 0.01);
\echo :SQLSTATE
SELECT * FROM app.user_recharge_card(:'alice_card', 9999999999.99);
\echo :SQLSTATE
SELECT * FROM app.user_recharge_card(:'alice_card', 10000000000.00);
\echo :SQLSTATE
SELECT * FROM cards WHERE label IN ('max', 'alice') ORDER BY label;

-- Corporate cards are recharged by their company (administrators / backend), never at a
-- merchant counter (ARCHITECTURE.md §2: corporate recharge is admin only).
BEGIN; :as_cashier
SELECT * FROM app.user_recharge_card(:'corporate_card', 25.00, 'cash', p_merchant_code => 'MR_SHOP');
\echo :SQLSTATE
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Totals, registries and audit
--------------------------------------------------------------------------------------------
-- Every card's balance is the sum of its recharges (computed by hand: Alice 100.00 + 50.50 +
-- 1.50 + 20.00 = 172.00; Bob 25.00; Carol 30.00 + 12.00 = 42.00; prepaid 5.00 + 10.00 = 15.00;
-- corporate 1000.00; Max 9999999999.99; the frozen card and the voucher 0.00).
SELECT k.label, c.balance, COALESCE(sum(t.final_amount), 0) AS recharged, count(t.id) AS recharges
  FROM card k JOIN app.member_cards c ON c.id = k.id
  LEFT JOIN app.transactions t ON t.card_id = k.id AND t.tx_type = 'recharge'
 GROUP BY k.label, c.balance ORDER BY k.label;
-- One audit row per recharge, carrying the amount and the balance after it; no points.
SELECT e.action, e.object_type, count(*) AS rows,
       bool_and((e.context ->> 'amount')::numeric = t.final_amount) AS amounts_match,
       bool_and(e.context ->> 'card_id' = t.card_id::text) AS cards_match,
       bool_and(NOT e.context ? 'points_delta') AS no_points
  FROM audit.event_log e JOIN app.transactions t ON t.tx_no = e.object_id
 WHERE e.id > :audit_mark AND e.action = 'card.recharge'
 GROUP BY 1, 2;
SELECT (e.context ->> 'balance_after')::numeric AS balance_after
  FROM audit.event_log e
 WHERE e.id > :audit_mark AND e.action = 'card.recharge' AND e.context ->> 'card_id' = :'alice_card'::text
 ORDER BY e.id;
DROP VIEW cards;
