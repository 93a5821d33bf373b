-- Recharge of 1.00 on a random card by the trusted backend (service_role) after it confirmed
-- a wechat payment; the provider's transaction id is the idempotency key (a fresh uuid here).
-- Variables: ncards (cards 1..ncards in bench.qr).
\set id random(1, :ncards)
BEGIN;
SELECT set_config('role', 'service_role', true), set_config('request.jwt.claims', '{"role":"service_role"}', true);
SELECT * FROM app.user_recharge_card((SELECT card_id FROM bench.qr WHERE id = :id), 1.00, 'wechat', NULL, '{}', 'wx-' || gen_random_uuid());
COMMIT;
