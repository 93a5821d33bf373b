// The checks at the end of a load run (test/load/driver.mjs): the database held against the
// clients' logs, in one snapshot that is rolled back afterwards.
//   - app.verify_ledger() has no row;
//   - every acknowledged operation is present exactly once (its transaction exists, on the card
//     and for the amount the client was told), and every acknowledgement of one key names the
//     same transaction (retries after an unheard answer, deliberate retries);
//   - no transaction that no client sent (every row is an acknowledged one); a row carrying the
//     key of an acknowledged operation but another id is a duplicate (applied twice);
//   - a key reused with another request, and malformed input, were refused;
//   - each card's balance equals the sum of the acknowledged movements the logs hold for it;
//   - the server was restarted exactly as often as the driver killed it, and the server log shows
//     no backend ended by a signal (or exception, or exit code) other than those the driver killed.
// Prints one summary line and exits non-zero on any loss, duplicate, violation, unresolved
// operation or unexplained crash.
//
// Usage: node test/load/check.mjs --logs DIR --server-log FILE [--log-offset BYTES]
//          [--sabotage delete-ack|duplicate]
// --sabotage proves the checks can fail: inside the checking transaction (rolled back) it
// deletes one acknowledged payment (delete-ack) or applies one a second time under its key
// (duplicate) first.
import fs from 'node:fs';
import path from 'node:path';
import { connect } from './pgrst.mjs';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split(/\s*--/).filter(Boolean)
  .map((a) => { const [k, ...v] = a.split(/[= ]/); return [k, v.join(' ')]; }));
const LOGDIR = args.logs;
const SABOTAGE = args.sabotage || null;

const findings = [];
const count = { lost: 0, duplicated: 0, violations: 0, unresolved: 0, unexplained: 0 };
function finding(kind, what) {
  count[kind]++;
  if (findings.length < 40) findings.push(`${kind}: ${what}`);
}

// ---------------------------------------------------------------------------------------------
// The logs.
const byKey = new Map(); // key -> { op, acks: [rec], refused: [rec], unresolved }
const clientsSeen = new Set();
let setup = null;
let opsDone = 0;
const retries = [];
for (const f of fs.readdirSync(LOGDIR).filter((n) => /^client-.*\.jsonl$/.test(n)).sort()) {
  for (const line of fs.readFileSync(path.join(LOGDIR, f), 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line);
    if (r.t === 'setup') { setup = r; continue; }
    if (r.c !== 'setup') clientsSeen.add(r.c);
    if (r.t === 'done') { opsDone++; continue; }
    if (r.op === 'reuse' || r.op === 'malformed') {
      if (r.t === 'ack') finding('violations', `${r.op} by client ${r.c} (${r.fn}) was accepted: ${JSON.stringify(r.rows)} (request: ${JSON.stringify(r.body)})`);
      if (r.t === 'refused' && r.op === 'reuse' && !/^(IDEMPOTENCY_KEY_REUSED|EXTERNAL_ORDER_ID_REUSED)$/.test(r.code))
        finding('violations', `key ${r.fn} reused with another request answered ${r.sqlstate} ${r.code}, not IDEMPOTENCY_KEY_REUSED`);
      if (r.t === 'refused' && r.op === 'malformed' && !/^22/.test(r.sqlstate))
        finding('violations', `malformed input to ${r.fn} refused with ${r.sqlstate} ${r.code}, not an input error (22...)`);
      continue;
    }
    if (!r.key) continue;
    if (!byKey.has(r.key)) byKey.set(r.key, { op: r.op, acks: [], refused: [], unresolved: false });
    const e = byKey.get(r.key);
    if (r.op === 'retry') {
      if (r.t === 'ack' || r.t === 'refused') retries.push(r);
      continue;
    }
    if (r.t === 'ack') e.acks.push(r);
    if (r.t === 'refused') e.refused.push(r);
    if (r.t === 'unresolved') e.unresolved = true;
  }
}
if (!setup) throw new Error(`no setup record in ${LOGDIR}`);
const faults = JSON.parse(fs.readFileSync(path.join(LOGDIR, 'faults.json'), 'utf8'));

const ackedTx = new Map(); // tx id -> { key, card, delta, op }
for (const [key, e] of byKey) {
  if (e.unresolved && !e.acks.length && !e.refused.length) finding('unresolved', `${e.op} ${key}: no definite answer was ever heard`);
  if (!e.acks.length) continue;
  const ids = new Set(e.acks.map((a) => a.tx_id));
  if (ids.size > 1) finding('duplicated', `${e.op} ${key} acknowledged as ${[...ids].join(' and ')}`);
  if (e.acks[0].tx_id) ackedTx.set(e.acks[0].tx_id, { key, card: e.acks[0].card, delta: e.acks[0].delta, op: e.op });
}
for (const r of retries) {
  const e = byKey.get(r.key);
  const original = e && e.acks[0];
  if (!original) continue; // the original is what check.mjs verifies; a retry of it must agree
  if (r.t === 'refused') finding('violations', `retry of ${e.op} ${r.key} refused (${r.sqlstate} ${r.code}) although it was applied`);
  else if (r.tx_id !== original.tx_id) finding('duplicated', `retry of ${e.op} ${r.key} answered ${r.tx_id}, the original ${original.tx_id}`);
}

// ---------------------------------------------------------------------------------------------
// The database.
const db = await connect('mps-load-check');
await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
if (SABOTAGE) {
  const payments = [...ackedTx].filter(([, v]) => v.op === 'charge');
  const [victim] = payments[Math.floor(payments.length / 2)];
  if (SABOTAGE === 'delete-ack') {
    await db.query('DELETE FROM app.transactions WHERE id = $1', [victim]);
  } else if (SABOTAGE === 'duplicate') {
    // The payment applied a second time under its key: the partitions' unique key indexes are
    // dropped first (in this transaction only), as a build whose idempotency were broken would write.
    await db.query(`DO $$ DECLARE r record; BEGIN
        FOR r IN SELECT c.conrelid::regclass AS rel, c.conname FROM pg_constraint c JOIN pg_inherits h ON h.inhrelid = c.conrelid
                  WHERE h.inhparent = 'app.transactions'::regclass AND c.contype = 'u'
                    AND pg_get_constraintdef(c.oid) LIKE '%idempotency_key%' LOOP
          EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.rel, r.conname); END LOOP;
        FOR r IN SELECT i.indexrelid::regclass AS idx FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indrelid
                  WHERE h.inhparent = 'app.transactions'::regclass AND i.indisunique
                    AND pg_get_indexdef(i.indexrelid) LIKE '%idempotency_key%' LOOP
          EXECUTE format('DROP INDEX %s', r.idx); END LOOP; END $$`);
    await db.query(`INSERT INTO app.transactions SELECT (jsonb_populate_record(NULL::app.transactions, to_jsonb(t)
        || jsonb_build_object('id', gen_random_uuid(), 'tx_no', t.tx_no || '9', 'external_order_id', NULL))).*
      FROM app.transactions t WHERE t.id = $1`, [victim]);
  } else {
    throw new Error(`unknown --sabotage ${SABOTAGE} (delete-ack, duplicate)`);
  }
  console.log(`check: SABOTAGE ${SABOTAGE} of acknowledged payment ${victim} (rolled back after the checks)`);
}

const ledger = (await db.query('SELECT * FROM app.verify_ledger()')).rows;
for (const v of ledger) finding('violations', `verify_ledger: ${JSON.stringify(v)}`);

const { rows: txs } = await db.query(
  `SELECT id::text, tx_type::text, card_id::text, (final_amount * 100)::int8::text AS cents, idempotency_key FROM app.transactions`);
const seen = new Map();
for (const t of txs) seen.set(t.id, t);
for (const [id, a] of ackedTx) {
  const t = seen.get(id);
  if (!t) { finding('lost', `${a.op} ${a.key}: acknowledged transaction ${id} is not in app.transactions`); continue; }
  if (t.card_id !== a.card) finding('violations', `${a.op} ${a.key}: transaction ${id} is on card ${t.card_id}, the client was told ${a.card}`);
  if (Number(t.cents) !== Math.abs(a.delta)) finding('violations', `${a.op} ${a.key}: transaction ${id} moved ${t.cents} cents, the client was told ${Math.abs(a.delta)}`);
}
const perKey = new Map();
for (const t of txs) {
  if (t.idempotency_key) perKey.set(t.idempotency_key, (perKey.get(t.idempotency_key) || 0) + 1);
  if (ackedTx.has(t.id)) continue;
  const e = t.idempotency_key && byKey.get(t.idempotency_key);
  if (e && e.acks.length) finding('duplicated', `${e.op} ${t.idempotency_key} applied again as ${t.id} (acknowledged as ${e.acks[0].tx_id})`);
  else if (e) finding('violations', `${e.op} ${t.idempotency_key} applied as ${t.id} but never acknowledged (refused or unresolved)`);
  else finding('violations', `transaction ${t.id} (${t.tx_type}, ${t.cents} cents, key ${t.idempotency_key}) was sent by no client`);
}
for (const [key, n] of perKey) if (n > 1) finding('duplicated', `key ${key} is on ${n} transactions`);

// Balances: what each card holds = the sum of the acknowledged movements the logs hold for it.
const expected = new Map(setup.cards.map((c) => [c.id, 0]));
for (const a of ackedTx.values()) expected.set(a.card, (expected.get(a.card) || 0) + a.delta);
const { rows: cards } = await db.query(`SELECT id::text, (balance * 100)::int8::text AS cents FROM app.member_cards WHERE id = ANY($1::uuid[])`,
  [[...expected.keys()]]);
let balanceTotal = 0;
for (const c of cards) {
  balanceTotal += Number(c.cents);
  if (Number(c.cents) !== expected.get(c.id))
    finding('violations', `card ${c.id}: balance ${c.cents} cents, the logs add up to ${expected.get(c.id)}`);
}
await db.query('ROLLBACK');
await db.end();

// ---------------------------------------------------------------------------------------------
// The server log since the load began: restarts and crashes.
let serverLog = '';
if (args['server-log']) {
  const buf = fs.readFileSync(args['server-log']);
  serverLog = buf.subarray(Number(args['log-offset'] || 0)).toString('utf8');
}
const starts = (serverLog.match(/LOG: {2}starting PostgreSQL/g) || []).length;
if (faults.restarts !== faults.postmaster_kills || starts !== faults.postmaster_kills)
  finding('violations', `server killed ${faults.postmaster_kills} times, restarted ${faults.restarts} times, the log shows ${starts} starts`);
const killed = new Set(faults.backend_kills.map(Number));
for (const m of serverLog.matchAll(/\(PID (\d+)\) (was terminated by (signal|exception)|exited with exit code) ([^\n]*)/g)) {
  if (!killed.has(Number(m[1]))) finding('unexplained', `server log: process ${m[1]} ${m[2]} ${m[4]}`);
}
const crashLines = (serverLog.match(/terminated by signal/g) || []).length;

const summary = `reliability load: ops=${opsDone} clients=${clientsSeen.size} kills=${faults.postmaster_kills} restarts=${faults.restarts} ` +
  `terminations=${faults.terminations.length} backend_kills=${faults.backend_kills.length} acknowledged=${ackedTx.size} ` +
  `transactions=${txs.length} retries=${retries.length} lost=${count.lost} duplicated=${count.duplicated} ` +
  `violations=${count.violations} unresolved=${count.unresolved} unexplained_crashes=${count.unexplained} ` +
  `(signal lines ${crashLines}, caused ${killed.size}) balance_total=${balanceTotal} seed=${faults.seed}`;
for (const f of findings) console.log(`check: ${f}`);
console.log(summary);
const bad = count.lost + count.duplicated + count.violations + count.unresolved + count.unexplained;
process.exit(bad ? 1 : 0);
