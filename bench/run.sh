#!/usr/bin/env bash
# mps benchmark: one throwaway cluster (fsync on), pgbench custom scripts, a table of figures.
#
#   bash bench/run.sh
#
# Measures, on one cluster with the same client counts and duration:
#   - charge by QR (bench/charge.sql) with 100, 10 000 and 100 000 cards holding active QR
#     codes, grown incrementally in the same database (bench/seed.sql, bench.grow);
#   - refund (bench/refund.sql) of 0.01 on a pool of payments, and recharge (bench/recharge.sql);
#   - rotate+charge (bench/rotate_charge.sql): a fresh code and a payment that uses it up;
#   - stock pgbench tpcb-like in a separate database of the same cluster;
# then prints TPS and mean latency per scenario, the ratio charge/tpcb-like, the latency ratio
# largest/smallest card count, whether the targets of the design are met, and the ledger
# checker's verdict. Benchmarks never gate CI on timing: the exit status is non-zero only when a
# run failed or app.verify_ledger() found violations.
#
# Settings (environment):
#   BENCH_SECONDS=15          duration of every pgbench run
#   BENCH_REPEAT=1            runs per point; the median TPS and median latency are reported
#   BENCH_CLIENTS="1 8"       client counts (-c; -j = min(clients, nproc))
#   BENCH_SIZES="100 10000 100000"  cards with an active QR code, ascending
#   BENCH_PAYMENTS=2000       payments in the refund pool (at most the largest size)
#   BENCH_TPCB_SCALE=10       pgbench -i scale of the tpcb-like database
#   BENCH_PROFILE=1           also print pg_stat_statements' top statements (inside the RPCs)
#                             for the charge runs at the largest size (restarts the cluster once
#                             with pg_stat_statements preloaded, before any measurement)
# With the defaults the whole run (build, seeding, 12 pgbench runs) takes about 4 minutes on a
# 2-CPU machine; BENCH_REPEAT=3 about 11 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_SECONDS=${BENCH_SECONDS:-15}
BENCH_REPEAT=${BENCH_REPEAT:-1}
BENCH_CLIENTS=${BENCH_CLIENTS:-"1 8"}
BENCH_SIZES=${BENCH_SIZES:-"100 10000 100000"}
BENCH_PAYMENTS=${BENCH_PAYMENTS:-2000}
BENCH_TPCB_SCALE=${BENCH_TPCB_SCALE:-10}
BENCH_PROFILE=${BENCH_PROFILE:-0}

read -r -a clients <<<"$BENCH_CLIENTS"
read -r -a sizes <<<"$BENCH_SIZES"
smallest=${sizes[0]}
largest=${sizes[${#sizes[@]} - 1]}
max_clients=${clients[0]}
for c in "${clients[@]}"; do [ "$c" -gt "$max_clients" ] && max_clients=$c; done
[ "$BENCH_PAYMENTS" -le "$largest" ] || BENCH_PAYMENTS=$largest
ncpu=$(nproc)

say() { echo "bench: $*" >&2; }

bash scripts/deps.sh
say "building and installing mps"
bash scripts/build.sh

# shellcheck source=scripts/cluster.sh
source scripts/cluster.sh
mps_cluster_start >&2
logs=$(mktemp -d /tmp/mps-bench-logs.XXXXXX)
keep_logs=0
cleanup() {
  mps_cluster_stop
  if [ "$keep_logs" -eq 0 ]; then rm -rf "$logs"; else say "pgbench outputs kept in $logs"; fi
}
trap cleanup EXIT

PGBIN=$MPS_PGBIN
psql_q() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_v() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$@"; }

if [ "$BENCH_PROFILE" = 1 ]; then
  psql_q -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_cron', 'pg_stat_statements'"
  mps_as_owner "$PGBIN/pg_ctl" -D "$MPS_CLUSTER_DIR/data" -l "$MPS_CLUSTER_DIR/server.log" -w -m fast restart >/dev/null
  psql_q -c "ALTER SYSTEM SET pg_stat_statements.track = 'all'" -c 'SELECT pg_reload_conf()' >/dev/null
fi

# ---------------------------------------------------------------------------------------------
# pgbench runs. Results go to res_tps[key] / res_lat[key], key = "scenario|cards|clients".
declare -A res_tps res_lat res_note
keys=()
failed=0

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Before every run: VACUUM (ANALYZE) the measured database, so autovacuum has no backlog from
# the seeding or the previous run to work off during the measurement; wait (at most 120 s) for
# autovacuum workers of any database to finish; CHECKPOINT, so no run starts with the previous
# run's dirty buffers. On a 2-CPU machine an autovacuum of a fresh 100 000-row table during a
# 15 s run halves the TPS of that run.
quiesce() {
  local db=$1 waited=0
  psql_q -d "$db" -c 'VACUUM (ANALYZE)'
  while [ "$(psql_v -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")" != 0 ]; do
    [ $waited -ge 120 ] && break
    sleep 1
    waited=$((waited + 1))
  done
  psql_q -d "$db" -c CHECKPOINT
}

# bench_point <scenario> <cards> <clients> <db> <pgbench args...>
bench_point() {
  local scenario=$1 cards=$2 c=$3 db=$4; shift 4
  local key="$scenario|$cards|$c" j=$((c < ncpu ? c : ncpu)) r out rc tps lat tps_all="" lat_all=""
  keys+=("$key")
  for r in $(seq 1 "$BENCH_REPEAT"); do
    quiesce "$db"
    out="$logs/$(echo "$key" | tr '|' '_')_$r.log"
    rc=0
    "$PGBIN/pgbench" -n -M prepared -c "$c" -j "$j" -T "$BENCH_SECONDS" "$@" "$db" >"$out" 2>&1 || rc=$?
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$out")
    lat=$(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' "$out")
    if [ "$rc" -ne 0 ] || [ -z "$tps" ] || [ -z "$lat" ] || grep -q 'aborted' "$out"; then
      failed=1 keep_logs=1
      res_note[$key]="FAILED (see $out)"
      say "$scenario, $cards cards, $c clients: pgbench FAILED (exit $rc):"
      grep -m 5 -E 'error|ERROR|aborted|fatal' "$out" >&2 || tail -n 5 "$out" >&2
      return 0
    fi
    say "$(printf '%-9s %6s cards %2s clients run %s/%s: %9.1f tps %8.3f ms  (load %s)' \
      "$scenario" "$cards" "$c" "$r" "$BENCH_REPEAT" "$tps" "$lat" "$(cut -d' ' -f1-3 /proc/loadavg)")"
    tps_all+="$tps"$'\n'
    lat_all+="$lat"$'\n'
  done
  res_tps[$key]=$(printf '%s' "$tps_all" | median)
  res_lat[$key]=$(printf '%s' "$lat_all" | median)
}

# BENCH_PROFILE=1: pg_stat_statements (track = all, so the statements the RPCs run through SPI
# are listed too, with toplevel = f) over the runs of one scenario. The quiesce statements are
# left out.
profile=""
profile_reset() {
  [ "$BENCH_PROFILE" = 1 ] || return 0
  psql_q -d mps_bench -c 'SELECT pg_stat_statements_reset()' >/dev/null
}
profile_take() {
  [ "$BENCH_PROFILE" = 1 ] || return 0
  profile+=$'\n'"pg_stat_statements over the $1 runs:"$'\n'
  profile+=$(psql_q -d mps_bench -c "
    SELECT calls, round((total_exec_time / calls)::numeric, 4) AS mean_ms,
           round((100 * total_exec_time / sum(total_exec_time) FILTER (WHERE toplevel) OVER ())::numeric, 1) AS pct,
           toplevel, round((wal_records::numeric / calls), 1) AS wal_recs, left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS query
      FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND query !~* '^(VACUUM|CHECKPOINT|SELECT pg_stat_statements_reset)'
     ORDER BY total_exec_time DESC LIMIT 12")
  profile+=$'\n'
  psql_q -d mps_bench -c 'SELECT pg_stat_statements_reset()' >/dev/null
}

# ---------------------------------------------------------------------------------------------
# Stock pgbench tpcb-like, in its own database, before the mps data exists.
say "pgbench -i -s $BENCH_TPCB_SCALE (tpcb-like database)"
psql_q -c 'CREATE DATABASE bench_tpcb'
"$PGBIN/pgbench" -i -q -s "$BENCH_TPCB_SCALE" bench_tpcb >"$logs/tpcb_init.log" 2>&1 \
  || { cat "$logs/tpcb_init.log" >&2; exit 1; }
for c in "${clients[@]}"; do bench_point tpcb-like - "$c" bench_tpcb; done

# ---------------------------------------------------------------------------------------------
# mps: charge by QR at each card count, grown in place.
psql_q -c 'CREATE DATABASE mps_bench'
psql_q -d mps_bench -c 'CREATE EXTENSION mps'
# The charge scenarios pay many times with each card's code, as 0.1.0 allowed: the codes stay
# usable (mps.qr_reuse_within_ttl). The default path, where a payment uses its code up and the app
# shows a new one, is the rotate+charge scenario at the end.
psql_q -c 'ALTER DATABASE mps_bench SET mps.qr_reuse_within_ttl = on'
[ "$BENCH_PROFILE" = 1 ] && psql_q -d mps_bench -c 'CREATE EXTENSION pg_stat_statements'
psql_q -d mps_bench -f bench/seed.sql >/dev/null
seed_secs=()
for n in "${sizes[@]}"; do
  say "seeding: $n cards with an active QR code"
  t0=$SECONDS
  psql_q -d mps_bench -c "CALL bench.grow($n)"
  seed_secs+=("$n:$((SECONDS - t0))s")
  [ "$n" = "$largest" ] && profile_reset
  for c in "${clients[@]}"; do bench_point charge "$n" "$c" mps_bench -D ncards="$n" -f bench/charge.sql; done
done
profile_take "charge at $largest cards"
# Refund and recharge at the largest card count.
say "seeding: $BENCH_PAYMENTS payments of 100.00 for the refund pool"
psql_q -d mps_bench -c "CALL bench.seed_payments($BENCH_PAYMENTS)"
profile_reset
for c in "${clients[@]}"; do bench_point refund "$largest" "$c" mps_bench -D npay="$BENCH_PAYMENTS" -f bench/refund.sql; done
profile_take "refund"
for c in "${clients[@]}"; do bench_point recharge "$largest" "$c" mps_bench -D ncards="$largest" -f bench/recharge.sql; done
profile_take "recharge"
# Last: it rotates the codes bench.qr holds.
for c in "${clients[@]}"; do bench_point rotate+charge "$largest" "$c" mps_bench -D ncards="$largest" -f bench/rotate_charge.sql; done
profile_take "rotate+charge"

violations=$(psql_v -d mps_bench -c 'SELECT count(*) FROM app.verify_ledger()')
tx_counts=$(psql_v -d mps_bench -F' ' -c "SELECT string_agg(tx_type || '=' || n, ' ' ORDER BY tx_type)
                                          FROM (SELECT tx_type::text, count(*) n FROM app.transactions GROUP BY 1) s")
pg_version=$(psql_v -c 'SHOW server_version')
settings=$(psql_v -c "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings
                      WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'wal_level', 'max_wal_size')")

# ---------------------------------------------------------------------------------------------
# Report.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print ""; else printf "%.2f", a / b }'; }
verdict() { # <value> <op> <limit>
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { if (v == "") print "n/a"; else if ((op == ">=" && v >= l) || (op == "<=" && v <= l)) print "MET"; else print "MISSED" }'
}

echo
echo "=== mps benchmark"
echo "machine:    $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, $(uname -sr)"
echo "postgres:   $pg_version; $settings"
echo "runs:       pgbench -n -M prepared -T $BENCH_SECONDS, -j = min(clients, $ncpu), median of $BENCH_REPEAT run(s) per point;"
echo "            before each run: VACUUM (ANALYZE) of its database, wait for autovacuum, CHECKPOINT"
echo "seeding:    ${seed_secs[*]} (cumulative card counts); refund pool $BENCH_PAYMENTS payments of 100.00"
echo
printf '%-10s %9s %8s %12s %14s  %s\n' scenario cards clients TPS "latency ms" ""
printf '%-10s %9s %8s %12s %14s\n' ---------- --------- -------- ------------ --------------
for key in "${keys[@]}"; do
  IFS='|' read -r scenario cards c <<<"$key"
  if [ -n "${res_note[$key]:-}" ]; then
    printf '%-10s %9s %8s %12s %14s  %s\n' "$scenario" "$cards" "$c" - - "${res_note[$key]}"
  else
    printf '%-10s %9s %8s %12.1f %14.3f\n' "$scenario" "$cards" "$c" "${res_tps[$key]}" "${res_lat[$key]}"
  fi
done
echo

# Target 1: charge TPS at the highest client count >= 0.5 x tpcb-like, at every card count.
tpcb_max=${res_tps["tpcb-like|-|$max_clients"]:-}
worst=""
line=""
for n in "${sizes[@]}"; do
  r=$(ratio "${res_tps["charge|$n|$max_clients"]:-}" "$tpcb_max")
  line+=" $n cards: ${r:-n/a};"
  if [ -n "$r" ]; then
    if [ -z "$worst" ] || awk -v a="$r" -v b="$worst" 'BEGIN { exit !(a < b) }'; then worst=$r; fi
  fi
done
echo "target: charge TPS / tpcb-like TPS at $max_clients clients >= 0.50"
echo "       ${line% ;}"
echo "       -> $(verdict "$worst" '>=' 0.5) (lowest ratio ${worst:-n/a})"

# Target 2: charge latency at the largest card count within 25% of that at the smallest.
worst=""
line=""
for c in "${clients[@]}"; do
  r=$(ratio "${res_lat["charge|$largest|$c"]:-}" "${res_lat["charge|$smallest|$c"]:-}")
  line+=" $c clients: ${r:-n/a};"
  if [ -n "$r" ]; then
    if [ -z "$worst" ] || awk -v a="$r" -v b="$worst" 'BEGIN { exit !(a > b) }'; then worst=$r; fi
  fi
done
echo "target: charge latency at $largest cards / at $smallest cards <= 1.25"
echo "       ${line% ;}"
echo "       -> $(verdict "$worst" '<=' 1.25) (highest ratio ${worst:-n/a})"
echo
echo "transactions written: $tx_counts"
if [ "$violations" = 0 ]; then
  echo "ledger:  SELECT count(*) FROM app.verify_ledger() = 0 (OK)"
else
  echo "ledger:  SELECT count(*) FROM app.verify_ledger() = $violations (VIOLATIONS)"
  psql_q -d mps_bench -c 'SELECT * FROM app.verify_ledger() LIMIT 20'
  failed=1
fi
if [ -n "$profile" ]; then
  echo
  echo "BENCH_PROFILE: statements run by the RPCs have toplevel = f and are part of their RPC's time;"
  echo "pct = share of all top-level execution time (COMMIT's WAL flush is not in it); wal_recs per call."
  echo "$profile"
fi
if [ "$failed" -ne 0 ]; then
  echo "bench: some runs FAILED" >&2
  exit 1
fi
