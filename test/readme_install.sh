#!/usr/bin/env bash
# Runs the README's "Installing into an existing PostgreSQL" steps exactly as written (the
# sh blocks between the readme_install markers), in order, against a fresh throwaway server
# that looks like a new Debian one (no API roles, nothing preloaded), then checks what they
# made: the roles, the extension in the database, pg_cron preloaded and the jobs scheduled, the
# setting, and that no step printed a warning about the working directory.
# Debian's cluster 15/main is this throwaway server: `pg_ctlcluster 15 main restart` restarts it.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/cluster.sh
source scripts/cluster.sh
MPS_CLUSTER_BARE=1 MPS_FSYNC=off mps_cluster_start >/dev/null || { echo "readme_install: could not start a server"; exit 1; }
out=$(mktemp /tmp/mps-readme-install.XXXXXX)
trap 'mps_cluster_stop; rm -f "$out"' EXIT

# The blocks, without the list indentation.
steps=$(sed -n '/<!-- readme_install: begin -->/,/<!-- readme_install: end -->/p' README.md \
        | awk '/^ *```sh$/ { on = 1; next } /^ *```$/ { on = 0; next } on { sub(/^   /, ""); print }')
[ -n "$steps" ] || { echo "readme_install: no steps found between the README's markers"; exit 1; }

# The steps run in a bash of their own with errexit (a failing step stops them), after a
# prelude that makes Debian's commands act on the throwaway server.
steps_file=$(mktemp /tmp/mps-readme-steps.XXXXXX)
trap 'mps_cluster_stop; rm -f "$out" "$steps_file"' EXIT
{
  echo 'set -euo pipefail'
  echo "source '$(pwd)/scripts/cluster.sh'"
  echo "export MPS_CLUSTER_DIR='$MPS_CLUSTER_DIR' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER'"
  echo 'pg_ctlcluster() { mps_cluster_restart; }'
  echo 'systemctl() { mps_cluster_restart; }'
  if [ "$(id -u)" -ne 0 ]; then
    # The README's commands are for root; a developer without root runs them through sudo.
    echo 'apt-get() { sudo apt-get "$@"; }'
    echo 'make() { if [ "${*: -1}" = install ]; then command make "${@:1:$#-1}" && sudo make "${@:1:$#-1}" install; else command make "$@"; fi; }'
    echo 'runuser() { shift 3; "$@"; }'
  fi
  echo "$steps"
} >"$steps_file"
echo "readme_install: running the README's install steps ($(echo "$steps" | grep -c .) lines)"
if ! bash "$steps_file" >"$out" 2>&1; then
  echo "FAIL: a README install step failed:"; cat "$out"; exit 1
fi

failures=0
check() { # <description> <sql returning t>
  local v
  v=$(psql -X -At -d "${3:-postgres}" -c "$2" 2>&1)
  if [ "$v" = t ]; then echo "ok: $1"; else echo "FAIL: $1 (got: $v)"; failures=$((failures + 1)); fi
}
check "the API roles exist, service_role bypasses RLS, authenticator logs in and can switch to them" \
  "SELECT count(*) = 4 AND bool_and((rolname = 'service_role') = rolbypassrls) AND bool_and((rolname = 'authenticator') = rolcanlogin)
     AND pg_has_role('authenticator', 'anon', 'MEMBER') AND pg_has_role('authenticator', 'service_role', 'MEMBER')
     FROM pg_roles WHERE rolname IN ('anon', 'authenticated', 'service_role', 'authenticator')"
check "mps is installed in shop at the version of this checkout" \
  "SELECT extversion = '$(sed -n "s/^default_version = '\(.*\)'/\1/p" mps.control)' FROM pg_extension WHERE extname = 'mps'" shop
check "the API roles got their grants (authenticated may charge)" \
  "SELECT has_function_privilege('authenticated', 'app.merchant_charge_by_qr(text,text,numeric,text,jsonb,text,text,numeric)', 'EXECUTE')" shop
check "pg_cron is preloaded after the restart" "SELECT current_setting('shared_preload_libraries') ~ 'pg_cron'"
check "the two jobs are scheduled to run in shop" \
  "SELECT count(*) = 2 FROM cron.job WHERE jobname IN ('mps-partitions', 'mps-qr') AND database = 'shop'"
check "mps.allow_self_recharge is set for shop" \
  "SELECT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
                   WHERE d.datname = 'shop' AND 'mps.allow_self_recharge=off' = ANY (s.setconfig))"
check "the ledger checker runs in shop and finds nothing" "SELECT count(*) = 0 FROM app.verify_ledger()" shop
if grep -qiE 'could not (change|identify current) directory|permission denied' "$out"; then
  echo "FAIL: a step printed a warning:"; grep -iE 'could not (change|identify current) directory|permission denied' "$out"
  failures=$((failures + 1))
else
  echo "ok: no step printed a working-directory or permission warning"
fi
[ $failures -eq 0 ] || { echo "readme_install: $failures check(s) FAILED"; echo "--- what the steps printed:"; cat "$out"; exit 1; }
echo "readme_install: ok"
