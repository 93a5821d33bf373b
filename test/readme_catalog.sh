#!/usr/bin/env bash
# The README's error table and app.error_catalog() list the same codes with the same SQLSTATE
# and HTTP status (DESIGN §6: the catalog is a table in the README and is tested).
set -euo pipefail
cd "$(dirname "$0")/.."
db=mps_readme_catalog
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS '$db'"' EXIT
psql -X -q -d "$db" -c 'CREATE EXTENSION mps'
from_db=$(psql -X -At -d "$db" -c "SELECT code || '|' || sqlstate || '|' || http_status FROM app.error_catalog() ORDER BY 1")
from_readme=$(sed -n 's/^| `\([A-Z_]*\)` | \([0-9A-Z]*\) | \([^|]*\) |.*/\1|\2|\3/p' README.md | sed 's/ *$//' | sort)
if [ "$from_db" != "$from_readme" ]; then
  echo "README error table and app.error_catalog() differ (< database, > README):"
  diff <(echo "$from_db") <(echo "$from_readme") || true
  exit 1
fi
echo "readme_catalog: $(echo "$from_db" | wc -l) codes match"
