-- bench/limits.sh: in a new backend of a seeded bench database (superuser = platform admin),
-- the first and the second call of each RPC of the money path and of the common reads (the
-- first one loads mps.so and prepares the RPC's statements), then the backend's private memory
-- (RssAnon of /proc/self/status, and the memory contexts' total) against what it was before
-- the first call, both measured outside the calls' transaction. Prints NOTICE lines.
SELECT (regexp_match(pg_read_file('/proc/self/status'), 'RssAnon:\s+(\d+) kB'))[1]::bigint AS rss0,
       (SELECT sum(total_bytes)::bigint / 1024 FROM pg_backend_memory_contexts) AS ctx0 \gset
DO $$
DECLARE
  t timestamptz; a numeric; b numeric;
  v_qr text; v_card uuid; v_card2 uuid; v_tx text; v_member uuid;
BEGIN
  SELECT qr, card_id INTO v_qr, v_card FROM bench.qr WHERE id = 1;
  SELECT card_id INTO v_card2 FROM bench.qr WHERE id = 2;
  SELECT tx_no INTO v_tx FROM bench.pay WHERE id = 1;
  SELECT owner_member_id INTO v_member FROM app.member_cards WHERE id = v_card;
  -- each: first call, second call (ms)
  t := clock_timestamp(); PERFORM * FROM app.merchant_charge_by_qr('BENCH', v_qr, 1.00); a := 1000 * extract(epoch FROM clock_timestamp() - t);
  t := clock_timestamp(); PERFORM * FROM app.merchant_charge_by_qr('BENCH', v_qr, 1.00); b := 1000 * extract(epoch FROM clock_timestamp() - t);
  RAISE NOTICE '%', rpad('merchant_charge_by_qr', 26) || lpad(round(a, 3)::text, 9) || lpad(round(b, 3)::text, 9);
  t := clock_timestamp(); PERFORM * FROM app.merchant_refund_tx('BENCH', v_tx, 0.01); a := 1000 * extract(epoch FROM clock_timestamp() - t);
  t := clock_timestamp(); PERFORM * FROM app.merchant_refund_tx('BENCH', v_tx, 0.01); b := 1000 * extract(epoch FROM clock_timestamp() - t);
  RAISE NOTICE '%', rpad('merchant_refund_tx', 26) || lpad(round(a, 3)::text, 9) || lpad(round(b, 3)::text, 9);
  t := clock_timestamp(); PERFORM * FROM app.user_recharge_card(v_card, 1.00, 'wechat', NULL, '{}', 'fc-' || gen_random_uuid()); a := 1000 * extract(epoch FROM clock_timestamp() - t);
  t := clock_timestamp(); PERFORM * FROM app.user_recharge_card(v_card, 1.00, 'wechat', NULL, '{}', 'fc-' || gen_random_uuid()); b := 1000 * extract(epoch FROM clock_timestamp() - t);
  RAISE NOTICE '%', rpad('user_recharge_card', 26) || lpad(round(a, 3)::text, 9) || lpad(round(b, 3)::text, 9);
  t := clock_timestamp(); PERFORM * FROM app.rotate_card_qr(v_card2, NULL, 86400); a := 1000 * extract(epoch FROM clock_timestamp() - t);
  t := clock_timestamp(); PERFORM * FROM app.rotate_card_qr(v_card2, NULL, 86400); b := 1000 * extract(epoch FROM clock_timestamp() - t);
  RAISE NOTICE '%', rpad('rotate_card_qr', 26) || lpad(round(a, 3)::text, 9) || lpad(round(b, 3)::text, 9);
  t := clock_timestamp(); PERFORM app.validate_qr_plain(v_qr); a := 1000 * extract(epoch FROM clock_timestamp() - t);
  t := clock_timestamp(); PERFORM app.validate_qr_plain(v_qr); b := 1000 * extract(epoch FROM clock_timestamp() - t);
  RAISE NOTICE '%', rpad('validate_qr_plain', 26) || lpad(round(a, 3)::text, 9) || lpad(round(b, 3)::text, 9);
  t := clock_timestamp(); PERFORM app.create_member_profile('first call a'); a := 1000 * extract(epoch FROM clock_timestamp() - t);
  t := clock_timestamp(); PERFORM app.create_member_profile('first call b'); b := 1000 * extract(epoch FROM clock_timestamp() - t);
  RAISE NOTICE '%', rpad('create_member_profile', 26) || lpad(round(a, 3)::text, 9) || lpad(round(b, 3)::text, 9);
  t := clock_timestamp(); PERFORM * FROM app.update_points_and_level(v_card, 10, 'first call'); a := 1000 * extract(epoch FROM clock_timestamp() - t);
  t := clock_timestamp(); PERFORM * FROM app.update_points_and_level(v_card, 10, 'first call'); b := 1000 * extract(epoch FROM clock_timestamp() - t);
  RAISE NOTICE '%', rpad('update_points_and_level', 26) || lpad(round(a, 3)::text, 9) || lpad(round(b, 3)::text, 9);
  t := clock_timestamp(); PERFORM * FROM app.get_member_cards(v_member); a := 1000 * extract(epoch FROM clock_timestamp() - t);
  t := clock_timestamp(); PERFORM * FROM app.get_member_cards(v_member); b := 1000 * extract(epoch FROM clock_timestamp() - t);
  RAISE NOTICE '%', rpad('get_member_cards', 26) || lpad(round(a, 3)::text, 9) || lpad(round(b, 3)::text, 9);
  t := clock_timestamp(); PERFORM * FROM app.get_member_transactions(v_card, p_member_id => v_member); a := 1000 * extract(epoch FROM clock_timestamp() - t);
  t := clock_timestamp(); PERFORM * FROM app.get_member_transactions(v_card, p_member_id => v_member); b := 1000 * extract(epoch FROM clock_timestamp() - t);
  RAISE NOTICE '%', rpad('get_member_transactions', 26) || lpad(round(a, 3)::text, 9) || lpad(round(b, 3)::text, 9);
  t := clock_timestamp(); PERFORM * FROM app.get_merchant_transactions('BENCH'); a := 1000 * extract(epoch FROM clock_timestamp() - t);
  t := clock_timestamp(); PERFORM * FROM app.get_merchant_transactions('BENCH'); b := 1000 * extract(epoch FROM clock_timestamp() - t);
  RAISE NOTICE '%', rpad('get_merchant_transactions', 26) || lpad(round(a, 3)::text, 9) || lpad(round(b, 3)::text, 9);
  t := clock_timestamp(); PERFORM * FROM app.get_transaction_detail(v_tx); a := 1000 * extract(epoch FROM clock_timestamp() - t);
  t := clock_timestamp(); PERFORM * FROM app.get_transaction_detail(v_tx); b := 1000 * extract(epoch FROM clock_timestamp() - t);
  RAISE NOTICE '%', rpad('get_transaction_detail', 26) || lpad(round(a, 3)::text, 9) || lpad(round(b, 3)::text, 9);
  t := clock_timestamp(); PERFORM * FROM app.get_point_ledger(v_card); a := 1000 * extract(epoch FROM clock_timestamp() - t);
  t := clock_timestamp(); PERFORM * FROM app.get_point_ledger(v_card); b := 1000 * extract(epoch FROM clock_timestamp() - t);
  RAISE NOTICE '%', rpad('get_point_ledger', 26) || lpad(round(a, 3)::text, 9) || lpad(round(b, 3)::text, 9);
END $$;
SELECT (regexp_match(pg_read_file('/proc/self/status'), 'RssAnon:\s+(\d+) kB'))[1]::bigint AS rss1,
       (SELECT sum(total_bytes)::bigint / 1024 FROM pg_backend_memory_contexts) AS ctx1 \gset
SELECT :rss1 - :rss0 AS rss_growth, :ctx1 - :ctx0 AS ctx_growth \gset
\echo private memory after every call once: RssAnon :rss0 kB -> :rss1 kB (+:rss_growth kB); memory contexts :ctx0 kB -> :ctx1 kB (+:ctx_growth kB)
