-- The extension's catalog as sorted text lines, for comparing an upgraded database with a
-- fresh install (test/upgrade.sh): functions with their signature, volatility, security,
-- settings, body, defaults, grants and comments; tables, partitions, columns, constraints,
-- indexes, triggers, policies, grants; types, sequences, schemas; extension membership and the
-- relations pg_dump keeps. OIDs, sequence positions and row contents are left out.
\pset tuples_only on
\pset format unaligned
WITH acl AS (
  SELECT o.id, string_agg(g.entry, ',' ORDER BY g.entry COLLATE "C") AS txt
    FROM (SELECT 'f' || p.oid AS id, coalesce(p.proacl, acldefault('f', p.proowner)) AS a FROM pg_proc p
          UNION ALL
          SELECT 'r' || c.oid, coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's'::"char" ELSE 'r'::"char" END, c.relowner))
            FROM pg_class c
          UNION ALL
          SELECT 'n' || n.oid, coalesce(n.nspacl, acldefault('n', n.nspowner)) FROM pg_namespace n) o,
         aclexplode(o.a) e,
         LATERAL (SELECT format('%s=%s%s', CASE e.grantee WHEN 0 THEN 'PUBLIC' ELSE e.grantee::regrole::text END,
                                e.privilege_type, CASE WHEN e.is_grantable THEN '*' ELSE '' END) AS entry) g
   GROUP BY o.id),
mps_ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname IN ('app', 'audit', 'sec', 'archive'))
SELECT line FROM (
  -- schemas
  SELECT format('schema %s acl=%s comment=%s', n.nspname, a.txt, obj_description(n.oid, 'pg_namespace')) AS line
    FROM mps_ns n LEFT JOIN acl a ON a.id = 'n' || n.oid
  UNION ALL
  -- functions
  SELECT format('function %s lang=%s vol=%s secdef=%s strict=%s set=%s returns=%s%s config=%s probin=%s src=%s args=%s modes=%s defaults=%s acl=%s comment=%s',
                p.oid::regprocedure, l.lanname, p.provolatile, p.prosecdef, p.proisstrict, p.proretset,
                format_type(p.prorettype, NULL), CASE WHEN p.prokind <> 'f' THEN ' kind=' || p.prokind::text ELSE '' END,
                p.proconfig, p.probin, CASE WHEN l.lanname = 'c' THEN p.prosrc ELSE md5(p.prosrc) END,
                p.proargnames, p.proargmodes, pg_get_expr(p.proargdefaults, 0), a.txt, obj_description(p.oid, 'pg_proc'))
    FROM pg_proc p JOIN mps_ns n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
    LEFT JOIN acl a ON a.id = 'f' || p.oid
  UNION ALL
  -- relations (tables, partitions, sequences, views, indexes as relations)
  SELECT format('relation %s kind=%s rls=%s force=%s options=%s partition=%s bound=%s acl=%s comment=%s',
                c.oid::regclass, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.reloptions, c.relispartition,
                pg_get_expr(c.relpartbound, c.oid), a.txt, obj_description(c.oid, 'pg_class'))
    FROM pg_class c JOIN mps_ns n ON n.oid = c.relnamespace LEFT JOIN acl a ON a.id = 'r' || c.oid
   WHERE c.relkind IN ('r', 'p', 'S', 'v', 'm')
  UNION ALL
  -- columns, in order (dropped ones skipped)
  SELECT format('column %s #%s %s %s notnull=%s default=%s identity=%s generated=%s acl=%s comment=%s',
                c.oid::regclass, row_number() OVER (PARTITION BY c.oid ORDER BY att.attnum), att.attname,
                format_type(att.atttypid, att.atttypmod), att.attnotnull, pg_get_expr(d.adbin, d.adrelid),
                att.attidentity, att.attgenerated, att.attacl, col_description(c.oid, att.attnum))
    FROM pg_class c JOIN mps_ns n ON n.oid = c.relnamespace
    JOIN pg_attribute att ON att.attrelid = c.oid AND att.attnum > 0 AND NOT att.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = att.attnum
   WHERE c.relkind IN ('r', 'p', 'v', 'm')
  UNION ALL
  -- constraints
  SELECT format('constraint %s %s %s deferrable=%s deferred=%s', con.conrelid::regclass, con.conname,
                pg_get_constraintdef(con.oid), con.condeferrable, con.condeferred)
    FROM pg_constraint con JOIN mps_ns n ON n.oid = con.connamespace WHERE con.conrelid <> 0
  UNION ALL
  -- indexes
  SELECT format('index %s', pg_get_indexdef(i.indexrelid))
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN mps_ns n ON n.oid = c.relnamespace
  UNION ALL
  -- triggers
  SELECT format('trigger %s', pg_get_triggerdef(t.oid))
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN mps_ns n ON n.oid = c.relnamespace
   WHERE NOT t.tgisinternal
  UNION ALL
  -- policies
  SELECT format('policy %s.%s %s cmd=%s permissive=%s roles=%s using=%s check=%s', p.schemaname, p.tablename,
                p.policyname, p.cmd, p.permissive, p.roles, p.qual, p.with_check)
    FROM pg_policies p WHERE p.schemaname IN ('app', 'audit', 'sec', 'archive')
  UNION ALL
  -- types: enums with their labels in order, and any other type the schemas hold
  SELECT format('type %s kind=%s labels=%s', t.oid::regtype, t.typtype,
                ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder))
    FROM pg_type t JOIN mps_ns n ON n.oid = t.typnamespace
   WHERE t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
  UNION ALL
  -- sequences (not their position)
  SELECT format('sequence %s.%s type=%s start=%s min=%s max=%s increment=%s cycle=%s cache=%s', s.schemaname,
                s.sequencename, s.data_type, s.start_value, s.min_value, s.max_value, s.increment_by, s.cycle, s.cache_size)
    FROM pg_sequences s WHERE s.schemaname IN ('app', 'audit', 'sec', 'archive')
  UNION ALL
  -- what belongs to the extension
  SELECT format('member %s', pg_describe_object(d.classid, d.objid, d.objsubid))
    FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'mps'
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  UNION ALL
  -- what pg_dump keeps (pg_extension_config_dump)
  SELECT format('dumped %s where=%s', u.t::regclass, u.cond)
    FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(t, cond) WHERE e.extname = 'mps'
  UNION ALL
  SELECT format('extension %s version=%s relocatable=%s schema=%s', e.extname, e.extversion, e.extrelocatable,
                e.extnamespace::regnamespace)
    FROM pg_extension e WHERE e.extname = 'mps'
) lines
ORDER BY line COLLATE "C";
