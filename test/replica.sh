#!/usr/bin/env bash
# The replica layer: the query RPCs answer on a hot standby (reads scale beyond one server) and
# the write RPCs fail there with a clear error. On its own pair of throwaway servers, started
# with scripts/cluster.sh in one temporary directory (not the cluster of scripts/test.sh):
#   1. a primary (scripts/cluster.sh: initdb's pg_hba.conf already lets 127.0.0.1 replicate,
#      wal_level = replica, max_wal_senders = 10 and hot_standby = on are PostgreSQL 15's
#      defaults; the layer checks them rather than changing the cluster script);
#   2. a database with mps filled through the RPCs: a merchant and its cashier, Alice registering
#      herself (authenticated, JWT sub), a recharge, a QR code, a charge, a partial refund;
#   3. pg_basebackup -R into a second data dir, a standby on another loopback port; then, on the
#      primary only, a realtime settlement and a fresh QR code, streamed to the standby, which
#      is waited for until it has replayed the primary's current LSN;
#   4. every query RPC, called as a caller who may read it in a read-only transaction (as
#      PostgREST calls a STABLE function), answers the same on the standby as on the primary,
#      and app.verify_ledger() finds nothing on either;
#   5. the write RPCs called on the standby fail with SQLSTATE 25006 (read_only_sql_transaction),
#      the standby keeps answering (same postmaster, nothing crashed) and keeps replaying.
# Both servers are stopped and the directory removed on the way out, whatever happened.
set -uo pipefail
cd "$(dirname "$0")/.."
# The cluster of scripts/test.sh (if any) is not ours: forget it before anything can stop it.
unset MPS_CLUSTER_DIR
# shellcheck source=scripts/cluster.sh
source scripts/cluster.sh

failures=0
say() { printf '%s\n' "$*"; }
ok() { say "  ok: $*"; }
fail() { say "  FAIL: $*"; failures=$((failures + 1)); }
PSQL=(psql -X -q -v ON_ERROR_STOP=1)
db=mps_replica
alice=00000000-0000-4000-8000-0000000a11ce
staff=00000000-0000-4000-8000-00000000cafe

# 1. The primary.
MPS_FSYNC=off mps_cluster_start || { say "replica: could not start the primary"; exit 1; }
primary=$PGPORT
standby=
standby_dir=$MPS_CLUSTER_DIR/standby
stop_standby() {
  [ -f "$standby_dir/postmaster.pid" ] || return 0
  mps_as_owner "$MPS_PGBIN/pg_ctl" -D "$standby_dir" -m fast -w stop >/dev/null 2>&1 || true
}
trap 'stop_standby; mps_cluster_stop' EXIT
trap 'exit 130' INT TERM
# MPS_FSYNC=off also turns synchronous_commit off, and then a commit can return before its WAL
# is written, so pg_current_wal_lsn() (the write position) may not cover it yet: the primary's
# sessions here commit synchronously (with fsync off that costs nothing).
P() { PGOPTIONS="${PGOPTIONS:-} -c synchronous_commit=on" "${PSQL[@]}" -p "$primary" "$@"; }
S() { "${PSQL[@]}" -p "$standby" "$@"; }

say ""
say "--- primary on 127.0.0.1:$primary"
conf=$(P -At -c "SELECT current_setting('wal_level') || ' ' || current_setting('max_wal_senders') || ' ' || current_setting('hot_standby')")
hba=$(P -At -c "SELECT count(*) FROM pg_hba_file_rules
                 WHERE type = 'host' AND 'replication' = ANY (database) AND address = '127.0.0.1' AND error IS NULL")
if [ "${conf%% *}" = replica ] && [ "$(cut -d' ' -f2 <<<"$conf")" -gt 0 ] && [ "$hba" -gt 0 ]; then
  ok "the primary allows streaming replication from 127.0.0.1 (wal_level max_wal_senders hot_standby: $conf; pg_hba.conf replication rules for 127.0.0.1: $hba)"
else
  fail "the primary does not allow streaming replication from 127.0.0.1 (wal_level max_wal_senders hot_standby: $conf; pg_hba.conf replication rules for 127.0.0.1: $hba)"
  exit 1
fi

# 2. A database filled through the RPCs.
P -d postgres -c "CREATE DATABASE $db" || { fail "could not create the database"; exit 1; }
if ! fill=$(P -At -d "$db" -v alice="$alice" -v staff="$staff" 2>&1 <<'SQL'
CREATE EXTENSION mps;
SELECT app.create_merchant('COFFEE01', 'Replica Corner', 'ops@example.com') AS merchant_id \gset
SELECT app.add_merchant_user('COFFEE01', :'staff', 'cashier') IS NULL AS added \gset
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'alice', 'role', 'authenticated')::text, true) IS NOT NULL AS claims \gset
SELECT app.create_member_profile('Alice', '+86 138 0000 0000', 'alice@example.com') AS member_id \gset
COMMIT;
SELECT id AS card_id FROM app.member_cards WHERE owner_member_id = :'member_id' \gset
SELECT tx_no AS recharge_no FROM app.user_recharge_card(:'card_id', 1000.00, 'wechat', 'app top-up', '{}', 'wx-replica-1') \gset
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'alice', 'role', 'authenticated')::text, true) IS NOT NULL AS claims \gset
SELECT qr_plain AS qr FROM app.rotate_card_qr(:'card_id') \gset
COMMIT;
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'staff', 'role', 'authenticated')::text, true) IS NOT NULL AS claims \gset
SELECT tx_no AS pay_no FROM app.merchant_charge_by_qr('COFFEE01', :'qr', 299.00, 'latte x 10', '{"pos":"1"}', 'pos-1-0001') \gset
SELECT refund_tx_no AS refund_no FROM app.merchant_refund_tx('COFFEE01', :'pay_no', 100.00, 'two lattes returned') \gset
COMMIT;
SELECT 'merchant_id=' || :'merchant_id', 'card_id=' || :'card_id', 'pay_no=' || :'pay_no', 'refund_no=' || :'refund_no';
SQL
); then
  fail "filling the primary through the RPCs failed:"; say "$fill"; exit 1
fi
declare -A v=()
while IFS='=' read -r key value; do v[$key]=$value; done < <(tr '|' '\n' <<<"$fill")
ok "the primary filled through the RPCs: merchant COFFEE01 with its cashier, Alice's card ${v[card_id]} recharged 1000.00 (superuser), charged 299.00 by QR (${v[pay_no]}), refunded 100.00 (${v[refund_no]})"

# 3. The standby: a base backup with its recovery settings (-R), started on another port.
if ! mps_as_owner "$MPS_PGBIN/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$standby_dir" -R -X stream -c fast \
     >"$MPS_CLUSTER_DIR/basebackup.log" 2>&1; then
  fail "pg_basebackup -R from the primary failed:"; cat "$MPS_CLUSTER_DIR/basebackup.log"; exit 1
fi
tries=0
while :; do
  standby=$((20000 + RANDOM % 20000))
  [ "$standby" = "$primary" ] && continue
  printf 'port = %s\n' "$standby" >>"$standby_dir/postgresql.conf"
  if mps_as_owner "$MPS_PGBIN/pg_ctl" -D "$standby_dir" -l "$MPS_CLUSTER_DIR/standby.log" -w -t 60 start >/dev/null; then
    break
  fi
  tries=$((tries + 1))
  if [ $tries -ge 5 ]; then fail "the standby did not start:"; cat "$MPS_CLUSTER_DIR/standby.log"; exit 1; fi
done
say ""
say "--- standby on 127.0.0.1:$standby (pg_basebackup -R of the primary)"
[ "$(S -At -d "$db" -c 'SELECT pg_is_in_recovery()')" = t ] && ok "the standby is in recovery (a hot standby answering queries)" \
  || fail "the standby is not in recovery"

# Written on the primary after the backup, so they reach the standby only by streaming: a
# realtime settlement of the last hour, and a fresh QR code of Alice's (for the charge the
# standby must refuse).
if ! more=$(P -At -d "$db" -v alice="$alice" -v merchant_id="${v[merchant_id]}" -v card_id="${v[card_id]}" 2>&1 <<'SQL'
SELECT app.generate_settlement(:'merchant_id', 'realtime', now() - interval '1 hour', clock_timestamp()) AS settlement_id \gset
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'alice', 'role', 'authenticated')::text, true) IS NOT NULL AS claims \gset
SELECT qr_plain AS qr FROM app.rotate_card_qr(:'card_id') \gset
COMMIT;
SELECT 'settlement_id=' || :'settlement_id', 'qr=' || :'qr';
SQL
); then
  fail "the settlement or the QR code on the primary failed:"; say "$more"; exit 1
fi
while IFS='=' read -r key value; do v[$key]=$value; done < <(tr '|' '\n' <<<"$more")
ok "on the primary after the backup: settlement ${v[settlement_id]} (realtime, the last hour) and a fresh QR code of Alice's"

# Waits until the standby has replayed everything the primary has written so far.
wait_replay() {
  local lsn i
  lsn=$(P -At -c 'SELECT pg_current_wal_lsn()')
  for i in $(seq 1 150); do
    [ "$(S -At -c "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] && { say "$lsn"; return 0; }
    sleep 0.2
  done
  say "$lsn"; return 1
}
start=$SECONDS
if lsn=$(wait_replay); then
  ok "the standby replayed the primary's current LSN $lsn (within $((SECONDS - start)) s)"
else
  fail "the standby did not replay the primary's LSN $lsn within 30 s (replayed: $(S -At -c 'SELECT pg_last_wal_replay_lsn()'))"
  exit 1
fi
streaming=$(P -At -c "SELECT string_agg(state, ',') FROM pg_stat_replication")
receiver=$(S -At -c "SELECT status FROM pg_stat_wal_receiver")
[ "$streaming" = streaming ] && [ "$receiver" = streaming ] \
  && ok "streaming replication: pg_stat_replication on the primary '$streaming', pg_stat_wal_receiver on the standby '$receiver'" \
  || fail "not streaming: pg_stat_replication on the primary '$streaming', pg_stat_wal_receiver on the standby '$receiver'"

# Runs $3 on port $1 in a read-only transaction (BEGIN READ ONLY, as PostgREST runs a STABLE
# function), as the authenticated user $2 (JWT sub, transaction-local) or, with $2 empty, as the
# superuser. Prints the rows (unaligned, with the column names), or the error.
read_call() {
  local port=$1 sub=$2 sql=$3
  {
    echo 'BEGIN READ ONLY;'
    if [ -n "$sub" ]; then
      echo 'SET LOCAL ROLE authenticated;'
      echo "SELECT set_config('request.jwt.claims', json_build_object('sub', '$sub', 'role', 'authenticated')::text, true) IS NOT NULL AS claims \\gset"
    fi
    echo "$sql;"
    echo 'COMMIT;'
  } | "${PSQL[@]}" -A -p "$port" -d "$db" -P footer=off 2>&1
}

# 4. Every query RPC answers the same on the standby as on the primary.
say ""
say "--- query RPCs on the standby (read-only transactions) against the primary"
# label | caller (user id, empty = superuser) | call | rows expected
checks=(
  "get_member_transactions, Alice|$alice|SELECT * FROM app.get_member_transactions()|3"
  "get_member_transactions of Alice's card, page of 2, Alice|$alice|SELECT * FROM app.get_member_transactions('${v[card_id]}', p_limit => 2)|2"
  "get_merchant_transactions, the cashier|$staff|SELECT * FROM app.get_merchant_transactions('COFFEE01')|2"
  "get_transaction_detail of the payment, Alice|$alice|SELECT * FROM app.get_transaction_detail('${v[pay_no]}')|2"
  "get_transaction_detail of the refund, the cashier|$staff|SELECT * FROM app.get_transaction_detail('${v[refund_no]}')|2"
  "get_point_ledger, Alice|$alice|SELECT * FROM app.get_point_ledger('${v[card_id]}')|2"
  "get_member_cards, Alice|$alice|SELECT * FROM app.get_member_cards()|1"
  "list_settlements of COFFEE01, the cashier|$staff|SELECT * FROM app.list_settlements('COFFEE01')|1"
  "list_settlements, superuser||SELECT * FROM app.list_settlements()|1"
  "get_settlement_lines, the cashier|$staff|SELECT * FROM app.get_settlement_lines('${v[settlement_id]}')|2"
  "app.verify_ledger(), superuser||SELECT * FROM app.verify_ledger()|0"
)
for check in "${checks[@]}"; do
  IFS='|' read -r label sub sql want <<<"$check"
  on_primary=$(read_call "$primary" "$sub" "$sql"); rc_p=$?
  on_standby=$(read_call "$standby" "$sub" "$sql"); rc_s=$?
  rows=$(($(wc -l <<<"$on_standby") - 1))
  if [ $rc_s -ne 0 ]; then
    fail "$label on the standby: $on_standby"
  elif [ $rc_p -ne 0 ]; then
    fail "$label on the primary: $on_primary"
  elif [ "$on_primary" != "$on_standby" ]; then
    fail "$label: the standby's answer differs from the primary's:"
    diff <(echo "$on_primary") <(echo "$on_standby") | sed 's/^/    /'
  elif [ "$rows" -ne "$want" ]; then
    fail "$label: $rows rows on both, not $want:"; sed 's/^/    /' <<<"$on_standby"
  else
    ok "$label: $rows row(s) on the standby, equal to the primary's"
  fi
done

# 5. The write RPCs on the standby: SQLSTATE 25006, and the standby keeps answering.
say ""
say "--- write RPCs on the standby"
# Runs $3 on the standby in an ordinary transaction (as PostgREST runs a VOLATILE function) as
# $2 ('alice', 'staff', 'service_role' or 'superuser'); prints "SQLSTATE|message".
write_call() {
  local as=$1 sql=$2
  {
    echo '\set ON_ERROR_STOP 0'
    echo 'BEGIN;'
    case $as in
      service_role) echo 'SET LOCAL ROLE service_role;' ;;
      superuser) ;;
      *) echo 'SET LOCAL ROLE authenticated;'
         echo "SELECT set_config('request.jwt.claims', json_build_object('sub', :'$as', 'role', 'authenticated')::text, true) IS NOT NULL AS claims \\gset" ;;
    esac
    echo "$sql \\gset"
    echo '\echo result :SQLSTATE :LAST_ERROR_MESSAGE'
    echo 'ROLLBACK;'
  } | "${PSQL[@]}" -At -p "$standby" -d "$db" -v alice="$alice" -v staff="$staff" 2>/dev/null | sed -n 's/^result //p'
}
started=$(S -At -c 'SELECT pg_postmaster_start_time()')
writes=(
  "merchant_charge_by_qr, the cashier|staff|SELECT tx_no FROM app.merchant_charge_by_qr('COFFEE01', '${v[qr]}', 10.00, 'on the standby', '{}', 'standby-pay-1')"
  "user_recharge_card, service_role|service_role|SELECT tx_no FROM app.user_recharge_card('${v[card_id]}', 50.00, 'wechat', 'on the standby', '{}', 'wx-standby-1')"
  "rotate_card_qr, Alice|alice|SELECT qr_plain FROM app.rotate_card_qr('${v[card_id]}')"
  "generate_settlement, superuser|superuser|SELECT app.generate_settlement('${v[merchant_id]}', 'realtime', now() - interval '1 hour', clock_timestamp()) AS settlement_id"
)
for w in "${writes[@]}"; do
  IFS='|' read -r label as sql <<<"$w"
  result=$(write_call "$as" "$sql")
  state=${result%% *} message=${result#* }
  if [ "$state" = 25006 ]; then
    ok "$label on the standby: SQLSTATE 25006 \"$message\""
  else
    fail "$label on the standby: SQLSTATE '${state}' (\"$message\"), not 25006 read_only_sql_transaction"
  fi
done
after=$(S -At -c 'SELECT pg_postmaster_start_time()' 2>&1)
crashes=$(grep -cE 'terminated by signal|PANIC|server process .* exited with exit code|TRAP:' "$MPS_CLUSTER_DIR/standby.log")
if [ "$after" = "$started" ] && [ "$crashes" -eq 0 ] && [ "$(S -At -d "$db" -c 'SELECT pg_is_in_recovery()')" = t ]; then
  ok "the standby still answers, same postmaster since $started, no crash in its log"
else
  fail "the standby after the writes: postmaster started $started, now '$after'; $crashes crash line(s) in its log:"
  grep -E 'terminated by signal|PANIC|server process .* exited with exit code|TRAP:' "$MPS_CLUSTER_DIR/standby.log" | sed 's/^/    /'
fi

# The refused calls changed nothing: the QR code the standby refused still pays on the primary,
# and the standby, still replaying, then shows that payment to Alice.
if pay=$(P -At -d "$db" -v staff="$staff" -v qr="${v[qr]}" 2>&1 <<'SQL'
BEGIN;
SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'staff', 'role', 'authenticated')::text, true) IS NOT NULL AS claims \gset
SELECT tx_no FROM app.merchant_charge_by_qr('COFFEE01', :'qr', 10.00, 'on the primary', '{}', 'standby-pay-1');
COMMIT;
SQL
) && lsn=$(wait_replay); then
  rows=$(read_call "$standby" "$alice" "SELECT tx_no FROM app.get_member_transactions()" | tail -n +2)
  if grep -qx "$pay" <<<"$rows" && [ "$(wc -l <<<"$rows")" -eq 4 ]; then
    ok "the QR code the standby refused pays on the primary ($pay, same idempotency key), replayed (LSN $lsn) and read by Alice on the standby"
  else
    fail "after a payment on the primary ($pay) Alice reads on the standby: $rows"
  fi
else
  fail "the payment on the primary after the refused writes, or its replay: $pay"
fi

say ""
if [ $failures -ne 0 ]; then say "replica: $failures check(s) FAILED"; exit 1; fi
say "replica: ok"
