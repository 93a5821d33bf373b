-- Charge by QR as the merchant's cashier calls it through PostgREST: one transaction that
-- switches to the JWT role and claims, then the RPC with the QR of a random card.
-- Variables: ncards (cards 1..ncards in bench.qr hold an active QR code).
\set id random(1, :ncards)
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-0000000be001","role":"authenticated"}', true);
SELECT * FROM app.merchant_charge_by_qr('BENCH', (SELECT qr FROM bench.qr WHERE id = :id), 1.00);
COMMIT;
