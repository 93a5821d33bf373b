#!/usr/bin/env node
// mps-front: a PostgREST-protocol front for mps's tests (issue #12). PostgREST itself cannot be
// installed on these machines, so this answers `/rpc/<fn>` (and the Supabase gateway's
// `/rest/v1/rpc/<fn>`) the way PostgREST v13/v14 does, read from PostgREST's own source
// (src/PostgREST/{Auth/Jwt,Error,ApiRequest,Plan,Query/*}.hs of v14), and the way
// test/pgtap/lib/postgrest.sql describes it.
//
// Configuration (environment):
//   MPS_JWT_SECRET   required: the HS256 secret (PostgREST's jwt-secret)
//   MPS_JWT_AUD      optional: the audience a token's "aud" must name (PostgREST's jwt-aud)
//   MPS_FRONT_PORT   default 0 (an ephemeral port); always bound to 127.0.0.1
//   MPS_FRONT_POOL   default 3 connections (smaller than the tests' clients, so connections are
//                    reused across users, as PostgREST's db-pool is)
//   PGHOST, PGPORT, PGDATABASE, PGPASSWORD: the database; the user is always `authenticator`
// Prints exactly one line, `mps-front listening on http://127.0.0.1:<port>`, when ready.
// SIGTERM / SIGINT: stop listening, close the pool, exit 0. SIGUSR1: reload the schema cache.
//
// What it reproduces:
//   * Authorization: `Bearer <JWT>` verified with HS256 and the secret (lib/jwt.mjs: PostgREST's
//     PGRST301/PGRST303 codes and messages, 30 s clock skew, exp/nbf/iat/aud), 401 with the
//     error JSON and `WWW-Authenticate: Bearer error="invalid_token", error_description="…"`;
//     no Authorization header (or a non-Bearer one) = the anon role; the role claim (".role")
//     selects the database role, absent = anon; claims = the whole payload with "role" set.
//     A role that does not exist: PostgreSQL's 22023 `role "x" does not exist`, 401 (v14).
//     The `apikey` header is ignored (a gateway concern) and, like every header, passed on.
//   * One transaction per request on a pooled connection logged in as authenticator:
//     BEGIN ISOLATION LEVEL READ COMMITTED (or the function's default_transaction_isolation)
//     READ WRITE for VOLATILE functions called with POST, READ ONLY for STABLE/IMMUTABLE ones
//     and for every GET/HEAD; one SELECT of set_config(…, true) for search_path ("app",
//     "public"), role, request.jwt.claims, request.method, request.path (/rpc/<fn>, as
//     PostgREST sees it behind the gateway), request.headers (JSON, lower-case names, cookie
//     left out), then the function's hoisted settings (statement_timeout,
//     plan_filter.statement_cost_limit, default_transaction_isolation); the call; COMMIT, or
//     ROLLBACK on any error.
//   * The call as PostgREST builds it: named arguments, only the keys present, typed by the
//     declared parameter types (format as regtype, character -> character varying):
//       WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT $1::json AS json_data) pgrst_payload,
//         LATERAL (SELECT "a", "b" FROM json_to_record(pgrst_payload.json_data) AS _("a" text, "b" numeric) LIMIT 1) pgrst_body ,
//         LATERAL "app"."fn"("a" := pgrst_body."a", "b" := pgrst_body."b") pgrst_call)
//       SELECT … coalesce(json_agg(_postgrest_t), '[]') AS body … FROM (SELECT "pgrst_source".* FROM "pgrst_source") _postgrest_t
//     (a scalar function: LATERAL (SELECT "app"."fn"(…) pgrst_scalar) pgrst_call); a JSON array
//     body uses json_to_recordset … LIMIT 1 (its first element) and needs uniform keys; GET and
//     form-urlencoded POST pass query-string values as `"a" := $n::type`.
//   * Function resolution from a schema cache of pg_proc loaded at start (PostgREST's query:
//     input parameters, required = without DEFAULT, variadic, return kind, volatility),
//     reloaded on SIGUSR1: the keys must name parameters, every required parameter must be
//     given; none matches: 404 PGRST202 with PostgREST's message, details and hint; two: 300
//     PGRST203.
//   * Methods: POST (JSON object or array body; empty = {}), GET and HEAD (query-string
//     arguments; a VOLATILE function runs READ ONLY, so a write fails with 25006 -> 405, which is
//     how PostgREST answers a GET of a volatile function), OPTIONS (Allow), anything else 405
//     PGRST101. Content-Profile (POST) / Accept-Profile (GET, HEAD, OPTIONS) select the schema;
//     only `app` is exposed: another is 406 PGRST106.
//   * Responses: a scalar function answers the bare JSON value, a SETOF/TABLE function an array
//     of objects, a function returning one composite an object, void 204 without a body;
//     Content-Range, Content-Profile when the profile was asked for; Accept
//     application/vnd.pgrst.object+json (supabase-js .single()) answers one object or 406
//     PGRST116 (and rolls back); `nulls=stripped`; Prefer count=exact (Content-Range total,
//     206 for a part); select=col,alias:col, filters col=[not.]eq|neq|gt|gte|lt|lte|like|ilike|is|in.…,
//     order=col[.asc|.desc][.nullsfirst|.nullslast], limit, offset on the function's rows;
//     the response.status / response.headers settings a function may set.
//   * Errors: PostgreSQL's as `{"code": SQLSTATE, "details", "hint", "message"}` (null when
//     absent) with PostgREST's SQLSTATE -> HTTP table (pgErrorStatus: 08* 503, 09* 500, 0L* 403,
//     0P* 403, 23503 409, 23505 409, 25006 405, 21000 500, 22023 400 (401 for a missing role),
//     25* 500, 28* 403, 2D* 500, 38* 39* 3B* 40* 500, 53400 500, 53* 503, 54* 55* 500, 57P01
//     503, 57* 58* F0* HV* 500, P0001 400, P0* 500, XX* 500, 42883 404, 42P01 404, 42P17 500,
//     42501 401 for the anon role else 403, PTnnn nnn (reason phrase = the message), PGRST
//     raised with JSON in MESSAGE/DETAIL, anything else 400), plus `Proxy-Status: PostgREST;
//     error=<code>` and, for 401, `WWW-Authenticate: Bearer`. Body not JSON: 400 PGRST102
//     "Empty or invalid json"; a pool that cannot give a connection within 10 s: 504 PGRST003;
//     the database unreachable: 503 PGRST000.
//
// What it does not reproduce (answered 501 with code "MPSFRONT" and a message saying so, or 406
// PGRST107 for a media type; never silently):
//   * tables and views (`/<table>`), the OpenAPI root, embedding and casts in `select`,
//     logical trees (and=/or=), filters on a scalar function's result, full-text operators;
//   * Accept text/csv, application/geo+json, plans (application/vnd.pgrst.plan), custom media
//     type handlers; functions of a single unnamed json/text/xml/bytea parameter (mps has none);
//   * Prefer: tx=rollback, handling=strict, max-affected, timezone, missing=default, return=…
//     (ignored), count=planned/estimated (answered as exact);
//   * request.cookies, role settings (ALTER ROLE … SET as configured for PostgREST),
//     db-pre-request, app.settings.*, JWKS and the HS384/HS512/RS*/ES* algorithms, the JWT
//     cache, jwt-role-claim-key other than .role, server-timing, CORS, the admin server;
//   * the schema cache is also reloaded when a function is not found (PostgREST waits for
//     NOTIFY pgrst / SIGUSR1 and answers from its stale cache);
//   * PostgREST v12's texts for JWT errors (all PGRST301, e.g. "JWSError JWSInvalidSignature")
//     and its 400 for a role that does not exist (v13+ answer 401, as here).
import http from 'node:http';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { verify, JwtError } from './lib/jwt.mjs';

const SCHEMAS = ['app'];
const EXTRA_SEARCH_PATH = ['public'];
const ANON_ROLE = 'anon';
const HOISTED_SETTINGS = ['statement_timeout', 'plan_filter.statement_cost_limit', 'default_transaction_isolation'];
const ACQUIRE_TIMEOUT_MS = 10000;

// ---------------------------------------------------------------------------------------------
// Errors in PostgREST's shape.

class ApiError extends Error {
  constructor(status, code, message, details = null, hint = null, headers = {}, statusText = undefined) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.hint = hint;
    this.headers = headers;
    this.statusText = statusText;
  }

  body() {
    return { code: this.code, details: this.details, hint: this.hint, message: this.message };
  }
}

const notReproduced = (what) =>
  new ApiError(501, 'MPSFRONT', `mps-front does not reproduce this PostgREST feature: ${what}`, null,
    'See the header comment of test/http/front.mjs');

// pgErrorStatus of src/PostgREST/Error.hs (v14).
export function httpStatusFor(sqlstate, message, authed) {
  const c = String(sqlstate || '');
  const m = String(message || '');
  const p2 = c.slice(0, 2);
  if (p2 === '08') return 503;
  if (p2 === '09') return 500;
  if (p2 === '0L') return 403;
  if (p2 === '0P') return 403;
  if (c === '23503' || c === '23505') return 409;
  if (c === '25006') return 405;
  if (c === '21000') return m.endsWith('requires a WHERE clause') ? 400 : 500;
  if (c === '22023') return m.startsWith('role') && m.endsWith('does not exist') ? 401 : 400;
  if (['25', '2D', '38', '39', '3B', '40'].includes(p2)) return 500;
  if (p2 === '28') return 403;
  if (c === '53400') return 500;
  if (p2 === '53') return 503;
  if (p2 === '54' || p2 === '55') return 500;
  if (c === '57P01') return 503;
  if (['57', '58', 'F0', 'HV'].includes(p2)) return 500;
  if (c === 'P0001') return 400;
  if (p2 === 'P0') return 500;
  if (p2 === 'XX') return 500;
  if (c === '42883') return m.startsWith('function xmlagg(') ? 406 : 404;
  if (c === '42P01') return 404;
  if (c === '42P17') return 500;
  if (c === '42501') return authed ? 403 : 401;
  if (p2 === 'PT') {
    const n = /^[0-9]+$/.test(c.slice(2)) ? Number(c.slice(2)) : NaN;
    return n >= 100 && n <= 999 ? n : 500;
  }
  return 400;
}

function fromPgError(err, authed) {
  if (!err.code || typeof err.code !== 'string' || !/^[0-9A-Z]{5}$/.test(err.code)) {
    // No SQLSTATE: the connection failed or broke.
    return new ApiError(503, 'PGRST000', 'Database connection error. Retrying the connection.',
      String(err.message || ''), null);
  }
  if (err.code === 'PGRST') {
    // RAISE SQLSTATE 'PGRST' USING MESSAGE = '{"code":…,"message":…}', DETAIL = '{"status":…,"headers":{…}}'
    let msg;
    let det;
    try { msg = JSON.parse(err.message); } catch { msg = undefined; }
    if (!msg || typeof msg.code !== 'string' || typeof msg.message !== 'string') {
      return new ApiError(500, 'PGRST121', 'Could not parse JSON in the "RAISE SQLSTATE \'PGRST\'" error',
        `Invalid JSON value for MESSAGE: '${err.message}'`,
        "MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.");
    }
    if (err.detail === undefined || err.detail === null) {
      return new ApiError(500, 'PGRST121', 'Could not parse JSON in the "RAISE SQLSTATE \'PGRST\'" error',
        'DETAIL is missing in the RAISE statement',
        "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.");
    }
    try { det = JSON.parse(err.detail); } catch { det = undefined; }
    if (!det || typeof det.status !== 'number' || typeof det.headers !== 'object' || det.headers === null) {
      return new ApiError(500, 'PGRST121', 'Could not parse JSON in the "RAISE SQLSTATE \'PGRST\'" error',
        `Invalid JSON value for DETAIL: '${err.detail}'`,
        "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.");
    }
    return new ApiError(det.status, msg.code, msg.message, msg.details ?? null, msg.hint ?? null,
      det.headers, det.status_text);
  }
  const status = httpStatusFor(err.code, err.message, authed);
  const e = new ApiError(status, err.code, String(err.message ?? ''), err.detail ?? null, err.hint ?? null);
  if (err.code.startsWith('PT') && status !== 500) e.statusText = String(err.message ?? '');
  if (status === 401) e.headers = { 'WWW-Authenticate': 'Bearer' };
  return e;
}

// ---------------------------------------------------------------------------------------------
// JSON with sorted keys, as aeson encodes PostgREST's claims and headers.

function sortedJson(v) {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const ident = (name) => `"${String(name).replace(/"/g, '""')}"`;

// ---------------------------------------------------------------------------------------------
// The schema cache: PostgREST's funcsSqlQuery, reduced to what an RPC call needs.

const FUNCS_SQL = `
WITH
base_types AS (
  WITH RECURSIVE recurse AS (
    SELECT oid, typbasetype, COALESCE(NULLIF(typbasetype, 0), oid) AS base_type FROM pg_type
    UNION
    SELECT t.oid, b.typbasetype, COALESCE(NULLIF(b.typbasetype, 0), b.oid) AS base_type
      FROM recurse t JOIN pg_type b ON t.typbasetype = b.oid
  )
  SELECT oid, base_type FROM recurse WHERE typbasetype = 0
),
arguments AS (
  SELECT oid,
         json_agg(json_build_object(
           'name', COALESCE(name, ''),
           'type', type::regtype::text,
           'irtype', CASE type
                       WHEN 'bit'::regtype THEN 'bit varying'
                       WHEN 'bit[]'::regtype THEN 'bit varying[]'
                       WHEN 'character'::regtype THEN 'character varying'
                       WHEN 'character[]'::regtype THEN 'character varying[]'
                       ELSE type::regtype::text END,
           'required', idx <= (pronargs - pronargdefaults),
           'variadic', COALESCE(mode = 'v', false)) ORDER BY idx) AS args,
         CASE COUNT(*) - COUNT(name)
           WHEN 0 THEN true
           WHEN 1 THEN (array_agg(type))[1] IN ('bytea'::regtype, 'json'::regtype, 'jsonb'::regtype, 'text'::regtype, 'xml'::regtype)
           ELSE false
         END AS callable
    FROM pg_proc, unnest(proargnames, proargtypes, proargmodes) WITH ORDINALITY AS _ (name, type, mode, idx)
   WHERE type IS NOT NULL
   GROUP BY oid
)
SELECT pn.nspname AS schema, p.proname AS name,
       COALESCE(a.args, '[]') AS args,
       p.proretset AS setof,
       (t.typtype = 'c' OR COALESCE(proargmodes::text[] && '{t,b,o}', false)) AS composite,
       (bt.base_type = 'void'::regtype) AS void,
       p.provolatile AS volatility,
       (regexp_split_to_array((regexp_split_to_array(iso_config, '='))[2], ','))[1] AS isolation,
       COALESCE((SELECT json_agg(json_build_array(substr(setting, 1, strpos(setting, '=') - 1),
                                                  substr(setting, strpos(setting, '=') + 1)))
                   FROM unnest(proconfig) setting
                  WHERE setting ~ ANY($2::text[])), '[]') AS settings
  FROM pg_proc p
  LEFT JOIN arguments a ON a.oid = p.oid
  JOIN pg_namespace pn ON pn.oid = p.pronamespace
  JOIN base_types bt ON bt.oid = p.prorettype
  JOIN pg_type t ON t.oid = bt.base_type
  LEFT JOIN LATERAL unnest(proconfig) iso_config ON iso_config LIKE 'default_transaction_isolation%'
 WHERE t.oid <> 'trigger'::regtype AND COALESCE(a.callable, true)
   AND p.prokind = 'f'
   AND pn.nspname = ANY($1::text[])`;

let schemaCache = new Map(); // "schema.name" -> [routine]

async function loadSchemaCache(pool) {
  const { rows } = await pool.query(FUNCS_SQL, [SCHEMAS, HOISTED_SETTINGS.map((s) => `^${s.replace(/\./g, '\\.')}=`)]);
  const next = new Map();
  for (const r of rows) {
    const key = `${r.schema}.${r.name}`;
    const routine = {
      schema: r.schema,
      name: r.name,
      params: r.args,
      setof: r.setof,
      composite: r.composite,
      void: r.void && !r.setof,
      volatility: r.volatility,        // 'v', 's' or 'i'
      isolation: r.isolation,          // from proconfig default_transaction_isolation, or null
      settings: r.settings,            // [[name, value]] hoisted into the transaction
    };
    routine.scalar = !routine.composite && !routine.setof;
    routine.setofScalar = !routine.composite && routine.setof;
    routine.singleComposite = routine.composite && !routine.setof;
    routine.hasVariadic = routine.params.some((p) => p.variadic);
    if (!next.has(key)) next.set(key, []);
    next.get(key).push(routine);
  }
  schemaCache = next;
  return rows.length;
}

// findProc of src/PostgREST/Plan.hs.
function findProc(schema, name, keys, isInvPost, mediaType) {
  const candidates = schemaCache.get(`${schema}.${name}`) || [];
  const keySet = new Set(keys);
  const matches = [];
  const fallbacks = [];
  for (const proc of candidates) {
    const params = proc.params;
    let ok;
    if (params.length === 0) {
      ok = keySet.size === 0 && !(isInvPost && ['octet', 'text', 'xml'].includes(mediaType));
    } else {
      const req = params.filter((p) => p.required).map((p) => p.name);
      const opt = new Set(params.filter((p) => !p.required).map((p) => p.name));
      const rest = [...keySet].filter((k) => !opt.has(k));
      ok = rest.length === req.length && req.every((r) => keySet.has(r)) && rest.every((k) => req.includes(k));
    }
    if (ok) matches.push(proc);
    else if (isInvPost && params.length === 1 && params[0].name === '' &&
             ((mediaType === 'json' && ['json', 'jsonb'].includes(params[0].type)) ||
              (mediaType === 'text' && params[0].type === 'text') ||
              (mediaType === 'xml' && params[0].type === 'xml') ||
              (mediaType === 'octet' && params[0].type === 'bytea'))) fallbacks.push(proc);
  }
  if (matches.length === 1) return { proc: matches[0] };
  if (matches.length > 1) return { ambiguous: matches };
  if (fallbacks.length === 1) return { proc: fallbacks[0] };
  if (fallbacks.length > 1) return { ambiguous: fallbacks };
  return { none: candidates };
}

// A Levenshtein ratio: the fuzzy search PostgREST uses for its "Perhaps you meant" hints.
function similarity(a, b) {
  a = a.toLowerCase(); b = b.toLowerCase();
  if (a === b) return 1;
  const m = a.length;
  const n = b.length;
  if (!m || !n) return 0;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return 1 - prev[n] / Math.max(m, n);
}

function bestMatch(candidates, needle, minScore) {
  let best = null;
  let score = minScore;
  for (const c of candidates) {
    const s = similarity(c, needle);
    if (s >= score) { best = c; score = s; }
  }
  return best;
}

function noRpcError(schema, name, keys, isInvPost, mediaType, overloads) {
  const func = `${schema}.${name}`;
  const sorted = [...keys].sort();
  const prms = sorted.join(', ');
  const fmtPrms = (p) => (sorted.length === 0 ? ' without parameters' : p);
  const onlySingleParams = isInvPost && ['text', 'xml', 'octet'].includes(mediaType);
  const message = `Could not find the function ${func}${onlySingleParams ? '' : fmtPrms(`(${prms})`)} in the schema cache`;
  const prmsDet = ` with parameter${sorted.length > 1 ? 's ' : ' '}${prms}`;
  let det;
  if (isInvPost && mediaType === 'text') det = ' with a single unnamed text parameter';
  else if (isInvPost && mediaType === 'xml') det = ' with a single unnamed xml parameter';
  else if (isInvPost && mediaType === 'octet') det = ' with a single unnamed bytea parameter';
  else if (isInvPost && mediaType === 'json') det = `${fmtPrms(prmsDet)} or with a single unnamed json/jsonb parameter`;
  else det = fmtPrms(prmsDet);
  const details = `Searched for the function ${func}${det}, but no matches were found in the schema cache.`;
  let hint = null;
  if (!onlySingleParams) {
    const listToText = (l) => `(${[...l].sort().join(', ')})`;
    let possible = null;
    if (overloads.length === 0) {
      const names = [...schemaCache.keys()].filter((k) => k.startsWith(`${schema}.`)).map((k) => k.slice(schema.length + 1));
      possible = bestMatch(names, name, 0.75);
    } else {
      const sigs = overloads.map((o) => listToText(o.params.map((p) => p.name)));
      const best = bestMatch(sigs, listToText(keys), 0.33);
      possible = best === null ? null : name + best;
    }
    if (possible !== null) hint = `Perhaps you meant to call the function ${schema}.${possible}`;
  }
  return new ApiError(404, 'PGRST202', message, details, hint);
}

// ---------------------------------------------------------------------------------------------
// The read plan over the function's rows: select, filters, order, limit/offset.

const OPS = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=', like: 'LIKE', ilike: 'ILIKE' };
const FILTER_RE = /^(not\.)?(eq|neq|gt|gte|lt|lte|like|ilike|is|in|cs|cd|ov|sl|sr|nxr|nxl|adj|fts|plfts|phfts|wfts|match|imatch|isdistinct)\./;
const COLUMN_RE = /^[A-Za-z_][A-Za-z0-9_$]*$/;

function parseReadPlan(entries, proc) {
  const plan = { select: null, filters: [], order: [], limit: null, offset: null };
  for (const [key, value] of entries) {
    if (key === 'select') {
      if (value.trim() === '*') continue;
      plan.select = value.split(',').map((item) => {
        const s = item.trim();
        const m = /^(?:([A-Za-z_][A-Za-z0-9_$]*):)?([A-Za-z_][A-Za-z0-9_$]*)$/.exec(s);
        if (!m) throw notReproduced(`select item '${s}' (embedding, casts, JSON paths, aggregates)`);
        return { alias: m[1] || null, column: m[2] };
      });
    } else if (key === 'order') {
      plan.order = value.split(',').map((term) => {
        const parts = term.trim().split('.');
        const column = parts.shift();
        if (!COLUMN_RE.test(column)) throw notReproduced(`order term '${term}'`);
        let dir = '';
        let nulls = '';
        for (const p of parts) {
          if (p === 'asc') dir = ' ASC';
          else if (p === 'desc') dir = ' DESC';
          else if (p === 'nullsfirst') nulls = ' NULLS FIRST';
          else if (p === 'nullslast') nulls = ' NULLS LAST';
          else throw notReproduced(`order term '${term}'`);
        }
        return `${ident('pgrst_source')}.${ident(column)}${dir}${nulls}`;
      });
    } else if (key === 'limit' || key === 'offset') {
      if (!/^[0-9]+$/.test(value)) {
        throw new ApiError(400, 'PGRST100', `"failed to parse ${key} parameter (${value})"`, null, null);
      }
      plan[key] = Number(value);
    } else if (key === 'and' || key === 'or' || key.endsWith('.and') || key.endsWith('.or') || key.includes('.')) {
      throw notReproduced(`query parameter '${key}' (logic trees and embedded resources)`);
    } else if (key === 'columns' || key === 'on_conflict') {
      continue;
    } else {
      const m = FILTER_RE.exec(value);
      if (!m) throw notReproduced(`query parameter '${key}=${value}' as a filter`);
      const negate = Boolean(m[1]);
      const op = m[2];
      const operand = value.slice(m[0].length);
      if (!(op in OPS) && op !== 'is' && op !== 'in') throw notReproduced(`filter operator '${op}'`);
      if (!COLUMN_RE.test(key)) throw notReproduced(`filter on '${key}'`);
      plan.filters.push({ column: key, op, operand, negate });
    }
  }
  if ((plan.filters.length || plan.order.length || plan.select) && !proc.composite) {
    throw notReproduced('select, filters or order on the result of a scalar function');
  }
  return plan;
}

function readPlanSql(plan, values) {
  const src = ident('pgrst_source');
  const cols = plan.select
    ? plan.select.map((s) => `${src}.${ident(s.column)}${s.alias ? ` AS ${ident(s.alias)}` : ''}`).join(', ')
    : `${src}.*`;
  const where = plan.filters.map((f) => {
    const col = `${src}.${ident(f.column)}`;
    let cond;
    if (f.op === 'is') {
      const v = f.operand.toLowerCase();
      if (!['null', 'true', 'false', 'unknown', 'not_null'].includes(v)) {
        throw new ApiError(400, 'PGRST100', `"failed to parse filter (is.${f.operand})"`, null, null);
      }
      cond = v === 'not_null' ? `${col} IS NOT NULL` : `${col} IS ${v.toUpperCase()}`;
    } else if (f.op === 'in') {
      const m = /^\((.*)\)$/.exec(f.operand);
      if (!m) throw new ApiError(400, 'PGRST100', `"failed to parse filter (in.${f.operand})"`, null, null);
      const items = m[1] === '' ? [] : m[1].split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
      const ph = items.map((it) => { values.push(it); return `$${values.length}`; });
      cond = ph.length ? `${col} IN (${ph.join(', ')})` : 'false';
    } else {
      values.push(f.operand.replace(/\*/g, ['like', 'ilike'].includes(f.op) ? '%' : '*'));
      cond = `${col} ${OPS[f.op]} $${values.length}`;
    }
    return f.negate ? `NOT ${cond}` : cond;
  });
  let sql = `SELECT ${cols} FROM ${src}`;
  if (where.length) sql += ` WHERE ${where.join(' AND ')}`;
  if (plan.order.length) sql += ` ORDER BY ${plan.order.join(', ')}`;
  if (plan.limit !== null) sql += ` LIMIT ${plan.limit}`;
  if (plan.offset !== null) sql += ` OFFSET ${plan.offset}`;
  return sql;
}

// ---------------------------------------------------------------------------------------------
// The call (callPlanToQuery + mainCall of src/PostgREST/Query/*.hs).

function callSql(proc, keys, args, values) {
  const qi = `${ident(proc.schema)}.${ident(proc.name)}`;
  const specified = proc.params.filter((p) => keys.includes(p.name));
  const scalarish = proc.scalar || proc.setofScalar;
  const callIt = (argument) => (scalarish
    ? `(SELECT ${qi}(${argument}) pgrst_scalar) pgrst_call`
    : `${qi}(${argument}) pgrst_call`);
  let from;
  if (specified.length === 0) {
    from = `FROM ${callIt('')}`;
  } else if (args.kind === 'direct') {
    const parts = specified.map((p) => {
      const v = args.values.get(p.name);
      if (p.variadic) {
        values.push(Array.isArray(v) ? v : [v]);
        return `VARIADIC ${ident(p.name)} := $${values.length}::text[]::${p.irtype}`;
      }
      values.push(Array.isArray(v) ? v[v.length - 1] : v);
      return `${ident(p.name)} := $${values.length}::${p.irtype}`;
    });
    from = `FROM ${callIt(parts.join(', '))}`;
  } else {
    values.push(args.json);
    const ph = `$${values.length}::json`;
    const named = specified.map((p) => ident(p.name)).join(', ');
    const typed = specified.map((p) => `${ident(p.name)} ${p.irtype}`).join(', ');
    const fn = args.isObject ? 'json_to_record' : 'json_to_recordset';
    const callArgs = specified
      .map((p) => `${p.variadic ? 'VARIADIC ' : ''}${ident(p.name)} := pgrst_body.${ident(p.name)}`).join(', ');
    from = `FROM (SELECT ${ph} AS json_data) pgrst_payload, ` +
      `LATERAL (SELECT ${named} FROM ${fn}(pgrst_payload.json_data) AS _(${typed}) LIMIT 1) pgrst_body , ` +
      `LATERAL ${callIt(callArgs)}`;
  }
  return `SELECT ${scalarish ? 'pgrst_call.pgrst_scalar' : 'pgrst_call.*'} ${from}`;
}

function bodySql(proc, media) {
  const strip = (s) => (media.stripNulls ? `json_strip_nulls(${s})` : s);
  if (media.single) {
    return proc.scalar
      ? `coalesce(${strip('json_agg(_postgrest_t.pgrst_scalar)->0')}, 'null')`
      : `coalesce(${strip('json_agg(_postgrest_t)->0')}, 'null')`;
  }
  if (proc.singleComposite) return `coalesce(${strip('json_agg(_postgrest_t)->0')}, 'null')`;
  if (proc.scalar) return `coalesce(${strip('json_agg(_postgrest_t.pgrst_scalar)->0')}, 'null')`;
  if (proc.setofScalar) return `coalesce(${strip('json_agg(_postgrest_t.pgrst_scalar)')}, '[]')`;
  return `coalesce(${strip('json_agg(_postgrest_t)')}, '[]')`;
}

// ---------------------------------------------------------------------------------------------
// Requests.

function negotiateMedia(acceptHeader) {
  if (!acceptHeader) return { single: false, stripNulls: false };
  const items = acceptHeader.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    const [type, ...params] = item.split(';').map((s) => s.trim());
    const t = type.toLowerCase();
    const stripNulls = params.some((p) => p.replace(/\s/g, '').toLowerCase() === 'nulls=stripped');
    if (t === '*/*' || t === 'application/*' || t === 'application/json') return { single: false, stripNulls: false };
    if (t === 'application/vnd.pgrst.array+json') return { single: false, stripNulls };
    if (t === 'application/vnd.pgrst.object+json' || t === 'application/vnd.pgrst.object') return { single: true, stripNulls };
  }
  throw new ApiError(406, 'PGRST107', `None of these media types are available: ${items.map((i) => i.split(';')[0].trim()).join(', ')}`);
}

function contentMediaType(ct) {
  if (!ct) return 'json';
  const t = ct.split(';')[0].trim().toLowerCase();
  if (t === 'application/json') return 'json';
  if (t === 'application/x-www-form-urlencoded') return 'urlencoded';
  if (t === 'text/plain') return 'text';
  if (t === 'text/xml') return 'xml';
  if (t === 'application/octet-stream') return 'octet';
  if (t === 'text/csv') return 'csv';
  return `other:${t}`;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// The JSON payload of a POST (src/PostgREST/ApiRequest/Payload.hs): keys and what to bind.
function jsonPayload(raw) {
  const text = raw.toString('utf8');
  let value;
  if (raw.length === 0) value = {};
  else {
    try { value = JSON.parse(text); } catch { throw new ApiError(400, 'PGRST102', 'Empty or invalid json'); }
  }
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(value)) return { keys: Object.keys(value), json: raw.length === 0 ? '{}' : text, isObject: true };
  if (Array.isArray(value)) {
    if (value.length === 0) return { keys: [], json: '[]', isObject: false };
    if (!isObj(value[0])) return { keys: [], json: '[]', isObject: false };
    const canonical = Object.keys(value[0]).sort().join('\u0000');
    const uniform = value.every((v) => isObj(v) && Object.keys(v).sort().join('\u0000') === canonical);
    if (!uniform) throw new ApiError(400, 'PGRST102', 'All object keys must match');
    return { keys: Object.keys(value[0]), json: text, isObject: false };
  }
  return { keys: [], json: '[]', isObject: false };
}

function authenticate(req, secret, audience) {
  const header = req.headers.authorization;
  let token;
  if (header !== undefined) {
    const m = /^(\S+)(?:\s+([\s\S]*))?$/.exec(header);
    if (m && m[1].toLowerCase() === 'bearer') token = (m[2] || '').trim();
  }
  let claims = {};
  if (token !== undefined) {
    try {
      claims = verify(token, secret, Math.floor(Date.now() / 1000), { audience });
    } catch (e) {
      if (e instanceof JwtError) {
        const headers = e.status === 401
          ? { 'WWW-Authenticate': `Bearer error="invalid_token", error_description=${JSON.stringify(e.message)}` }
          : {};
        throw new ApiError(e.status, e.code, e.message, e.details, null, headers);
      }
      throw e;
    }
  }
  let role = claims.role;
  if (role === undefined || role === null) role = ANON_ROLE;
  else if (typeof role !== 'string') role = JSON.stringify(role);
  return { role, claims: { ...claims, role } };
}

async function handleRpc(ctx, req, res, fnName, url) {
  const method = req.method;
  const auth = authenticate(req, ctx.secret, ctx.audience);
  const authed = auth.role !== ANON_ROLE;

  if (!['GET', 'HEAD', 'POST', 'OPTIONS'].includes(method)) {
    throw new ApiError(405, 'PGRST101', `Cannot use the ${method} method on RPC`);
  }
  const profileHeader = method === 'POST' ? req.headers['content-profile'] : req.headers['accept-profile'];
  if (profileHeader !== undefined && !SCHEMAS.includes(profileHeader)) {
    throw new ApiError(406, 'PGRST106', `Invalid schema: ${profileHeader}`, null,
      `Only the following schemas are exposed: ${SCHEMAS.join(', ')}`);
  }
  const schema = profileHeader ?? SCHEMAS[0];
  const negotiatedByProfile = profileHeader !== undefined || SCHEMAS.length !== 1;
  const media = method === 'OPTIONS' ? { single: false, stripNulls: false } : negotiateMedia(req.headers.accept);

  const isInvPost = method === 'POST';
  const entries = [...url.searchParams.entries()];
  let keys;
  let args;
  let readEntries;
  let ctType = 'json';
  if (isInvPost) {
    ctType = contentMediaType(req.headers['content-type']);
    const raw = await readBody(req);
    if (ctType === 'json') {
      const p = jsonPayload(raw);
      keys = p.keys;
      args = { kind: 'json', json: p.json, isObject: p.isObject };
    } else if (ctType === 'urlencoded') {
      const form = new URLSearchParams(raw.toString('utf8'));
      const values = new Map();
      for (const [k, v] of form.entries()) values.set(k, values.has(k) ? [].concat(values.get(k), v) : v);
      keys = [...values.keys()];
      args = { kind: 'direct', values };
    } else if (ctType === 'text' || ctType === 'xml' || ctType === 'octet') {
      keys = [];
      args = { kind: 'raw' };
    } else {
      throw new ApiError(400, 'PGRST102', `Content-Type not acceptable: ${ctType.replace(/^other:/, '')}`);
    }
    readEntries = entries;
  } else {
    // GET / HEAD / OPTIONS: a query parameter without an operator is an argument.
    const values = new Map();
    readEntries = [];
    for (const [k, v] of entries) {
      const reserved = ['select', 'order', 'limit', 'offset', 'and', 'or', 'columns', 'on_conflict'].includes(k) ||
        /\.(order|limit|offset|and|or)$/.test(k);
      if (!reserved && !FILTER_RE.test(v)) {
        values.set(k, values.has(k) ? [].concat(values.get(k), v) : v);
      } else {
        readEntries.push([k, v]);
      }
    }
    keys = [...values.keys()];
    args = { kind: 'direct', values };
  }

  let found = findProc(schema, fnName, keys, isInvPost, ctType);
  if (found.none) {
    // Not PostgREST: it would answer from its cache until NOTIFY pgrst / SIGUSR1.
    await loadSchemaCache(ctx.pool);
    found = findProc(schema, fnName, keys, isInvPost, ctType);
  }
  if (found.none) throw noRpcError(schema, fnName, keys, isInvPost, ctType, found.none);
  if (found.ambiguous) {
    throw new ApiError(300, 'PGRST203',
      `Could not choose the best candidate function between: ${found.ambiguous.map((p) =>
        `${p.schema}.${p.name}(${p.params.map((a) => `${a.name} => ${a.type}`).join(', ')})`).join(', ')}`,
      null, 'Try renaming the parameters or the function itself in the database so function overloading can be resolved');
  }
  const proc = found.proc;
  if (args.kind === 'raw') throw notReproduced('functions with a single unnamed parameter');

  if (method === 'OPTIONS') {
    res.writeHead(200, {
      'Access-Control-Allow-Origin': '*',
      Allow: proc.volatility === 'v' ? 'OPTIONS,POST' : 'OPTIONS,GET,HEAD,POST',
      'Content-Length': '0',
    });
    res.end();
    return;
  }

  const readPlan = parseReadPlan(readEntries, proc);
  const prefer = String(req.headers.prefer || '');
  const wantCount = /(^|[,\s])count=(exact|planned|estimated)/.test(prefer);
  const readOnly = method !== 'POST' || proc.volatility !== 'v';
  const isolation = ({ 'read committed': 'READ COMMITTED', 'repeatable read': 'REPEATABLE READ', serializable: 'SERIALIZABLE' })[
    String(proc.isolation || 'read committed').toLowerCase()] || 'READ COMMITTED';

  // request.headers: every header but cookie, names lower-cased (a repeated header: the last).
  const headers = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    if (name !== 'cookie') headers[name] = req.rawHeaders[i + 1];
  }

  const settingsValues = [
    [schema, ...EXTRA_SEARCH_PATH].map(ident).join(', '),
    auth.role,
    sortedJson(auth.claims),
    method,
    `/rpc/${fnName}`,
    sortedJson(headers),
  ];
  const settingNames = ["'search_path'", "'role'", "'request.jwt.claims'", "'request.method'", "'request.path'", "'request.headers'"];
  const settingsParts = settingNames.map((n, i) => `set_config(${n}, $${i + 1}, true)`);
  for (const [name, value] of proc.settings) {
    settingsValues.push(name, value);
    settingsParts.push(`set_config($${settingsValues.length - 1}, $${settingsValues.length}, true)`);
  }
  const settingsSql = `select ${settingsParts.join(', ')}`;

  const values = [];
  const source = callSql(proc, keys, args, values);
  const select = readPlanSql(readPlan, values);
  const mainSql =
    `WITH pgrst_source AS (${source}) ` +
    `SELECT ${wantCount ? '(SELECT pg_catalog.count(*) FROM pgrst_source)' : 'null::bigint'} AS total_result_set, ` +
    `${proc.scalar || proc.singleComposite ? '1' : 'pg_catalog.count(_postgrest_t)'} AS page_total, ` +
    `(${bodySql(proc, media)})::text AS body, ` +
    `nullif(current_setting('response.headers', true), '') AS response_headers, ` +
    `nullif(current_setting('response.status', true), '') AS response_status ` +
    `FROM (${select}) _postgrest_t`;

  let client;
  try {
    client = await ctx.pool.connect();
  } catch (e) {
    if (/timeout/i.test(String(e && e.message))) {
      throw new ApiError(504, 'PGRST003', 'Timed out acquiring connection from connection pool.');
    }
    throw new ApiError(503, 'PGRST000', 'Database connection error. Retrying the connection.', String(e && e.message), null);
  }
  let row;
  let broken = false; // a connection whose state is unknown is not given back to the pool
  try {
    await client.query(`BEGIN ISOLATION LEVEL ${isolation} ${readOnly ? 'READ ONLY' : 'READ WRITE'}`);
    try {
      await client.query(settingsSql, settingsValues);
      ({ rows: [row] } = await client.query(mainSql, values));
      if (media.single && Number(row.page_total) !== 1) {
        throw new ApiError(406, 'PGRST116', 'JSON object requested, multiple (or no) rows returned',
          `The result contains ${row.page_total} rows`);
      }
      await client.query('COMMIT');
    } catch (e) {
      try { await client.query('ROLLBACK'); } catch { broken = true; }
      throw e;
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (!/^[0-9A-Z]{5}$/.test(String(e.code || ''))) broken = true;
    throw fromPgError(e, authed);
  } finally {
    client.release(broken);
  }

  // The response (actionResponse of src/PostgREST/Response.hs).
  const pageTotal = Number(row.page_total);
  const total = wantCount && row.total_result_set !== null ? Number(row.total_result_set) : null;
  const lower = readPlan.offset || 0;
  const upper = lower + pageTotal - 1;
  const range = `${total !== 0 && lower <= upper ? `${lower}-${upper}` : '*'}/${total === null ? '*' : total}`;
  let status = 200;
  if (total !== null) {
    if (lower > total) status = 416;
    else if (1 + upper - lower < total) status = 206;
  }
  const out = { 'Content-Range': range };
  if (wantCount) out['Preference-Applied'] = `count=${/count=(exact|planned|estimated)/.exec(prefer)[1]}`;
  if (negotiatedByProfile) out['Content-Profile'] = schema;
  let body = row.body;
  if (proc.void) {
    status = 204;
    body = null;
  } else {
    out['Content-Type'] = `${media.single ? 'application/vnd.pgrst.object+json' : 'application/json'}; charset=utf-8`;
    if (media.stripNulls) out['Content-Type'] = `${media.single ? 'application/vnd.pgrst.object+json' : 'application/vnd.pgrst.array+json'};nulls=stripped; charset=utf-8`;
  }
  // response.status / response.headers set by the function.
  if (row.response_status !== null) {
    const s = Number(row.response_status);
    if (!Number.isInteger(s) || s < 100 || s > 599) {
      throw new ApiError(500, 'PGRST112', 'response.status guc must be a valid status code');
    }
    status = s;
  }
  if (row.response_headers !== null) {
    let hs;
    try { hs = JSON.parse(row.response_headers); } catch { hs = null; }
    const valid = Array.isArray(hs) && hs.every((h) => h && typeof h === 'object' && !Array.isArray(h) &&
      Object.keys(h).length === 1 && typeof Object.values(h)[0] === 'string');
    if (!valid) {
      throw new ApiError(500, 'PGRST111', 'response.headers guc must be a JSON array composed of objects with a single key and a string value');
    }
    for (const h of hs) { const [k, v] = Object.entries(h)[0]; out[k] = v; }
  }
  if (body !== null && method !== 'HEAD') {
    const buf = Buffer.from(body, 'utf8');
    out['Content-Length'] = String(buf.length);
    res.writeHead(status, out);
    res.end(buf);
  } else {
    res.writeHead(status, out);
    res.end();
  }
}

function sendError(res, err, method) {
  const payload = Buffer.from(JSON.stringify(err.body()), 'utf8');
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(payload.length),
    'Proxy-Status': `PostgREST; error=${err.code}`,
    ...err.headers,
  };
  let reason = err.statusText;
  if (reason !== undefined && !/^[\t\x20-\x7e]*$/.test(reason)) reason = undefined;
  if (reason !== undefined) res.writeHead(err.status, reason, headers);
  else res.writeHead(err.status, headers);
  res.end(method === 'HEAD' ? undefined : payload);
}

const RPC_PATH = /^\/(?:rest\/v1\/)?rpc\/([^/]+)$/;

export async function startFront({
  secret = process.env.MPS_JWT_SECRET,
  audience = process.env.MPS_JWT_AUD || null,
  port = Number(process.env.MPS_FRONT_PORT || 0),
  poolSize = Number(process.env.MPS_FRONT_POOL || 3),
} = {}) {
  if (!secret) throw new Error('mps-front: MPS_JWT_SECRET is required');
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error('mps-front: MPS_FRONT_POOL must be a positive integer');
  const pool = new pg.Pool({
    user: 'authenticator',
    max: poolSize,
    application_name: 'mps-front',
    connectionTimeoutMillis: ACQUIRE_TIMEOUT_MS,
    idleTimeoutMillis: 0,
  });
  pool.on('error', (e) => process.stderr.write(`mps-front: idle connection error: ${e.message}\n`));
  await loadSchemaCache(pool);
  const ctx = { pool, secret, audience };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const m = RPC_PATH.exec(url.pathname);
    const done = (err) => {
      if (!(err instanceof ApiError)) {
        process.stderr.write(`mps-front: ${req.method} ${url.pathname}: ${err && err.stack ? err.stack : err}\n`);
        err = new ApiError(500, 'MPSFRONT', `mps-front failed: ${err && err.message}`);
      } else if (err.status >= 500) {
        process.stderr.write(`mps-front: ${req.method} ${url.pathname}: ${err.status} ${err.code} ${err.message}\n`);
      }
      req.resume(); // a body not read yet (e.g. a request refused for its token)
      if (res.headersSent) { res.destroy(); return; }
      sendError(res, err, req.method);
    };
    if (!m) {
      req.resume();
      done(notReproduced(`the path ${url.pathname} (only /rpc/<fn> and /rest/v1/rpc/<fn> are served)`));
      return;
    }
    let fn;
    try { fn = decodeURIComponent(m[1]); } catch { fn = m[1]; }
    handleRpc(ctx, req, res, fn, url).catch(done);
  });
  server.keepAliveTimeout = 5000;

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });

  let stopping = null;
  const stop = () => {
    if (!stopping) {
      stopping = (async () => {
        await new Promise((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections?.();
        });
        await pool.end();
      })();
    }
    return stopping;
  };
  const reload = () => loadSchemaCache(pool).catch((e) =>
    process.stderr.write(`mps-front: schema cache reload failed: ${e.message}\n`));
  return { server, pool, port: server.address().port, stop, reload };
}

// Run as a program (not when imported).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const front = await startFront();
    process.on('SIGUSR1', () => { front.reload(); });
    const shutdown = () => {
      front.stop().then(() => process.exit(0), () => process.exit(1));
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
    process.stdout.write(`mps-front listening on http://127.0.0.1:${front.port}\n`);
  } catch (e) {
    process.stderr.write(`mps-front: could not start: ${e.message}\n`);
    process.exit(1);
  }
}
