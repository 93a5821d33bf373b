-- PostgREST replay for pgTAP (ARCHITECTURE.md §8). PostgREST cannot be installed here, so this file
-- builds exactly what PostgREST v12-v14 sends for `POST /rpc/<fn>` with a JSON object body,
-- and runs it. Include it after lib/setup.sql (`\ir lib/postgrest.sql`): everything it creates
-- lives in the test-only schema pgrst_test, inside the test's transaction, and is rolled back
-- with it.
--
-- What PostgREST sends for one request (one transaction per request):
--   BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE   (READ ONLY for STABLE/IMMUTABLE functions)
--   SELECT set_config('search_path', '"app", "public"', true), set_config('role', <jwt role>, true),
--          set_config('request.jwt.claims', <jwt payload, "role" set>, true),
--          set_config('request.method', 'POST', true), set_config('request.path', '/rpc/<fn>', true),
--          set_config('request.headers', <headers as JSON, lower-case names>, true)
--   WITH pgrst_source AS (SELECT pgrst_call.* FROM (SELECT $1::json AS json_data) pgrst_payload,
--          LATERAL (SELECT "a", "b" FROM json_to_record(pgrst_payload.json_data)
--                   AS _("a" text, "b" numeric) LIMIT 1) pgrst_body,
--          LATERAL "app"."fn"("a" := pgrst_body."a", "b" := pgrst_body."b") pgrst_call)
--   SELECT coalesce(json_agg(_postgrest_t), '[]') AS body FROM (SELECT * FROM pgrst_source) _postgrest_t
--   COMMIT                                            (any error: ROLLBACK)
-- Only the keys present in the body become arguments (by name); their column types are the
-- function's declared parameter types (pg_proc.proargnames/proargtypes). A TABLE/SETOF-composite
-- function answers a JSON array of objects (data[0].tx_no), a scalar function the bare JSON
-- value, a void function null here (PostgREST answers 204 without a body).
--
-- How the role switch and the per-request transaction are emulated. PostgreSQL refuses a role
-- switch only inside SECURITY DEFINER functions ("cannot set parameter "role" within
-- security-definer function"). pgrst_test.rpc() is a plain (SECURITY INVOKER) PL/pgSQL
-- function, so its set_config('role', ..., true) is the very call PostgREST makes: afterwards
-- GetOuterUserId() is the JWT role and every privilege check of the call is made for it. Call
-- the helpers as the superuser (the file's own role): afterwards RESET ROLE returns to it. The request's transaction is a subtransaction (the PL/pgSQL
-- BEGIN ... EXCEPTION block, i.e. a SAVEPOINT):
--   * error   -> ROLLBACK TO the savepoint: the request's writes and all of its settings (role
--                included) are undone, then the error is raised again with its SQLSTATE,
--                message, detail and hint, exactly as the client would get it;
--   * success -> RELEASE (the request's COMMIT): its writes stay; its transaction-local
--                settings would survive a RELEASE, so they are ended explicitly with RESET
--                (RESET ROLE, RESET search_path, RESET request.jwt.claims, ...: each back to
--                its session value). RESET - not
--                set_config(name, '', true) - leaves no transaction-local value behind, which
--                is what the next transaction of a real connection sees (an empty setting
--                with no local value). 21_postgrest_calls.sql proves nothing survives.
--   * STABLE/IMMUTABLE functions run READ ONLY (SET LOCAL transaction_read_only) and their
--     subtransaction is always rolled back after the answer was taken (nothing to keep).
-- The same statements can also be run at top level from psql (set_config('role', ...) as a
-- statement of its own, as PostgREST does), with psql's \gset:
--     SELECT pgrst_test.settings_sql(<role>, <claims>, <fn>) AS pgrst_settings,
--            pgrst_test.call_sql(<fn>, <body>, true) AS pgrst_call \gset
--     SAVEPOINT pgrst_request;
--     :pgrst_settings \gset pgrst_setting_
--     :pgrst_call \gset pgrst_
--     RELEASE SAVEPOINT pgrst_request;
--     :pgrst_end
--   after which :'pgrst_body' holds the JSON response (only for calls that succeed: an error
--   would stop the psql script). 21_postgrest_calls.sql uses both paths and compares them.
--
-- pgrst_test.as_caller(role, claims, sql) is the "direct call" a Supabase-style pgTAP test
-- makes: the same per-request emulation, but the given SQL runs as written (positional
-- arguments, no search_path/method/path/headers) and the claims are used exactly as given
-- (no "role" key added), so tests can also forge them.

CREATE SCHEMA pgrst_test;
-- The API roles run inside these helpers after the role switch.
GRANT USAGE ON SCHEMA pgrst_test TO PUBLIC;

-- Ends a request's settings (see above). Also kept in :pgrst_end for the top-level path.
\set pgrst_end 'RESET ROLE; RESET search_path; RESET request.jwt.claims; RESET request.method; RESET request.path; RESET request.headers;'

-- The input parameters of a function in declaration order: name, declared type, and whether
-- it has a DEFAULT (the last pronargdefaults inputs have one).
CREATE FUNCTION pgrst_test.in_args(p_oid oid)
RETURNS TABLE (pos int, name text, type text, has_default boolean)
LANGUAGE sql STABLE AS $$
  WITH a AS (
    SELECT row_number() OVER (ORDER BY o.n)::int AS pos, p.proargnames[o.n] AS name, p.pronargs, p.pronargdefaults
      FROM pg_catalog.pg_proc p,
           generate_series(1, COALESCE(array_length(p.proargmodes, 1), p.pronargs)) AS o(n)
     WHERE p.oid = p_oid AND (p.proargmodes IS NULL OR p.proargmodes[o.n] IN ('i', 'b', 'v'))
  )
  SELECT a.pos, a.name, pg_catalog.format_type((SELECT p.proargtypes[a.pos - 1] FROM pg_catalog.pg_proc p WHERE p.oid = p_oid), NULL),
         a.pos > a.pronargs - a.pronargdefaults
    FROM a ORDER BY a.pos
$$;

-- The function app.<p_fn> that PostgREST would pick for a body with these keys: every key is
-- an input parameter's name and every input parameter without a default is among the keys.
-- Raises 42883 (PostgREST: PGRST202, HTTP 404) when there is none.
CREATE FUNCTION pgrst_test.routine(p_fn text, p_keys text[]) RETURNS oid
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_oid oid;
BEGIN
  SELECT p.oid INTO v_oid
    FROM pg_catalog.pg_proc p
   WHERE p.pronamespace = 'app'::regnamespace AND p.proname = p_fn
     AND p_keys <@ ARRAY(SELECT a.name FROM pgrst_test.in_args(p.oid) a)
     AND ARRAY(SELECT a.name FROM pgrst_test.in_args(p.oid) a WHERE NOT a.has_default) <@ p_keys
   ORDER BY p.pronargs
   LIMIT 1;
  IF v_oid IS NULL THEN
    RAISE EXCEPTION 'PGRST202' USING ERRCODE = '42883',
      DETAIL = format('Could not find the function app.%s(%s) in the schema cache', p_fn,
                      array_to_string(p_keys, ', '));
  END IF;
  RETURN v_oid;
END
$$;

-- An identifier always double-quoted, as PostgREST writes every name.
CREATE FUNCTION pgrst_test.ident(p_name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT '"' || replace(p_name, '"', '""') || '"' $$;

-- The headers PostgREST puts into request.headers for a supabase-js call: names lower-cased.
CREATE FUNCTION pgrst_test.headers(p_extra jsonb DEFAULT NULL) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
  SELECT json_object_agg(lower(k), v)
    FROM jsonb_each_text(jsonb_build_object(
           'accept', '*/*',
           'content-type', 'application/json',
           'content-profile', 'app',
           'prefer', 'return=representation',
           'host', 'localhost:3000',
           'x-client-info', 'supabase-js/2')
         || COALESCE(p_extra, '{}')) AS h(k, v)
$$;

-- Step 2: the one SELECT of set_config(..., true), in PostgREST's order.
CREATE FUNCTION pgrst_test.settings_sql(p_role text, p_claims jsonb, p_fn text, p_headers jsonb DEFAULT NULL)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT format('SELECT set_config(''search_path'', %L, true), set_config(''role'', %L, true), '
                'set_config(''request.jwt.claims'', %L, true), set_config(''request.method'', %L, true), '
                'set_config(''request.path'', %L, true), set_config(''request.headers'', %L, true)',
                '"app", "public"', p_role,
                (COALESCE(p_claims, '{}') || jsonb_build_object('role', p_role))::text,
                'POST', '/rpc/' || p_fn, pgrst_test.headers(p_headers)::text)
$$;

-- Step 3: the call. p_inline: the body as a literal instead of the bound parameter $1 (for
-- running the statement from psql, which cannot bind parameters).
CREATE FUNCTION pgrst_test.call_sql(p_fn text, p_body jsonb, p_inline boolean DEFAULT false)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_keys text[] := ARRAY(SELECT jsonb_object_keys(COALESCE(p_body, '{}')));
  v_proc pg_catalog.pg_proc%ROWTYPE;
  v_names text[];
  v_types text[];
  v_cols text := '';
  v_typed text := '';
  v_args text := '';
  v_from text;
  v_ret text;
  v_scalar boolean;
  i int;
BEGIN
  SELECT * INTO v_proc FROM pg_catalog.pg_proc WHERE oid = pgrst_test.routine(p_fn, v_keys);
  -- Input parameters in declaration order, only those named in the body.
  SELECT array_agg(a.name ORDER BY a.pos), array_agg(a.type ORDER BY a.pos) INTO v_names, v_types
    FROM pgrst_test.in_args(v_proc.oid) a WHERE a.name = ANY (v_keys);
  FOR i IN 1 .. COALESCE(array_length(v_names, 1), 0) LOOP
    IF i > 1 THEN
      v_cols := v_cols || ', '; v_typed := v_typed || ', '; v_args := v_args || ', ';
    END IF;
    v_cols := v_cols || pgrst_test.ident(v_names[i]);
    v_typed := v_typed || pgrst_test.ident(v_names[i]) || ' ' || v_types[i];
    v_args := v_args || pgrst_test.ident(v_names[i]) || ' := pgrst_body.' || pgrst_test.ident(v_names[i]);
  END LOOP;

  v_ret := pg_catalog.format_type(v_proc.prorettype, NULL);
  -- TABLE / SETOF composite answers an array of objects; anything else a scalar.
  v_scalar := NOT (v_proc.prorettype = 'record'::regtype
                   OR (SELECT t.typtype = 'c' FROM pg_catalog.pg_type t WHERE t.oid = v_proc.prorettype));

  IF v_names IS NULL THEN
    v_from := format('%s.%s() pgrst_call', pgrst_test.ident('app'), pgrst_test.ident(p_fn));
  ELSE
    v_from := format('(SELECT %s::json AS json_data) pgrst_payload, '
                     'LATERAL (SELECT %s FROM json_to_record(pgrst_payload.json_data) AS _(%s) LIMIT 1) pgrst_body, '
                     'LATERAL %s.%s(%s) pgrst_call',
                     CASE WHEN p_inline THEN quote_literal(p_body::text) ELSE '$1' END,
                     v_cols, v_typed, pgrst_test.ident('app'), pgrst_test.ident(p_fn), v_args);
  END IF;

  IF v_ret = 'void' THEN
    RETURN format('WITH pgrst_source AS (SELECT pgrst_call.* FROM %s) '
                  'SELECT NULL::json AS body, pg_catalog.count(*) AS page_total FROM pgrst_source', v_from);
  ELSIF v_scalar AND NOT v_proc.proretset THEN
    RETURN format('WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM %s(pgrst_scalar)) '
                  'SELECT coalesce((json_agg(_postgrest_t.pgrst_scalar)->0)::text, ''null'')::json AS body, '
                  'pg_catalog.count(_postgrest_t) AS page_total FROM (SELECT * FROM pgrst_source) _postgrest_t', v_from);
  ELSIF v_scalar THEN
    RETURN format('WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM %s(pgrst_scalar)) '
                  'SELECT coalesce(json_agg(_postgrest_t.pgrst_scalar), ''[]'') AS body, '
                  'pg_catalog.count(_postgrest_t) AS page_total FROM (SELECT * FROM pgrst_source) _postgrest_t', v_from);
  ELSE
    RETURN format('WITH pgrst_source AS (SELECT pgrst_call.* FROM %s) '
                  'SELECT coalesce(json_agg(_postgrest_t), ''[]'') AS body, '
                  'pg_catalog.count(_postgrest_t) AS page_total FROM (SELECT * FROM pgrst_source) _postgrest_t', v_from);
  END IF;
END
$$;

-- Runs one request: p_settings_sql (may be NULL) then p_call_sql (with $1 = p_payload) in a
-- subtransaction as described at the top; returns the "body" column of the call.
CREATE FUNCTION pgrst_test._request(p_read_only boolean, p_settings_sql text, p_call_sql text, p_payload json)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
  v_body json;
  v_state text;
  v_message text;
  v_detail text;
  v_hint text;
BEGIN
  BEGIN  -- the request's transaction
    IF p_read_only THEN
      SET LOCAL transaction_read_only = on;
    END IF;
    IF p_settings_sql IS NOT NULL THEN
      EXECUTE p_settings_sql;
    END IF;
    EXECUTE p_call_sql INTO v_body USING p_payload;
    IF p_read_only THEN
      RAISE EXCEPTION 'read-only request done' USING ERRCODE = 'PGRRO';  -- roll it back
    END IF;
  EXCEPTION WHEN OTHERS THEN
    -- The subtransaction is already rolled back here: role and settings are the caller's again.
    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT,
                            v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
    IF v_state = 'PGRRO' THEN
      RETURN v_body;
    END IF;
    IF v_detail <> '' AND v_hint <> '' THEN
      RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_message, DETAIL = v_detail, HINT = v_hint;
    ELSIF v_detail <> '' THEN
      RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_message, DETAIL = v_detail;
    ELSIF v_hint <> '' THEN
      RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_message, HINT = v_hint;
    ELSE
      RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_message;
    END IF;
  END;
  -- The request committed (RELEASE): end its settings; nothing of its identity may stay.
  RESET ROLE;
  RESET search_path;
  RESET request.jwt.claims;
  RESET request.method;
  RESET request.path;
  RESET request.headers;
  RETURN v_body;
END
$$;

-- POST /rpc/<p_fn> with JSON body p_body, as the JWT role p_role with JWT payload p_claims
-- ("role" is set to p_role, as in every PostgREST JWT). Returns the response body as JSON;
-- an error is raised with the SQLSTATE/message/detail/hint the RPC raised.
CREATE FUNCTION pgrst_test.rpc(p_role text, p_claims jsonb, p_fn text, p_body jsonb DEFAULT '{}',
                               p_headers jsonb DEFAULT NULL)
RETURNS json
LANGUAGE plpgsql AS $$
DECLARE
  v_keys text[] := ARRAY(SELECT jsonb_object_keys(COALESCE(p_body, '{}')));
  v_read_only boolean;
BEGIN
  SELECT p.provolatile <> 'v' INTO v_read_only
    FROM pg_catalog.pg_proc p WHERE p.oid = pgrst_test.routine(p_fn, v_keys);
  RETURN pgrst_test._request(v_read_only, pgrst_test.settings_sql(p_role, p_claims, p_fn, p_headers),
                             pgrst_test.call_sql(p_fn, p_body), COALESCE(p_body, '{}')::json);
END
$$;

-- A direct call (p_sql, e.g. 'SELECT * FROM app.verify_ledger()') made as role p_role with
-- request.jwt.claims = p_claims set transaction-locally (NULL: no claims), in its own emulated
-- transaction. Returns the rows as a JSON array of objects ('[]' for none).
CREATE FUNCTION pgrst_test.as_caller(p_role text, p_claims jsonb, p_sql text)
RETURNS json
LANGUAGE plpgsql AS $$
BEGIN
  RETURN pgrst_test._request(
    false,
    format('SELECT set_config(''role'', %L, true), set_config(''request.jwt.claims'', %L, true)',
           p_role, COALESCE(p_claims::text, '')),
    format('SELECT coalesce(json_agg(_t), ''[]'') FROM (%s) _t', p_sql),
    NULL);
END
$$;

-- JWT payloads.
CREATE FUNCTION pgrst_test.claims(p_sub text, p_role text DEFAULT 'authenticated') RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_object('aud', 'authenticated', 'sub', p_sub, 'role', p_role,
                            'iat', 1700000000, 'exp', 4102444800)
$$;

-- SQL text of the calls above, for pgTAP's throws_ok / lives_ok (which take SQL text).
CREATE FUNCTION pgrst_test.rpc_sql(p_role text, p_claims jsonb, p_fn text, p_body jsonb DEFAULT '{}')
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT format('SELECT pgrst_test.rpc(%L, %L, %L, %L)', p_role, p_claims, p_fn, p_body)
$$;

CREATE FUNCTION pgrst_test.as_caller_sql(p_role text, p_claims jsonb, p_sql text)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT format('SELECT pgrst_test.as_caller(%L, %L, %L)', p_role, p_claims, p_sql)
$$;

-- The error p_sql raises, as 'SQLSTATE MESSAGE | detail | hint' (what supabase-js shows as
-- error.code, error.message, error.details, error.hint), or 'no error'. For comparing a
-- PostgREST-shaped call with the direct call field by field.
CREATE FUNCTION pgrst_test.error_of(p_sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v_state text;
  v_message text;
  v_detail text;
  v_hint text;
BEGIN
  EXECUTE p_sql;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT,
                          v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
  RETURN v_state || ' ' || v_message || ' | ' || COALESCE(v_detail, '') || ' | ' || COALESCE(v_hint, '');
END
$$;
