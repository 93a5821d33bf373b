-- A charge refused for its amount (INSUFFICIENT_BALANCE, after the card is locked), as the
-- merchant's cashier calls it through PostgREST; bench.refused_charge (bench/failure_log_seed.sql)
-- catches the error so that pgbench goes on. Variables: ncards.
\set id random(1, :ncards)
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-0000000be001","role":"authenticated"}', true);
SELECT bench.refused_charge(:id);
COMMIT;
