#!/usr/bin/env bash
# Reliability: randomized load with server kills, a fuzzer for every RPC, a backend's memory.
# On a cluster of its own (scripts/cluster.sh; fsync off but synchronous_commit on, so a SIGKILL of
# the server loses nothing acknowledged: the kernel keeps what was written):
#   1. load + faults   test/load/driver.mjs: C clients, N random money operations as PostgREST calls
#                      them, the server SIGKILLed K times and restarted, backends terminated and
#                      SIGKILLed, answers dropped after COMMIT; then test/load/check.mjs holds the
#                      database against the clients' logs (lost, duplicated, violations, restarts,
#                      unexplained crashes) and exits non-zero on any;
#   2. fuzz            test/fuzz/fuzz.mjs: every function of schema app (from pg_proc) with random
#                      and adversarial arguments as every API role; no crash, every failure
#                      catalogued or a PostgreSQL input error, the ledger clean;
#   3. memory          test/fuzz/memory.mjs: one backend's anonymous RSS (/proc) over 100 000 calls
#                      (30 000 in the short run), growth after the warm-up bounded.
# `bash test/reliability.sh` is the long run (8 clients, 50 000 operations, 5 kills, 1 000 000 fuzz
# calls; about 25 minutes); `bash test/reliability.sh --short` the test layer's (4 clients, 3 000
# operations, 2 kills, 12 000 fuzz calls; under a minute). Every knob is an
# environment variable (MPS_REL_CLIENTS, MPS_REL_OPS, MPS_REL_KILLS, MPS_REL_TERMINATIONS,
# MPS_REL_BACKEND_KILLS, MPS_REL_DROP, MPS_REL_FUZZ_CALLS, MPS_REL_MEMORY_CALLS, MPS_REL_SEED);
# the seed is printed: MPS_REL_SEED=<seed> replays the same choices (timing still differs).
# MPS_REL_SABOTAGE=delete-ack|duplicate makes the checker break the data first (it must fail).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ "${1:-}" = --short ]; then
  : "${MPS_REL_CLIENTS:=4}" "${MPS_REL_OPS:=3000}" "${MPS_REL_KILLS:=2}" "${MPS_REL_TERMINATIONS:=1}"
  : "${MPS_REL_BACKEND_KILLS:=1}" "${MPS_REL_FUZZ_CALLS:=12000}" "${MPS_REL_MEMORY_CALLS:=30000}"
else
  : "${MPS_REL_CLIENTS:=8}" "${MPS_REL_OPS:=50000}" "${MPS_REL_KILLS:=5}" "${MPS_REL_TERMINATIONS:=3}"
  : "${MPS_REL_BACKEND_KILLS:=2}" "${MPS_REL_FUZZ_CALLS:=1000000}" "${MPS_REL_MEMORY_CALLS:=100000}"
fi
: "${MPS_REL_DROP:=0.02}" "${MPS_REL_SEED:=$(( $(date +%s) % 1000000 ))}"
echo "reliability: seed=$MPS_REL_SEED (replay: MPS_REL_SEED=$MPS_REL_SEED bash test/reliability.sh${1:+ $1})"

# shellcheck source=test/http/front.sh
source test/http/front.sh
mps_http_npm_ci || exit 1
# shellcheck source=scripts/cluster.sh
source scripts/cluster.sh
MPS_FSYNC=off mps_cluster_start >/dev/null || exit 1
work=$(mktemp -d /tmp/mps-reliability.XXXXXX)
trap 'mps_cluster_stop; rm -rf "$work"' EXIT
cat >>"$MPS_CLUSTER_DIR/data/postgresql.conf" <<CONF
# test/reliability.sh (later lines win): starts, crashes and restarts are logged; a COMMIT
# returns once its WAL is written to the kernel (synchronous_commit), so a SIGKILL loses nothing
# acknowledged (fsync stays off: the kernel keeps what was written)
log_min_messages = log
synchronous_commit = on
restart_after_crash = on
max_connections = 60
CONF
mps_cluster_restart
export MPS_PGBIN MPS_OS_USER MPS_CLUSTER_DIR
status=0

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE mps_load' -c 'CREATE DATABASE mps_fuzz' >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d mps_load -c 'CREATE EXTENSION mps' >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d mps_fuzz -c 'CREATE EXTENSION mps' >/dev/null

echo "=== reliability 1/3: load with faults"
offset=$(stat -c %s "$MPS_CLUSTER_DIR/server.log")
PGDATABASE=mps_load node test/load/driver.mjs --logs "$work/load" --clients "$MPS_REL_CLIENTS" --ops "$MPS_REL_OPS" \
  --kills "$MPS_REL_KILLS" --terminations "$MPS_REL_TERMINATIONS" --backend-kills "$MPS_REL_BACKEND_KILLS" \
  --drop "$MPS_REL_DROP" --seed "$MPS_REL_SEED" || status=1
PGDATABASE=mps_load node test/load/check.mjs --logs "$work/load" --server-log "$MPS_CLUSTER_DIR/server.log" \
  --log-offset "$offset" ${MPS_REL_SABOTAGE:+--sabotage "$MPS_REL_SABOTAGE"} || status=1

echo "=== reliability 2/3: fuzz every RPC"
offset=$(stat -c %s "$MPS_CLUSTER_DIR/server.log")
PGDATABASE=mps_fuzz node test/fuzz/fuzz.mjs --calls "$MPS_REL_FUZZ_CALLS" --workers 2 --seed "$MPS_REL_SEED" \
  --server-log "$MPS_CLUSTER_DIR/server.log" --log-offset "$offset" || status=1

echo "=== reliability 3/3: one backend's memory over $MPS_REL_MEMORY_CALLS calls"
PGDATABASE=mps_fuzz node test/fuzz/memory.mjs --calls "$MPS_REL_MEMORY_CALLS" --seed "$MPS_REL_SEED" || status=1

[ $status -eq 0 ] || { echo "--- end of the server log"; tail -n 40 "$MPS_CLUSTER_DIR/server.log"; }
exit $status
