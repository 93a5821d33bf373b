-- CREATE EXTENSION mps (made by pg_regress --load-extension=mps, as for every test of the
-- schedule, so each one can also run alone): schemas, tables, monthly transaction partitions
-- and their unique indexes, and the tables pg_dump keeps as user data. The output does not
-- depend on today's date: partition names are compared with names generated from now().

-- The schemas of the extension (app, audit, sec, and archive for archived months), and nothing in public.
SELECT n.nspname
  FROM pg_namespace n
  JOIN pg_depend d ON d.classid = 'pg_namespace'::regclass AND d.objid = n.oid
   AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'mps'
 ORDER BY 1;
SELECT count(*) AS objects_in_public
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'mps'
 WHERE d.deptype = 'e'
   AND pg_describe_object(d.classid, d.objid, 0) ~ '(^|\s)public\.';

-- Tables of app and audit (partitions listed below), with RLS on.
SELECT c.oid::regclass AS table_name, c.relkind, c.relrowsecurity AS rls
  FROM pg_class c
 WHERE c.relnamespace IN ('app'::regnamespace, 'audit'::regnamespace)
   AND c.relkind IN ('r', 'p') AND NOT c.relispartition
 ORDER BY c.oid::regclass::text;

-- Monthly partitions: exactly the current UTC month and the next three.
CREATE TEMP VIEW expected_partitions AS
SELECT i AS months_ahead,
       format('transactions_y%sm%s', to_char(m, 'YYYY'), to_char(m, 'MM')) AS name,
       m::timestamp AT TIME ZONE 'UTC' AS lower_bound,
       (m + interval '1 month')::timestamp AT TIME ZONE 'UTC' AS upper_bound
  FROM generate_series(0, 3) i,
       LATERAL (SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i))::date AS m) s;
CREATE TEMP VIEW actual_partitions AS
SELECT c.oid, c.relname::text AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
       c.relrowsecurity AS rls
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'app.transactions'::regclass;

SELECT e.months_ahead, a.name IS NOT NULL AS exists,
       a.bound = format('FOR VALUES FROM (%L) TO (%L)', e.lower_bound, e.upper_bound) AS bounds_are_the_utc_month,
       a.rls
  FROM expected_partitions e LEFT JOIN actual_partitions a USING (name)
 ORDER BY 1;
SELECT count(*) AS unexpected_partitions
  FROM actual_partitions a WHERE a.name NOT IN (SELECT name FROM expected_partitions);

-- Indexes of every partition (month shown as YYYYmMM): the unique ones of ARCHITECTURE.md §2 (id, tx_no, merchant order id)
-- plus the inherited query indexes; each must exist on all four partitions.
SELECT regexp_replace(pg_get_indexdef(x.indexrelid), 'y\d{4}m\d{2}', 'yYYYYmMM', 'g') AS index_definition,
       count(*) AS partitions
  FROM actual_partitions a JOIN pg_index x ON x.indrelid = a.oid
 GROUP BY 1
 ORDER BY 1;

-- A row lands in the partition of its UTC month. A tx_no is unique across every month through
-- app.tx_registry's key (the partitions have no tx_no index: issue #15): a second claim of a
-- number is refused, and a transaction row written past the registry is what
-- app.verify_ledger() reports.
BEGIN;
INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status, created_at)
SELECT gen_random_uuid(), 'RCGTEST1', 'recharge', gen_random_uuid(), 1, 1, 'completed', lower_bound
  FROM expected_partitions WHERE months_ahead = 1;
SELECT tableoid::regclass::text = (SELECT 'app.' || name FROM expected_partitions WHERE months_ahead = 1) AS routed_to_its_month
  FROM app.transactions WHERE tx_no = 'RCGTEST1';
INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id)
SELECT tx_no, id, created_at, tx_type, card_id FROM app.transactions WHERE tx_no = 'RCGTEST1';
DO $$
BEGIN
  INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id)
  VALUES ('RCGTEST1', gen_random_uuid(), now(), 'recharge', gen_random_uuid());
  RAISE NOTICE 'duplicate tx_no accepted';
EXCEPTION WHEN unique_violation THEN
  RAISE NOTICE 'unique_violation: %', SQLERRM;
END
$$;
INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status, created_at)
SELECT gen_random_uuid(), 'RCGTEST1', 'recharge', gen_random_uuid(), 1, 1, 'completed', upper_bound - interval '1 second'
  FROM expected_partitions WHERE months_ahead = 1;
SELECT invariant, object_id, detail FROM app.verify_ledger() WHERE invariant = 'tx_registry';
ROLLBACK;

-- pg_dump keeps the rows of these tables and sequences (pg_extension_config_dump), each with
-- an empty filter (all rows).
SELECT regexp_replace(t::regclass::text, 'y\d{4}m\d{2}$', 'yYYYYmMM') AS dumped_relation,
       count(*) AS relations, bool_and(cond = '') AS all_rows
  FROM pg_extension e,
       LATERAL unnest(e.extconfig, e.extcondition) AS u(t, cond)
 WHERE e.extname = 'mps'
 GROUP BY 1
 ORDER BY 1;
-- Partitions are ordinary tables, not extension members, so pg_dump keeps their definition and
-- rows (and a restore never collides with what CREATE EXTENSION makes).
SELECT count(*) AS partitions_in_extension
  FROM actual_partitions a
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = a.oid AND d.deptype = 'e';

-- The default level ladder, and a healthy ledger.
SELECT level, name, min_points, max_points, discount FROM app.membership_levels ORDER BY level;
SELECT count(*) AS ledger_violations FROM app.verify_ledger();
