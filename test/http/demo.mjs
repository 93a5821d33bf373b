// The payment story of scripts/demo.sql, told through supabase-js against the PostgREST-protocol
// front (scripts/demo.sh --http starts both): every step prints the supabase-js call an app or
// backend would make and what it got back, so a reader sees exactly what their code sends.
// Needs MPS_HTTP_URL and MPS_JWT_SECRET. Exits non-zero when a step does not answer as expected.
import { createClient } from '@supabase/supabase-js';
import { sign } from './lib/jwt.mjs';

const url = process.env.MPS_HTTP_URL;
const secret = process.env.MPS_JWT_SECRET;
if (!url || !secret) {
  console.error('demo.mjs needs MPS_HTTP_URL and MPS_JWT_SECRET (scripts/demo.sh --http sets them)');
  process.exit(1);
}

const now = () => Math.floor(Date.now() / 1000);
// The project's anon key (the apikey every supabase-js client sends) and the callers' tokens, as
// Supabase Auth would issue them: role authenticated with the user id in sub; the payment
// backend uses the service_role key.
const anonKey = sign({ role: 'anon', iss: 'supabase', iat: now(), exp: now() + 3600 }, secret);
const userToken = (sub) => sign({ role: 'authenticated', aud: 'authenticated', sub, iat: now(), exp: now() + 3600 }, secret);
const serviceKey = sign({ role: 'service_role', iss: 'supabase', iat: now(), exp: now() + 3600 }, secret);

// createClient builds a realtime client too, which on Node < 22 (no global WebSocket) needs a
// transport; the demo opens no channel, so it gets one that refuses to be used.
class NoRealtime {
  constructor() { throw new Error('the demo uses no realtime channel'); }
}
const options = { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: NoRealtime } };
const client = (accessToken) => createClient(url, anonKey, {
  ...options,
  global: { headers: { Authorization: `Bearer ${accessToken}` } },
});

const staffId = '00000000-0000-4000-8000-00000000cafe';
const aliceId = '00000000-0000-4000-8000-0000000a11ce';
const bobId = '00000000-0000-4000-8000-000000000b0b';
const callers = {
  backend: client(serviceKey),   // the trusted backend (service_role): platform administrator
  alice: client(userToken(aliceId)),
  bob: client(userToken(bobId)),
  cashier: client(userToken(staffId)),
  anon: createClient(url, anonKey, options),
};

// Long secrets are shortened when printed (a QR code is shown once, to its card's holder).
const show = (v) => JSON.stringify(v, (k, x) => (k === 'p_qr_plain' || k === 'qr_plain') && typeof x === 'string'
  ? `${x.slice(0, 10)}…` : x);

let failures = 0;
async function call(who, fn, args, expect = { ok: true }) {
  const shown = args === undefined ? '' : `, ${show(args)}`;
  console.log(`${who}> supabase.schema('app').rpc('${fn}'${shown})`);
  const { data, error, status } = await callers[who].schema('app').rpc(fn, args);
  if (error) {
    console.log(`   -> ${status} error ${show({ code: error.code, message: error.message, details: error.details, hint: error.hint })}`);
  } else {
    console.log(`   -> ${status} data ${show(data)}`);
  }
  const ok = expect.ok ? !error
    : Boolean(error) && status === expect.status && (!expect.message || error.message === expect.message);
  if (!ok) {
    failures++;
    console.log(`   !! expected ${expect.ok ? 'success' : `${expect.status} ${expect.message || ''}`}`);
  }
  return data;
}

const step = (title) => console.log(`\n== ${title}`);

step('1. The backend (service_role) creates the merchant and its cashier');
await call('backend', 'create_merchant', { p_code: 'COFFEE01', p_name: 'Blue Bottle Corner', p_contact: 'ops@example.com' });
await call('backend', 'add_merchant_user', { p_merchant_code: 'COFFEE01', p_user_id: staffId, p_role: 'cashier' });

step('2. Alice registers herself from the app (authenticated, JWT sub = her user id)');
await call('alice', 'create_member_profile', { p_name: 'Alice', p_phone: '+86 138 0000 0000', p_email: 'alice@example.com' });
const [card] = await call('alice', 'get_member_cards');
const cardId = card?.card_id;

step('3. The payment backend confirms a WeChat payment and recharges 1000.00');
await call('backend', 'user_recharge_card', {
  p_card_id: cardId, p_amount: 1000.00, p_payment_method: 'wechat', p_reason: 'app top-up',
  p_idempotency_key: 'wx-4200001234', p_external_order_id: 'WX-ORDER-1',
});

step('4. Alice opens her payment code: a fresh QR (the previous one stops working)');
const [qr] = await call('alice', 'rotate_card_qr', { p_card_id: cardId });

step('5. The cashier scans it and charges 299.00 (idempotency key pos-1-0001)');
const charge = {
  p_merchant_code: 'COFFEE01', p_qr_plain: qr?.qr_plain, p_raw_price: 299.00, p_reason: 'latte x 10',
  p_tag: { pos: '1' }, p_idempotency_key: 'pos-1-0001', p_external_order_id: 'POS-1-0001',
};
const [pay] = await call('cashier', 'merchant_charge_by_qr', charge);

step('6. The POS retries the same request after a timeout: the same transaction, charged once');
const [again] = await call('cashier', 'merchant_charge_by_qr', charge);
if (again?.tx_no !== pay?.tx_no) { failures++; console.log('   !! the retry answered another transaction'); }

step('7. The same key with another amount is refused');
await call('cashier', 'merchant_charge_by_qr', { ...charge, p_raw_price: 1.00, p_external_order_id: undefined },
  { message: 'IDEMPOTENCY_KEY_REUSED', status: 409 });

step('7b. The payment used the QR code up: scanned again for a new charge, it is refused');
await call('cashier', 'merchant_charge_by_qr', { p_merchant_code: 'COFFEE01', p_qr_plain: qr?.qr_plain, p_raw_price: 5.00, p_reason: 'one more latte' },
  { message: 'QR_EXPIRED_OR_INVALID', status: 400 });

step('8. Partial refund of 100.00 (two lattes returned)');
await call('cashier', 'merchant_refund_tx', { p_merchant_code: 'COFFEE01', p_original_tx_no: pay?.tx_no, p_refund_amount: 100.00, p_reason: 'two lattes returned' });

step('9. Alice reads her own card, transactions and point ledger');
await call('alice', 'get_member_cards');
await call('alice', 'get_member_transactions', { p_card_id: cardId });
await call('alice', 'get_point_ledger', { p_card_id: cardId });

step('10. Nobody reads what is not theirs: Bob asks for Alice\'s ledger, anon for the ledger checker');
await call('bob', 'get_point_ledger', { p_card_id: cardId }, { message: 'PERMISSION_DENIED', status: 403 });
await call('anon', 'verify_ledger', undefined, { status: 401 });

step('11. Alice opens a family (prepaid) card with a binding password; the backend tops it up');
const [family] = await call('alice', 'create_prepaid_card', { p_binding_password: 'our-family-2026' });
await call('backend', 'user_recharge_card', { p_card_id: family?.card_id, p_amount: 300.00, p_payment_method: 'alipay', p_reason: 'family top-up', p_idempotency_key: 'ali-2088-0001' });

step('12. Bob registers; a wrong password does not bind him (false, and counted), the right one does');
const bobMember = await call('bob', 'create_member_profile', { p_name: 'Bob' });
await call('bob', 'bind_member_to_card', { p_card_id: family?.card_id, p_member_id: bobMember, p_role: 'member', p_binding_password: 'our-family' });
await call('bob', 'bind_member_to_card', { p_card_id: family?.card_id, p_member_id: bobMember, p_role: 'member', p_binding_password: 'our-family-2026' });
const [familyQr] = await call('bob', 'rotate_card_qr', { p_card_id: family?.card_id });

step('13. Bob pays 45.00 from the family card at the cashier');
await call('cashier', 'merchant_charge_by_qr', { p_merchant_code: 'COFFEE01', p_qr_plain: familyQr?.qr_plain, p_raw_price: 45.00, p_reason: 'breakfast for two' });
await call('bob', 'get_member_cards');

step('14. A 20.00 voucher for Bob pays once: 12.50 of it, the 7.50 left is written off');
const [voucher] = await call('backend', 'create_voucher_card', {
  p_member_id: bobMember, p_face_value: 20.00, p_expires_at: new Date(Date.now() + 30 * 86400e3).toISOString(),
  p_reason: 'welcome voucher',
});
const [voucherQr] = await call('bob', 'rotate_card_qr', { p_card_id: voucher?.card_id, p_card_type: 'voucher' });
await call('cashier', 'merchant_charge_by_qr', { p_merchant_code: 'COFFEE01', p_qr_plain: voucherQr?.qr_plain, p_raw_price: 12.50, p_reason: 'croissant' });
await call('bob', 'get_member_transactions', { p_card_id: voucher?.card_id });

step('15. Ledger checker (the backend): an empty array means every invariant holds');
const violations = await call('backend', 'verify_ledger');
if (!Array.isArray(violations) || violations.length !== 0) { failures++; console.log('   !! the ledger checker found something'); }

console.log(failures === 0 ? '\ndemo --http: every call answered as expected' : `\ndemo --http: ${failures} calls did not answer as expected`);
process.exit(failures === 0 ? 0 : 1);
