#!/usr/bin/env bash
# The main job: installs what is missing, builds and installs mps, starts a throwaway
# PostgreSQL 15, runs the payment story (scripts/demo.sql) and stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
source scripts/cluster.sh
MPS_FSYNC=off mps_cluster_start
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION mps'
psql -X -v ON_ERROR_STOP=1 -f scripts/demo.sql
