-- The last step of install and of every upgrade: partitions for the current month and the
-- next three (a restore brings its own), what pg_dump must keep, and the privileges.

SELECT sec.ensure_transaction_partitions(3) WHERE NOT sec.restoring();

-- Rows of the extension's tables and sequences are user data: pg_dump dumps them although
-- they belong to the extension. Every table and sequence of app and audit that is a member of
-- the extension is registered, read from the catalog (no list to keep in step). The
-- partitioned app.transactions is not: its partitions are ordinary tables, not members, which
-- pg_dump keeps anyway. One call per relation: each updates pg_extension.
CREATE OR REPLACE FUNCTION sec.register_user_data() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t regclass;
BEGIN
  FOR t IN
    SELECT c.oid::regclass
      FROM pg_class c
      JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
      JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'mps'
     WHERE c.relnamespace IN ('app'::regnamespace, 'audit'::regnamespace) AND c.relkind IN ('r', 'S')
     ORDER BY c.oid::regclass::text
  LOOP
    PERFORM pg_extension_config_dump(t, '');
  END LOOP;
END
$$;
SELECT sec.register_user_data();

-- Last, when every object exists (functions made after it would keep PUBLIC's EXECUTE).
SELECT sec.apply_privileges();
