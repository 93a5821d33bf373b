-- The row rules of the tables every payment writes (member_cards, transactions, point_ledger,
-- audit.event_log), each table's in one plpgsql function called by one CHECK constraint.
--
-- Why not one CHECK per rule: PostgreSQL re-reads every CHECK constraint of a table from its
-- stored node string (stringToNode, then planning) in each statement that writes the table, and
-- a charge's statements carried 35 of them, about 33 kB of node text: 43 % of a charge's CPU
-- instructions (issue #15, bench/README.md). A CHECK that calls a function is a short node
-- string; the function's expression is compiled once per backend and kept by plpgsql. The rules
-- are the same expressions as before, each one passing when it is NULL, as a CHECK does.
--
-- Install and every upgrade run this file (a definitions piece): the functions are replaced,
-- and each table's CHECK is added when it is missing, which checks the rows already there (an
-- upgrade from 0.1.0 drops the per-rule CHECKs first: sql/upgrade/0.1.0--0.2.0.sql). A changed
-- rule does not re-check existing rows: the upgrade that changes one validates them itself.

CREATE OR REPLACE FUNCTION sec.member_card_rules(
    card_type app.card_type, owner_member_id uuid, balance numeric, points bigint, discount numeric,
    fixed_discount numeric, face_value numeric, binding_password_hash text, company_name text, frozen_by text,
    organization_id uuid, loyalty_merchant_id uuid, membership_level text, qr_code_data text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (balance >= 0) IS NOT FALSE
     AND (points >= 0) IS NOT FALSE
     AND (discount > 0 AND discount <= 1) IS NOT FALSE
     AND (fixed_discount > 0 AND fixed_discount <= 1) IS NOT FALSE
     AND (face_value > 0) IS NOT FALSE
     AND (binding_password_hash LIKE '$argon2id$%') IS NOT FALSE
     AND (length(btrim(company_name)) BETWEEN 1 AND 200) IS NOT FALSE
     AND (frozen_by IN ('admin', 'holder')) IS NOT FALSE
     AND (membership_level IN ('basic', 'premium', 'vip')) IS NOT FALSE
     AND (qr_code_data ~ '^vitaglobal://card/[A-Z0-9]+/[A-Za-z0-9_-]{22}$') IS NOT FALSE
     -- the stored types (the legacy labels are input only); per type what it must have
     AND card_type::text IN ('standard', 'prepaid', 'corporate', 'voucher', 'organization', 'merchant')
     AND (card_type::text <> 'standard' OR owner_member_id IS NOT NULL)
     AND (card_type::text <> 'corporate' OR (fixed_discount IS NOT NULL AND company_name IS NOT NULL))
     AND (card_type::text <> 'voucher' OR face_value IS NOT NULL)
     -- loyalty cards (seed 003) hold points, never money
     AND (CASE card_type::text
            WHEN 'organization' THEN organization_id IS NOT NULL AND loyalty_merchant_id IS NULL
                                     AND owner_member_id IS NOT NULL AND balance = 0
            WHEN 'merchant' THEN loyalty_merchant_id IS NOT NULL AND owner_member_id IS NOT NULL AND balance = 0
            ELSE organization_id IS NULL AND loyalty_merchant_id IS NULL
          END) IS NOT FALSE;
END
$$;

CREATE OR REPLACE FUNCTION sec.transaction_rules(
    tx_type app.tx_type, status app.tx_status, raw_amount numeric, discount_applied numeric, final_amount numeric,
    reason text, payment_method text, external_order_id text, idempotency_key text, original_tx_id uuid,
    discount_source text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (discount_applied > 0 AND discount_applied <= 1) IS NOT FALSE
     AND (length(reason) <= 500) IS NOT FALSE
     AND (length(payment_method) <= 32) IS NOT FALSE
     AND (length(external_order_id) <= 128) IS NOT FALSE
     AND (length(idempotency_key) <= 128) IS NOT FALSE
     AND (discount_source IN ('none', 'level', 'corporate', 'partnership')) IS NOT FALSE
     -- amounts: positive but for adjustments, which are signed and never 0
     AND (tx_type = 'adjustment' OR (raw_amount > 0 AND final_amount >= 0)) IS NOT FALSE
     AND (tx_type <> 'adjustment' OR (final_amount <> 0 AND raw_amount = abs(final_amount))) IS NOT FALSE
     -- a refund, and only a refund, names its payment; only a payment is ever 'refunded'
     AND ((tx_type = 'refund') = (original_tx_id IS NOT NULL)) IS NOT FALSE
     AND (status <> 'refunded' OR tx_type = 'payment') IS NOT FALSE;
END
$$;

CREATE OR REPLACE FUNCTION sec.point_ledger_rules(
    delta bigint, balance_before bigint, balance_after bigint, reason text, kind text, reference_id text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (delta <> 0) IS NOT FALSE
     AND (balance_before >= 0) IS NOT FALSE
     AND (balance_after >= 0) IS NOT FALSE
     AND (balance_after = balance_before + delta) IS NOT FALSE
     AND (length(reason) BETWEEN 1 AND 500) IS NOT FALSE
     AND (kind IN ('earn', 'redeem', 'transfer', 'expire')) IS NOT FALSE
     AND (length(reference_id) BETWEEN 1 AND 255) IS NOT FALSE;
END
$$;

CREATE OR REPLACE FUNCTION sec.event_log_rules(action text, object_type text)
RETURNS boolean
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN (length(action) BETWEEN 1 AND 64) IS NOT FALSE
     AND (length(object_type) BETWEEN 1 AND 64) IS NOT FALSE;
END
$$;

REVOKE ALL ON FUNCTION sec.member_card_rules(app.card_type, uuid, numeric, bigint, numeric, numeric, numeric, text, text,
                                             text, uuid, uuid, text, text),
                       sec.transaction_rules(app.tx_type, app.tx_status, numeric, numeric, numeric, text, text, text,
                                             text, uuid, text),
                       sec.point_ledger_rules(bigint, bigint, bigint, text, text, text),
                       sec.event_log_rules(text, text)
  FROM PUBLIC;

DO $$
DECLARE
  c record;
BEGIN
  FOR c IN SELECT * FROM (VALUES
      ('app.member_cards', 'member_cards_rules',
       'sec.member_card_rules(card_type, owner_member_id, balance, points, discount, fixed_discount, face_value, '
       'binding_password_hash, company_name, frozen_by, organization_id, loyalty_merchant_id, membership_level, qr_code_data)'),
      ('app.transactions', 'transactions_rules',
       'sec.transaction_rules(tx_type, status, raw_amount, discount_applied, final_amount, reason, payment_method, '
       'external_order_id, idempotency_key, original_tx_id, discount_source)'),
      ('app.point_ledger', 'point_ledger_rules',
       'sec.point_ledger_rules(delta, balance_before, balance_after, reason, kind, reference_id)'),
      ('audit.event_log', 'event_log_rules', 'sec.event_log_rules(action, object_type)')) AS t(rel, name, expr)
  LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
                    WHERE conrelid = c.rel::regclass AND conname = c.name) THEN
      EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK (%s)', c.rel, c.name, c.expr);
    END IF;
  END LOOP;
END
$$;
