-- The holes an attacker calling PostgREST found in the 0.1.0 money path (issue #8), each closed:
--   1. idempotency keys live in scopes (merchant, platform, member): nobody can block or probe
--      another scope's keys; refunds take a key too;
--   2. external logins are bound only by the trusted backend (sql/money_members.sql);
--   3. counter top-ups only where a platform administrator switched them on, within limits per
--      top-up and per day, never onto the cashier's own card, audited with the cashier
--      (concurrency: test/isolation/specs/counter_topup_limit.spec);
--   4. a payment consumes its QR code (concurrency: qr_used_once.spec);
--   5. every time window is judged at the moment of the check, not at BEGIN;
--   6. member, card and transaction numbers are random with a check digit, from no counter,
--      unique through registries, a collision retried;
--   7. refusals cost nothing expensive, and merchant codes cannot be enumerated;
--   8. every QR rotation and revocation leaves an audit row naming who, and the member sees it.
-- All of it in the default configuration (no mps.* setting changed unless said).
\set SHOW_CONTEXT never
\set VERBOSITY default

\set u_ann      'a8000000-0000-4000-8000-000000000001'
\set u_ca       'a8000000-0000-4000-8000-000000000002'
\set u_cb       'a8000000-0000-4000-8000-000000000003'
\set u_outsider 'a8000000-0000-4000-8000-000000000004'
\set u_zed      'a8000000-0000-4000-8000-000000000005'
\set as_ann      'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a8000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_ca       'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a8000000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_cb       'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a8000000-0000-4000-8000-000000000003","role":"authenticated"}'';'
\set as_outsider 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a8000000-0000-4000-8000-000000000004","role":"authenticated"}'';'
\set as_zed      'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a8000000-0000-4000-8000-000000000005","role":"authenticated"}'';'
\set as_service  'SET LOCAL ROLE service_role;'

-- Fixtures: SEC_A (cashier ca, who is also a member with a card) and SEC_B (cashier cb); Ann
-- with 500.00 on her standard card.
SELECT app.create_merchant(code, 'Security ' || code) IS NOT NULL AS created FROM unnest(ARRAY['SEC_A', 'SEC_B']) code;
SELECT app.add_merchant_user('SEC_A', :'u_ca'), app.add_merchant_user('SEC_B', :'u_cb');
INSERT INTO app.member_profiles (user_id, name) VALUES (:'u_ann', 'SEC Ann'), (:'u_ca', 'SEC Cashier A');
SELECT c.id AS ann_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.user_id = :'u_ann' \gset
SELECT c.id AS ca_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.user_id = :'u_ca' \gset
SELECT amount FROM app.user_recharge_card(:'ann_card', 500.00);
CREATE TEMP VIEW ann AS SELECT balance, points FROM app.member_cards WHERE id = :'ann_card';

--------------------------------------------------------------------------------------------
-- 1. Idempotency keys in scopes
--------------------------------------------------------------------------------------------
SELECT enabled FROM app.set_merchant_counter_topup('SEC_A', true, 100.00, 150.00);
-- A cashier at SEC_A takes cash with a key that happens to be (or is made to be) the payment
-- provider's transaction id.
BEGIN; :as_ca
SELECT amount FROM app.user_recharge_card(:'ann_card', 10.00, 'cash', p_idempotency_key => 'wxpay-4200-0001',
                                          p_merchant_code => 'SEC_A');
COMMIT;
-- The payment backend's real recharge with that provider id is its own key: it goes through
-- (0.1.0 answered IDEMPOTENCY_KEY_REUSED and the paying customer's card was never credited).
BEGIN; :as_service
SELECT amount FROM app.user_recharge_card(:'ann_card', 88.00, 'wechat', p_idempotency_key => 'wxpay-4200-0001');
COMMIT;
SELECT scope, count(*) FROM app.idempotency_registry WHERE idempotency_key = 'wxpay-4200-0001' GROUP BY 1 ORDER BY 1;
SELECT * FROM ann;
-- Staff of SEC_B learn nothing about SEC_A's keys: with an unknown QR code the answer is the QR
-- code's, not IDEMPOTENCY_KEY_REUSED (0.1.0 claimed the key before checking the QR code).
BEGIN; :as_cb
SELECT * FROM app.merchant_charge_by_qr('SEC_B', 'mpsq1AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 1.00,
                                        p_idempotency_key => 'wxpay-4200-0001');
\echo :SQLSTATE
ROLLBACK;
-- A member's own keys (self-service recharge on for this transaction) are the member's scope.
BEGIN; SET LOCAL mps.allow_self_recharge = on; :as_ann
SELECT amount FROM app.user_recharge_card(:'ann_card', 1.00, p_idempotency_key => 'wxpay-4200-0001');
SELECT tx_no AS ann_own FROM app.user_recharge_card(:'ann_card', 1.00, p_idempotency_key => 'wxpay-4200-0001') \gset
COMMIT;
SELECT scope, count(*) FROM app.idempotency_registry WHERE idempotency_key = 'wxpay-4200-0001' GROUP BY 1 ORDER BY 1;
SELECT * FROM ann;

-- Refunds take a key: a retried refund returns the first one and moves the money once; the
-- same key with another amount is refused.
BEGIN; :as_ann
SELECT qr_plain AS ann_qr FROM app.rotate_card_qr(:'ann_card') \gset
COMMIT;
BEGIN; :as_ca
SELECT tx_no AS pay_a FROM app.merchant_charge_by_qr('SEC_A', :'ann_qr', 40.00) \gset
SELECT refund_tx_no AS ref_1, refunded_amount FROM app.merchant_refund_tx('SEC_A', :'pay_a', 15.00, 'wrong size', '{}', 'ref-key-1') \gset
SELECT refund_tx_no = :'ref_1' AS same_refund, refunded_amount
  FROM app.merchant_refund_tx('SEC_A', :'pay_a', 15.00, 'wrong size', '{}', 'ref-key-1');
COMMIT;
SELECT count(*) AS refunds, sum(final_amount) AS refunded FROM app.transactions WHERE original_tx_id =
  (SELECT id FROM app.transactions WHERE tx_no = :'pay_a');
SELECT * FROM ann;
BEGIN; :as_ca
SELECT * FROM app.merchant_refund_tx('SEC_A', :'pay_a', 16.00, 'wrong size', '{}', 'ref-key-1');
\echo :SQLSTATE
ROLLBACK;
-- Another merchant's staff with the same refund key: their own scope, and the payment is not
-- theirs (ORIGINAL_TX_NOT_FOUND, nothing about the key).
-- (Terse: the detail names the random transaction number.)
BEGIN; :as_cb
\set VERBOSITY terse
SELECT * FROM app.merchant_refund_tx('SEC_B', :'pay_a', 15.00, 'wrong size', '{}', 'ref-key-1');
\echo :SQLSTATE
\set VERBOSITY default
ROLLBACK;

--------------------------------------------------------------------------------------------
-- 3. Counter top-ups under control
--------------------------------------------------------------------------------------------
-- Off unless switched on: SEC_B does not take them.
BEGIN; :as_cb
SELECT * FROM app.user_recharge_card(:'ann_card', 10.00, 'cash', p_merchant_code => 'SEC_B');
\echo :SQLSTATE
ROLLBACK;
-- Only a platform administrator switches them, and only with both limits.
BEGIN; :as_ca
SELECT * FROM app.set_merchant_counter_topup('SEC_A', true, 1000000.00, 1000000.00);
\echo :SQLSTATE
ROLLBACK;
SELECT * FROM app.set_merchant_counter_topup('SEC_B', true);
\echo :SQLSTATE
SELECT * FROM app.set_merchant_counter_topup('SEC_B', true, 200.00, 100.00);
\echo :SQLSTATE
SELECT * FROM app.set_merchant_counter_topup('SEC_NO_SUCH', true, 1.00, 1.00);
\echo :SQLSTATE
SELECT code, counter_topup_enabled, counter_topup_max_per_tx, counter_topup_max_per_day FROM app.merchants
 WHERE code LIKE 'SEC\_%' ORDER BY code;
-- SEC_A: at most 100.00 a top-up; 10.00 taken today, so 140.00 are left.
BEGIN; :as_ca
SELECT * FROM app.user_recharge_card(:'ann_card', 100.01, 'cash', p_merchant_code => 'SEC_A');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_ca
SELECT amount FROM app.user_recharge_card(:'ann_card', 100.00, 'cash', p_merchant_code => 'SEC_A');
SELECT amount FROM app.user_recharge_card(:'ann_card', 40.00, 'cash', p_merchant_code => 'SEC_A');
COMMIT;
BEGIN; :as_ca
SELECT * FROM app.user_recharge_card(:'ann_card', 0.01, 'cash', p_merchant_code => 'SEC_A');
\echo :SQLSTATE
ROLLBACK;
SELECT total, topups FROM app.merchant_topup_days d JOIN app.merchants m ON m.id = d.merchant_id
 WHERE m.code = 'SEC_A' AND d.day = (clock_timestamp() AT TIME ZONE 'UTC')::date;
-- Never onto a card the cashier holds (limits raised first so that only this rule refuses).
SELECT enabled FROM app.set_merchant_counter_topup('SEC_A', true, 100.00, 10000.00);
BEGIN; :as_ca
SELECT * FROM app.user_recharge_card(:'ca_card', 50.00, 'cash', p_merchant_code => 'SEC_A');
\echo :SQLSTATE
ROLLBACK;
-- A retried top-up that went through returns it, even after the counter was switched off; a new
-- one is refused then. (Switched on again: the limits were kept.)
BEGIN; :as_ca
SELECT tx_no AS topup_k FROM app.user_recharge_card(:'ann_card', 5.00, 'cash', p_idempotency_key => 'desk-sec-1',
                                                    p_merchant_code => 'SEC_A') \gset
COMMIT;
SELECT enabled FROM app.set_merchant_counter_topup('SEC_A', false);
BEGIN; :as_ca
SELECT tx_no = :'topup_k' AS same_topup, amount
  FROM app.user_recharge_card(:'ann_card', 5.00, 'cash', p_idempotency_key => 'desk-sec-1', p_merchant_code => 'SEC_A');
COMMIT;
BEGIN; :as_ca
SELECT * FROM app.user_recharge_card(:'ann_card', 5.00, 'cash', p_idempotency_key => 'desk-sec-2', p_merchant_code => 'SEC_A');
\echo :SQLSTATE
ROLLBACK;
SELECT enabled, max_per_transaction, max_per_day FROM app.set_merchant_counter_topup('SEC_A', true);
-- Every counter top-up is audited with the cashier and the merchant; switching them is audited.
SELECT e.action, e.actor_role, e.actor_user_id = :'u_ca' AS by_cashier_a,
       (e.context ->> 'merchant_id')::uuid = m.id AS at_sec_a, count(*)
  FROM audit.event_log e JOIN app.transactions t ON t.tx_no = e.object_id, app.merchants m
 WHERE m.code = 'SEC_A' AND t.merchant_id = m.id AND t.tx_type = 'recharge'
 GROUP BY 1, 2, 3, 4;
SELECT action, actor_role, context - 'code' AS context FROM audit.event_log
 WHERE action = 'merchant.counter_topup' AND object_id = (SELECT id::text FROM app.merchants WHERE code = 'SEC_A')
 ORDER BY id;

--------------------------------------------------------------------------------------------
-- 4. A payment consumes its QR code
--------------------------------------------------------------------------------------------
-- ann_qr paid pay_a above: it is used up, at SEC_A and everywhere else.
BEGIN; :as_ca
SELECT * FROM app.merchant_charge_by_qr('SEC_A', :'ann_qr', 1.00);
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cb
SELECT * FROM app.merchant_charge_by_qr('SEC_B', :'ann_qr', 1.00);
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS live_codes FROM app.card_qr_state WHERE card_id = :'ann_card';
SELECT end_reason, count(*) FROM app.card_qr_history WHERE card_id = :'ann_card' GROUP BY 1 ORDER BY 1;
-- A retry of a payment with its key returns it although its code is used up.
BEGIN; :as_ann
SELECT qr_plain AS ann_qr2 FROM app.rotate_card_qr(:'ann_card') \gset
COMMIT;
BEGIN; :as_ca
SELECT tx_no AS pay_k FROM app.merchant_charge_by_qr('SEC_A', :'ann_qr2', 5.00, p_idempotency_key => 'pos-sec-1') \gset
COMMIT;
BEGIN; :as_ca
SELECT tx_no = :'pay_k' AS same_payment, final_amount
  FROM app.merchant_charge_by_qr('SEC_A', :'ann_qr2', 5.00, p_idempotency_key => 'pos-sec-1');
COMMIT;
-- A charge that is refused does not use up the code.
BEGIN; :as_ann
SELECT qr_plain AS ann_qr3 FROM app.rotate_card_qr(:'ann_card') \gset
COMMIT;
BEGIN; :as_ca
SELECT * FROM app.merchant_charge_by_qr('SEC_A', :'ann_qr3', 100000.00);
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS live_codes FROM app.card_qr_state WHERE card_id = :'ann_card';

--------------------------------------------------------------------------------------------
-- 5. Time windows are judged at the moment of the check
--------------------------------------------------------------------------------------------
-- In a transaction that began before the code expired, the code no longer pays once it has
-- expired (0.1.0 compared with now(), the transaction's start, and took the payment).
BEGIN;
UPDATE app.card_qr_state SET issued_at = clock_timestamp() - interval '1 minute',
       expires_at = clock_timestamp() + interval '1 second' WHERE card_id = :'ann_card';
SELECT pg_sleep(1.2);
:as_ca
SELECT * FROM app.merchant_charge_by_qr('SEC_A', :'ann_qr3', 1.00);
\echo :SQLSTATE
ROLLBACK;
BEGIN;
UPDATE app.card_qr_state SET issued_at = clock_timestamp() - interval '1 minute',
       expires_at = clock_timestamp() + interval '1 second' WHERE card_id = :'ann_card';
SELECT pg_sleep(1.2);
:as_ca
SELECT app.validate_qr_plain(:'ann_qr3');
\echo :SQLSTATE
ROLLBACK;
-- The same for a card's own expiry.
BEGIN;
UPDATE app.member_cards SET expires_at = clock_timestamp() + interval '1 second' WHERE id = :'ann_card';
SELECT pg_sleep(1.2);
SELECT * FROM app.user_recharge_card(:'ann_card', 1.00);
\echo :SQLSTATE
ROLLBACK;
-- A code rotated late in a long transaction still lives its full time-to-live.
BEGIN;
SELECT pg_sleep(1.1);
:as_ann
SELECT qr_expires_at - clock_timestamp() > interval '899 seconds' AS full_ttl FROM app.rotate_card_qr(:'ann_card');
ROLLBACK;

--------------------------------------------------------------------------------------------
-- 6. Numbers shown to people: random, with a check digit, from no counter
--------------------------------------------------------------------------------------------
-- Luhn, written independently in SQL.
CREATE FUNCTION pg_temp.luhn_ok(p_digits text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT sum(CASE WHEN (length(p_digits) - i) % 2 = 1
                  THEN (2 * d) / 10 + (2 * d) % 10 ELSE d END) % 10 = 0
    FROM (SELECT i, substr(p_digits, i, 1)::int AS d FROM generate_series(1, length(p_digits)) i) s
$$;
SELECT count(*) AS tx_numbers,
       bool_and(tx_no ~ '^(PAY|REF|RCG)[0-9]{20}$') AS shaped,
       bool_and(pg_temp.luhn_ok(substr(tx_no, 4))) AS check_digit_ok,
       bool_and(substr(tx_no, 4, 8) = to_char(t.created_at AT TIME ZONE 'UTC', 'YYYYMMDD')) AS dated,
       count(DISTINCT substr(tx_no, 12, 11)) = count(*) AS random_parts_distinct
  FROM app.transactions t JOIN app.merchants m ON m.id = t.merchant_id WHERE m.code LIKE 'SEC\_%';
SELECT count(*) AS members, bool_and(member_no ~ '^M[0-9]{10}$' AND pg_temp.luhn_ok(substr(member_no, 2))) AS member_no_ok,
       bool_and(c.card_no ~ '^STD[0-9]{12}$' AND pg_temp.luhn_ok(substr(c.card_no, 4))) AS card_no_ok,
       bool_and(EXISTS (SELECT 1 FROM app.number_registry r WHERE r.number = p.member_no AND r.kind = 'member')
            AND EXISTS (SELECT 1 FROM app.number_registry r WHERE r.number = c.card_no AND r.kind = 'card')) AS registered
  FROM app.member_profiles p JOIN app.member_cards c ON c.owner_member_id = p.id WHERE p.name LIKE 'SEC %';
-- Two numbers in a row are not neighbours (0.1.0 counted up: a merchant read the platform's
-- volume between two of its payments).
SELECT abs(substr(a.tx_no, 12, 11)::bigint - substr(b.tx_no, 12, 11)::bigint) > 1000 AS not_neighbours
  FROM app.transactions a, app.transactions b WHERE a.tx_no = :'pay_a' AND b.tx_no = :'pay_k';
-- No sequence behind any number remains.
SELECT count(*) AS number_sequences FROM pg_class
 WHERE relkind = 'S' AND oid::regclass::text IN ('app.member_no_seq', 'app.card_no_seq', 'app.tx_no_seq');
-- A transaction number that is already taken is retried with another, and nothing is written
-- twice: the next money movement of this backend first tries pay_a's number.
SELECT sec.selftest_next_tx_numbers(ARRAY[:'pay_a', 'PAY' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD') || '111111111117']);
SELECT tx_no = 'PAY' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD') || '111111111117' AS took_the_second,
       amount FROM app.user_recharge_card(:'ann_card', 2.00);
SELECT count(*) AS rows_with_pay_a_number FROM app.transactions WHERE tx_no = :'pay_a';
-- The same for member and card numbers: sec.claim_number tries again when its number is taken
-- (its random source is replaced for one transaction by one that repeats Ann's numbers first).
BEGIN;
CREATE TEMP TABLE fake_draws (n int PRIMARY KEY, number text);
INSERT INTO fake_draws
SELECT 1, substr(member_no, 2, 9) FROM app.member_profiles WHERE user_id = :'u_ann'
UNION ALL SELECT 2, '123456789';
ALTER EXTENSION mps DROP FUNCTION sec.random_number(text, integer);
DROP FUNCTION sec.random_number(text, integer);
CREATE FUNCTION sec.random_number(p_prefix text, p_digits integer) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  d text;
BEGIN
  DELETE FROM fake_draws WHERE n = (SELECT min(n) FROM fake_draws) RETURNING number INTO d;
  -- the check digit, as sec.random_number makes it
  RETURN p_prefix || d || (SELECT (10 - sum(CASE WHEN (length(d) - i) % 2 = 0
                                                 THEN (2 * x) / 10 + (2 * x) % 10 ELSE x END) % 10) % 10
                             FROM (SELECT i, substr(d, i, 1)::int AS x FROM generate_series(1, length(d)) i) s);
END $$;
SELECT sec.claim_number('member', 'M', 9) = 'M1234567897' AS retried_to_the_second,
       (SELECT count(*) FROM fake_draws) AS draws_left;
ROLLBACK;

--------------------------------------------------------------------------------------------
-- 7. Refusals cost nothing expensive; merchant codes cannot be enumerated
--------------------------------------------------------------------------------------------
-- A registration refused as MEMBER_ALREADY_EXISTS computes no Argon2id hash (0.1.0 hashed the
-- password first: ~64 MB and ~100 ms for a refusal).
SELECT sec.selftest_boundary('password_hashes') AS hashes_before \gset
BEGIN; :as_ann
SELECT app.create_member_profile('SEC Ann again', NULL, NULL, p_password => 'a-long-password');
\echo :SQLSTATE
ROLLBACK;
SELECT sec.selftest_boundary('password_hashes') - :hashes_before AS hashes_for_the_refusal;
BEGIN; :as_zed
SELECT app.create_member_profile('SEC Zed', NULL, NULL, p_password => 'a-long-password') IS NOT NULL AS registered;
COMMIT;
SELECT sec.selftest_boundary('password_hashes') - :hashes_before AS hashes_for_the_registration;
-- Somebody who is not staff gets the same answer for a merchant that exists and one that does
-- not, at every RPC that takes a merchant code.
CREATE TEMP TABLE probes (probe text, answer text);
GRANT ALL ON probes TO PUBLIC;
DO $$
DECLARE
  v_state text;
  v_msg text;
  v_detail text;
  code text;
BEGIN
  FOREACH code IN ARRAY ARRAY['SEC_A', 'SEC_NO_SUCH_SHOP'] LOOP
    BEGIN
      PERFORM set_config('role', 'authenticated', true);
      PERFORM set_config('request.jwt.claims', '{"sub":"a8000000-0000-4000-8000-000000000004"}', true);
      PERFORM app.merchant_charge_by_qr(code, 'mpsq1AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 1.00);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
      INSERT INTO probes VALUES ('charge ' || code, v_state || ' ' || v_msg || ': ' || v_detail);
    END;
    BEGIN
      PERFORM set_config('role', 'authenticated', true);
      PERFORM set_config('request.jwt.claims', '{"sub":"a8000000-0000-4000-8000-000000000004"}', true);
      PERFORM app.merchant_refund_tx(code, 'PAY00000000000000000000', 1.00);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
      INSERT INTO probes VALUES ('refund ' || code, v_state || ' ' || v_msg || ': ' || v_detail);
    END;
    BEGIN
      PERFORM set_config('role', 'authenticated', true);
      PERFORM set_config('request.jwt.claims', '{"sub":"a8000000-0000-4000-8000-000000000004"}', true);
      PERFORM app.user_recharge_card(gen_random_uuid(), 1.00, 'cash', p_merchant_code => code);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
      INSERT INTO probes VALUES ('counter top-up ' || code, v_state || ' ' || v_msg || ': ' || v_detail);
    END;
    BEGIN
      PERFORM set_config('role', 'authenticated', true);
      PERFORM set_config('request.jwt.claims', '{"sub":"a8000000-0000-4000-8000-000000000004"}', true);
      PERFORM app.add_merchant_user(code, gen_random_uuid());
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
      INSERT INTO probes VALUES ('add staff ' || code, v_state || ' ' || v_msg || ': ' || v_detail);
    END;
  END LOOP;
END
$$;
SELECT split_part(probe, ' SEC_', 1) AS rpc, count(DISTINCT answer) AS distinct_answers, min(answer) AS answer
  FROM probes GROUP BY 1 ORDER BY 1;

--------------------------------------------------------------------------------------------
-- 8. Every QR code minted or revoked leaves a trace, and the member sees who
--------------------------------------------------------------------------------------------
-- The backend (no user id) mints a code for Ann's card; the audit names its role, the state
-- says who issued the live code, and Ann's app, reading its own card through RLS, can tell the
-- code it shows was replaced.
SELECT max(id) AS audit_mark FROM audit.event_log \gset
BEGIN; :as_service
SELECT qr_plain IS NOT NULL AS minted FROM app.rotate_card_qr(:'ann_card', NULL, 300);
COMMIT;
BEGIN; :as_ann
SELECT issued_by IS NULL AS no_user, issued_by_role FROM app.card_qr_state WHERE card_id = :'ann_card';
SELECT end_reason, issued_by = :'u_ann' AS issued_by_ann, issued_by_role FROM app.card_qr_history
 WHERE card_id = :'ann_card' ORDER BY id DESC LIMIT 2;
SELECT app.revoke_card_qr(:'ann_card') AS revoked;
COMMIT;
SELECT action, actor_role, actor_user_id = :'u_ann' AS by_ann, context FROM audit.event_log
 WHERE id > :audit_mark AND object_id = :'ann_card'::text ORDER BY id;

-- The ledger holds after all of it.
SELECT * FROM app.verify_ledger();
