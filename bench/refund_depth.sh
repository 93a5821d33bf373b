#!/usr/bin/env bash
# A refund's cost against the payment's number of earlier refunds (issue #15 item 3): on one
# throwaway cluster (fsync on), one payment with no earlier refund ("shallow") and one with
# BENCH_DEPTH (100 000) earlier partial refunds ("deep", written set-based with their registry
# rows and running totals), each refunded 0.01 at a time by the cashier through PostgREST's
# transaction shape, BENCH_ROUNDS alternating rounds at 1 client; prints
# median latency and TPS and the ratio deep / shallow. Then the statement that finds what is left
# to refund, before (0.2.0-dev up to issue #15: the sum of every earlier refund) and after (the
# largest running total, one index lookup per partition), timed in the same database.
#   bash bench/refund_depth.sh     (BENCH_DEPTH=100000 BENCH_ROUNDS=3 BENCH_SECONDS=10)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_DEPTH=${BENCH_DEPTH:-100000}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_SECONDS=${BENCH_SECONDS:-10}
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_setup
psql_q -c 'CREATE DATABASE mps_bench'
psql_q -d mps_bench -c 'CREATE EXTENSION mps'
psql_q -c 'ALTER DATABASE mps_bench SET mps.qr_reuse_within_ttl = on'
psql_q -d mps_bench -f bench/seed.sql >/dev/null
psql_q -d mps_bench -c 'CALL bench.grow(10)'
# Two payments of 5000.00 (cards 1 and 2), as the RPC writes them; the deep one then gets its
# earlier refunds of 0.01 each, as rows the RPC would have written (no audit rows: the checker
# does not need them), and the card the money they returned.
deep=$(psql -X -At -v ON_ERROR_STOP=1 -d mps_bench -c \
  "SELECT tx_no FROM app.merchant_charge_by_qr('BENCH', (SELECT qr FROM bench.qr WHERE id = 1), 5000.00)")
shallow=$(psql -X -At -v ON_ERROR_STOP=1 -d mps_bench -c \
  "SELECT tx_no FROM app.merchant_charge_by_qr('BENCH', (SELECT qr FROM bench.qr WHERE id = 2), 5000.00)")
start=$(date +%s)
psql_q -d mps_bench -v deep="$deep" -v n="$BENCH_DEPTH" <<'SQL'
BEGIN;
CREATE TEMP TABLE earlier ON COMMIT DROP AS
SELECT gen_random_uuid() AS id, 'REF' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD') || lpad(g::text, 12, '0') AS tx_no,
       g, p.id AS payment_id, p.card_id, p.merchant_id
  FROM app.transactions p, generate_series(1, :n) g
 WHERE p.tx_no = :'deep';
INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id, merchant_id)
SELECT tx_no, id, now(), 'refund', card_id, merchant_id FROM earlier;
INSERT INTO app.transactions (id, tx_no, tx_type, card_id, merchant_id, raw_amount, final_amount, status,
                              original_tx_id, actor_role, created_at, refunded_after)
SELECT id, tx_no, 'refund', card_id, merchant_id, 0.01, 0.01, 'completed', payment_id, 'postgres', now(), g * 0.01
  FROM earlier;
UPDATE app.member_cards c SET balance = c.balance + :n * 0.01 FROM (SELECT DISTINCT card_id FROM earlier) e WHERE c.id = e.card_id;
COMMIT;
SQL
echo "=== $BENCH_DEPTH earlier refunds written in $(( $(date +%s) - start )) s" >&2
psql_q -d mps_bench -c "INSERT INTO bench.pay VALUES (1, '$shallow'), (2, '$deep')" -c 'ANALYZE'

cat >"$MPS_CLUSTER_DIR/refund_one.sql" <<'SQL'
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-0000000be001","role":"authenticated"}', true);
SELECT * FROM app.merchant_refund_tx('BENCH', (SELECT tx_no FROM bench.pay WHERE id = :id), 0.01);
COMMIT;
SQL
chmod 644 "$MPS_CLUSTER_DIR/refund_one.sql"

# One pgbench run at 1 client; prints "tps latency_ms".
run_one() { # <bench.pay id>
  local out
  bench_quiesce mps_bench
  out=$(pgbench -n -M prepared -c 1 -j 1 -T "$BENCH_SECONDS" -D id="$1" -f "$MPS_CLUSTER_DIR/refund_one.sql" mps_bench 2>&1) \
    || { echo "$out" >&2; return 1; }
  grep -q aborted <<<"$out" && { echo "$out" >&2; return 1; }
  echo "$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' <<<"$out") $(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' <<<"$out")"
}
declare -A tps lat
ratios=""
for r in $(seq 1 "$BENCH_ROUNDS"); do
  for kind in shallow deep; do
    id=1; [ "$kind" = deep ] && id=2
    read -r t l <<<"$(run_one "$id")"
    tps[$kind]+="$t "; lat[$kind]+="$l "
  done
  read -r -a s <<<"${lat[shallow]}"; read -r -a d <<<"${lat[deep]}"
  ratios+="$(awk -v a="${d[-1]}" -v b="${s[-1]}" 'BEGIN { printf "%.3f", a / b }') "
done
earlier_at_end=$(psql -X -At -d mps_bench -c \
  "SELECT count(*) FILTER (WHERE p.tx_no = '$deep'), count(*) FILTER (WHERE p.tx_no = '$shallow')
     FROM app.transactions r JOIN app.transactions p ON p.id = r.original_tx_id")

# The remainder's statement itself, 200 times each on the deep payment: the sum of every earlier
# refund (before) and the largest running total (after).
timings=$(psql -X -At -v ON_ERROR_STOP=1 -d mps_bench -v deep="$deep" 2>&1 <<'SQL' | sed -n 's/^NOTICE:  //p'
SET bench.deep = :'deep';
DO $$
DECLARE
  pid uuid := (SELECT tx_id FROM app.tx_registry WHERE tx_no = current_setting('bench.deep'));
  cid uuid := (SELECT card_id FROM app.tx_registry WHERE tx_no = current_setting('bench.deep'));
  t0 timestamptz; before_ms float8; after_ms float8; a numeric; b numeric;
BEGIN
  t0 := clock_timestamp();
  FOR i IN 1 .. 200 LOOP
    SELECT COALESCE(sum(r.final_amount), 0) INTO a FROM app.transactions r
     WHERE r.original_tx_id = pid AND r.tx_type = 'refund' AND r.status = 'completed';
  END LOOP;
  before_ms := extract(epoch FROM clock_timestamp() - t0) * 1000 / 200;
  t0 := clock_timestamp();
  FOR i IN 1 .. 200 LOOP
    SELECT COALESCE(max(r.refunded_after), 0) INTO b FROM app.transactions r WHERE r.original_tx_id = pid AND r.card_id = cid;
  END LOOP;
  after_ms := extract(epoch FROM clock_timestamp() - t0) * 1000 / 200;
  IF a <> b THEN RAISE EXCEPTION 'sum % and running total % differ', a, b; END IF;
  RAISE NOTICE '% % %', round(before_ms::numeric, 3), round(after_ms::numeric, 4), a;
END
$$;
SQL
)
violations=$(psql -X -At -d mps_bench -c 'SELECT count(*) FROM app.verify_ledger()')

echo "=== refund latency by earlier refunds of the payment (1 client, $BENCH_SECONDS s, $BENCH_ROUNDS rounds, fsync on)"
printf '%-34s %s\n' "shallow (0 earlier at start) ms:" "${lat[shallow]} median $(bench_median <<<"${lat[shallow]}")"
printf '%-34s %s\n' "deep ($BENCH_DEPTH earlier at start) ms:" "${lat[deep]} median $(bench_median <<<"${lat[deep]}")"
printf '%-34s %s\n' "shallow TPS:" "${tps[shallow]} median $(bench_median <<<"${tps[shallow]}")"
printf '%-34s %s\n' "deep TPS:" "${tps[deep]} median $(bench_median <<<"${tps[deep]}")"
printf '%-34s %s\n' "latency deep / shallow per round:" "$ratios median $(bench_median <<<"$ratios") (target <= 1.25)"
echo "earlier refunds at the end (deep|shallow): $earlier_at_end"
echo "remainder statement on the deep payment (ms per call, before: sum / after: running total / refunded): $timings"
echo "ledger: SELECT count(*) FROM app.verify_ledger() = $violations"
[ "$violations" = 0 ]
