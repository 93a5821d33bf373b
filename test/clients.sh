#!/usr/bin/env bash
# Test layer "clients": real clients over HTTP. In the cluster scripts/test.sh started (PG* env):
# a fresh database mps_http with mps, the npm packages of test/http installed from its lock
# (npm ci, only when node_modules is missing or the lock changed: the npm registry is the only
# network it needs), the PostgREST-protocol front (test/http/front.mjs) started on a loopback
# port with a random JWT secret (test/http/front.sh), then
#   node --test test/http/*.test.mjs   supabase-js against the front (the seeds' examples, every
#                                      RPC as a caller who may and one who may not) and the
#                                      front's own PostgREST behaviours (front.test.mjs)
#   bash test/http/smoke.sh            plain curl: one charge and one refused charge
# and the front is stopped (also when something failed).
set -euo pipefail
cd "$(dirname "$0")/.."
db=mps_http
# shellcheck source=test/http/front.sh
source test/http/front.sh
trap mps_front_stop EXIT

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
  -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION mps'
mps_http_npm_ci
mps_front_start "$db"
# The tests read the catalog and start fronts of their own on the same database.
export PGDATABASE=$db
echo "clients: front at $MPS_HTTP_URL (pool of ${MPS_FRONT_POOL:-3} connections), node $(node --version), database $db"

# One file at a time (node's --test-concurrency, Node >= 20.10; older runners run files one per
# spare core, one on these 2-core machines). The files are listed by the shell: a directory
# argument means different things to Node 20 and Node 22.
concurrency=()
node --test-concurrency=1 -e 0 >/dev/null 2>&1 && concurrency=(--test-concurrency=1)
status=0
node --test "${concurrency[@]}" test/http/*.test.mjs || status=1
echo
echo "clients: plain HTTP (test/http/smoke.sh)"
bash test/http/smoke.sh || status=1
exit $status
