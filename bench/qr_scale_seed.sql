-- Set-based seeding for bench/qr_scale.sh, loaded after bench/seed.sql (superuser). The first
-- 100 cards come from bench.grow (the RPCs); these functions add cards 101..n with a balance
-- and a live QR code each, writing the rows the RPCs would have written, many per statement:
--   bench.qr_stage             (g, member_id, card_id, member_no, card_no) cards 101..n, their
--                              ids drawn up front, their numbers by bench.qr_scale_cards
--   bench.qr_tokens            (g, qr, digest) COPY target: tokens and digests minted by
--                              bench/qr_tokens.cpp (the extension's own new_qr_token/qr_digest)
--   bench.qr_scale_cards(a, b) members a..b with the standard card sec.issue_standard_card
--                              would give them (the ladder's entry level), member and card
--                              numbers drawn by sec.random_number and claimed in
--                              app.number_registry; each card holds 1000.00, with the
--                              recharge transaction, tx_registry and audit rows
--                              app.user_recharge_card writes
--   bench.qr_scale_codes()     the live codes: card_qr_history and card_qr_state rows as
--                              app.rotate_card_qr writes them (TTL 86400 s), plaintexts to bench.qr
-- Left out, because no check and no charge reads them: the audit rows of the card issues and
-- of the rotations (those of the recharges are written: a charge adds its own beside them, in the
-- same part of the event log's object index). Triggers and foreign-key checks are off in these functions
-- (session_replication_role = replica): the issuing trigger is replaced by the insert of the
-- card, and every reference is made by the same statements from bench.qr_stage.
-- app.verify_ledger() checks balances against the transactions at the end of the benchmark.
\set ON_ERROR_STOP 1

CREATE UNLOGGED TABLE bench.qr_stage (g int PRIMARY KEY, member_id uuid NOT NULL, card_id uuid NOT NULL,
                                     member_no text, card_no text);
CREATE UNLOGGED TABLE bench.qr_tokens (g int PRIMARY KEY, qr text NOT NULL, digest bytea NOT NULL);

CREATE FUNCTION bench.qr_scale_cards(p_from int, p_to int) RETURNS bigint
LANGUAGE sql
SET session_replication_role = replica
AS $$
  -- The member and card numbers, claimed in the registry as sec.claim_number claims them (a
  -- random number from sec.random_number, ON CONFLICT DO NOTHING), many per statement: a few
  -- more are drawn than needed, and those left over stay claimed, as a failed insert's would.
  WITH drawn AS (
    INSERT INTO app.number_registry (number, kind)
    SELECT sec.random_number('M', 9), 'member' FROM generate_series(1, (p_to - p_from + 1) * 101 / 100 + 100)
    ON CONFLICT (number) DO NOTHING RETURNING number)
  UPDATE bench.qr_stage s SET member_no = d.number
    FROM (SELECT number, row_number() OVER () + p_from - 1 AS g FROM drawn) d
   WHERE s.g = d.g AND s.g BETWEEN p_from AND p_to;
  WITH drawn AS (
    INSERT INTO app.number_registry (number, kind)
    SELECT sec.random_number('STD', 11), 'card' FROM generate_series(1, (p_to - p_from + 1) * 101 / 100 + 100)
    ON CONFLICT (number) DO NOTHING RETURNING number)
  UPDATE bench.qr_stage s SET card_no = d.number
    FROM (SELECT number, row_number() OVER () + p_from - 1 AS g FROM drawn) d
   WHERE s.g = d.g AND s.g BETWEEN p_from AND p_to;
  INSERT INTO app.member_profiles (id, member_no, name)
  SELECT member_id, member_no, 'bench member ' || g FROM bench.qr_stage WHERE g BETWEEN p_from AND p_to ORDER BY g;
  -- The cards written with room on their pages (fillfactor 90 for this insert only; the table's
  -- setting is reset at the end): the room the RPCs' path leaves where a recharge's card update
  -- left a version behind that was pruned, so that a charge's card update can be HOT, as in a
  -- deployment whose cards have been used. Packed full, the first charge of every seeded card
  -- would move its row to another page (a non-HOT update: every index of member_cards).
  ALTER TABLE app.member_cards SET (fillfactor = 90);
  INSERT INTO app.member_cards (id, card_no, card_type, owner_member_id, level, discount, balance)
  SELECT s.card_id, s.card_no, 'standard', s.member_id, l.level, l.discount, 1000.00
    FROM bench.qr_stage s, app.membership_levels l
   WHERE s.g BETWEEN p_from AND p_to AND l.min_points = 0
   ORDER BY s.g;
  WITH r AS (
    SELECT s.card_id, gen_random_uuid() AS tx_id,
           'RCG' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD') || lpad(s.g::text, 12, '0') AS tx_no
      FROM bench.qr_stage s WHERE s.g BETWEEN p_from AND p_to),
  reg AS (
    INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id, merchant_id)
    SELECT tx_no, tx_id, now(), 'recharge', card_id, NULL FROM r),
  tx AS (
    INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status, reason,
                                  payment_method, actor_role, created_at)
    SELECT tx_id, tx_no, 'recharge', card_id, 1000.00, 1000.00, 'completed', 'bench seed', 'wechat', 'postgres', now()
      FROM r)
  INSERT INTO audit.event_log (actor_user_id, actor_role, action, object_type, object_id, context)
  SELECT NULL, 'postgres', 'card.recharge', 'transaction', tx_no,
         jsonb_build_object('amount', 1000.00, 'card_id', card_id, 'tx_type', 'recharge', 'balance_after', 1000.00)
    FROM r;
  ALTER TABLE app.member_cards RESET (fillfactor);
  SELECT count(*) FROM bench.qr_stage WHERE g BETWEEN p_from AND p_to AND member_no IS NOT NULL AND card_no IS NOT NULL;
$$;

CREATE FUNCTION bench.qr_scale_codes() RETURNS bigint
LANGUAGE sql
SET session_replication_role = replica
AS $$
  INSERT INTO app.card_qr_history (card_id, token_digest, issued_at, expires_at, issued_by, issued_by_role)
  SELECT s.card_id, t.digest, now(), now() + interval '86400 seconds', NULL, 'postgres'
    FROM bench.qr_stage s JOIN bench.qr_tokens t USING (g) ORDER BY g;
  INSERT INTO app.card_qr_state (card_id, token_digest, issued_at, expires_at, issued_by, issued_by_role)
  SELECT s.card_id, t.digest, now(), now() + interval '86400 seconds', NULL, 'postgres'
    FROM bench.qr_stage s JOIN bench.qr_tokens t USING (g) ORDER BY g;
  INSERT INTO bench.qr (id, card_id, qr)
  SELECT g, s.card_id, t.qr FROM bench.qr_stage s JOIN bench.qr_tokens t USING (g) ORDER BY g;
  SELECT count(*) FROM bench.qr_tokens;
$$;
