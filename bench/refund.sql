-- Partial refund (0.01) of a random payment of the pool (payments of 100.00, each refundable
-- many times), by the merchant's cashier through PostgREST.
-- Variables: npay (payments 1..npay in bench.pay).
\set id random(1, :npay)
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-0000000be001","role":"authenticated"}', true);
SELECT * FROM app.merchant_refund_tx('BENCH', (SELECT tx_no FROM bench.pay WHERE id = :id), 0.01);
COMMIT;
