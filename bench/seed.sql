-- Benchmark fixtures for bench/run.sh, loaded once into the bench database (superuser).
-- Everything lives in schema `bench` of the bench database, outside the extension:
--   bench.qr   (id 1..n, card_id, qr)  cards with an active QR code, plaintext kept for the scripts
--   bench.pay  (id 1..n, tx_no)        completed payments of 100.00 that the refund script refunds
--   bench.grow(n)         grows bench.qr to n cards: members inserted set-based (the trigger
--                         issues their standard cards), each card recharged with
--                         app.user_recharge_card and given a QR with app.rotate_card_qr
--   bench.seed_payments(n) charges 100.00 on cards 1..n through app.merchant_charge_by_qr
-- Money goes only through the RPCs, so app.verify_ledger() stays empty.
\set ON_ERROR_STOP 1

CREATE SCHEMA bench;
CREATE TABLE bench.qr (id int PRIMARY KEY, card_id uuid NOT NULL UNIQUE, qr text NOT NULL);
CREATE TABLE bench.pay (id int PRIMARY KEY, tx_no text NOT NULL UNIQUE);
-- The scripts read these tables inside the RPC's transaction, as the API roles.
GRANT USAGE ON SCHEMA bench TO authenticated, service_role;
GRANT SELECT ON bench.qr, bench.pay TO authenticated, service_role;

-- The merchant and its cashier; the cashier's user id is the JWT sub in the scripts.
SELECT app.create_merchant('BENCH', 'Benchmark merchant');
SELECT app.add_merchant_user('BENCH', '00000000-0000-4000-8000-0000000be001', 'cashier');

CREATE PROCEDURE bench.grow(p_target int, p_batch int DEFAULT 5000)
LANGUAGE plpgsql AS $$
DECLARE
  have int;
  done int := 0;
  r record;
  v_qr text;
BEGIN
  SELECT count(*) INTO have FROM bench.qr;
  IF have >= p_target THEN RETURN; END IF;
  INSERT INTO app.member_profiles (name)
    SELECT 'bench member ' || g FROM generate_series(have + 1, p_target) g;
  COMMIT;
  FOR r IN SELECT c.id
             FROM app.member_cards c
             JOIN app.member_profiles p ON p.id = c.owner_member_id
            WHERE c.card_type = 'standard' AND p.name LIKE 'bench member %'
              AND NOT EXISTS (SELECT 1 FROM bench.qr q WHERE q.card_id = c.id)
            ORDER BY c.card_no
  LOOP
    PERFORM app.user_recharge_card(r.id, 100000.00, 'wechat', 'bench seed');
    SELECT qr_plain INTO v_qr FROM app.rotate_card_qr(r.id, NULL, 86400);
    have := have + 1;
    INSERT INTO bench.qr (id, card_id, qr) VALUES (have, r.id, v_qr);
    done := done + 1;
    IF done % p_batch = 0 THEN COMMIT; END IF;
  END LOOP;
  COMMIT;
  ANALYZE bench.qr;
  ANALYZE app.member_profiles;
  ANALYZE app.member_cards;
  ANALYZE app.card_qr_state;
  ANALYZE app.card_qr_history;
  ANALYZE app.transactions;
  ANALYZE app.tx_registry;
  ANALYZE app.point_ledger;
  ANALYZE audit.event_log;
END
$$;

CREATE PROCEDURE bench.seed_payments(p_count int)
LANGUAGE plpgsql AS $$
DECLARE
  have int;
  v_tx text;
  v_qr text;
BEGIN
  SELECT count(*) INTO have FROM bench.pay;
  FOR i IN have + 1 .. p_count LOOP
    SELECT qr INTO STRICT v_qr FROM bench.qr WHERE id = i;
    SELECT tx_no INTO v_tx FROM app.merchant_charge_by_qr('BENCH', v_qr, 100.00, 'bench refund pool');
    INSERT INTO bench.pay (id, tx_no) VALUES (i, v_tx);
  END LOOP;
  COMMIT;
  ANALYZE bench.pay;
  ANALYZE app.transactions;
  ANALYZE app.tx_registry;
END
$$;
