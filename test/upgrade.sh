#!/usr/bin/env bash
# The upgrade layer (CONTRIBUTING.md "Versions"): on the running throwaway cluster of
# scripts/test.sh (PGHOST/PGPORT/PGUSER, MPS_CLUSTER_DIR), for every released version V with an
# upgrade script to the current version:
#   1. build V's mps.so from the commit V shipped in (git history), check that commit's install
#      script is byte for byte the frozen sql/mps--V.sql, install V's mps.so, restart;
#   2. CREATE EXTENSION mps VERSION 'V' and fill it through V's RPCs (test/upgrade/fill_V.sql);
#   3. install the current mps.so, restart, ALTER EXTENSION mps UPDATE;
#   4. (a) the extension's catalog (test/upgrade/catalog.sql) equals a fresh install's,
#      (b) every row V wrote is still there (rows compared on V's columns), app.verify_ledger()
#          finds nothing,
#      (c) the money path works on V's data (test/upgrade/after_V.sql).
# The current mps.so is installed again and the server restarted on the way out, whatever
# happened, so the layers after this one run against the current build.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
# shellcheck source=scripts/cluster.sh
source scripts/cluster.sh
: "${MPS_CLUSTER_DIR:?run from scripts/test.sh (needs the throwaway cluster)}"

# Released versions: the commit each shipped in.
declare -A shipped=([0.1.0]=8ff8c26ce2ec4a9a96079f36dc7718a0703551df)
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" mps.control)
pkglibdir=$(pg_config --pkglibdir)
work=$(mktemp -d /tmp/mps-upgrade.XXXXXX)
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
failures=0
say() { printf '%s\n' "$*"; }
fail() { say "  FAIL: $*"; failures=$((failures + 1)); }
PSQL=(psql -X -q -v ON_ERROR_STOP=1)

install_so() { "${sudo[@]}" install -m 755 "$1" "$pkglibdir/mps.so" && mps_cluster_restart; }
restore_current() { install_so "$root/mps.so" >/dev/null 2>&1 || say "upgrade: could not reinstall the current mps.so"; }
trap 'restore_current; rm -rf "$work"' EXIT

recreate_db() {
  "${PSQL[@]}" -d postgres -c 'SET client_min_messages = warning' -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
}

# A copy of every table of app and audit (partitions included) as the old version left it, in
# the scratch schema upgrade_before (outside the extension), to compare rows after the update.
save_rows() {
  "${PSQL[@]}" -d "$1" >/dev/null <<'SQL'
CREATE SCHEMA upgrade_before;
SELECT format('CREATE TABLE upgrade_before.%I AS TABLE %s', c.oid::regclass::text, c.oid::regclass)
  FROM pg_class c WHERE c.relnamespace IN ('app'::regnamespace, 'audit'::regnamespace) AND c.relkind = 'r'
\gexec
SQL
}

# For each saved table, "relation|rows before|rows after|rows lost|rows new", compared on the
# columns both versions have; columns the migration dropped are listed on lines "dropped|rel.col".
compare_rows() {
  "${PSQL[@]}" -At -d "$1" <<'SQL'
SELECT format($q$SELECT %L || '|' || (SELECT count(*) FROM upgrade_before.%I) || '|' || (SELECT count(*) FROM %s)
                       || '|' || (SELECT count(*) FROM (SELECT %s FROM upgrade_before.%I EXCEPT ALL SELECT %s FROM %s) d)
                       || '|' || (SELECT count(*) FROM (SELECT %s FROM %s EXCEPT ALL SELECT %s FROM upgrade_before.%I) d)$q$,
              b.relname, b.relname, b.relname, cols, b.relname, cols, b.relname, cols, b.relname, cols, b.relname)
  FROM (SELECT bc.relname,
               string_agg(quote_ident(ba.attname), ', ' ORDER BY ba.attnum) FILTER (WHERE na.attname IS NOT NULL) AS cols
          FROM pg_class bc
          JOIN pg_attribute ba ON ba.attrelid = bc.oid AND ba.attnum > 0 AND NOT ba.attisdropped
          LEFT JOIN pg_attribute na ON na.attrelid = to_regclass(bc.relname) AND na.attname = ba.attname
                                   AND NOT na.attisdropped
         WHERE bc.relnamespace = 'upgrade_before'::regnamespace
         GROUP BY bc.relname) b
 ORDER BY 1
\gexec
SELECT 'dropped|' || bc.relname || '.' || ba.attname
  FROM pg_class bc JOIN pg_attribute ba ON ba.attrelid = bc.oid AND ba.attnum > 0 AND NOT ba.attisdropped
 WHERE bc.relnamespace = 'upgrade_before'::regnamespace
   AND NOT EXISTS (SELECT 1 FROM pg_attribute na WHERE na.attrelid = to_regclass(bc.relname) AND na.attname = ba.attname
                      AND NOT na.attisdropped)
 ORDER BY 1;
SQL
}

for from in "${!shipped[@]}"; do
  rev=${shipped[$from]}
  say ""
  say "--- upgrade $from -> $current"
  [ -f "sql/mps--$from.sql" ] || { fail "sql/mps--$from.sql (the frozen install script) is missing"; continue; }
  [ -f "test/upgrade/fill_$from.sql" ] && [ -f "test/upgrade/after_$from.sql" ] \
    || { fail "test/upgrade/fill_$from.sql or after_$from.sql is missing"; continue; }

  # 1. The released mps.so, built from its commit.
  if ! git cat-file -e "$rev^{commit}" 2>/dev/null; then
    git fetch -q --unshallow 2>/dev/null || true
  fi
  if ! git cat-file -e "$rev^{commit}" 2>/dev/null; then
    fail "commit $rev ($from) is not in this clone's history: the layer needs the full history (git clone without --depth)"
    continue
  fi
  mkdir -p "$work/$from"
  git archive "$rev" | tar -x -C "$work/$from"
  if ! make -C "$work/$from" -s -j"$(nproc)" >"$work/$from.build.log" 2>&1; then
    fail "building $from's mps.so failed:"; tail -20 "$work/$from.build.log"; continue
  fi
  if cmp -s "$work/$from/sql/mps--$from.sql" "sql/mps--$from.sql"; then
    say "  ok: sql/mps--$from.sql is byte for byte the install script $from shipped ($rev)"
  else
    fail "sql/mps--$from.sql differs from the install script $from shipped"
  fi
  install_so "$work/$from/mps.so" || { fail "could not install $from's mps.so"; continue; }

  # 2. The old version, filled through its RPCs.
  db=mps_upgrade_from_${from//./_}
  fresh=mps_upgrade_fresh
  recreate_db "$db" >/dev/null && recreate_db "$fresh" >/dev/null || { fail "could not create the databases"; continue; }
  if ! "${PSQL[@]}" -d "$db" -c "CREATE EXTENSION mps VERSION '$from'" -f "test/upgrade/fill_$from.sql" >"$work/fill.log" 2>&1; then
    fail "filling $from through its RPCs failed:"; cat "$work/fill.log"; continue
  fi
  ledger=$("${PSQL[@]}" -At -d "$db" -c "SELECT count(*) FROM app.verify_ledger()")
  [ "$ledger" = 0 ] || fail "the $from database violates the ledger before the upgrade ($ledger rows)"
  save_rows "$db" || { fail "could not save the rows of $from"; continue; }
  say "  ok: $from filled through its RPCs: $("${PSQL[@]}" -At -d "$db" -c "SELECT sum(n) FROM (SELECT (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM upgrade_before.%I', relname), false, true, '')))[1]::text::int AS n FROM pg_class WHERE relnamespace = 'upgrade_before'::regnamespace) s") rows in $("${PSQL[@]}" -At -d "$db" -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'upgrade_before'::regnamespace") tables"

  # 3. The current mps.so, and the update.
  install_so "$root/mps.so" || { fail "could not install the current mps.so"; continue; }
  if ! "${PSQL[@]}" -d "$db" -c "ALTER EXTENSION mps UPDATE" >"$work/update.log" 2>&1; then
    fail "ALTER EXTENSION mps UPDATE failed:"; cat "$work/update.log"; continue
  fi
  version=$("${PSQL[@]}" -At -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'mps'")
  [ "$version" = "$current" ] && say "  ok: ALTER EXTENSION mps UPDATE took $from to $version" \
    || fail "after ALTER EXTENSION mps UPDATE the version is $version, not $current"

  # 4a. The catalog equals a fresh install's.
  "${PSQL[@]}" -d "$fresh" -c 'CREATE EXTENSION mps' >/dev/null
  if ! "${PSQL[@]}" -d "$db" -f test/upgrade/catalog.sql >"$work/catalog.upgraded" \
     || ! "${PSQL[@]}" -d "$fresh" -f test/upgrade/catalog.sql >"$work/catalog.fresh" \
     || [ "$(wc -l <"$work/catalog.fresh")" -lt 100 ]; then
    fail "could not describe the catalogs (test/upgrade/catalog.sql)"
  elif diff -u "$work/catalog.fresh" "$work/catalog.upgraded" >"$work/catalog.diff"; then
    say "  ok: the upgraded catalog equals a fresh install of $current ($(wc -l <"$work/catalog.fresh") lines: functions, tables, columns, constraints, indexes, triggers, policies, grants, types, sequences, membership)"
  else
    fail "the upgraded catalog differs from a fresh install of $current (- fresh, + upgraded):"
    grep '^[-+][^-+]' "$work/catalog.diff" | head -60
  fi
  # 4b. Every row is still there (on the columns both versions have), and the ledger holds.
  if ! compare_rows "$db" >"$work/rows"; then
    fail "could not compare the rows"
  elif awk -F'|' '$1 != "dropped" && ($2 != $3 || $4 != 0 || $5 != 0)' "$work/rows" | grep -q .; then
    fail "rows changed in the upgrade (relation|rows before|rows after|rows lost|rows changed or new):"
    awk -F'|' '$1 != "dropped" && ($2 != $3 || $4 != 0 || $5 != 0)' "$work/rows"
  else
    say "  ok: every row $from wrote is there unchanged after the upgrade ($(grep -vc '^dropped|' "$work/rows") tables)"
  fi
  grep '^dropped|' "$work/rows" | sed 's/^dropped|/  (a column the migration dropped: /; s/$/)/'
  ledger=$("${PSQL[@]}" -At -d "$db" -c "SELECT count(*) FROM app.verify_ledger()")
  [ "$ledger" = 0 ] && say "  ok: app.verify_ledger() finds nothing after the upgrade" \
    || fail "app.verify_ledger() after the upgrade: $ledger violations"
  # 4c. The money path on the old data.
  if "${PSQL[@]}" -d "$db" -f "test/upgrade/after_$from.sql" >"$work/after.log" 2>&1; then
    sed 's/^ *ok: /  ok: /' "$work/after.log" | grep '  ok: '
  else
    fail "the money path after the upgrade:"; cat "$work/after.log"
  fi
  for d in "$db" "$fresh"; do "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $d"; done
done

say ""
if [ $failures -ne 0 ]; then say "upgrade: $failures check(s) FAILED"; exit 1; fi
say "upgrade: ok"
