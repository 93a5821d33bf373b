#!/usr/bin/env bash
# Runs the demo story, the boundary self-tests, the whole pg_regress suite (every regress test of
# test/regress_schedule) and every isolation spec (test/isolation_schedule) against a server
# running under valgrind memcheck (every backend traced, definite leaks checked at each process's
# exit), and fails if valgrind reports an invalid read/write, a use of uninitialised memory or a
# definitely lost block with a frame in mps.so. Slow (about half an hour); not part of
# scripts/test.sh. Installs valgrind with apt-get when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v valgrind >/dev/null; then
  sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends valgrind >/dev/null
fi
bash scripts/build.sh
source scripts/cluster.sh
MPS_FSYNC=off mps_cluster_start
mps_as_owner "$MPS_PGBIN/pg_ctl" -D "$MPS_CLUSTER_DIR/data" -m fast -w stop >/dev/null
vglog="$MPS_CLUSTER_DIR/valgrind.%p.log"
mps_as_owner bash -c "valgrind --quiet --trace-children=yes --track-origins=yes --read-var-info=no \
  --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
  --suppressions=/dev/null --log-file='$vglog' \
  '$MPS_PGBIN/postgres' -D '$MPS_CLUSTER_DIR/data' >'$MPS_CLUSTER_DIR/vg-server.log' 2>&1 &"
for _ in $(seq 1 120); do pg_isready -q && break; sleep 1; done
psql -X -q -c 'CREATE EXTENSION mps'
psql -X -q -f scripts/demo.sql >/dev/null
psql -X -q <<'SQL' >/dev/null 2>&1 || true
SELECT sec.selftest_boundary('spi_error');
SELECT sec.selftest_boundary('cpp_exception');
SELECT sec.selftest_boundary('foreign');
SELECT sec.selftest_boundary('bad_alloc');
SELECT sec.selftest_boundary('app_error');
SELECT sec.selftest_boundary('spi_unfinished');
SELECT sec.selftest_boundary('spi_no_rows');
SELECT sec.selftest_boundary('spi_after_finish');
SELECT sec.selftest_boundary('spi_wrong_result');
SELECT sec.selftest_boundary('call_throws');
SELECT sec.selftest_boundary('call_context');
SELECT sec.selftest_stable('write');
SQL
make -s installcheck ISOLATION= >/dev/null 2>&1 || echo "valgrind: (pg_regress differences under valgrind are timing only; the check is the valgrind logs)"
make -s installcheck REGRESS= >/dev/null 2>&1 || echo "valgrind: (isolation differences under valgrind are timing only; the check is the valgrind logs)"
mps_as_owner "$MPS_PGBIN/pg_ctl" -D "$MPS_CLUSTER_DIR/data" -m fast -w stop >/dev/null || true
# A frame of mps: in mps.so without debug information, or in one of its source files with it.
mps_frames="mps\.so|\(($(cd src && find . -name '*.cpp' -o -name '*.hpp' | xargs -n1 basename | sort -u | sed 's/\./\\./' | paste -sd'|')):[0-9]+\)"
logs=$(ls "$MPS_CLUSTER_DIR"/valgrind.*.log | wc -l)
records=$(cat "$MPS_CLUSTER_DIR"/valgrind.*.log | grep -cE '^==[0-9]+== (Invalid|Conditional|Use of uninitialised|Syscall param|Mismatched|[0-9,]+ bytes in [0-9,]+ blocks are definitely lost)' || true)
if grep -qE "$mps_frames" "$MPS_CLUSTER_DIR"/valgrind.*.log 2>/dev/null; then
  grep -B12 -A25 -E "$mps_frames" "$MPS_CLUSTER_DIR"/valgrind.*.log | head -200
  echo "valgrind: errors or definite leaks in mps frames ($logs processes checked)"; exit 1
fi
echo "valgrind: no error and no definite leak in an mps frame ($logs processes checked; $records records in other frames)"
