-- Risk and administration (issue "Every card type"): freezing cards (an administrator, or a
-- holder who lost its phone), suspending members and merchants, points and balance corrections,
-- replacing the level ladder, and card expiry. Exact amounts throughout.
\set SHOW_CONTEXT never
\set VERBOSITY default

\set u_amy    'ad000000-0000-4000-8000-000000000001'
\set u_ben    'ad000000-0000-4000-8000-000000000002'
\set u_cash   'ad000000-0000-4000-8000-00000000000a'
\set as_amy   'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"ad000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_ben   'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"ad000000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_cash  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"ad000000-0000-4000-8000-00000000000a","role":"authenticated"}'';'
\set as_service 'SET LOCAL ROLE service_role;'

SELECT app.create_merchant('CA_SHOP', 'Card admin shop') IS NOT NULL AS created;
SELECT app.add_merchant_user('CA_SHOP', :'u_cash');
BEGIN; :as_amy SELECT app.create_member_profile('CA Amy') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_ben SELECT app.create_member_profile('CA Ben') IS NOT NULL AS registered; COMMIT;
SELECT id AS amy_card FROM app.member_cards WHERE owner_member_id = :'u_amy' AND card_type = 'standard' \gset
SELECT id AS ben_card FROM app.member_cards WHERE owner_member_id = :'u_ben' AND card_type = 'standard' \gset
SELECT amount FROM app.user_recharge_card(:'amy_card', 500.00);
SELECT amount FROM app.user_recharge_card(:'ben_card', 100.00);
CREATE TEMP VIEW amy AS SELECT status, frozen_by, balance, points, level, discount FROM app.member_cards WHERE id = :'amy_card';

--------------------------------------------------------------------------------------------
-- Freezing: the holder freezes its own card (a lost phone), and the live QR code ends
--------------------------------------------------------------------------------------------
BEGIN; :as_amy SELECT qr_plain AS amy_qr FROM app.rotate_card_qr(:'amy_card') \gset
COMMIT;
BEGIN; :as_amy
SELECT app.freeze_card(:'amy_card', 'lost my phone') AS frozen;
SELECT app.freeze_card(:'amy_card') AS frozen_again;
COMMIT;
SELECT * FROM amy;
SELECT count(*) AS live_codes FROM app.card_qr_state WHERE card_id = :'amy_card';
SELECT end_reason FROM app.card_qr_history WHERE card_id = :'amy_card' ORDER BY id DESC LIMIT 1;
-- A frozen card pays nothing (its code ended with the freeze), takes no money, shows no code.
BEGIN; :as_cash
SELECT * FROM app.merchant_charge_by_qr('CA_SHOP', :'amy_qr', 10.00);
\echo :SQLSTATE
ROLLBACK;
SELECT * FROM app.user_recharge_card(:'amy_card', 10.00);
\echo :SQLSTATE
BEGIN; :as_amy
SELECT * FROM app.rotate_card_qr(:'amy_card');
\echo :SQLSTATE
ROLLBACK;
-- Another member may neither freeze nor unfreeze it.
BEGIN; :as_ben
SELECT app.unfreeze_card(:'amy_card');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_ben
SELECT app.freeze_card(:'amy_card');
\echo :SQLSTATE
ROLLBACK;
-- The holder unfreezes its own freeze.
BEGIN; :as_amy SELECT app.unfreeze_card(:'amy_card', 'found it') AS unfrozen; COMMIT;
SELECT * FROM amy;
BEGIN; :as_amy SELECT app.unfreeze_card(:'amy_card') AS unfrozen_again; COMMIT;
-- An administrator's freeze: the holder cannot lift it, and cannot weaken it by freezing again.
SELECT app.freeze_card(:'amy_card', 'chargeback investigation') AS admin_frozen;
BEGIN; :as_amy
SELECT app.freeze_card(:'amy_card') AS holder_freezes_too;
COMMIT;
SELECT * FROM amy;
BEGIN; :as_amy
SELECT app.unfreeze_card(:'amy_card');
\echo :SQLSTATE
ROLLBACK;
-- A holder's freeze taken over by an administrator is the administrator's.
SELECT app.unfreeze_card(:'amy_card') AS admin_unfreezes;
BEGIN; :as_amy SELECT app.freeze_card(:'amy_card') AS holder_frozen; COMMIT;
SELECT app.freeze_card(:'amy_card') AS admin_takes_over;
SELECT * FROM amy;
SELECT app.unfreeze_card(:'amy_card') AS admin_unfreezes;
SELECT app.freeze_card('00000000-0000-4000-8000-000000000000');
\echo :SQLSTATE
SELECT action, context ->> 'frozen_by' AS frozen_by, context ->> 'was_frozen_by' AS was_frozen_by, context ->> 'reason' AS reason
  FROM audit.event_log WHERE object_id = :'amy_card' AND action IN ('card.freeze', 'card.unfreeze') ORDER BY id;

--------------------------------------------------------------------------------------------
-- Suspending a member: its cards take part in no payment, refund or recharge; its codes end
--------------------------------------------------------------------------------------------
BEGIN; :as_amy SELECT qr_plain AS amy_qr FROM app.rotate_card_qr(:'amy_card') \gset
COMMIT;
BEGIN; :as_cash
SELECT tx_no AS amy_pay FROM app.merchant_charge_by_qr('CA_SHOP', :'amy_qr', 40.00) \gset
COMMIT;
BEGIN; :as_amy SELECT qr_plain AS amy_qr FROM app.rotate_card_qr(:'amy_card') \gset
COMMIT;
SELECT app.admin_suspend_member(:'u_amy', 'fraud review') AS suspended;
SELECT app.admin_suspend_member(:'u_amy') AS suspended_again;
SELECT status FROM app.member_profiles WHERE id = :'u_amy';
SELECT count(*) AS live_codes FROM app.card_qr_state WHERE card_id = :'amy_card';
BEGIN; :as_amy
SELECT * FROM app.rotate_card_qr(:'amy_card');
\echo :SQLSTATE
ROLLBACK;
SELECT * FROM app.user_recharge_card(:'amy_card', 10.00);
\echo :SQLSTATE
BEGIN; :as_cash
SELECT * FROM app.merchant_refund_tx('CA_SHOP', :'amy_pay', 10.00);
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_amy
SELECT app.admin_reactivate_member(:'u_amy');
\echo :SQLSTATE
ROLLBACK;
SELECT app.admin_suspend_member('00000000-0000-4000-8000-000000000000');
\echo :SQLSTATE
SELECT app.admin_reactivate_member(:'u_amy', 'cleared') AS reactivated;
BEGIN; :as_cash
SELECT refunded_amount FROM app.merchant_refund_tx('CA_SHOP', :'amy_pay', 10.00);
COMMIT;
SELECT action, context ->> 'reason' AS reason, context ->> 'qr_codes_ended' AS qr_codes_ended
  FROM audit.event_log WHERE object_type = 'member' AND object_id = :'u_amy' AND action LIKE 'member.%' ORDER BY id;

--------------------------------------------------------------------------------------------
-- Suspending a merchant: no payment, refund or counter top-up there
--------------------------------------------------------------------------------------------
BEGIN; :as_ben SELECT qr_plain AS ben_qr FROM app.rotate_card_qr(:'ben_card') \gset
COMMIT;
SELECT app.admin_suspend_merchant('CA_SHOP', 'unpaid fees') AS suspended;
BEGIN; :as_cash
SELECT * FROM app.merchant_charge_by_qr('CA_SHOP', :'ben_qr', 10.00);
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cash
SELECT * FROM app.merchant_refund_tx('CA_SHOP', :'amy_pay', 1.00);
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cash
SELECT app.admin_reactivate_merchant('CA_SHOP');
\echo :SQLSTATE
ROLLBACK;
SELECT app.admin_suspend_merchant('NO_SUCH_SHOP');
\echo :SQLSTATE
SELECT app.admin_reactivate_merchant('CA_SHOP') AS reactivated;
SELECT app.admin_reactivate_merchant('CA_SHOP') AS reactivated_again;
BEGIN; :as_cash
SELECT final_amount FROM app.merchant_charge_by_qr('CA_SHOP', :'ben_qr', 10.00);
COMMIT;

--------------------------------------------------------------------------------------------
-- Points: a platform administrator adds or takes points; level and discount follow; never < 0
--------------------------------------------------------------------------------------------
SELECT * FROM amy;
SELECT points, level, discount FROM app.update_points_and_level(:'amy_card', 1000, 'welcome bonus');
SELECT points, level, discount FROM app.update_points_and_level(:'amy_card', -31, 'correction');
SELECT * FROM app.update_points_and_level(:'amy_card', -1000, 'too much');
\echo :SQLSTATE
SELECT * FROM app.update_points_and_level(:'amy_card', 0, 'nothing');
\echo :SQLSTATE
SELECT * FROM app.update_points_and_level(:'amy_card', 10, NULL);
\echo :SQLSTATE
BEGIN; :as_amy
SELECT * FROM app.update_points_and_level(:'amy_card', 10, 'self-service');
\echo :SQLSTATE
ROLLBACK;
SELECT delta, balance_before, balance_after, reason, tx_id IS NULL AS no_tx
  FROM app.point_ledger WHERE card_id = :'amy_card' ORDER BY id;

--------------------------------------------------------------------------------------------
-- Balance corrections: an adjustment with a reason, idempotent by key, never below zero
--------------------------------------------------------------------------------------------
SELECT balance FROM app.member_cards WHERE id = :'ben_card';
BEGIN; :as_service
SELECT amount, tx_no ~ '^ADJ' AS adj FROM app.adjust_card_balance(:'ben_card', -15.50, 'double charge at the till', 'fix-1');
COMMIT;
SELECT amount AS retried FROM app.adjust_card_balance(:'ben_card', -15.50, 'double charge at the till', 'fix-1');
SELECT * FROM app.adjust_card_balance(:'ben_card', -15.00, 'double charge at the till', 'fix-1');
\echo :SQLSTATE
SELECT amount FROM app.adjust_card_balance(:'ben_card', 5.50, 'goodwill', 'fix-2');
SELECT balance FROM app.member_cards WHERE id = :'ben_card';
SELECT * FROM app.adjust_card_balance(:'ben_card', -80.01, 'too much', 'fix-3');
\echo :SQLSTATE
SELECT * FROM app.adjust_card_balance(:'ben_card', 0, 'nothing', 'fix-4');
\echo :SQLSTATE
SELECT * FROM app.adjust_card_balance(:'ben_card', 1.00, NULL, 'fix-5');
\echo :SQLSTATE
SELECT * FROM app.adjust_card_balance(:'ben_card', 1.00, 'no key', NULL);
\echo :SQLSTATE
SELECT * FROM app.adjust_card_balance(:'ben_card', 1.005, 'three decimals', 'fix-6');
\echo :SQLSTATE
SELECT * FROM app.adjust_card_balance('00000000-0000-4000-8000-000000000000', 1.00, 'unknown', 'fix-7');
\echo :SQLSTATE
BEGIN; :as_ben
SELECT * FROM app.adjust_card_balance(:'ben_card', 100.00, 'self-service', 'fix-8');
\echo :SQLSTATE
ROLLBACK;
SELECT tx_type, raw_amount, final_amount, reason, idempotency_key, actor_role
  FROM app.transactions WHERE card_id = :'ben_card' AND tx_type = 'adjustment' ORDER BY final_amount;
SELECT balance FROM app.member_cards WHERE id = :'ben_card';

--------------------------------------------------------------------------------------------
-- The level ladder, replaced atomically; every card that earns points follows at once
--------------------------------------------------------------------------------------------
SELECT points, level, discount FROM app.member_cards WHERE id IN (:'amy_card', :'ben_card') ORDER BY points;
SELECT app.replace_membership_levels('[
  {"level": 0, "name": "Basic", "min_points": 0, "max_points": 9, "discount": 1},
  {"level": 1, "name": "Regular", "min_points": 10, "max_points": 999, "discount": 0.98},
  {"level": 2, "name": "Loyal", "min_points": 1000, "max_points": null, "discount": 0.9}]') >= 2 AS cards_changed;
SELECT level, name, min_points, max_points, discount FROM app.membership_levels ORDER BY level;
SELECT points, level, discount FROM app.member_cards WHERE id IN (:'amy_card', :'ben_card') ORDER BY points;
-- Refused, and nothing changes: a gap, an overlap, no start at 0, a closed top, a worse
-- discount higher up, a discount of three decimals and a bit, not an array, a missing field.
SELECT app.replace_membership_levels('[{"level": 0, "name": "A", "min_points": 0, "max_points": 9, "discount": 1},
                                        {"level": 1, "name": "B", "min_points": 11, "max_points": null, "discount": 0.9}]');
\echo :SQLSTATE
SELECT app.replace_membership_levels('[{"level": 0, "name": "A", "min_points": 0, "max_points": 9, "discount": 1},
                                        {"level": 1, "name": "B", "min_points": 9, "max_points": null, "discount": 0.9}]');
\echo :SQLSTATE
SELECT app.replace_membership_levels('[{"level": 0, "name": "A", "min_points": 5, "max_points": null, "discount": 1}]');
\echo :SQLSTATE
SELECT app.replace_membership_levels('[{"level": 0, "name": "A", "min_points": 0, "max_points": 100, "discount": 1}]');
\echo :SQLSTATE
SELECT app.replace_membership_levels('[{"level": 0, "name": "A", "min_points": 0, "max_points": 9, "discount": 0.9},
                                        {"level": 1, "name": "B", "min_points": 10, "max_points": null, "discount": 0.95}]');
\echo :SQLSTATE
SELECT app.replace_membership_levels('[{"level": 0, "name": "A", "min_points": 0, "max_points": null, "discount": 0.9505}]');
\echo :SQLSTATE
SELECT app.replace_membership_levels('{"level": 0}');
\echo :SQLSTATE
SELECT app.replace_membership_levels('[{"level": 0, "name": "A", "max_points": null, "discount": 1}]');
\echo :SQLSTATE
SELECT app.replace_membership_levels('[]');
\echo :SQLSTATE
BEGIN; :as_amy
SELECT app.replace_membership_levels('[{"level": 0, "name": "A", "min_points": 0, "max_points": null, "discount": 0.5}]');
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS levels FROM app.membership_levels;
-- Back to the default ladder, by the trusted backend (service_role): the ladder's check is
-- deferred to COMMIT, where it runs after the RPC returned and must still be allowed to work.
BEGIN; :as_service
SELECT app.replace_membership_levels('[
  {"level": 0, "name": "Standard", "min_points": 0, "max_points": 999, "discount": 1.000},
  {"level": 1, "name": "Silver", "min_points": 1000, "max_points": 4999, "discount": 0.950},
  {"level": 2, "name": "Gold", "min_points": 5000, "max_points": 9999, "discount": 0.900},
  {"level": 3, "name": "Platinum", "min_points": 10000, "max_points": null, "discount": 0.850}]') >= 2 AS cards_changed;
COMMIT;
SELECT points, level, discount FROM app.member_cards WHERE id IN (:'amy_card', :'ben_card') ORDER BY points;
SELECT action, context -> 'levels' AS levels, (context ->> 'cards_changed')::int >= 2 AS cards_changed
  FROM audit.event_log WHERE action = 'levels.replace' ORDER BY id;

--------------------------------------------------------------------------------------------
-- Expiry (cron_expire_cards): every type past its expiry; QR codes end; a voucher's remainder
-- is written off; audited
--------------------------------------------------------------------------------------------
SELECT card_id AS exp_prepaid FROM app.create_prepaid_card(:'u_ben', NULL, now() + interval '1 hour') \gset
SELECT card_id AS exp_voucher FROM app.create_voucher_card(:'u_ben', 25.00, now() + interval '1 hour') \gset
SELECT card_id AS exp_corp FROM app.create_corporate_card('Expiring Co', 0.9, 'expiring-pw', now() + interval '1 hour') \gset
SELECT amount FROM app.user_recharge_card(:'exp_prepaid', 40.00);
BEGIN; :as_ben SELECT qr_plain IS NOT NULL AS rotated FROM app.rotate_card_qr(:'exp_voucher'); COMMIT;
-- (Cards of other tests that are past their expiry expire now.)
SELECT app.cron_expire_cards() IS NOT NULL AS swept;
SELECT count(*) AS ours_still_active FROM app.member_cards
 WHERE id IN (:'exp_prepaid', :'exp_voucher', :'exp_corp', :'amy_card') AND status = 'active';
-- An hour passes for these cards (and for Amy's standard card, which got an expiry).
UPDATE app.member_cards SET expires_at = now() - interval '1 second'
 WHERE id IN (:'exp_prepaid', :'exp_voucher', :'exp_corp', :'amy_card');
SELECT app.cron_expire_cards() AS expired;
SELECT app.cron_expire_cards() AS expired_again;
SELECT card_type, status, balance FROM app.member_cards
 WHERE id IN (:'exp_prepaid', :'exp_voucher', :'exp_corp', :'amy_card') ORDER BY card_type;
SELECT count(*) AS live_codes FROM app.card_qr_state WHERE card_id = :'exp_voucher';
SELECT end_reason FROM app.card_qr_history WHERE card_id = :'exp_voucher';
SELECT tx_type, final_amount, reason FROM app.transactions WHERE card_id = :'exp_voucher' ORDER BY final_amount;
SELECT context ->> 'card_type' AS card_type, context ->> 'balance' AS balance
  FROM audit.event_log WHERE action = 'card.expire'
   AND object_id IN (:'exp_prepaid', :'exp_voucher', :'exp_corp', :'amy_card') ORDER BY context ->> 'card_type';
BEGIN; :as_ben
SELECT app.cron_expire_cards();
\echo :SQLSTATE
ROLLBACK;
-- An expired card cannot be frozen (nor does it pay: CARD_NOT_ACTIVE).
SELECT app.freeze_card(:'exp_prepaid');
\echo :SQLSTATE
-- Corrections never touch vouchers, closed or expired cards.
SELECT * FROM app.adjust_card_balance(:'exp_voucher', 5.00, 'oops', 'fix-v');
\echo :SQLSTATE
SELECT * FROM app.adjust_card_balance(:'exp_prepaid', 5.00, 'oops', 'fix-e');
\echo :SQLSTATE

--------------------------------------------------------------------------------------------
-- A shared card frozen by one holder: another member who uses it cannot lift the freeze (the
-- phone thief); the holder who froze it and the card's owner can
--------------------------------------------------------------------------------------------
SELECT card_id AS shared FROM app.create_prepaid_card(:'u_amy') \gset
SELECT app.bind_member_to_card(:'shared', :'u_ben') AS ben_bound;
BEGIN; :as_ben SELECT app.freeze_card(:'shared', 'lost phone') AS ben_froze; COMMIT;
SELECT frozen_by, frozen_by_member_id = :'u_ben' AS by_ben FROM app.member_cards WHERE id = :'shared';
BEGIN; :as_amy SELECT app.unfreeze_card(:'shared') AS owner_unfreezes; COMMIT;
BEGIN; :as_amy SELECT app.freeze_card(:'shared', 'lost phone') AS amy_froze; COMMIT;
BEGIN; :as_ben
SELECT app.unfreeze_card(:'shared');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_amy SELECT app.unfreeze_card(:'shared') AS amy_unfreezes; COMMIT;
SELECT status, frozen_by, frozen_by_member_id FROM app.member_cards WHERE id = :'shared';
SELECT * FROM app.verify_ledger();
