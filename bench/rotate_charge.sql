-- The default path of a payment: the member's app shows a fresh QR code (rotated here by the
-- trusted backend, for a random card) and the cashier charges 1.00 with it, which uses the code
-- up (mps.qr_reuse_within_ttl off for this transaction) — two RPCs, one transaction.
-- Variables: ncards (cards 1..ncards in bench.qr).
\set id random(1, :ncards)
BEGIN;
SET LOCAL mps.qr_reuse_within_ttl = off;
SELECT set_config('role', 'service_role', true), set_config('request.jwt.claims', '{"role":"service_role"}', true);
SELECT qr_plain AS fresh_qr FROM app.rotate_card_qr((SELECT card_id FROM bench.qr WHERE id = :id), NULL, 900) \gset
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-0000000be001","role":"authenticated"}', true);
SELECT * FROM app.merchant_charge_by_qr('BENCH', :fresh_qr, 1.00);
COMMIT;
