// The RPC fuzzer of the reliability layer (test/reliability.sh). Every function of schema app,
// read from pg_proc (a new RPC is fuzzed without editing this file), is called with random and
// adversarial values for every parameter type, as every API role: anon, authenticated with the
// claims of a member / merchant staff / an admin in app.admin_users, and service_role. Calls go
// the ways a client reaches them:
//   json    PostgREST's call (test/load/pgrst.mjs): the JSON body through json_to_record with the
//           declared types, so wrong JSON types, NULLs, huge and odd strings, deep and malformed
//           jsonb, invalid UTF-8 in the payload (sent as raw bytes);
//   named   app.fn(p_a := $1::<declared type>, ...), values as text or raw bytes (invalid UTF-8);
//   wrong   one parameter passed as another type (app.fn(p_a := $1::integer) for a uuid): 42883;
//   nulls   once per function, role and position: that position NULL, the others plausible.
// Expectations: no call crashes the server (the postmaster's start time is unchanged and the
// server log shows no process terminated by a signal); every refusal is a catalogued mps code
// (app.error_catalog(), with its SQLSTATE) or a PostgreSQL input error (class 22, 42883 no such
// function for the types, 42725 ambiguous, 42P18 indeterminate type, 54001 stack depth, 42501
// permission denied for a function the role may not execute); INTERNAL_ERROR or anything else is
// a finding; the ledger checker is clean afterwards. The fuzzing backend's anonymous memory
// (RssAnon in /proc/<pid>/status) is sampled and reported.
//
// Usage: node test/fuzz/fuzz.mjs --calls 1000000 [--workers 2] [--seed N] [--server-log FILE --log-offset BYTES]
// (--workers processes of this file share the calls, each on its own connection and seed).
// Per-parameter-name hints (HINTS) only make values plausible more often; none is required.
import fs from 'node:fs';
import { callSql, connect, ident, isSqlError, loadProcs, request, rng } from '../load/pgrst.mjs';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split(/\s*--/).filter(Boolean)
  .map((a) => { const [k, ...v] = a.split(/[= ]/); return [k, v.join(' ')]; }));
const CALLS = Number(args.calls || 10000);
const SEED = Number(args.seed || 1);
const WORKERS = Number(args.workers || 1);
const WORKER = args.worker === undefined ? null : Number(args.worker);
if (WORKER === null) await parent();
const g = rng(SEED);
const ACCEPTED_PG = /^(22...|42883|42725|42P18|54001)$/;
const MB = 'x'.repeat(1 << 20);

const db = await connect('mps-fuzz');
await db.query("SET statement_timeout = '30s'");
const procs = await loadProcs(db);
const catalog = new Map((await db.query('SELECT code, sqlstate FROM app.error_catalog()')).rows.map((r) => [r.code, r.sqlstate]));
const enumLabels = new Map();
for (const r of (await db.query(`SELECT format_type(t.oid, NULL) AS type, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
                                   FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.oid`)).rows) enumLabels.set(r.type, r.labels);

// ---------------------------------------------------------------------------------------------
// Fixtures, made as the superuser (the platform administrator): a merchant with staff, members
// with cards and money, shared cards, a payment, a recharge order; ids the hints hand out.
const uid = () => crypto.randomUUID();
const ids = { member: uid(), member2: uid(), staff: uid(), admin: uid() };
const one = async (sql, v = []) => (await db.query(sql, v)).rows[0];
const sfx = String(SEED);
await db.query(`SELECT app.create_merchant('FZ${sfx}', 'Fuzz merchant')`);
await db.query(`SELECT app.add_merchant_user('FZ${sfx}', $1, 'owner')`, [ids.staff]);
await db.query('INSERT INTO app.admin_users (user_id, note) VALUES ($1, $2)', [ids.admin, 'fuzz admin']);
const pool = { uuid: [], merchant_code: [`FZ${sfx}`], tx_no: [], qr: [], member_no: [], card_no: [], order: [] };
async function asUser(sub, sql, v) {
  await db.query('BEGIN');
  await db.query("SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)",
    [JSON.stringify({ sub, role: 'authenticated' })]);
  const r = (await db.query(sql, v)).rows[0];
  await db.query('COMMIT');
  return r;
}
for (const m of [ids.member, ids.member2]) {
  const { id } = await asUser(m, 'SELECT app.create_member_profile($1) AS id', ['Fuzz member']);
  const card = await one("SELECT id, card_no FROM app.member_cards WHERE owner_member_id = $1", [id]);
  const mem = await one('SELECT member_no FROM app.member_profiles WHERE id = $1', [id]);
  pool.uuid.push(id, card.id); pool.card_no.push(card.card_no); pool.member_no.push(mem.member_no);
  await db.query("SELECT app.user_recharge_card($1, 5000.00, 'wechat', 'fuzz')", [card.id]);
}
const prepaid = await asUser(ids.member, "SELECT card_id, card_no FROM app.create_prepaid_card(p_binding_password => 'fuzz-password')");
pool.uuid.push(prepaid.card_id); pool.card_no.push(prepaid.card_no);
const corp = await one("SELECT card_id, card_no FROM app.create_corporate_card('Fuzz Corp', 0.9, 'corp-password')");
pool.uuid.push(corp.card_id); pool.card_no.push(corp.card_no);
const stdCard = pool.uuid[1];
const order = await asUser(ids.member, 'SELECT order_id FROM app.user_recharge_card($1, 10.00)', [stdCard]);
pool.order.push(order.order_id); pool.uuid.push(order.order_id);
pool.uuid.push((await one(`SELECT id FROM app.merchants WHERE code = 'FZ${sfx}'`)).id);
async function refreshQr() {
  for (const c of [stdCard, prepaid.card_id]) {
    const r = await one('SELECT qr_plain FROM app.rotate_card_qr($1)', [c]);
    pool.qr.push(r.qr_plain);
  }
  const pay = await db.query(`SELECT tx_no FROM app.merchant_charge_by_qr('FZ${sfx}', $1, 1.00)`, [pool.qr.pop()]).catch(() => null);
  if (pay) pool.tx_no.push(pay.rows[0].tx_no);
  if (pool.qr.length > 20) pool.qr.splice(0, pool.qr.length - 20);
  if (pool.tx_no.length > 20) pool.tx_no.splice(0, pool.tx_no.length - 20);
}
await refreshQr();

const ROLES = [
  ['anon', {}],
  ['authenticated', { sub: ids.member, aud: 'authenticated' }],
  ['authenticated', { sub: ids.staff, aud: 'authenticated' }],
  ['authenticated', { sub: ids.admin, aud: 'authenticated' }],
  ['service_role', {}],
];
const roleName = ([r, c]) => (r !== 'authenticated' ? r : c.sub === ids.member ? 'member' : c.sub === ids.staff ? 'staff' : 'admin');

// ---------------------------------------------------------------------------------------------
// Values. Each generator returns a JSON value (json path) or text / Buffer / null (named path).
const deep = (n) => '['.repeat(n) + ']'.repeat(n);
const oddText = ['', ' ', 'a', 'x'.repeat(65), 'x'.repeat(129), 'x'.repeat(501), 'x'.repeat(4097), 'é', 'Ω≈ç√∫', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🙂👍🏽',
  '\u202Eevil', 'a\u0301', '\uFEFF', '\u200B', '\u0000', 'a\u0000b', '\uD800', '\uDFFF', '\uFFFF', '%s%n%x%p', "'; DROP TABLE app.transactions; --",
  '\\', '"', "'", '{"a":1}', 'NaN', '-1', '1e309', 'null', 'true', '00000000-0000-0000-0000-000000000000', '\n\r\t', 'mpsq1', 'mpsq1' + 'A'.repeat(43)];
const HINTS = [ // parameter-name patterns -> plausible values (optional)
  [/merchant_code/, () => g.pick(pool.merchant_code)],
  [/tx_no/, () => g.pick(pool.tx_no.length ? pool.tx_no : ['PAY202612010000000000000'])],
  [/qr/, () => g.pick(pool.qr.length ? pool.qr : ['x'])],
  [/member_no/, () => g.pick(pool.member_no)],
  [/card_no/, () => g.pick(pool.card_no)],
  [/order_id/, () => g.pick(pool.order)],
  [/amount|price|value|rate|discount/, () => g.pick(['0.01', '1.00', '12.34', '100', '999.99'])],
  [/password/, () => g.pick(['fuzz-password', 'corp-password', 'wrong'])],
  [/role/, () => g.pick(['member', 'admin', 'owner', 'viewer', 'cashier', 'manager'])],
  [/mode/, () => g.pick(['realtime', 't_plus_1', 'monthly'])],
  [/status/, () => g.pick(['pending', 'confirmed', 'paid', 'failed'])],
  [/method|provider/, () => g.pick(['wechat', 'alipay', 'cash'])],
];
function hinted(p) {
  for (const [re, fn] of HINTS) if (re.test(p.name)) return fn();
  return undefined;
}
function plausible(p) {
  const h = hinted(p);
  if (h !== undefined && g.chance(0.8)) return h;
  switch (p.type) {
    case 'uuid': return g.pick(pool.uuid);
    case 'numeric': return g.pick(['1.00', '0.50', '25.50']);
    case 'integer': return g.pick([1, 2, 3, 30, 300, 900]);
    case 'boolean': return g.pick([true, false]);
    case 'jsonb': return g.pick([{}, { a: 1 }]);
    case 'date': return '2026-11-01';
    case 'timestamp with time zone': return g.pick(['2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', new Date(Date.now() + 86400000).toISOString()]);
    default:
      if (enumLabels.has(p.type)) return g.pick(enumLabels.get(p.type));
      return g.pick(['a', 'fuzz', 'FZ' + sfx]);
  }
}
function adversarial(p) {
  const r = g.next();
  if (r < 0.12) return null;
  if (r < 0.14) return g.chance(0.5) ? MB : { big: MB };
  if (r < 0.3) return g.pick(oddText);
  if (r < 0.36) return g.pick([0, -1, 1.5, 1e20, -0, 2147483648, -2147483649, 9223372036854775807, 1e308, true, false, [], {}, [1, 'a']]);
  switch (p.type) {
    case 'numeric': return g.pick(['NaN', 'Infinity', '-Infinity', '0', '-0.01', '0.001', '1.005', '9999999999.99', '10000000000.00',
      '1e20', '1e-20', '12abc', '', '1,5', 1e15, 0.1 + 0.2, 99999999999999999999]);
    case 'integer': return g.pick([0, -1, 29, 30, 86400, 86401, 2147483647, -2147483648, 2147483648, '1e3', '0x10', 1.5, 121, 3651, 1201]);
    case 'uuid': return g.pick(['00000000-0000-0000-0000-000000000000', crypto.randomUUID(), 'not-a-uuid', '', '{' + crypto.randomUUID() + '}',
      crypto.randomUUID().replace(/-/g, ''), 123]);
    case 'boolean': return g.pick(['maybe', 1, 'yes', 't', '']);
    case 'timestamp with time zone':
    case 'date': return g.pick(['infinity', '-infinity', 'now', 'epoch', '294277-01-01', '4714-11-24 BC', '2026-02-30', 'garbage', '',
      '2026-12-02T23:59:59.999999+14:00', '2026-11-30T23:59:59', '1999-01-01', '9999-12-31']);
    case 'jsonb': {
      const k = g.int(0, 9);
      if (k === 0) return JSON.parse(deep(g.pick([100, 1000, 4000])));
      if (k === 1) return Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
      if (k === 2) return { a: '\u0000' };
      if (k === 3) return Array.from({ length: g.int(0, 6) }, () => ({ level: g.int(-1, 5), name: g.pick(oddText), min_points: g.pick([0, 1000, -1, null, 'x']),
        max_points: g.pick([999, null, 2147483648]), discount: g.pick([1, 0.95, 0, 2, 'NaN', null]) }));
      if (k === 4) return { '': '', [MB.slice(0, 300)]: 1 };
      if (k === 5) return g.pick(['null', 'x', 1, [], [{}], { 'mps-partitions': '* * * * *' }, { job: 'garbage cron' }]);
      return g.pick([{}, [], { a: { b: { c: [1, 2, { d: null }] } } }, { tag: 'x'.repeat(5000) }]);
    }
    default:
      if (enumLabels.has(p.type)) return g.pick([...enumLabels.get(p.type), 'garbage', '', 'PERSONAL']);
      return g.pick(oddText);
  }
}
const value = (p) => (g.chance(0.5) ? plausible(p) : adversarial(p));
const asText = (v) => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
const invalidUtf8 = () => g.pick([Buffer.from([0x61, 0xff, 0x62]), Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
  Buffer.from([0xe2, 0x82])]);
const WRONG = { uuid: ['integer', 42], numeric: ['uuid', crypto.randomUUID()], text: ['integer', 7], integer: ['uuid', crypto.randomUUID()],
  jsonb: ['integer', 1], boolean: ['uuid', crypto.randomUUID()], 'timestamp with time zone': ['boolean', 'true'], date: ['numeric', '1.5'] };

// ---------------------------------------------------------------------------------------------
// One call, classified.
const stats = { calls: 0, ok: 0, catalogued: 0, input: 0, denied_pg: 0, findings: 0, reconnects: 0 };
const perPath = { json: 0, named: 0, wrong: 0, nulls: 0 };
const findings = [];
const perFunction = new Map(procs.map((p) => [`${p.name}/${p.nargs}`, { calls: 0, ok: 0 }]));
let conn = db;
let backendPid = (await db.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
const rssAnon = (pid) => {
  try { return Number(/RssAnon:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]); } catch { return null; }
};
const rss = { samples: [] };

function classify(e) {
  if (!isSqlError(e)) return 'crash';
  if (catalog.has(e.message) && e.message !== 'INTERNAL_ERROR' && catalog.get(e.message) === e.code) return 'catalogued';
  if (ACCEPTED_PG.test(e.code)) return 'input';
  if (e.code === '42501' && /^permission denied for function /.test(e.message)) return 'denied_pg';
  return 'finding';
}

function describe(v) {
  const s = Buffer.isBuffer(v) ? `bytes ${v.toString('hex')}` : JSON.stringify(v) ?? 'undefined';
  return s.length > 160 ? `${s.slice(0, 160)}... (${s.length} chars)` : s;
}

async function call(path, proc, role, sql, values, shown) {
  stats.calls++; perPath[path]++;
  const f = perFunction.get(`${proc.name}/${proc.nargs}`);
  f.calls++;
  try {
    await request(conn, proc, role[0], role[1], sql, values);
    stats.ok++; f.ok++;
  } catch (e) {
    const kind = classify(e);
    if (kind === 'crash') {
      stats.findings++;
      findings.push(`connection lost in ${proc.name} as ${roleName(role)} (${path}): ${e.message}; arguments ${describe(shown)}`);
      conn = await reconnect();
      return;
    }
    stats[kind]++;
    if (kind === 'finding') {
      stats.findings++;
      if (findings.length < 50) findings.push(`${proc.name} as ${roleName(role)} (${path}): ${e.code} ${e.message}` +
        `${e.detail ? ` / ${e.detail}` : ''}; arguments ${describe(shown)}`);
    }
  }
}

async function reconnect() {
  stats.reconnects++;
  for (let i = 0; i < 100; i++) {
    try {
      const c = await connect('mps-fuzz');
      await c.query("SET statement_timeout = '30s'");
      backendPid = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      return c;
    } catch { await new Promise((r) => setTimeout(r, 200)); }
  }
  throw new Error('the server does not come back');
}

// The json path: a body with every required key and some optional ones.
async function jsonCall(proc, role) {
  const body = {};
  for (const p of proc.params) if (p.required || g.chance(0.5)) body[p.name] = value(p);
  if (proc.params.length && g.chance(0.01)) {
    const raw = Buffer.concat([Buffer.from(JSON.stringify(body).slice(0, -1) + (proc.params.length ? ',' : '') + '"p_x":"'), invalidUtf8(), Buffer.from('"}')]);
    const { sql } = callSql(proc, proc.params.map((p) => p.name));
    return call('json', proc, role, sql, [raw], raw);
  }
  if (proc.params.length && g.chance(0.01)) return call('json', proc, role, callSql(proc, proc.params.map((p) => p.name)).sql, [g.pick(['{', '{"a":', '[1,2', 'nul', deep(20000), '"x"'])], 'malformed json');
  const { sql, withPayload } = callSql(proc, Object.keys(body));
  return call('json', proc, role, sql, withPayload ? [JSON.stringify(body)] : [], body);
}

function namedSql(proc, chosen, cast = {}) {
  const parts = chosen.map((p, i) => `${ident(p.name)} := $${i + 1}::${cast[p.name] || p.type}`);
  const scalar = !proc.composite && !proc.retset;
  return `SELECT ${scalar ? '' : '* FROM '}app.${ident(proc.name)}(${parts.join(', ')})`;
}

async function namedCall(proc, role) {
  const chosen = proc.params.filter((p) => p.required || g.chance(0.5));
  const values = chosen.map((p) => (p.type === 'text' && g.chance(0.05) ? invalidUtf8() : asText(value(p))));
  return call('named', proc, role, namedSql(proc, chosen), values, values);
}

async function wrongCall(proc, role) {
  const chosen = proc.params.filter((p) => p.required || g.chance(0.3));
  if (!chosen.length) return namedCall(proc, role);
  const victim = g.pick(chosen);
  const [type, wrong] = WRONG[victim.type] || ['integer', 1];
  const values = chosen.map((p) => (p === victim ? String(wrong) : asText(plausible(p))));
  return call('wrong', proc, role, namedSql(proc, chosen, { [victim.name]: type }), values, { [victim.name]: `${wrong}::${type}` });
}

// NULL in every position (all arguments given, positionally typed), once per role.
async function nullSweep() {
  for (const proc of procs) {
    for (const role of ROLES) {
      for (let i = 0; i < proc.nargs; i++) {
        const values = proc.params.map((p, j) => (j === i ? null : asText(plausible(p))));
        const parts = proc.params.map((p, j) => `$${j + 1}::${p.type}`);
        const scalar = !proc.composite && !proc.retset;
        await call('nulls', proc, role, `SELECT ${scalar ? '' : '* FROM '}app.${ident(proc.name)}(${parts.join(', ')})`, values, { null_at: proc.params[i].name });
      }
      if (proc.nargs > 1) {
        await call('nulls', proc, role, `SELECT ${!proc.composite && !proc.retset ? '' : '* FROM '}app.${ident(proc.name)}(${proc.params.map((p, j) => `$${j + 1}::${p.type}`).join(', ')})`,
          proc.params.map(() => null), { all: null });
      }
    }
  }
}

const started = Date.now();
if (WORKER === 0) await nullSweep();
const warm = Math.min(20000, Math.floor(CALLS / 5));
while (stats.calls < CALLS) {
  if (stats.calls % 500 === 0) await refreshQr().catch(() => {});
  if (stats.calls % Math.min(1000, Math.ceil(CALLS / 10)) === 0) {
    const kb = rssAnon(backendPid);
    rss.samples.push(kb);
    if (rss.start === undefined && stats.calls >= warm) rss.start = kb;
  }
  const proc = g.pick(procs);
  const role = g.pick(ROLES);
  const r = g.next();
  if (r < 0.6) await jsonCall(proc, role);
  else if (r < 0.9) await namedCall(proc, role);
  else await wrongCall(proc, role);
}
rss.end = rssAnon(backendPid);
rss.max = Math.max(...rss.samples.filter(Boolean), rss.end);

for (const f of findings) console.log(`fuzz: finding: ${f}`);
console.log(`FUZZRESULT ${JSON.stringify({ stats, perPath, rss, ok: [...perFunction].filter(([, v]) => v.ok > 0).map(([k]) => k), secs: (Date.now() - started) / 1000 })}`);
await conn.end().catch(() => {});
process.exit(0);

// ---------------------------------------------------------------------------------------------
// The parent: WORKERS processes of this file (seeds SEED, SEED+1, ...; a connection each; worker
// 0 also sweeps NULLs), then the checks after: the same postmaster, no process ended by a signal,
// the ledger clean.
async function parent() {
  const { spawn } = await import('node:child_process');
  const check = await connect('mps-fuzz-check');
  const startTime = (await check.query('SELECT pg_postmaster_start_time()::text AS t')).rows[0].t;
  const nprocs = (await check.query("SELECT count(*)::int AS n FROM pg_proc WHERE pronamespace = 'app'::regnamespace AND prokind = 'f'")).rows[0].n;
  const t0 = Date.now();
  const results = await Promise.all(Array.from({ length: WORKERS }, (_, i) => new Promise((resolve) => {
    const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--calls', String(Math.ceil(CALLS / WORKERS)),
      '--seed', String(SEED + i), '--worker', String(i)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('close', (code) => {
      for (const l of out.split('\n')) if (l && !l.startsWith('FUZZRESULT ')) console.log(l);
      const line = out.split('\n').find((l) => l.startsWith('FUZZRESULT '));
      resolve(line ? JSON.parse(line.slice(11)) : { failed: `worker ${i} exited with ${code}` });
    });
  })));
  const endTime = (await check.query('SELECT pg_postmaster_start_time()::text AS t')).rows[0].t;
  const ledger = (await check.query('SELECT * FROM app.verify_ledger()')).rows;
  const all = (await check.query("SELECT p.proname || '/' || p.pronargs AS f FROM pg_proc p WHERE pronamespace = 'app'::regnamespace AND prokind = 'f'")).rows.map((r) => r.f);
  await check.end();
  let signals = [];
  if (args['server-log']) {
    const text = fs.readFileSync(args['server-log']).subarray(Number(args['log-offset'] || 0)).toString('utf8');
    signals = text.split('\n').filter((l) => /terminated by (signal|exception)|exited with exit code [^01]/.test(l));
  }
  const failed = results.filter((r) => r.failed);
  for (const r of failed) console.log(`fuzz: ${r.failed}`);
  const ok = results.filter((r) => !r.failed);
  const sum = (k, sub = 'stats') => ok.reduce((a, r) => a + r[sub][k], 0);
  const crashes = (endTime !== startTime ? 1 : 0) + signals.length;
  for (const l of signals) console.log(`fuzz: server log: ${l}`);
  for (const v of ledger) console.log(`fuzz: verify_ledger: ${JSON.stringify(v)}`);
  const answered = new Set(ok.flatMap((r) => r.ok));
  const never = all.filter((f) => !answered.has(f));
  console.log(`fuzz: functions never answered successfully (every call refused): ${never.length ? never.join(', ') : 'none'}`);
  const secs = (Date.now() - t0) / 1000;
  const rssOf = (k) => ok.map((r) => r.rss[k]).join('/');
  console.log(`reliability fuzz: calls=${sum('calls')} functions=${nprocs} roles=5 workers=${WORKERS} ok=${sum('ok')} catalogued=${sum('catalogued')} ` +
    `input_errors=${sum('input')} not_granted=${sum('denied_pg')} findings=${sum('findings')} crashes=${crashes} ledger_violations=${ledger.length} ` +
    `paths json=${sum('json', 'perPath')} named=${sum('named', 'perPath')} wrong=${sum('wrong', 'perPath')} nulls=${sum('nulls', 'perPath')} ` +
    `rss_anon_kb start=${rssOf('start')} end=${rssOf('end')} max=${rssOf('max')} (${secs.toFixed(0)} s, ${(sum('calls') / secs).toFixed(0)} calls/s) seed=${SEED}`);
  process.exit(sum('findings') || crashes || ledger.length || failed.length ? 1 : 0);
}
