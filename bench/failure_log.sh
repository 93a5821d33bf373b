#!/usr/bin/env bash
# What the failure log costs (issue #11; src/pg/failure_log.hpp): charge TPS on one throwaway
# cluster (fsync on) without mps in shared_preload_libraries and with it (the writer serving the
# bench database), alternating round after round with a restart in between, in two mixes:
#   charge  bench/charge.sql only: every charge succeeds (the entry guard's bookkeeping);
#   mixed   bench/charge.sql and bench/charge_refused.sql, BENCH_REFUSED_PCT % of the
#           transactions refused (INSUFFICIENT_BALANCE after the card lock): the queue and the
#           writer at work.
# It prints the median TPS per setting and mix, the ratio preloaded / not preloaded per round and
# its median, and what the writer did in the preloaded mixed runs (enqueued, written, dropped).
#
#   bash bench/failure_log.sh
#
# Settings (environment): BENCH_SECONDS=15 per run, BENCH_ROUNDS=3, BENCH_CARDS=10000 cards with
# a live QR code, BENCH_CLIENTS=8, BENCH_REFUSED_PCT=10. With the defaults about 6 minutes.
# Reuses bench/seed.sql (bench.grow), bench/charge.sql, bench/lib.sh and scripts/cluster.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_SECONDS=${BENCH_SECONDS:-15}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_CARDS=${BENCH_CARDS:-10000}
BENCH_CLIENTS=${BENCH_CLIENTS:-8}
BENCH_REFUSED_PCT=${BENCH_REFUSED_PCT:-10}
say() { echo "failure_log: $*" >&2; }

say "building and installing mps"
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_setup
psql_v() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }

# The two settings differ only in an included file, rewritten before each restart: the failure
# log's settings must not be in the configuration when mps is not preloaded (they would not exist).
conf=$MPS_CLUSTER_DIR/data/failure_log_bench.conf
echo "include_if_exists = 'failure_log_bench.conf'" | mps_as_owner tee -a "$MPS_CLUSTER_DIR/data/postgresql.conf" >/dev/null
use() { # off | on
  if [ "$1" = on ]; then
    printf '%s\n' "shared_preload_libraries = 'pg_cron,mps'" "mps.failure_log_database = 'mps_bench'"
  fi | mps_as_owner tee "$conf" >/dev/null
  mps_cluster_restart
  local want="mps is not in shared_preload_libraries" got
  [ "$1" = on ] && want=collecting
  for _ in $(seq 1 30); do
    got=$(psql_v -d mps_bench -c "SELECT COALESCE(reason, 'collecting') FROM app.failure_log_status()")
    [ "$got" = "$want" ] && return 0
    sleep 1
  done
  say "after the restart failure_log_status says '$got', expected '$want'"
  return 1
}

psql_q -c 'CREATE DATABASE mps_bench'
psql_q -d mps_bench -c 'CREATE EXTENSION mps'
# bench/charge.sql pays many times with each card's code (as bench/run.sh's charge scenarios).
psql_q -c 'ALTER DATABASE mps_bench SET mps.qr_reuse_within_ttl = on'
psql_q -d mps_bench -f bench/seed.sql -f bench/failure_log_seed.sql >/dev/null
say "seeding $BENCH_CARDS cards with a live QR code"
psql_q -d mps_bench -c "CALL bench.grow($BENCH_CARDS)"
refused=$(psql_v -d mps_bench -c "SELECT bench.refused_charge(1)")
[ "$refused" = INSUFFICIENT_BALANCE ] || { say "the refused charge answers '$refused'"; exit 1; }

declare -A tps
writer=""
charge=(-D ncards="$BENCH_CARDS" -f bench/charge.sql)
mixed=(-D ncards="$BENCH_CARDS" -f "bench/charge.sql@$((100 - BENCH_REFUSED_PCT))" -f "bench/charge_refused.sql@$BENCH_REFUSED_PCT")
measure() { # <off|on> <round>
  use "$1"
  local c m before after
  c=$(bench_tps mps_bench "$BENCH_CLIENTS" "$BENCH_SECONDS" "${charge[@]}")
  before=$(psql_v -F' ' -d mps_bench -c 'SELECT enqueued, written, dropped FROM app.failure_log_status()')
  m=$(bench_tps mps_bench "$BENCH_CLIENTS" "$BENCH_SECONDS" "${mixed[@]}")
  if [ "$1" = on ]; then
    # The writer has a second to catch up before the counters are read.
    sleep 1
    after=$(psql_v -F' ' -d mps_bench -c 'SELECT enqueued, written, dropped, queued FROM app.failure_log_status()')
    read -r e0 w0 d0 <<<"$before"
    read -r e1 w1 d1 q1 <<<"$after"
    writer+="  round $2: enqueued $((e1 - e0)), written $((w1 - w0)), dropped $((d1 - d0)), still queued $q1"$'\n'
  fi
  tps[charge|$1]+="$c "
  tps[mixed|$1]+="$m "
  say "round $2, mps preloaded $1: charge $c TPS, mixed ($BENCH_REFUSED_PCT % refused) $m TPS"
}
for r in $(seq 1 "$BENCH_ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then measure off "$r"; measure on "$r"; else measure on "$r"; measure off "$r"; fi
done

echo
echo "=== the failure log's cost: charge TPS, mps not preloaded (off) / preloaded (on)"
echo "machine:  $(nproc) CPUs, $(psql_v -c 'SHOW server_version'), fsync on; $BENCH_CLIENTS clients, $BENCH_SECONDS s per run,"
echo "          $BENCH_ROUNDS rounds alternating off/on (restart between), $BENCH_CARDS cards; medians of the rounds"
printf '%-8s %12s %12s %10s   %s\n' mix "off TPS" "on TPS" "on/off" "on/off per round"
for mix in charge mixed; do
  read -r -a off_all <<<"${tps[$mix|off]}"
  read -r -a on_all <<<"${tps[$mix|on]}"
  paired=""
  for i in "${!off_all[@]}"; do paired+="$(awk -v a="${on_all[$i]}" -v b="${off_all[$i]}" 'BEGIN { printf "%.3f", a / b }') "; done
  printf '%-8s %12s %12s %10s   %s\n' "$mix" "$(bench_median <<<"${tps[$mix|off]}")" "$(bench_median <<<"${tps[$mix|on]}")" \
    "$(bench_median <<<"$paired")" "$paired"
done
echo "(mixed: $BENCH_REFUSED_PCT % of the transactions are charges refused with INSUFFICIENT_BALANCE)"
echo "the writer in the preloaded mixed runs:"
printf '%s' "$writer"
echo "PAYMENT_FAILED rows written: $(psql_v -d mps_bench -c "SELECT count(*) FROM audit.event_log WHERE action = 'PAYMENT_FAILED'")"
echo "ledger: $(psql_v -d mps_bench -c 'SELECT count(*) FROM app.verify_ledger()') violations"
