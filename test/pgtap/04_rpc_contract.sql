-- The RPC contract between mps.so and the SQL declarations (CONTRIBUTING.md): every C function
-- the extension declares names an entry point of the installed library with the same
-- parameter names in the same positions, every entry point is declared, every function in app
-- carries a COMMENT, and the library knows exactly the labels of the SQL enums it reads.
-- (The README rows, error codes and file pairing are checked by test/contract.sh.)
\ir lib/setup.sql
SELECT plan(7);

-- C functions of the extension: symbol, input parameter names in order.
CREATE TEMP VIEW declared AS
SELECT p.oid::regprocedure::text AS function, p.prosrc AS symbol,
       COALESCE(ARRAY(SELECT p.proargnames[i]
                        FROM generate_subscripts(p.proargnames, 1) AS i
                       WHERE p.proargmodes IS NULL OR p.proargmodes[i] IN ('i', 'b', 'v')
                       ORDER BY i), '{}') AS arg_names
  FROM pg_proc p
  JOIN pg_language l ON l.oid = p.prolang AND l.lanname = 'c'
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'mps';
CREATE TEMP TABLE library AS SELECT * FROM app.library_entry_points();

SELECT cmp_ok((SELECT count(*) FROM declared), '>=', 20::bigint, 'the extension declares its C functions');
SELECT is_empty($$
  SELECT format('%s: declared with %s, mps.so knows %s', d.function, d.arg_names,
                COALESCE(l.arg_names::text, 'no such entry point'))
    FROM declared d LEFT JOIN library l USING (symbol)
   WHERE l.arg_names IS DISTINCT FROM d.arg_names $$,
  'every C function is declared with the parameter names and positions its MPS_ENTRY declares');
SELECT is_empty($$
  SELECT l.symbol FROM library l WHERE NOT EXISTS (SELECT 1 FROM declared d WHERE d.symbol = l.symbol) $$,
  'every entry point of mps.so is declared by the extension (no orphan C function)');
SELECT is_empty($$
  SELECT d.function FROM declared d JOIN pg_proc p ON p.oid = d.function::regprocedure
   WHERE p.probin <> '$libdir/mps' $$,
  'every C function is loaded from $libdir/mps');

-- Every function in app (the API) is documented in the catalog.
SELECT is_empty($$
  SELECT p.oid::regprocedure::text FROM pg_proc p
   WHERE p.pronamespace = 'app'::regnamespace AND COALESCE(btrim(obj_description(p.oid, 'pg_proc')), '') = '' $$,
  'every function in app has a COMMENT');

-- The labels of every SQL enum mps.so reads, in order.
SELECT is_empty($$
  SELECT format('%s: SQL has %s, mps.so knows %s', l.sql_type,
                ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = l.sql_type::regtype ORDER BY e.enumsortorder),
                l.labels)
    FROM app.library_labels() l
   WHERE l.labels IS DISTINCT FROM
         ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = l.sql_type::regtype ORDER BY e.enumsortorder) $$,
  'mps.so knows exactly the labels of each SQL enum it reads, in order');
SELECT cmp_ok((SELECT count(*) FROM app.library_labels()), '>=', 8::bigint, 'the enums mps.so reads are listed');

SELECT * FROM finish();
ROLLBACK;
