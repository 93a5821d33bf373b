#!/usr/bin/env bash
# A/B of the money path in one run: this checkout's mps.so against the mps.so of an earlier
# commit, on one throwaway cluster (fsync on), alternating between them round after round, with
# stock pgbench tpcb-like measured in the same round so that the ratio charge/tpcb-like compares
# like with like on a shared, noisy machine.
#
#   bash bench/compare.sh <commit>            e.g. bash bench/compare.sh 8ff8c26
#
# Each version gets its own database, created with that version's install script and seeded
# alike (bench/seed.sql: BENCH_CARDS cards with a live QR code). A round installs one version's
# mps.so, restarts the server, runs tpcb-like and the charge (bench/charge.sql) at BENCH_CLIENTS
# clients for BENCH_SECONDS each, then does the same with the other version; the order flips
# every round. The report gives the median of the rounds per version and the ratios.
# Settings: BENCH_SECONDS=15, BENCH_ROUNDS=3, BENCH_CARDS=10000, BENCH_CLIENTS=8.
# BENCH_CALLGRIND=1 also counts the CPU instructions one charge costs in each version: the
# server is stopped, and a single-user backend runs 200 and then 1200 charges under valgrind's
# callgrind; (Ir(1200) - Ir(200)) / 1000 is the charge's own instruction count, start-up and
# warm-up excluded. Instructions do not depend on the machine's load, so they show small
# differences that TPS on a shared machine cannot (they leave out I/O and lock waits).
# Leaves this checkout's build installed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
[ $# -ge 1 ] || { echo "usage: bash bench/compare.sh <commit>" >&2; exit 2; }
rev=$(git rev-parse --verify "$1^{commit}")
BENCH_SECONDS=${BENCH_SECONDS:-15}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_CARDS=${BENCH_CARDS:-10000}
BENCH_CLIENTS=${BENCH_CLIENTS:-8}
BENCH_CALLGRIND=${BENCH_CALLGRIND:-0}
say() { echo "compare: $*" >&2; }

bash scripts/deps.sh
say "building this checkout and $rev"
bash scripts/build.sh
work=$(mktemp -d /tmp/mps-compare.XXXXXX)
git archive "$rev" | tar -x -C "$work"
make -C "$work" -s -j"$(nproc)" >/dev/null
pkglibdir=$(pg_config --pkglibdir)
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

# shellcheck source=scripts/cluster.sh
source scripts/cluster.sh
mps_cluster_start >&2
cleanup() {
  "${sudo[@]}" make -C "$root" -s install >/dev/null 2>&1 || true
  mps_cluster_stop
  rm -rf "$work"
}
trap cleanup EXIT
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Each version's database, made with its own scripts.
setup() { # <dir> <db>
  "${sudo[@]}" make -C "$1" -s install >/dev/null
  mps_cluster_restart
  psql_q -c "CREATE DATABASE $2"
  psql_q -d "$2" -c 'CREATE EXTENSION mps' -f bench/seed.sql >/dev/null
  psql_q -d "$2" -c "CALL bench.grow($BENCH_CARDS)"
  # bench/charge.sql pays many times with each card's code: versions that use a code up on
  # payment (0.2.0 on) are measured with codes kept usable, the path 0.1.0 always took.
  if [ "$(psql -X -At -d "$2" -c "LOAD 'mps'" -c "SELECT count(*) FROM pg_settings WHERE name = 'mps.qr_reuse_within_ttl'" | tail -1)" = 1 ]; then
    psql_q -c "ALTER DATABASE $2 SET mps.qr_reuse_within_ttl = on"
  fi
  say "$2: mps $(psql -X -At -d "$2" -c "SELECT extversion FROM pg_extension WHERE extname = 'mps'"), $BENCH_CARDS cards seeded"
}
setup "$work" bench_before
setup "$root" bench_after
psql_q -c 'CREATE DATABASE bench_tpcb'
pgbench -i -q -s 10 bench_tpcb >/dev/null 2>&1

quiesce() {
  psql_q -d "$1" -c 'VACUUM (ANALYZE)'
  for _ in $(seq 1 120); do
    [ "$(psql -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")" = 0 ] && break
    sleep 1
  done
  psql_q -d "$1" -c CHECKPOINT
}
# pgbench TPS (without initial connection time) and WAL records per transaction.
run_pgbench() { # <db> <pgbench args...>
  local db=$1 out wal0 wal1 tps n; shift
  quiesce "$db"
  wal0=$(psql -X -At -c "SELECT wal_records FROM pg_stat_wal")
  out=$(pgbench -n -M prepared -c "$BENCH_CLIENTS" -j "$(( BENCH_CLIENTS < $(nproc) ? BENCH_CLIENTS : $(nproc) ))" \
        -T "$BENCH_SECONDS" "$@" "$db" 2>&1)
  wal1=$(psql -X -At -c "SELECT wal_records FROM pg_stat_wal")
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' <<<"$out")
  n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  [ -n "$tps" ] && ! grep -q aborted <<<"$out" || { echo "$out" >&2; return 1; }
  echo "$tps $(awk -v a="$wal0" -v b="$wal1" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / n }')"
}

declare -A tps_charge tps_tpcb wal_charge ratio ledger
measure() { # <label> <dir> <round>
  "${sudo[@]}" install -m 755 "$2/mps.so" "$pkglibdir/mps.so"
  mps_cluster_restart
  local t c
  t=$(run_pgbench bench_tpcb)
  c=$(run_pgbench "bench_$1" -D ncards="$BENCH_CARDS" -f bench/charge.sql)
  tps_tpcb[$1]+="${t%% *} "
  tps_charge[$1]+="${c%% *} "
  wal_charge[$1]+="${c##* } "
  ratio[$1]+="$(awk -v a="${c%% *}" -v b="${t%% *}" 'BEGIN { printf "%.4f", a / b }') "
  # The ledger checked while this version's mps.so is the installed one (its checker knows its
  # own schema; the other version's may not).
  ledger[$1]=$(psql -X -At -d "bench_$1" -c 'SELECT count(*) FROM app.verify_ledger()')
  say "round $3 $1: tpcb-like ${t%% *} TPS, charge ${c%% *} TPS (${c##* } WAL records per charge)"
}
for r in $(seq 1 "$BENCH_ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then measure before "$work" "$r"; measure after "$root" "$r"
  else measure after "$root" "$r"; measure before "$work" "$r"; fi
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "=== mps A/B: before = $rev, after = $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' + uncommitted changes')"
echo "machine: $(nproc) CPUs, $(psql -X -At -c 'SHOW server_version'), fsync on; $BENCH_CLIENTS clients, $BENCH_SECONDS s per run,"
echo "         $BENCH_ROUNDS rounds alternating before/after, $BENCH_CARDS cards with live QR codes; medians of the rounds"
echo "         (charge/tpcb: the median over the rounds of charge TPS / the tpcb-like TPS run just before it)"
printf '%-8s %14s %16s %16s %10s\n' version "charge TPS" "tpcb-like TPS" "charge/tpcb" "WAL/charge"
for v in before after; do
  c=$(median <<<"${tps_charge[$v]}"); t=$(median <<<"${tps_tpcb[$v]}"); w=$(median <<<"${wal_charge[$v]}")
  printf '%-8s %14.1f %16.1f %16.2f %10.1f\n' "$v" "$c" "$t" "$(median <<<"${ratio[$v]}")" "$w"
done
# Paired: each round's after / before (the machine drifts between rounds; within one it is alike).
read -r -a cb_all <<<"${tps_charge[before]}"
read -r -a ca_all <<<"${tps_charge[after]}"
paired=""
for i in "${!cb_all[@]}"; do paired+="$(awk -v a="${ca_all[$i]}" -v b="${cb_all[$i]}" 'BEGIN { printf "%.3f", a / b }') "; done
echo "charge TPS after / before, per round: $paired-> median $(median <<<"$paired")"
for v in before after; do
  echo "ledger ($v, after its last round): ${ledger[$v]:-?} violations"
done

[ "$BENCH_CALLGRIND" = 1 ] || exit 0
# Instructions per charge, each version in a single-user backend under callgrind.
command -v valgrind >/dev/null || { say "valgrind is not installed: no instruction counts"; exit 0; }
charges_script() { # <db> <n> -> a file of n charges on cards 1..n (their codes stay usable)
  local f=$MPS_CLUSTER_DIR/charges_$1_$2.sql
  # Codes stay usable, as in the TPS runs (a version without the setting ignores it).
  { echo "SET mps.qr_reuse_within_ttl = on;"
  for i in $(seq 1 "$2"); do
    echo "BEGIN; SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{\"sub\":\"00000000-0000-4000-8000-0000000be001\",\"role\":\"authenticated\"}', true); SELECT final_amount FROM app.merchant_charge_by_qr('BENCH', (SELECT qr FROM bench.qr WHERE id = $(( (i % BENCH_CARDS) + 1 ))), 1.00); COMMIT;"
  done; } >"$f"
  chmod 644 "$f"
  echo "$f"
}
mps_as_owner "$MPS_PGBIN/pg_ctl" -D "$MPS_CLUSTER_DIR/data" -m fast -w stop >/dev/null
declare -A ir
for v in before after; do
  dir=$work; [ "$v" = after ] && dir=$root
  "${sudo[@]}" install -m 755 "$dir/mps.so" "$pkglibdir/mps.so"
  for n in 200 1200; do
    script=$(charges_script "$v" "$n")
    out=$MPS_CLUSTER_DIR/callgrind_${v}_$n
    mps_as_owner valgrind --tool=callgrind --callgrind-out-file="$out.cg" \
      "$MPS_PGBIN/postgres" --single -D "$MPS_CLUSTER_DIR/data" -c fsync=off "bench_$v" <"$script" >"$out.log" 2>&1 || true
    ir[$v|$n]=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out.log" | tail -1)
    errors=$(grep -c 'ERROR' "$out.log" || true)
    say "callgrind $v, $n charges: ${ir[$v|$n]:-?} instructions, $errors errors"
  done
done
# The same for stock tpcb-like transactions (pgbench's script, random accounts of scale 10), so
# that the charge's CPU can be set against tpcb-like's where TPS on a shared machine cannot.
tpcb_script() { # <n>
  local f=$MPS_CLUSTER_DIR/tpcb_$1.sql
  awk -v n="$1" 'BEGIN { srand(7); for (i = 1; i <= n; i++) {
      a = int(rand() * 1000000) + 1; t = int(rand() * 100) + 1; b = int(rand() * 10) + 1; d = int(rand() * 10001) - 5000
      printf "BEGIN; UPDATE pgbench_accounts SET abalance = abalance + %d WHERE aid = %d; SELECT abalance FROM pgbench_accounts WHERE aid = %d; UPDATE pgbench_tellers SET tbalance = tbalance + %d WHERE tid = %d; UPDATE pgbench_branches SET bbalance = bbalance + %d WHERE bid = %d; INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (%d, %d, %d, %d, CURRENT_TIMESTAMP); END;\n", d, a, a, d, t, d, b, t, b, a, d } }' >"$f"
  chmod 644 "$f"
  echo "$f"
}
for n in 200 1200; do
  out=$MPS_CLUSTER_DIR/callgrind_tpcb_$n
  mps_as_owner valgrind --tool=callgrind --callgrind-out-file="$out.cg" \
    "$MPS_PGBIN/postgres" --single -D "$MPS_CLUSTER_DIR/data" -c fsync=off bench_tpcb <"$(tpcb_script "$n")" >"$out.log" 2>&1 || true
  ir[tpcb|$n]=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out.log" | tail -1)
  say "callgrind tpcb-like, $n transactions: ${ir[tpcb|$n]:-?} instructions, $(grep -c 'ERROR' "$out.log" || true) errors"
done
mps_as_owner "$MPS_PGBIN/pg_ctl" -D "$MPS_CLUSTER_DIR/data" -l "$MPS_CLUSTER_DIR/server.log" -w start >/dev/null
echo
echo "=== instructions per transaction (callgrind, single-user backend, transactions 201..1200)"
echo "tpcb-like: $(awk -v a="${ir[tpcb|1200]}" -v b="${ir[tpcb|200]}" 'BEGIN { printf "%.0f", (a - b) / 1000 }')"
echo "=== instructions per charge (callgrind, single-user backend, charges 201..1200)"
for v in before after; do
  echo "$v: $(awk -v a="${ir[$v|1200]}" -v b="${ir[$v|200]}" 'BEGIN { printf "%.0f", (a - b) / 1000 }')"
done
echo "after / before: $(awk -v a1="${ir[after|1200]}" -v a0="${ir[after|200]}" -v b1="${ir[before|1200]}" -v b0="${ir[before|200]}" \
  'BEGIN { printf "%.3f", (a1 - a0) / (b1 - b0) }')"
echo "charge / tpcb-like (instructions): before $(awk -v a1="${ir[before|1200]}" -v a0="${ir[before|200]}" -v t1="${ir[tpcb|1200]}" -v t0="${ir[tpcb|200]}" \
  'BEGIN { printf "%.2f", (a1 - a0) / (t1 - t0) }'), after $(awk -v a1="${ir[after|1200]}" -v a0="${ir[after|200]}" -v t1="${ir[tpcb|1200]}" -v t0="${ir[tpcb|200]}" \
  'BEGIN { printf "%.2f", (a1 - a0) / (t1 - t0) }')"
