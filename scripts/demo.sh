#!/usr/bin/env bash
# The main job: installs what is missing, builds and installs mps, starts a throwaway
# PostgreSQL 15, runs the payment story (scripts/demo.sql) and stops the server.
#   --http  tells the same story through supabase-js instead (test/http/demo.mjs): the npm
#           packages of test/http from their lock, the PostgREST-protocol front
#           (test/http/front.mjs) on a loopback port, and every supabase-js call printed with
#           what it answered.
set -euo pipefail
cd "$(dirname "$0")/.."
http=0
for arg in "$@"; do
  case $arg in
    --http) http=1 ;;
    *) echo "usage: bash scripts/demo.sh [--http]" >&2; exit 2 ;;
  esac
done
bash scripts/deps.sh
bash scripts/build.sh
source scripts/cluster.sh
MPS_FSYNC=off mps_cluster_start
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION mps'
if [ $http -eq 0 ]; then
  psql -X -v ON_ERROR_STOP=1 -f scripts/demo.sql
  exit 0
fi
# shellcheck source=test/http/front.sh
source test/http/front.sh
trap 'mps_front_stop; mps_cluster_stop' EXIT
mps_http_npm_ci
mps_front_start "$PGDATABASE"
echo "mps: PostgREST-protocol front at $MPS_HTTP_URL (test/http/front.mjs), exposing schema app"
node test/http/demo.mjs
