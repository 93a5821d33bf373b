#!/usr/bin/env bash
# The test command: installs what is missing, builds (warnings are errors) and installs mps,
# starts a throwaway cluster (fsync off) and runs every test layer against it. A failing layer
# does not stop the others; a PASS/FAIL line per layer is printed at the end, with the diffs or
# TAP output of the failures, and the exit status is non-zero when any layer failed.
#   layers: unit (make unittest: the pure C++ core, no server),
#           regress, isolation (the two halves of make installcheck: pg_regress over
#           test/regress_schedule, the isolation specs of test/isolation_schedule),
#           pgtap (make prove), contract (test/contract.sh: file pairing, README rows, error
#           catalog), dump_restore (test/dump_restore.sh), upgrade (test/upgrade.sh: every
#           released version updated to this one), replica (test/replica.sh: the query RPCs on
#           a hot standby of its own primary, the write RPCs refused there), readme_install
#           (test/readme_install.sh: the README's steps for installing into an existing server,
#           run as written), operations (test/operations.sh: a cluster of its own with pg_cron
#           and mps preloaded), clients (test/clients.sh: supabase-js and curl over HTTP through
#           the PostgREST-protocol front test/http/front.mjs, npm packages from the lock),
#           reliability (test/reliability.sh --short: a cluster of its own; randomized load
#           with server kills and the checks on the clients' logs, the fuzzer over every RPC, one
#           backend's memory; the seed is printed for replay).
#   MPS_TEST_LAYERS="pgtap dump_restore" runs only the named layers.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/deps.sh || { echo "mps: scripts/deps.sh failed" >&2; exit 1; }
bash scripts/build.sh ERROR_ON_WARNING=1 || { echo "mps: build failed" >&2; exit 1; }

# shellcheck source=scripts/cluster.sh
source scripts/cluster.sh
MPS_FSYNC=off mps_cluster_start || { echo "mps: could not start the test cluster" >&2; exit 1; }

logs=$(mktemp -d /tmp/mps-test-logs.XXXXXX)
trap 'mps_cluster_stop; rm -rf "$logs"' EXIT
layers=${MPS_TEST_LAYERS:-"unit regress isolation pgtap contract dump_restore upgrade replica readme_install operations clients reliability"}
names=() results=() seconds=()

# Runs one layer, its output going to the terminal and to $logs/<name>.log.
run_layer() {
  local name=$1; shift
  local start=$SECONDS rc
  echo
  echo "=== mps test layer: $name"
  "$@" 2>&1 | tee "$logs/$name.log"
  rc=${PIPESTATUS[0]}
  names+=("$name"); seconds+=($((SECONDS - start)))
  if [ "$rc" -eq 0 ]; then results+=(PASS); else results+=("FAIL"); fi
  return 0
}

# make installcheck, run as two layers so that a failing half does not hide the other:
# pg_regress (sql/ -> expected/) without the isolation specs, then the specs alone.
layer_regress() {
  rm -f regression.diffs
  make -s installcheck ISOLATION=
}

layer_isolation() {
  rm -f output_iso/regression.diffs
  make -s installcheck REGRESS=
}

# pgTAP: a fresh mps_tap database with pgtap and mps, then pg_prove over test/pgtap/*.sql.
layer_pgtap() {
  make -s prove
}

layer_dump_restore() {
  bash test/dump_restore.sh
}

layer_unit() {
  make -s unittest ERROR_ON_WARNING=1
}

layer_contract() {
  bash test/contract.sh
}

layer_upgrade() {
  bash test/upgrade.sh
}

# Its own primary and standby (scripts/cluster.sh + pg_basebackup), not the cluster above.
layer_replica() {
  bash test/replica.sh
}

layer_readme_install() {
  bash test/readme_install.sh
}

# Its own cluster, configured with shared_preload_libraries = 'pg_cron,mps'.
layer_operations() {
  bash test/operations.sh
}

# supabase-js and curl against test/http/front.mjs, on database mps_http of this cluster.
layer_clients() {
  bash test/clients.sh
}

# Its own cluster (killed and restarted under load): test/reliability.sh --short.
layer_reliability() {
  bash test/reliability.sh --short
}

for layer in $layers; do
  case $layer in
    regress)      run_layer regress layer_regress ;;
    isolation)    run_layer isolation layer_isolation ;;
    pgtap)        run_layer pgtap layer_pgtap ;;
    unit)         run_layer unit layer_unit ;;
    contract)     run_layer contract layer_contract ;;
    dump_restore) run_layer dump_restore layer_dump_restore ;;
    upgrade)      run_layer upgrade layer_upgrade ;;
    replica)      run_layer replica layer_replica ;;
    readme_install) run_layer readme_install layer_readme_install ;;
    operations)   run_layer operations layer_operations ;;
    clients)      run_layer clients layer_clients ;;
    reliability)  run_layer reliability layer_reliability ;;
    *) echo "mps: unknown test layer '$layer'" >&2; names+=("$layer"); results+=(FAIL); seconds+=(0) ;;
  esac
done

failed=0
for i in "${!names[@]}"; do
  [ "${results[$i]}" = PASS ] && continue
  failed=1
  echo
  echo "=== details of the failed layer ${names[$i]}"
  case ${names[$i]} in
    regress|isolation)
      d=regression.diffs
      [ "${names[$i]}" = isolation ] && d=output_iso/regression.diffs
      if [ -s "$root/$d" ]; then echo "--- $d"; cat "$root/$d"
      else tail -n 60 "$logs/${names[$i]}.log"; fi
      ;;
    *)
      # The layer's output was printed above; repeat its end so the cause is next to the summary.
      [ -f "$logs/${names[$i]}.log" ] && tail -n 60 "$logs/${names[$i]}.log"
      ;;
  esac
done

echo
echo "=== mps test summary"
for i in "${!names[@]}"; do
  printf '%-5s %-14s (%ss)\n' "${results[$i]}" "${names[$i]}" "${seconds[$i]}"
done
if [ $failed -ne 0 ]; then
  echo "mps: some test layers FAILED"
  exit 1
fi
echo "mps: all test layers passed"
