// Helpers of the supabase-js contract tests (seeds.test.mjs, catalog.test.mjs): real
// @supabase/supabase-js clients against the PostgREST-protocol front (MPS_HTTP_URL, which
// test/clients.sh starts), tokens signed with MPS_JWT_SECRET, and the assertions every test
// makes on a response ({ data, error, status }).
//
// A client is made the way an app makes one: createClient(url, anonKey, { db: { schema: 'app' } }),
// and a signed-in user's or the backend's token goes in the Authorization header (the anon key
// stays the apikey). Each test file makes its own fixtures through the RPCs, with a random
// suffix in merchant codes and fresh user ids, so the files are independent and can be run
// again on the same database.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';
import { sign } from './jwt.mjs';

export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (test/clients.sh starts the front and sets it)`);
  return value;
}

/** 8 hex digits for merchant codes, keys and external ids unique to one run of one file. */
export const suffix = () => randomBytes(4).toString('hex');
/** A fresh user id (what Supabase Auth would give a new user). */
export const newUserId = () => randomUUID();

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** An HS256 token for `payload`, signed with MPS_JWT_SECRET unless another secret is given. */
export async function token(payload, secret = env('MPS_JWT_SECRET')) {
  return await sign(payload, secret);
}

export const anonKey = () => token({ role: 'anon', iss: 'supabase' });
export const userToken = (sub, extra = {}) =>
  token({ role: 'authenticated', aud: 'authenticated', sub, exp: nowSeconds() + 3600, ...extra });
export const serviceToken = () => token({ role: 'service_role', iss: 'supabase' });

// supabase-js builds its realtime client in createClient, and on Node 20 (no global WebSocket)
// that throws unless a transport is given. These tests never open a realtime channel: the
// transport refuses to be used.
class NoRealtime {
  constructor() { throw new Error('realtime is not used by the client tests'); }
}

/** A supabase-js client on schema app; `bearer`, when given, replaces the anon key as the
 *  Authorization header (a signed-in user's session, or the backend's service key). */
export async function clientWith(bearer) {
  const options = {
    db: { schema: 'app' },
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: NoRealtime },
  };
  if (bearer) options.global = { headers: { Authorization: `Bearer ${bearer}` } };
  return createClient(env('MPS_HTTP_URL'), await anonKey(), options);
}

export const anon = () => clientWith(null);
export const asUser = async (sub, extra) => clientWith(await userToken(sub, extra));
export const asService = async () => clientWith(await serviceToken());

function describe(res) {
  return JSON.stringify({ status: res.status, data: res.data, error: res.error });
}

/** A successful call: error null, HTTP 200; returns data. */
export function ok(res, what) {
  assert.equal(res.error, null, `${what}: expected success, got ${describe(res)}`);
  assert.equal(res.status, 200, `${what}: HTTP status (${describe(res)})`);
  return res.data;
}

/** A successful call of a function that returns void: no body. */
export function okVoid(res, what) {
  assert.equal(res.error, null, `${what}: expected success, got ${describe(res)}`);
  assert.equal(res.status, 204, `${what}: HTTP 204, as PostgREST answers a void function (${describe(res)})`);
  assert.equal(res.data ?? null, null, `${what}: a void function answers no value`);
  return res.status;
}

function matches(actual, expected) {
  return expected instanceof RegExp ? typeof actual === 'string' && expected.test(actual) : actual === expected;
}

/** A refused call: data null, the HTTP status, error.code (SQLSTATE) and error.message (the mps
 *  code, or PostgreSQL's message for a missing EXECUTE grant); details and hint when given
 *  (a string, a RegExp, or null for "none"). */
export function refused(res, expected, what) {
  const where = `${what} (${describe(res)})`;
  assert.ok(res.error, `${what}: expected a refusal, got ${describe(res)}`);
  assert.equal(res.data, null, `${where}: no data with an error`);
  assert.equal(res.status, expected.status, `${where}: HTTP status`);
  assert.equal(res.error.code, expected.code, `${where}: error.code`);
  assert.ok(matches(res.error.message, expected.message), `${where}: error.message should be ${expected.message}`);
  for (const field of ['details', 'hint']) {
    if (!(field in expected)) continue;
    const want = expected[field];
    const got = res.error[field] ?? null;
    assert.ok(want === null ? got === null : matches(got, want), `${where}: error.${field} should be ${want}`);
  }
  return res.error;
}

/** 42501 from a missing EXECUTE grant, as PostgreSQL words it: 401 for anon, 403 for anyone signed in. */
export const noGrant = (fn, status) =>
  ({ status, code: '42501', message: `permission denied for function ${fn}` });
/** 42501 PERMISSION_DENIED from inside the RPC (the caller may not do this to this object). */
export const permissionDenied = { status: 403, code: '42501', message: 'PERMISSION_DENIED' };

/** data is an array of objects whose first row has exactly these keys, in this order. */
export function rowsWithKeys(data, keys, what) {
  assert.ok(Array.isArray(data), `${what}: expected an array of objects, got ${JSON.stringify(data)}`);
  assert.ok(data.length >= 1, `${what}: expected at least one row`);
  assert.deepEqual(Object.keys(data[0]), keys, `${what}: the first row's keys`);
  return data;
}

/** data is a bare JSON scalar of this JavaScript type (a uuid or text: 'string'). */
export function scalar(data, type, what) {
  assert.ok(!Array.isArray(data) && data !== null && typeof data === type,
    `${what}: expected a bare ${type}, got ${JSON.stringify(data)}`);
  return data;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
