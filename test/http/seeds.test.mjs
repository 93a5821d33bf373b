// The seeds' own client examples, through the real supabase-js and the PostgREST-protocol front,
// line by line as the seeds write them: function names, parameter names, the order of the
// calls, and the answer read the way the seeds read it (`qr_result[0]["qr_plain"]`,
// `payment_result[0]['tx_no']`, `{ data: pay, error }`).
//   - seed 001 "快速開始" §4 (Python, the service_role key: the trusted backend): create a
//     member bound to its wechat login, rotate a QR code for 15 minutes, charge with a tag, an
//     idempotency key and an external order id, recharge the prepaid card, refund part of it;
//     the `except` branches (INSUFFICIENT_BALANCE, QR_EXPIRED_OR_INVALID) as a client sees them.
//   - seed 000 §7 (supabase-js with the anon key, the member's and the cashier's sessions) and
//     §5.3/§5.4/§7.2: rotate with p_card_type 'personal', the cashier's charge with
//     p_raw_price 25.50, 'coffee', { sku: 'latte' } and crypto.randomUUID(); recharge with
//     'wechat', 'topup'; refund 10.00 'customer_request'.
// Values the seeds write literally stay, except those that must be unique per run (merchant
// codes, the wechat openid, idempotency keys and external order ids get this run's suffix).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  suffix, newUserId, asUser, asService, ok, okVoid, refused, rowsWithKeys, scalar, UUID,
} from './lib/clients.mjs';

const S = suffix();

// The card balance as the backend reads it (get_member_cards, p_member_id).
async function balanceOf(service, memberId, cardId) {
  const cards = ok(await service.rpc('get_member_cards', { p_member_id: memberId }), 'get_member_cards');
  const card = cards.find((c) => c.card_id === cardId);
  assert.ok(card, `card ${cardId} among the member's cards`);
  return card.balance;
}

test('seed 001 快速開始: the trusted backend (service_role key) registers, rotates, charges, recharges, refunds', async (t) => {
  const supabase = await asService();
  // def rpc(function_name, params): response = supabase.rpc(function_name, params).execute(); return response.data
  const rpc = (fn, params) => supabase.rpc(fn, params);
  const shop = `SHOP001_${S}`;
  const openid = `wx_openid_abc123_${S}`;
  ok(await rpc('create_merchant', { p_code: shop, p_name: 'Seed 001 shop' }), 'create_merchant (fixture)');

  let memberId;
  await t.test('創建會員（自動生成標準卡）: create_member_profile with the wechat binding', async () => {
    const res = await rpc('create_member_profile', {
      p_name: '張小明',
      p_phone: '0988123456',
      p_email: 'ming@example.com',
      p_binding_user_org: 'wechat',
      p_binding_org_id: openid,
    });
    memberId = scalar(ok(res, 'create_member_profile'), 'string', 'create_member_profile');
    assert.match(memberId, UUID, 'print(f"會員 ID: {member_id}"): a bare uuid');
    // The wechat login is bound: the backend's next login with it finds this member.
    const login = rowsWithKeys(ok(await rpc('login_or_register_external', { p_provider: 'wechat', p_external_id: openid }),
      'login_or_register_external'), ['member_id', 'member_no', 'is_new'], 'login_or_register_external');
    assert.deepEqual([login[0].member_id, login[0].is_new], [memberId, false], 'the openid belongs to the new member');
    // ... and it comes with its standard card.
    const cards = ok(await rpc('get_member_cards', { p_member_id: memberId }), 'get_member_cards');
    assert.deepEqual(cards.map((c) => [c.card_type, c.balance, c.level, c.discount]), [['standard', 0, 0, 1]],
      'one standard card, empty, level 0, discount 1.000');
  });

  // The seed's "<prepaid-card-uuid>": the member's prepaid card, issued by the backend.
  const prepaid = rowsWithKeys(ok(await rpc('create_prepaid_card', { p_member_id: memberId }), 'create_prepaid_card'),
    ['card_id', 'card_no'], 'create_prepaid_card')[0].card_id;

  let qrPlain;
  await t.test('生成付款 QR 碼: rotate_card_qr with p_ttl_seconds 900', async () => {
    const before = Date.now();
    const qrResult = ok(await rpc('rotate_card_qr', { p_card_id: prepaid, p_ttl_seconds: 900 }), 'rotate_card_qr');
    rowsWithKeys(qrResult, ['qr_plain', 'qr_expires_at'], 'rotate_card_qr');
    qrPlain = qrResult[0]['qr_plain'];
    const expiresAt = qrResult[0]['qr_expires_at'];
    assert.equal(qrResult.length, 1);
    assert.equal(typeof qrPlain, 'string');
    const ttl = (Date.parse(expiresAt) - before) / 1000;
    assert.ok(ttl > 890 && ttl < 910, `the code expires in 15 minutes (${ttl} s)`);
  });

  const charge = {
    p_merchant_code: shop,
    p_qr_plain: undefined,
    p_raw_amount: 299.00,
    p_idempotency_key: `order-20250929-001-${S}`, // 防重複
    p_tag: { scene: 'miniapp', campaign: 'double11' },
    p_external_order_id: `WX20250929001-${S}`,
  };

  await t.test('商戶掃碼收款 on an empty card: the seed\'s `"INSUFFICIENT_BALANCE" in str(e)` branch', async () => {
    const res = await rpc('merchant_charge_by_qr', { ...charge, p_qr_plain: qrPlain });
    const error = refused(res, {
      status: 400, code: 'P0001', message: 'INSUFFICIENT_BALANCE',
      details: 'The card balance does not cover 299.00.',
      hint: 'Recharge the card or pay a smaller amount.',
    }, 'charge of an empty card');
    assert.ok(String(error.message).includes('INSUFFICIENT_BALANCE'), '餘額不足，請提醒用戶充值');
    assert.equal(await balanceOf(supabase, memberId, prepaid), 0, 'nothing was charged');
  });

  let rechargeTxNo;
  await t.test('充值預付卡: user_recharge_card 500.00 wechat with its key and tag', async () => {
    const rechargeResult = ok(await rpc('user_recharge_card', {
      p_card_id: prepaid,
      p_amount: 500.00,
      p_payment_method: 'wechat',
      p_idempotency_key: `topup-20250929-001-${S}`,
      p_tag: { channel: 'app' },
    }), 'user_recharge_card');
    rowsWithKeys(rechargeResult, ['tx_id', 'tx_no', 'card_id', 'amount', 'status', 'order_id'], 'user_recharge_card');
    rechargeTxNo = rechargeResult[0]['tx_no'];
    assert.match(rechargeTxNo, /^RCG\d{20}$/, 'print(f"充值成功，交易號: {recharge_result[0][\'tx_no\']}")');
    assert.deepEqual([rechargeResult[0].card_id, rechargeResult[0].amount, rechargeResult[0].status, rechargeResult[0].order_id],
      [prepaid, 500, 'completed', null], 'the backend\'s recharge is completed at once');
    assert.equal(await balanceOf(supabase, memberId, prepaid), 500);
  });

  let paymentResult;
  await t.test('商戶掃碼收款: the same charge again, now covered (the refusal left the key and the code unused)', async () => {
    paymentResult = ok(await rpc('merchant_charge_by_qr', { ...charge, p_qr_plain: qrPlain }), 'merchant_charge_by_qr');
    rowsWithKeys(paymentResult,
      ['tx_id', 'tx_no', 'card_type', 'card_id', 'final_amount', 'discount', 'points_earned', 'discount_source',
        'partner_organization_id'], 'merchant_charge_by_qr');
    assert.equal(paymentResult.length, 1);
    assert.match(paymentResult[0]['tx_no'], /^PAY\d{20}$/, '交易號');
    assert.equal(paymentResult[0]['final_amount'], 299, '實付金額');
    assert.equal(paymentResult[0]['discount'], 1, '折扣');
    assert.deepEqual([paymentResult[0].card_type, paymentResult[0].card_id, paymentResult[0].points_earned],
      ['prepaid', prepaid, 299]);
    assert.equal(await balanceOf(supabase, memberId, prepaid), 201);
  });

  await t.test('the POS retries with the same idempotency key: the same transaction, charged once', async () => {
    const retried = ok(await rpc('merchant_charge_by_qr', { ...charge, p_qr_plain: qrPlain }), 'retried charge');
    assert.deepEqual(retried, paymentResult, 'the same answer: same tx_id, tx_no and amounts');
    assert.equal(await balanceOf(supabase, memberId, prepaid), 201, 'the balance was charged once');
    const history = ok(await rpc('get_member_transactions', { p_member_id: memberId, p_card_id: prepaid }),
      'get_member_transactions');
    assert.deepEqual(history.map((tx) => [tx.tx_type, tx.tx_no]).sort(),
      [['payment', paymentResult[0].tx_no], ['recharge', rechargeTxNo]].sort(), 'one payment, one recharge');
  });

  await t.test('the used QR code for a new order: the seed\'s QR_EXPIRED_OR_INVALID branch (QR 碼已過期，請重新生成)', async () => {
    const res = await rpc('merchant_charge_by_qr', {
      ...charge, p_qr_plain: qrPlain, p_raw_amount: 1.00,
      p_idempotency_key: `order-20250929-002-${S}`, p_external_order_id: `WX20250929002-${S}`,
    });
    refused(res, { status: 400, code: 'P0001', message: 'QR_EXPIRED_OR_INVALID' }, 'a used-up QR code');
    assert.equal(await balanceOf(supabase, memberId, prepaid), 201);
  });

  await t.test('商戶退款: merchant_refund_tx 50.00 with a tag', async () => {
    const refundResult = ok(await rpc('merchant_refund_tx', {
      p_merchant_code: shop,
      p_original_tx_no: paymentResult[0].tx_no,
      p_refund_amount: 50.00,
      p_tag: { reason: '商品瑕疵' },
    }), 'merchant_refund_tx');
    rowsWithKeys(refundResult, ['refund_tx_id', 'refund_tx_no', 'refunded_amount'], 'merchant_refund_tx');
    assert.match(refundResult[0]['refund_tx_no'], /^REF\d{20}$/, 'print(f"退款成功，退款單號: {refund_result[0][\'refund_tx_no\']}")');
    assert.equal(refundResult[0].refunded_amount, 50);
    assert.equal(await balanceOf(supabase, memberId, prepaid), 251);
  });
});

test('seed 000 §7 (supabase-js): the member rotates, the cashier charges, the backend recharges, the merchant refunds', async (t) => {
  const backend = await asService();
  const shop = `M001_${S}`;
  const cashierUser = newUserId();
  const memberUser = newUserId();
  ok(await backend.rpc('create_merchant', { p_code: shop, p_name: 'Test Merchant' }), 'create_merchant (fixture)');
  okVoid(await backend.rpc('add_merchant_user', { p_merchant_code: shop, p_user_id: cashierUser, p_role: 'cashier' }),
    'add_merchant_user (fixture)');

  // The member's app and the merchant's POS: createClient(url, anonKey) with the user's session.
  const supabase = await asUser(memberUser);
  const pos = await asUser(cashierUser);

  // §5.1: the user registers; its standard card is issued (member id = its user id).
  const memberId = scalar(ok(await supabase.rpc('create_member_profile', { p_name: 'Demo User' }), 'create_member_profile'),
    'string', 'create_member_profile');
  assert.equal(memberId, memberUser, 'a member registering itself gets its user id as member id (seed 000 keys members so)');
  const cards = ok(await supabase.rpc('get_member_cards'), 'get_member_cards');
  assert.equal(cards.length, 1);
  const cardId = cards[0].card_id;

  await t.test('§5.4 个人卡充值 user_recharge_personal_card(card_id, amount, \'wechat\', \'topup\')', async () => {
    const byBackend = ok(await backend.rpc('user_recharge_personal_card', {
      p_personal_card_id: cardId, p_amount: 100, p_payment_method: 'wechat', p_reason: 'topup',
    }), 'user_recharge_personal_card by the backend');
    rowsWithKeys(byBackend, ['tx_id', 'tx_no', 'card_id', 'amount', 'status', 'order_id'], 'user_recharge_personal_card');
    assert.deepEqual([byBackend[0].card_id, byBackend[0].amount, byBackend[0].status], [cardId, 100, 'completed']);
    // The same call from the member's app is a pending recharge order (self-service recharge is
    // off): no money moves until the provider's callback is confirmed.
    const byMember = ok(await supabase.rpc('user_recharge_personal_card', {
      p_personal_card_id: cardId, p_amount: 100, p_payment_method: 'wechat', p_reason: 'topup',
    }), 'user_recharge_personal_card by the member');
    assert.deepEqual([byMember[0].tx_no, byMember[0].status], [null, 'pending']);
    assert.match(byMember[0].order_id, UUID);
    assert.equal(ok(await supabase.rpc('get_member_cards'), 'get_member_cards')[0].balance, 100);
  });

  let qr;
  await t.test('旋转二维码（个人卡）: { data: qr } = rpc("rotate_card_qr", { p_card_id, p_card_type: "personal" })', async () => {
    const { data, error, status } = await supabase.rpc('rotate_card_qr', { p_card_id: cardId, p_card_type: 'personal' });
    assert.equal(error, null);
    assert.equal(status, 200);
    qr = data;
    // qr: [{ qr_plain, qr_expires_at }]
    rowsWithKeys(qr, ['qr_plain', 'qr_expires_at'], 'rotate_card_qr');
    assert.equal(qr.length, 1);
  });

  let pay;
  const idempotencyKey = crypto.randomUUID();
  const chargeArgs = () => ({
    p_merchant_code: shop,
    p_qr_plain: qr[0].qr_plain, // scannedQR
    p_raw_price: 25.50,
    p_reason: 'coffee',
    p_tag: { sku: 'latte' },
    p_idempotency_key: idempotencyKey,
  });

  await t.test('商户收款（扫码后）: { data: pay, error } = rpc("merchant_charge_by_qr", {...})', async () => {
    const { data, error, status } = await pos.rpc('merchant_charge_by_qr', chargeArgs());
    assert.equal(error, null, JSON.stringify(error));
    assert.equal(status, 200);
    pay = data;
    rowsWithKeys(pay, ['tx_id', 'tx_no', 'card_type', 'card_id', 'final_amount', 'discount', 'points_earned', 'discount_source',
        'partner_organization_id'], 'charge');
    assert.match(pay[0].tx_no, /^PAY\d{20}$/);
    assert.deepEqual([pay[0].card_type, pay[0].card_id, pay[0].final_amount, pay[0].discount, pay[0].points_earned],
      ['standard', cardId, 25.5, 1, 25]);
    assert.equal(ok(await supabase.rpc('get_member_cards'), 'get_member_cards')[0].balance, 74.5);
  });

  await t.test('the POS retries with the same crypto.randomUUID() key: the same transaction, charged once', async () => {
    const { data, error, status } = await pos.rpc('merchant_charge_by_qr', chargeArgs());
    assert.equal(error, null, JSON.stringify(error));
    assert.equal(status, 200);
    assert.equal(data[0].tx_no, pay[0].tx_no, 'same tx_no');
    assert.deepEqual(data, pay, 'the same answer');
    const card = ok(await supabase.rpc('get_member_cards'), 'get_member_cards')[0];
    assert.deepEqual([card.balance, card.points], [74.5, 25], 'charged once, points earned once');
    // The same key with another amount is a conflict.
    refused(await pos.rpc('merchant_charge_by_qr', { ...chargeArgs(), p_raw_price: 26 }),
      { status: 409, code: 'PT409', message: 'IDEMPOTENCY_KEY_REUSED' }, 'the key with another amount');
  });

  await t.test('§5.3 / §7.2 退款: merchant_refund_tx(M001, original_tx_no, 10.00, \'customer_request\')', async () => {
    const res = await pos.rpc('merchant_refund_tx', {
      p_merchant_code: shop,
      p_original_tx_no: pay[0].tx_no,
      p_refund_amount: 10.00,
      p_reason: 'customer_request',
    });
    const refund = ok(res, 'merchant_refund_tx');
    rowsWithKeys(refund, ['refund_tx_id', 'refund_tx_no', 'refunded_amount'], 'merchant_refund_tx');
    assert.match(refund[0].refund_tx_no, /^REF\d{20}$/);
    assert.equal(refund[0].refunded_amount, 10);
    assert.equal(ok(await supabase.rpc('get_member_cards'), 'get_member_cards')[0].balance, 84.5);
  });

  await t.test('a charge over the balance: error.code P0001, message INSUFFICIENT_BALANCE, details, hint, HTTP 400', async () => {
    const fresh = ok(await supabase.rpc('rotate_card_qr', { p_card_id: cardId, p_card_type: 'personal' }), 'rotate_card_qr');
    const { data, error, status } = await pos.rpc('merchant_charge_by_qr', {
      ...chargeArgs(), p_qr_plain: fresh[0].qr_plain, p_raw_price: 1000, p_idempotency_key: crypto.randomUUID(),
    });
    assert.equal(data, null);
    assert.equal(status, 400);
    assert.equal(error.code, 'P0001');
    assert.equal(error.message, 'INSUFFICIENT_BALANCE');
    assert.equal(error.details, 'The card balance does not cover 1000.00.');
    assert.equal(error.hint, 'Recharge the card or pay a smaller amount.');
    assert.equal(ok(await supabase.rpc('get_member_cards'), 'get_member_cards')[0].balance, 84.5, 'nothing moved');
  });
});
