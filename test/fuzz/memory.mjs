// One backend's memory over many RPC calls (test/reliability.sh). On one connection, chunks of
// calls run as PL/pgSQL loops (a transaction per ten rounds, the role and claims switched
// transaction-locally before each call, as PostgREST does): a member rotates its QR code, the
// cashier charges with it and refunds the payment, charges with a used code and with 'NaN'
// (refused), the backend recharges, a member reads its cards, anon is refused a write and reads the
// error catalog — successes, mps refusals and PostgreSQL errors alike. After every chunk the
// backend's anonymous resident memory (RssAnon in /proc/<pid>/status; shared buffers excluded) is
// read. The first fifth of the chunks warms caches up (a long run once grew 2 MiB in its second
// chunk, on a database the fuzzer had filled, then not a byte in eight chunks); from its end to the
// last chunk's end the growth must stay within BOUND_KB, else the run fails: a leak grows with the calls.
//
// Usage: node test/fuzz/memory.mjs --calls 100000 [--chunks 10] [--seed N]
import fs from 'node:fs';
import { connect } from '../load/pgrst.mjs';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split(/\s*--/).filter(Boolean)
  .map((a) => { const [k, ...v] = a.split(/[= ]/); return [k, v.join(' ')]; }));
const CALLS = Number(args.calls || 100000);
const CHUNKS = Number(args.chunks || 10);
const SEED = String(args.seed || 1);
const BOUND_KB = 1024;
const PER_ROUND = 9; // calls in one round of the loop below

const db = await connect('mps-memory');
const q = async (sql, v = []) => (await db.query(sql, v)).rows[0];
const member = crypto.randomUUID();
const staff = crypto.randomUUID();
const code = `MEM${SEED}`;
await db.query('SELECT app.create_merchant($1, $2)', [code, 'Memory merchant']);
await db.query('SELECT app.add_merchant_user($1, $2, $3)', [code, staff, 'cashier']);
await db.query('BEGIN');
await db.query("SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)", [JSON.stringify({ sub: member })]);
const { id: memberId } = await q('SELECT app.create_member_profile($1) AS id', ['Memory member']);
await db.query('COMMIT');
const { id: card } = await q("SELECT id FROM app.member_cards WHERE owner_member_id = $1", [memberId]);
await db.query("SELECT app.user_recharge_card($1, 100000.00, 'wechat', 'memory')", [card]);
const pid = (await q('SELECT pg_backend_pid() AS pid')).pid;
const rssAnon = () => Number(/RssAnon:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;
const claims = (sub) => lit(JSON.stringify({ sub, role: 'authenticated' }));
const rounds = Math.ceil(CALLS / CHUNKS / PER_ROUND);
const chunk = (n) => `DO $mem$
DECLARE qr text; pay record;
BEGIN
  FOR i IN 1..${rounds} LOOP
    PERFORM set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims(member)}, true);
    BEGIN SELECT qr_plain INTO qr FROM app.rotate_card_qr(${lit(card)}); EXCEPTION WHEN OTHERS THEN qr := 'x'; END;
    PERFORM set_config('request.jwt.claims', ${claims(staff)}, true);
    BEGIN SELECT * INTO pay FROM app.merchant_charge_by_qr(${lit(code)}, qr, 1.00, 'memory', '{"k":1}', 'mem-${n}-' || i);
    EXCEPTION WHEN OTHERS THEN pay := NULL; END;
    BEGIN PERFORM app.merchant_refund_tx(${lit(code)}, pay.tx_no, 1.00, NULL, '{}', 'memref-${n}-' || i); EXCEPTION WHEN OTHERS THEN NULL; END;
    BEGIN PERFORM app.merchant_charge_by_qr(${lit(code)}, qr, 1.00); EXCEPTION WHEN OTHERS THEN NULL; END;
    BEGIN PERFORM app.merchant_charge_by_qr(${lit(code)}, qr, 'NaN'); EXCEPTION WHEN OTHERS THEN NULL; END;
    PERFORM set_config('role', 'service_role', true), set_config('request.jwt.claims', '{"role":"service_role"}', true);
    BEGIN PERFORM app.user_recharge_card(${lit(card)}, 0.01, 'wechat', NULL, '{}', 'memrcg-${n}-' || i); EXCEPTION WHEN OTHERS THEN NULL; END;
    BEGIN PERFORM app.get_member_cards(${lit(memberId)}); EXCEPTION WHEN OTHERS THEN NULL; END;
    PERFORM set_config('role', 'anon', true), set_config('request.jwt.claims', '{"role":"anon"}', true);
    BEGIN PERFORM app.create_merchant('NOPE', 'x'); EXCEPTION WHEN OTHERS THEN NULL; END;
    BEGIN PERFORM count(*) FROM app.error_catalog(); EXCEPTION WHEN OTHERS THEN NULL; END;
    IF i % 10 = 0 THEN COMMIT; END IF;
  END LOOP;
END $mem$`;

const t0 = Date.now();
const samples = [rssAnon()];
for (let n = 1; n <= CHUNKS; n++) {
  await db.query(chunk(n));
  samples.push(rssAnon());
}
const { count: payments } = await q("SELECT count(*)::int AS count FROM app.transactions t JOIN app.merchants m ON m.id = t.merchant_id WHERE m.code = $1 AND t.tx_type = 'payment'", [code]);
const ledger = (await db.query('SELECT * FROM app.verify_ledger()')).rows.length;
await db.end();
const calls = rounds * PER_ROUND * CHUNKS;
const warm = Math.max(1, Math.round(CHUNKS / 5));
const growth = samples[samples.length - 1] - samples[warm];
const ok = growth <= BOUND_KB && ledger === 0 && payments > 0;
console.log(`reliability memory: calls=${calls} in ${CHUNKS} chunks on backend ${pid}, ${payments} payments, ` +
  `rss_anon_kb before=${samples[0]} after_warmup=${samples[warm]} end=${samples[samples.length - 1]} max=${Math.max(...samples)} ` +
  `growth_after_warmup=${growth} (bound ${BOUND_KB}) samples=${samples.join(',')} ledger_violations=${ledger} ` +
  `(${((Date.now() - t0) / 1000).toFixed(0)} s) ${ok ? 'ok' : 'FAILED'}`);
process.exit(ok ? 0 : 1);
