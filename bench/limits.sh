#!/usr/bin/env bash
# The money path against its limits, before and after, in one run (issue #15):
#
#   bash bench/limits.sh [<commit>]        default commit: 05bda03 (main before issue #15)
#
# One throwaway cluster (fsync on). The earlier commit's build is installed first and its
# database lim_before created and seeded with it; its mps.so is then kept aside as
# $libdir/mps_before.so and lim_before's functions point at it (pg_proc.probin), so both versions
# run side by side on one server without restarts. Then this checkout is installed and lim_after
# seeded alike (bench/seed.sql: BENCH_CARDS cards with a live code, BENCH_PAYMENTS payments for
# the refund pool; codes kept usable, mps.qr_reuse_within_ttl). In each of BENCH_ROUNDS rounds,
# at each client count, alternating the order of the versions: stock tpcb-like (bench_tpcb,
# scale 10); charge, refund, recharge in both versions; and the floors in lim_after
# (bench/floor_*.sql: the same rows through the same tables and indexes, plain SQL in one
# statement, no checks). Per run: TPS, mean latency, WAL records, bytes and full-page images per
# transaction (pg_stat_wal; cluster-wide, so background writes count too). The report gives the
# medians over the rounds, the ratios charge/tpcb-like, charge/floor, latency at 1 client, and
# the targets.
# Then: the bulk load (BENCH_BULK members created through app.create_member_profile in one
# transaction, after the tables were analysed with 10 rows: the rate per BENCH_BULK/10 rows) in
# each version, and bench/first_calls.sql (the first and second call of each money RPC in a
# new backend, and the backend's private memory after every one of them) in each version.
# Settings: BENCH_BEFORE_TREE (see below), BENCH_SECONDS=10 BENCH_ROUNDS=2 BENCH_CLIENTS="1 8" BENCH_CARDS=10000
# BENCH_PAYMENTS=2000 BENCH_BULK=100000 BENCH_BULK_BEFORE=20000 (the old build slows down, so
# it gets fewer rows). About 20 minutes with the defaults on 2 vCPUs. Leaves this checkout's
# build installed. Exit status non-zero only when a run failed or app.verify_ledger() found
# violations afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rev=$(git rev-parse --verify "${1:-05bda03}^{commit}")
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_ROUNDS=${BENCH_ROUNDS:-2}
BENCH_CLIENTS=${BENCH_CLIENTS:-"1 8"}
BENCH_CARDS=${BENCH_CARDS:-10000}
BENCH_PAYMENTS=${BENCH_PAYMENTS:-2000}
BENCH_BULK=${BENCH_BULK:-100000}
BENCH_BULK_BEFORE=${BENCH_BULK_BEFORE:-20000}
read -r -a clients <<<"$BENCH_CLIENTS"
say() { echo "limits: $*" >&2; }
# shellcheck source=bench/lib.sh
source bench/lib.sh

bash scripts/deps.sh
say "building this checkout and $rev"
bash scripts/build.sh
# BENCH_BEFORE_TREE: a directory already holding the earlier commit's tree (kept, built again
# only where stale), to save the build on repeated runs.
if [ -n "${BENCH_BEFORE_TREE:-}" ]; then
  work=$BENCH_BEFORE_TREE keep_work=1
else
  work=$(mktemp -d /tmp/mps-limits.XXXXXX) keep_work=0
  git archive "$rev" | tar -x -C "$work"
fi
make -C "$work" -s -j"$(nproc)" >/dev/null
pkglibdir=$(pg_config --pkglibdir)
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

# shellcheck source=scripts/cluster.sh
source scripts/cluster.sh
mps_cluster_start >&2
cleanup() {
  "${sudo[@]}" make -C "$root" -s install >/dev/null 2>&1 || true
  "${sudo[@]}" rm -f "$pkglibdir/mps_before.so"
  mps_cluster_stop
  [ "$keep_work" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
psql_v() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

seed() { # <db>
  psql_q -c "CREATE DATABASE $1"
  psql_q -d "$1" -c 'CREATE EXTENSION mps' -f bench/seed.sql >/dev/null
  psql_q -c "ALTER DATABASE $1 SET mps.qr_reuse_within_ttl = on"
  psql_q -d "$1" -c "CALL bench.grow($BENCH_CARDS)" -c "CALL bench.seed_payments($BENCH_PAYMENTS)"
}
bulk_db() { # <db>: 10 members, analysed: the tables are tiny in the statistics
  psql_q -c "CREATE DATABASE $1"
  psql_q -d "$1" -c 'CREATE EXTENSION mps' \
    -c "SELECT count(app.create_member_profile('seed ' || i)) FROM generate_series(1, 10) i" -c 'VACUUM ANALYZE' >/dev/null
}
say "before ($rev): install, seed lim_before"
"${sudo[@]}" make -C "$work" -s install >/dev/null
seed lim_before
bulk_db bulk_before
"${sudo[@]}" install -m 755 "$work/mps.so" "$pkglibdir/mps_before.so"
for db in lim_before bulk_before; do
  psql_q -d "$db" -c "UPDATE pg_proc SET probin = '\$libdir/mps_before' WHERE probin = '\$libdir/mps'"
done
say "after ($(git rev-parse --short HEAD)): install, seed lim_after"
"${sudo[@]}" make -C "$root" -s install >/dev/null
mps_cluster_restart
seed lim_after
bulk_db bulk_after
psql_q -c 'CREATE DATABASE bench_tpcb'
pgbench -i -q -s 10 bench_tpcb >/dev/null 2>&1

# One run: "tps latency wal_records/tx wal_bytes/tx fpi/tx".
declare -A R
run() { # <key> <db> <clients> <pgbench args...>
  local key=$1 db=$2 c=$3 out w0 w1 tps lat n; shift 3
  bench_quiesce "$db"
  w0=$(psql_v -c "SELECT wal_records || ' ' || wal_bytes || ' ' || wal_fpi FROM pg_stat_wal")
  out=$(pgbench -n -M prepared -c "$c" -j "$(( c < $(nproc) ? c : $(nproc) ))" -T "$BENCH_SECONDS" "$@" "$db" 2>&1) || true
  w1=$(psql_v -c "SELECT wal_records || ' ' || wal_bytes || ' ' || wal_fpi FROM pg_stat_wal")
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' <<<"$out")
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' <<<"$out")
  n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  if [ -z "$tps" ] || [ -z "$n" ] || grep -q aborted <<<"$out"; then
    say "$key: pgbench FAILED"; echo "$out" | grep -m 5 -E 'error|ERROR|aborted' >&2 || true; failed=1; return 0
  fi
  R[$key]+="$tps $lat $(awk -v a="$w0" -v b="$w1" -v n="$n" 'BEGIN { split(a, x, " "); split(b, y, " ");
    printf "%.2f %.0f %.3f", (y[1] - x[1]) / n, (y[2] - x[2]) / n, (y[3] - x[3]) / n }');"
  say "$(printf '%-22s %8.1f tps %7.3f ms' "$key" "$tps" "$lat")  (load $(cut -d' ' -f1 /proc/loadavg))"
}
failed=0
version_runs() { # <version> <clients>
  local v=$1 c=$2 db=lim_$1
  run "charge|$v|$c" "$db" "$c" -D ncards="$BENCH_CARDS" -f bench/charge.sql
  run "refund|$v|$c" "$db" "$c" -D npay="$BENCH_PAYMENTS" -f bench/refund.sql
  run "recharge|$v|$c" "$db" "$c" -D ncards="$BENCH_CARDS" -f bench/recharge.sql
  if [ "$v" = after ]; then
    run "floor-charge|after|$c" "$db" "$c" -D ncards="$BENCH_CARDS" -f bench/floor_charge.sql
    run "floor-refund|after|$c" "$db" "$c" -D npay="$BENCH_PAYMENTS" -f bench/floor_refund.sql
    run "floor-recharge|after|$c" "$db" "$c" -D ncards="$BENCH_CARDS" -f bench/floor_recharge.sql
  fi
}
for r in $(seq 1 "$BENCH_ROUNDS"); do
  for c in "${clients[@]}"; do
    run "tpcb-like|-|$c" bench_tpcb "$c"
    if [ $((r % 2)) -eq 1 ]; then version_runs before "$c"; version_runs after "$c"
    else version_runs after "$c"; version_runs before "$c"; fi
  done
done

# Bulk load in one transaction: the rate per tenth.
bulk() { # <db> <rows>
  psql -X -q -d "$1" -v ON_ERROR_STOP=1 2>&1 <<SQL | sed -n 's/.*NOTICE:  //p' | tr '\n' ' '
DO \$\$
DECLARE t0 timestamptz := clock_timestamp(); t1 timestamptz; step int := $2 / 10;
BEGIN
  FOR i IN 1..$2 LOOP
    PERFORM app.create_member_profile('bulk ' || i);
    IF i % step = 0 THEN
      t1 := clock_timestamp();
      RAISE NOTICE '%', round(step / extract(epoch FROM t1 - t0));
      t0 := t1;
    END IF;
  END LOOP;
END \$\$;
SQL
}
say "bulk load: $BENCH_BULK_BEFORE members (before), $BENCH_BULK (after), each in one transaction"
bulk_before_rates=$(bulk bulk_before "$BENCH_BULK_BEFORE")
bulk_after_rates=$(bulk bulk_after "$BENCH_BULK")

# First calls and memory, in a new backend of each version's database.
first_calls() { # <db>
  psql -X -q -d "$1" -v ON_ERROR_STOP=1 -f bench/first_calls.sql 2>&1 | sed -n 's/.*NOTICE:  //p; /^private memory/p'
}
fc_before=$(first_calls lim_before)
fc_after=$(first_calls lim_after)

# ---------------------------------------------------------------------------------------------
med() { # <key> <field 1..5>
  tr ';' '\n' <<<"${R[$1]:-}" | awk -v f="$2" 'NF { print $f }' | bench_median
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN { if (v == "n/a") print "n/a"; else if ((op == ">=" && v >= l) || (op == "<=" && v <= l)) print "MET"; else print "MISSED" }'; }

echo
echo "=== mps limits: before = $rev, after = $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src sql || echo ' + uncommitted changes')"
echo "machine: $(nproc) CPUs, $(free -g | awk '/^Mem:/ { print $2 }') GiB, PostgreSQL $(psql_v -c 'SHOW server_version'), fsync on,"
echo "         $BENCH_CARDS cards with live codes, $BENCH_PAYMENTS payments in the refund pool; $BENCH_SECONDS s per run,"
echo "         $BENCH_ROUNDS rounds alternating the versions; medians of the rounds; WAL per transaction (cluster-wide)"
printf '%-15s %-7s %3s %9s %8s %8s %9s %7s\n' scenario version c TPS "lat ms" "WAL rec" "WAL B" FPI
for c in "${clients[@]}"; do
  for key in "tpcb-like|-" "charge|before" "charge|after" "floor-charge|after" "refund|before" "refund|after" \
             "floor-refund|after" "recharge|before" "recharge|after" "floor-recharge|after"; do
    k="$key|$c"
    [ -n "${R[$k]:-}" ] || continue
    IFS='|' read -r s v <<<"$key"
    printf '%-15s %-7s %3s %9.1f %8.3f %8.2f %9.0f %7.3f\n' "$s" "$v" "$c" "$(med "$k" 1)" "$(med "$k" 2)" "$(med "$k" 3)" "$(med "$k" 4)" "$(med "$k" 5)"
  done
done
echo
cmax=${clients[${#clients[@]} - 1]}
cmin=${clients[0]}
t8=$(med "tpcb-like|-|$cmax" 1)
for v in before after; do
  echo "$v: at $cmax clients charge/tpcb-like $(ratio "$(med "charge|$v|$cmax" 1)" "$t8"), refund/tpcb-like $(ratio "$(med "refund|$v|$cmax" 1)" "$t8"), recharge/tpcb-like $(ratio "$(med "recharge|$v|$cmax" 1)" "$t8");"
  echo "       charge/floor $(ratio "$(med "charge|$v|$cmax" 1)" "$(med "floor-charge|after|$cmax" 1)") at $cmax clients, $(ratio "$(med "charge|$v|$cmin" 1)" "$(med "floor-charge|after|$cmin" 1)") at $cmin;" \
       "latency at $cmin client charge/tpcb-like $(ratio "$(med "charge|$v|$cmin" 2)" "$(med "tpcb-like|-|$cmin" 2)")"
done
ch=$(ratio "$(med "charge|after|$cmax" 1)" "$t8")
cf=$(ratio "$(med "charge|after|$cmax" 1)" "$(med "floor-charge|after|$cmax" 1)")
cl=$(ratio "$(med "charge|after|$cmin" 2)" "$(med "tpcb-like|-|$cmin" 2)")
rf=$(ratio "$(med "refund|after|$cmax" 1)" "$t8")
rc=$(ratio "$(med "recharge|after|$cmax" 1)" "$t8")
echo "targets (after):"
echo "  charge/tpcb-like at $cmax clients >= 0.80: $ch $(verdict "$ch" '>=' 0.8)"
echo "  charge/floor at $cmax clients >= 0.90: $cf $(verdict "$cf" '>=' 0.9)"
echo "  charge latency / tpcb-like latency at $cmin client <= 1.30: $cl $(verdict "$cl" '<=' 1.3)"
echo "  refund/tpcb-like, recharge/tpcb-like at $cmax clients >= 0.80: $rf $(verdict "$rf" '>=' 0.8), $rc $(verdict "$rc" '>=' 0.8)"
echo
echo "bulk load in one transaction, members/s per tenth:"
echo "  before ($BENCH_BULK_BEFORE rows): $bulk_before_rates"
echo "  after  ($BENCH_BULK rows): $bulk_after_rates"
echo
echo "first calls in a new backend (ms: first, second) and private memory (bench/first_calls.sql):"
echo "before:"; sed 's/^/  /' <<<"$fc_before"
echo "after:"; sed 's/^/  /' <<<"$fc_after"
echo
for v in before after; do
  n=$(psql_v -d "lim_$v" -c 'SELECT count(*) FROM app.verify_ledger()')
  echo "ledger ($v): $n violations"
  [ "$n" = 0 ] || failed=1
done
[ "$failed" -eq 0 ] || { say "some runs FAILED"; exit 1; }
