#!/usr/bin/env bash
# Test layer "clients": real clients over HTTP. In the cluster scripts/test.sh started (PG* env):
# a fresh database mps_http with mps, the npm packages of test/http installed from its lock
# (npm ci, only when node_modules is missing or the lock changed: the npm registry is the only
# network it needs), the PostgREST-protocol front (test/http/front.mjs) started on a loopback
# port with a random JWT secret, then
#   node --test test/http/*.test.mjs   supabase-js against the front (the seeds' examples, every
#                                      RPC as a caller who may and one who may not) and the
#                                      front's own PostgREST behaviours (front.test.mjs)
#   bash test/http/smoke.sh            plain curl: one charge and one refused charge
# and the front is stopped (also when something failed).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
db=mps_http
http=$root/test/http

command -v node >/dev/null 2>&1 || { echo "clients: node is not installed (scripts/deps.sh installs nodejs)" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "clients: npm is not installed (scripts/deps.sh installs npm)" >&2; exit 1; }

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
  -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'CREATE EXTENSION mps'

# npm ci from the committed lock, unless node_modules was installed from this very lock.
lock_sum=$(sha256sum "$http/package-lock.json" | cut -d' ' -f1)
stamp=$http/node_modules/.mps-lock-sha256
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo "clients: npm ci in test/http"
  (cd "$http" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$stamp"
fi

work=$(mktemp -d /tmp/mps-clients.XXXXXX)
front_pid=
stop_front() {
  if [ -n "$front_pid" ] && kill -0 "$front_pid" 2>/dev/null; then
    kill -TERM "$front_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$front_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$front_pid" 2>/dev/null || true
  fi
  front_pid=
  if [ -s "$work/front.err" ]; then echo "--- the front's stderr"; cat "$work/front.err"; fi
  rm -rf "$work"
}
trap stop_front EXIT

MPS_JWT_SECRET=$(node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))")
export MPS_JWT_SECRET PGDATABASE=$db
MPS_FRONT_PORT=0 MPS_FRONT_POOL=${MPS_FRONT_POOL:-3} node "$http/front.mjs" >"$work/front.out" 2>"$work/front.err" &
front_pid=$!
# Its one ready line, within 30 s.
for _ in $(seq 1 300); do
  grep -q '^mps-front listening on ' "$work/front.out" 2>/dev/null && break
  kill -0 "$front_pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q '^mps-front listening on ' "$work/front.out" 2>/dev/null; then
  echo "clients: the front did not start" >&2
  exit 1
fi
MPS_HTTP_URL=$(sed -n 's/^mps-front listening on //p' "$work/front.out")
export MPS_HTTP_URL
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
