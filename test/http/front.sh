# The npm packages and the PostgREST-protocol front (test/http/front.mjs) for the clients layer
# (test/clients.sh) and scripts/demo.sh --http. Source this file, with the PG* environment of the
# server set:
#   mps_http_npm_ci        npm ci in test/http from the committed lock, unless node_modules was
#                          installed from this very lock (the npm registry is the only network)
#   mps_front_start DB     the front on a loopback port against database DB with a random
#                          HS256 secret; waits (at most 30 s) for its ready line; exports
#                          MPS_HTTP_URL and MPS_JWT_SECRET
#   mps_front_stop         SIGTERM to the front (SIGKILL after 5 s); prints its stderr, if any
# MPS_FRONT_POOL (default 3) is the front's number of database connections.

MPS_HTTP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MPS_FRONT_PID=
MPS_FRONT_WORK=

mps_http_npm_ci() {
  command -v node >/dev/null 2>&1 || { echo "mps: node is not installed (scripts/deps.sh installs nodejs)" >&2; return 1; }
  command -v npm >/dev/null 2>&1 || { echo "mps: npm is not installed (scripts/deps.sh installs npm)" >&2; return 1; }
  local sum stamp=$MPS_HTTP_DIR/node_modules/.mps-lock-sha256
  sum=$(sha256sum "$MPS_HTTP_DIR/package-lock.json" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    echo "mps: npm ci in test/http"
    (cd "$MPS_HTTP_DIR" && npm ci --no-audit --no-fund --loglevel=error) || return 1
    echo "$sum" >"$stamp"
  fi
}

mps_front_start() {
  local db=$1
  MPS_FRONT_WORK=$(mktemp -d /tmp/mps-front.XXXXXX)
  MPS_JWT_SECRET=$(node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))")
  export MPS_JWT_SECRET
  PGDATABASE=$db MPS_FRONT_PORT=0 MPS_FRONT_POOL=${MPS_FRONT_POOL:-3} \
    node "$MPS_HTTP_DIR/front.mjs" >"$MPS_FRONT_WORK/out" 2>"$MPS_FRONT_WORK/err" &
  MPS_FRONT_PID=$!
  local _
  for _ in $(seq 1 300); do
    grep -q '^mps-front listening on ' "$MPS_FRONT_WORK/out" 2>/dev/null && break
    kill -0 "$MPS_FRONT_PID" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q '^mps-front listening on ' "$MPS_FRONT_WORK/out" 2>/dev/null; then
    echo "mps: the front did not start within 30 s" >&2
    cat "$MPS_FRONT_WORK/err" >&2
    return 1
  fi
  MPS_HTTP_URL=$(sed -n 's/^mps-front listening on //p' "$MPS_FRONT_WORK/out")
  export MPS_HTTP_URL
}

mps_front_stop() {
  if [ -n "$MPS_FRONT_PID" ] && kill -0 "$MPS_FRONT_PID" 2>/dev/null; then
    kill -TERM "$MPS_FRONT_PID" 2>/dev/null || true
    local _
    for _ in $(seq 1 50); do kill -0 "$MPS_FRONT_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$MPS_FRONT_PID" 2>/dev/null || true
  fi
  MPS_FRONT_PID=
  if [ -n "$MPS_FRONT_WORK" ] && [ -d "$MPS_FRONT_WORK" ]; then
    if [ -s "$MPS_FRONT_WORK/err" ]; then echo "--- the front's stderr"; cat "$MPS_FRONT_WORK/err"; fi
    rm -rf "$MPS_FRONT_WORK"
  fi
  MPS_FRONT_WORK=
}
