-- Recharge orders (seed 004 §5.1): with self-service recharge off, a member's user_recharge_*
-- call creates a pending order and moves no money; the trusted backend that received the
-- payment provider's callback confirms it with the provider's transaction id, exactly once;
-- orders expire or are cancelled, and then cannot be confirmed.
\set SHOW_CONTEXT never
\set VERBOSITY default

\set u_una  'ba000000-0000-4000-8000-000000000001'
\set u_val  'ba000000-0000-4000-8000-000000000002'
\set as_una 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"ba000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_val 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"ba000000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_service 'SET LOCAL ROLE service_role;'

BEGIN; :as_una SELECT app.create_member_profile('RO Una') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_val SELECT app.create_member_profile('RO Val') IS NOT NULL AS registered; COMMIT;
SELECT id AS una_card FROM app.member_cards WHERE owner_member_id = :'u_una' AND card_type = 'standard' \gset
SELECT id AS val_card FROM app.member_cards WHERE owner_member_id = :'u_val' AND card_type = 'standard' \gset
SHOW mps.allow_self_recharge;
CREATE TEMP VIEW una_orders AS
  SELECT o.amount, o.payment_method, o.reason, o.status, o.provider_tx_id, o.tx_id IS NOT NULL AS has_tx,
         o.expires_at BETWEEN o.created_at + interval '29 minutes' AND o.created_at + interval '31 minutes' AS thirty_minutes
    FROM app.recharge_orders o WHERE o.card_id = :'una_card';

--------------------------------------------------------------------------------------------
-- The member's request: a pending order, no money
--------------------------------------------------------------------------------------------
BEGIN; :as_una
SELECT order_id AS order_1, tx_id IS NULL AS no_tx, amount, status
  FROM app.user_recharge_personal_card(:'una_card', 100.00, 'alipay', 'topup', p_idempotency_key => 'una-1') \gset
SELECT :'no_tx' AS no_tx, :'status' AS status;
COMMIT;
SELECT * FROM una_orders;
SELECT balance FROM app.member_cards WHERE id = :'una_card';
-- The member retries with the key: the same order; the key with another amount is refused.
BEGIN; :as_una
SELECT order_id = :'order_1' AS same_order, status
  FROM app.user_recharge_personal_card(:'una_card', 100.00, 'alipay', 'topup', p_idempotency_key => 'una-1');
COMMIT;
BEGIN; :as_una
SELECT * FROM app.user_recharge_personal_card(:'una_card', 101.00, 'alipay', 'topup', p_idempotency_key => 'una-1');
\echo :SQLSTATE
ROLLBACK;
-- The member reads its order through RLS; Val sees none of it.
BEGIN; :as_una SELECT count(*) AS una_sees FROM app.recharge_orders; COMMIT;
BEGIN; :as_val SELECT count(*) AS val_sees FROM app.recharge_orders; COMMIT;
-- Not the member's card: PERMISSION_DENIED, no order.
BEGIN; :as_val
SELECT * FROM app.user_recharge_card(:'una_card', 10.00);
\echo :SQLSTATE
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Confirmation by the trusted backend with the provider's transaction id: once
--------------------------------------------------------------------------------------------
BEGIN; :as_val
SELECT * FROM app.confirm_recharge_order(:'order_1', 'ali-7001', 100.00);
\echo :SQLSTATE
ROLLBACK;
SELECT * FROM app.confirm_recharge_order(:'order_1', 'ali-7001', 99.99);
\echo :SQLSTATE
SELECT * FROM app.confirm_recharge_order('00000000-0000-4000-8000-000000000000', 'ali-7001', 100.00);
\echo :SQLSTATE
SELECT * FROM app.confirm_recharge_order(:'order_1', NULL, 100.00);
\echo :SQLSTATE
SELECT * FROM app.confirm_recharge_order(:'order_1', 'ali-7001', -1);
\echo :SQLSTATE
SELECT balance FROM app.member_cards WHERE id = :'una_card';
BEGIN; :as_service
SELECT tx_id AS paid_tx, tx_no ~ '^RCG' AS c_rcg, card_id = :'una_card' AS c_card, amount AS c_amount, status AS c_status,
       order_id = :'order_1' AS c_order
  FROM app.confirm_recharge_order(:'order_1', 'ali-7001', 100.00) \gset
SELECT :'c_rcg' AS rcg, :'c_card' AS una_card, :'c_amount' AS amount, :'c_status' AS status, :'c_order' AS same_order;
COMMIT;
SELECT * FROM una_orders;
SELECT balance FROM app.member_cards WHERE id = :'una_card';
SELECT tx_type, final_amount, payment_method, reason, idempotency_key, actor_role
  FROM app.transactions WHERE card_id = :'una_card';
-- The provider calls back again with the same id: the same result, no second recharge.
SELECT tx_id = :'paid_tx' AS same_tx, status FROM app.confirm_recharge_order(:'order_1', 'ali-7001', 100.00);
-- Another provider id for the paid order: refused (a double payment is the provider's to refund).
SELECT * FROM app.confirm_recharge_order(:'order_1', 'ali-7002', 100.00);
\echo :SQLSTATE
-- The provider id was used for this order: it cannot confirm another one.
BEGIN; :as_una
SELECT order_id AS order_2 FROM app.user_recharge_card(:'una_card', 20.00) \gset
COMMIT;
SELECT * FROM app.confirm_recharge_order(:'order_2', 'ali-7001', 20.00);
\echo :SQLSTATE
-- The member's retry of the paid order's request returns it with its transaction.
BEGIN; :as_una
SELECT tx_id = :'paid_tx' AS paid_tx, status
  FROM app.user_recharge_personal_card(:'una_card', 100.00, 'alipay', 'topup', p_idempotency_key => 'una-1');
COMMIT;
SELECT balance FROM app.member_cards WHERE id = :'una_card';

--------------------------------------------------------------------------------------------
-- Cancelling and expiring: neither can be confirmed afterwards
--------------------------------------------------------------------------------------------
BEGIN; :as_val
SELECT app.cancel_recharge_order(:'order_2');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_una SELECT app.cancel_recharge_order(:'order_2') AS cancelled; COMMIT;
BEGIN; :as_una SELECT app.cancel_recharge_order(:'order_2') AS cancelled_again; COMMIT;
BEGIN; :as_una
SELECT app.cancel_recharge_order(:'order_1');
\echo :SQLSTATE
ROLLBACK;
SELECT * FROM app.confirm_recharge_order(:'order_2', 'ali-7003', 20.00);
\echo :SQLSTATE
BEGIN; :as_una
SELECT order_id AS order_3 FROM app.user_recharge_card(:'una_card', 30.00) \gset
COMMIT;
SELECT app.cron_expire_recharge_orders() IS NOT NULL AS swept;
SELECT status FROM app.recharge_orders WHERE id = :'order_3';
-- Thirty minutes pass (moved back in time here): the sweep expires it.
UPDATE app.recharge_orders SET created_at = created_at - interval '31 minutes', expires_at = expires_at - interval '31 minutes'
 WHERE id = :'order_3';
-- Past its expiry it cannot be confirmed, even before the sweep marks it.
SELECT * FROM app.confirm_recharge_order(:'order_3', 'ali-7004', 30.00);
\echo :SQLSTATE
SELECT app.cron_expire_recharge_orders() AS expired;
SELECT status FROM app.recharge_orders WHERE id = :'order_3';
SELECT * FROM app.confirm_recharge_order(:'order_3', 'ali-7004', 30.00);
\echo :SQLSTATE
BEGIN; :as_una
SELECT app.cron_expire_recharge_orders();
\echo :SQLSTATE
ROLLBACK;
SELECT amount, status, has_tx FROM una_orders ORDER BY amount;
SELECT balance FROM app.member_cards WHERE id = :'una_card';

--------------------------------------------------------------------------------------------
-- With self-service recharge switched on, the member's call recharges at once
--------------------------------------------------------------------------------------------
SET mps.allow_self_recharge = on;
BEGIN; :as_val
SELECT tx_no ~ '^RCG' AS rcg, amount, status, order_id IS NULL AS no_order FROM app.user_recharge_card(:'val_card', 15.00);
COMMIT;
RESET mps.allow_self_recharge;
SELECT balance FROM app.member_cards WHERE id = :'val_card';
SELECT action, count(*) FROM audit.event_log
 WHERE action LIKE 'recharge_order.%' AND (object_id IN (:'order_1', :'order_2', :'order_3') OR object_id = 'sweep')
 GROUP BY action ORDER BY action;
-- verify_ledger also checks that a paid order has its one recharge transaction.
SELECT * FROM app.verify_ledger();
BEGIN;
UPDATE app.recharge_orders SET amount = 100.01 WHERE id = :'order_1';
SELECT invariant, detail FROM app.verify_ledger();
ROLLBACK;
