#!/usr/bin/env bash
# The machine-checkable steps of adding an RPC (CONTRIBUTING.md), against the running server
# (PGHOST/PGPORT/PGUSER) and the sources:
#   1. src/rpc/<family>.cpp and sql/install/90_rpc_<family>.sql come in pairs; every MPS_ENTRY
#      symbol of a family is declared in its SQL piece and nowhere else, and every C function a
#      piece declares is an MPS_ENTRY of its family;
#   2. every function in app has a row in the README's RPC table, and every row names one;
#   3. the README's error table equals app.error_catalog() (code, SQLSTATE, HTTP status);
#   4. every error code raised in src/ or sql/install/ is in the catalog, and every catalog code
#      is raised somewhere (no dead codes);
#   5. the committed upgrade script to this version is its migration plus today's definition
#      pieces (run make and commit it when a piece changed).
# (Parameter names against the SQL declarations, COMMENTs and enum labels: test/pgtap/04.)
set -uo pipefail
cd "$(dirname "$0")/.."
db=mps_contract
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" || exit 1
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS '$db'"' EXIT
psql -X -q -d "$db" -c 'CREATE EXTENSION mps' || exit 1
q() { psql -X -At -d "$db" -c "$1"; }

# 1. Pairing of C++ families and SQL pieces.
families_cpp=$(ls src/rpc/*.cpp | sed 's|src/rpc/\(.*\)\.cpp|\1|' | sort)
families_sql=$(ls sql/install/90_rpc_*.sql | sed 's|sql/install/90_rpc_\(.*\)\.sql|\1|' | sort)
if [ "$families_cpp" != "$families_sql" ]; then
  fail "src/rpc/<family>.cpp and sql/install/90_rpc_<family>.sql do not pair up (< C++ only, > SQL only):"
  diff <(echo "$families_cpp") <(echo "$families_sql") | grep '^[<>]'
else
  ok "$(echo "$families_cpp" | wc -l) RPC families, each with src/rpc/<family>.cpp and sql/install/90_rpc_<family>.sql"
fi
for f in $families_cpp; do
  [ -f "sql/install/90_rpc_$f.sql" ] || continue
  in_cpp=$(grep -ohE 'MPS_ENTRY\(\s*[a-z_0-9]+' "src/rpc/$f.cpp" | sed -E 's/MPS_ENTRY\(\s*//' | sort)
  in_sql=$(grep -ohE "'MODULE_PATHNAME', '[a-z_0-9]+'" "sql/install/90_rpc_$f.sql" | sed -E "s/.*, '([a-z_0-9]+)'/\1/" | sort -u)
  if [ "$in_cpp" != "$in_sql" ]; then
    fail "family $f: entry points of src/rpc/$f.cpp and declarations of sql/install/90_rpc_$f.sql differ (< C++, > SQL):"
    diff <(echo "$in_cpp") <(echo "$in_sql") | grep '^[<>]'
  fi
done
stray=$(grep -l "MODULE_PATHNAME" sql/install/*.sql | grep -v '/90_rpc_' || true)
[ -z "$stray" ] && ok "C functions are declared only in sql/install/90_rpc_*.sql" \
  || fail "C functions declared outside the RPC pieces: $stray"
stray=$(grep -l "MPS_ENTRY(" src --include=*.cpp -r | grep -v '^src/rpc/' || true)
[ -z "$stray" ] && ok "entry points are defined only in src/rpc/" || fail "MPS_ENTRY outside src/rpc/: $stray"

# Layers (ARCHITECTURE.md §1): core includes only core; pg no common/rpc; common no rpc; an RPC
# family no other family.
bad=$( (grep -Hn '#include "\(pg\|common\|rpc\)/' src/core/* ; grep -Hn '#include "\(common\|rpc\)/' src/pg/* src/*.cpp ;
        grep -Hn '#include "rpc/' src/common/* src/rpc/*) 2>/dev/null || true)
[ -z "$bad" ] && ok "every #include stays in its layer or goes to one beneath it (core < pg < common < rpc)" \
  || fail "includes across the layers of ARCHITECTURE.md §1: $bad"

# 2. Every function in app has a README row (| `name(...)` | in the RPC table) and vice versa.
rpc_table=$(sed -n '/^## RPCs/,/^## /p' README.md)
from_readme=$(echo "$rpc_table" | sed -n 's/^| `\([a-z_0-9]*\)(.*/\1/p' | sort)
from_db=$(q "SELECT proname FROM pg_proc WHERE pronamespace = 'app'::regnamespace ORDER BY 1")
if [ "$from_readme" != "$from_db" ]; then
  fail "functions in app and rows of the README's RPC table differ (< database, > README):"
  diff <(echo "$from_db") <(echo "$from_readme") | grep '^[<>]'
else
  ok "$(echo "$from_db" | wc -l) functions in app, each with its README row"
fi

# 3. The README's error table equals app.error_catalog().
catalog=$(q "SELECT code || '|' || sqlstate || '|' || http_status FROM app.error_catalog() ORDER BY 1")
readme_errors=$(sed -n 's/^| `\([A-Z_]*\)` | \([0-9A-Z]*\) | \([^|]*\) |.*/\1|\2|\3/p' README.md | sed 's/ *$//' | sort)
if [ "$catalog" != "$readme_errors" ]; then
  fail "README error table and app.error_catalog() differ (< database, > README):"
  diff <(echo "$catalog") <(echo "$readme_errors") | grep '^[<>]'
else
  ok "README error table equals app.error_catalog() ($(echo "$catalog" | wc -l) codes)"
fi

# 4. Raised codes and catalog codes are the same set. C++ raises err::CODE (fail(err::X, ...),
# errmsg("%s", err::X.code)); SQL raises RAISE EXCEPTION 'CODE'. errors.hpp/.cpp define them.
raised=$( (grep -rhoE 'err::[A-Z][A-Z_]+' src --include=*.cpp --include=*.hpp --exclude=errors.hpp --exclude=errors.cpp \
             | sed 's/err:://'
           grep -hoE "RAISE EXCEPTION '[A-Z][A-Z_]+'" sql/install/*.sql | sed -E "s/RAISE EXCEPTION '([A-Z_]+)'/\1/") | sort -u)
codes=$(echo "$catalog" | cut -d'|' -f1 | sort -u)
unlisted=$(comm -23 <(echo "$raised") <(echo "$codes"))
dead=$(comm -13 <(echo "$raised") <(echo "$codes"))
[ -z "$unlisted" ] && ok "every code raised in src/ and sql/install/ is in the catalog" \
  || fail "raised but not in app.error_catalog(): $(echo $unlisted)"
[ -z "$dead" ] && ok "every catalog code is raised somewhere" || fail "in the catalog but raised nowhere: $(echo $dead)"

# 5. The committed upgrade script is up to date.
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" mps.control)
from=$(sed -n 's/^UPGRADE_FROM *= *//p' Makefile)
script="sql/mps--$from--$current.sql"
if [ -f "$script" ] && cmp -s "$script" <(cat "sql/upgrade/$from--$current.sql" $(ls sql/install/[6-9][0-9]_*.sql | LC_ALL=C sort)); then
  ok "$script is its migration plus the definition pieces of today"
else
  fail "$script is missing or stale: run make and commit it"
fi

if [ $failures -ne 0 ]; then echo "contract: $failures check(s) FAILED"; exit 1; fi
echo "contract: ok"
