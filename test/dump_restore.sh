#!/usr/bin/env bash
# Dump and restore of a database using mps, on the running server (PGHOST/PGPORT/PGUSER from
# the caller, e.g. scripts/test.sh): the rows of every user-data table (app.*, audit.event_log,
# every transaction partition) survive pg_dump -Fc | pg_restore --exit-on-error and a plain
# dump replayed by psql, sequences continue past their old values, the ledger checker finds
# nothing, and the restored database keeps working (a new member still gets a standard card).
#
# Every scenario's seed (test/pgtap/lib/seed.sql) has a month archived by app.archive_partitions:
# it must stay archived, with its table in schema archive, and proven by the ledger checker.
# Scenarios (each in its own pair of databases):
#   same_month              install, seed, dump, restore, all in the install month   (must pass)
#   post_install_partition  + a partition made later by app.ensure_partitions, with a row in it
#   installed_last_month    + last month's partition as CREATE EXTENSION made it a month ago
#   reshaped_ladder         + an administrator's change to the level ladder
# A scenario marked xfail is a known failure: it runs and prints what goes wrong but does not
# fail the layer, unless MPS_DUMP_RESTORE_STRICT=1; if it starts to pass, the layer fails so that
# its marker gets removed. (None is marked now: partitions are ordinary tables, not extension
# members, and the ladder is registered with pg_extension_config_dump.)
set -uo pipefail
cd "$(dirname "$0")/.."

PSQL=(psql -X -q -v ON_ERROR_STOP=1)
work=$(mktemp -d /tmp/mps-dump.XXXXXX)
trap 'rm -rf "$work"' EXIT
strict=${MPS_DUMP_RESTORE_STRICT:-0}
failures=0
known=()

say() { printf '%s\n' "$*"; }

recreate_db() {
  "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" 2>&1 | grep -v '^NOTICE' || true
}

# Rows of every table of app, audit and archive (partitions and archived months included; a
# partitioned table's rows are those of its partitions), as "relation|rows|md5 of the rows in
# text order".
table_digests() {
  "${PSQL[@]}" -At -d "$1" <<'SQL'
SELECT format('SELECT %L, count(*), md5(COALESCE(string_agg(t::text, E''\n'' ORDER BY t::text), '''')) FROM %s t',
              c.oid::regclass::text, c.oid::regclass)
  FROM pg_class c
 WHERE c.relnamespace IN ('app'::regnamespace, 'audit'::regnamespace, 'archive'::regnamespace) AND c.relkind IN ('r', 'p')
 ORDER BY c.oid::regclass::text
\gexec
SQL
}

# Structure that must survive too: tables/partitions/sequences with bounds, RLS and grants;
# indexes; policies; functions with their grants.
structure() {
  "${PSQL[@]}" -At -d "$1" <<'SQL'
SELECT 'rel', c.oid::regclass, c.relkind, c.relrowsecurity, c.relacl, pg_get_expr(c.relpartbound, c.oid)
  FROM pg_class c
 WHERE c.relnamespace IN ('app'::regnamespace, 'audit'::regnamespace, 'sec'::regnamespace, 'archive'::regnamespace)
   AND c.relkind IN ('r', 'p', 'S', 'v')
 ORDER BY c.oid::regclass::text;
SELECT 'index', pg_get_indexdef(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace IN ('app'::regnamespace, 'audit'::regnamespace, 'archive'::regnamespace)
 ORDER BY 2;
SELECT 'policy', schemaname, tablename, policyname, cmd, roles, qual
  FROM pg_policies WHERE schemaname IN ('app', 'audit') ORDER BY 2, 3, 4;
SELECT 'function', p.oid::regprocedure, p.prosecdef, p.proconfig, p.proacl
  FROM pg_proc p WHERE p.pronamespace IN ('app'::regnamespace, 'audit'::regnamespace, 'sec'::regnamespace)
 ORDER BY p.oid::regprocedure::text;
SQL
}

# Sequence positions as "sequence|last value (empty when never used)".
sequence_positions() {
  "${PSQL[@]}" -At -d "$1" -c "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences
                                WHERE schemaname IN ('app', 'audit') ORDER BY 1"
}

# Compares database $2 (restored) with $1 (source); prints every difference, returns 1 on any.
compare_dbs() {
  local src=$1 dst=$2 bad=0 rows
  table_digests "$src" >"$work/$src.rows" && table_digests "$dst" >"$work/$dst.rows" || return 1
  rows=$(awk -F'|' '{ n += $2 } END { print n + 0 }' "$work/$src.rows")
  if [ "$rows" -lt 20 ]; then
    say "  FAIL: the source holds only $rows rows; the comparison would prove nothing"; bad=1
  fi
  if ! diff -u "$work/$src.rows" "$work/$dst.rows" >"$work/rows.diff"; then
    say "  FAIL: table contents differ (relation|rows|md5, - source + restored):"; cat "$work/rows.diff"; bad=1
  else
    say "  ok: $(wc -l <"$work/$src.rows") tables/partitions, $rows rows, identical"
  fi
  structure "$src" >"$work/$src.struct" && structure "$dst" >"$work/$dst.struct" || return 1
  if ! diff -u "$work/$src.struct" "$work/$dst.struct" >"$work/struct.diff"; then
    say "  FAIL: structure differs (- source + restored):"; cat "$work/struct.diff"; bad=1
  else
    say "  ok: tables, partitions, indexes, RLS, policies, functions and grants identical"
  fi
  # Sequences continue: the next value in the restored database is past the source's last one.
  local seq last next seq_bad=0
  while IFS='|' read -r seq last; do
    next=$("${PSQL[@]}" -At -d "$dst" -c "SELECT nextval('$seq')") || { seq_bad=1; continue; }
    if [ -n "$last" ] && [ "$next" -le "$last" ]; then
      say "  FAIL: sequence $seq: last value $last in the source, nextval $next after restore"; seq_bad=1
    fi
  done < <(sequence_positions "$src")
  if [ $seq_bad -eq 0 ]; then say "  ok: every sequence continues past its value in the source"; else bad=1; fi
  # The restored database passes the ledger checker and keeps working.
  local ledger
  ledger=$("${PSQL[@]}" -At -d "$dst" -c "SELECT invariant || ' ' || object_id || ': ' || detail FROM app.verify_ledger()")
  if [ -n "$ledger" ]; then say "  FAIL: app.verify_ledger() after restore:"; say "$ledger"; bad=1
  else say "  ok: app.verify_ledger() finds nothing after restore"; fi
  # An archived month stays archived (lib/seed.sql archives one): its record, its table in
  # schema archive, no partition of app.transactions for it, and none is made again.
  local archived
  archived=$("${PSQL[@]}" -At -d "$dst" <<'SQL'
SELECT count(*) FILTER (WHERE to_regclass(format('archive.%I', a.table_name)) IS NOT NULL
                          AND NOT EXISTS (SELECT 1 FROM sec.transaction_partitions() p WHERE p.month = a.month))
       || '/' || count(*) || '/' || (SELECT count(*) FROM monitor.partitions WHERE state = 'archived')
  FROM app.archived_months a;
SQL
  )
  if [ "$archived" != "$("${PSQL[@]}" -At -d "$src" -c "SELECT count(*) || '/' || count(*) || '/' || count(*) FROM app.archived_months")" ] \
     || [ "${archived%%/*}" -lt 1 ]; then
    say "  FAIL: archived months after restore (in schema archive, not live / recorded / shown archived): $archived"; bad=1
  elif "${PSQL[@]}" -d "$dst" -c "SELECT sec.ensure_transaction_partition(min(month)) FROM app.archived_months" >/dev/null 2>&1; then
    say "  FAIL: after restore, an archived month got a partition again"; bad=1
  else
    say "  ok: ${archived%%/*} archived month(s) still archived after restore (table in schema archive, no partition, none made again)"
  fi
  local issued
  issued=$("${PSQL[@]}" -At -d "$dst" <<'SQL'
BEGIN;
INSERT INTO app.member_profiles (name) VALUES ('after restore');
SELECT count(*) FROM app.member_cards c JOIN app.member_profiles m ON m.id = c.owner_member_id
 WHERE m.name = 'after restore' AND c.card_type = 'standard';
ROLLBACK;
SQL
  )
  if [ "$issued" != 1 ]; then say "  FAIL: a member inserted after restore got $issued standard cards, not 1"; bad=1
  else say "  ok: a member inserted after restore gets its standard card"; fi
  return $bad
}

# Runs one scenario: $1 name, $2 pass|xfail, $3 shell function adding scenario rows to a db.
scenario() {
  local name=$1 expect=$2 extra=$3
  local src="mps_dump_${name}_src" dst="mps_dump_${name}_dst" plain="mps_dump_${name}_plain" ok=1
  say ""
  say "--- dump/restore scenario: $name ($expect)"
  recreate_db "$src"; recreate_db "$dst"; recreate_db "$plain"
  if ! "${PSQL[@]}" -d "$src" -c 'CREATE EXTENSION mps' -f test/pgtap/lib/seed.sql >/dev/null \
     || ! "$extra" "$src"; then
    say "  FAIL: could not set up the source database"; failures=$((failures + 1)); return
  fi
  local ledger
  ledger=$("${PSQL[@]}" -At -d "$src" -c "SELECT invariant || ' ' || object_id || ': ' || detail FROM app.verify_ledger()")
  if [ -n "$ledger" ]; then
    say "  FAIL: the seeded source already violates the ledger (test bug):"; say "$ledger"
    failures=$((failures + 1)); return
  fi

  if ! pg_dump -Fc -d "$src" -f "$work/$name.dump"; then
    say "  FAIL: pg_dump -Fc"; ok=0
  elif ! pg_restore --exit-on-error -d "$dst" "$work/$name.dump" 2>"$work/$name.restore.err"; then
    say "  FAIL: pg_restore --exit-on-error:"; sed 's/^/    /' "$work/$name.restore.err"; ok=0
    # What someone who lets pg_restore go on past its errors ends up with.
    say "  what a pg_restore that goes on past its errors leaves behind:"
    recreate_db "$dst"
    pg_restore -d "$dst" "$work/$name.dump" 2>&1 | grep -E '^pg_restore: (error|warning)' | sed 's/^/    /'
    compare_dbs "$src" "$dst" | sed 's/^/  /'
  else
    say "  ok: pg_dump -Fc | pg_restore --exit-on-error"
    compare_dbs "$src" "$dst" || ok=0
  fi
  if [ $ok -eq 1 ]; then
    if ! pg_dump -Fp -d "$src" | "${PSQL[@]}" -d "$plain" >/dev/null 2>"$work/$name.plain.err"; then
      say "  FAIL: plain dump replayed by psql -v ON_ERROR_STOP=1:"; sed 's/^/    /' "$work/$name.plain.err"; ok=0
    else
      say "  ok: plain pg_dump replayed by psql"
      compare_dbs "$src" "$plain" || ok=0
    fi
  fi

  case "$expect:$ok" in
    pass:1)  say "PASS  $name" ;;
    pass:0)  say "FAIL  $name"; failures=$((failures + 1)) ;;
    xfail:0) if [ "$strict" = 1 ]; then say "FAIL  $name (known bug; MPS_DUMP_RESTORE_STRICT=1)"; failures=$((failures + 1))
             else say "XFAIL $name (known bug, reported; not counted)"; known+=("$name"); fi ;;
    xfail:1) say "XPASS $name: the known bug is gone; mark the scenario 'pass' in test/dump_restore.sh"
             failures=$((failures + 1)) ;;
  esac
  for db in "$src" "$dst" "$plain"; do "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db"; done
}

no_extra() { :; }

# A partition created after CREATE EXTENSION (by app.ensure_partitions, as pg_cron does every
# month) is not an extension member, so pg_dump dumps it in full: CREATE TABLE, ATTACH
# PARTITION, then its primary key and indexes. But app.transactions itself is a member whose
# primary key and indexes already exist when pg_restore attaches the partition, so ATTACH
# creates the partition's copies of them, and the dumped ADD CONSTRAINT ... PRIMARY KEY and
# CREATE INDEX then fail ("multiple primary keys for table", "relation ... already exists").
later_partition() {
  "${PSQL[@]}" -d "$1" >/dev/null <<'SQL'
SELECT app.ensure_partitions(5);
-- Bob's standard card is recharged 5.00 in the month four months ahead (a partition that
-- CREATE EXTENSION did not make).
INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status, payment_method, created_at)
SELECT 'd0000000-0000-4000-8000-000000000009', 'RCG000000000009', 'recharge', c.id, 5.00, 5.00, 'completed', 'cash',
       (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '4 months')::timestamp AT TIME ZONE 'UTC'
  FROM app.member_cards c JOIN app.member_profiles m ON m.id = c.owner_member_id
 WHERE m.name = 'Bob' AND c.card_type = 'standard';
INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id, merchant_id)
SELECT tx_no, id, created_at, tx_type, card_id, merchant_id FROM app.transactions WHERE tx_no = 'RCG000000000009';
UPDATE app.member_cards SET balance = balance + 5.00
 WHERE id = (SELECT card_id FROM app.transactions WHERE tx_no = 'RCG000000000009');
SQL
}

# A database installed last month: its first partition is last month's, made as
# sec.ensure_transaction_partitions makes every partition (an ordinary table with its own
# indexes and RLS), holding a transaction; the restore happens a month later.
installed_last_month() {
  "${PSQL[@]}" -d "$1" >/dev/null <<'SQL'
DO $$
DECLARE
  m date := (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month')::date;
  part text := format('transactions_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM'));
BEGIN
  EXECUTE format('CREATE TABLE app.%I PARTITION OF app.transactions FOR VALUES FROM (%L) TO (%L)', part,
                 m::timestamp AT TIME ZONE 'UTC', (m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
  EXECUTE format('CREATE UNIQUE INDEX %I ON app.%I (id)', part || '_id_key', part);
  EXECUTE format('CREATE UNIQUE INDEX %I ON app.%I (tx_no)', part || '_tx_no_key', part);
  EXECUTE format('CREATE INDEX %I ON app.%I (card_id, created_at DESC)', part || '_card_idx', part);
  EXECUTE format('ALTER TABLE app.%I ENABLE ROW LEVEL SECURITY', part);
END
$$;
INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status, payment_method, created_at)
SELECT 'd0000000-0000-4000-8000-000000000008', 'RCG000000000008', 'recharge', c.id, 7.00, 7.00, 'completed', 'cash',
       (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '10 days')::timestamp AT TIME ZONE 'UTC'
  FROM app.member_cards c JOIN app.member_profiles m ON m.id = c.owner_member_id
 WHERE m.name = 'Bob' AND c.card_type = 'standard';
INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id, merchant_id)
SELECT tx_no, id, created_at, tx_type, card_id, merchant_id FROM app.transactions WHERE tx_no = 'RCG000000000008';
UPDATE app.member_cards SET balance = balance + 7.00
 WHERE id = (SELECT card_id FROM app.transactions WHERE tx_no = 'RCG000000000008');
SQL
}

# The level ladder is administrator data (ARCHITECTURE.md §2: reshaped in one transaction): pg_dump must
# keep the reshaped ladder, not the default one CREATE EXTENSION would insert.
reshaped_ladder() {
  "${PSQL[@]}" -d "$1" >/dev/null <<'SQL'
BEGIN;
UPDATE app.membership_levels SET max_points = 49999 WHERE level = 3;
INSERT INTO app.membership_levels VALUES (4, 'Diamond', 50000, NULL, 0.800);
COMMIT;
SQL
}

scenario same_month pass no_extra
scenario post_install_partition pass later_partition
scenario installed_last_month pass installed_last_month
scenario reshaped_ladder pass reshaped_ladder

say ""
if [ $failures -ne 0 ]; then say "dump_restore: $failures scenario(s) FAILED"; exit 1; fi
say "dump_restore: ok${known[*]:+ (known failures, not counted: ${known[*]})}"
