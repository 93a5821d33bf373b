-- The floor of a charge (bench/limits.sh): the rows a charge of 1.00 writes, written by plain
-- SQL in one statement with no checks, in a transaction shaped like the charge's (BEGIN, one
-- set_config, the statement, COMMIT), as the superuser: the card update with the ladder, the
-- transaction row, its tx_registry row, the point-ledger row and the audit row, through the
-- same tables and indexes. The amounts are the charge's (1.00 at the card's discount, one
-- point), so app.verify_ledger() stays clean.
-- Variables: ncards (cards 1..ncards in bench.qr).
\set id random(1, :ncards)
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-0000000be001","role":"authenticated"}', true);
WITH r AS (
  INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id, merchant_id)
  SELECT 'PAY' || to_char(now(), 'YYYYMMDD') || lpad((random() * 1e12)::int8::text, 12, '0'), gen_random_uuid(), now(),
         'payment', q.card_id, m.id
    FROM bench.qr q, app.merchants m WHERE q.id = :id AND m.code = 'BENCH'
  ON CONFLICT DO NOTHING RETURNING tx_no, tx_id, card_id, merchant_id),
 c AS (
  UPDATE app.member_cards c SET balance = c.balance - round(1.00 * c.discount, 2), points = c.points + 1, updated_at = now(),
         level = l.level, discount = l.discount
    FROM r, app.membership_levels l
   WHERE c.id = r.card_id AND l.min_points <= c.points + 1 AND (l.max_points IS NULL OR l.max_points >= c.points + 1)
  RETURNING c.points, c.balance, r.tx_no, r.tx_id, r.card_id, r.merchant_id,
            (SELECT o.discount FROM app.membership_levels o
              WHERE o.min_points <= c.points - 1 AND (o.max_points IS NULL OR o.max_points >= c.points - 1)) AS paid_discount),
 t AS (
  INSERT INTO app.transactions (id, tx_no, tx_type, card_id, merchant_id, raw_amount, discount_applied, final_amount,
         points_earned, status, actor_user_id, actor_role, tag, created_at, discount_source)
  SELECT c.tx_id, c.tx_no, 'payment', c.card_id, c.merchant_id, 1.00, c.paid_discount, round(1.00 * c.paid_discount, 2), 1,
         'completed', '00000000-0000-4000-8000-0000000be001', 'authenticated', '{}', now(),
         CASE WHEN c.paid_discount < 1 THEN 'level' ELSE 'none' END
    FROM c RETURNING id, tx_no, card_id, merchant_id, final_amount),
 p AS (
  INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, tx_id, reason, actor_user_id)
  SELECT c.card_id, 1, c.points - 1, c.points, c.tx_id, 'payment', '00000000-0000-4000-8000-0000000be001' FROM c)
INSERT INTO audit.event_log (actor_user_id, actor_role, action, object_type, object_id, context)
SELECT '00000000-0000-4000-8000-0000000be001', 'authenticated', 'payment.charge', 'transaction', t.tx_no,
       jsonb_build_object('tx_type', 'payment', 'card_id', t.card_id, 'merchant_id', t.merchant_id,
                          'amount', t.final_amount, 'balance_after', c.balance, 'original_tx_id', NULL,
                          'partner_organization_id', NULL, 'points_delta', 1)
  FROM t, c;
COMMIT;
