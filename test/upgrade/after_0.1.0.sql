-- After ALTER EXTENSION mps UPDATE on the database fill_0.1.0.sql filled: the money path
-- works on the rows 0.1.0 wrote. Each check raises (and stops the script) when it does not hold.
\set ON_ERROR_STOP 1
\set QUIET 1
SELECT v AS alice_card FROM upgrade_fixture.kv WHERE k = 'alice_card' \gset
SELECT v AS bob_card FROM upgrade_fixture.kv WHERE k = 'bob_card' \gset
SELECT v AS prepaid_card FROM upgrade_fixture.kv WHERE k = 'prepaid_card' \gset
SELECT v AS alice_qr FROM upgrade_fixture.kv WHERE k = 'alice_qr' \gset
SELECT v AS pay1 FROM upgrade_fixture.kv WHERE k = 'pay1' \gset
SELECT v AS pay2 FROM upgrade_fixture.kv WHERE k = 'pay2' \gset
SELECT v AS rcg_alice FROM upgrade_fixture.kv WHERE k = 'rcg_alice' \gset
SELECT v AS bob_member FROM upgrade_fixture.kv WHERE k = 'bob_member' \gset
CREATE FUNCTION upgrade_fixture.check(p_ok boolean, p_what text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  IF p_ok IS NOT TRUE THEN RAISE EXCEPTION 'upgrade check failed: %', p_what; END IF;
  RETURN 'ok: ' || p_what;
END $$;
-- Checks also run inside transactions switched to the API roles.
GRANT USAGE ON SCHEMA upgrade_fixture TO PUBLIC;
\pset tuples_only on

-- Balances as 0.1.0 left them: Alice 500 + 7 - 120 + 20 - 33.33 + 33.33 = 407.00.
SELECT upgrade_fixture.check(balance = 407.00, 'Alice''s card keeps its 0.1.0 balance') FROM app.member_cards WHERE id = :'alice_card';
-- 0.1.0's keys got the scopes of the calls that made them.
SELECT upgrade_fixture.check(array_agg(idempotency_key || ':' || scope ORDER BY idempotency_key)
                             = ARRAY['alice-own-1:member', 'pos-upg-0001:merchant', 'wx-upg-0001:platform', 'wx-upg-0002:platform'],
                             'the 0.1.0 idempotency keys are in the scopes of the calls that made them')
  FROM app.idempotency_registry;
SELECT upgrade_fixture.check(array_agg(external_order_id || ':' || scope ORDER BY external_order_id)
                             = ARRAY['upg-order-0001:platform', 'upg-pos-order-1:merchant'],
                             'the 0.1.0 external order ids are in the scopes of the calls that made them')
  FROM app.merchant_order_registry;
-- Alice's own 0.1.0 key is hers: her retry returns her recharge; the backend's same key is another.
BEGIN;
SET LOCAL mps.allow_self_recharge = on;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000001","role":"authenticated"}';
SELECT tx_no AS alice_retry FROM app.user_recharge_card(:'alice_card', 7.00, 'alipay', NULL, '{}', 'alice-own-1') \gset
COMMIT;
SELECT upgrade_fixture.check(:'alice_retry' = v, 'a member''s 0.1.0 key retried by the member returns the same recharge')
  FROM upgrade_fixture.kv WHERE k = 'rcg_alice_own';
SELECT upgrade_fixture.check(tx_no <> :'alice_retry', 'the backend''s same key is its own: a new recharge')
  FROM app.user_recharge_card(:'alice_card', 3.00, 'wechat', NULL, '{}', 'alice-own-1');
-- A retry of a 0.1.0 recharge with its key returns the 0.1.0 transaction, and moves nothing.
SELECT upgrade_fixture.check(tx_no = :'rcg_alice', 'a 0.1.0 recharge retried with its idempotency key returns the same transaction')
  FROM app.user_recharge_card(:'alice_card', 500.00, 'wechat', 'topup', '{"channel":"app"}', 'wx-upg-0001', 'upg-order-0001');
-- The same key with another amount is refused.
DO $$
BEGIN
  PERFORM app.user_recharge_card((SELECT v::uuid FROM upgrade_fixture.kv WHERE k = 'alice_card'), 501.00, 'wechat',
                                 'topup', '{"channel":"app"}', 'wx-upg-0001', 'upg-order-0001');
  RAISE EXCEPTION 'upgrade check failed: a 0.1.0 key reused for another amount was accepted';
EXCEPTION WHEN SQLSTATE 'PT409' THEN NULL;
END $$;
SELECT upgrade_fixture.check(balance = 410.00, 'retries moved no money (only the backend''s new 3.00)') FROM app.member_cards WHERE id = :'alice_card';

-- The cashier refunds more of a 0.1.0 payment (100.00 remain of 120.00), never more than remains.
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000003","role":"authenticated"}';
SELECT upgrade_fixture.check(refunded_amount = 60.00, 'a 0.1.0 payment is refunded after the upgrade')
  FROM app.merchant_refund_tx('UPG_SHOP', :'pay1', 60.00, 'after upgrade');
COMMIT;
DO $$
BEGIN
  PERFORM app.merchant_refund_tx('UPG_SHOP', (SELECT v FROM upgrade_fixture.kv WHERE k = 'pay1'), 40.01);
  RAISE EXCEPTION 'upgrade check failed: a refund over what remains of a 0.1.0 payment was accepted';
EXCEPTION WHEN SQLSTATE 'P0001' THEN NULL;
END $$;
-- The fully refunded 0.1.0 payment stays unrefundable.
DO $$
BEGIN
  PERFORM app.merchant_refund_tx('UPG_SHOP', (SELECT v FROM upgrade_fixture.kv WHERE k = 'pay2'), 0.01);
  RAISE EXCEPTION 'upgrade check failed: a fully refunded 0.1.0 payment was refunded again';
EXCEPTION WHEN SQLSTATE 'P0001' THEN NULL;
END $$;

-- The QR code Alice got from 0.1.0 still pays; a retry of the 0.1.0 charge returns it.
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000003","role":"authenticated"}';
SELECT upgrade_fixture.check(tx_no = :'pay1', 'a 0.1.0 charge retried with its key returns the same payment')
  FROM app.merchant_charge_by_qr('UPG_SHOP', :'alice_qr', 120.00, 'lunch', '{"table":4}', 'pos-upg-0001', 'upg-pos-order-1');
SELECT upgrade_fixture.check(final_amount = 10.00, 'a new charge on a 0.1.0 card and QR code')
  FROM app.merchant_charge_by_qr('UPG_SHOP', :'alice_qr', 10.00);
COMMIT;
-- Alice rotates her QR code after the upgrade; the new one pays at the other merchant too.
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000001","role":"authenticated"}';
SELECT qr_plain AS alice_qr2 FROM app.rotate_card_qr(:'alice_card') \gset
COMMIT;
SELECT upgrade_fixture.check(final_amount = 5.00, 'a QR code rotated after the upgrade pays')
  FROM app.merchant_charge_by_qr('UPG_CAFE', :'alice_qr2', 5.00);
-- Bob pays from the shared prepaid card 0.1.0 made; a new member registers.
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000002","role":"authenticated"}';
SELECT qr_plain AS prepaid_qr2 FROM app.rotate_card_qr(:'prepaid_card') \gset
COMMIT;
SELECT upgrade_fixture.check(final_amount = 4.50, 'a member bound in 0.1.0 pays from the shared card')
  FROM app.merchant_charge_by_qr('UPG_CAFE', :'prepaid_qr2', 4.50);
SELECT app.create_member_profile('After Upgrade', NULL, NULL) AS new_member \gset
SELECT upgrade_fixture.check(count(*) = 1, 'a member registered after the upgrade gets a standard card')
  FROM app.member_cards WHERE owner_member_id = :'new_member' AND card_type = 'standard';

-- 0.2.0's card administration and sharing work on 0.1.0's cards and members.
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000001","role":"authenticated"}';
SELECT upgrade_fixture.check(app.freeze_card(:'alice_card', 'lost phone'), 'a 0.1.0 member freezes its 0.1.0 card');
SELECT upgrade_fixture.check(status = 'frozen' AND frozen_by = 'holder', 'the 0.1.0 card is frozen by its holder')
  FROM app.member_cards WHERE id = :'alice_card';
SELECT upgrade_fixture.check(app.unfreeze_card(:'alice_card'), 'and unfreezes it');
SELECT upgrade_fixture.check(app.set_card_binding_password(:'prepaid_card', 'family-after-upgrade'),
                             'the owner of a 0.1.0 prepaid card sets its binding password');
COMMIT;
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000002","role":"authenticated"}';
SELECT upgrade_fixture.check(app.unbind_member_from_card(:'prepaid_card', :'bob_member'),
                             'a member bound in 0.1.0 leaves the shared card');
SELECT upgrade_fixture.check(NOT app.bind_member_to_card(:'prepaid_card', :'bob_member',
                                                         'member', 'wrong-password'),
                             'a wrong binding password does not bind');
SELECT upgrade_fixture.check(app.bind_member_to_card(:'prepaid_card', :'bob_member',
                                                     'member', 'family-after-upgrade'),
                             'the right one binds the member again');
-- Self-service recharge is off: a 0.1.0 member's own recharge is a pending order.
SELECT order_id AS bob_order FROM app.user_recharge_card(:'bob_card', 12.00) \gset
COMMIT;
SELECT upgrade_fixture.check(status = 'paid' AND amount = 12.00, 'the backend confirms the order of a 0.1.0 member')
  FROM app.confirm_recharge_order(:'bob_order', 'upg-provider-1', 12.00);
SELECT points AS alice_points FROM app.member_cards WHERE id = :'alice_card' \gset
SELECT upgrade_fixture.check(points = :alice_points + 1000 AND level = 1 AND discount = 0.950,
                             'points added on a 0.1.0 card: level and discount follow the ladder')
  FROM app.update_points_and_level(:'alice_card', 1000, 'upgrade bonus');
SELECT card_id AS voucher FROM app.create_voucher_card(:'bob_member', 20.00,
                                                        now() + interval '1 day') \gset
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a7000000-0000-4000-8000-000000000002","role":"authenticated"}';
SELECT qr_plain AS voucher_qr FROM app.rotate_card_qr(:'voucher', 'voucher') \gset
COMMIT;
SELECT upgrade_fixture.check(final_amount = 15.00 AND points_earned = 0, 'a voucher for a 0.1.0 member pays once')
  FROM app.merchant_charge_by_qr('UPG_CAFE', :'voucher_qr', 15.00);
SELECT upgrade_fixture.check(status = 'closed' AND balance = 0.00, 'and closes with its remainder written off')
  FROM app.member_cards WHERE id = :'voucher';
SELECT upgrade_fixture.check(app.cron_expire_cards() = 0, 'no 0.1.0 card is past its expiry');
SELECT upgrade_fixture.check(NOT EXISTS (SELECT 1 FROM app.verify_ledger()), 'app.verify_ledger() is clean after the money path ran');
-- Operations on the upgraded database: the daily settlement run, the archive (nothing is old
-- enough), the monitoring views and the health check.
SELECT upgrade_fixture.check(app.cron_settle_t_plus_1() >= 0, 'the daily settlement run works on 0.1.0 data');
SELECT upgrade_fixture.check(count(*) = 0, 'no 0.1.0 month is past the retention: nothing archived')
  FROM app.archive_partitions() WHERE outcome = 'archived';
SELECT upgrade_fixture.check(sum(succeeded) >= 1, 'monitor.payments_hourly counts the payments made since the upgrade')
  FROM monitor.payments_hourly WHERE merchant_code = 'UPG_CAFE';
SELECT upgrade_fixture.check(partitions_months_ahead >= 2 AND NOT failure_log_collecting, 'monitor.health answers (partitions ahead; no failure log without preloading)')
  FROM monitor.health;
SELECT upgrade_fixture.check(NOT EXISTS (SELECT 1 FROM app.verify_ledger()), 'app.verify_ledger() is clean after the operations ran');
