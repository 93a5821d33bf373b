-- pg_temp.move_tx(tx_no, to): a transaction moved back in time, as if it had run then, for the
-- regress tests that cannot wait for a day or a month to pass: the row, its registry rows and
-- its partition (a past month may need one) move together. Included with
-- \i sql/lib/move_tx.sql (pg_regress feeds a test to psql on stdin, from the repository root).
CREATE FUNCTION pg_temp.move_tx(p_tx_no text, p_to timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  id uuid := (SELECT tx_id FROM app.tx_registry WHERE tx_no = p_tx_no);
BEGIN
  PERFORM sec.ensure_transaction_partition((p_to AT TIME ZONE 'UTC')::date);
  UPDATE app.transactions SET created_at = p_to WHERE tx_no = p_tx_no;
  UPDATE app.tx_registry SET created_at = p_to WHERE tx_no = p_tx_no;
  UPDATE app.idempotency_registry SET tx_created_at = p_to WHERE tx_id = id;
  UPDATE app.merchant_order_registry SET tx_created_at = p_to WHERE tx_id = id;
END $$;
