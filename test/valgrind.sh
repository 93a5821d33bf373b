#!/usr/bin/env bash
# Runs the demo story, the boundary self-tests and the pg_regress suite (every RPC's success and
# error paths) against a server running under valgrind (memcheck), and fails if valgrind
# reports an invalid read/write or use of uninitialised memory in a frame of mps.so. Slow
# (about ten minutes); not part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 1; }
bash scripts/build.sh
source scripts/cluster.sh
MPS_FSYNC=off mps_cluster_start
mps_as_owner "$MPS_PGBIN/pg_ctl" -D "$MPS_CLUSTER_DIR/data" -m fast -w stop >/dev/null
vglog="$MPS_CLUSTER_DIR/valgrind.%p.log"
mps_as_owner bash -c "valgrind --quiet --trace-children=yes --track-origins=yes --read-var-info=no \
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
mps_as_owner "$MPS_PGBIN/pg_ctl" -D "$MPS_CLUSTER_DIR/data" -m fast -w stop >/dev/null || true
if grep -l "mps.so" "$MPS_CLUSTER_DIR"/valgrind.*.log 2>/dev/null | head -1 | grep -q .; then
  grep -B2 -A25 "mps.so" "$MPS_CLUSTER_DIR"/valgrind.*.log | head -150
  echo "valgrind: errors in mps.so frames"; exit 1
fi
echo "valgrind: no errors in mps.so frames ($(ls "$MPS_CLUSTER_DIR"/valgrind.*.log | wc -l) processes checked)"
