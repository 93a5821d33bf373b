-- A server whose default privileges hand everything out (Supabase's advice for an exposed
-- schema is ALTER DEFAULT PRIVILEGES ... GRANT ALL ON TABLES TO anon, authenticated,
-- service_role): mps installed there, and partitions made there later, end up with exactly
-- the privileges of a clean install. RLS does not stop TRUNCATE, and service_role bypasses
-- it, so one stray grant on a partition would expose the money rows.
\ir lib/setup.sql
SELECT plan(8);

-- Every privilege on the extension's schemas, tables, partitions (as one), sequences, columns
-- and functions; a NULL ACL is spelled out as the default it stands for.
-- (Schemas by name, not 'app'::regnamespace: the view must outlive DROP EXTENSION.)
CREATE TEMP VIEW mps_acl AS
WITH obj AS (
  SELECT 'relation' AS kind,
         CASE WHEN c.relispartition THEN 'partition of app.transactions' ELSE c.oid::regclass::text END AS object,
         coalesce(c.relacl, acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner)) AS acl
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname IN ('app', 'audit') AND c.relkind IN ('r', 'p', 'S')
  UNION ALL
  SELECT 'column', format('%s.%s', c.oid::regclass, a.attname), a.attacl
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
   WHERE n.nspname IN ('app', 'audit') AND a.attacl IS NOT NULL
  UNION ALL
  SELECT 'function', p.oid::regprocedure::text, coalesce(p.proacl, acldefault('f'::"char", p.proowner))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname IN ('app', 'audit', 'sec')
  UNION ALL
  SELECT 'schema', n.nspname, coalesce(n.nspacl, acldefault('n'::"char", n.nspowner))
    FROM pg_namespace n WHERE n.nspname IN ('app', 'audit', 'sec', 'archive'))
SELECT DISTINCT o.kind, o.object,
       CASE e.grantee WHEN 0 THEN 'PUBLIC' ELSE e.grantee::regrole::text END AS grantee, e.privilege_type
  FROM obj o, aclexplode(o.acl) e;

CREATE TEMP TABLE acl_clean AS SELECT * FROM mps_acl;
SELECT cmp_ok((SELECT count(*) FROM acl_clean), '>', 0::bigint, 'the clean install has privileges to compare');

ALTER DEFAULT PRIVILEGES GRANT ALL ON TABLES TO PUBLIC, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES GRANT ALL ON SEQUENCES TO PUBLIC, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES GRANT ALL ON FUNCTIONS TO PUBLIC, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES GRANT ALL ON SCHEMAS TO PUBLIC, anon, authenticated, service_role;
DROP EXTENSION mps CASCADE;
CREATE EXTENSION mps;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT ALL ON TABLES TO anon, authenticated, service_role;
SELECT cmp_ok(app.ensure_partitions(6), '>', 0, 'ensure_partitions made new partitions under those defaults');

SELECT set_eq('SELECT * FROM mps_acl', 'SELECT * FROM acl_clean',
              'installed and partitioned under grant-everything defaults: the privileges of a clean install');
-- A month archived under those defaults: its table in schema archive grants nothing to anyone.
SELECT sec.ensure_transaction_partition((date_trunc('month', now() AT TIME ZONE 'UTC') - interval '14 months')::date) AS made \gset
SELECT count(*) AS archived FROM app.archive_partitions(12) \gset
SELECT is_empty($$
  SELECT format('%s: %s for %s', c.oid::regclass, a.privilege_type,
                CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END)
    FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
   WHERE c.relnamespace = 'archive'::regnamespace AND a.grantee <> c.relowner $$,
  'an archived month''s table grants nothing to PUBLIC or the API roles');

SELECT max(c.oid::regclass::text) AS newest FROM pg_class c
 WHERE c.relispartition AND c.relnamespace = 'app'::regnamespace \gset
SET LOCAL ROLE anon;
SELECT throws_ok(format('TRUNCATE %s', :'newest'), '42501', NULL, 'anon cannot TRUNCATE the newest partition');
RESET ROLE;
SET LOCAL ROLE authenticated;
SELECT throws_ok(format('TRUNCATE %s', :'newest'), '42501', NULL, 'authenticated cannot TRUNCATE the newest partition');
SELECT throws_ok('SELECT password_hash FROM app.member_profiles', '42501', NULL,
                 'authenticated cannot read password hashes, whatever the defaults');
RESET ROLE;
SET LOCAL ROLE service_role;
SELECT throws_ok(format('DELETE FROM %s', :'newest'), '42501', NULL, 'service_role cannot DELETE from the newest partition');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
