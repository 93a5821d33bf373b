-- The floor of a refund (bench/limits.sh): the rows a refund of 0.01 writes (no points are
-- clawed back for 0.01 of a 100.00 payment), in one plain SQL statement with no checks, in a
-- transaction shaped like the RPC's: the card update, the refund row, its tx_registry row and
-- the audit row. The refund row carries the payment's new refunded total (refunded_after),
-- read from the latest refund, so the card is locked first, as the RPC does: in the writing
-- statement itself the read would not see a refund committed while it waited for the card.
-- Variables: npay (payments 1..npay in bench.pay).
\set id random(1, :npay)
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-0000000be001","role":"authenticated"}', true);
SELECT 1 FROM bench.pay b JOIN app.tx_registry g ON g.tx_no = b.tx_no JOIN app.member_cards c ON c.id = g.card_id
 WHERE b.id = :id FOR UPDATE OF c;
WITH o AS (SELECT g.tx_id, g.card_id, g.merchant_id FROM bench.pay b JOIN app.tx_registry g ON g.tx_no = b.tx_no WHERE b.id = :id),
 r AS (
  INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id, merchant_id)
  SELECT 'REF' || to_char(now(), 'YYYYMMDD') || lpad((random() * 1e12)::int8::text, 12, '0'), gen_random_uuid(), now(),
         'refund', o.card_id, o.merchant_id FROM o
  ON CONFLICT DO NOTHING RETURNING tx_no, tx_id, card_id, merchant_id),
 c AS (UPDATE app.member_cards c SET balance = c.balance + 0.01, updated_at = now() FROM r WHERE c.id = r.card_id
       RETURNING c.balance),
 t AS (
  INSERT INTO app.transactions (id, tx_no, tx_type, card_id, merchant_id, raw_amount, final_amount, points_earned, status,
         original_tx_id, actor_user_id, actor_role, tag, created_at, refunded_after)
  SELECT r.tx_id, r.tx_no, 'refund', r.card_id, r.merchant_id, 0.01, 0.01, 0, 'completed', o.tx_id,
         '00000000-0000-4000-8000-0000000be001', 'authenticated', '{}', now(),
         (SELECT COALESCE(max(x.refunded_after), 0) FROM app.transactions x
           WHERE x.original_tx_id = o.tx_id AND x.card_id = o.card_id) + 0.01
    FROM r, o RETURNING id, tx_no, card_id, merchant_id, original_tx_id)
INSERT INTO audit.event_log (actor_user_id, actor_role, action, object_type, object_id, context)
SELECT '00000000-0000-4000-8000-0000000be001', 'authenticated', 'payment.refund', 'transaction', t.tx_no,
       jsonb_build_object('tx_type', 'refund', 'card_id', t.card_id, 'merchant_id', t.merchant_id, 'amount', 0.01,
                          'balance_after', c.balance, 'original_tx_id', t.original_tx_id, 'partner_organization_id', NULL)
  FROM t, c;
COMMIT;
