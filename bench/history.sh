#!/usr/bin/env bash
# mps history benchmark: reads and settlements cost what they return, not what the history holds.
#
#   bash bench/history.sh
#
# One throwaway cluster (scripts/cluster.sh, fsync on as in bench/run.sh). For each size of
# BENCH_HISTORY_SIZES a fresh database with the extension and a generated history
# (bench/history_seed.sql): that many transactions evenly spread over BENCH_HISTORY_MONTHS monthly
# partitions ending now (payments, refunds of half a payment, online recharges, counter top-ups,
# each with its tx_registry row), written directly by the superuser with one set-based
# INSERT ... SELECT generate_series per month into the indexed partitions, BENCH_HISTORY_JOBS
# sessions side by side; BENCH_HISTORY_MEMBERS members with their standard cards;
# BENCH_HISTORY_MERCHANTS merchants, of which the last BENCH_HISTORY_DAY_MERCHANTS "day merchants"
# take BENCH_HISTORY_DAY_TX transactions a day at every size. The bulk merchants' months older
# than the last three are then settled (set-based), so that app.settlement_lines holds most of
# the history, as after two years of settling. Then pgbench (-n -M prepared -T BENCH_SECONDS,
# 1 client and BENCH_CLIENTS clients), as superuser, i.e. a platform administrator:
#   member      app.get_member_transactions(p_member_id => random member): first page, 50 rows
#               (bench/history_member.sql)
#   merchant    app.get_merchant_transactions(random merchant code): first page, 50 rows
#               (bench/history_merchant.sql)
#   detail      app.get_transaction_detail(random existing tx_no) (bench/history_detail.sql)
#   settle_day  app.generate_settlement(day merchant, 't_plus_1', a past day): as many lines at
#               every size (bench/history_settle.sql)
#   settle_bulk the same on the bulk merchants, whose days hold more rows the larger the history
# Every settlement call settles a (merchant, day) pair that is not settled yet: each client walks
# pairs of its own (history_settle.sql); after each run the script checks that every successful
# call made a new settlement, then deletes the run's settlements and lines.
# The measurement runs in BENCH_REPEAT rounds; in each round every operation runs at each size
# back to back (the order of the sizes alternates), so that a shared machine's drift hits the
# sizes alike; medians of the rounds are reported.
# Prints EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) of the statements the RPCs run
# (bench/history_explain.sql; partitions never reached are collapsed into one line), the table of
# latency and TPS per operation and size, the latency ratio largest / smallest size (target
# <= 1.25), and, in the largest database, the time of one monthly settlement of a merchant
# (BIG) with BENCH_HISTORY_MONTH_TX transactions last month, added after the other runs.
# Writing raises max_wal_size to 16GB (fewer checkpoints) and resets it before any measurement.
# Benchmarks never gate CI: the exit status is non-zero only when a step failed.
#
# Uses the installed mps (scripts/build.sh builds and installs it). Settings (environment):
#   BENCH_HISTORY_SIZES="100000 10000000"   transactions per database, ascending
#   BENCH_SECONDS=10  BENCH_CLIENTS=4  BENCH_REPEAT=3
#   BENCH_HISTORY_MONTHS=24  BENCH_HISTORY_MEMBERS=1000  BENCH_HISTORY_MERCHANTS=100
#   BENCH_HISTORY_DAY_MERCHANTS=10  BENCH_HISTORY_DAY_TX=10
#   BENCH_HISTORY_MONTH_TX=1000000           0: no merchant-month settlement
#   BENCH_HISTORY_JOBS=$(nproc)              sessions writing a history
# 1000 members: at 100 000 transactions a member has about 100, so that its first page is full
# at every size. With the defaults the run takes about 40 minutes on a 2-vCPU machine: about 12
# to write the 10^7 history, 20 for 3 rounds of 20 pgbench runs.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_HISTORY_SIZES=${BENCH_HISTORY_SIZES:-"100000 10000000"}
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_CLIENTS=${BENCH_CLIENTS:-4}
BENCH_REPEAT=${BENCH_REPEAT:-3}
BENCH_HISTORY_MONTHS=${BENCH_HISTORY_MONTHS:-24}
BENCH_HISTORY_MEMBERS=${BENCH_HISTORY_MEMBERS:-1000}
BENCH_HISTORY_MERCHANTS=${BENCH_HISTORY_MERCHANTS:-100}
BENCH_HISTORY_DAY_MERCHANTS=${BENCH_HISTORY_DAY_MERCHANTS:-10}
BENCH_HISTORY_DAY_TX=${BENCH_HISTORY_DAY_TX:-10}
BENCH_HISTORY_MONTH_TX=${BENCH_HISTORY_MONTH_TX:-1000000}
BENCH_HISTORY_JOBS=${BENCH_HISTORY_JOBS:-$(nproc)}

read -r -a sizes <<<"$BENCH_HISTORY_SIZES"
smallest=${sizes[0]}
largest=${sizes[${#sizes[@]} - 1]}
clients=(1)
[ "$BENCH_CLIENTS" -ne 1 ] && clients+=("$BENCH_CLIENTS")
cmax=${clients[${#clients[@]} - 1]}
ncpu=$(nproc)
nbulk=$((BENCH_HISTORY_MERCHANTS - BENCH_HISTORY_DAY_MERCHANTS))
started=$SECONDS
# The installed build: noted at the start and checked at the end (a make install during the run
# would mix builds).
so_path="$(pg_config --pkglibdir 2>/dev/null || echo /usr/lib/postgresql/15/lib)/mps.so"
so_stamp() { stat -c '%y %s bytes' "$so_path" 2>/dev/null | sed 's/\.[0-9]* / /' || echo missing; }
so_at_start=$(so_stamp)

say() { echo "bench: $*" >&2; }

# shellcheck source=scripts/cluster.sh
source scripts/cluster.sh
PGBIN=$MPS_PGBIN
psql_q() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_v() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -At "$@"; }

mps_cluster_start >&2
logs=$(mktemp -d /tmp/mps-bench-history.XXXXXX)
keep_logs=0
cleanup() {
  mps_cluster_stop
  if [ "$keep_logs" -eq 0 ]; then rm -rf "$logs"; else say "outputs kept in $logs"; fi
}
trap cleanup EXIT
failed=0

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }
wal_size() { psql_q -c "ALTER SYSTEM ${1:-RESET max_wal_size}" -c 'SELECT pg_reload_conf()' >/dev/null; }

# Before every run: VACUUM (ANALYZE) of the tables the settlements write, a wait (at most 120 s)
# for autovacuum workers, CHECKPOINT.
quiesce() {
  local db=$1 waited=0
  psql_q -d "$db" -c 'VACUUM (ANALYZE) app.settlements, app.settlement_lines, audit.event_log'
  while [ "$(psql_v -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")" != 0 ]; do
    [ $waited -ge 120 ] && break
    sleep 1
    waited=$((waited + 1))
  done
  psql_q -d "$db" -c CHECKPOINT
}

# Runs CALL <procedure>(<leading arguments> worker, workers) in BENCH_HISTORY_JOBS sessions side
# by side; their notices go to $logs/<name>.log.
parallel_call() { # <db> <name> <procedure> <leading arguments with a trailing comma, or "">
  local db=$1 name=$2 proc=$3 lead=$4 w pids=() rc=0
  for w in $(seq 0 $((BENCH_HISTORY_JOBS - 1))); do
    psql_q -d "$db" -c "CALL $proc($lead $w, $BENCH_HISTORY_JOBS)" >>"$logs/$name.log" 2>&1 &
    pids+=($!)
  done
  for w in "${pids[@]}"; do wait "$w" || rc=1; done
  if [ $rc -ne 0 ]; then keep_logs=1; cat "$logs/$name.log" >&2; return 1; fi
}

# Shortens the plans: in a run of sibling scans of transaction partitions that return no row (or
# never run), the first is shown and the others are counted in one line; "(N rows)" footers go.
collapse_plan() {
  awk '
    function flushrun(   d) {
      if (nrun) {
        d = ""
        if (n0) d = n0 " returned no row"
        if (nne) d = d (d != "" ? ", " : "") nne " never executed"
        printf "%s->  (%d more partition scans like the one above: %s)\n", pad, nrun, d
      }
      nrun = 0; n0 = 0; nne = 0
    }
    /^\([0-9]+ rows?\)$/ { next }
    {
      line = $0
      match(line, /[^ ]/); first = RSTART
      if (skipping) { if (first > skip_ind) next; skipping = 0 }
      if (line ~ /->  (Index Scan|Index Only Scan|Bitmap Heap Scan|Seq Scan) .*on transactions_y[0-9]+m[0-9]+ / &&
          (line ~ /rows=0 loops=/ || line ~ /\(never executed\)$/)) {
        if (run_ind == first) {
          nrun++; if (line ~ /never executed/) nne++; else n0++
          skipping = 1; skip_ind = first; pad = substr(line, 1, first - 1)
          next
        }
        flushrun(); print line; run_ind = first
        next
      }
      if (run_ind && first <= run_ind) { flushrun(); run_ind = 0 }
      print line
    }
    END { flushrun() }'
}

ops=(member merchant detail settle_day settle_bulk)
declare -A op_name=(
  [member]="member page"
  [merchant]="merchant page"
  [detail]="transaction detail"
  [settle_day]="settle t_plus_1, day merchant"
  [settle_bulk]="settle t_plus_1, bulk merchant"
)
declare -A all_tps all_lat all_fail all_lines res_rows res_note last_day days
gen_lines=()
explains=""

# ---------------------------------------------------------------------------------------------
# The histories.
for size in "${sizes[@]}"; do
  db=hist_$size
  say "=== $size transactions: database $db"
  psql_q -c "CREATE DATABASE $db" -c "ALTER DATABASE $db SET timezone = 'UTC'"
  psql_q -d "$db" -c 'CREATE EXTENSION mps'
  psql_q -d "$db" -v size="$size" -v members="$BENCH_HISTORY_MEMBERS" -v merchants="$BENCH_HISTORY_MERCHANTS" \
    -v day_merchants="$BENCH_HISTORY_DAY_MERCHANTS" -v day_tx="$BENCH_HISTORY_DAY_TX" \
    -v months="$BENCH_HISTORY_MONTHS" -f bench/history_seed.sql
  wal_size "SET max_wal_size = '16GB'"
  say "writing $size transactions ($BENCH_HISTORY_JOBS sessions)"
  t0=$(date +%s.%N)
  parallel_call "$db" "fill_$size" hist.fill_history ""
  t1=$(date +%s.%N)
  say "settling the bulk merchants' months before the last three"
  parallel_call "$db" "settle_$size" hist.settle_before "date_trunc('month', now()) - interval '3 months',"
  t2=$(date +%s.%N)
  psql_q -d "$db" -c 'VACUUM (ANALYZE)'
  t3=$(date +%s.%N)
  wal_size
  psql_q -d "$db" -c CHECKPOINT
  IFS='|' read -r ntx nlines txsize linesize <<<"$(psql_v -d "$db" -F'|' -c "
    SELECT (SELECT count(*) FROM app.transactions), (SELECT count(*) FROM app.settlement_lines),
           pg_size_pretty((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'app.transactions'::regclass)
                          + pg_total_relation_size('app.tx_registry')),
           pg_size_pretty(pg_total_relation_size('app.settlement_lines'))")"
  [ "$ntx" = "$size" ] || { say "expected $size transactions, found $ntx"; failed=1; }
  gen_lines+=("$(printf '%9s transactions written in %s s (%s rows/s; %s with tx_registry and their indexes),' \
                   "$size" "$(elapsed "$t0" "$t1")" "$(awk -v n="$size" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')" "$txsize")"
             "$(printf '%9s settled lines written in %s s (%s), VACUUM (ANALYZE) %s s' \
                   "$nlines" "$(elapsed "$t1" "$t2")" "$linesize" "$(elapsed "$t2" "$t3")")")
  say "${gen_lines[-2]}"
  say "${gen_lines[-1]}"

  # The settlement runs' pairs: days back from the last full day, within the history.
  read -r last_day["$size"] days["$size"] <<<"$(psql_v -d "$db" -F' ' -c "SELECT current_date - 1, current_date - t0::date FROM hist.params")"

  # Plans: member 7, merchant 3, a payment that has a refund, a day merchant's day 100 days ago.
  explains+=$'\n'"=== plans at $size transactions"$'\n'
  explains+=$(psql_q -d "$db" -v member=7 -v merchant=3 -v tx=$(( (size / 2 / 20) * 20 + 19 )) \
                -v day_merchant="$BENCH_HISTORY_MERCHANTS" -v day="$(psql_v -d "$db" -c "SELECT current_date - 100")" \
                -f bench/history_explain.sql 2>&1 | collapse_plan)
  explains+=$'\n'

  # Rows per call of the reads, over 200 random calls.
  res_rows["member|$size"]=$(psql_v -d "$db" -c "SELECT round(avg(c), 1) FROM generate_series(1, 200) g, LATERAL (
    SELECT count(*) AS c FROM app.get_member_transactions(p_member_id => hist.member_id(1 + (g * 0 + random() * ($BENCH_HISTORY_MEMBERS - 1))::int))) s")
  res_rows["merchant|$size"]=$(psql_v -d "$db" -c "SELECT round(avg(c), 1) FROM generate_series(1, 200) g, LATERAL (
    SELECT count(*) AS c FROM app.get_merchant_transactions('M' || lpad((1 + (g * 0 + random() * ($BENCH_HISTORY_MERCHANTS - 1))::int)::text, 3, '0'))) s")
  res_rows["detail|$size"]=$(psql_v -d "$db" -c "SELECT round(avg(c), 2) FROM generate_series(1, 200) g, LATERAL (
    SELECT count(*) AS c FROM app.get_transaction_detail(hist.tx_no(1 + (g * 0 + random() * ($size - 1))::bigint))) s")
done

# ---------------------------------------------------------------------------------------------
# pgbench runs. all_*[op|size|clients] collect one value per round.

# run_point <op> <size> <clients> <pgbench args...>; returns 1 when the run failed.
run_point() {
  local op=$1 size=$2 c=$3; shift 3
  local key="$op|$size|$c" db=hist_$size j=$((c < ncpu ? c : ncpu)) out rc=0 tps lat fails
  quiesce "$db"
  out="$logs/${op}_${size}_${c}_$round.log"
  "$PGBIN/pgbench" -n -M prepared -c "$c" -j "$j" -T "$BENCH_SECONDS" "$@" "$db" >"$out" 2>&1 || rc=$?
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$out")
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms.*$/\1/p' "$out")
  fails=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
  if [ "$rc" -ne 0 ] || [ -z "$tps" ] || [ -z "$lat" ] || grep -q 'aborted' "$out"; then
    failed=1 keep_logs=1
    res_note[$key]="FAILED (see $out)"
    say "$op, $size, $c clients: pgbench FAILED (exit $rc):"
    grep -m 5 -E 'error|ERROR|aborted|fatal' "$out" >&2 || tail -n 5 "$out" >&2
    return 1
  fi
  all_tps[$key]+="$tps "
  all_lat[$key]+="$lat "
  all_fail[$key]+="${fails:-0} "
  say "$(printf 'round %s  %-11s %9s tx %2s clients: %9.1f tps %9.3f ms  failed %3s  (load %s)' \
    "$round" "$op" "$size" "$c" "$tps" "$lat" "${fails:-0}" "$(cut -d' ' -f1-3 /proc/loadavg)")"
}

# settle_point <op> <size> <clients> <first merchant> <merchants>: a settlement run, the check
# that every successful call made a new settlement, lines per settlement, then the run's
# settlements and lines deleted.
settle_point() {
  local op=$1 size=$2 c=$3 first=$4 count=$5 key="$1|$2|$3" db=hist_$2 since made processed
  since=$(psql_v -d "$db" -c 'SELECT clock_timestamp()')
  if run_point "$op" "$size" "$c" -D k=0 -D clients="$c" -D first="$first" -D count="$count" \
       -D days="${days[$size]}" -D last="${last_day[$size]}" -f bench/history_settle.sql; then
    processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$logs/${op}_${size}_${c}_$round.log")
    read -r made lines <<<"$(psql_v -d "$db" -F' ' -c "
      SELECT count(*), COALESCE(round(avg(payments_count + refunds_count + vouchers_count + topups_count), 1), 0)
        FROM app.settlements WHERE created_at >= '$since'")"
    all_lines[$key]+="$lines "
    say "          $made settlements made by $processed calls, $lines lines each on average"
    if [ "$made" != "$processed" ]; then
      res_note[$key]="only $made of $processed calls made a new settlement"
      failed=1
    fi
  fi
  psql_q -d "$db" -c "DELETE FROM app.settlement_lines l USING app.settlements s
                       WHERE l.settlement_id = s.id AND s.created_at >= '$since'" \
                  -c "DELETE FROM app.settlements WHERE created_at >= '$since'"
}

for round in $(seq 1 "$BENCH_REPEAT"); do
  order=("${sizes[@]}")
  if [ $((round % 2)) -eq 0 ]; then order=(); for s in "${sizes[@]}"; do order=("$s" "${order[@]}"); done; fi
  for c in "${clients[@]}"; do
    for op in "${ops[@]}"; do
      for size in "${order[@]}"; do
        case $op in
          member) run_point member "$size" "$c" -D members="$BENCH_HISTORY_MEMBERS" -f bench/history_member.sql || true ;;
          merchant) run_point merchant "$size" "$c" -D merchants="$BENCH_HISTORY_MERCHANTS" -f bench/history_merchant.sql || true ;;
          detail) run_point detail "$size" "$c" -D size="$size" -f bench/history_detail.sql || true ;;
          settle_day) settle_point settle_day "$size" "$c" $((nbulk + 1)) "$BENCH_HISTORY_DAY_MERCHANTS" ;;
          settle_bulk) settle_point settle_bulk "$size" "$c" 1 "$nbulk" ;;
        esac
      done
    done
  done
done
measured=$SECONDS

ledger=$(psql_v -d "hist_$smallest" -c "SELECT COALESCE(string_agg(invariant || ' ' || n, ', ' ORDER BY invariant), 'none')
                                         FROM (SELECT invariant, count(*) n FROM app.verify_ledger() GROUP BY 1) s")

# ---------------------------------------------------------------------------------------------
# One merchant-month of BENCH_HISTORY_MONTH_TX transactions, in the largest database.
month_report=""
if [ "$BENCH_HISTORY_MONTH_TX" -gt 0 ]; then
  db=hist_$largest
  say "writing $BENCH_HISTORY_MONTH_TX transactions of merchant BIG last month"
  psql_q -d "$db" -c "INSERT INTO app.merchants (id, code, name) VALUES (hist.merchant_id(999), 'BIG', 'One big merchant')"
  wal_size "SET max_wal_size = '16GB'"
  t0=$(date +%s.%N)
  psql_q -d "$db" -c "CALL hist.fill($largest + 1, $largest + $BENCH_HISTORY_MONTH_TX,
                                     date_trunc('month', now()) - interval '1 month', date_trunc('month', now()),
                                     hist.merchant_id(999))" >>"$logs/fill_big.log" 2>&1 \
    || { keep_logs=1; cat "$logs/fill_big.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  wal_size
  part=$(psql_v -d "$db" -c "SELECT format('app.transactions_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM'))
                              FROM (SELECT date_trunc('month', now()) - interval '1 month' AS m) s")
  psql_q -d "$db" -c "VACUUM (ANALYZE) $part, app.tx_registry, app.settlements, app.settlement_lines"
  psql_q -d "$db" -c CHECKPOINT
  month_rows=$(psql_v -d "$db" -c "SELECT count(*) FROM $part")
  say "settling merchant BIG's month"
  # One call for the whole month, timed by psql in the same session; auto_explain shows the plans
  # of its statements that take more than a second (row counts and buffers, no per-node timing,
  # which would cost time of its own).
  if out=$(psql_q -d "$db" 2>"$logs/month_plans.txt" <<'SQL'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = '1s';
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_analyze = on;
SET auto_explain.log_timing = off;
SET auto_explain.log_buffers = on;
SET auto_explain.log_triggers = on;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
\timing on
SELECT app.generate_settlement(hist.merchant_id(999), 'monthly', date_trunc('month', now()) - interval '1 month',
                               date_trunc('month', now())) AS settlement_id \gset
\timing off
SET client_min_messages = warning;
SELECT payments_count, refunds_count, topups_count, payments_count + refunds_count + topups_count AS lines,
       payments_total, refunds_total, topups_total, net_total
  FROM app.settlements WHERE id = :'settlement_id';
SQL
  ); then
    ms=$(sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$out" | head -1)
    lines=$(psql_v -d "$db" -c "SELECT payments_count + refunds_count + topups_count FROM app.settlements WHERE merchant_id = hist.merchant_id(999)")
    month_report+="merchant BIG: $BENCH_HISTORY_MONTH_TX transactions written into $part in $(elapsed "$t0" "$t1") s (the partition now holds $month_rows rows)"$'\n'
    month_report+="generate_settlement(BIG, 'monthly', last month) took $(awk -v m="$ms" 'BEGIN { printf "%.1f s", m / 1000 }')"
    month_report+=" = $(awk -v m="$ms" -v l="$lines" 'BEGIN { printf "%.1f us per line (%.0f lines/s)", 1000 * m / l, l / (m / 1000) }'):"$'\n'
    month_report+="$(grep -v '^Time:' <<<"$out")"$'\n\n'
    month_report+="plans of the statements inside it that took over a second (auto_explain, ANALYZE without timing):"$'\n'
    month_report+=$(awk '
      function flush() { if (n && text !~ /^SELECT app\.generate_settlement/) for (i = 1; i <= n; i++) print b[i]; n = 0 }
      /^NOTICE:  duration/ { flush(); b[++n] = $0; next }
      /^Query Text: / { text = substr($0, 13); b[++n] = "Query Text: " substr(text, 1, 110) (length(text) > 110 ? " ..." : ""); next }
      n { b[++n] = $0 }
      END { flush() }' "$logs/month_plans.txt")
  else
    failed=1 keep_logs=1
    month_report="the monthly settlement FAILED: $(cat "$logs/month_plans.txt")"
  fi
fi

pg_version=$(psql_v -c 'SHOW server_version')
settings=$(psql_v -c "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings
                      WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'max_wal_size',
                                     'work_mem', 'deadlock_timeout')")

# ---------------------------------------------------------------------------------------------
# Report.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print ""; else printf "%.2f", a / b }'; }
med() { median <<<"$(tr ' ' '\n' <<<"${1:-}" | grep .)"; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "") print "-"; else printf f, v }'; }
declare -A res_lat res_tps res_fail
for key in "${!all_lat[@]}"; do
  res_lat[$key]=$(med "${all_lat[$key]}")
  res_tps[$key]=$(med "${all_tps[$key]}")
  res_fail[$key]=$(tr ' ' '\n' <<<"${all_fail[$key]}" | awk '{ s += $1 } END { print s + 0 }')
done
for op in settle_day settle_bulk; do
  for size in "${sizes[@]}"; do res_rows["$op|$size"]=$(med "${all_lines["$op|$size|1"]:-}"); done
done

echo
echo "=== mps history benchmark"
echo "machine:    $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, $(uname -sr)"
echo "postgres:   $pg_version; $settings"
echo "mps:        $so_path, $so_at_start"
if [ "$(so_stamp)" != "$so_at_start" ]; then
  echo "            REPLACED during the run (now $(so_stamp)): the figures mix builds"
  failed=1
fi
echo "history:    $BENCH_HISTORY_MONTHS monthly partitions ending this month (+3 empty ones ahead), $BENCH_HISTORY_MEMBERS members (a standard card each),"
echo "            $BENCH_HISTORY_MERCHANTS merchants: $nbulk bulk, $BENCH_HISTORY_DAY_MERCHANTS day merchants with $BENCH_HISTORY_DAY_TX transactions a day at every size;"
echo "            85% payments, 5% refunds, 5% online recharges, 5% counter top-ups; the bulk merchants'"
echo "            months before the last three settled"
echo "generation: $BENCH_HISTORY_JOBS sessions; max_wal_size=16GB while writing"
for l in "${gen_lines[@]}"; do echo "            $l"; done
echo "runs:       pgbench -n -M prepared -T $BENCH_SECONDS, -j = min(clients, $ncpu), as superuser; $BENCH_REPEAT rounds, each running"
echo "            every operation at every size back to back (size order alternating); medians of the rounds."
echo "            Before each run VACUUM (ANALYZE) of the settlement tables, wait for autovacuum, CHECKPOINT."
echo "            Settlement runs settle only pairs not settled before; their settlements are deleted after each run."
echo "total:      $(( (measured - started) / 60 )) min to here"
echo "$explains"
echo
printf '%-31s %9s %9s %12s %12s %12s %12s %8s\n' operation size rows/call "ms 1 client" "TPS 1 cl." "TPS $cmax cl." "ms $cmax cl." "failed"
printf '%-31s %9s %9s %12s %12s %12s %12s %8s\n' ------------------------------- --------- --------- ------------ ------------ ------------ ------------ --------
for op in "${ops[@]}"; do
  for size in "${sizes[@]}"; do
    k1="$op|$size|1" kn="$op|$size|$cmax"
    printf '%-31s %9s %9s %12s %12s %12s %12s %8s  %s\n' "${op_name[$op]}" "$size" "${res_rows["$op|$size"]:--}" \
      "$(fmt "${res_lat[$k1]:-}" %.3f)" "$(fmt "${res_tps[$k1]:-}" %.1f)" "$(fmt "${res_tps[$kn]:-}" %.1f)" \
      "$(fmt "${res_lat[$kn]:-}" %.3f)" "${res_fail[$kn]:--}" "${res_note[$k1]:-}${res_note[$kn]:-}"
  done
done
echo "(rows/call: rows a page or detail returns, lines a settlement made; failed: transactions of the $cmax-client"
echo " runs that ended in an error, summed over the rounds)"
echo
# The rounds ran both sizes back to back: the ratio of a round compares like with like on a drifting
# machine; the median of the rounds' ratios is judged.
paired() { # <op> <clients>: the rounds' latency ratios largest / smallest
  local -a a b
  local i out=""
  read -r -a a <<<"${all_lat["$1|$largest|$2"]:-}"
  read -r -a b <<<"${all_lat["$1|$smallest|$2"]:-}"
  [ ${#a[@]} -eq ${#b[@]} ] || return 0
  for i in "${!a[@]}"; do out+="$(ratio "${a[$i]}" "${b[$i]}") "; done
  echo "$out"
}
verdict() { awk -v v="$1" 'BEGIN { if (v == "") print "n/a"; else if (v <= 1.25) print "MET"; else print "MISSED" }'; }
echo "latency at $largest / at $smallest transactions, median of the rounds' ratios (target <= 1.25 where a call"
echo "returns as much at both sizes):"
for op in "${ops[@]}"; do
  for c in "${clients[@]}"; do
    rounds=$(paired "$op" "$c")
    r=$(med "$rounds")
    [ -n "$r" ] && r=$(awk -v v="$r" 'BEGIN { printf "%.2f", v }')
    if [ "$op" = settle_bulk ]; then
      v="(no target: ${res_rows["$op|$smallest"]:-?} -> ${res_rows["$op|$largest"]:-?} lines)"
    else
      v=$(verdict "$r")
    fi
    printf '  %-31s %2s client%s %6s %-6s rounds: %s\n' "${op_name[$op]}" "$c" "$([ "$c" -eq 1 ] && echo ' ' || echo s)" \
      "${r:-n/a}" "$([ "$op" = settle_bulk ] || echo "$v")" "${rounds:-n/a}"
    [ "$op" = settle_bulk ] && [ "$c" = "$cmax" ] && echo "  ${op_name[$op]}: $v"
  done
done
if [ -n "$month_report" ]; then
  echo
  echo "=== one merchant-month at $largest transactions"
  echo "$month_report"
fi
echo
echo "app.verify_ledger() at $smallest transactions, violations per invariant: ${ledger:-n/a}"
echo "(the generator leaves card balances at 0, so card_balance is expected for every card; nothing else is)"
if [ "$failed" -ne 0 ]; then
  echo "bench: some steps FAILED" >&2
  exit 1
fi
