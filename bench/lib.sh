# Pieces shared by the bench scripts (source it; psql and pgbench from PATH, the cluster from
# PGHOST/PGPORT/PGUSER as scripts/cluster.sh exports them). bench/run.sh and bench/compare.sh
# still carry their own copies of the first two.

# Before a measurement: VACUUM (ANALYZE) of the database, a wait (at most 120 s) until no
# autovacuum worker is busy, CHECKPOINT: on a 2-CPU machine an autovacuum or the previous run's
# dirty buffers inside a 15 s run take up to half its TPS (see bench/README.md).
bench_quiesce() { # <db>
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" -c 'VACUUM (ANALYZE)'
  for _ in $(seq 1 120); do
    [ "$(psql -X -At -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")" = 0 ] && break
    sleep 1
  done
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" -c CHECKPOINT
}

# The median of the numbers on stdin (one per line or separated by spaces).
bench_median() {
  tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# One pgbench run (no quiesce: call bench_quiesce first); prints "tps latency_ms transactions"
# (TPS without initial connection time, latency average, transactions actually processed), or
# fails with pgbench's output when it failed or a client aborted.
bench_pgbench() { # <db> <clients> <seconds> <pgbench args...>
  local db=$1 c=$2 s=$3 out tps lat n; shift 3
  out=$(pgbench -n -M prepared -c "$c" -j "$(( c < $(nproc) ? c : $(nproc) ))" -T "$s" "$@" "$db" 2>&1) || { echo "$out" >&2; return 1; }
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' <<<"$out")
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p' <<<"$out")
  n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  if [ -z "$tps" ] || [ -z "$lat" ] || [ -z "$n" ] || grep -q aborted <<<"$out"; then echo "$out" >&2; return 1; fi
  echo "$tps $lat $n"
}

# One pgbench run after bench_quiesce; prints its TPS (without initial connection time), or
# fails with pgbench's output when it failed or a client aborted.
bench_tps() { # <db> <clients> <seconds> <pgbench args...>
  local db=$1 out; shift
  bench_quiesce "$db"
  out=$(bench_pgbench "$db" "$@") || return 1
  echo "${out%% *}"
}

# The start every single-cluster bench script shares: prerequisites, this checkout built and
# installed, a throwaway cluster (fsync on) stopped on exit, and psql_q (quiet, stops on error).
bench_setup() {
  bash scripts/deps.sh
  bash scripts/build.sh
  # shellcheck source=scripts/cluster.sh
  source scripts/cluster.sh
  mps_cluster_start >&2
  trap mps_cluster_stop EXIT
}
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
