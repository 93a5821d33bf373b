// The workload driver of the reliability layer (test/reliability.sh): C clients, each on its own
// connection, run random operations of every kind that moves or guards money, the way PostgREST
// calls mps (pgrst.mjs: one transaction per request, role switch + transaction-local claims),
// while the server is killed under them (faults below). Every client appends what it sent and
// what it heard to its own log (LOGDIR/client-<n>.jsonl); test/load/check.mjs then holds the
// database against those logs. Nothing here decides whether mps was right: the logs do.
//
// Operations (weights in WEIGHTS): charges by QR (some over the balance; half with a code rotated
// just before, half with the card's last known code, which another client may have rotated or used
// up), partial, full and excessive refunds of acknowledged payments (also concurrently by several
// clients), recharges by the trusted backend, recharge orders a member opens and the backend
// confirms (sometimes first with a wrong amount) or the member cancels, QR rotations, binds and
// unbinds of members to shared prepaid cards, freezes and unfreezes of those cards, idempotent
// retries of acknowledged requests (same key, same request: the same transaction must come back),
// a key reused with another request (must be refused), malformed input (must be refused).
// Charges, refunds, recharges and confirmations carry an idempotency key; when the answer is not
// heard (connection broken, server killed, or the answer dropped on purpose after COMMIT) the
// client reconnects and sends the same request again until it hears a definite answer, as a POS does.
//
// Faults (MPS_LOAD_* below), at random moments (thresholds of completed operations): the
// postmaster and every process of the server SIGKILLed and the server started again (K times),
// a client backend ended by pg_terminate_backend, a client backend SIGKILLed (the postmaster
// then restarts every backend itself). What was done goes to LOGDIR/faults.json.
//
// Usage: node test/load/driver.mjs --logs DIR [--clients 8] [--ops 50000] [--kills 5]
//   [--terminations 3] [--backend-kills 2] [--drop 0.02] [--seed N]
// PG* environment: the server (superuser); MPS_CLUSTER_DIR, MPS_PGBIN, MPS_OS_USER: how to kill
// and restart it (scripts/cluster.sh exports the first two).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cents, connect, findProc, isSqlError, loadProcs, money, rng, rpc } from './pgrst.mjs';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split(/\s*--/).filter(Boolean)
  .map((a) => { const [k, ...v] = a.split(/[= ]/); return [k, v.join(' ')]; }));
const opt = (k, d) => (args[k] === undefined || args[k] === '' ? d : args[k]);
const C = Number(opt('clients', 8));
const N = Number(opt('ops', 50000));
const K = Number(opt('kills', 5));
const T = Number(opt('terminations', 3));
const B = Number(opt('backend-kills', 2));
const DROP = Number(opt('drop', 0.02));
const SEED = Number(opt('seed', Date.now() % 1000000));
const LOGDIR = opt('logs', null);
if (!LOGDIR) throw new Error('--logs DIR is required');
fs.mkdirSync(LOGDIR, { recursive: true });
const CLUSTER = process.env.MPS_CLUSTER_DIR;
const PGBIN = process.env.MPS_PGBIN || '/usr/lib/postgresql/15/bin';
const OS_USER = process.env.MPS_OS_USER || 'mpstest';
const OP_DEADLINE_MS = Number(process.env.MPS_LOAD_DEADLINE_MS || 120000); // an operation that hears nothing definite for this long is unresolved

const WEIGHTS = {
  charge: 34, refund: 16, recharge: 10, order: 8, rotate: 8, bind: 5, unbind: 3, freeze: 3,
  retry: 6, reuse: 4, malformed: 3,
};

const R = rng(SEED);
const run = `r${SEED}`;
const uuid = (g) => {
  const h = Array.from({ length: 16 }, () => g.int(0, 255).toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

// ---------------------------------------------------------------------------------------------
// Shared state: what the clients believe (the database decides; a wrong belief is a refusal).
const world = {
  merchants: [], // { code, staff }
  members: [],   // { uid, memberId, card }
  cards: [],     // { id, type: 'standard'|'prepaid', owner (member index), password?, frozen }
  holders: new Map(), // prepaid card id -> Set of member indexes believed bound
  qr: new Map(),      // card id -> last code a client rotated
  payments: [],  // { tx_no, merchant, card, final }
  done: 0,       // operations finished (all clients)
};

let procs;
const P = (name, body) => findProc(procs, name, Object.keys(body));

class Log {
  constructor(file) { this.fd = fs.openSync(file, 'w'); }
  write(rec) { fs.writeSync(this.fd, `${JSON.stringify({ ...rec, at: Date.now() })}\n`); }
  close() { fs.closeSync(this.fd); }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Retried as the same request: the answer was not heard, or the server asked for a retry.
const retryableSql = (code) => ['PT503', '40001', '40P01', '55P03', '53300', '57P03', '57P04'].includes(code);

class Client {
  constructor(n, log) {
    this.n = n; this.log = log; this.g = rng(SEED * 31 + n + 1); this.conn = null; this.seq = 0;
    this.acked = []; // keyed requests this client heard acknowledged: { op, key, name, role, claims, body }
    this.stats = { sent: 0, acked: 0, refused: 0, unheard: 0, dropped: 0, unresolved: 0, reconnects: 0 };
  }

  async connection() {
    const until = Date.now() + OP_DEADLINE_MS;
    while (!this.conn) {
      try {
        this.conn = await connect(`mps-load-${this.n}`);
        this.stats.reconnects++;
      } catch {
        if (Date.now() > until) throw new Error('could not reconnect');
        await sleep(100 + this.g.int(0, 400));
      }
    }
    return this.conn;
  }

  drop() {
    const c = this.conn; this.conn = null;
    if (c) c.end().catch(() => {});
  }

  /**
   * Sends one request until a definite answer. `keyed` requests (they carry an idempotency key or
   * a provider id) are sent again, unchanged, after anything unheard; others are given up.
   * Returns { ok, rows } or { ok: false, code, sqlstate } or { ok: false, unresolved: true }.
   */
  async send(op, name, role, claims, body, meta = {}) {
    const proc = P(name, body);
    const keyed = Boolean(meta.key);
    const start = Date.now();
    for (let attempt = 1; ; attempt++) {
      this.stats.sent++;
      this.log.write({ t: 'send', c: this.n, seq: this.seq, op, fn: name, role, sub: claims.sub, key: meta.key, attempt, body });
      let why;
      try {
        const conn = await this.connection();
        const rows = await rpc(conn, proc, role, claims, body);
        if (keyed && this.g.chance(DROP)) {
          // Committed, but the answer is "lost" on the way back: the POS never heard it.
          this.stats.dropped++;
          why = 'dropped';
        } else {
          this.stats.acked++;
          this.log.write({ t: 'ack', c: this.n, seq: this.seq, op, fn: name, key: meta.key, attempt, rows, ...(meta.key ? {} : { body }), ...meta.ack?.(rows) });
          return { ok: true, rows };
        }
      } catch (e) {
        if (isSqlError(e) && !retryableSql(e.code)) {
          this.stats.refused++;
          this.log.write({ t: 'refused', c: this.n, seq: this.seq, op, fn: name, key: meta.key, attempt, sqlstate: e.code, code: e.message });
          return { ok: false, code: e.message, sqlstate: e.code };
        }
        why = e.committing ? 'commit' : (isSqlError(e) ? e.code : 'connection');
        if (!isSqlError(e)) this.drop();
      }
      this.stats.unheard++;
      this.log.write({ t: 'unheard', c: this.n, seq: this.seq, op, fn: name, key: meta.key, attempt, why });
      if (!keyed || Date.now() - start > OP_DEADLINE_MS) {
        if (keyed) this.stats.unresolved++;
        this.log.write({ t: keyed ? 'unresolved' : 'given_up', c: this.n, seq: this.seq, op, fn: name, key: meta.key });
        return { ok: false, unresolved: true };
      }
      await sleep(20 + this.g.int(0, 200));
    }
  }

  key(kind) { return `${run}-${kind}-c${this.n}-${this.seq}`; }
  member() { return world.members[this.g.int(0, world.members.length - 1)]; }
  asMember(m) { return ['authenticated', { sub: m.uid, aud: 'authenticated' }]; }
  amount(lo, hi) { return this.g.int(lo, hi); }

  // A holder of the card (its owner, or a member believed bound) rotates its code.
  async rotate(card) {
    let m = world.members[card.owner];
    const bound = world.holders.get(card.id);
    if (bound && bound.size && this.g.chance(0.5)) m = world.members[this.g.pick([...bound])];
    const r = await this.send('rotate', 'rotate_card_qr', ...this.asMember(m), { p_card_id: card.id });
    if (r.ok) world.qr.set(card.id, r.rows[0].qr_plain);
    return r.ok ? r.rows[0].qr_plain : null;
  }

  async charge() {
    const card = this.g.pick(world.cards);
    let qr = world.qr.get(card.id);
    if (!qr || this.g.chance(0.5)) qr = (await this.rotate(card)) || qr;
    if (!qr) return;
    const m = this.g.pick(world.merchants);
    const raw = this.g.chance(0.1) ? this.amount(50000, 500000) : this.amount(100, this.g.chance(0.8) ? 8000 : 40000);
    const key = this.key('pay');
    const body = { p_merchant_code: m.code, p_qr_plain: qr, p_raw_price: money(raw), p_reason: 'load', p_tag: { client: this.n },
      p_idempotency_key: key };
    if (this.g.chance(0.3)) body.p_external_order_id = `ext-${key}`;
    const claims = { sub: m.staff, aud: 'authenticated' };
    const r = await this.send('charge', 'merchant_charge_by_qr', 'authenticated', claims, body, {
      key, ack: (rows) => ({ tx_id: rows[0].tx_id, card: rows[0].card_id, delta: -cents(rows[0].final_amount) }),
    });
    if (r.ok) {
      world.payments.push({ tx_no: r.rows[0].tx_no, merchant: m, card: r.rows[0].card_id, final: cents(r.rows[0].final_amount) });
      this.acked.push({ op: 'charge', key, name: 'merchant_charge_by_qr', role: 'authenticated', claims, body });
      if (world.qr.get(card.id) === qr) world.qr.delete(card.id); // a code pays once
    }
  }

  async refund() {
    if (!world.payments.length) return this.charge();
    const p = world.payments[this.g.int(Math.max(0, world.payments.length - 200), world.payments.length - 1)];
    const roll = this.g.next();
    const amount = roll < 0.4 ? this.amount(1, p.final) : roll < 0.7 ? p.final : p.final + this.amount(1, 5000);
    const key = this.key('ref');
    const body = { p_merchant_code: p.merchant.code, p_original_tx_no: p.tx_no, p_refund_amount: money(amount),
      p_reason: 'load refund', p_idempotency_key: key };
    const claims = { sub: p.merchant.staff, aud: 'authenticated' };
    const r = await this.send('refund', 'merchant_refund_tx', 'authenticated', claims, body, {
      key, ack: (rows) => ({ tx_id: rows[0].refund_tx_id, card: p.card, delta: cents(rows[0].refunded_amount), original: p.tx_no }),
    });
    if (r.ok) this.acked.push({ op: 'refund', key, name: 'merchant_refund_tx', role: 'authenticated', claims, body });
  }

  async recharge() {
    const card = this.g.pick(world.cards);
    const key = this.key('rcg');
    const body = { p_card_id: card.id, p_amount: money(this.amount(1000, 30000)), p_payment_method: 'wechat',
      p_reason: 'load top-up', p_idempotency_key: key };
    const r = await this.send('recharge', 'user_recharge_card', 'service_role', {}, body, {
      key, ack: (rows) => ({ tx_id: rows[0].tx_id, card: rows[0].card_id, delta: cents(rows[0].amount) }),
    });
    if (r.ok) this.acked.push({ op: 'recharge', key, name: 'user_recharge_card', role: 'service_role', claims: {}, body });
  }

  // A member asks for a top-up of its own card (a pending order: self-service recharge is off),
  // then the backend confirms it with the provider's id, or the member cancels it.
  async order() {
    const mi = this.g.int(0, world.members.length - 1);
    const m = world.members[mi];
    const amount = this.amount(500, 20000);
    const key = this.key('ord');
    const r = await this.send('order', 'user_recharge_card', ...this.asMember(m), {
      p_card_id: m.card, p_amount: money(amount), p_idempotency_key: key }, { key, ack: (rows) => ({ order_id: rows[0].order_id }) });
    if (!r.ok) return;
    const order = r.rows[0].order_id;
    if (this.g.chance(0.1)) {
      await this.send('cancel', 'cancel_recharge_order', ...this.asMember(m), { p_order_id: order });
      return;
    }
    if (this.g.chance(0.15)) {
      await this.send('confirm_wrong', 'confirm_recharge_order', 'service_role', {},
        { p_order_id: order, p_provider_tx_id: `${key}-wrong`, p_amount: money(amount + 1) }, { key: `${key}-wrong` });
    }
    const body = { p_order_id: order, p_provider_tx_id: `prov-${key}`, p_amount: money(amount) };
    const c = await this.send('confirm', 'confirm_recharge_order', 'service_role', {}, body, {
      key: `prov-${key}`, ack: (rows) => ({ tx_id: rows[0].tx_id, card: rows[0].card_id, delta: cents(rows[0].amount) }),
    });
    if (c.ok) this.acked.push({ op: 'confirm', key: `prov-${key}`, name: 'confirm_recharge_order', role: 'service_role', claims: {}, body });
  }

  async bind(on) {
    const shared = world.cards.filter((c) => c.type === 'prepaid');
    const card = this.g.pick(shared);
    const mi = this.g.int(0, world.members.length - 1);
    if (mi === card.owner) return;
    const m = world.members[mi];
    const set = world.holders.get(card.id);
    if (on) {
      const password = this.g.chance(0.1) ? 'wrong-password' : card.password;
      const r = await this.send('bind', 'bind_member_to_card', ...this.asMember(m),
        { p_card_id: card.id, p_member_id: m.memberId, p_role: 'member', p_binding_password: password });
      if (r.ok && r.rows === true) set.add(mi);
    } else {
      const r = await this.send('unbind', 'unbind_member_from_card', ...this.asMember(m), { p_card_id: card.id, p_member_id: m.memberId });
      if (r.ok) set.delete(mi);
    }
  }

  async freeze() {
    const card = this.g.pick(world.cards.filter((c) => c.type === 'prepaid'));
    const fn = card.frozen ? 'unfreeze_card' : 'freeze_card';
    const r = await this.send(fn, fn, 'service_role', {}, { p_card_id: card.id, p_reason: 'load' });
    if (r.ok) card.frozen = !card.frozen;
  }

  // The same request again with its key: the same transaction must come back (check.mjs).
  async retry() {
    if (!this.acked.length) return this.recharge();
    const a = this.g.pick(this.acked);
    await this.send('retry', a.name, a.role, a.claims, a.body, { key: a.key, retryOf: a.op,
      ack: (rows) => ({ tx_id: rows[0].tx_id || rows[0].refund_tx_id }) });
  }

  // The key of an acknowledged request with another amount: must be refused (check.mjs).
  async reuse() {
    if (!this.acked.length) return this.recharge();
    const a = this.g.pick(this.acked);
    const body = { ...a.body };
    for (const k of ['p_raw_price', 'p_refund_amount', 'p_amount']) if (body[k]) body[k] = money(cents(body[k]) + 1);
    // Not `key`: a request that must be refused is not retried as the same request.
    await this.send('reuse', a.name, a.role, a.claims, body, { reusedKey: a.key,
      ack: (rows) => ({ tx_id: rows[0].tx_id || rows[0].refund_tx_id }) });
  }

  async malformed() {
    const m = this.g.pick(world.merchants);
    const card = this.g.pick(world.cards);
    const bad = this.g.pick(['NaN', 'Infinity', '-5.00', '0', '1.005', '1e20', '10000000000.00', 'abc', '', '1,00', '0x10']);
    const key = this.key('bad');
    const cases = [
      ['merchant_charge_by_qr', 'authenticated', { sub: m.staff }, { p_merchant_code: m.code, p_qr_plain: world.qr.get(card.id) || 'x', p_raw_price: bad, p_idempotency_key: key }],
      ['user_recharge_card', 'service_role', {}, { p_card_id: card.id, p_amount: bad, p_idempotency_key: key }],
      ['user_recharge_card', 'service_role', {}, { p_card_id: 'not-a-uuid', p_amount: '1.00', p_idempotency_key: key }],
      ['user_recharge_card', 'service_role', {}, { p_card_id: card.id, p_amount: '1.00', p_tag: [1, 2], p_idempotency_key: key }],
      ['user_recharge_card', 'service_role', {}, { p_card_id: card.id, p_amount: '1.00', p_idempotency_key: 'k'.repeat(129) }],
    ];
    if (world.payments.length) {
      const p = this.g.pick(world.payments);
      cases.push(['merchant_refund_tx', 'authenticated', { sub: p.merchant.staff },
        { p_merchant_code: p.merchant.code, p_original_tx_no: p.tx_no, p_refund_amount: bad, p_idempotency_key: key }]);
    }
    const [fn, role, claims, body] = this.g.pick(cases);
    await this.send('malformed', fn, role, claims, body, { ack: (rows) => ({ tx_id: rows[0]?.tx_id || rows[0]?.refund_tx_id }) });
  }

  async loop() {
    const ops = Object.entries(WEIGHTS);
    const total = ops.reduce((s, [, w]) => s + w, 0);
    while (world.done < N) {
      world.done++;
      this.seq++;
      let roll = this.g.next() * total;
      const [op] = ops.find(([, w]) => (roll -= w) < 0) || ops[0];
      if (op === 'bind') await this.bind(true);
      else if (op === 'unbind') await this.bind(false);
      else if (op === 'rotate') await this.rotate(this.g.pick(world.cards));
      else await this[op]();
      this.log.write({ t: 'done', c: this.n, seq: this.seq, op });
    }
    this.drop();
  }
}

// ---------------------------------------------------------------------------------------------
// Faults.
const faults = { seed: SEED, postmaster_kills: 0, restarts: 0, terminations: [], backend_kills: [], started_at: Date.now() };

function procState(pid) {
  try { return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[0]; } catch { return null; }
}
function childrenOf(pid) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = fs.readFileSync(`/proc/${d}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
      if (Number(f[1]) === pid) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}
async function gone(pids) {
  for (let i = 0; i < 300; i++) {
    if (pids.every((p) => { const s = procState(p); return s === null || s === 'Z'; })) return;
    await sleep(50);
  }
  throw new Error(`processes ${pids} did not end`);
}

// The postmaster and all its children SIGKILLed (a crashed server), then started again.
async function killServer() {
  const data = path.join(CLUSTER, 'data');
  const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const kids = childrenOf(pid);
  process.kill(pid, 'SIGKILL');
  for (const k of kids) { try { process.kill(k, 'SIGKILL'); } catch { /* gone */ } }
  faults.postmaster_kills++;
  await gone([pid, ...kids]);
  // This machine's init does not reap orphans: a zombie postmaster still "exists" for kill(pid, 0)
  // and its lock files (data directory, socket) would keep the new one from starting. It is dead
  // (gone() saw to it), so they go.
  fs.rmSync(path.join(data, 'postmaster.pid'), { force: true });
  for (const f of fs.readdirSync(CLUSTER)) if (/^\.s\.PGSQL\.\d+\.lock$/.test(f)) fs.rmSync(path.join(CLUSTER, f), { force: true });
  await sleep(R.int(0, 500));
  const r = spawnSync('runuser', ['-u', OS_USER, '--', path.join(PGBIN, 'pg_ctl'), '-D', data, '-l', path.join(CLUSTER, 'server.log'),
    '-w', '-t', '120', 'start'], { cwd: '/', encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`restart failed: ${r.stdout} ${r.stderr}`);
  faults.restarts++;
}

async function clientBackends(admin) {
  const { rows } = await admin.query(
    "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'mps-load-%' AND backend_type = 'client backend'");
  return rows.map((r) => r.pid);
}

async function withAdmin(fn) {
  for (let i = 0; i < 100; i++) {
    let admin;
    try {
      admin = await connect('mps-load-faults');
      return await fn(admin);
    } catch (e) {
      if (isSqlError(e)) throw e;
      await sleep(100);
    } finally {
      if (admin) admin.end().catch(() => {});
    }
  }
  throw new Error('no admin connection');
}

async function terminateBackend() {
  await withAdmin(async (admin) => {
    const pids = await clientBackends(admin);
    if (!pids.length) return;
    const pid = R.pick(pids);
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    faults.terminations.push(pid);
  });
}

async function killBackend() {
  const pid = await withAdmin(async (admin) => R.pick(await clientBackends(admin)));
  if (!pid) return;
  process.kill(pid, 'SIGKILL');
  faults.backend_kills.push(pid);
  // The postmaster ends every backend and recovers; wait until it takes connections again.
  await sleep(200);
  await withAdmin(async (admin) => admin.query('SELECT 1'));
}

async function chaos() {
  const events = [
    ...Array.from({ length: K }, () => killServer),
    ...Array.from({ length: T }, () => terminateBackend),
    ...Array.from({ length: B }, () => killBackend),
  ].map((fn) => ({ fn, at: Math.floor(N * (0.05 + 0.85 * R.next())) })).sort((a, b) => a.at - b.at);
  for (const e of events) {
    while (world.done < e.at && !finished) await sleep(20);
    const t0 = Date.now();
    if (process.env.MPS_LOAD_DEBUG) console.log(`load: fault ${e.fn.name} starts at operation ${world.done}`);
    await e.fn(); // an event whose moment passed after the clients finished still happens
    console.log(`load: fault ${e.fn.name} at operation ${world.done} (${Date.now() - t0} ms)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Setup: merchants with a cashier each, members who registered themselves (a standard card each),
// prepaid cards their owners share with a binding password, every card topped up by the backend.
async function setup(client, log) {
  const g = rng(SEED);
  const su = await connect('mps-load-setup');
  procs = await loadProcs(su);
  for (let i = 0; i < 2; i++) {
    const code = `LOAD${SEED}M${i}`;
    const staff = uuid(g);
    await su.query('SELECT app.create_merchant($1, $2)', [code, `Load merchant ${i}`]);
    await su.query('SELECT app.add_merchant_user($1, $2, $3)', [code, staff, 'cashier']);
    world.merchants.push({ code, staff });
  }
  const nMembers = Math.max(8, 4 * C);
  for (let i = 0; i < nMembers; i++) {
    const uid = uuid(g);
    const memberId = await rpc(su, P('create_member_profile', { p_name: 1 }), 'authenticated', { sub: uid }, { p_name: `Load member ${i}` });
    const { rows } = await su.query("SELECT id FROM app.member_cards WHERE owner_member_id = $1 AND card_type = 'standard'", [memberId]);
    world.members.push({ uid, memberId, card: rows[0].id });
    world.cards.push({ id: rows[0].id, type: 'standard', owner: i });
  }
  for (let i = 0; i < Math.max(2, Math.ceil(C / 2)); i++) {
    const owner = i;
    const password = `family-${SEED}-${i}`;
    const rows = await rpc(su, P('create_prepaid_card', { p_binding_password: 1 }), 'authenticated',
      { sub: world.members[owner].uid }, { p_binding_password: password });
    world.cards.push({ id: rows[0].card_id, type: 'prepaid', owner, password, frozen: false });
    world.holders.set(rows[0].card_id, new Set());
  }
  for (const card of world.cards) {
    const r = await client.send('recharge', 'user_recharge_card', 'service_role', {},
      { p_card_id: card.id, p_amount: money(g.int(20000, 100000)), p_reason: 'load setup', p_idempotency_key: `${run}-setup-${card.id}` },
      { key: `${run}-setup-${card.id}`, ack: (rows) => ({ tx_id: rows[0].tx_id, card: rows[0].card_id, delta: cents(rows[0].amount) }) });
    if (!r.ok) throw new Error(`setup recharge failed: ${JSON.stringify(r)}`);
  }
  await su.end();
  log.write({ t: 'setup', merchants: world.merchants, members: world.members, cards: world.cards });
}

let finished = false;
const started = Date.now();
const setupLog = new Log(path.join(LOGDIR, 'client-setup.jsonl'));
const setupClient = new Client('setup', setupLog);
setupClient.g = rng(SEED + 7);
await setup(setupClient, setupLog);
setupClient.drop();
setupLog.close();
console.log(`load: seed=${SEED} clients=${C} ops=${N} kills=${K} terminations=${T} backend-kills=${B} drop=${DROP}; ` +
  `${world.members.length} members, ${world.cards.length} cards, 2 merchants`);
const clients = Array.from({ length: C }, (_, n) => new Client(n, new Log(path.join(LOGDIR, `client-${n}.jsonl`))));
const chaosDone = chaos().catch((e) => { faults.error = String(e && e.stack); });
await Promise.all(clients.map((c) => c.loop()));
finished = true;
await chaosDone;
for (const c of clients) c.log.close();
faults.finished_at = Date.now();
fs.writeFileSync(path.join(LOGDIR, 'faults.json'), JSON.stringify(faults, null, 1));
if (faults.error) { console.error(`load: a fault could not be made: ${faults.error}`); process.exitCode = 1; }
const sum = (k) => clients.reduce((s, c) => s + c.stats[k], 0);
console.log(`load: ${N} operations by ${C} clients in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
  `${sum('sent')} requests sent, ${sum('acked')} acknowledged, ${sum('refused')} refused, ${sum('unheard')} unheard ` +
  `(${sum('dropped')} answers dropped after COMMIT), ${sum('unresolved')} unresolved, ${sum('reconnects') - C} reconnects; ` +
  `${faults.postmaster_kills} server kills, ${faults.terminations.length} backends terminated, ${faults.backend_kills.length} backends SIGKILLed`);
