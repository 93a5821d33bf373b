-- Seed-compatible calls (issue "Every card type", items 6 and 7): each call as the seeds write
-- it, unchanged; external logins by the trusted backend (seed 004 §5.2); the seed-000 tables as
-- read-only views under row security.
\set SHOW_CONTEXT never
\set VERBOSITY default

\set u_wu   '5eed0000-0000-4000-8000-000000000001'
\set u_xia  '5eed0000-0000-4000-8000-000000000002'
\set u_yan  '5eed0000-0000-4000-8000-000000000003'
\set u_cash '5eed0000-0000-4000-8000-00000000000a'
\set as_wu   'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"5eed0000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_xia  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"5eed0000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_yan  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"5eed0000-0000-4000-8000-000000000003","role":"authenticated"}'';'
\set as_cash 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"5eed0000-0000-4000-8000-00000000000a","role":"authenticated"}'';'
\set as_service 'SET LOCAL ROLE service_role;'

-- Supabase's auth.uid(), as the seeds' clients call it (this server has no auth schema).
CREATE SCHEMA auth;
CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT nullif(COALESCE(current_setting('request.jwt.claim.sub', true),
                         current_setting('request.jwt.claims', true)::jsonb ->> 'sub'), '')::uuid $$;
GRANT USAGE ON SCHEMA auth TO PUBLIC;
SELECT app.create_merchant('M001', 'Seed merchant') IS NOT NULL AS created;
SELECT app.add_merchant_user('M001', :'u_cash');

--------------------------------------------------------------------------------------------
-- create_member_profile as seed 001 calls it: positional, by the trusted backend (service key)
--------------------------------------------------------------------------------------------
BEGIN; :as_service
SELECT app.create_member_profile('張小明', '0988123456', 'ming@example.com', 'wechat', 'wx_openid_abc123') AS ming \gset
COMMIT;
SELECT p.name, p.phone, p.email, i.provider, i.external_id, c.card_type
  FROM app.member_profiles p JOIN app.member_external_identities i ON i.member_id = p.id
  JOIN app.member_cards c ON c.owner_member_id = p.id WHERE p.id = :'ming';
-- By name with only p_name, by a signed-in user for itself: its member id is its user id.
BEGIN; :as_wu
SELECT app.create_member_profile(p_name => 'Wu') = :'u_wu' AS member_id_is_user_id;
COMMIT;
BEGIN; :as_xia SELECT app.create_member_profile('Xia') = :'u_xia' AS member_id_is_user_id; COMMIT;

--------------------------------------------------------------------------------------------
-- Seed 000: select * from app.personal_cards where member_id = auth.uid()
--------------------------------------------------------------------------------------------
BEGIN; :as_wu
SELECT card_no ~ '^STD' AS std_number, member_id = auth.uid() AS mine, balance, points, level, discount, status
  FROM app.personal_cards WHERE member_id = auth.uid();
SELECT count(*) AS all_visible_personal_cards FROM app.personal_cards;
SELECT id AS wu_card FROM app.personal_cards WHERE member_id = auth.uid() \gset
COMMIT;
BEGIN; :as_xia
SELECT count(*) AS xia_sees_wu FROM app.personal_cards WHERE member_id = :'u_wu';
COMMIT;
-- Read-only: no write through the views.
BEGIN; :as_wu
UPDATE app.personal_cards SET balance = 1000000 WHERE member_id = auth.uid();
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_wu
SELECT column_name FROM information_schema.columns
 WHERE table_schema = 'app' AND table_name IN ('personal_cards', 'enterprise_cards', 'enterprise_card_bindings')
   AND column_name LIKE '%password%';
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Seed 000 §5.4 recharge calls: user_recharge_personal_card(card_id, amount, 'wechat', 'topup'),
-- and with app.pay_method values
--------------------------------------------------------------------------------------------
BEGIN; :as_service
SELECT amount, status FROM app.user_recharge_personal_card(:'wu_card', 100, 'wechat', 'topup');
SELECT amount, status FROM app.user_recharge_personal_card(:'wu_card', 50, 'alipay'::app.pay_method, 'topup');
COMMIT;
SELECT payment_method, reason, final_amount FROM app.transactions WHERE card_id = :'wu_card' ORDER BY final_amount;
SELECT 'bank transfer'::app.pay_method;
\echo :SQLSTATE

--------------------------------------------------------------------------------------------
-- rotate_card_qr as the seeds call it, and the charge's points_earned (seed 004 §2.1)
--------------------------------------------------------------------------------------------
BEGIN; :as_wu
SELECT qr_plain AS qr1 FROM app.rotate_card_qr(:'wu_card', 'personal') \gset
SELECT qr_plain AS qr2 FROM app.rotate_card_qr(:'wu_card', 'personal'::app.card_type) \gset
SELECT qr_plain AS qr3 FROM app.rotate_card_qr(p_card_id => :'wu_card', p_ttl_seconds => 900) \gset
COMMIT;
BEGIN; :as_cash
SELECT card_type, final_amount, discount, points_earned
  FROM app.merchant_charge_by_qr('M001', :'qr3', 25.50, 'coffee', '{"sku":"latte"}');
COMMIT;
-- An enterprise card: its admin rotates with p_card_type => 'enterprise'.
SELECT card_id AS corp, card_no AS corp_no FROM app.create_corporate_card('Seed Corp', 0.900, 'seed-corp-pw') \gset
SELECT member_no AS xia_no FROM app.member_profiles WHERE id = :'u_xia' \gset
SELECT member_no AS wu_no FROM app.member_profiles WHERE id = :'u_wu' \gset
SELECT app.enterprise_set_initial_admin(:'corp_no', :'xia_no');
BEGIN; :as_xia
SELECT app.enterprise_add_member(:'corp_no', :'wu_no', 'seed-corp-pw');
SELECT qr_plain IS NOT NULL AS rotated FROM app.rotate_card_qr(p_card_id => :'corp', p_card_type => 'enterprise');
SELECT * FROM app.rotate_card_qr(:'corp', 'personal');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_xia
SELECT app.enterprise_add_member(:'corp_no', :'wu_no', 'seed-corp-pw') AS wu_added;
COMMIT;

--------------------------------------------------------------------------------------------
-- Seed 000's enterprise_cards and enterprise_card_bindings: bound members see their card
--------------------------------------------------------------------------------------------
BEGIN; :as_wu
SELECT card_no = :'corp_no' AS the_card, company_name, fixed_discount, balance, status FROM app.enterprise_cards;
SELECT enterprise_card_id = :'corp' AS the_card, member_id = auth.uid() AS me, role, status
  FROM app.enterprise_card_bindings ORDER BY role;
COMMIT;
BEGIN; :as_yan
SELECT count(*) AS yan_sees_cards FROM app.enterprise_cards;
SELECT count(*) AS yan_sees_bindings FROM app.enterprise_card_bindings;
COMMIT;
BEGIN; SET LOCAL ROLE anon;
SELECT count(*) FROM app.enterprise_cards;
\echo :SQLSTATE
ROLLBACK;
-- user_recharge_enterprise_card_admin(card_id, amount, 'alipay', 'corporate_topup'): by its
-- admin (a pending order while self-service recharge is off), and by the trusted backend.
BEGIN; :as_xia
SELECT amount, status FROM app.user_recharge_enterprise_card_admin(:'corp', 300, 'alipay', 'corporate_topup');
COMMIT;
BEGIN; :as_service
SELECT amount, status FROM app.user_recharge_enterprise_card_admin(:'corp', 300, 'alipay', 'corporate_topup');
COMMIT;

--------------------------------------------------------------------------------------------
-- External logins (seed 004 §5.2): the trusted backend logs in or registers in one call
--------------------------------------------------------------------------------------------
BEGIN; :as_service
SELECT member_id AS yan_member, member_no ~ '^M[0-9]+$' AS number, is_new
  FROM app.login_or_register_external('wechat', 'wx-yan-1', 'Yan', '13900000000', NULL, :'u_yan') \gset
SELECT :'number' AS member_number, :'is_new' AS is_new, :'yan_member' = :'u_yan' AS member_id_is_user_id;
COMMIT;
SELECT member_id = :'yan_member' AS same_member, is_new FROM app.login_or_register_external('wechat', 'wx-yan-1');
SELECT count(*) AS yan_cards FROM app.member_cards WHERE owner_member_id = :'yan_member' AND card_type = 'standard';
-- A further verified login is linked to Yan; the same again is no change; another member's
-- login cannot be linked to Yan.
SELECT app.link_external_identity(:'yan_member', 'alipay', 'ali-yan-1') AS linked;
SELECT app.link_external_identity(:'yan_member', 'alipay', 'ali-yan-1') AS linked_again;
SELECT member_id = :'yan_member' AS yan, is_new FROM app.login_or_register_external('alipay', 'ali-yan-1');
SELECT app.link_external_identity(:'yan_member', 'wechat', 'wx_openid_abc123');
\echo :SQLSTATE
SELECT app.link_external_identity('00000000-0000-4000-8000-000000000000', 'wechat', 'wx-nobody');
\echo :SQLSTATE
-- A new login needs a name; the same auth user cannot get a second member; bad input.
SELECT * FROM app.login_or_register_external('wechat', 'wx-new-1');
\echo :SQLSTATE
SELECT * FROM app.login_or_register_external('wechat', 'wx-new-2', 'Yan Again', NULL, NULL, :'u_yan');
\echo :SQLSTATE
SELECT * FROM app.login_or_register_external('WeChat!', 'wx-new-3', 'Bad Provider');
\echo :SQLSTATE
SELECT * FROM app.login_or_register_external('wechat', NULL, 'No Id');
\echo :SQLSTATE
-- Nobody else binds an identity: not a member for itself, not anon.
BEGIN; :as_wu
SELECT * FROM app.login_or_register_external('wechat', 'wx-wu-1', 'Wu');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_wu
SELECT app.link_external_identity(:'u_wu', 'wechat', 'wx-wu-1');
\echo :SQLSTATE
ROLLBACK;
-- A suspended member's login is refused.
SELECT app.admin_suspend_member(:'yan_member') AS suspended;
SELECT * FROM app.login_or_register_external('wechat', 'wx-yan-1');
\echo :SQLSTATE
SELECT app.admin_reactivate_member(:'yan_member') AS reactivated;
SELECT provider, external_id FROM app.member_external_identities WHERE member_id = :'yan_member' ORDER BY provider;
SELECT action, context ->> 'external_provider' AS provider FROM audit.event_log
 WHERE object_id = :'yan_member' AND action IN ('member.create', 'member.link_identity') ORDER BY id;
SELECT * FROM app.verify_ledger();
DROP FUNCTION auth.uid();
DROP SCHEMA auth;
