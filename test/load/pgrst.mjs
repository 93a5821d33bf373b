// What the reliability tests (test/load/driver.mjs, test/fuzz/fuzz.mjs) share: the `pg` client
// that test/http's lock pins (no package of their own), the functions of schema app read from
// pg_proc, and one call made exactly as PostgREST v12-v14 makes it for `POST /rpc/<fn>` with a
// JSON object body (test/pgtap/lib/postgrest.sql and test/http/front.mjs have the details):
//   BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE      (READ ONLY for STABLE/IMMUTABLE)
//   SELECT set_config('search_path', ..., true), set_config('role', <role>, true),
//          set_config('request.jwt.claims', <claims with "role">, true), request.method/path/headers
//   SELECT ... FROM (SELECT $1::json AS json_data) p, LATERAL (SELECT "a", "b" FROM
//          json_to_record(p.json_data) AS _("a" text, "b" numeric) LIMIT 1) b, LATERAL app.fn("a" := b."a", ...)
//   COMMIT                                               (any error: ROLLBACK)
import { createRequire } from 'node:module';

const require = createRequire(new URL('../http/package.json', import.meta.url));
/** node-postgres, installed in test/http/node_modules from test/http/package-lock.json. */
export const pg = require('pg');

// Money stays exact: numeric comes back as text, int8 as text.
pg.types.setTypeParser(1700, (v) => v);
pg.types.setTypeParser(20, (v) => v);

/** A connection that is not in a pool, with an application_name the tests can find it by. */
export async function connect(applicationName) {
  const client = new pg.Client({ application_name: applicationName, connectionTimeoutMillis: 10000 });
  client.on('error', () => {}); // a killed server: the failing query reports it
  await client.connect();
  return client;
}

export const ident = (name) => `"${String(name).replace(/"/g, '""')}"`;

/** Every function of schema app: name, input parameters (name, declared type, default?),
 *  volatility, and how its result comes back (scalar, void, rows). */
export async function loadProcs(client) {
  const { rows } = await client.query(`
    SELECT p.oid::int8::text AS oid, p.proname AS name, p.provolatile AS volatility, p.proretset AS retset,
           p.prorettype = 'void'::regtype AS is_void,
           t.typtype = 'c' OR p.proargmodes IS NOT NULL AND 't' = ANY (p.proargmodes) AS composite,
           p.pronargs AS nargs, p.pronargdefaults AS ndefaults,
           coalesce((SELECT json_agg(json_build_object('name', p.proargnames[i + 1],
                                                       'type', format_type(p.proargtypes[i], NULL),
                                                       'typoid', p.proargtypes[i]::int8) ORDER BY i)
                       FROM generate_series(0, p.pronargs - 1) i), '[]') AS params
      FROM pg_proc p JOIN pg_type t ON t.oid = p.prorettype
     WHERE p.pronamespace = 'app'::regnamespace AND p.prokind = 'f'
     ORDER BY p.proname, p.oid`);
  return rows.map((r) => ({
    ...r,
    nargs: Number(r.nargs),
    ndefaults: Number(r.ndefaults),
    params: r.params.map((p, i) => ({ ...p, required: i < Number(r.nargs) - Number(r.ndefaults) })),
  }));
}

/** The SQL PostgREST runs for a call of `proc` with a JSON body holding `keys`. */
export function callSql(proc, keys) {
  const qi = `app.${ident(proc.name)}`;
  const scalar = !proc.composite && !proc.retset;
  const specified = proc.params.filter((p) => keys.includes(p.name));
  const call = (a) => (scalar ? `(SELECT ${qi}(${a}) pgrst_scalar) pgrst_call` : `${qi}(${a}) pgrst_call`);
  let from;
  if (specified.length === 0) {
    from = `FROM ${call('')}`;
  } else {
    const named = specified.map((p) => ident(p.name)).join(', ');
    const typed = specified.map((p) => `${ident(p.name)} ${p.type}`).join(', ');
    const args = specified.map((p) => `${ident(p.name)} := pgrst_body.${ident(p.name)}`).join(', ');
    from = `FROM (SELECT $1::json AS json_data) pgrst_payload, ` +
      `LATERAL (SELECT ${named} FROM json_to_record(pgrst_payload.json_data) AS _(${typed}) LIMIT 1) pgrst_body, ` +
      `LATERAL ${call(args)}`;
  }
  const source = `SELECT ${scalar ? 'pgrst_call.pgrst_scalar' : 'pgrst_call.*'} ${from}`;
  const body = scalar ? `coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null')` : `coalesce(json_agg(_postgrest_t), '[]')`;
  return { sql: `WITH pgrst_source AS (${source}) SELECT (${body})::text AS body FROM (SELECT * FROM pgrst_source) _postgrest_t`,
           withPayload: specified.length > 0 };
}

/** The settings statement of a request (role and claims as PostgREST sets them). */
export function settings(role, claims, fn) {
  return {
    sql: "SELECT set_config('search_path', $1, true), set_config('role', $2, true), " +
      "set_config('request.jwt.claims', $3, true), set_config('request.method', 'POST', true), " +
      "set_config('request.path', $4, true), set_config('request.headers', $5, true)",
    values: ['"app", "public"', role, JSON.stringify({ ...claims, role }), `/rpc/${fn}`,
      JSON.stringify({ 'content-profile': 'app', 'content-type': 'application/json', prefer: 'return=representation' })],
  };
}

/**
 * One request: its own transaction on `client`, as `role` with `claims`. Resolves to the parsed
 * JSON body PostgREST would answer (array of rows, or the scalar). A database error rejects with
 * the pg error (code = SQLSTATE); `err.committing` is true when the connection broke during
 * COMMIT (the outcome is unknown), `err.connection` when the error is not an SQL error at all.
 * `body` is the JSON object, or a string / Buffer sent as the payload verbatim.
 */
export async function rpc(client, proc, role, claims, body) {
  const keys = typeof body === 'string' ? Object.keys(safeParse(body)) : Buffer.isBuffer(body) ? proc.params.map((p) => p.name) : Object.keys(body);
  const { sql, withPayload } = callSql(proc, keys);
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const rows = await request(client, proc, role, claims, sql, withPayload ? [payload] : []);
  return JSON.parse(rows[0].body);
}

/** The transaction of one request around any statement (the fuzzer's direct calls use it):
 *  BEGIN (READ ONLY for STABLE/IMMUTABLE functions), the settings, the statement, COMMIT. */
export async function request(client, proc, role, claims, sql, values) {
  const readOnly = proc.volatility !== 'v';
  let stage = 'begin';
  try {
    await client.query(`BEGIN ISOLATION LEVEL READ COMMITTED ${readOnly ? 'READ ONLY' : 'READ WRITE'}`);
    stage = 'call';
    try {
      const s = settings(role, claims, proc.name);
      await client.query(s.sql, s.values);
      const { rows } = await client.query(sql, values);
      stage = 'commit';
      await client.query('COMMIT');
      return rows;
    } catch (e) {
      if (stage !== 'commit' && isSqlError(e)) await client.query('ROLLBACK').catch(() => {});
      throw e;
    }
  } catch (e) {
    if (!isSqlError(e)) e.connection = true;
    if (stage === 'commit') e.committing = true;
    throw e;
  }
}

function safeParse(s) {
  try { const v = JSON.parse(s); return v && typeof v === 'object' && !Array.isArray(v) ? v : {}; } catch { return {}; }
}

/** An error the server reported about the statement (a SQLSTATE), not a broken connection;
 *  57P01-57P03 (terminated, crash shutdown, cannot connect now) end the connection. */
export function isSqlError(e) {
  return Boolean(e && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && !/^(57P0[1-3]|08...)$/.test(e.code));
}

/** The function named `name` with these parameters (the one overload PostgREST would pick). */
export function findProc(procs, name, keys) {
  const fit = procs.filter((p) => p.name === name &&
    keys.every((k) => p.params.some((q) => q.name === k)) &&
    p.params.filter((q) => q.required).every((q) => keys.includes(q.name)));
  fit.sort((a, b) => a.nargs - b.nargs);
  if (!fit.length) throw new Error(`no function app.${name}(${keys.join(', ')})`);
  return fit[0];
}

/** A deterministic PRNG (mulberry32) so that a run is replayed from its seed. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
  };
}

/** Cents (integer) from a numeric text, and back. */
export const cents = (s) => {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(s));
  if (!m) throw new Error(`not an amount: ${s}`);
  return (m[1] ? -1 : 1) * (Number(m[2]) * 100 + Number((m[3] || '0').padEnd(2, '0')));
};
export const money = (c) => `${c < 0 ? '-' : ''}${Math.floor(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, '0')}`;
