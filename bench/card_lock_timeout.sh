#!/usr/bin/env bash
# What the bounded card lock costs a charge (mps.card_lock_timeout, src/pg/waits.cpp): charge TPS
# on one throwaway cluster with the setting 0 (the card lock statement runs as before) and 3 s
# (the default: lock_timeout set for that statement in a GUC nest level of its own), alternating
# round after round; prints both medians and the paired ratios.
#   bash bench/card_lock_timeout.sh      (BENCH_ROUNDS=5, BENCH_SECONDS=12, BENCH_CLIENTS=8)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_ROUNDS=${BENCH_ROUNDS:-5}
BENCH_SECONDS=${BENCH_SECONDS:-12}
BENCH_CLIENTS=${BENCH_CLIENTS:-8}
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_setup
psql_q -c 'CREATE DATABASE mps_bench'
psql_q -d mps_bench -c 'CREATE EXTENSION mps'
# bench/charge.sql pays many times with each card's code (as bench/run.sh's charge scenarios).
psql_q -c 'ALTER DATABASE mps_bench SET mps.qr_reuse_within_ttl = on'
psql_q -d mps_bench -f bench/seed.sql >/dev/null
psql_q -d mps_bench -c 'CALL bench.grow(10000)'
declare -A tps
ratios=""
for r in $(seq 1 "$BENCH_ROUNDS"); do
  for setting in 0 3000; do
    psql_q -c "ALTER DATABASE mps_bench SET mps.card_lock_timeout = $setting"
    tps[$setting]+="$(bench_tps mps_bench "$BENCH_CLIENTS" "$BENCH_SECONDS" -D ncards=10000 -f bench/charge.sql) "
  done
  read -r -a off <<<"${tps[0]}"
  read -r -a on <<<"${tps[3000]}"
  ratios+="$(awk -v a="${on[-1]}" -v b="${off[-1]}" 'BEGIN { printf "%.3f", a / b }') "
done
echo "=== charge TPS by mps.card_lock_timeout ($BENCH_CLIENTS clients, $BENCH_SECONDS s, $BENCH_ROUNDS rounds, fsync on)"
echo "0 (unbounded):  ${tps[0]} median $(bench_median <<<"${tps[0]}")"
echo "3 s (default):  ${tps[3000]} median $(bench_median <<<"${tps[3000]}")"
echo "paired 3 s / 0: $ratios median $(bench_median <<<"$ratios")"
