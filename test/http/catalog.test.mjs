// Every function in schema app through the real supabase-js and the PostgREST-protocol front:
// at least once as a role that may call it (the answer's shape: a bare scalar, or an array of
// objects and the first row's keys) and once as a role that may not (HTTP status, error.code,
// error.message), per README's RPC table (who) and error table (SQLSTATE, HTTP status), plus
// not-found (PT404 -> 404), conflicts (PT409 -> 409) and hints (error.hint).
// The list of functions comes from the database (pg_proc of schema app, read in `before` over
// PG* with `pg`): a function without a case in CASES below fails this file, so a new RPC without
// a client test fails the layer. Every function is also called as anon, with placeholder
// arguments of its declared types, and must be refused by its EXECUTE grant (401 + 42501),
// except the ones README says everyone may call.
// The JWT section: a token claiming "role":"service_role" signed with another secret gains
// nothing (401, and the call did not happen), an expired token is 401; two users interleaved
// on the front's pooled connections each see only their own cards.
// Fixtures are made through the RPCs with this run's suffix and fresh user ids, so the file can
// run again on the same database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import {
  suffix, newUserId, anon, asUser, asService, clientWith, token, userToken, ok, okVoid, refused,
  rowsWithKeys, scalar, noGrant, permissionDenied, UUID,
} from './lib/clients.mjs';

const S = suffix();
const ZERO_UUID = '00000000-0000-4000-8000-000000000000';
// README: error_catalog() is for everyone; every other function is refused to anon by its grant.
const ANON_MAY = new Set(['error_catalog']);

const c = {}; // fixtures, filled by before() and by the cases as they go
let dbFunctions = []; // [{ name, volatility, args: [{ name, type, required }] }]
let catalog = new Map(); // app.error_catalog(): code -> { sqlstate, http_status }

const days = (n) => new Date(Date.now() + n * 86400000).toISOString();

// A refusal, also checked against app.error_catalog(): an mps code's SQLSTATE and HTTP status
// are the ones the catalog (and README's error table) give it.
function refusedAs(res, expected, what) {
  const error = refused(res, expected, what);
  const entry = catalog.get(error.message);
  if (entry) {
    assert.equal(entry.sqlstate, error.code, `${what}: ${error.message}'s SQLSTATE is the catalog's`);
    const statuses = entry.http_status.match(/\d{3}/g).map(Number);
    assert.ok(statuses.includes(res.status), `${what}: HTTP ${res.status} is one of the catalog's (${entry.http_status})`);
  }
  return error;
}

const denied = (what) => (res) => refusedAs(res, permissionDenied, what);

// A fresh QR code of one of Alice's cards (a payment uses its code up).
async function aliceQr(cardId = c.aliceCard) {
  const data = ok(await c.alice.rpc('rotate_card_qr', { p_card_id: cardId }), 'rotate_card_qr (fixture)');
  return data[0].qr_plain;
}

async function pendingOrder(client, cardId, amount) {
  const data = ok(await client.rpc('user_recharge_card', { p_card_id: cardId, p_amount: amount }), 'recharge order (fixture)');
  assert.equal(data[0].status, 'pending');
  return data[0].order_id;
}

async function registerExternal(name) {
  const userId = newUserId();
  const data = ok(await c.service.rpc('login_or_register_external', {
    p_provider: 'wechat', p_external_id: `wx-${name}-${S}`, p_name: name, p_user_id: userId,
  }), 'login_or_register_external (fixture)');
  return { userId, memberId: data[0].member_id, memberNo: data[0].member_no, client: await asUser(userId) };
}

const TX_ROW = ['tx_id', 'tx_no', 'tx_type', 'card_id', 'merchant_code', 'raw_amount', 'discount_applied', 'final_amount',
  'points_earned', 'status', 'reason', 'payment_method', 'created_at', 'cursor'];
const RECHARGE_ROW = ['tx_id', 'tx_no', 'card_id', 'amount', 'status', 'order_id'];
const JOB_ROW = ['job_name', 'schedule', 'command', 'run_as', 'active', 'job_id', 'last_status', 'last_start', 'last_end',
  'last_message', 'runs_last_day', 'failures_last_day'];
const SCHEDULER_NOT_AVAILABLE = {
  status: 500, code: 'XX000', message: 'SCHEDULER_NOT_AVAILABLE',
  details: 'pg_cron is not installed in this database.', hint: /^Add pg_cron to shared_preload_libraries/,
};

// One case per function of schema app, in the order they run: `may` as a role README allows,
// `mayNot` as a signed-in role it does not (null where README lets everyone call it), and
// `extra` for not-found, conflicts and hints where the function has them.
const CASES = [
  {
    fn: 'create_merchant',
    may: async () => {
      c.extraMerchant = `CATX_${S}`;
      const id = scalar(ok(await c.service.rpc('create_merchant', { p_code: c.extraMerchant, p_name: 'Extra', p_contact: 'x@example.com' }),
        'create_merchant'), 'string', 'create_merchant');
      assert.match(id, UUID);
    },
    mayNot: async () => denied('a member creates a merchant')(await c.alice.rpc('create_merchant', { p_code: `CATN_${S}`, p_name: 'No' })),
    extra: async () => refusedAs(await c.service.rpc('create_merchant', { p_code: c.extraMerchant, p_name: 'Again' }),
      { status: 409, code: 'PT409', message: 'MERCHANT_ALREADY_EXISTS' }, 'an existing merchant code'),
  },
  {
    fn: 'add_merchant_user',
    may: async () => okVoid(await c.owner.rpc('add_merchant_user', { p_merchant_code: c.shop, p_user_id: newUserId() }),
      'the owner appoints a cashier'),
    mayNot: async () => denied('a cashier appoints staff')(
      await c.cashier.rpc('add_merchant_user', { p_merchant_code: c.shop, p_user_id: newUserId() })),
  },
  {
    fn: 'set_merchant_counter_topup',
    may: async () => {
      const data = ok(await c.service.rpc('set_merchant_counter_topup', {
        p_merchant_code: c.shop, p_enabled: true, p_max_per_transaction: 100, p_max_per_day: 500,
      }), 'set_merchant_counter_topup');
      rowsWithKeys(data, ['merchant_code', 'enabled', 'max_per_transaction', 'max_per_day'], 'set_merchant_counter_topup');
      assert.deepEqual(data[0], { merchant_code: c.shop, enabled: true, max_per_transaction: 100, max_per_day: 500 });
    },
    mayNot: async () => denied('the merchant\'s owner switches counter top-ups on')(
      await c.owner.rpc('set_merchant_counter_topup', { p_merchant_code: c.shop, p_enabled: true })),
  },
  {
    fn: 'set_merchant_fee_rate',
    may: async () => okVoid(await c.service.rpc('set_merchant_fee_rate', { p_merchant_code: c.shop2, p_fee_rate: 0.01 }),
      'set_merchant_fee_rate'),
    mayNot: async () => denied('the owner sets its fee rate')(
      await c.owner.rpc('set_merchant_fee_rate', { p_merchant_code: c.shop, p_fee_rate: 0 })),
  },
  {
    fn: 'admin_suspend_merchant',
    may: async () => assert.equal(scalar(ok(await c.service.rpc('admin_suspend_merchant', { p_merchant_code: c.shop2, p_reason: 'test' }),
      'admin_suspend_merchant'), 'boolean', 'admin_suspend_merchant'), true),
    mayNot: async () => denied('the owner suspends its merchant')(
      await c.owner.rpc('admin_suspend_merchant', { p_merchant_code: c.shop })),
  },
  {
    fn: 'admin_reactivate_merchant',
    may: async () => assert.equal(scalar(ok(await c.service.rpc('admin_reactivate_merchant', { p_merchant_code: c.shop2 }),
      'admin_reactivate_merchant'), 'boolean', 'admin_reactivate_merchant'), true),
    mayNot: async () => denied('the owner reactivates a merchant')(
      await c.owner.rpc('admin_reactivate_merchant', { p_merchant_code: c.shop2 })),
  },
  {
    fn: 'create_member_profile',
    may: async () => {
      c.dave = newUserId();
      const id = scalar(ok(await (await asUser(c.dave)).rpc('create_member_profile', { p_name: 'Dave', p_phone: '+1000' }),
        'create_member_profile'), 'string', 'create_member_profile');
      assert.equal(id, c.dave, 'a signed-in user registering itself: member id = user id');
    },
    mayNot: async () => refusedAs(await (await asUser(newUserId())).rpc('create_member_profile', {
      p_name: 'Erin', p_binding_user_org: 'wechat', p_binding_org_id: `wx-erin-${S}`,
    }), { ...permissionDenied, hint: 'Register without p_binding_user_org and p_binding_org_id.' },
    'a user asserting its own wechat login'),
    extra: async () => refusedAs(await (await asUser(c.dave)).rpc('create_member_profile', { p_name: 'Dave again' }),
      { status: 409, code: 'PT409', message: 'MEMBER_ALREADY_EXISTS' }, 'a second profile'),
  },
  {
    fn: 'login_or_register_external',
    may: async () => {
      const data = ok(await c.service.rpc('login_or_register_external', {
        p_provider: 'wechat', p_external_id: `wx-ivy-${S}`, p_name: 'Ivy', p_phone: null, p_email: null, p_user_id: newUserId(),
      }), 'login_or_register_external');
      rowsWithKeys(data, ['member_id', 'member_no', 'is_new'], 'login_or_register_external');
      assert.equal(data[0].is_new, true);
      assert.match(data[0].member_no, /^M\d{10}$/);
    },
    mayNot: async () => refusedAs(await c.alice.rpc('login_or_register_external', { p_provider: 'wechat', p_external_id: `wx-x-${S}` }),
      noGrant('login_or_register_external', 403), 'a member logs itself in with a wechat id'),
  },
  {
    fn: 'link_external_identity',
    may: async () => {
      const args = { p_member_id: c.aliceMember, p_provider: 'alipay', p_external_id: `ali-alice-${S}` };
      assert.equal(scalar(ok(await c.service.rpc('link_external_identity', args), 'link_external_identity'), 'boolean', 'link'), true);
      assert.equal(ok(await c.service.rpc('link_external_identity', args), 'link again'), false, 'false: already linked');
    },
    mayNot: async () => refusedAs(await c.alice.rpc('link_external_identity', {
      p_member_id: c.aliceMember, p_provider: 'alipay', p_external_id: `ali-self-${S}`,
    }), noGrant('link_external_identity', 403), 'a member links a login to itself'),
    extra: async () => refusedAs(await c.service.rpc('link_external_identity', {
      p_member_id: c.bobMember, p_provider: 'alipay', p_external_id: `ali-alice-${S}`,
    }), { status: 409, code: 'PT409', message: 'EXTERNAL_ID_ALREADY_BOUND' }, 'a login another member has'),
  },
  {
    fn: 'admin_suspend_member',
    may: async () => {
      c.zed = await registerExternal('zed');
      assert.equal(scalar(ok(await c.service.rpc('admin_suspend_member', { p_member_id: c.zed.memberId, p_reason: 'test' }),
        'admin_suspend_member'), 'boolean', 'admin_suspend_member'), true);
    },
    mayNot: async () => denied('a member suspends another')(await c.alice.rpc('admin_suspend_member', { p_member_id: c.bobMember })),
  },
  {
    fn: 'admin_reactivate_member',
    may: async () => assert.equal(scalar(ok(await c.service.rpc('admin_reactivate_member', { p_member_id: c.zed.memberId }),
      'admin_reactivate_member'), 'boolean', 'admin_reactivate_member'), true),
    mayNot: async () => denied('a member reactivates another')(
      await c.alice.rpc('admin_reactivate_member', { p_member_id: c.zed.memberId })),
  },
  {
    fn: 'create_prepaid_card',
    may: async () => rowsWithKeys(ok(await c.bob.rpc('create_prepaid_card', {}), 'create_prepaid_card'), ['card_id', 'card_no'],
      'create_prepaid_card'),
    mayNot: async () => refusedAs(await c.alice.rpc('create_prepaid_card', { p_member_id: c.bobMember }),
      { ...permissionDenied, details: 'A member issues prepaid cards only for itself.' }, 'a member issues a card for another'),
  },
  {
    fn: 'create_corporate_card',
    may: async () => {
      const data = ok(await c.service.rpc('create_corporate_card', {
        p_company_name: `Extra Co ${S}`, p_fixed_discount: 0.95, p_binding_password: `corp-pw-x-${S}`, p_expires_at: days(365),
      }), 'create_corporate_card');
      rowsWithKeys(data, ['card_id', 'card_no'], 'create_corporate_card');
      assert.match(data[0].card_no, /^COR\d{12}$/);
      c.extraCorp = data[0];
    },
    mayNot: async () => denied('a member issues a corporate card')(await c.alice.rpc('create_corporate_card', {
      p_company_name: 'No Co', p_fixed_discount: 0.9, p_binding_password: 'no-password-1',
    })),
  },
  {
    fn: 'create_voucher_card',
    may: async () => {
      const data = ok(await c.owner.rpc('create_voucher_card', {
        p_member_id: c.aliceMember, p_face_value: 20, p_expires_at: days(1), p_merchant_code: c.shop,
        p_idempotency_key: `vch-${S}`, p_reason: 'promotion',
      }), 'create_voucher_card');
      rowsWithKeys(data, ['card_id', 'card_no'], 'create_voucher_card');
      assert.match(data[0].card_no, /^VCH\d{12}$/);
    },
    mayNot: async () => refusedAs(await c.cashier.rpc('create_voucher_card', {
      p_member_id: c.aliceMember, p_face_value: 20, p_expires_at: days(1), p_merchant_code: c.shop,
    }), { ...permissionDenied, details: 'Only an owner or manager of the merchant issues its vouchers.' }, 'a cashier issues a voucher'),
  },
  {
    fn: 'bind_member_to_card',
    may: async () => {
      const frida = await registerExternal('frida');
      assert.equal(ok(await c.alice.rpc('bind_member_to_card', {
        p_card_id: c.prepaid, p_member_id: frida.memberId, p_binding_password: 'wrong-password',
      }), 'bind with a wrong password'), false, 'a wrong password: false');
      assert.equal(scalar(ok(await c.alice.rpc('bind_member_to_card', {
        p_card_id: c.prepaid, p_member_id: frida.memberId, p_role: 'member', p_binding_password: c.prepaidPassword,
      }), 'bind_member_to_card'), 'boolean', 'bind_member_to_card'), true);
    },
    mayNot: async () => refusedAs(await c.carol.rpc('bind_member_to_card', {
      p_card_id: c.prepaid, p_member_id: c.zed.memberId, p_binding_password: c.prepaidPassword,
    }), { ...permissionDenied, details: 'Only the card\'s owner or admins bind other members.' }, 'a stranger binds another member'),
  },
  {
    fn: 'set_card_binding_password',
    may: async () => {
      const next = `pp-pw-2-${S}`;
      assert.equal(scalar(ok(await c.alice.rpc('set_card_binding_password', {
        p_card_id: c.prepaid, p_new_password: next, p_current_password: c.prepaidPassword,
      }), 'set_card_binding_password'), 'boolean', 'set_card_binding_password'), true);
      c.prepaidPassword = next;
    },
    mayNot: async () => denied('a bound member changes the password')(await c.bob.rpc('set_card_binding_password', {
      p_card_id: c.prepaid, p_new_password: 'bob-password-1', p_current_password: c.prepaidPassword,
    })),
  },
  {
    fn: 'freeze_card',
    may: async () => assert.equal(scalar(ok(await c.bob.rpc('freeze_card', { p_card_id: c.prepaid, p_reason: 'lost phone' }),
      'freeze_card'), 'boolean', 'freeze_card'), true, 'a holder freezes the card (a lost phone)'),
    mayNot: async () => denied('a stranger freezes the card')(await c.carol.rpc('freeze_card', { p_card_id: c.prepaid })),
  },
  {
    fn: 'unfreeze_card',
    may: async () => assert.equal(scalar(ok(await c.bob.rpc('unfreeze_card', { p_card_id: c.prepaid }), 'unfreeze_card'),
      'boolean', 'unfreeze_card'), true, 'a holder lifts its own freeze'),
    mayNot: async () => denied('a stranger unfreezes the card')(await c.carol.rpc('unfreeze_card', { p_card_id: c.prepaid })),
  },
  {
    fn: 'unbind_member_from_card',
    may: async () => assert.equal(scalar(ok(await c.alice.rpc('unbind_member_from_card', { p_card_id: c.prepaid, p_member_id: c.bobMember }),
      'unbind_member_from_card'), 'boolean', 'unbind_member_from_card'), true),
    mayNot: async () => denied('a stranger unbinds a member')(
      await c.carol.rpc('unbind_member_from_card', { p_card_id: c.prepaid, p_member_id: c.aliceMember })),
  },
  {
    fn: 'enterprise_set_initial_admin',
    may: async () => {
      c.hank = await registerExternal('hank');
      const args = { p_card_no: c.extraCorp.card_no, p_member_no: c.hank.memberNo };
      assert.equal(scalar(ok(await c.service.rpc('enterprise_set_initial_admin', args), 'enterprise_set_initial_admin'),
        'boolean', 'enterprise_set_initial_admin'), true);
    },
    mayNot: async () => denied('a member appoints a corporate card\'s admin')(
      await c.alice.rpc('enterprise_set_initial_admin', { p_card_no: c.corp.card_no, p_member_no: c.gina.memberNo })),
    extra: async () => refusedAs(await c.service.rpc('enterprise_set_initial_admin', { p_card_no: c.extraCorp.card_no, p_member_no: c.gina.memberNo }),
      { status: 409, code: 'PT409', message: 'CARD_ALREADY_HAS_ADMIN', details: 'This corporate card already has an admin.',
        hint: 'Its admins add members with enterprise_add_member.' }, 'a second initial admin (a hint)'),
  },
  {
    fn: 'enterprise_add_member',
    may: async () => {
      assert.equal(ok(await c.frank.client.rpc('enterprise_add_member', {
        p_card_no: c.corp.card_no, p_member_no: c.hank.memberNo, p_card_password: 'not-the-password',
      }), 'enterprise_add_member, wrong password'), false, 'a wrong password: false');
      assert.equal(scalar(ok(await c.frank.client.rpc('enterprise_add_member', {
        p_card_no: c.corp.card_no, p_member_no: c.hank.memberNo, p_card_password: c.corpPassword,
      }), 'enterprise_add_member'), 'boolean', 'enterprise_add_member'), true);
    },
    mayNot: async () => denied('a plain member of the card adds members')(await c.gina.client.rpc('enterprise_add_member', {
      p_card_no: c.corp.card_no, p_member_no: c.zed.memberNo, p_card_password: c.corpPassword,
    })),
  },
  {
    fn: 'enterprise_remove_member',
    may: async () => assert.equal(scalar(ok(await c.frank.client.rpc('enterprise_remove_member', {
      p_card_no: c.corp.card_no, p_member_no: c.hank.memberNo,
    }), 'enterprise_remove_member'), 'boolean', 'enterprise_remove_member'), true),
    mayNot: async () => refusedAs(await c.carol.rpc('enterprise_remove_member', { p_card_no: c.corp.card_no, p_member_no: c.gina.memberNo }),
      { ...permissionDenied, details: 'The caller is not bound to a corporate card with this number.' }, 'a stranger removes a member'),
  },
  {
    fn: 'rotate_card_qr',
    may: async () => {
      const data = ok(await c.alice.rpc('rotate_card_qr', { p_card_id: c.aliceCard, p_card_type: 'personal', p_ttl_seconds: 300 }),
        'rotate_card_qr');
      rowsWithKeys(data, ['qr_plain', 'qr_expires_at'], 'rotate_card_qr');
    },
    mayNot: async () => denied('a member rotates another\'s QR')(await c.bob.rpc('rotate_card_qr', { p_card_id: c.aliceCard })),
    extra: async () => refusedAs(await c.alice.rpc('rotate_card_qr', { p_card_id: c.aliceCard, p_ttl_seconds: 10 }),
      { status: 400, code: '22023', message: 'INVALID_TTL' }, 'a TTL under 30 s'),
  },
  {
    fn: 'revoke_card_qr',
    may: async () => {
      await aliceQr();
      assert.equal(scalar(ok(await c.alice.rpc('revoke_card_qr', { p_card_id: c.aliceCard }), 'revoke_card_qr'), 'boolean',
        'revoke_card_qr'), true);
    },
    mayNot: async () => denied('a member revokes another\'s QR')(await c.bob.rpc('revoke_card_qr', { p_card_id: c.aliceCard })),
  },
  {
    fn: 'validate_qr_plain',
    may: async () => {
      const qr = await aliceQr();
      c.liveQr = qr;
      assert.equal(scalar(ok(await c.cashier.rpc('validate_qr_plain', { p_qr_plain: qr }, { get: true }), 'validate_qr_plain (GET)'),
        'string', 'validate_qr_plain'), c.aliceCard);
    },
    mayNot: async () => denied('a member resolves another\'s QR')(await c.bob.rpc('validate_qr_plain', { p_qr_plain: c.liveQr })),
  },
  {
    fn: 'merchant_charge_by_qr',
    may: async () => {
      const data = ok(await c.cashier.rpc('merchant_charge_by_qr', {
        p_merchant_code: c.shop, p_qr_plain: c.liveQr, p_raw_price: 10, p_reason: 'tea', p_tag: { sku: 'tea' },
        p_idempotency_key: `cat-pay-${S}`, p_external_order_id: `cat-order-${S}`,
      }), 'merchant_charge_by_qr');
      rowsWithKeys(data, ['tx_id', 'tx_no', 'card_type', 'card_id', 'final_amount', 'discount', 'points_earned', 'discount_source',
        'partner_organization_id'], 'merchant_charge_by_qr');
      assert.deepEqual([data[0].card_id, data[0].final_amount], [c.aliceCard, 10]);
    },
    mayNot: async () => denied('a member who is not staff charges')(await c.alice.rpc('merchant_charge_by_qr', {
      p_merchant_code: c.shop, p_qr_plain: await aliceQr(), p_raw_price: 1,
    })),
    extra: async () => refusedAs(await c.cashier.rpc('merchant_charge_by_qr', {
      p_merchant_code: c.shop, p_qr_plain: await aliceQr(), p_raw_price: 2, p_external_order_id: `cat-order-${S}`,
    }), { status: 409, code: 'PT409', message: 'EXTERNAL_ORDER_ID_REUSED' }, 'an external order id used for another payment'),
  },
  {
    fn: 'merchant_refund_tx',
    may: async () => {
      const data = ok(await c.cashier.rpc('merchant_refund_tx', {
        p_merchant_code: c.shop, p_original_tx_no: c.payTxNo, p_refund_amount: 5, p_reason: 'cold', p_tag: {}, p_idempotency_key: `cat-ref-${S}`,
      }), 'merchant_refund_tx');
      rowsWithKeys(data, ['refund_tx_id', 'refund_tx_no', 'refunded_amount'], 'merchant_refund_tx');
      assert.equal(data[0].refunded_amount, 5);
    },
    mayNot: async () => denied('a member refunds')(await c.bob.rpc('merchant_refund_tx', {
      p_merchant_code: c.shop, p_original_tx_no: c.payTxNo, p_refund_amount: 1,
    })),
    extra: async () => {
      refusedAs(await c.cashier.rpc('merchant_refund_tx', { p_merchant_code: c.shop, p_original_tx_no: 'PAY20000101000000000000', p_refund_amount: 1 }),
        { status: 404, code: 'PT404', message: 'ORIGINAL_TX_NOT_FOUND' }, 'a refund of an unknown payment');
      refusedAs(await c.cashier.rpc('merchant_refund_tx', { p_merchant_code: c.shop, p_original_tx_no: c.payTxNo, p_refund_amount: 1000 }),
        { status: 400, code: 'P0001', message: 'REFUND_EXCEEDS_REMAINING' }, 'a refund over the remainder');
    },
  },
  {
    fn: 'user_recharge_card',
    may: async () => {
      const data = ok(await c.service.rpc('user_recharge_card', {
        p_card_id: c.aliceCard, p_amount: 10, p_payment_method: 'alipay', p_reason: 'topup', p_idempotency_key: `cat-rcg-${S}`,
      }), 'user_recharge_card');
      rowsWithKeys(data, RECHARGE_ROW, 'user_recharge_card');
      assert.equal(data[0].status, 'completed');
    },
    mayNot: async () => denied('a member recharges another\'s card')(
      await c.bob.rpc('user_recharge_card', { p_card_id: c.aliceCard, p_amount: 10 })),
  },
  {
    fn: 'user_recharge_personal_card',
    may: async () => {
      const data = ok(await c.alice.rpc('user_recharge_personal_card', { p_personal_card_id: c.aliceCard, p_amount: 10 }),
        'user_recharge_personal_card');
      rowsWithKeys(data, RECHARGE_ROW, 'user_recharge_personal_card');
      assert.deepEqual([data[0].tx_no, data[0].status], [null, 'pending'], 'a member\'s own recharge: a pending order');
    },
    mayNot: async () => denied('a member recharges another\'s personal card')(
      await c.bob.rpc('user_recharge_personal_card', { p_personal_card_id: c.aliceCard, p_amount: 10 })),
  },
  {
    fn: 'user_recharge_enterprise_card_admin',
    may: async () => {
      const data = ok(await c.frank.client.rpc('user_recharge_enterprise_card_admin', {
        p_enterprise_card_id: c.corp.card_id, p_amount: 50, p_payment_method: 'alipay', p_reason: 'corporate_topup',
      }), 'user_recharge_enterprise_card_admin');
      rowsWithKeys(data, RECHARGE_ROW, 'user_recharge_enterprise_card_admin');
      assert.equal(data[0].status, 'pending', 'the card\'s admin: a pending order');
    },
    mayNot: async () => denied('a stranger recharges a corporate card')(await c.hank.client.rpc('user_recharge_enterprise_card_admin', {
      p_enterprise_card_id: c.corp.card_id, p_amount: 50,
    })),
  },
  {
    fn: 'cancel_recharge_order',
    may: async () => {
      c.cancelledOrder = await pendingOrder(c.alice, c.aliceCard, 15);
      assert.equal(scalar(ok(await c.alice.rpc('cancel_recharge_order', { p_order_id: c.cancelledOrder }), 'cancel_recharge_order'),
        'boolean', 'cancel_recharge_order'), true);
    },
    // README: RECHARGE_ORDER_NOT_FOUND is "not found (or not visible to the caller)".
    mayNot: async () => refusedAs(await c.bob.rpc('cancel_recharge_order', { p_order_id: await pendingOrder(c.alice, c.aliceCard, 16) }),
      { status: 404, code: 'PT404', message: 'RECHARGE_ORDER_NOT_FOUND' }, 'another member\'s order'),
  },
  {
    fn: 'confirm_recharge_order',
    may: async () => {
      const order = await pendingOrder(c.alice, c.aliceCard, 20);
      const args = { p_order_id: order, p_provider_tx_id: `prov-${S}`, p_amount: 20 };
      const data = ok(await c.service.rpc('confirm_recharge_order', args), 'confirm_recharge_order');
      rowsWithKeys(data, RECHARGE_ROW, 'confirm_recharge_order');
      assert.deepEqual([data[0].status, data[0].order_id, data[0].amount], ['paid', order, 20]);
      assert.deepEqual(ok(await c.service.rpc('confirm_recharge_order', args), 'confirmed again'), data, 'the same id again: the same result');
      refusedAs(await c.service.rpc('confirm_recharge_order', { ...args, p_provider_tx_id: `prov-other-${S}` }),
        { status: 409, code: 'PT409', message: 'RECHARGE_ORDER_ALREADY_PAID' }, 'another provider id for a paid order');
    },
    mayNot: async () => refusedAs(await c.alice.rpc('confirm_recharge_order', {
      p_order_id: await pendingOrder(c.alice, c.aliceCard, 21), p_provider_tx_id: 'self', p_amount: 21,
    }), noGrant('confirm_recharge_order', 403), 'a member confirms its own order'),
    extra: async () => refusedAs(await c.service.rpc('confirm_recharge_order', { p_order_id: ZERO_UUID, p_provider_tx_id: 'x', p_amount: 1 }),
      { status: 404, code: 'PT404', message: 'RECHARGE_ORDER_NOT_FOUND' }, 'an unknown order'),
  },
  {
    fn: 'update_points_and_level',
    may: async () => rowsWithKeys(ok(await c.service.rpc('update_points_and_level', {
      p_card_id: c.aliceCard, p_delta_points: 10, p_reason: 'welcome bonus',
    }), 'update_points_and_level'), ['card_id', 'points', 'level', 'discount'], 'update_points_and_level'),
    mayNot: async () => refusedAs(await c.alice.rpc('update_points_and_level', { p_card_id: c.aliceCard, p_delta_points: 1000, p_reason: 'self' }),
      noGrant('update_points_and_level', 403), 'a member gives itself points'),
  },
  {
    fn: 'adjust_card_balance',
    may: async () => rowsWithKeys(ok(await c.service.rpc('adjust_card_balance', {
      p_card_id: c.aliceCard, p_amount: 1, p_reason: 'goodwill', p_idempotency_key: `cat-adj-${S}`,
    }), 'adjust_card_balance'), ['tx_id', 'tx_no', 'card_id', 'amount'], 'adjust_card_balance'),
    mayNot: async () => refusedAs(await c.alice.rpc('adjust_card_balance', {
      p_card_id: c.aliceCard, p_amount: 100, p_reason: 'self', p_idempotency_key: `cat-adj-self-${S}`,
    }), noGrant('adjust_card_balance', 403), 'a member adjusts its own balance'),
    extra: async () => refusedAs(await c.service.rpc('adjust_card_balance', {
      p_card_id: ZERO_UUID, p_amount: 1, p_reason: 'unknown', p_idempotency_key: `cat-adj-0-${S}`,
    }), { status: 404, code: 'PT404', message: 'CARD_NOT_FOUND' }, 'an unknown card'),
  },
  {
    fn: 'replace_membership_levels',
    // The ladder's check is deferred to COMMIT, after the RPC returned: it must work there for
    // service_role too (it once failed with 42501, found here).
    may: async () => assert.equal(scalar(ok(await c.service.rpc('replace_membership_levels', { p_levels: c.ladder }),
      'replace_membership_levels (the current ladder again)'), 'number', 'replace_membership_levels'), 0),
    mayNot: async () => refusedAs(await c.alice.rpc('replace_membership_levels', { p_levels: c.ladder }),
      noGrant('replace_membership_levels', 403), 'a member replaces the ladder'),
  },
  ...['cron_expire_cards', 'cron_expire_recharge_orders', 'ensure_next_month_partition'].map((fn) => ({
    fn,
    may: async () => scalar(ok(await c.service.rpc(fn), fn), 'number', fn),
    mayNot: async () => refusedAs(await c.alice.rpc(fn), noGrant(fn, 403), `a member runs ${fn}`),
  })),
  ...[['cron_rotate_qr_tokens', { p_ttl_seconds: 86400 }], ['cron_cleanup_qr_history', { p_keep_days: 30 }],
    ['ensure_partitions', { p_months_ahead: 3 }], ['cron_settle_t_plus_1', { p_day: '2000-01-01' }]].map(([fn, args]) => ({
    fn,
    may: async () => scalar(ok(await c.service.rpc(fn, args), fn), 'number', fn),
    mayNot: async () => refusedAs(await c.alice.rpc(fn, args), noGrant(fn, 403), `a member runs ${fn}`),
  })),
  {
    fn: 'archive_partitions',
    may: async () => {
      const data = ok(await c.service.rpc('archive_partitions', {}), 'archive_partitions');
      assert.ok(Array.isArray(data), 'an array (of archived and held months)');
      if (data.length) assert.deepEqual(Object.keys(data[0]), ['month', 'table_name', 'tx_count', 'balance_total', 'cards', 'outcome', 'note']);
    },
    mayNot: async () => refusedAs(await c.alice.rpc('archive_partitions', {}), noGrant('archive_partitions', 403), 'a member archives'),
  },
  {
    fn: 'generate_settlement',
    may: async () => {
      const args = { p_merchant_id: c.shop2Id, p_mode: 'realtime', p_period_start: c.t0, p_period_end: new Date().toISOString() };
      const id = scalar(ok(await c.service.rpc('generate_settlement', args), 'generate_settlement'), 'string', 'generate_settlement');
      assert.match(id, UUID);
      assert.equal(ok(await c.service.rpc('generate_settlement', args), 'the same period again'), id, 'the same settlement');
      refusedAs(await c.service.rpc('generate_settlement', { ...args, p_period_end: new Date().toISOString() }),
        { status: 409, code: 'PT409', message: 'SETTLEMENT_PERIOD_OVERLAPS' }, 'an overlapping period');
    },
    mayNot: async () => denied('the owner settles its merchant')(await c.owner.rpc('generate_settlement', {
      p_merchant_id: c.shopId, p_mode: 't_plus_1', p_period_start: '2000-01-01T00:00:00Z', p_period_end: '2000-01-02T00:00:00Z',
    })),
  },
  {
    fn: 'list_settlements',
    may: async () => rowsWithKeys(ok(await c.cashier.rpc('list_settlements', { p_merchant_code: c.shop }, { get: true }),
      'list_settlements (GET)'), ['settlement_id', 'merchant_code', 'mode', 'period_start', 'period_end', 'payments_count',
      'payments_total', 'refunds_count', 'refunds_total', 'vouchers_count', 'vouchers_total', 'topups_count', 'topups_total',
      'fee_rate', 'fee', 'net_total', 'status', 'due_at', 'created_at', 'cursor'], 'list_settlements'),
    mayNot: async () => denied('a member lists a merchant\'s settlements')(
      await c.alice.rpc('list_settlements', { p_merchant_code: c.shop })),
  },
  {
    fn: 'get_settlement_lines',
    may: async () => {
      const lines = ok(await c.cashier.rpc('get_settlement_lines', { p_settlement_id: c.settlementId }), 'get_settlement_lines');
      rowsWithKeys(lines, ['tx_no', 'kind', 'tx_created_at', 'raw_amount', 'amount', 'original_tx_no'], 'get_settlement_lines');
      assert.ok(lines.some((l) => l.tx_no === c.payTxNo && l.kind === 'payment'), 'the fixture payment is on the statement');
    },
    mayNot: async () => denied('a member reads a statement')(await c.alice.rpc('get_settlement_lines', { p_settlement_id: c.settlementId })),
    extra: async () => refusedAs(await c.service.rpc('get_settlement_lines', { p_settlement_id: ZERO_UUID }),
      { status: 404, code: 'PT404', message: 'SETTLEMENT_NOT_FOUND' }, 'an unknown settlement (to an administrator)'),
  },
  {
    fn: 'update_settlement_status',
    may: async () => {
      const args = { p_settlement_id: c.settlementId, p_status: 'confirmed', p_reason: 'checked' };
      assert.equal(scalar(ok(await c.service.rpc('update_settlement_status', args), 'update_settlement_status'), 'boolean',
        'update_settlement_status'), true);
      refusedAs(await c.service.rpc('update_settlement_status', { p_settlement_id: c.settlementId, p_status: 'pending' }),
        { status: 400, code: 'P0001', message: 'SETTLEMENT_STATUS_TRANSITION_INVALID', hint: 'pending -> confirmed -> paid; failed before it is paid.' },
        'confirmed back to pending (a hint)');
    },
    mayNot: async () => denied('the owner marks its settlement paid')(
      await c.owner.rpc('update_settlement_status', { p_settlement_id: c.settlementId, p_status: 'paid' })),
  },
  {
    fn: 'get_member_cards',
    may: async () => {
      const cards = ok(await c.alice.rpc('get_member_cards', {}, { get: true }), 'get_member_cards (GET)');
      rowsWithKeys(cards, ['card_id', 'card_no', 'card_type', 'role', 'balance', 'points', 'level', 'discount', 'fixed_discount',
        'company_name', 'status', 'expires_at', 'has_binding_password'], 'get_member_cards');
      assert.ok(cards.some((card) => card.card_id === c.aliceCard));
    },
    mayNot: async () => refusedAs(await c.alice.rpc('get_member_cards', { p_member_id: c.bobMember }),
      { ...permissionDenied, details: 'A member reads only its own data.' }, 'a member reads another\'s cards'),
    extra: async () => refusedAs(await c.service.rpc('get_member_cards', { p_member_id: ZERO_UUID }),
      { status: 404, code: 'PT404', message: 'MEMBER_NOT_FOUND' }, 'an unknown member (to an administrator)'),
  },
  {
    fn: 'get_member_transactions',
    may: async () => rowsWithKeys(ok(await c.alice.rpc('get_member_transactions', { p_card_id: c.aliceCard, p_limit: 5 }, { get: true }),
      'get_member_transactions (GET)'), TX_ROW, 'get_member_transactions'),
    mayNot: async () => denied('a member reads another\'s card history')(
      await c.alice.rpc('get_member_transactions', { p_card_id: c.bobCard })),
  },
  {
    fn: 'get_merchant_transactions',
    may: async () => rowsWithKeys(ok(await c.cashier.rpc('get_merchant_transactions', { p_merchant_code: c.shop, p_tx_type: 'payment' }),
      'get_merchant_transactions'), TX_ROW, 'get_merchant_transactions'),
    mayNot: async () => denied('a member reads a merchant\'s history')(
      await c.alice.rpc('get_merchant_transactions', { p_merchant_code: c.shop })),
  },
  {
    fn: 'get_transaction_detail',
    may: async () => rowsWithKeys(ok(await c.alice.rpc('get_transaction_detail', { p_tx_no: c.payTxNo }, { get: true }),
      'get_transaction_detail (GET)'), ['relation', 'tx_no', 'tx_type', 'card_id', 'merchant_code', 'raw_amount', 'discount_applied',
      'final_amount', 'points_earned', 'status', 'reason', 'created_at'], 'get_transaction_detail'),
    mayNot: async () => denied('a member reads another\'s transaction')(await c.bob.rpc('get_transaction_detail', { p_tx_no: c.payTxNo })),
    extra: async () => refusedAs(await c.service.rpc('get_transaction_detail', { p_tx_no: 'PAY20000101000000000000' }),
      { status: 404, code: 'PT404', message: 'TRANSACTION_NOT_FOUND' }, 'an unknown transaction (to an administrator)'),
  },
  {
    fn: 'get_point_ledger',
    may: async () => rowsWithKeys(ok(await c.alice.rpc('get_point_ledger', { p_card_id: c.aliceCard }), 'get_point_ledger'),
      ['delta', 'balance_before', 'balance_after', 'reason', 'tx_no', 'created_at', 'cursor'], 'get_point_ledger'),
    mayNot: async () => denied('a member reads another\'s point ledger')(await c.bob.rpc('get_point_ledger', { p_card_id: c.aliceCard })),
  },
  {
    fn: 'failure_log_status',
    may: async () => rowsWithKeys(ok(await c.service.rpc('failure_log_status', {}, { get: true }), 'failure_log_status (GET)'),
      ['collecting', 'reason', 'database', 'queue_capacity', 'queued', 'enqueued', 'written', 'dropped', 'write_errors',
        'not_collected', 'paused', 'writer_pid'], 'failure_log_status'),
    mayNot: async () => refusedAs(await c.alice.rpc('failure_log_status'), noGrant('failure_log_status', 403), 'a member'),
  },
  {
    fn: 'schedule_jobs',
    // The test database has no pg_cron (it lives in the cluster's database postgres): the
    // backend gets through the grant to the RPC, which answers 500 with its detail and hint.
    may: async () => refusedAs(await c.service.rpc('schedule_jobs', {}), SCHEDULER_NOT_AVAILABLE, 'schedule_jobs without pg_cron'),
    mayNot: async () => refusedAs(await c.alice.rpc('schedule_jobs', {}), noGrant('schedule_jobs', 403), 'a member schedules jobs'),
  },
  {
    fn: 'unschedule_jobs',
    may: async () => refusedAs(await c.service.rpc('unschedule_jobs'), SCHEDULER_NOT_AVAILABLE, 'unschedule_jobs without pg_cron'),
    mayNot: async () => refusedAs(await c.alice.rpc('unschedule_jobs'), noGrant('unschedule_jobs', 403), 'a member unschedules jobs'),
  },
  {
    fn: 'job_status',
    may: async () => {
      const data = ok(await c.service.rpc('job_status'), 'job_status');
      assert.ok(Array.isArray(data), 'an array of jobs (none without pg_cron)');
      if (data.length) assert.deepEqual(Object.keys(data[0]), JOB_ROW);
    },
    mayNot: async () => refusedAs(await c.alice.rpc('job_status'), noGrant('job_status', 403), 'a member'),
  },
  {
    fn: 'error_catalog',
    may: async () => {
      const data = ok(await c.anon.rpc('error_catalog', {}, { get: true }), 'error_catalog (GET, anon)');
      rowsWithKeys(data, ['code', 'sqlstate', 'http_status', 'meaning'], 'error_catalog');
      assert.ok(data.some((e) => e.code === 'INSUFFICIENT_BALANCE' && e.sqlstate === 'P0001' && e.http_status === '400'));
    },
    mayNot: null, // README: everyone
  },
  {
    fn: 'library_entry_points',
    may: async () => {
      const data = ok(await c.service.rpc('library_entry_points'), 'library_entry_points');
      rowsWithKeys(data, ['symbol', 'arg_names'], 'library_entry_points');
      assert.ok(data.some((e) => e.symbol === 'mps_merchant_charge_by_qr'));
    },
    mayNot: async () => refusedAs(await c.alice.rpc('library_entry_points'), noGrant('library_entry_points', 403), 'a member'),
  },
  {
    fn: 'library_labels',
    may: async () => rowsWithKeys(ok(await c.service.rpc('library_labels'), 'library_labels'), ['sql_type', 'labels'], 'library_labels'),
    mayNot: async () => refusedAs(await c.alice.rpc('library_labels'), noGrant('library_labels', 403), 'a member'),
  },
  // Organisations (seed 003): Carol joins one, its administrator verifies her, SHOP partners with it.
  {
    fn: 'create_organization',
    may: async () => {
      c.orgSlug = `cat-org-${S}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
      c.org = scalar(ok(await c.service.rpc('create_organization', {
        p_name: 'Catalog CSSA', p_display_name_zh: '目录学联', p_display_name_en: 'Catalog CSSA', p_slug: c.orgSlug, p_region: 'US-NY',
        p_brand_colors: { primary: '#1E40AF', secondary: '#DBEAFE' },
      }), 'create_organization'), 'string', 'create_organization');
      assert.match(c.org, UUID);
    },
    mayNot: async () => denied('a member creates an organisation')(await c.alice.rpc('create_organization', {
      p_name: 'X', p_display_name_zh: 'X', p_display_name_en: 'X', p_slug: `x-${c.orgSlug}`, p_region: 'US',
    })),
    extra: async () => refusedAs(await c.service.rpc('create_organization', {
      p_name: 'Again', p_display_name_zh: 'X', p_display_name_en: 'X', p_slug: c.orgSlug, p_region: 'US',
    }), { status: 409, code: 'PT409', message: 'ORGANIZATION_ALREADY_EXISTS' }, 'a taken slug'),
  },
  {
    fn: 'set_organization_admin',
    may: async () => {
      c.orgAdminUser = newUserId();
      c.orgAdmin = await asUser(c.orgAdminUser);
      assert.equal(ok(await c.service.rpc('set_organization_admin', { p_organization_id: c.org, p_user_id: c.orgAdminUser }),
        'set_organization_admin'), true);
    },
    mayNot: async () => denied('a member appoints itself')(
      await c.carol.rpc('set_organization_admin', { p_organization_id: c.org, p_user_id: newUserId() })),
    extra: async () => refusedAs(await c.service.rpc('set_organization_admin', { p_organization_id: ZERO_UUID, p_user_id: newUserId() }),
      { status: 404, code: 'PT404', message: 'ORGANIZATION_NOT_FOUND' }, 'an unknown organisation'),
  },
  {
    fn: 'update_organization',
    may: async () => {
      const data = ok(await c.orgAdmin.rpc('update_organization', { p_organization_id: c.org, p_logo_url: 'https://example.org/l.png' }),
        'update_organization');
      assert.equal(data.logo_url, 'https://example.org/l.png');
    },
    mayNot: async () => denied('an organisation admin deactivates it')(
      await c.orgAdmin.rpc('update_organization', { p_organization_id: c.org, p_is_active: false })),
  },
  {
    fn: 'join_organization',
    may: async () => {
      const data = ok(await c.carol.rpc('join_organization', { p_organization_id: c.org, p_verification_data: { student_id: 'x1' } }),
        'join_organization');
      assert.deepEqual([data.slug, data.verification_status, data.is_current], [c.orgSlug, 'pending', true]);
    },
    mayNot: async () => denied('a member joins for another')(
      await c.bob.rpc('join_organization', { p_organization_id: c.org, p_user_id: c.carolMember })),
    extra: async () => refusedAs(await c.carol.rpc('join_organization', { p_organization_id: c.org }),
      { status: 409, code: 'PT409', message: 'ALREADY_ORGANIZATION_MEMBER' }, 'joining twice'),
  },
  {
    fn: 'review_organization_member',
    may: async () => {
      const data = ok(await c.orgAdmin.rpc('review_organization_member', {
        p_organization_id: c.org, p_member_id: c.carolMember, p_verification_status: 'verified', p_membership_level: 'premium',
      }), 'review_organization_member');
      assert.deepEqual([data.verification_status, data.membership_level], ['verified', 'premium']);
    },
    mayNot: async () => denied('a member verifies itself')(await c.carol.rpc('review_organization_member', {
      p_organization_id: c.org, p_member_id: c.carolMember, p_verification_status: 'verified',
    })),
    extra: async () => refusedAs(await c.orgAdmin.rpc('review_organization_member', {
      p_organization_id: c.org, p_member_id: c.bobMember, p_verification_status: 'verified',
    }), { status: 400, code: 'P0001', message: 'NOT_ORGANIZATION_MEMBER' }, 'reviewing a non-member'),
  },
  {
    fn: 'get_organization_members',
    may: async () => rowsWithKeys(ok(await c.orgAdmin.rpc('get_organization_members', { p_organization_id: c.org }, { get: true }),
      'get_organization_members (GET)'), ['member_id', 'member_no', 'name', 'membership_level', 'member_number', 'join_date', 'is_current',
      'is_active', 'verification_status', 'verification_data', 'verified_at'], 'get_organization_members'),
    mayNot: async () => denied('a member lists its organisation')(
      await c.carol.rpc('get_organization_members', { p_organization_id: c.org })),
  },
  {
    fn: 'switch_organization',
    may: async () => {
      const data = ok(await c.carol.rpc('switch_organization', { p_organization_id: c.org }), 'switch_organization');
      assert.deepEqual([data.success, data.current_organization.slug], [true, c.orgSlug]);
    },
    mayNot: async () => denied('a member switches another')(
      await c.bob.rpc('switch_organization', { p_organization_id: c.org, p_user_id: c.carolMember })),
    extra: async () => refusedAs(await c.bob.rpc('switch_organization', { p_organization_id: c.org }),
      { status: 400, code: 'P0001', message: 'NOT_ORGANIZATION_MEMBER' }, 'switching to an organisation one is not in'),
  },
  {
    fn: 'get_user_organizations',
    may: async () => {
      const data = ok(await c.carol.rpc('get_user_organizations', {}, { get: true }), 'get_user_organizations (GET)');
      assert.deepEqual(Object.keys(data), ['organizations']);
      assert.equal(data.organizations[0].slug, c.orgSlug);
      for (const k of ['id', 'name', 'display_name_zh', 'display_name_en', 'logo_url', 'brand_colors', 'membership_level', 'is_current',
        'member_number']) assert.ok(k in data.organizations[0], `seed 003's key ${k}`);
    },
    mayNot: async () => denied('a member lists another\'s')(await c.bob.rpc('get_user_organizations', { p_user_id: c.carolMember })),
  },
  {
    fn: 'update_merchant_profile',
    may: async () => {
      const data = ok(await c.owner.rpc('update_merchant_profile', {
        p_merchant_code: c.shop, p_category: 'dining', p_brand_colors: { primary: '#00704A' },
      }), 'update_merchant_profile');
      assert.deepEqual([data.code, data.category], [c.shop, 'dining']);
    },
    mayNot: async () => denied('a cashier changes the profile')(
      await c.cashier.rpc('update_merchant_profile', { p_merchant_code: c.shop, p_category: 'retail' })),
  },
  {
    fn: 'set_partnership',
    may: async () => {
      const data = ok(await c.owner.rpc('set_partnership', {
        p_organization_id: c.org, p_merchant_id: c.shopId, p_partnership_type: 'premium', p_discount_rate: 10, p_special_benefits: ['free upsize'],
      }), 'set_partnership');
      assert.deepEqual([data.discount_rate, data.special_benefits], [10, ['free upsize']]);
    },
    mayNot: async () => denied('an organisation admin grants itself a discount')(await c.orgAdmin.rpc('set_partnership', {
      p_organization_id: c.org, p_merchant_id: c.shopId, p_discount_rate: 50,
    })),
    extra: async () => refusedAs(await c.owner.rpc('set_partnership', {
      p_organization_id: c.org, p_merchant_id: c.shopId, p_discount_rate: 10.55,
    }), { status: 400, code: '22023', message: 'INVALID_ARGUMENT' }, 'a rate with two decimals'),
  },
  {
    fn: 'get_organization_merchants',
    may: async () => {
      const data = ok(await c.carol.rpc('get_organization_merchants', { p_organization_id: c.org }, { get: true }), 'get_organization_merchants');
      assert.equal(data.merchants.length, 1);
      assert.equal(data.merchants[0].partnership_info.discount_rate, 10);
    },
    mayNot: async () => denied('a non-member lists partner merchants')(
      await c.bob.rpc('get_organization_merchants', { p_organization_id: c.org })),
  },
  {
    fn: 'verify_merchant_qr',
    may: async () => {
      const data = ok(await c.carol.rpc('verify_merchant_qr', { p_qr_data: `vitaglobal://merchant/${c.shop}/location/001` }, { get: true }),
        'verify_merchant_qr (GET)');
      assert.deepEqual([data.valid, data.has_permission, data.merchant.code, data.partnership_info.discount_rate], [true, true, c.shop, 10]);
      const bob = ok(await c.bob.rpc('verify_merchant_qr', { p_qr_data: `vitaglobal://merchant/${c.shop}/location/001` }), 'Bob');
      assert.deepEqual([bob.has_permission, bob.partnership_info], [false, null], 'a non-member is granted nothing');
    },
    mayNot: async () => denied('a user without a member profile')(
      await c.owner.rpc('verify_merchant_qr', { p_qr_data: `vitaglobal://merchant/${c.shop}/location/001` })),
    extra: async () => refusedAs(await c.carol.rpc('verify_merchant_qr', { p_qr_data: 'https://example.org/not-a-merchant' }),
      { status: 400, code: '22023', message: 'INVALID_MERCHANT_QR', hint: /vitaglobal:\/\/merchant/ }, 'a malformed merchant code'),
  },
  {
    fn: 'create_merchant_card',
    may: async () => {
      const data = ok(await c.carol.rpc('create_merchant_card', { p_qr_data: `vitaglobal://merchant/${c.shop}/location/001` }),
        'create_merchant_card');
      assert.deepEqual([data.success, data.created, data.card.card_type, data.card.merchant.code], [true, true, 'merchant', c.shop]);
      c.carolLoyalty = data.card.id;
    },
    mayNot: async () => denied('creating a card for another')(await c.bob.rpc('create_merchant_card', {
      p_user_id: c.carolMember, p_qr_data: `vitaglobal://merchant/${c.shop}/location/001`,
    })),
    extra: async () => refusedAs(await c.bob.rpc('create_merchant_card', { p_qr_data: `vitaglobal://merchant/${c.shop}/location/001` }),
      { status: 400, code: 'P0001', message: 'NOT_ORGANIZATION_MEMBER' }, 'a member of no organisation'),
  },
  {
    fn: 'get_user_membership_cards',
    may: async () => {
      const data = ok(await c.carol.rpc('get_user_membership_cards', {}, { get: true }), 'get_user_membership_cards (GET)');
      assert.deepEqual(data.cards.map((k) => k.card_type).sort(), ['merchant', 'organization']);
      for (const k of ['id', 'card_type', 'card_number', 'points', 'membership_level', 'qr_code_data', 'created_at'])
        assert.ok(k in data.cards[0], `seed 003's key ${k}`);
    },
    mayNot: async () => denied('listing another\'s cards')(await c.bob.rpc('get_user_membership_cards', { p_user_id: c.carolMember })),
  },
  {
    fn: 'leave_organization',
    may: async () => {
      const gina = c.gina.client;
      ok(await gina.rpc('join_organization', { p_organization_id: c.org }), 'Gina joins');
      assert.equal(ok(await gina.rpc('leave_organization', { p_organization_id: c.org }), 'leave_organization'), true);
    },
    mayNot: async () => denied('leaving for another')(
      await c.bob.rpc('leave_organization', { p_organization_id: c.org, p_user_id: c.carolMember })),
    extra: async () => refusedAs(await c.bob.rpc('leave_organization', { p_organization_id: c.org }),
      { status: 400, code: 'P0001', message: 'NOT_ORGANIZATION_MEMBER' }, 'leaving an organisation one is not in'),
  },
  {
    fn: 'set_wallet_settings',
    may: async () => {
      const data = scalar(ok(await c.service.rpc('set_wallet_settings', {
        p_team_identifier: 'ABC123DEF4', p_pass_type_identifier: 'pass.com.vitaglobal',
        p_web_service_url: 'https://api.vitaglobal.com/passkit', p_google_issuer_id: '3388000000012345678',
      }), 'set_wallet_settings'), 'object', 'set_wallet_settings');
      assert.equal(data.team_identifier, 'ABC123DEF4');
    },
    mayNot: async () => denied('a member sets the wallet settings')(
      await c.alice.rpc('set_wallet_settings', { p_team_identifier: 'ABC123DEF4', p_pass_type_identifier: 'pass.com.vitaglobal' })),
    extra: async () => refusedAs(await c.service.rpc('set_wallet_settings', { p_web_service_url: 'http://insecure.example.com' }),
      { status: 400, code: '22023', message: 'INVALID_ARGUMENT' }, 'a web service URL that is not https'),
  },
  {
    fn: 'get_apple_wallet_pass',
    may: async () => {
      const pass = scalar(ok(await c.alice.rpc('get_apple_wallet_pass', { p_card_id: c.aliceCard }), 'get_apple_wallet_pass'),
        'object', 'get_apple_wallet_pass');
      for (const key of ['formatVersion', 'passTypeIdentifier', 'serialNumber', 'teamIdentifier', 'organizationName', 'description',
        'barcode', 'barcodes', 'storeCard', 'webServiceURL', 'authenticationToken']) assert.ok(key in pass, `pass.json has ${key}`);
      c.pass = pass;
    },
    mayNot: async () => denied('a stranger gets another member\'s pass')(
      await c.carol.rpc('get_apple_wallet_pass', { p_card_id: c.aliceCard })),
    extra: async () => refusedAs(await c.service.rpc('get_apple_wallet_pass', { p_card_id: ZERO_UUID }),
      { status: 404, code: 'PT404', message: 'CARD_NOT_FOUND' }, 'an unknown card (to an administrator)'),
  },
  {
    fn: 'get_google_wallet_object',
    may: async () => {
      const object = scalar(ok(await c.alice.rpc('get_google_wallet_object', { p_card_id: c.aliceCard }), 'get_google_wallet_object'),
        'object', 'get_google_wallet_object');
      assert.equal(object.state, 'ACTIVE');
      assert.equal(object.barcode.type, 'QR_CODE');
    },
    mayNot: async () => denied('a stranger gets another member\'s Google object')(
      await c.carol.rpc('get_google_wallet_object', { p_card_id: c.aliceCard })),
  },
  {
    fn: 'wallet_register_device',
    may: async () => {
      c.device = `dev-${S}`;
      assert.equal(scalar(ok(await c.service.rpc('wallet_register_device', {
        p_device_library_identifier: c.device, p_pass_type_identifier: c.pass.passTypeIdentifier, p_serial_number: c.pass.serialNumber,
        p_authentication_token: c.pass.authenticationToken, p_push_token: `abc${S}`,
      }), 'wallet_register_device'), 'string', 'wallet_register_device'), 'created');
    },
    mayNot: async () => refusedAs(await c.alice.rpc('wallet_register_device', {
      p_device_library_identifier: 'x', p_pass_type_identifier: c.pass.passTypeIdentifier, p_serial_number: c.pass.serialNumber,
      p_authentication_token: c.pass.authenticationToken, p_push_token: 'abc',
    }), noGrant('wallet_register_device', 403), 'a member registers a device itself'),
    extra: async () => refusedAs(await c.service.rpc('wallet_register_device', {
      p_device_library_identifier: c.device, p_pass_type_identifier: c.pass.passTypeIdentifier, p_serial_number: c.pass.serialNumber,
      p_authentication_token: 'wrong', p_push_token: 'abc',
    }), { status: 403, code: '42501', message: 'WALLET_AUTH_FAILED' }, 'a wrong authentication token'),
  },
  {
    fn: 'wallet_serials_updated_since',
    may: async () => {
      const data = scalar(ok(await c.service.rpc('wallet_serials_updated_since', {
        p_device_library_identifier: c.device, p_pass_type_identifier: c.pass.passTypeIdentifier,
      }, { get: true }), 'wallet_serials_updated_since (GET)'), 'object', 'wallet_serials_updated_since');
      assert.deepEqual(data.serialNumbers, [c.pass.serialNumber]);
      assert.match(data.lastUpdated, /^[0-9]{16}$/);
    },
    mayNot: async () => refusedAs(await c.alice.rpc('wallet_serials_updated_since', {
      p_device_library_identifier: c.device, p_pass_type_identifier: c.pass.passTypeIdentifier,
    }), noGrant('wallet_serials_updated_since', 403), 'a member lists serials'),
  },
  {
    fn: 'wallet_latest_pass',
    may: async () => {
      const data = scalar(ok(await c.service.rpc('wallet_latest_pass', {
        p_pass_type_identifier: c.pass.passTypeIdentifier, p_serial_number: c.pass.serialNumber,
        p_authentication_token: c.pass.authenticationToken,
      }, { get: true }), 'wallet_latest_pass (GET)'), 'object', 'wallet_latest_pass');
      assert.equal(data.pass.serialNumber, c.pass.serialNumber);
      assert.match(data.tag, /^[0-9]{16}$/);
    },
    mayNot: async () => refusedAs(await c.bob.rpc('wallet_latest_pass', {
      p_pass_type_identifier: c.pass.passTypeIdentifier, p_serial_number: c.pass.serialNumber,
      p_authentication_token: c.pass.authenticationToken,
    }), noGrant('wallet_latest_pass', 403), 'a member holding the token'),
  },
  {
    fn: 'wallet_push_targets',
    may: async () => {
      const data = ok(await c.service.rpc('wallet_push_targets', { p_limit: 100 }), 'wallet_push_targets');
      assert.ok(Array.isArray(data), 'an array of push targets');
      if (data.length) assert.deepEqual(Object.keys(data[0]), ['push_token', 'pass_type_identifier', 'serial_number', 'tag']);
    },
    mayNot: async () => refusedAs(await c.alice.rpc('wallet_push_targets'), noGrant('wallet_push_targets', 403), 'a member'),
  },
  {
    fn: 'wallet_unregister_device',
    may: async () => assert.equal(scalar(ok(await c.service.rpc('wallet_unregister_device', {
      p_device_library_identifier: c.device, p_pass_type_identifier: c.pass.passTypeIdentifier, p_serial_number: c.pass.serialNumber,
      p_authentication_token: c.pass.authenticationToken,
    }), 'wallet_unregister_device'), 'boolean', 'wallet_unregister_device'), true),
    mayNot: async () => refusedAs(await c.alice.rpc('wallet_unregister_device', {
      p_device_library_identifier: c.device, p_pass_type_identifier: c.pass.passTypeIdentifier, p_serial_number: c.pass.serialNumber,
      p_authentication_token: c.pass.authenticationToken,
    }), noGrant('wallet_unregister_device', 403), 'a member unregisters a device'),
  },
  {
    fn: 'update_card_points',
    may: async () => {
      // Carol's loyalty card at SHOP (create_merchant_card above).
      const args = { p_card_id: c.carolLoyalty, p_points_change: 50, p_transaction_type: 'earn', p_description: '消费获得积分',
        p_merchant_id: c.shopId, p_reference_id: `order-${S}` };
      const data = ok(await c.cashier.rpc('update_card_points', args), 'update_card_points');
      assert.deepEqual(Object.keys(data).sort(), ['card_id', 'created_at', 'description', 'ledger_id', 'merchant_id', 'points',
        'points_change', 'reference_id', 'replayed', 'success', 'transaction_type']);
      assert.deepEqual([data.success, data.points, data.points_change, data.transaction_type, data.replayed], [true, 50, 50, 'earn', false]);
      const again = ok(await c.cashier.rpc('update_card_points', args), 'update_card_points again');
      assert.deepEqual([again.ledger_id, again.points, again.replayed], [data.ledger_id, 50, true], 'a retry: the original row');
    },
    mayNot: async () => refusedAs(await c.carol.rpc('update_card_points', {
      p_card_id: c.carolLoyalty, p_points_change: 1000, p_transaction_type: 'earn', p_merchant_id: c.shopId,
    }), { ...permissionDenied, details: 'The caller is not staff of a merchant with this id.' }, 'a member earns points for itself'),
    extra: async () => {
      refusedAs(await c.cashier.rpc('update_card_points', {
        p_card_id: c.carolLoyalty, p_points_change: 60, p_transaction_type: 'earn', p_merchant_id: c.shopId, p_reference_id: `order-${S}`,
      }), { status: 409, code: 'PT409', message: 'POINTS_REFERENCE_REUSED' }, 'the same reference with other points');
      refusedAs(await c.cashier.rpc('update_card_points', {
        p_card_id: c.carolLoyalty, p_points_change: 10, p_transaction_type: 'transfer', p_merchant_id: c.shopId,
      }), { status: 400, code: '22023', message: 'INVALID_ARGUMENT', hint: 'Call app.transfer_points(p_from_card_id, p_to_card_id, p_points).' },
      'a transfer through update_card_points');
    },
  },
  {
    fn: 'transfer_points',
    may: async () => {
      const data = ok(await c.carol.rpc('transfer_points', { p_from_card_id: c.carolLoyalty, p_to_card_id: c.carolCard, p_points: 5 }),
        'transfer_points');
      assert.deepEqual(Object.keys(data).sort(), ['created_at', 'from_card_id', 'from_ledger_id', 'from_points', 'points',
        'reference_id', 'replayed', 'success', 'to_card_id', 'to_ledger_id', 'to_points']);
      assert.deepEqual([data.success, data.points, data.from_points], [true, 5, 45]);
    },
    mayNot: async () => refusedAs(await c.bob.rpc('transfer_points', { p_from_card_id: c.carolLoyalty, p_to_card_id: c.bobCard, p_points: 1 }),
      { ...permissionDenied, details: 'Points move only between two cards the caller owns.' }, 'another member\'s card as the source'),
  },
  {
    fn: 'get_organization_analytics',
    may: async () => {
      // The organisation of the cases above, by its administrator.
      const data = ok(await c.orgAdmin.rpc('get_organization_analytics', { p_organization_id: c.org, p_months: 2 }),
        'get_organization_analytics');
      assert.deepEqual(Object.keys(data).sort(), ['activity_30d', 'cards', 'member_growth', 'members', 'months', 'organization_id',
        'partner_merchants', 'points', 'time_zone']);
      assert.equal(data.member_growth.length, 2);
      assert.deepEqual([data.members.verified, data.partner_merchants.active], [1, 1], JSON.stringify([data.members, data.partner_merchants]));
    },
    mayNot: async () => refusedAs(await c.alice.rpc('get_organization_analytics', { p_organization_id: c.org }),
      { ...permissionDenied, details: 'Only the organisation\'s administrators may read its analytics.' }, 'a member'),
    extra: async () => refusedAs(await c.service.rpc('get_organization_analytics', { p_organization_id: ZERO_UUID }),
      { status: 404, code: 'PT404', message: 'ORGANIZATION_NOT_FOUND' }, 'an unknown organisation'),
  },
  {
    fn: 'get_merchant_analytics',
    may: async () => {
      const data = ok(await c.owner.rpc('get_merchant_analytics', { p_merchant_id: c.shopId }), 'get_merchant_analytics');
      assert.deepEqual(Object.keys(data).sort(), ['active_users_30d', 'cards', 'members_by_organization', 'merchant_id', 'months',
        'points', 'time_zone']);
      assert.deepEqual([data.months, data.cards.issued, data.cards.by_month.length], [12, 1, 12]);
      // Carol's 50 loyalty points at SHOP and the points of the payments there.
      assert.ok(data.points.earned >= 50 && data.points.earned_count >= 2, JSON.stringify(data.points));
    },
    mayNot: async () => refusedAs(await c.cashier.rpc('get_merchant_analytics', { p_merchant_id: c.shopId }),
      { ...permissionDenied, details: 'Only an owner or manager of the merchant reads its analytics.' }, 'a cashier'),
    extra: async () => refusedAs(await c.owner.rpc('get_merchant_analytics', { p_merchant_id: c.shopId, p_months: 37 }),
      { status: 400, code: '22023', message: 'INVALID_ARGUMENT' }, 'p_months out of bounds'),
  },
  {
    fn: 'verify_ledger',
    may: async () => assert.deepEqual(ok(await c.service.rpc('verify_ledger', {}, { get: true }), 'verify_ledger (GET)'), [],
      'after every call above the ledger checker finds nothing'),
    mayNot: async () => refusedAs(await c.alice.rpc('verify_ledger'), noGrant('verify_ledger', 403), 'a member'),
  },
];

// Placeholder arguments of a function's declared types, for the anon calls (refused by the
// grant before any argument matters).
function placeholder(type) {
  switch (type) {
    case 'uuid': return ZERO_UUID;
    case 'numeric': case 'integer': case 'bigint': return 1;
    case 'boolean': return true;
    case 'jsonb': case 'json': return {};
    case 'timestamp with time zone': return new Date().toISOString();
    case 'date': return '2000-01-01';
    case 'app.card_type': return 'standard';
    default: return 'x';
  }
}

let db;

before(async () => {
  db = new pg.Client({ database: process.env.MPS_HTTP_DATABASE || 'mps_http' });
  await db.connect();
  const { rows } = await db.query(`
    SELECT p.proname AS name, p.provolatile AS volatility, p.pronargs AS nargs, p.pronargdefaults AS ndefaults,
           COALESCE(p.proargnames, '{}') AS argnames,
           ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, i) ORDER BY i) AS argtypes
      FROM pg_proc p WHERE p.pronamespace = 'app'::regnamespace ORDER BY p.proname`);
  dbFunctions = rows.map((r) => ({
    name: r.name,
    volatility: r.volatility,
    args: r.argtypes.map((type, i) => ({ name: r.argnames[i], type, required: i < r.nargs - r.ndefaults })),
  }));
  c.ladder = (await db.query(`SELECT jsonb_agg(jsonb_build_object('level', level, 'name', name, 'min_points', min_points,
      'max_points', max_points, 'discount', discount) ORDER BY level) AS ladder FROM app.membership_levels`)).rows[0].ladder;

  c.t0 = new Date(Date.now() - 2000).toISOString();
  c.anon = await anon();
  c.service = await asService();
  catalog = new Map(ok(await c.anon.rpc('error_catalog'), 'error_catalog').map((e) => [e.code, e]));

  // Merchants: SHOP (owner + cashier) and SHOP2 (suspended and reactivated, settled by the case).
  c.shop = `CAT_${S}`;
  c.shop2 = `CAT2_${S}`;
  c.shopId = ok(await c.service.rpc('create_merchant', { p_code: c.shop, p_name: 'Catalog shop' }), 'create_merchant');
  c.shop2Id = ok(await c.service.rpc('create_merchant', { p_code: c.shop2, p_name: 'Catalog shop 2' }), 'create_merchant');
  const ownerUser = newUserId();
  const cashierUser = newUserId();
  okVoid(await c.service.rpc('add_merchant_user', { p_merchant_code: c.shop, p_user_id: ownerUser, p_role: 'owner' }), 'owner');
  okVoid(await c.service.rpc('add_merchant_user', { p_merchant_code: c.shop, p_user_id: cashierUser }), 'cashier');
  c.owner = await asUser(ownerUser);
  c.cashier = await asUser(cashierUser);

  // Members Alice, Bob, Carol, registered by themselves (member id = user id).
  for (const who of ['alice', 'bob', 'carol']) {
    const userId = newUserId();
    c[who] = await asUser(userId);
    c[`${who}Member`] = ok(await c[who].rpc('create_member_profile', { p_name: who }), `create_member_profile ${who}`);
    c[`${who}Card`] = ok(await c[who].rpc('get_member_cards'), `get_member_cards ${who}`)[0].card_id;
  }
  ok(await c.service.rpc('user_recharge_card', { p_card_id: c.aliceCard, p_amount: 500 }), 'recharge Alice');

  // Alice's prepaid card with a binding password, Bob bound to it.
  c.prepaidPassword = `pp-pw-1-${S}`;
  c.prepaid = ok(await c.alice.rpc('create_prepaid_card', { p_binding_password: c.prepaidPassword }), 'create_prepaid_card')[0].card_id;
  assert.equal(ok(await c.alice.rpc('bind_member_to_card', {
    p_card_id: c.prepaid, p_member_id: c.bobMember, p_binding_password: c.prepaidPassword,
  }), 'bind Bob'), true);

  // A corporate card: Frank its admin, Gina a member.
  c.corpPassword = `corp-pw-${S}`;
  c.corp = ok(await c.service.rpc('create_corporate_card', {
    p_company_name: `Catalog Co ${S}`, p_fixed_discount: 0.9, p_binding_password: c.corpPassword,
  }), 'create_corporate_card')[0];
  c.frank = await registerExternal('frank');
  c.gina = await registerExternal('gina');
  assert.equal(ok(await c.service.rpc('enterprise_set_initial_admin', { p_card_no: c.corp.card_no, p_member_no: c.frank.memberNo }),
    'initial admin'), true);
  assert.equal(ok(await c.frank.client.rpc('enterprise_add_member', {
    p_card_no: c.corp.card_no, p_member_no: c.gina.memberNo, p_card_password: c.corpPassword,
  }), 'add Gina'), true);

  // Alice pays 30.00 at SHOP; a realtime settlement of SHOP covers it.
  c.payTxNo = ok(await c.cashier.rpc('merchant_charge_by_qr', {
    p_merchant_code: c.shop, p_qr_plain: await aliceQr(), p_raw_price: 30,
  }), 'charge Alice')[0].tx_no;
  c.settlementId = ok(await c.service.rpc('generate_settlement', {
    p_merchant_id: c.shopId, p_mode: 'realtime', p_period_start: c.t0, p_period_end: new Date().toISOString(),
  }), 'generate_settlement (fixture)');
});

after(async () => { await db?.end(); });

test('every function in schema app has a case here, and every case names a function of app', () => {
  const cased = new Set(CASES.map((k) => k.fn));
  assert.equal(cased.size, CASES.length, 'one case per function');
  const inDb = dbFunctions.map((f) => f.name);
  assert.ok(inDb.length > 0, 'the database lists the functions of app');
  assert.deepEqual(inDb.filter((fn) => !cased.has(fn)), [], 'functions of app without a client test case');
  assert.deepEqual([...cased].filter((fn) => !inDb.includes(fn)), [], 'cases for functions app does not have');
});

for (const k of CASES) {
  test(`${k.fn}: a caller who may`, async () => { await k.may(); });
  if (k.mayNot) test(`${k.fn}: a signed-in caller who may not`, async () => { await k.mayNot(); });
  if (k.extra) test(`${k.fn}: not found / conflict / hint`, async () => { await k.extra(); });
}

test('anon: every function but the ones for everyone is refused by its grant (401, 42501)', async (t) => {
  for (const f of dbFunctions) {
    await t.test(f.name, async () => {
      const args = Object.fromEntries(f.args.filter((a) => a.required).map((a) => [a.name, placeholder(a.type)]));
      const res = await c.anon.rpc(f.name, args);
      if (ANON_MAY.has(f.name)) ok(res, `${f.name} as anon`);
      else refusedAs(res, noGrant(f.name, 401), `${f.name} as anon`);
    });
  }
});

test('a write through GET runs read-only: 405 and 25006, nothing changes', async () => {
  const res = await c.alice.rpc('rotate_card_qr', { p_card_id: c.aliceCard }, { get: true });
  assert.equal(res.data, null);
  assert.equal(res.status, 405, JSON.stringify(res));
  assert.equal(res.error.code, '25006');
});

test('JWT: a service_role token signed with another secret gains nothing', async () => {
  const forged = await clientWith(await token({ role: 'service_role' }, `not-the-secret-${S}`));
  const code = `FORGED_${S}`;
  const created = await forged.rpc('create_merchant', { p_code: code, p_name: 'Forged' });
  assert.equal(created.status, 401, JSON.stringify(created));
  assert.equal(created.data, null);
  assert.match(created.error.code, /^PGRST30\d$/, 'PostgREST\'s JWT error code');
  const balance = async () => ok(await c.service.rpc('get_member_cards', { p_member_id: c.aliceMember }), 'cards')
    .find((card) => card.card_id === c.aliceCard).balance;
  const before = await balance();
  const recharged = await forged.rpc('user_recharge_card', { p_card_id: c.aliceCard, p_amount: 1000 });
  assert.equal(recharged.status, 401, JSON.stringify(recharged));
  // Nothing happened: the code is still free, the balance unchanged.
  assert.match(scalar(ok(await c.service.rpc('create_merchant', { p_code: code, p_name: 'Real' }), 'the code is free'),
    'string', 'create_merchant'), UUID);
  assert.equal(await balance(), before, 'the forged recharge moved no money');
});

test('JWT: an expired token is 401, also for a user who may call the RPC', async () => {
  const alice = ok(await c.service.rpc('get_member_cards', { p_member_id: c.aliceMember }), 'cards');
  assert.ok(alice.length);
  const expired = await clientWith(await userToken(c.aliceMember, { exp: Math.floor(Date.now() / 1000) - 60 }));
  const res = await expired.rpc('get_member_cards');
  assert.equal(res.status, 401, JSON.stringify(res));
  assert.equal(res.data, null);
  assert.match(res.error.code, /^PGRST30\d$/);
});

test('two users interleaved on the pooled connections never see each other\'s cards', async () => {
  const calls = [];
  for (let i = 0; i < 12; i++) {
    const [who, card] = i % 2 ? [c.bob, c.bobCard] : [c.alice, c.aliceCard];
    calls.push(who.rpc('get_member_cards').then((res) => [card, ok(res, 'get_member_cards')]));
  }
  for (const [card, cards] of await Promise.all(calls)) {
    assert.ok(cards.some((x) => x.card_id === card), 'the caller\'s own standard card');
    assert.ok(!cards.some((x) => x.card_id === (card === c.aliceCard ? c.bobCard : c.aliceCard)), 'not the other\'s');
  }
});
