#!/usr/bin/env bash
# Plain-HTTP smoke test of a running PostgREST-protocol front (test/http/front.mjs, or a real
# PostgREST exposing schema app), for the people who call mps without supabase-js: curl only,
# the requests a backend would send. Needs MPS_HTTP_URL (e.g. http://127.0.0.1:3000, or the
# Supabase URL with /rest/v1) and MPS_JWT_SECRET (tokens are signed with test/http/lib/jwt.mjs).
# Prints each call's HTTP status and exits non-zero on the first mismatch.
#   service_role creates a merchant and adds its cashier; a member registers itself
#   (authenticated, sub = its user id); service_role recharges 100.00 (the provider's
#   transaction id as the idempotency key); the member rotates a QR code; the cashier charges
#   30.00 (200, the transaction row); the member rotates again and the cashier tries 500.00
#   (400, P0001 INSUFFICIENT_BALANCE); a token signed with another secret (401, PGRST301).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${MPS_HTTP_URL:?MPS_HTTP_URL is not set}"
: "${MPS_JWT_SECRET:?MPS_JWT_SECRET is not set}"
url=${MPS_HTTP_URL%/}
tmp=$(mktemp -d /tmp/mps-smoke.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# token ROLE [SUB [SECRET]]
token() {
  node --input-type=module -e "
    import { sign } from '$here/lib/jwt.mjs';
    const [role, sub, secret] = process.argv.slice(1);
    const now = Math.floor(Date.now() / 1000);
    const claims = { role, iat: now, exp: now + 600, aud: 'authenticated' };
    if (sub) claims.sub = sub;
    console.log(sign(claims, secret || process.env.MPS_JWT_SECRET));
  " "$@"
}

# field JSON_FILE EXPRESSION: prints a value of the response body (data = the parsed JSON).
field() {
  node -e "const fs = require('fs'); const data = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
           const v = (${2}); process.stdout.write(typeof v === 'string' ? v : JSON.stringify(v));" "$1"
}

uuid() { node -e "console.log(require('crypto').randomUUID())"; }

failures=0
step=0
# call NAME TOKEN EXPECTED_STATUS FN JSON_BODY: POST /rpc/FN; the body lands in $tmp/NAME.json.
call() {
  local name=$1 tok=$2 expect=$3 fn=$4 body=$5 status
  step=$((step + 1))
  status=$(curl -sS -o "$tmp/$name.json" -w '%{http_code}' -X POST "$url/rpc/$fn" \
    -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -H 'Content-Profile: app' \
    -H 'Accept: application/json' --data-binary "$body")
  if [ "$status" = "$expect" ]; then
    printf 'ok %d - %-34s POST /rpc/%s -> %s\n' "$step" "$name" "$fn" "$status"
  else
    printf 'not ok %d - %-30s POST /rpc/%s -> %s (expected %s): %s\n' "$step" "$name" "$fn" "$status" "$expect" \
      "$(cat "$tmp/$name.json")"
    exit 1
  fi
}

# expect NAME CONDITION DESCRIPTION: a check on $tmp/NAME.json.
expect() {
  step=$((step + 1))
  if [ "$(field "$tmp/$1.json" "$2")" = true ]; then
    printf 'ok %d - %s\n' "$step" "$3"
  else
    printf 'not ok %d - %s: %s\n' "$step" "$3" "$(cat "$tmp/$1.json")"
    exit 1
  fi
}

suffix=$(node -e "console.log(require('crypto').randomBytes(4).toString('hex').toUpperCase())")
merchant="SMOKE$suffix"
cashier=$(uuid)
member=$(uuid)
admin_tok=$(token service_role)
cashier_tok=$(token authenticated "$cashier")
member_tok=$(token authenticated "$member")

call create_merchant "$admin_tok" 200 create_merchant "{\"p_code\":\"$merchant\",\"p_name\":\"Smoke test shop\"}"
call add_merchant_user "$admin_tok" 204 add_merchant_user "{\"p_merchant_code\":\"$merchant\",\"p_user_id\":\"$cashier\",\"p_role\":\"cashier\"}"
call create_member_profile "$member_tok" 200 create_member_profile '{"p_name":"Smoke Member"}'
expect create_member_profile "data === '$member'" "the member id is the signed-in user's id"
call get_member_cards "$member_tok" 200 get_member_cards '{}'
expect get_member_cards "Array.isArray(data) && data.length === 1" "the member has one card (array of objects)"
card=$(field "$tmp/get_member_cards.json" 'data[0].card_id')
call recharge "$admin_tok" 200 user_recharge_card \
  "{\"p_card_id\":\"$card\",\"p_amount\":100.00,\"p_payment_method\":\"wechat\",\"p_idempotency_key\":\"wx-smoke-$suffix\"}"
expect recharge "data[0].amount === 100 && data[0].status === 'completed'" "recharged 100.00, completed"
call rotate_card_qr "$member_tok" 200 rotate_card_qr "{\"p_card_id\":\"$card\"}"
qr=$(field "$tmp/rotate_card_qr.json" 'data[0].qr_plain')
call charge "$cashier_tok" 200 merchant_charge_by_qr \
  "{\"p_merchant_code\":\"$merchant\",\"p_qr_plain\":\"$qr\",\"p_raw_price\":30.00,\"p_reason\":\"smoke\",\"p_idempotency_key\":\"smoke-$suffix-1\"}"
expect charge "Array.isArray(data) && data.length === 1 && /^PAY/.test(data[0].tx_no) && data[0].final_amount === 30 && data[0].card_id === '$card'" \
  "the charge answers its transaction row (tx_no $(field "$tmp/charge.json" 'data[0].tx_no'), 30.00)"
call rotate_again "$member_tok" 200 rotate_card_qr "{\"p_card_id\":\"$card\"}"
qr=$(field "$tmp/rotate_again.json" 'data[0].qr_plain')
call refused_charge "$cashier_tok" 400 merchant_charge_by_qr \
  "{\"p_merchant_code\":\"$merchant\",\"p_qr_plain\":\"$qr\",\"p_raw_price\":500.00,\"p_idempotency_key\":\"smoke-$suffix-2\"}"
expect refused_charge "data.code === 'P0001' && data.message === 'INSUFFICIENT_BALANCE' && typeof data.details === 'string'" \
  'refused: {"code":"P0001","message":"INSUFFICIENT_BALANCE", details, hint}'
call balance "$member_tok" 200 get_member_cards '{}'
expect balance "data[0].balance === 70" "the balance is 70.00: one charge, the refusal moved nothing"
call bad_token "$(token service_role '' 'not-the-secret')" 401 verify_ledger '{}'
expect bad_token "data.code === 'PGRST301'" "a token signed with another secret: 401 PGRST301, nothing done"
echo "smoke: $step checks passed against $url"
