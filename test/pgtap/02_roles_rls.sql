-- Roles and row-level security (ARCHITECTURE.md §3), exercised as the API roles PostgREST switches to:
--  * no role but the owner writes any table of app or audit: INSERT, UPDATE, DELETE and
--    TRUNCATE fail with 42501 for anon, authenticated (with or without an identity) and
--    service_role, on every table and partition;
--  * reads return only what the policies allow: anon reads the level ladder and nothing else;
--    a signed-in user who owns nothing sees no row anywhere but the ladder; members see their
--    own profile, cards, bindings, QR rows, transactions and points; cashiers see their
--    merchant; service_role bypasses RLS; a forged "role" claim changes nothing.
-- Rows are seeded by lib/seed.sql so that every table holds rows that could leak.
\ir lib/setup.sql
\ir lib/seed.sql

-- Every table and partition of app and audit, a column an UPDATE can name, and its row count
-- as the superuser sees it.
CREATE TEMP TABLE rls_tables AS
SELECT c.oid::regclass AS rel, c.relispartition AS is_partition,
       c.relnamespace = 'audit'::regnamespace AS in_audit,
       (SELECT quote_ident(a.attname) FROM pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           AND a.attidentity = '' AND a.attgenerated = ''
         ORDER BY a.attnum LIMIT 1) AS some_column,
       (xpath('/row/n/text()',
              query_to_xml(format('SELECT count(*) AS n FROM %s', c.oid::regclass), false, true, '')))[1]::text::bigint
         AS all_rows
  FROM pg_class c
 WHERE c.relnamespace IN ('app'::regnamespace, 'audit'::regnamespace) AND c.relkind IN ('r', 'p');

CREATE TEMP TABLE write_ops (ord int, op text, sql text);
INSERT INTO write_ops VALUES
  (1, 'INSERT', 'INSERT INTO %1$s DEFAULT VALUES'),
  (2, 'UPDATE', 'UPDATE %1$s SET %2$s = %2$s'),
  (3, 'DELETE', 'DELETE FROM %1$s'),
  (4, 'TRUNCATE', 'TRUNCATE %1$s');

-- Who reads what. Personas not listed for a table see 0 rows of it, if they may read it at all:
-- anon reads only the ladder; authenticated reads app (not audit, not partitions directly);
-- service_role reads app and audit, every row.
CREATE TEMP TABLE personas (persona text PRIMARY KEY);
INSERT INTO personas VALUES ('anon'), ('anon_forged'), ('nobody'), ('forged'), ('alice'), ('bob'),
                            ('staff'), ('service_role');
CREATE TEMP TABLE expected_visible (persona text, rel regclass, n bigint);
INSERT INTO expected_visible VALUES
  ('alice', 'app.member_profiles', 1), ('alice', 'app.member_external_identities', 1),
  ('alice', 'app.member_cards', 2), ('alice', 'app.card_bindings', 2),
  ('alice', 'app.card_qr_state', 1), ('alice', 'app.card_qr_history', 1),
  ('alice', 'app.transactions', 2), ('alice', 'app.point_ledger', 1), ('alice', 'app.recharge_orders', 1),
  ('bob', 'app.member_profiles', 1), ('bob', 'app.member_cards', 2), ('bob', 'app.card_bindings', 2),
  ('staff', 'app.merchants', 1), ('staff', 'app.merchant_users', 1), ('staff', 'app.settlements', 1),
  ('staff', 'app.merchant_topup_days', 1),
  ('staff', 'app.transactions', 1),
  -- The organisation directory is every signed-in user's; a membership its member's; a
  -- partnership its verified members' and the merchant's staff's.
  ('nobody', 'app.organizations', 1), ('forged', 'app.organizations', 1), ('alice', 'app.organizations', 1),
  ('bob', 'app.organizations', 1), ('staff', 'app.organizations', 1),
  ('alice', 'app.user_organizations', 1), ('alice', 'app.organization_merchant_partnerships', 1),
  ('staff', 'app.organization_merchant_partnerships', 1);
CREATE TEMP VIEW reads AS
SELECT p.persona, t.rel,
       NOT t.is_partition
         AND (p.persona = 'service_role' OR NOT t.in_audit)
         AND (p.persona NOT IN ('anon', 'anon_forged') OR t.rel = 'app.membership_levels'::regclass) AS readable,
       CASE WHEN p.persona = 'service_role' OR t.rel = 'app.membership_levels'::regclass THEN t.all_rows
            ELSE COALESCE(e.n, 0) END AS want
  FROM personas p CROSS JOIN rls_tables t
  LEFT JOIN expected_visible e ON e.persona = p.persona AND e.rel = t.rel;
GRANT SELECT ON rls_tables, write_ops, personas, expected_visible, reads TO PUBLIC;

-- Writes by 4 personas, reads by 8, on every table; plus 3 checks of the seed and the ledger.
SELECT plan((SELECT (4 * 4 + 8)::int * count(*)::int + 3 FROM rls_tables));

SELECT is_empty($$ SELECT rel::text FROM rls_tables WHERE all_rows = 0 AND NOT is_partition $$,
                'the seed put rows into every table of app and audit');
SELECT is((SELECT count(*) FROM app.membership_levels), 4::bigint, 'the default ladder has 4 levels');

\set claims_nobody '{"sub":"' :nobody_user '","role":"authenticated"}'
\set claims_forged '{"sub":"' :nobody_user '","role":"service_role"}'
\set claims_anon_forged '{"sub":"' :alice_user '","role":"service_role"}'
\set claims_alice '{"sub":"' :alice_user '","role":"authenticated"}'
\set claims_bob '{"sub":"' :bob_user '","role":"authenticated"}'
\set claims_staff '{"sub":"' :staff_user '","role":"authenticated"}'

-- ---------------------------------------------------------------- anon
SET LOCAL ROLE anon;
SELECT throws_ok(format(w.sql, t.rel, t.some_column), '42501', NULL,
                 format('anon: %s on %s is denied', w.op, t.rel))
  FROM rls_tables t, write_ops w ORDER BY t.rel::text, w.ord;
SELECT CASE WHEN r.readable
            THEN results_eq(format('SELECT count(*) FROM %s', r.rel), ARRAY[r.want],
                            format('anon sees %s row(s) of %s', r.want, r.rel))
            ELSE throws_ok(format('SELECT count(*) FROM %s', r.rel), '42501', NULL,
                           format('anon may not read %s', r.rel)) END
  FROM reads r WHERE r.persona = 'anon' ORDER BY r.rel::text;
RESET ROLE;

-- ---------------------------------------------------------------- anon with forged claims
SET LOCAL ROLE anon;
SET LOCAL request.jwt.claims = :'claims_anon_forged';
SELECT CASE WHEN r.readable
            THEN results_eq(format('SELECT count(*) FROM %s', r.rel), ARRAY[r.want],
                            format('anon claiming service_role sees %s row(s) of %s', r.want, r.rel))
            ELSE throws_ok(format('SELECT count(*) FROM %s', r.rel), '42501', NULL,
                           format('anon claiming service_role may not read %s', r.rel)) END
  FROM reads r WHERE r.persona = 'anon_forged' ORDER BY r.rel::text;
RESET ROLE;

-- ---------------------------------------------------------------- authenticated, owns nothing
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = :'claims_nobody';
SELECT throws_ok(format(w.sql, t.rel, t.some_column), '42501', NULL,
                 format('authenticated nobody: %s on %s is denied', w.op, t.rel))
  FROM rls_tables t, write_ops w ORDER BY t.rel::text, w.ord;
SELECT CASE WHEN r.readable
            THEN results_eq(format('SELECT count(*) FROM %s', r.rel), ARRAY[r.want],
                            format('authenticated nobody sees %s row(s) of %s', r.want, r.rel))
            ELSE throws_ok(format('SELECT count(*) FROM %s', r.rel), '42501', NULL,
                           format('authenticated nobody may not read %s', r.rel)) END
  FROM reads r WHERE r.persona = 'nobody' ORDER BY r.rel::text;
RESET ROLE;

-- ---------------------------------------------------------------- authenticated, forged role claim
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = :'claims_forged';
SELECT CASE WHEN r.readable
            THEN results_eq(format('SELECT count(*) FROM %s', r.rel), ARRAY[r.want],
                            format('authenticated claiming service_role sees %s row(s) of %s', r.want, r.rel))
            ELSE throws_ok(format('SELECT count(*) FROM %s', r.rel), '42501', NULL,
                           format('authenticated claiming service_role may not read %s', r.rel)) END
  FROM reads r WHERE r.persona = 'forged' ORDER BY r.rel::text;
RESET ROLE;

-- ---------------------------------------------------------------- Alice, a member
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = :'claims_alice';
SELECT throws_ok(format(w.sql, t.rel, t.some_column), '42501', NULL,
                 format('member Alice: %s on %s is denied', w.op, t.rel))
  FROM rls_tables t, write_ops w ORDER BY t.rel::text, w.ord;
SELECT CASE WHEN r.readable
            THEN results_eq(format('SELECT count(*) FROM %s', r.rel), ARRAY[r.want],
                            format('member Alice sees %s row(s) of %s', r.want, r.rel))
            ELSE throws_ok(format('SELECT count(*) FROM %s', r.rel), '42501', NULL,
                           format('member Alice may not read %s', r.rel)) END
  FROM reads r WHERE r.persona = 'alice' ORDER BY r.rel::text;
RESET ROLE;

-- ---------------------------------------------------------------- Bob, bound to Alice's prepaid card
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = :'claims_bob';
SELECT CASE WHEN r.readable
            THEN results_eq(format('SELECT count(*) FROM %s', r.rel), ARRAY[r.want],
                            format('member Bob sees %s row(s) of %s', r.want, r.rel))
            ELSE throws_ok(format('SELECT count(*) FROM %s', r.rel), '42501', NULL,
                           format('member Bob may not read %s', r.rel)) END
  FROM reads r WHERE r.persona = 'bob' ORDER BY r.rel::text;
RESET ROLE;

-- ---------------------------------------------------------------- a cashier of SHOP1
SET LOCAL ROLE authenticated;
SET LOCAL request.jwt.claims = :'claims_staff';
SELECT CASE WHEN r.readable
            THEN results_eq(format('SELECT count(*) FROM %s', r.rel), ARRAY[r.want],
                            format('cashier sees %s row(s) of %s', r.want, r.rel))
            ELSE throws_ok(format('SELECT count(*) FROM %s', r.rel), '42501', NULL,
                           format('cashier may not read %s', r.rel)) END
  FROM reads r WHERE r.persona = 'staff' ORDER BY r.rel::text;
RESET ROLE;

-- ---------------------------------------------------------------- service_role
SET LOCAL ROLE service_role;
SET LOCAL request.jwt.claims = '{"role":"service_role"}';
SELECT throws_ok(format(w.sql, t.rel, t.some_column), '42501', NULL,
                 format('service_role: %s on %s is denied', w.op, t.rel))
  FROM rls_tables t, write_ops w ORDER BY t.rel::text, w.ord;
SELECT CASE WHEN r.readable
            THEN results_eq(format('SELECT count(*) FROM %s', r.rel), ARRAY[r.want],
                            format('service_role sees all %s row(s) of %s', r.want, r.rel))
            ELSE throws_ok(format('SELECT count(*) FROM %s', r.rel), '42501', NULL,
                           format('service_role may not read %s directly', r.rel)) END
  FROM reads r WHERE r.persona = 'service_role' ORDER BY r.rel::text;
RESET ROLE;

SELECT is_empty($$ SELECT * FROM app.verify_ledger() $$, 'app.verify_ledger() reports no violation');
SELECT * FROM finish();
ROLLBACK;
