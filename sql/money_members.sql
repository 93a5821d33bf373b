-- Merchants, their staff and members (issue #3): create_merchant, add_merchant_user and
-- create_member_profile, each success path and every error code, the standard card issued
-- for every new member (also for a row inserted directly by a trusted backend), and the
-- audit rows. Ids, member/card numbers and timestamps are never printed: users get fixed
-- uuids and are shown by label.
\set SHOW_CONTEXT never
\set VERBOSITY default

-- Callers. A caller acts inside BEGIN ... ROLLBACK/COMMIT, transaction-locally, exactly as
-- PostgREST does (role + request.jwt.claims set locally).
\set u_admin    'a1000000-0000-4000-8000-0000000000ad'
\set u_owner    'a1000000-0000-4000-8000-000000000001'
\set u_manager  'a1000000-0000-4000-8000-000000000002'
\set u_cashier  'a1000000-0000-4000-8000-000000000003'
\set u_outsider 'a1000000-0000-4000-8000-000000000004'
\set u_self     'a1000000-0000-4000-8000-000000000005'
\set u_self2    'a1000000-0000-4000-8000-000000000006'
\set as_admin    'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a1000000-0000-4000-8000-0000000000ad","role":"authenticated"}'';'
\set as_owner    'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a1000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_manager  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a1000000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_cashier  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a1000000-0000-4000-8000-000000000003","role":"authenticated"}'';'
\set as_outsider 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a1000000-0000-4000-8000-000000000004","role":"authenticated"}'';'
\set as_self2    'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a1000000-0000-4000-8000-000000000006","role":"authenticated"}'';'
\set as_service  'SET LOCAL ROLE service_role;'

CREATE TEMP TABLE who (user_id uuid PRIMARY KEY, label text NOT NULL);
INSERT INTO who VALUES (:'u_admin', 'admin'), (:'u_owner', 'owner'), (:'u_manager', 'manager'),
  (:'u_cashier', 'cashier'), (:'u_outsider', 'outsider'), (:'u_self', 'self'), (:'u_self2', 'self2');
GRANT SELECT ON who TO PUBLIC;
-- Audit rows written from here on are shown at the end.
SELECT COALESCE(max(id), 0) AS audit_mark FROM audit.event_log \gset
INSERT INTO app.admin_users (user_id, note) VALUES (:'u_admin', 'money_members test administrator');

--------------------------------------------------------------------------------------------
-- create_merchant
--------------------------------------------------------------------------------------------
-- The superuser (a platform administrator) creates a merchant; the id is returned.
SELECT app.create_merchant('MM_SHOP', 'Members Test Shop', 'front desk') IS NOT NULL AS created;
SELECT code, name, contact, status FROM app.merchants WHERE code = 'MM_SHOP';
-- service_role and a user listed in app.admin_users are platform administrators too.
BEGIN; :as_service
SELECT app.create_merchant('MM_SVC', 'Created by service_role') IS NOT NULL AS created;
COMMIT;
BEGIN; :as_admin
SELECT app.create_merchant('MM_ADM', 'Created by an app admin') IS NOT NULL AS created;
COMMIT;
SELECT code, name, contact, status FROM app.merchants WHERE code LIKE 'MM\_%' ORDER BY code;

-- The same code again: MERCHANT_ALREADY_EXISTS (PT409).
SELECT app.create_merchant('MM_SHOP', 'Another shop');
\echo :SQLSTATE
-- Codes are 1..64 of letters, digits, '_', '.', '-': INVALID_ARGUMENT (22023).
SELECT app.create_merchant('MM SHOP', 'Space in the code');
\echo :SQLSTATE
SELECT app.create_merchant('MM_Ü', 'Non-ASCII code');
\echo :SQLSTATE
SELECT app.create_merchant(repeat('M', 65), 'Code too long');
\echo :SQLSTATE
SELECT app.create_merchant('', 'Empty code');
\echo :SQLSTATE
SELECT app.create_merchant(NULL, 'No code');
\echo :SQLSTATE
SELECT app.create_merchant('MM_NONAME', '   ');
\echo :SQLSTATE
-- 64 characters is the longest accepted code.
SELECT app.create_merchant(repeat('M', 64), 'Longest code') IS NOT NULL AS created;
-- A signed-in user who is not an administrator: PERMISSION_DENIED (42501).
BEGIN; :as_owner
SELECT app.create_merchant('MM_NOPE', 'Not allowed');
\echo :SQLSTATE
ROLLBACK;
-- anon holds no EXECUTE privilege on it at all.
BEGIN;
SET LOCAL ROLE anon;
SELECT app.create_merchant('MM_NOPE', 'Not allowed');
\echo :SQLSTATE
ROLLBACK;
-- The role claim is never trusted: an authenticated caller claiming service_role gains nothing.
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"a1000000-0000-4000-8000-000000000004","role":"service_role"}';
SELECT app.create_merchant('MM_NOPE', 'Not allowed');
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS merchants_mm_nope FROM app.merchants WHERE code = 'MM_NOPE';

--------------------------------------------------------------------------------------------
-- add_merchant_user
--------------------------------------------------------------------------------------------
-- The administrator appoints the owner; the default role is cashier.
SELECT app.add_merchant_user('MM_SHOP', :'u_owner', 'owner');
-- The owner appoints a manager; the manager appoints a cashier (default role).
BEGIN; :as_owner
SELECT app.add_merchant_user('MM_SHOP', :'u_manager', 'manager');
COMMIT;
BEGIN; :as_manager
SELECT app.add_merchant_user('MM_SHOP', :'u_cashier');
COMMIT;
SELECT w.label, u.role, u.active
  FROM app.merchant_users u JOIN app.merchants m ON m.id = u.merchant_id JOIN who w USING (user_id)
 WHERE m.code = 'MM_SHOP' ORDER BY u.role, w.label;

-- A manager may not appoint an owner.
BEGIN; :as_manager
SELECT app.add_merchant_user('MM_SHOP', :'u_outsider', 'owner');
\echo :SQLSTATE
ROLLBACK;
-- Nor may a manager change the owner's role (demoting the owner would leave the manager in
-- charge). Shown tersely: the point is the code; rolled back either way.
BEGIN; :as_manager
\set VERBOSITY terse
SELECT app.add_merchant_user('MM_SHOP', :'u_owner', 'cashier');
\echo :SQLSTATE
\set VERBOSITY default
ROLLBACK;
-- A cashier may not appoint anyone, not even a cashier.
BEGIN; :as_cashier
SELECT app.add_merchant_user('MM_SHOP', :'u_outsider', 'cashier');
\echo :SQLSTATE
ROLLBACK;
-- Somebody who is not staff of the merchant.
BEGIN; :as_outsider
SELECT app.add_merchant_user('MM_SHOP', :'u_outsider', 'owner');
\echo :SQLSTATE
ROLLBACK;
-- Staff of one merchant are nobody at another.
BEGIN; :as_owner
SELECT app.add_merchant_user('MM_SVC', :'u_outsider', 'cashier');
\echo :SQLSTATE
ROLLBACK;
-- Unknown merchant, bad role, missing user id.
SELECT app.add_merchant_user('MM_NO_SUCH_SHOP', :'u_outsider');
\echo :SQLSTATE
SELECT app.add_merchant_user('MM_SHOP', :'u_outsider', 'boss');
\echo :SQLSTATE
SELECT app.add_merchant_user('MM_SHOP', NULL, 'cashier');
\echo :SQLSTATE
-- Nothing changed.
SELECT w.label, u.role, u.active
  FROM app.merchant_users u JOIN app.merchants m ON m.id = u.merchant_id JOIN who w USING (user_id)
 WHERE m.code = 'MM_SHOP' ORDER BY u.role, w.label;
-- A platform administrator keeps its rights at a merchant where it is also a cashier: it
-- appoints an owner and changes the owner's role (rolled back).
BEGIN;
SELECT app.add_merchant_user('MM_SHOP', :'u_admin', 'cashier');
:as_admin
SELECT app.add_merchant_user('MM_SHOP', :'u_outsider', 'owner');
SELECT app.add_merchant_user('MM_SHOP', :'u_owner', 'manager');
SELECT w.label, u.role, u.active
  FROM app.merchant_users u JOIN app.merchants m ON m.id = u.merchant_id JOIN who w USING (user_id)
 WHERE m.code = 'MM_SHOP' ORDER BY u.role, w.label;
ROLLBACK;
-- Appointing an existing staff member again changes the role (the owner promotes the
-- cashier; read back through RLS as the owner, then rolled back).
BEGIN; :as_owner
SELECT app.add_merchant_user('MM_SHOP', :'u_cashier', 'manager');
SELECT w.label, u.role, u.active
  FROM app.merchant_users u JOIN who w USING (user_id) ORDER BY u.role, w.label;
ROLLBACK;

--------------------------------------------------------------------------------------------
-- create_member_profile
--------------------------------------------------------------------------------------------
CREATE TEMP VIEW member_card AS
SELECT p.name, p.phone, p.email, p.status AS member_status,
       p.member_no ~ '^M[0-9]{10}$' AS member_no_ok,
       w.label AS user_label, p.password_hash LIKE '$argon2id$%' AS has_argon2_hash,
       c.card_type, c.card_no ~ '^STD[0-9]{12}$' AS card_no_ok, c.balance, c.points, c.level,
       c.discount, c.status AS card_status, c.expires_at IS NULL AS no_expiry
  FROM app.member_profiles p
  LEFT JOIN who w ON w.user_id = p.user_id
  LEFT JOIN app.member_cards c ON c.owner_member_id = p.id;

-- Administrator path: no user id; the standard card is issued at level 0, discount 1.000.
SELECT app.create_member_profile('MM Admin Made', '+86 138-0000-0001', 'admin.made@example.com') AS m_admin_made \gset
SELECT * FROM member_card WHERE name = 'MM Admin Made';
-- With a password (8..128 characters), kept only as an Argon2id hash.
SELECT app.create_member_profile('MM With Password', NULL, NULL, p_password => 'correct horse') AS m_pw \gset
SELECT * FROM member_card WHERE name = 'MM With Password';
SELECT count(*) AS plaintext_passwords FROM app.member_profiles WHERE password_hash LIKE '%correct horse%';

-- Self-registration: a signed-in user registers itself; user_id = the JWT sub. Here with
-- set_config(..., true), as PostgREST sends it.
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', '{"sub":"a1000000-0000-4000-8000-000000000005","role":"authenticated"}', true) IS NOT NULL AS claims_set;
SELECT app.create_member_profile('MM Self', '13800000005', 'self@example.com') AS m_self \gset
COMMIT;
SELECT * FROM member_card WHERE name = 'MM Self';
SELECT id = :'m_self' AS returned_id_is_the_member FROM app.member_profiles WHERE user_id = :'u_self';
-- The same user again: MEMBER_ALREADY_EXISTS (PT409); request.jwt.claim.sub works as well.
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claim.sub = 'a1000000-0000-4000-8000-000000000005';
SELECT app.create_member_profile('MM Self Again', NULL, NULL);
\echo :SQLSTATE
ROLLBACK;

-- An external identity (provider, external id) is bound only by the trusted backend that
-- verified the login with the provider. A signed-in user asserting one for itself is refused
-- (it could lock the real owner out) and nothing is written.
BEGIN; :as_self2
SELECT app.create_member_profile('MM Self Two', NULL, NULL, 'wechat', 'wx-mm-0001');
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS self_asserted_rows FROM app.member_profiles WHERE name = 'MM Self Two';
-- The backend (service_role) registers the member with the login it verified.
BEGIN; :as_service
SELECT app.create_member_profile('MM Self Two', NULL, NULL, 'wechat', 'wx-mm-0001') IS NOT NULL AS created;
COMMIT;
SELECT i.provider, i.external_id, p.name
  FROM app.member_external_identities i JOIN app.member_profiles p ON p.id = i.member_id
 WHERE i.external_id LIKE 'wx-mm-%';
-- A user asserting a login that is already bound gets the same refusal as for any other: no
-- answer tells which logins are registered.
BEGIN; :as_self2
SELECT app.create_member_profile('MM Thief', NULL, NULL, 'wechat', 'wx-mm-0001');
\echo :SQLSTATE
ROLLBACK;
-- The same login for another member, asked by a trusted caller: EXTERNAL_ID_ALREADY_BOUND
-- (PT409), and no member row stays.
SELECT app.create_member_profile('MM Thief', NULL, NULL, 'wechat', 'wx-mm-0001');
\echo :SQLSTATE
SELECT count(*) AS thief_rows FROM app.member_profiles WHERE name = 'MM Thief';
-- The same external id at another provider is someone else.
SELECT app.create_member_profile('MM Alipay', NULL, NULL, 'alipay', 'wx-mm-0001') IS NOT NULL AS created;
-- Provider and external id go together.
SELECT app.create_member_profile('MM Half', NULL, NULL, 'wechat', NULL);
\echo :SQLSTATE
SELECT app.create_member_profile('MM Half', NULL, NULL, NULL, 'wx-mm-0002');
\echo :SQLSTATE

-- Malformed input: INVALID_ARGUMENT (22023).
SELECT app.create_member_profile('MM Bad', NULL, 'not-an-email');
\echo :SQLSTATE
SELECT app.create_member_profile('MM Bad', NULL, '@example.com');
\echo :SQLSTATE
SELECT app.create_member_profile('MM Bad', NULL, 'user@');
\echo :SQLSTATE
SELECT app.create_member_profile('MM Bad', NULL, 'us er@example.com');
\echo :SQLSTATE
SELECT app.create_member_profile('MM Bad', 'call me', NULL);
\echo :SQLSTATE
SELECT app.create_member_profile('MM Bad', repeat('1', 33), NULL);
\echo :SQLSTATE
SELECT app.create_member_profile('MM Bad', NULL, NULL, p_password => 'seven77');
\echo :SQLSTATE
SELECT app.create_member_profile('MM Bad', NULL, NULL, p_password => repeat('p', 129));
\echo :SQLSTATE
SELECT app.create_member_profile(NULL, NULL, NULL);
\echo :SQLSTATE
SELECT app.create_member_profile('  ', NULL, NULL);
\echo :SQLSTATE
SELECT app.create_member_profile(repeat('n', 101), NULL, NULL);
\echo :SQLSTATE
-- Password lengths are characters, not bytes (each 'é' is two bytes in UTF-8): seven
-- characters are too few, a hundred are fine. Rolled back either way.
BEGIN;
SELECT app.create_member_profile('MM Bad', NULL, NULL, p_password => 'ééééééé') IS NOT NULL AS created;
\echo :SQLSTATE
ROLLBACK;
BEGIN;
SELECT app.create_member_profile('MM Bad', NULL, NULL, p_password => repeat('é', 100)) IS NOT NULL AS created;
ROLLBACK;
SELECT count(*) AS bad_rows FROM app.member_profiles WHERE name = 'MM Bad';
-- The longest accepted values.
SELECT app.create_member_profile(repeat('n', 100), repeat('1', 32), NULL, p_password => repeat('p', 128)) IS NOT NULL AS created;
SELECT app.create_member_profile('MM Short Password', NULL, NULL, p_password => 'eight888') IS NOT NULL AS created;

-- Not signed in: authenticated without a sub is refused by the RPC (PERMISSION_DENIED)...
BEGIN;
SET LOCAL ROLE authenticated;
SELECT app.create_member_profile('MM Nobody', NULL, NULL);
\echo :SQLSTATE
ROLLBACK;
-- ... and anon may not even execute it (PostgreSQL's own 42501).
BEGIN;
SET LOCAL ROLE anon;
SELECT app.create_member_profile('MM Nobody', NULL, NULL);
\echo :SQLSTATE
ROLLBACK;
-- A session-level (not transaction-local) claim is never identity: it could leak across
-- pooled connections.
SET request.jwt.claims = '{"sub":"a1000000-0000-4000-8000-000000000004","role":"authenticated"}';
BEGIN;
SET LOCAL ROLE authenticated;
SELECT app.create_member_profile('MM Nobody', NULL, NULL);
\echo :SQLSTATE
ROLLBACK;
RESET request.jwt.claims;
-- A sub that is not a uuid.
BEGIN;
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = '{"sub":"not-a-uuid","role":"authenticated"}';
SELECT app.create_member_profile('MM Nobody', NULL, NULL);
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS nobody_rows FROM app.member_profiles WHERE name = 'MM Nobody';

-- A trusted backend inserting a member row directly also gets the standard card.
INSERT INTO app.member_profiles (user_id, name) VALUES (:'u_outsider', 'MM Direct Insert');
SELECT * FROM member_card WHERE name = 'MM Direct Insert';

-- Every member created here has exactly one card, a standard one.
SELECT count(DISTINCT p.id) AS members, count(c.id) AS cards,
       count(*) FILTER (WHERE c.card_type = 'standard') AS standard_cards
  FROM app.member_profiles p LEFT JOIN app.member_cards c ON c.owner_member_id = p.id
 WHERE p.name LIKE 'MM %' OR p.name = repeat('n', 100);

--------------------------------------------------------------------------------------------
-- Audit: one row per administrative change, with the acting role and user.
--------------------------------------------------------------------------------------------
SELECT e.action, e.object_type, e.actor_role, w.label AS actor,
       e.context - 'member_id' - 'member_no' - 'user_id' AS context,
       CASE WHEN e.context ? 'member_no' THEN e.context ->> 'member_no' ~ '^M[0-9]{10}$' END AS member_no_ok,
       CASE WHEN e.context ? 'user_id' THEN (SELECT label FROM who WHERE user_id = (e.context ->> 'user_id')::uuid) END AS appointed
  FROM audit.event_log e LEFT JOIN who w ON w.user_id = e.actor_user_id
 WHERE e.id > :audit_mark
 ORDER BY e.id;
-- card.issue rows point at the new cards, member.create rows at the new members.
SELECT e.action, bool_and(CASE e.action
         WHEN 'card.issue' THEN EXISTS (SELECT 1 FROM app.member_cards c
                                         WHERE c.id::text = e.object_id
                                           AND c.owner_member_id = (e.context ->> 'member_id')::uuid)
         WHEN 'member.create' THEN EXISTS (SELECT 1 FROM app.member_profiles p
                                            WHERE p.id::text = e.object_id AND p.member_no = e.context ->> 'member_no')
         WHEN 'merchant.create' THEN EXISTS (SELECT 1 FROM app.merchants m
                                              WHERE m.id::text = e.object_id AND m.code = e.context ->> 'code')
         WHEN 'merchant.add_user' THEN EXISTS (SELECT 1 FROM app.merchant_users u
                                                WHERE u.merchant_id::text = e.object_id
                                                  AND u.user_id = (e.context ->> 'user_id')::uuid)
       END) AS objects_match, count(*)
  FROM audit.event_log e
 WHERE e.id > :audit_mark
 GROUP BY e.action ORDER BY e.action;
DROP VIEW member_card;
