#!/usr/bin/env bash
# Test layer "operations": what needs a server configured as production runs it, on a cluster of
# its own (scripts/cluster.sh): pg_cron and mps both in shared_preload_libraries, pg_cron running
# jobs in database mps_ops with background workers (no login over the network), the failure log
# writer serving mps_ops with a small queue (so a test can fill it). pg_prove runs
# test/operations/*.sql there as the superuser.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/cluster.sh
source scripts/cluster.sh
MPS_FSYNC=off mps_cluster_start >/dev/null
cat >>"$MPS_CLUSTER_DIR/data/postgresql.conf" <<CONF
# test/operations.sh (later lines win)
shared_preload_libraries = 'pg_cron,mps'
cron.database_name = 'mps_ops'
cron.use_background_workers = on
max_worker_processes = 16
mps.failure_log_database = 'mps_ops'
mps.failure_queue_size = 16
CONF
mps_cluster_restart
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE mps_ops'
psql -X -q -v ON_ERROR_STOP=1 -d mps_ops -c 'SET client_min_messages = warning' \
  -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION pg_cron' -c 'CREATE EXTENSION mps'
pg_prove -d mps_ops test/operations/*.sql
