#!/usr/bin/env bash
# Charge-by-QR latency against the number of live QR codes (issue #15 item 3), in one run:
#
#   bash bench/qr_scale.sh     (BENCH_CARDS=1000000 BENCH_ROUNDS=3 BENCH_SECONDS=10: ~9 minutes
#                               on 2 vCPUs, 3 of them seeding)
#
# One throwaway cluster (scripts/cluster.sh, fsync on), one database holding BENCH_CARDS cards,
# each with a balance and a live QR code. Cards 1..100 get theirs through the RPCs (bench.grow of
# bench/seed.sql: app.user_recharge_card, app.rotate_card_qr); cards 101..BENCH_CARDS set-based
# (bench/qr_scale_seed.sql), with the tokens and digests minted by the extension's own C++
# (bench/qr_tokens.cpp links src/core/ids.cpp: new_qr_token, qr_digest = BLAKE2b-256), which
# a charge with a seeded code proves before anything is measured.
#
# The small size is measured in the same database: charges over the codes of cards 1..100 only
# ("100 codes in use"), against charges over all BENCH_CARDS codes. So both sizes run with the
# same tables, indexes, statistics and plans, the same transaction history (BENCH_CARDS recharges)
# and the same 10^6-entry digest index; what differs is what grows with the number of codes
# people pay with: the pages a charge reads and dirties (bench.qr, card_qr_state and its digest
# index, member_cards and its key), spread over 100 rows or over all of them. Two databases
# would also differ in everything else they hold (history, registry, audit sizes), which is not
# what the target is about. (A 100-entry digest index is one level deep, a 10^6-entry one three:
# two more page reads per lookup, in cache.)
#
# Two configurations, each BENCH_ROUNDS rounds alternating the sizes (the order flips every
# round), at each client count of BENCH_CLIENTS ("1 8"; 1 client is the clean figure, at 8 the
# 100-card case also waits for row locks), every run a pgbench run of bench/charge.sql (the
# cashier's charge of 1.00 in PostgREST's transaction shape) after bench_quiesce:
#   fits:   shared_buffers large enough for the whole database (BENCH_FIT_BUFFERS, default: 1.5 x
#           the database + 256 MB, at least 256MB), every relation of it prewarmed (pg_prewarm)
#           after the restart; the target, latency(BENCH_CARDS) / latency(100) <= 1.25, is
#           judged here;
#   small:  shared_buffers = BENCH_SMALL_BUFFERS (32MB) after a restart: the working set does not
#           fit, and a charge reads pages from the OS cache and writes out dirty ones.
# Per run: TPS, mean latency, WAL records, bytes and full-page images per charge (pg_stat_wal
# deltas, cluster-wide, so background writes count too; every run starts right after a
# CHECKPOINT, so the first change of every page in the run is a full-page image), the buffer hit
# ratio of the database (pg_stat_database), buffers written by backends per charge
# (pg_stat_bgwriter: evictions of dirty pages) and the share of HOT card updates
# (pg_stat_user_tables of app.member_cards). The report: medians over the rounds, the latency
# ratio of the medians and the per-round ratios. Never gated on timing: the exit status is
# non-zero only when a pgbench run failed or app.verify_ledger() finds a violation at the end.
# Settings: BENCH_CARDS (1000000), BENCH_ROUNDS (3), BENCH_SECONDS (10), BENCH_CLIENTS ("1 8"),
# BENCH_FIT_BUFFERS (auto), BENCH_SMALL_BUFFERS (32MB). Installs this checkout (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_CARDS=${BENCH_CARDS:-1000000}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_CLIENTS=${BENCH_CLIENTS:-"1 8"}
BENCH_FIT_BUFFERS=${BENCH_FIT_BUFFERS:-auto}
BENCH_SMALL_BUFFERS=${BENCH_SMALL_BUFFERS:-32MB}
small=100
[ "$BENCH_CARDS" -gt "$small" ] || { echo "qr_scale: BENCH_CARDS must be more than $small" >&2; exit 2; }
read -r -a clients <<<"$BENCH_CLIENTS"
say() { echo "qr_scale: $*" >&2; }
started=$SECONDS

bash scripts/deps.sh
say "building and installing mps"
bash scripts/build.sh
tools=$(mktemp -d /tmp/mps-qr-scale.XXXXXX)
"${CXX:-g++}" -std=c++17 -O2 -Wall -Wextra -Isrc -DMPS_PURE_CORE -o "$tools/qr_tokens" bench/qr_tokens.cpp src/core/ids.cpp -lsodium

# shellcheck source=scripts/cluster.sh
source scripts/cluster.sh
# shellcheck source=bench/lib.sh
source bench/lib.sh
export PATH="$MPS_PGBIN:$PATH"
mps_cluster_start >&2
cleanup() { mps_cluster_stop; rm -rf "$tools"; }
trap cleanup EXIT
psql_v() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
db=mps_bench

# ---------------------------------------------------------------------------------------------
# Seeding.
psql_q -c "CREATE DATABASE $db"
psql_q -d "$db" -c 'CREATE EXTENSION mps' -f bench/seed.sql -f bench/qr_scale_seed.sql >/dev/null
# The codes stay usable (as in bench/run.sh's charge scenarios): the charges read the codes,
# they do not rotate them.
psql_q -c "ALTER DATABASE $db SET mps.qr_reuse_within_ttl = on"
t0=$SECONDS
say "seeding: cards 1..$small through the RPCs"
psql_q -d "$db" -c "CALL bench.grow($small)"
t_rpc=$((SECONDS - t0))
say "seeding: cards $((small + 1))..$BENCH_CARDS set-based"
t0=$SECONDS
psql_q -d "$db" -c "INSERT INTO bench.qr_stage (g, member_id, card_id)
                     SELECT g, gen_random_uuid(), gen_random_uuid() FROM generate_series($((small + 1)), $BENCH_CARDS) g"
n=$(psql_v -d "$db" -c "SELECT bench.qr_scale_cards($((small + 1)), $BENCH_CARDS)")
[ "$n" = $((BENCH_CARDS - small)) ] || { say "seeding: $n cards written, $((BENCH_CARDS - small)) expected"; exit 1; }
t_cards=$((SECONDS - t0))
t0=$SECONDS
"$tools/qr_tokens" $((small + 1)) "$BENCH_CARDS" | psql_q -d "$db" -c 'COPY bench.qr_tokens FROM STDIN'
n=$(psql_v -d "$db" -c 'SELECT bench.qr_scale_codes()')
[ "$n" = $((BENCH_CARDS - small)) ] || { say "seeding: $n codes written, $((BENCH_CARDS - small)) expected"; exit 1; }
psql_q -d "$db" -c 'DROP TABLE bench.qr_stage, bench.qr_tokens'
t_codes=$((SECONDS - t0))
t0=$SECONDS
psql_q -d "$db" -c 'VACUUM (ANALYZE)'
t_vacuum=$((SECONDS - t0))
say "seeding took ${t_rpc}s (RPCs) + ${t_cards}s (cards) + ${t_codes}s (codes) + ${t_vacuum}s (VACUUM)"

# A seeded code charges, as the cashier through PostgREST's transaction shape: the last and the
# first set-based card, and an RPC-made one. (3 charges of 1.00; app.verify_ledger() counts them.)
for id in "$BENCH_CARDS" $((small + 1)) 1; do
  tx=$(psql_v -d "$db" <<SQL
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-0000000be001","role":"authenticated"}', true) \\g /dev/null
SELECT tx_no FROM app.merchant_charge_by_qr('BENCH', (SELECT qr FROM bench.qr WHERE id = $id), 1.00);
COMMIT;
SQL
  ) || { say "the code of card $id does not charge"; exit 1; }
  [[ "$tx" == PAY* ]] || { say "the code of card $id did not charge: '$tx'"; exit 1; }
done
say "seeded codes charge (cards $BENCH_CARDS, $((small + 1)), 1)"
live=$(psql_v -d "$db" -c 'SELECT count(*) FROM app.card_qr_state WHERE expires_at > now()')
psql_q -d "$db" -c 'CREATE EXTENSION pg_prewarm'
db_mb=$(psql_v -d "$db" -c "SELECT pg_database_size('$db') / 1048576")
ws=$(psql_v -d "$db" -c "SELECT string_agg(format('%s %s MB', r, pg_total_relation_size(r) / 1048576), ', ' ORDER BY r::text)
                          FROM unnest('{app.member_cards,app.card_qr_state,bench.qr}'::regclass[]) r")
if [ "$BENCH_FIT_BUFFERS" = auto ]; then
  BENCH_FIT_BUFFERS="$(( (db_mb * 3 / 2 + 256 + 127) / 128 * 128 ))MB"
fi

# ---------------------------------------------------------------------------------------------
# One run: R[config|size|clients] += "tps lat wal_rec wal_bytes fpi hit% backend_writes hot%;"
declare -A R
failed=0
card_stats() { psql_v -d "$db" -F' ' -c "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = 'app.member_cards'::regclass"; }
cluster_stats() {
  psql_v -F' ' -c "SELECT w.wal_records, w.wal_bytes, w.wal_fpi, d.blks_hit, d.blks_read, b.buffers_backend
                     FROM pg_stat_wal w, pg_stat_bgwriter b, pg_stat_database d WHERE d.datname = '$db'"
}
run() { # <config> <size> <clients>
  local key="$1|$2|$3" a b out e
  bench_quiesce "$db"
  a="$(cluster_stats) $(card_stats)"
  if ! out=$(bench_pgbench "$db" "$3" "$BENCH_SECONDS" -D ncards="$2" -f bench/charge.sql 2>"$tools/run.err"); then
    say "$key: pgbench FAILED"; grep -m 5 -E 'error|ERROR|aborted' "$tools/run.err" >&2 || tail -n 5 "$tools/run.err" >&2
    failed=1
    return 0
  fi
  b="$(cluster_stats) $(card_stats)"
  e=$(awk -v a="$a" -v b="$b" -v o="$out" 'BEGIN {
    split(a, x, " "); split(b, y, " "); split(o, r, " "); n = r[3]
    hit = y[4] - x[4]; rd = y[5] - x[5]; upd = y[7] - x[7]
    printf "%s %s %.2f %.0f %.3f %.2f %.3f %.1f", r[1], r[2], (y[1] - x[1]) / n, (y[2] - x[2]) / n, (y[3] - x[3]) / n,
      (hit + rd > 0 ? 100 * hit / (hit + rd) : 100), (y[6] - x[6]) / n, (upd > 0 ? 100 * (y[8] - x[8]) / upd : 0) }')
  R[$key]+="$e;"
  say "$(printf '%-5s %8s codes %2s clients: %s' "$1" "$2" "$3" "$e")  (load $(cut -d' ' -f1 /proc/loadavg))"
}
configure() { # <config> <shared_buffers>
  psql_q -c "ALTER SYSTEM SET shared_buffers = '$2'"
  mps_cluster_restart
  say "$1: shared_buffers = $(psql_v -c 'SHOW shared_buffers')"
}
measure() { # <config>
  local r c
  for r in $(seq 1 "$BENCH_ROUNDS"); do
    for c in "${clients[@]}"; do
      if [ $((r % 2)) -eq 1 ]; then run "$1" "$small" "$c"; run "$1" "$BENCH_CARDS" "$c"
      else run "$1" "$BENCH_CARDS" "$c"; run "$1" "$small" "$c"; fi
    done
  done
}

configure fits "$BENCH_FIT_BUFFERS"
t0=$SECONDS
pages=$(psql_v -d "$db" -c "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c
                            WHERE c.relkind IN ('r', 'i', 't', 'm') AND c.relpersistence = 'p' AND pg_relation_size(c.oid) > 0")
say "fits: prewarmed $pages pages ($((pages * 8 / 1024)) MB) in $((SECONDS - t0))s"
measure fits
configure small "$BENCH_SMALL_BUFFERS"
measure small

violations=$(psql_v -d "$db" -c 'SELECT count(*) FROM app.verify_ledger()')
charges=$(psql_v -d "$db" -c "SELECT count(*) FROM app.transactions WHERE tx_type = 'payment'")

# ---------------------------------------------------------------------------------------------
# Report.
med() { # <key> <field 1..8>
  tr ';' '\n' <<<"${R[$1]:-}" | awk -v f="$2" 'NF { print $f }' | bench_median
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
paired() { # <config> <clients>: latency ratio large / small, per round
  local s l out="" i
  read -r -a s <<<"$(tr ';' '\n' <<<"${R[$1|$small|$2]:-}" | awk 'NF { printf "%s ", $2 }')"
  read -r -a l <<<"$(tr ';' '\n' <<<"${R[$1|$BENCH_CARDS|$2]:-}" | awk 'NF { printf "%s ", $2 }')"
  for i in "${!s[@]}"; do [ -n "${l[$i]:-}" ] && out+="$(ratio "${l[$i]}" "${s[$i]}") "; done
  echo "${out% }"
}
echo
echo "=== charge by QR: $small vs $BENCH_CARDS codes in use, one database with $live live codes ($(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src sql || echo ' + uncommitted changes'), $(date -u +%Y-%m-%d))"
echo "machine:  $(nproc) CPUs, $(free -g | awk '/^Mem:/ { print $2 }') GiB; PostgreSQL $(psql_v -c 'SHOW server_version'); fsync, synchronous_commit, full_page_writes on"
echo "runs:     pgbench -M prepared bench/charge.sql, $BENCH_SECONDS s, $BENCH_ROUNDS rounds alternating the sizes; medians of the rounds"
echo "seeding:  ${t_rpc}s for $small cards through the RPCs, $((t_cards + t_codes))s for $((BENCH_CARDS - small)) set-based, ${t_vacuum}s VACUUM"
echo "database: $db_mb MB before the runs; $ws"
echo "per charge: WAL records, bytes, full-page images (cluster-wide); hit % of the database's buffer reads;"
echo "            buffers written by backends (evictions); HOT % of the card updates"
printf '%-6s %8s %8s %3s %9s %8s %8s %8s %7s %7s %8s %6s\n' config buffers codes c TPS "lat ms" "WAL rec" "WAL B" FPI "hit %" "bk wr" "HOT %"
for cfg in fits small; do
  buf=$BENCH_FIT_BUFFERS; [ "$cfg" = small ] && buf=$BENCH_SMALL_BUFFERS
  for c in "${clients[@]}"; do
    for n in "$small" "$BENCH_CARDS"; do
      k="$cfg|$n|$c"
      [ -n "${R[$k]:-}" ] || { printf '%-6s %8s %8s %3s  FAILED\n' "$cfg" "$buf" "$n" "$c"; continue; }
      printf '%-6s %8s %8s %3s %9.1f %8.3f %8.2f %8.0f %7.3f %7.2f %8.3f %6.1f\n' "$cfg" "$buf" "$n" "$c" \
        "$(med "$k" 1)" "$(med "$k" 2)" "$(med "$k" 3)" "$(med "$k" 4)" "$(med "$k" 5)" "$(med "$k" 6)" "$(med "$k" 7)" "$(med "$k" 8)"
    done
  done
done
echo
echo "latency at $BENCH_CARDS codes / at $small (ratio of the medians; per round in brackets):"
for cfg in fits small; do
  for c in "${clients[@]}"; do
    r=$(ratio "$(med "$cfg|$BENCH_CARDS|$c" 2)" "$(med "$cfg|$small|$c" 2)")
    if [ "$cfg" = fits ]; then
      v=$(awk -v r="$r" 'BEGIN { if (r == "n/a") print "n/a"; else if (r <= 1.25) print "MET"; else print "MISSED" }')
      v="target <= 1.25: $v"
    else
      v="working set does not fit: no target"
    fi
    printf '  %-5s %2s client(s): %s  [%s]  %s\n' "$cfg" "$c" "$r" "$(paired "$cfg" "$c")" "$v"
  done
done
echo
echo "charges written: $charges; run time $(( (SECONDS - started) / 60 )) min"
if [ "$violations" = 0 ]; then
  echo "ledger: SELECT count(*) FROM app.verify_ledger() = 0 (OK)"
else
  echo "ledger: SELECT count(*) FROM app.verify_ledger() = $violations (VIOLATIONS)"
  psql_q -d "$db" -c 'SELECT * FROM app.verify_ledger() LIMIT 20'
  failed=1
fi
[ "$failed" -eq 0 ] || { say "some runs FAILED"; exit 1; }
