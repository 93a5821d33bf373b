-- Dynamic QR codes (issue #3): rotate_card_qr, revoke_card_qr, validate_qr_plain and
-- cron_rotate_qr_tokens. Who may rotate, p_card_type and TTL checks, rotation invalidating
-- the previous code, the history, only a digest stored, inactive cards and members, and the
-- scan being one unique-index lookup. QR plaintexts and ids are captured with \gset and never
-- printed.
\set SHOW_CONTEXT never
\set VERBOSITY default

\set u_alice   'a2000000-0000-4000-8000-000000000001'
\set u_bob     'a2000000-0000-4000-8000-000000000002'
\set u_cashier 'a2000000-0000-4000-8000-000000000003'
\set u_gina    'a2000000-0000-4000-8000-000000000007'
\set as_alice   'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a2000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_bob     'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a2000000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_cashier 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a2000000-0000-4000-8000-000000000003","role":"authenticated"}'';'
\set as_gina    'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a2000000-0000-4000-8000-000000000007","role":"authenticated"}'';'
\set as_service 'SET LOCAL ROLE service_role;'

-- Fixtures (as the superuser, a platform administrator): a merchant with a cashier, members
-- with their standard cards, and some money on Alice's card.
SELECT app.create_merchant('MQ_SHOP', 'QR Test Shop') IS NOT NULL AS merchant_created;
SELECT app.add_merchant_user('MQ_SHOP', :'u_cashier', 'cashier');
INSERT INTO app.member_profiles (user_id, name) VALUES
  (:'u_alice', 'MQ Alice'), (:'u_bob', 'MQ Bob'), (NULL, 'MQ Carol'), (NULL, 'MQ Dave'),
  (NULL, 'MQ Erin'), (NULL, 'MQ Frank'), (:'u_gina', 'MQ Gina');
SELECT c.id AS alice_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MQ Alice' \gset
SELECT c.id AS bob_card   FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MQ Bob' \gset
SELECT c.id AS carol_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MQ Carol' \gset
SELECT c.id AS dave_card  FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MQ Dave' \gset
SELECT c.id AS erin_card  FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MQ Erin' \gset
SELECT c.id AS frank_card FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MQ Frank' \gset
SELECT c.id AS gina_card  FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'MQ Gina' \gset
SELECT amount FROM app.user_recharge_card(:'alice_card', 100.00);
-- Every plaintext seen in this test, to prove none of them is stored.
CREATE TEMP TABLE seen_qr (label text PRIMARY KEY, plain text NOT NULL);
CREATE TEMP VIEW qr_history AS
  SELECT h.card_id, h.token_digest, h.ended_at IS NULL AS live, h.end_reason,
         h.expires_at - h.issued_at AS ttl
    FROM app.card_qr_history h;

--------------------------------------------------------------------------------------------
-- rotate_card_qr
--------------------------------------------------------------------------------------------
-- The owner of a standard card rotates its QR: a 48-character token (mpsq1 + 43 base64url
-- characters) valid for the default 900 seconds.
BEGIN; :as_alice
SELECT qr_plain AS qr1, date_trunc('second', qr_expires_at - now()) AS qr1_ttl FROM app.rotate_card_qr(:'alice_card') \gset
COMMIT;
SELECT :'qr1' ~ '^mpsq1[A-Za-z0-9_-]{43}$' AS token_shape_ok, length(:'qr1') AS token_length, :'qr1_ttl' AS ttl;
INSERT INTO seen_qr VALUES ('qr1', :'qr1');
SELECT issued_by = :'u_alice' AS issued_by_alice, expires_at - issued_at AS ttl
  FROM app.card_qr_state WHERE card_id = :'alice_card';

-- p_card_type: the seeds' 'personal' and the type name 'standard' match a standard card.
BEGIN; :as_alice
SELECT qr_plain AS qr2, date_trunc('second', qr_expires_at - now()) AS qr2_ttl FROM app.rotate_card_qr(:'alice_card', 'personal', 30) \gset
SELECT qr_plain AS qr3, date_trunc('second', qr_expires_at - now()) AS qr3_ttl FROM app.rotate_card_qr(:'alice_card', 'standard', 86400) \gset
COMMIT;
SELECT :'qr2_ttl' AS ttl_min, :'qr3_ttl' AS ttl_max, :'qr2' <> :'qr1' AND :'qr3' <> :'qr2' AS all_distinct;
INSERT INTO seen_qr VALUES ('qr2', :'qr2'), ('qr3', :'qr3');
-- 'enterprise' (the seeds' name for corporate) and any other type: CARD_TYPE_MISMATCH.
BEGIN; :as_alice
SELECT app.rotate_card_qr(:'alice_card', 'enterprise');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_alice
SELECT app.rotate_card_qr(:'alice_card', 'prepaid');
\echo :SQLSTATE
ROLLBACK;
-- An unknown type name: p_card_type is app.card_type (seed 000's declaration), so the value
-- fails its cast before mps runs: 22P02, nothing changes.
BEGIN; :as_alice
\set VERBOSITY terse
SELECT app.rotate_card_qr(:'alice_card', 'gold');
\set VERBOSITY default
\echo :SQLSTATE
ROLLBACK;
-- The seeds' names, as text and as app.card_type.
BEGIN; :as_alice
SELECT qr_plain IS NOT NULL AS rotated FROM app.rotate_card_qr(:'alice_card', 'personal');
SELECT qr_plain IS NOT NULL AS rotated FROM app.rotate_card_qr(:'alice_card', 'personal'::app.card_type);
SELECT qr_plain IS NOT NULL AS rotated FROM app.rotate_card_qr(p_card_id => :'alice_card', p_card_type => 'standard');
SELECT app.rotate_card_qr(:'alice_card', 'enterprise');
\echo :SQLSTATE
ROLLBACK;
-- TTL outside 30..86400, or NULL: INVALID_TTL.
BEGIN; :as_alice
SELECT app.rotate_card_qr(:'alice_card', NULL, 29);
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_alice
SELECT app.rotate_card_qr(:'alice_card', NULL, 86401);
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_alice
SELECT app.rotate_card_qr(:'alice_card', NULL, NULL);
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_alice
SELECT app.rotate_card_qr(NULL);
\echo :SQLSTATE
ROLLBACK;
-- Another member, and merchant staff, may not rotate Alice's QR (PERMISSION_DENIED), nor
-- learn whether a card id exists.
BEGIN; :as_bob
SELECT app.rotate_card_qr(:'alice_card');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cashier
SELECT app.rotate_card_qr(:'alice_card');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_bob
SELECT app.rotate_card_qr('00000000-0000-4000-8000-000000000000');
\echo :SQLSTATE
ROLLBACK;
-- Not signed in.
BEGIN;
SET LOCAL ROLE authenticated;
SELECT app.rotate_card_qr(:'alice_card');
\echo :SQLSTATE
ROLLBACK;
-- A platform administrator may rotate any card; an unknown card is CARD_NOT_FOUND for it.
SELECT app.rotate_card_qr('00000000-0000-4000-8000-000000000000');
\echo :SQLSTATE
BEGIN; :as_service
SELECT qr_plain AS qr4 FROM app.rotate_card_qr(:'alice_card', 'personal') \gset
COMMIT;
INSERT INTO seen_qr VALUES ('qr4', :'qr4');
SELECT issued_by IS NULL AS issued_by_no_user FROM app.card_qr_state WHERE card_id = :'alice_card';

--------------------------------------------------------------------------------------------
-- Rotation invalidates the previous code; the history keeps every code's digest
--------------------------------------------------------------------------------------------
BEGIN; :as_alice
SELECT qr_plain AS qr_old FROM app.rotate_card_qr(:'alice_card') \gset
COMMIT;
BEGIN; :as_alice
SELECT qr_plain AS qr_new FROM app.rotate_card_qr(:'alice_card') \gset
COMMIT;
INSERT INTO seen_qr VALUES ('qr_old', :'qr_old'), ('qr_new', :'qr_new');
-- The old code no longer charges (QR_EXPIRED_OR_INVALID) nor validates.
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MQ_SHOP', :'qr_old', 10.00);
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cashier
SELECT app.validate_qr_plain(:'qr_old');
\echo :SQLSTATE
ROLLBACK;
-- Neither does any earlier one.
BEGIN; :as_cashier
SELECT app.validate_qr_plain(:'qr1');
\echo :SQLSTATE
ROLLBACK;
-- The new one charges. With mps.qr_reuse_within_ttl on (a deployment setting, superuser only)
-- it stays usable for further charges until it expires or is rotated; by default a payment
-- consumes it (sql/money_security.sql).
BEGIN; SET LOCAL mps.qr_reuse_within_ttl = on; :as_cashier
SELECT card_type, card_id = :'alice_card' AS alice_card, final_amount, discount
  FROM app.merchant_charge_by_qr('MQ_SHOP', :'qr_new', 10.00);
SELECT card_type, card_id = :'alice_card' AS alice_card, final_amount, discount
  FROM app.merchant_charge_by_qr('MQ_SHOP', :'qr_new', 2.50);
COMMIT;
SELECT balance, points FROM app.member_cards WHERE id = :'alice_card';
-- Six codes were issued for Alice's card: five ended by rotation, one live, whose digest is
-- the live state's; the TTLs are those asked for.
SELECT live, end_reason, count(*) AS codes FROM qr_history WHERE card_id = :'alice_card'
 GROUP BY 1, 2 ORDER BY 1, 2;
SELECT ttl, count(*) FROM qr_history WHERE card_id = :'alice_card' GROUP BY 1 ORDER BY 1;
SELECT h.token_digest = s.token_digest AS live_history_row_is_the_state
  FROM qr_history h JOIN app.card_qr_state s USING (card_id)
 WHERE h.card_id = :'alice_card' AND h.live;
SELECT count(*) AS state_rows FROM app.card_qr_state WHERE card_id = :'alice_card';

-- Only a digest is stored: 32 bytes, neither the token's text nor its 32 random bytes, and
-- no column of any QR row contains any plaintext.
SELECT count(*) AS codes, bool_and(octet_length(token_digest) = 32) AS digests_are_32_bytes,
       count(DISTINCT token_digest) AS distinct_digests
  FROM app.card_qr_history WHERE card_id = :'alice_card';
SELECT count(*) AS rows_equal_to_a_plaintext_or_its_bytes
  FROM seen_qr q,
       LATERAL (SELECT token_digest FROM app.card_qr_history UNION ALL SELECT token_digest FROM app.card_qr_state) d
 WHERE d.token_digest = convert_to(q.plain, 'UTF8')
    OR d.token_digest = decode(translate(substr(q.plain, 6), '-_', '+/') || '=', 'base64')
    OR strpos(encode(d.token_digest, 'escape'), substr(q.plain, 6)) > 0;
SELECT count(*) AS qr_rows_containing_a_plaintext
  FROM seen_qr q,
       LATERAL (SELECT row_to_json(h)::text AS r FROM app.card_qr_history h
                UNION ALL SELECT row_to_json(s)::text FROM app.card_qr_state s
                UNION ALL SELECT row_to_json(e)::text FROM audit.event_log e) d
 WHERE strpos(d.r, q.plain) > 0 OR strpos(d.r, substr(q.plain, 6)) > 0;
SELECT count(*) AS decoded_tokens_are_32_bytes FROM seen_qr
 WHERE octet_length(decode(translate(substr(plain, 6), '-_', '+/') || '=', 'base64')) = 32;

-- A code that expired before the next rotation ends as 'expired' (at its expiry), not
-- 'rotated'.
SELECT qr_plain AS qr_short FROM app.rotate_card_qr(:'bob_card', NULL, 30) \gset
INSERT INTO seen_qr VALUES ('qr_short', :'qr_short');
UPDATE app.card_qr_state SET issued_at = now() - interval '1 minute', expires_at = now() - interval '1 second'
 WHERE card_id = :'bob_card';
UPDATE app.card_qr_history SET issued_at = now() - interval '1 minute', expires_at = now() - interval '1 second'
 WHERE card_id = :'bob_card';
SELECT count(*) AS fresh FROM app.rotate_card_qr(:'bob_card');
SELECT ended_at IS NULL AS live, end_reason, ended_at = expires_at AS ended_at_expiry
  FROM app.card_qr_history WHERE card_id = :'bob_card' ORDER BY id;

--------------------------------------------------------------------------------------------
-- validate_qr_plain
--------------------------------------------------------------------------------------------
-- Merchant staff and the card holder get the card id.
BEGIN; :as_cashier
SELECT app.validate_qr_plain(:'qr_new') = :'alice_card' AS staff_sees_alice_card;
COMMIT;
BEGIN; :as_alice
SELECT app.validate_qr_plain(:'qr_new') = :'alice_card' AS holder_sees_own_card;
COMMIT;
SELECT app.validate_qr_plain(:'qr_new') = :'alice_card' AS admin_sees_alice_card;
-- Another member may not (PERMISSION_DENIED), whether the code is live or not.
BEGIN; :as_bob
SELECT app.validate_qr_plain(:'qr_new');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_bob
SELECT app.validate_qr_plain(:'qr_old');
\echo :SQLSTATE
ROLLBACK;
-- A well-formed code nobody was given: QR_EXPIRED_OR_INVALID for staff.
BEGIN; :as_cashier
SELECT app.validate_qr_plain('mpsq1' || repeat('A', 43));
\echo :SQLSTATE
ROLLBACK;
-- Malformed text: INVALID_QR_FORMAT, before anything else.
SELECT app.validate_qr_plain('abc');
\echo :SQLSTATE
SELECT app.validate_qr_plain('xxxx1' || substr(:'qr_new', 6));
\echo :SQLSTATE
SELECT app.validate_qr_plain(:'qr_new' || 'A');
\echo :SQLSTATE
SELECT app.validate_qr_plain(left(:'qr_new', 47) || '+');
\echo :SQLSTATE
SELECT app.validate_qr_plain('');
\echo :SQLSTATE
SELECT app.validate_qr_plain(NULL);
\echo :SQLSTATE

--------------------------------------------------------------------------------------------
-- revoke_card_qr
--------------------------------------------------------------------------------------------
-- Bob may not revoke Alice's code.
BEGIN; :as_bob
SELECT app.revoke_card_qr(:'alice_card');
\echo :SQLSTATE
ROLLBACK;
-- Alice revokes it: true, the live state row is gone, the history says 'revoked'.
BEGIN; :as_alice
SELECT app.revoke_card_qr(:'alice_card') AS revoked;
COMMIT;
SELECT count(*) AS state_rows FROM app.card_qr_state WHERE card_id = :'alice_card';
SELECT live, end_reason, count(*) AS codes FROM qr_history WHERE card_id = :'alice_card'
 GROUP BY 1, 2 ORDER BY 1, 2;
-- Nothing left to revoke: false.
BEGIN; :as_alice
SELECT app.revoke_card_qr(:'alice_card') AS revoked;
COMMIT;
-- The revoked code no longer charges.
BEGIN; :as_cashier
SELECT * FROM app.merchant_charge_by_qr('MQ_SHOP', :'qr_new', 1.00);
\echo :SQLSTATE
ROLLBACK;
SELECT balance, points FROM app.member_cards WHERE id = :'alice_card';
-- The revocation is audited, with the acting role and user.
SELECT action, object_type, actor_role, actor_user_id = :'u_alice' AS by_alice, count(*)
  FROM audit.event_log WHERE action = 'qr.revoke' AND object_id = :'alice_card'::text GROUP BY 1, 2, 3, 4;

--------------------------------------------------------------------------------------------
-- Inactive cards and members
--------------------------------------------------------------------------------------------
-- A frozen card cannot get a QR code (CARD_NOT_ACTIVE), from its holder or an administrator.
UPDATE app.member_cards SET status = 'frozen' WHERE id = :'frank_card';
SELECT app.rotate_card_qr(:'frank_card');
\echo :SQLSTATE
-- Nor can an expired one.
UPDATE app.member_cards SET status = 'active', expires_at = now() - interval '1 day' WHERE id = :'frank_card';
SELECT app.rotate_card_qr(:'frank_card');
\echo :SQLSTATE
UPDATE app.member_cards SET expires_at = NULL WHERE id = :'frank_card';
SELECT count(*) AS frank_codes FROM app.card_qr_history WHERE card_id = :'frank_card';
-- A suspended member cannot rotate its own card's code (MEMBER_NOT_ACTIVE).
UPDATE app.member_profiles SET status = 'suspended' WHERE user_id = :'u_gina';
BEGIN; :as_gina
SELECT app.rotate_card_qr(:'gina_card');
\echo :SQLSTATE
ROLLBACK;
UPDATE app.member_profiles SET status = 'active' WHERE user_id = :'u_gina';

--------------------------------------------------------------------------------------------
-- cron_rotate_qr_tokens: ends codes that expired or are older than p_ttl_seconds
--------------------------------------------------------------------------------------------
-- Carol's code is fresh, Dave's expired a second ago, Erin's was issued ten minutes ago and
-- would still live five more.
SELECT qr_plain AS qr_carol FROM app.rotate_card_qr(:'carol_card') \gset
SELECT qr_plain AS qr_dave  FROM app.rotate_card_qr(:'dave_card', NULL, 30) \gset
SELECT qr_plain AS qr_erin  FROM app.rotate_card_qr(:'erin_card') \gset
INSERT INTO seen_qr VALUES ('qr_carol', :'qr_carol'), ('qr_dave', :'qr_dave'), ('qr_erin', :'qr_erin');
UPDATE app.card_qr_state SET issued_at = now() - interval '1 minute', expires_at = now() - interval '1 second'
 WHERE card_id = :'dave_card';
UPDATE app.card_qr_history SET issued_at = now() - interval '1 minute', expires_at = now() - interval '1 second'
 WHERE card_id = :'dave_card' AND ended_at IS NULL;
UPDATE app.card_qr_state SET issued_at = now() - interval '10 minutes', expires_at = now() + interval '5 minutes'
 WHERE card_id = :'erin_card';
UPDATE app.card_qr_history SET issued_at = now() - interval '10 minutes', expires_at = now() + interval '5 minutes'
 WHERE card_id = :'erin_card' AND ended_at IS NULL;
-- Dave's expired code is refused at the counter already.
BEGIN; :as_cashier
SELECT app.validate_qr_plain(:'qr_dave');
\echo :SQLSTATE
ROLLBACK;
-- Administrators only; the TTL is checked like rotate's.
BEGIN; :as_alice
SELECT app.cron_rotate_qr_tokens();
\echo :SQLSTATE
ROLLBACK;
SELECT app.cron_rotate_qr_tokens(29);
\echo :SQLSTATE
-- The sweep ends exactly the codes that expired or are older than 300 seconds (other tests'
-- codes included, hence the comparison with a count taken in the same transaction).
BEGIN; :as_service
SELECT count(*) AS due FROM app.card_qr_state
 WHERE expires_at <= now() OR issued_at <= now() - interval '300 seconds' \gset
SELECT app.cron_rotate_qr_tokens(300) = :due AS ended_the_due_codes, :due >= 2 AS at_least_dave_and_erin;
COMMIT;
SELECT p.name, s.card_id IS NOT NULL AS still_live, h.end_reason
  FROM app.member_profiles p
  JOIN app.member_cards c ON c.owner_member_id = p.id
  LEFT JOIN app.card_qr_state s ON s.card_id = c.id
  LEFT JOIN app.card_qr_history h ON h.card_id = c.id
 WHERE p.name IN ('MQ Carol', 'MQ Dave', 'MQ Erin') ORDER BY p.name;
-- Nothing is due any more.
SELECT app.cron_rotate_qr_tokens(300) AS ended_again;
-- Erin's swept code no longer charges; Carol's still validates.
BEGIN; :as_cashier
SELECT app.validate_qr_plain(:'qr_erin');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_cashier
SELECT app.validate_qr_plain(:'qr_carol') = :'carol_card' AS carol_still_valid;
COMMIT;

--------------------------------------------------------------------------------------------
-- A scan is one unique-index lookup on the digest
--------------------------------------------------------------------------------------------
-- 2000 more live codes (rolled back afterwards), fresh statistics, and the scan's query shape.
-- No planner setting is changed: with this many rows the unique index wins on cost.
BEGIN;
INSERT INTO app.member_profiles (name) SELECT 'MQ Bulk ' || i FROM generate_series(1, 2000) i;
SELECT count(*) AS rotated
  FROM app.member_cards c JOIN app.member_profiles p ON p.id = c.owner_member_id,
       LATERAL app.rotate_card_qr(c.id) r
 WHERE p.name LIKE 'MQ Bulk %';
ANALYZE app.card_qr_state;
EXPLAIN (COSTS OFF)
SELECT card_id FROM app.card_qr_state
 WHERE token_digest = '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
ROLLBACK;
SELECT count(*) AS bulk_members_left FROM app.member_profiles WHERE name LIKE 'MQ Bulk %';
DROP VIEW qr_history;
