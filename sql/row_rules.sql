-- The row rules of the tables every payment writes (sql/install/64_row_rules.sql: one CHECK per
-- table calling its rules function, issue #15): each rule still refuses a row that breaks it,
-- with check_violation naming the table's constraint, and a row that keeps them all is written.
-- Written as the superuser, past the RPCs, each attempt in a subtransaction.
\set SHOW_CONTEXT never
\set VERBOSITY terse

CREATE FUNCTION pg_temp.attempt(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  c text;
BEGIN
  EXECUTE p_sql;
  RETURN 'written';
EXCEPTION WHEN check_violation THEN
  GET STACKED DIAGNOSTICS c = CONSTRAINT_NAME;
  RETURN 'refused by ' || c;
END
$$;

BEGIN;
INSERT INTO app.member_profiles (name) VALUES ('RR Rita');
CREATE TEMP TABLE rr AS
SELECT c.id AS card_id, c.owner_member_id AS member_id FROM app.member_cards c
  JOIN app.member_profiles p ON p.id = c.owner_member_id WHERE p.name = 'RR Rita';
INSERT INTO app.merchants (code, name) VALUES ('RR_SHOP', 'RR shop');

SELECT rule, pg_temp.attempt(format(stmt, (SELECT card_id FROM rr), (SELECT member_id FROM rr))) AS outcome
  FROM (VALUES
  ('card: a valid change',               $q$UPDATE app.member_cards SET points = 5, company_name = 'Acme', frozen_by = 'holder' WHERE id = %L$q$),
  ('card: balance below 0',              $q$UPDATE app.member_cards SET balance = -0.01 WHERE id = %L$q$),
  ('card: points below 0',               $q$UPDATE app.member_cards SET points = -1 WHERE id = %L$q$),
  ('card: discount 0',                   $q$UPDATE app.member_cards SET discount = 0 WHERE id = %L$q$),
  ('card: fixed discount over 1',        $q$UPDATE app.member_cards SET fixed_discount = 1.5 WHERE id = %L$q$),
  ('card: face value 0',                 $q$UPDATE app.member_cards SET face_value = 0 WHERE id = %L$q$),
  ('card: password not argon2id',        $q$UPDATE app.member_cards SET binding_password_hash = 'plain' WHERE id = %L$q$),
  ('card: blank company name',           $q$UPDATE app.member_cards SET company_name = '  ' WHERE id = %L$q$),
  ('card: unknown frozen_by',            $q$UPDATE app.member_cards SET frozen_by = 'thief' WHERE id = %L$q$),
  ('card: unknown membership level',     $q$UPDATE app.member_cards SET membership_level = 'gold' WHERE id = %L$q$),
  ('card: malformed qr_code_data',       $q$UPDATE app.member_cards SET qr_code_data = 'vitaglobal://card/x' WHERE id = %L$q$),
  ('card: legacy type label stored',     $q$UPDATE app.member_cards SET card_type = 'personal' WHERE id = %L$q$),
  ('card: standard without owner',       $q$UPDATE app.member_cards SET owner_member_id = NULL WHERE id = %L$q$),
  ('card: corporate without discount',   $q$UPDATE app.member_cards SET card_type = 'corporate', company_name = 'Acme' WHERE id = %L$q$),
  ('card: corporate without company',    $q$UPDATE app.member_cards SET card_type = 'corporate', fixed_discount = 0.9, company_name = NULL WHERE id = %L$q$),
  ('card: voucher without face value',   $q$UPDATE app.member_cards SET card_type = 'voucher' WHERE id = %L$q$),
  ('card: standard of an organisation',  $q$UPDATE app.member_cards SET organization_id = gen_random_uuid() WHERE id = %L$q$),
  ('card: organisation card, no org',    $q$UPDATE app.member_cards SET card_type = 'organization' WHERE id = %L$q$),
  ('card: merchant card with money',     $q$UPDATE app.member_cards SET card_type = 'merchant', loyalty_merchant_id = gen_random_uuid(), balance = 1 WHERE id = %L$q$),
  ('tx: a valid payment',                $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, discount_applied, final_amount, status, reason, discount_source) VALUES (gen_random_uuid(), 'RRPAY1', 'payment', %L, 10, 0.9, 9, 'completed', 'ok', 'level')$q$),
  ('tx: payment of 0',                   $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status) VALUES (gen_random_uuid(), 'RR2', 'payment', %L, 0, 0, 'completed')$q$),
  ('tx: negative recharge',              $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status) VALUES (gen_random_uuid(), 'RR3', 'recharge', %L, 1, -1, 'completed')$q$),
  ('tx: adjustment of 0',                $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status) VALUES (gen_random_uuid(), 'RR4', 'adjustment', %L, 0, 0, 'completed')$q$),
  ('tx: adjustment raw <> |final|',      $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status) VALUES (gen_random_uuid(), 'RR5', 'adjustment', %L, 2, -1, 'completed')$q$),
  ('tx: a valid negative adjustment',    $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status) VALUES (gen_random_uuid(), 'RR6', 'adjustment', %L, 1, -1, 'completed')$q$),
  ('tx: discount over 1',                $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, discount_applied, final_amount, status) VALUES (gen_random_uuid(), 'RR7', 'payment', %L, 1, 1.2, 1, 'completed')$q$),
  ('tx: refund naming no payment',       $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status) VALUES (gen_random_uuid(), 'RR8', 'refund', %L, 1, 1, 'completed')$q$),
  ('tx: recharge naming a payment',      $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status, original_tx_id) VALUES (gen_random_uuid(), 'RR9', 'recharge', %L, 1, 1, 'completed', gen_random_uuid())$q$),
  ('tx: a refunded recharge',            $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status) VALUES (gen_random_uuid(), 'RR10', 'recharge', %L, 1, 1, 'refunded')$q$),
  ('tx: reason of 501 characters',       $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status, reason) VALUES (gen_random_uuid(), 'RR11', 'recharge', %L, 1, 1, 'completed', repeat('x', 501))$q$),
  ('tx: payment method of 33',           $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status, payment_method) VALUES (gen_random_uuid(), 'RR12', 'recharge', %L, 1, 1, 'completed', repeat('x', 33))$q$),
  ('tx: order id of 129',                $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status, external_order_id) VALUES (gen_random_uuid(), 'RR13', 'recharge', %L, 1, 1, 'completed', repeat('x', 129))$q$),
  ('tx: idempotency key of 129',         $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status, idempotency_key) VALUES (gen_random_uuid(), 'RR14', 'recharge', %L, 1, 1, 'completed', repeat('x', 129))$q$),
  ('tx: unknown discount source',        $q$INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status, discount_source) VALUES (gen_random_uuid(), 'RR15', 'payment', %L, 1, 1, 'completed', 'coupon')$q$),
  ('points: a valid row',                $q$INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, reason, kind, reference_id) VALUES (%L, 5, 0, 5, 'ok', 'earn', 'ref-1')$q$),
  ('points: delta 0',                    $q$INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, reason) VALUES (%L, 0, 5, 5, 'x')$q$),
  ('points: balance below 0',            $q$INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, reason) VALUES (%L, -6, 5, -1, 'x')$q$),
  ('points: broken chain',               $q$INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, reason) VALUES (%L, 1, 5, 7, 'x')$q$),
  ('points: empty reason',               $q$INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, reason) VALUES (%L, 1, 5, 6, '')$q$),
  ('points: unknown kind',               $q$INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, reason, kind) VALUES (%L, 1, 5, 6, 'x', 'gift')$q$),
  ('points: empty reference',            $q$INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, reason, reference_id) VALUES (%L, 1, 5, 6, 'x', '')$q$),
  ('audit: a valid row',                 $q$INSERT INTO audit.event_log (actor_role, action, object_type, object_id) VALUES ('postgres', 'test.rule', 'card', %L)$q$),
  ('audit: empty action',                $q$INSERT INTO audit.event_log (actor_role, action, object_type, object_id) VALUES ('postgres', '', 'card', %L)$q$),
  ('audit: object type of 65',           $q$INSERT INTO audit.event_log (actor_role, action, object_type, object_id) VALUES ('postgres', 'x', repeat('t', 65), %L)$q$)
  ) AS t(rule, stmt);
ROLLBACK;
