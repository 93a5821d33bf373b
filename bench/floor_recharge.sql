-- The floor of a recharge (bench/limits.sh): the rows a recharge of 1.00 by the trusted backend
-- with an idempotency key writes, in one plain SQL statement with no checks, in a transaction
-- shaped like the RPC's: the idempotency-registry row, the card update, the recharge row, its
-- tx_registry row and the audit row. Variables: ncards (cards 1..ncards in bench.qr).
\set id random(1, :ncards)
BEGIN;
SELECT set_config('request.jwt.claims', '{"role":"service_role"}', true);
WITH r AS (
  INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id)
  SELECT 'RCG' || to_char(now(), 'YYYYMMDD') || lpad((random() * 1e12)::int8::text, 12, '0'), gen_random_uuid(), now(),
         'recharge', q.card_id FROM bench.qr q WHERE q.id = :id
  ON CONFLICT DO NOTHING RETURNING tx_no, tx_id, card_id),
 k AS (
  INSERT INTO app.idempotency_registry (idempotency_key, fingerprint, tx_id, tx_created_at, scope, scope_id)
  SELECT 'wx-' || gen_random_uuid(), '\x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'::bytea, r.tx_id, now(),
         'platform', '00000000-0000-0000-0000-000000000000' FROM r
  RETURNING idempotency_key),
 c AS (UPDATE app.member_cards c SET balance = c.balance + 1.00, updated_at = now() FROM r WHERE c.id = r.card_id
       RETURNING c.balance),
 t AS (
  INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, points_earned, status,
         payment_method, idempotency_key, actor_role, tag, created_at)
  SELECT r.tx_id, r.tx_no, 'recharge', r.card_id, 1.00, 1.00, 0, 'completed', 'wechat', k.idempotency_key,
         'service_role', '{}', now()
    FROM r, k RETURNING id, tx_no, card_id)
INSERT INTO audit.event_log (actor_user_id, actor_role, action, object_type, object_id, context)
SELECT NULL, 'service_role', 'card.recharge', 'transaction', t.tx_no,
       jsonb_build_object('tx_type', 'recharge', 'card_id', t.card_id, 'merchant_id', NULL, 'amount', 1.00,
                          'balance_after', c.balance, 'original_tx_id', NULL, 'partner_organization_id', NULL)
  FROM t, c;
COMMIT;
