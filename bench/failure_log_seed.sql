-- bench/failure_log.sh, after bench/seed.sql: a charge that is refused, with its error caught so
-- that a pgbench client survives it. The amount is above any seeded balance, so the charge fails
-- with INSUFFICIENT_BALANCE once it has read and locked the card: a refusal as costly as it gets.
CREATE FUNCTION bench.refused_charge(p_id int) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM app.merchant_charge_by_qr('BENCH', (SELECT qr FROM bench.qr WHERE id = p_id), 9999999.00);
  RETURN 'ACCEPTED';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLERRM;
END
$$;
