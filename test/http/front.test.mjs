// The front's own PostgREST behaviours, with plain fetch (node:test, node:assert only), against
// the front the clients layer started (MPS_HTTP_URL, MPS_JWT_SECRET) and, for the pooled-
// connection test, a second front in this process with a pool of one connection (PG* env).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID, randomBytes } from 'node:crypto';
import { sign, verify, JwtError } from './lib/jwt.mjs';
import { startFront } from './front.mjs';

const URL_ = (process.env.MPS_HTTP_URL || '').replace(/\/$/, '');
const SECRET = process.env.MPS_JWT_SECRET;
if (!URL_ || !SECRET) throw new Error('front.test.mjs needs MPS_HTTP_URL and MPS_JWT_SECRET (test/clients.sh sets them)');

const now = () => Math.floor(Date.now() / 1000);
const token = (claims, secret = SECRET) => sign({ iat: now(), exp: now() + 600, ...claims }, secret);
const serviceToken = () => token({ role: 'service_role' });
const userToken = (sub) => token({ role: 'authenticated', sub, aud: 'authenticated' });

// POST (or GET with args in the query string) to <base>/rpc/<fn>; returns status, headers, body.
async function rpc(fn, args = {}, { tok, method = 'POST', headers = {}, base = URL_, prefix = '/rpc/' } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (tok) h.Authorization = `Bearer ${tok}`;
  let url = `${base}${prefix}${fn}`;
  let body;
  if (method === 'GET' || method === 'HEAD') {
    const q = new URLSearchParams(args).toString();
    if (q) url += `?${q}`;
    if (!('Accept-Profile' in h)) h['Accept-Profile'] = 'app';
  } else {
    body = JSON.stringify(args);
    h['Content-Type'] = 'application/json';
    if (!('Content-Profile' in h)) h['Content-Profile'] = 'app';
  }
  const res = await fetch(url, { method, headers: h, body });
  const text = await res.text();
  let data = null;
  if (text !== '') data = JSON.parse(text);
  return { status: res.status, headers: res.headers, data, text };
}

const code = () => `T${randomBytes(5).toString('hex').toUpperCase()}`;

test('jwt.mjs: sign and verify round trip, PostgREST codes for bad tokens', () => {
  const t = sign({ role: 'anon', exp: now() + 60 }, 'k');
  assert.equal(verify(t, 'k').role, 'anon');
  const fails = (tok, secret, c, m) => assert.throws(() => verify(tok, secret), (e) =>
    e instanceof JwtError && e.code === c && e.message === m && e.status === 401);
  fails('', 'k', 'PGRST301', 'Empty JWT is sent in Authorization header');
  fails('a.b', 'k', 'PGRST301', 'Expected 3 parts in JWT; got 2');
  fails('quifquirndsjagnrgniur.fonvoienqhhdj.iuqvnvhojah', 'k', 'PGRST301', 'JWT cryptographic operation failed');
  fails('eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.e30.yOBhlOIqn56T-4NvyEXCjfi3UmyQZ-BzXtePMO2NgRI', 'k',
    'PGRST301', 'Wrong or unsupported encoding algorithm');
  fails(t, 'other', 'PGRST301', 'No suitable key or wrong key type');
  const [h, p] = t.split('.');
  fails(`${h}.${p}.`, 'k', 'PGRST301', 'No suitable key or wrong key type');
  fails(sign({ exp: now() - 31 }, 'k'), 'k', 'PGRST303', 'JWT expired');
  assert.equal(typeof verify(sign({ exp: now() - 20 }, 'k'), 'k'), 'object', '30 s of clock skew, as PostgREST');
  fails(sign({ nbf: now() + 60 }, 'k'), 'k', 'PGRST303', 'JWT not yet valid');
  fails(sign({ iat: now() + 60 }, 'k'), 'k', 'PGRST303', 'JWT issued at future');
  fails(sign({ exp: 'tomorrow' }, 'k'), 'k', 'PGRST303', "The JWT 'exp' claim must be a number");
  const hs384 = `${Buffer.from('{"alg":"HS384","typ":"JWT"}').toString('base64url')}.${p}.${t.split('.')[2]}`;
  fails(hs384, 'k', 'PGRST301', 'No suitable key or wrong key type');
});

test('an expired token is 401 PGRST303 with WWW-Authenticate, and nothing runs', async () => {
  const r = await rpc('error_catalog', {}, { tok: sign({ role: 'service_role', exp: now() - 3600 }, SECRET) });
  assert.equal(r.status, 401);
  assert.deepEqual(r.data, { code: 'PGRST303', details: null, hint: null, message: 'JWT expired' });
  assert.equal(r.headers.get('www-authenticate'), 'Bearer error="invalid_token", error_description="JWT expired"');
});

test('a token claiming service_role signed with another secret is 401 and gains nothing', async () => {
  const forged = token({ role: 'service_role' }, `${SECRET}-not`);
  const m = code();
  const r = await rpc('create_merchant', { p_code: m, p_name: 'forged' }, { tok: forged });
  assert.equal(r.status, 401);
  assert.equal(r.data.code, 'PGRST301');
  assert.equal(r.data.message, 'No suitable key or wrong key type');
  assert.match(r.headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
  // Nothing was created: the real service_role creates the same code without a conflict.
  const ok = await rpc('create_merchant', { p_code: m, p_name: 'real' }, { tok: serviceToken() });
  assert.equal(ok.status, 200, ok.text);
  assert.match(ok.data, /^[0-9a-f-]{36}$/);
});

test('no token is the anon role: error_catalog works, verify_ledger is 401 42501', async () => {
  const cat = await rpc('error_catalog');
  assert.equal(cat.status, 200);
  assert.ok(Array.isArray(cat.data) && cat.data.some((e) => e.code === 'INSUFFICIENT_BALANCE' && e.http_status === '400'));
  const led = await rpc('verify_ledger');
  assert.equal(led.status, 401, led.text);
  assert.equal(led.data.code, '42501');
  assert.equal(led.headers.get('www-authenticate'), 'Bearer');
  // The same refusal for authenticated is 403 (PostgREST: 401 only for the anon role).
  const auth = await rpc('verify_ledger', {}, { tok: userToken(randomUUID()) });
  assert.equal(auth.status, 403, auth.text);
  assert.equal(auth.data.code, '42501');
  // The supabase gateway prefix serves the same.
  const gw = await rpc('error_catalog', {}, { prefix: '/rest/v1/rpc/' });
  assert.equal(gw.status, 200);
  assert.equal(gw.text, cat.text);
});

test('a role claim naming no role is 401 with PostgreSQL\'s message', async () => {
  const r = await rpc('error_catalog', {}, { tok: token({ role: 'no_such_role' }) });
  assert.equal(r.status, 401);
  assert.equal(r.data.code, '22023');
  assert.equal(r.data.message, 'role "no_such_role" does not exist');
});

test('GET of a STABLE function works read-only; GET of a VOLATILE one is 405 and writes nothing', async () => {
  const g = await rpc('error_catalog', {}, { method: 'GET' });
  assert.equal(g.status, 200);
  assert.ok(g.data.length > 10);
  const sel = await rpc('error_catalog', { select: 'code,sqlstate', code: 'eq.CARD_BUSY' }, { method: 'GET' });
  assert.deepEqual(sel.data, [{ code: 'CARD_BUSY', sqlstate: 'PT503' }]);
  const m = code();
  const v = await rpc('create_merchant', { p_code: m, p_name: 'via GET' }, { method: 'GET', tok: serviceToken() });
  assert.equal(v.status, 405, v.text);
  assert.equal(v.data.code, '25006');
  const again = await rpc('create_merchant', { p_code: m, p_name: 'via POST' }, { tok: serviceToken() });
  assert.equal(again.status, 200, 'the GET created nothing');
  // Other methods on an RPC.
  const put = await fetch(`${URL_}/rpc/error_catalog`, { method: 'PUT' });
  assert.equal(put.status, 405);
  assert.equal((await put.json()).code, 'PGRST101');
});

test('an unknown function is 404 PGRST202; unknown argument names too', async () => {
  const r = await rpc('no_such_function', { p_x: 1 });
  assert.equal(r.status, 404);
  assert.equal(r.data.code, 'PGRST202');
  assert.equal(r.data.message, 'Could not find the function app.no_such_function(p_x) in the schema cache');
  const a = await rpc('error_catalog', { p_nonsense: 1 });
  assert.equal(a.status, 404);
  assert.equal(a.data.code, 'PGRST202');
  const bad = await fetch(`${URL_}/rpc/error_catalog`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"p_x": ',
  });
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), { code: 'PGRST102', details: null, hint: null, message: 'Empty or invalid json' });
});

test('a schema other than app is 406 PGRST106 (Accept-Profile and Content-Profile)', async () => {
  const g = await rpc('error_catalog', {}, { method: 'GET', headers: { 'Accept-Profile': 'public' } });
  assert.equal(g.status, 406);
  assert.deepEqual(g.data, {
    code: 'PGRST106', details: null, hint: 'Only the following schemas are exposed: app', message: 'Invalid schema: public',
  });
  const p = await rpc('error_catalog', {}, { headers: { 'Content-Profile': 'audit' } });
  assert.equal(p.status, 406);
  assert.equal(p.data.code, 'PGRST106');
});

test('shapes: a scalar is the bare value, void is 204 without a body, TABLE an array, .single() an object', async () => {
  const m = code();
  const id = await rpc('create_merchant', { p_code: m, p_name: 'shapes' }, { tok: serviceToken() });
  assert.equal(typeof id.data, 'string');
  const v = await rpc('add_merchant_user', { p_merchant_code: m, p_user_id: randomUUID() }, { tok: serviceToken() });
  assert.equal(v.status, 204);
  assert.equal(v.text, '');
  assert.equal(v.headers.get('content-type'), null);
  const one = await rpc('error_catalog', {}, {
    method: 'GET', headers: { Accept: 'application/vnd.pgrst.object+json' },
  });
  assert.equal(one.status, 406, 'many rows are not one object');
  assert.equal(one.data.code, 'PGRST116');
});

test('two users interleaved on one pooled connection never see each other\'s identity', async (t) => {
  const front = await startFront({ secret: SECRET, port: 0, poolSize: 1 });
  t.after(() => front.stop());
  const base = `http://127.0.0.1:${front.port}`;
  const users = [randomUUID(), randomUUID()];
  const cards = {};
  for (const u of users) {
    const r = await rpc('create_member_profile', { p_name: `Member ${u.slice(0, 8)}` }, { tok: userToken(u), base });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.data, u);
    const c = await rpc('get_member_cards', {}, { tok: userToken(u), base });
    assert.equal(c.status, 200);
    assert.equal(c.data.length, 1);
    cards[u] = c.data[0].card_id;
  }
  assert.notEqual(cards[users[0]], cards[users[1]]);
  // Sequential alternation, then bursts queued on the one connection, with anon in between.
  for (let i = 0; i < 20; i++) {
    const u = users[i % 2];
    const r = await rpc('get_member_cards', {}, { tok: userToken(u), base });
    assert.deepEqual(r.data.map((c) => c.card_id), [cards[u]], `request ${i} as ${u}`);
    if (i % 5 === 4) {
      const anon = await rpc('get_member_cards', {}, { base });
      assert.equal(anon.status, 401, 'nothing of the previous user is left on the connection');
    }
  }
  const burst = Array.from({ length: 40 }, (_, i) => users[i % 2]);
  const results = await Promise.all(burst.map((u) => rpc('get_member_cards', {}, { tok: userToken(u), base })));
  results.forEach((r, i) => assert.deepEqual(r.data.map((c) => c.card_id), [cards[burst[i]]], `burst ${i}`));
});
