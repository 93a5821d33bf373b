-- Schema security (ARCHITECTURE.md §3), read from the catalogs: RLS on every table, read-only
-- policies, no table or function reachable by PUBLIC, every app function a pinned
-- SECURITY DEFINER C function, nothing of the extension outside app/audit/sec.
\ir lib/setup.sql
SELECT plan(24);

-- Tables of app and audit, partitions included.
CREATE TEMP VIEW mps_tables AS
SELECT c.oid, c.oid::regclass AS rel, c.relkind, c.relispartition, c.relrowsecurity, c.relacl, c.relowner
  FROM pg_class c
 WHERE c.relnamespace IN ('app'::regnamespace, 'audit'::regnamespace) AND c.relkind IN ('r', 'p');

SELECT cmp_ok((SELECT count(*) FROM mps_tables WHERE relispartition), '>=', 4::bigint,
              'app.transactions has its monthly partitions');
SELECT is_empty($$ SELECT rel::text FROM mps_tables WHERE NOT relrowsecurity $$,
                'every table and partition in app and audit has row-level security enabled');

-- Read-only policies only: no INSERT / UPDATE / DELETE / ALL policy anywhere.
SELECT isnt_empty($$ SELECT 1 FROM pg_policy p JOIN mps_tables t ON t.oid = p.polrelid $$,
                  'read policies exist');
SELECT is_empty($$
  SELECT format('%s: policy %s FOR %s', t.rel, p.polname,
                CASE p.polcmd WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END)
    FROM pg_policy p JOIN mps_tables t ON t.oid = p.polrelid
   WHERE p.polcmd <> 'r' $$,
  'no INSERT, UPDATE, DELETE or ALL policy on any table of app or audit');

-- Table privileges: nothing for PUBLIC; nobody but the owner holds more than SELECT.
SELECT is_empty($$
  SELECT format('%s: %s for PUBLIC', t.rel, a.privilege_type)
    FROM mps_tables t, aclexplode(t.relacl) a WHERE a.grantee = 0 $$,
  'PUBLIC holds no privilege on any table of app or audit');
SELECT is_empty($$
  SELECT format('%s: %s for %s', t.rel, a.privilege_type, a.grantee::regrole)
    FROM mps_tables t, aclexplode(t.relacl) a
   WHERE a.grantee <> t.relowner AND a.privilege_type <> 'SELECT' $$,
  'no role but the owner may write (or TRUNCATE, REFERENCE, TRIGGER) any table of app or audit');
SELECT is_empty($$
  SELECT format('%s: %s for %s', c.oid::regclass, a.privilege_type,
                CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END)
    FROM pg_class c, aclexplode(c.relacl) a
   WHERE c.relnamespace IN ('app'::regnamespace, 'audit'::regnamespace) AND c.relkind = 'S'
     AND a.grantee <> c.relowner $$,
  'no role but the owner may use the sequences of app and audit');

-- Schemas: no USAGE for PUBLIC on app, audit, sec; anon and authenticated do not see audit.
SELECT is_empty($$
  SELECT format('%s: %s for %s', n.nspname, p.privilege, r.rolname)
    FROM unnest(ARRAY['app', 'audit', 'sec']) n(nspname),
         unnest(ARRAY['public', 'anon', 'authenticated']) r(rolname),
         unnest(ARRAY['USAGE', 'CREATE']) p(privilege)
   WHERE (r.rolname = 'public' OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.rolname))
     AND (r.rolname = 'public' OR n.nspname = 'audit' OR p.privilege = 'CREATE')
     AND has_schema_privilege(r.rolname, n.nspname, p.privilege) $$,
  'PUBLIC has no USAGE or CREATE on app, audit, sec; anon/authenticated cannot reach audit or create objects');

-- Schema archive (archived months' tables) is no API role's at all, not even service_role's.
SELECT is_empty($$
  SELECT format('archive: %s for %s', p.privilege, r.rolname)
    FROM unnest(ARRAY['public', 'anon', 'authenticated', 'service_role']) r(rolname),
         unnest(ARRAY['USAGE', 'CREATE']) p(privilege)
   WHERE (r.rolname = 'public' OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.rolname))
     AND has_schema_privilege(r.rolname, 'archive', p.privilege) $$,
  'no API role (nor PUBLIC) has USAGE or CREATE on schema archive');
-- Monitoring views (schema monitor): service_role only, schema and views.
SELECT isnt_empty($$ SELECT 1 FROM pg_class WHERE relnamespace = 'monitor'::regnamespace AND relkind = 'v' $$,
                  'monitor has views');
SELECT is_empty($$
  SELECT format('%s: SELECT for %s', c.oid::regclass, r.rolname)
    FROM pg_class c, unnest(ARRAY['public', 'anon', 'authenticated', 'service_role']) r(rolname)
   WHERE c.relnamespace = 'monitor'::regnamespace
     AND (r.rolname = 'public' OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.rolname))
     AND (has_table_privilege(r.rolname, c.oid, 'SELECT') <> (r.rolname = 'service_role')
          OR has_table_privilege(r.rolname, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))
   UNION ALL
  SELECT format('monitor: USAGE for %s', r.rolname)
    FROM unnest(ARRAY['public', 'anon', 'authenticated', 'service_role']) r(rolname)
   WHERE (r.rolname = 'public' OR EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.rolname))
     AND has_schema_privilege(r.rolname, 'monitor', 'USAGE') <> (r.rolname = 'service_role') $$,
  'the monitoring views are readable by service_role and nobody else (and writable by nobody)');

-- Functions: nothing executable by PUBLIC (a NULL proacl means the default: PUBLIC may execute).
SELECT isnt_empty($$ SELECT 1 FROM pg_proc WHERE pronamespace = 'app'::regnamespace $$,
                  'app has functions');
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'app'::regnamespace
     AND (p.proacl IS NULL
          OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')) $$,
  'no function in app is executable by PUBLIC');
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'app'::regnamespace AND has_function_privilege('public', p.oid, 'EXECUTE') $$,
  'has_function_privilege agrees: PUBLIC executes nothing in app');
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace IN ('sec'::regnamespace, 'audit'::regnamespace)
     AND (p.proacl IS NULL
          OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')) $$,
  'no function in sec or audit is executable by PUBLIC');

SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'app'::regnamespace AND NOT p.prosecdef $$,
  'every function in app is SECURITY DEFINER');
SELECT is_empty($$
  SELECT format('%s is LANGUAGE %s', p.oid::regprocedure, l.lanname) FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
   WHERE p.pronamespace = 'app'::regnamespace AND l.lanname <> 'c' $$,
  'every function in app is LANGUAGE c');
-- A pinned search_path names only trusted schemas and puts pg_temp last (else pg_temp is
-- searched first for relations, which a SECURITY DEFINER function must never allow).
SELECT is_empty($$
  SELECT format('%s: %s', p.oid::regprocedure, COALESCE(array_to_string(p.proconfig, '; '), 'no SET clause'))
    FROM pg_proc p
   WHERE (p.pronamespace = 'app'::regnamespace OR p.prosecdef)
     AND p.pronamespace IN ('app'::regnamespace, 'sec'::regnamespace, 'audit'::regnamespace)
     AND NOT EXISTS (
           SELECT 1 FROM unnest(p.proconfig) s(setting)
            WHERE s.setting LIKE 'search\_path=%'
              AND regexp_split_to_array(substr(s.setting, 13), ',\s*')
                  <@ ARRAY['pg_catalog', 'app', 'audit', 'sec', 'pg_temp']
              AND (regexp_split_to_array(substr(s.setting, 13), ',\s*'))[
                    array_length(regexp_split_to_array(substr(s.setting, 13), ',\s*'), 1)] = 'pg_temp') $$,
  'every app function and every SECURITY DEFINER function pins search_path to trusted schemas, pg_temp last');

-- RPCs run with row_security on whatever the caller set: a caller's row_security = off must not
-- make the install-time "restoring a dump" rule (sec.restoring()) skip work inside an RPC.
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'app'::regnamespace AND NOT ('row_security=on' = ANY (coalesce(p.proconfig, '{}'))) $$,
  'every function in app pins row_security = on');

-- Secrets are not readable by the API roles, not even on rows the policies show them.
SELECT is_empty($$
  SELECT format('%s.%s readable by %s', s.tbl, s.col, r.rolname)
    FROM (VALUES ('app.member_profiles', 'password_hash'), ('app.member_cards', 'binding_password_hash'),
                 ('app.card_qr_state', 'token_digest'), ('app.card_qr_history', 'token_digest')) AS s (tbl, col),
         pg_roles r
   WHERE r.rolname IN ('anon', 'authenticated', 'service_role')
     AND has_column_privilege(r.rolname, s.tbl, s.col, 'SELECT') $$,
  'no API role may read password hashes or QR token digests');
SELECT ok(has_column_privilege('authenticated', 'app.member_cards', 'balance', 'SELECT')
          AND has_column_privilege('authenticated', 'app.member_profiles', 'member_no', 'SELECT')
          AND has_column_privilege('authenticated', 'app.card_qr_state', 'expires_at', 'SELECT'),
          'authenticated still reads the other columns of those tables');

-- The extension's objects live in app, audit and sec; nothing in public.
SELECT is_empty($$
  SELECT pg_describe_object(d.classid, d.objid, d.objsubid)
    FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'mps'
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
     AND (pg_identify_object(d.classid, d.objid, d.objsubid)).schema = 'public' $$,
  'the extension created nothing in schema public');
SELECT is_empty($$
  SELECT pg_describe_object(d.classid, d.objid, d.objsubid)
    FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'mps'
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
     AND (pg_identify_object(d.classid, d.objid, d.objsubid)).schema NOT IN ('app', 'audit', 'sec', 'monitor') $$,
  'every schema-bound object of the extension is in app, audit, sec or monitor (the monitoring views)');

-- The ledger checker finds nothing on a freshly installed database.
SELECT is_empty($$ SELECT * FROM app.verify_ledger() $$, 'app.verify_ledger() reports no violation');

SELECT * FROM finish();
ROLLBACK;
