-- PostgREST-shaped calls (ARCHITECTURE.md §6, §8): POST /rpc/<fn> replayed by lib/postgrest.sql behaves
-- exactly like the direct SQL call - same answer shape and amounts, same error SQLSTATE,
-- message, detail and hint - and the identity of one request never survives into the next.
-- (The "next transaction on the same connection" with real COMMITs is checked by the
-- isolation spec identity_no_leak, since a pgTAP file runs inside one transaction.)
\ir lib/setup.sql
\ir lib/postgrest.sql

SELECT plan(67);
-- This file is about the shape of calls, not about QR codes being used up: codes stay usable until
-- they expire (a deployment setting; by default a payment consumes its code, see
-- sql/money_security.sql and test/isolation/specs/qr_used_once.spec).
SET LOCAL mps.qr_reuse_within_ttl = on;

-- ---------------------------------------------------------------------------------------------
-- Seed, as the superuser: members Alice and Bob (standard cards issued by the trigger), a
-- future cashier of SHOP_P. The merchant itself is created through PostgREST below.
-- ---------------------------------------------------------------------------------------------
\set alice_user a11ce000-0000-4000-8000-000000000001
\set bob_user b0b00000-0000-4000-8000-000000000002
\set staff_user 57aff000-0000-4000-8000-00000000000a

INSERT INTO app.member_profiles (user_id, name) VALUES (:'alice_user', 'Alice'), (:'bob_user', 'Bob');
SELECT c.id AS alice_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id
 WHERE p.user_id = :'alice_user' AND c.card_type = 'standard' \gset
SELECT c.id AS bob_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id
 WHERE p.user_id = :'bob_user' AND c.card_type = 'standard' \gset
SELECT pgrst_test.claims(:'alice_user') AS alice, pgrst_test.claims(:'bob_user') AS bob,
       pgrst_test.claims(:'staff_user') AS staff, '{"role": "service_role"}' AS service,
       '{"role": "anon"}' AS anon \gset

-- ---------------------------------------------------------------------------------------------
-- create_merchant / add_merchant_user by service_role (scalar and void functions).
-- ---------------------------------------------------------------------------------------------
SELECT pgrst_test.rpc('service_role', :'service', 'create_merchant', '{"p_code": "SHOP_P", "p_name": "Shop P"}') AS m_body \gset
SELECT is(json_typeof(:'m_body'::json), 'string', 'create_merchant (PostgREST): a scalar function answers the bare JSON value');
SELECT is((:'m_body'::json #>> '{}')::uuid, (SELECT id FROM app.merchants WHERE code = 'SHOP_P'),
  'create_merchant (PostgREST): the answer is the new merchant''s id');
SELECT pgrst_test.as_caller('service_role', :'service', 'SELECT app.create_merchant(''SHOP_Q'', ''Shop Q'') AS id') AS d_m \gset
SELECT is(:'d_m'::json #>> '{0,id}', (SELECT id::text FROM app.merchants WHERE code = 'SHOP_Q'),
  'create_merchant (direct): the same id answer');
SELECT throws_ok(pgrst_test.rpc_sql('service_role', :'service', 'create_merchant', '{"p_code": "SHOP_P", "p_name": "again"}'),
  'PT409', 'MERCHANT_ALREADY_EXISTS', 'create_merchant (PostgREST): an existing code is PT409 MERCHANT_ALREADY_EXISTS');
SELECT is(pgrst_test.error_of(pgrst_test.rpc_sql('service_role', :'service', 'create_merchant', '{"p_code": "SHOP_P", "p_name": "again"}')),
          pgrst_test.error_of(pgrst_test.as_caller_sql('service_role', :'service', 'SELECT app.create_merchant(''SHOP_P'', ''again'')')),
  'create_merchant: PostgREST and direct calls fail alike (SQLSTATE, message, detail, hint)');
SELECT ok(pgrst_test.rpc('service_role', :'service', 'add_merchant_user',
            jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_user_id', :'staff_user')) IS NULL,
  'add_merchant_user (PostgREST): a void function has no body');
SELECT is((SELECT u.role::text FROM app.merchant_users u JOIN app.merchants m ON m.id = u.merchant_id
            WHERE m.code = 'SHOP_P' AND u.user_id = :'staff_user' AND u.active),
  'cashier', 'add_merchant_user (PostgREST): p_role left out takes its DEFAULT');

-- ---------------------------------------------------------------------------------------------
-- Recharge by service_role.
-- ---------------------------------------------------------------------------------------------
SELECT pgrst_test.rpc('service_role', :'service', 'user_recharge_card',
         jsonb_build_object('p_card_id', :'alice_card', 'p_amount', 100)) AS r_rcg \gset
SELECT pgrst_test.as_caller('service_role', :'service',
         format('SELECT * FROM app.user_recharge_card(%L, 25.50)', :'alice_card')) AS d_rcg \gset
SELECT is(ARRAY(SELECT json_object_keys(:'r_rcg'::json -> 0)), ARRAY['tx_id', 'tx_no', 'card_id', 'amount', 'status', 'order_id'],
  'recharge (PostgREST): a TABLE function answers an array of objects with its columns');
SELECT is(ARRAY(SELECT json_object_keys(:'r_rcg'::json -> 0)), ARRAY(SELECT json_object_keys(:'d_rcg'::json -> 0)),
  'recharge: same columns as the direct call');
SELECT is(json_array_length(:'r_rcg'::json), 1, 'recharge (PostgREST): one row');
SELECT is((:'r_rcg'::jsonb -> 0) - 'tx_id' - 'tx_no', jsonb_build_object('card_id', :'alice_card', 'amount', 100.00, 'status', 'completed', 'order_id', NULL),
  'recharge (PostgREST): card and amount 100.00');
SELECT is((:'d_rcg'::jsonb -> 0) - 'tx_id' - 'tx_no', jsonb_build_object('card_id', :'alice_card', 'amount', 25.50, 'status', 'completed', 'order_id', NULL),
  'recharge (direct): card and amount 25.50');
SELECT ok(:'r_rcg'::json #>> '{0,tx_no}' ~ '^RCG' AND :'d_rcg'::json #>> '{0,tx_no}' ~ '^RCG', 'recharge: RCG transaction numbers both ways');
SELECT is(pgrst_test.rpc('service_role', :'service', 'user_recharge_card',
            jsonb_build_object('p_card_id', :'alice_card', 'p_amount', '0.50', 'p_payment_method', 'alipay'))::jsonb #> '{0,amount}',
  '0.50'::jsonb, 'recharge (PostgREST): an amount sent as a JSON string is read as numeric');
SELECT is((SELECT balance FROM app.member_cards WHERE id = :'alice_card'), 126.00, 'balance after the recharges: 126.00');

-- ---------------------------------------------------------------------------------------------
-- rotate_card_qr by the member (authenticated + claims).
-- ---------------------------------------------------------------------------------------------
SELECT pgrst_test.as_caller('authenticated', :'alice', format('SELECT * FROM app.rotate_card_qr(%L)', :'alice_card')) AS d_rot \gset
SELECT pgrst_test.rpc('authenticated', :'alice', 'rotate_card_qr', jsonb_build_object('p_card_id', :'alice_card')) AS r_rot \gset
SELECT :'d_rot'::json #>> '{0,qr_plain}' AS old_qr, :'r_rot'::json #>> '{0,qr_plain}' AS qr \gset
SELECT is(ARRAY(SELECT json_object_keys(:'r_rot'::json -> 0)), ARRAY['qr_plain', 'qr_expires_at'],
  'rotate_card_qr (PostgREST): [{qr_plain, qr_expires_at}]');
SELECT is(ARRAY(SELECT json_object_keys(:'r_rot'::json -> 0)), ARRAY(SELECT json_object_keys(:'d_rot'::json -> 0)),
  'rotate_card_qr: same columns as the direct call');
SELECT is((SELECT count(*) FROM app.card_qr_state WHERE card_id = :'alice_card'), 1::bigint, 'rotate_card_qr: one live QR per card');
SELECT is(pgrst_test.error_of(pgrst_test.rpc_sql('authenticated', :'alice', 'rotate_card_qr',
            jsonb_build_object('p_card_id', :'alice_card', 'p_card_type', 'enterprise'))),
          pgrst_test.error_of(pgrst_test.as_caller_sql('authenticated', :'alice',
            format('SELECT * FROM app.rotate_card_qr(%L, %L)', :'alice_card', 'enterprise'))),
  'rotate_card_qr with a wrong p_card_type: PostgREST and direct calls fail alike');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'bob', 'rotate_card_qr', jsonb_build_object('p_card_id', :'alice_card')),
  '42501', 'PERMISSION_DENIED', 'rotate_card_qr (PostgREST): another member''s card is 42501 PERMISSION_DENIED');

-- ---------------------------------------------------------------------------------------------
-- merchant_charge_by_qr by staff: p_raw_price, or p_raw_amount instead (only keys present).
-- ---------------------------------------------------------------------------------------------
SELECT pgrst_test.rpc('authenticated', :'staff', 'merchant_charge_by_qr',
         jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 20)) AS r_pay \gset
SELECT pgrst_test.as_caller('authenticated', :'staff',
         format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 20.00)', 'SHOP_P', :'qr')) AS d_pay \gset
SELECT is(ARRAY(SELECT json_object_keys(:'r_pay'::json -> 0)),
          ARRAY['tx_id', 'tx_no', 'card_type', 'card_id', 'final_amount', 'discount', 'points_earned',
                'discount_source', 'partner_organization_id'],
  'charge (PostgREST): [{tx_id, tx_no, card_type, card_id, final_amount, discount, points_earned, ...}] (seed 004 §2.1, then where the discount came from)');
SELECT is((:'r_pay'::jsonb -> 0) - 'tx_id' - 'tx_no',
          jsonb_build_object('card_type', 'standard', 'card_id', :'alice_card', 'final_amount', 20.00, 'discount', 1.000,
                             'points_earned', 20, 'discount_source', 'none', 'partner_organization_id', NULL),
  'charge (PostgREST) with p_raw_price: standard card, 20.00 at discount 1.000');
SELECT is((:'r_pay'::jsonb -> 0) - 'tx_id' - 'tx_no', (:'d_pay'::jsonb -> 0) - 'tx_id' - 'tx_no',
  'charge: the direct call answers the same');
SELECT ok(:'r_pay'::json #>> '{0,tx_no}' ~ '^PAY' AND :'r_pay'::json #>> '{0,tx_no}' <> :'d_pay'::json #>> '{0,tx_no}',
  'charge: two payments, two PAY numbers');

SELECT pgrst_test.rpc('authenticated', :'staff', 'merchant_charge_by_qr',
         jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_amount', 15)) AS r_pay2 \gset
SELECT is((:'r_pay2'::jsonb -> 0) - 'tx_id' - 'tx_no',
          jsonb_build_object('card_type', 'standard', 'card_id', :'alice_card', 'final_amount', 15.00, 'discount', 1.000,
                             'points_earned', 15, 'discount_source', 'none', 'partner_organization_id', NULL),
  'charge (PostgREST) with p_raw_amount instead of p_raw_price: 15.00');
SELECT is((:'r_pay2'::jsonb -> 0) - 'tx_id' - 'tx_no',
          (pgrst_test.as_caller('authenticated', :'staff',
             format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, p_raw_amount => 15)', 'SHOP_P', :'qr'))::jsonb -> 0) - 'tx_id' - 'tx_no',
  'charge with p_raw_amount: the direct call answers the same');
SELECT is((SELECT balance FROM app.member_cards WHERE id = :'alice_card'), 56.00, 'balance after 20 + 20 + 15 + 15: 56.00');

-- The QR rotated away by the later rotation is dead, both ways.
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_charge_by_qr',
    jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'old_qr', 'p_raw_price', 1)),
  'P0001', 'QR_EXPIRED_OR_INVALID', 'charge (PostgREST) with a rotated-away QR: P0001 QR_EXPIRED_OR_INVALID');
SELECT is(pgrst_test.error_of(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_charge_by_qr',
            jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'old_qr', 'p_raw_price', 1))),
          pgrst_test.error_of(pgrst_test.as_caller_sql('authenticated', :'staff',
            format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1)', 'SHOP_P', :'old_qr'))),
  'rotated-away QR: PostgREST and direct calls fail alike');

-- Idempotency through PostgREST: the retry answers the same transaction.
SELECT pgrst_test.rpc('authenticated', :'staff', 'merchant_charge_by_qr',
         jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 1, 'p_idempotency_key', 'pgrst-k1')) AS r_k1 \gset
SELECT is(pgrst_test.rpc('authenticated', :'staff', 'merchant_charge_by_qr',
            jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 1, 'p_idempotency_key', 'pgrst-k1'))::jsonb,
          :'r_k1'::jsonb, 'charge (PostgREST) retried with the same idempotency key: the same answer, same tx');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_charge_by_qr',
    jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 2, 'p_idempotency_key', 'pgrst-k1')),
  'PT409', 'IDEMPOTENCY_KEY_REUSED', 'charge (PostgREST): the key with another amount is PT409 IDEMPOTENCY_KEY_REUSED');

-- ---------------------------------------------------------------------------------------------
-- merchant_refund_tx by staff.
-- ---------------------------------------------------------------------------------------------
SELECT pgrst_test.rpc('authenticated', :'staff', 'merchant_refund_tx',
         jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_original_tx_no', :'r_pay'::json #>> '{0,tx_no}', 'p_refund_amount', 5)) AS r_ref \gset
SELECT pgrst_test.as_caller('authenticated', :'staff',
         format('SELECT * FROM app.merchant_refund_tx(%L, %L, 5.00)', 'SHOP_P', :'d_pay'::json #>> '{0,tx_no}')) AS d_ref \gset
SELECT is(ARRAY(SELECT json_object_keys(:'r_ref'::json -> 0)), ARRAY['refund_tx_id', 'refund_tx_no', 'refunded_amount'],
  'refund (PostgREST): [{refund_tx_id, refund_tx_no, refunded_amount}]');
SELECT is(:'r_ref'::jsonb #> '{0,refunded_amount}', '5.00'::jsonb, 'refund (PostgREST): 5.00');
SELECT is((:'r_ref'::jsonb -> 0) - 'refund_tx_id' - 'refund_tx_no', (:'d_ref'::jsonb -> 0) - 'refund_tx_id' - 'refund_tx_no',
  'refund: the direct call answers the same');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_refund_tx',
    jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_original_tx_no', :'r_pay'::json #>> '{0,tx_no}', 'p_refund_amount', 15.01)),
  'P0001', 'REFUND_EXCEEDS_REMAINING', 'refund (PostgREST) over the remainder: P0001 REFUND_EXCEEDS_REMAINING');
SELECT is(pgrst_test.error_of(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_refund_tx',
            jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_original_tx_no', :'r_pay'::json #>> '{0,tx_no}', 'p_refund_amount', 15.01))),
          pgrst_test.error_of(pgrst_test.as_caller_sql('authenticated', :'staff',
            format('SELECT * FROM app.merchant_refund_tx(%L, %L, 15.01)', 'SHOP_P', :'r_pay'::json #>> '{0,tx_no}'))),
  'refund over the remainder: PostgREST and direct calls fail alike');

-- ---------------------------------------------------------------------------------------------
-- Errors: same SQLSTATE and code through PostgREST as directly.
-- ---------------------------------------------------------------------------------------------
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_charge_by_qr',
    jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 1000)),
  'P0001', 'INSUFFICIENT_BALANCE', 'charge (PostgREST) over the balance: P0001 INSUFFICIENT_BALANCE');
SELECT is(pgrst_test.error_of(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_charge_by_qr',
            jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 1000))),
          pgrst_test.error_of(pgrst_test.as_caller_sql('authenticated', :'staff',
            format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1000)', 'SHOP_P', :'qr'))),
  'INSUFFICIENT_BALANCE: PostgREST and direct calls fail alike');
-- The helpers hand errors on unchanged: a raw call by the superuser and the same call made
-- through the request emulation raise the same SQLSTATE, message, detail and hint.
SELECT pgrst_test.error_of(format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1000)', 'SHOP_P', :'qr')) AS raw_err \gset
SELECT ok(:'raw_err' ~ '^P0001 INSUFFICIENT_BALANCE \| .+ \| Recharge', 'a raw INSUFFICIENT_BALANCE carries detail and hint');
SELECT is(pgrst_test.error_of(pgrst_test.as_caller_sql('service_role', :'service',
            format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1000)', 'SHOP_P', :'qr'))),
          :'raw_err', 'the request emulation passes the error through unchanged');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'bob', 'merchant_charge_by_qr',
    jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 1)),
  '42501', 'PERMISSION_DENIED', 'charge (PostgREST) by a member who is not staff: 42501 PERMISSION_DENIED');
SELECT is(pgrst_test.error_of(pgrst_test.rpc_sql('authenticated', :'bob', 'merchant_charge_by_qr',
            jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 1))),
          pgrst_test.error_of(pgrst_test.as_caller_sql('authenticated', :'bob',
            format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1)', 'SHOP_P', :'qr'))),
  'PERMISSION_DENIED: PostgREST and direct calls fail alike');
SELECT is(pgrst_test.error_of(pgrst_test.rpc_sql('anon', :'anon', 'merchant_charge_by_qr',
            jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 1))),
          '42501 permission denied for function merchant_charge_by_qr |  | ',
  'charge (PostgREST) as anon: 42501 from the EXECUTE grant (HTTP 401)');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_charge_by_qr',
    jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', -1)),
  '22023', 'INVALID_AMOUNT', 'charge (PostgREST) with a negative amount: 22023 INVALID_AMOUNT');
SELECT is(pgrst_test.error_of(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_charge_by_qr',
            jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', -1))),
          pgrst_test.error_of(pgrst_test.as_caller_sql('authenticated', :'staff',
            format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, -1)', 'SHOP_P', :'qr'))),
  'INVALID_AMOUNT: PostgREST and direct calls fail alike');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_charge_by_qr',
    jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 'NaN')),
  '22023', 'INVALID_AMOUNT', 'charge (PostgREST) with "NaN": 22023 INVALID_AMOUNT');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_charge_by_qr',
    jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 1.001)),
  '22023', 'INVALID_AMOUNT', 'charge (PostgREST) with three decimals: 22023 INVALID_AMOUNT');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_charge_by_qr',
    jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 1, 'p_raw_amount', 1)),
  '22023', 'INVALID_AMOUNT', 'charge (PostgREST) with both p_raw_price and p_raw_amount: 22023 INVALID_AMOUNT');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_charge_by_qr',
    jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr')),
  '22023', 'INVALID_AMOUNT', 'charge (PostgREST) with no amount key at all: 22023 INVALID_AMOUNT');

-- STABLE functions run in a READ ONLY request.
SELECT is(pgrst_test.rpc('service_role', :'service', 'verify_ledger')::jsonb, '[]'::jsonb,
  'verify_ledger (PostgREST, read-only request): []');
SELECT is(pgrst_test.rpc('authenticated', :'staff', 'validate_qr_plain', jsonb_build_object('p_qr_plain', :'qr')) #>> '{}',
  :'alice_card', 'validate_qr_plain (PostgREST, read-only request) by staff: the card id');

-- ---------------------------------------------------------------------------------------------
-- Identity never survives its request.
-- ---------------------------------------------------------------------------------------------
SELECT pgrst_test.rpc('authenticated', :'staff', 'merchant_charge_by_qr',
         jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 1)) AS r_last \gset
SELECT is(current_user::text || ' ' || current_setting('role') || ' ' || current_setting('search_path'),
          'postgres none "$user", public', 'after a request as staff: role and search_path are back');
SELECT is(COALESCE(current_setting('request.jwt.claims', true), '') || COALESCE(current_setting('request.path', true), ''),
          '', 'after a request as staff: no request.jwt.claims / request.path left');
SELECT is(sec.uid(), NULL, 'after a request as staff: auth.uid()-style lookup finds nobody');
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', '{}', 'merchant_charge_by_qr',
    jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 1)),
  '42501', 'PERMISSION_DENIED', 'the next request without claims is denied');
SET LOCAL ROLE authenticated;
SELECT throws_ok(format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1)', 'SHOP_P', :'qr'),
  '42501', 'PERMISSION_DENIED', 'a plain call as authenticated after the staff request is denied (nothing transaction-local left)');
RESET ROLE;

-- The same request replayed at top level, statement by statement, as PostgREST sends it.
SELECT pgrst_test.settings_sql('authenticated', :'staff', 'merchant_charge_by_qr') AS pgrst_settings,
       pgrst_test.call_sql('merchant_charge_by_qr',
         jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 1), true) AS pgrst_call \gset
SAVEPOINT pgrst_request;
:pgrst_settings \gset pgrst_setting_
SELECT is(current_user::text || ' ' || current_setting('search_path') || ' ' || current_setting('request.method') || ' '
          || current_setting('request.path') || ' ' || (current_setting('request.headers')::json ->> 'content-profile'),
          'authenticated "app", "public" POST /rpc/merchant_charge_by_qr app',
  'top-level replay: the request runs as the JWT role with PostgREST''s settings');
:pgrst_call \gset pgrst_
RELEASE SAVEPOINT pgrst_request;
:pgrst_end
SELECT is((:'pgrst_body'::jsonb -> 0) - 'tx_id' - 'tx_no', (:'r_last'::jsonb -> 0) - 'tx_id' - 'tx_no',
  'top-level replay answers like pgrst_test.rpc()');
SELECT is(current_user::text || ' ' || COALESCE(current_setting('request.jwt.claims', true), ''), 'postgres ',
  'after the top-level replay: role and claims are gone');
SET LOCAL ROLE authenticated;
SELECT throws_ok(format('SELECT * FROM app.merchant_charge_by_qr(%L, %L, 1)', 'SHOP_P', :'qr'),
  '42501', 'PERMISSION_DENIED', 'a plain call as authenticated after the top-level replay is denied');
RESET ROLE;

-- An identity from a request that failed does not survive either.
SELECT throws_ok(pgrst_test.rpc_sql('authenticated', :'staff', 'merchant_charge_by_qr',
    jsonb_build_object('p_merchant_code', 'SHOP_P', 'p_qr_plain', :'qr', 'p_raw_price', 1000)),
  'P0001', 'INSUFFICIENT_BALANCE', 'a failing request as staff');
SELECT is(current_user::text || ' ' || COALESCE(current_setting('request.jwt.claims', true), ''), 'postgres ',
  'after a failing request: role and claims are gone');

-- 126.00 - 20 - 20 - 15 - 15 - 1 (k1) + 5 + 5 - 1 (r_last) - 1 (top level) = 63.00
SELECT is((SELECT balance FROM app.member_cards WHERE id = :'alice_card'), 63.00,
  'Alice''s balance is exactly what the successful requests left');
SELECT is_empty('SELECT * FROM app.verify_ledger()', 'the ledger checker finds nothing');

-- ---------------------------------------------------------------------------------------------
-- Seed 001's daily settlement job, as it calls PostgREST: by name, ISO timestamps of yesterday's
-- 00:00:00 and 23:59:59 with the clock's microseconds: the whole day.
-- ---------------------------------------------------------------------------------------------
SELECT to_char(now() - interval '1 day', 'YYYY-MM-DD') AS yesterday \gset
SELECT pgrst_test.rpc('service_role', :'service', 'generate_settlement',
         jsonb_build_object('p_merchant_id', (SELECT id FROM app.merchants WHERE code = 'SHOP_P'), 'p_mode', 't_plus_1',
                            'p_period_start', :'yesterday' || 'T00:00:00.654321',
                            'p_period_end', :'yesterday' || 'T23:59:59.654321')) AS settlement \gset
SELECT is(json_typeof(:'settlement'::json), 'string', 'generate_settlement (PostgREST): answers the settlement id');
SELECT is((SELECT (period_start, period_end) FROM app.settlements WHERE id = (:'settlement'::json #>> '{}')::uuid),
          (SELECT (d, d + interval '1 day') FROM (SELECT date_trunc('day', now() - interval '1 day') AS d) x),
  'generate_settlement (PostgREST): 00:00:00.x to 23:59:59.x is the whole day, [midnight, next midnight)');
SELECT is(pgrst_test.rpc('service_role', :'service', 'generate_settlement',
            jsonb_build_object('p_merchant_id', (SELECT id FROM app.merchants WHERE code = 'SHOP_P'), 'p_mode', 't_plus_1',
                               'p_period_start', :'yesterday' || 'T00:00:00', 'p_period_end', :'yesterday' || 'T23:59:59'))::jsonb,
          :'settlement'::jsonb, 'generate_settlement (PostgREST): the job run again returns the same settlement');

SELECT * FROM finish();
ROLLBACK;
