-- Privileges, made by install and by every upgrade once every table, sequence and function
-- exists (sec.apply_privileges, called last, in 99_finish.sql). Everything is first taken from PUBLIC and the API roles, also
-- what ALTER DEFAULT PRIVILEGES on the server may have handed out (Supabase's advice for exposed
-- schemas grants ALL on new tables); then exactly what ARCHITECTURE.md §3 allows is granted.
-- RPC EXECUTE grants are made with each function (sec.grant_execute); transaction partitions
-- get none (sec.ensure_transaction_partitions).
CREATE OR REPLACE FUNCTION sec.apply_privileges() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  -- Every table (and view) of app and audit but the transaction partitions, whose privileges
  -- sec.ensure_transaction_partitions keeps at none (read through their parent).
  tables text := (SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.oid::regclass::text)
                    FROM pg_class c
                   WHERE c.relnamespace IN ('app'::regnamespace, 'audit'::regnamespace)
                     AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition);
  app_tables text := (SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY c.oid::regclass::text)
                        FROM pg_class c
                       WHERE c.relnamespace = 'app'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition);
  r text;
  secret record;
BEGIN
  -- Schema archive (archived months' tables) is no API role's: nothing is granted on it.
  REVOKE ALL ON SCHEMA app, audit, sec, archive, monitor FROM PUBLIC;
  REVOKE ALL ON ALL TABLES IN SCHEMA monitor FROM PUBLIC;
  EXECUTE format('REVOKE ALL ON %s FROM PUBLIC', tables);
  REVOKE ALL ON ALL SEQUENCES IN SCHEMA app, audit FROM PUBLIC;
  REVOKE ALL ON ALL FUNCTIONS IN SCHEMA sec FROM PUBLIC;
  FOREACH r IN ARRAY sec.api_roles() LOOP
    EXECUTE format('REVOKE ALL ON SCHEMA app, audit, sec, archive, monitor FROM %I', r);
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA monitor FROM %I', r);
    EXECUTE format('REVOKE ALL ON %s FROM %I', tables, r);
    EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA app, audit FROM %I', r);
    EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA sec FROM %I', r);

    EXECUTE format('GRANT USAGE ON SCHEMA app, sec TO %I', r);
    EXECUTE format('GRANT EXECUTE ON FUNCTION sec.uid(), sec.my_member_id(), sec.my_card_ids(), sec.my_merchant_ids(),'
                   ' sec.my_admin_organization_ids(), sec.my_organization_ids() TO %I', r);
    EXECUTE format('GRANT SELECT ON app.membership_levels TO %I', r);
    IF r <> 'anon' THEN
      EXECUTE format('GRANT SELECT ON %s TO %I', app_tables, r);
      -- Secrets stay unreadable even on rows the policies show (a member bound to a corporate
      -- card sees the card, not its binding password hash): SELECT on the other columns only.
      FOR secret IN SELECT * FROM (VALUES
          ('member_profiles', 'password_hash'),
          ('member_cards', 'binding_password_hash'),
          ('card_qr_state', 'token_digest'),
          ('card_qr_history', 'token_digest'),
          ('wallet_passes', 'authentication_token')) AS v (tbl, col) LOOP
        EXECUTE format('REVOKE SELECT ON app.%I FROM %I', secret.tbl, r);
        EXECUTE format('GRANT SELECT (%s) ON app.%I TO %I',
          (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
             FROM pg_attribute a
            WHERE a.attrelid = format('app.%I', secret.tbl)::regclass
              AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> secret.col),
          secret.tbl, r);
      END LOOP;
    END IF;
    IF r = 'service_role' THEN
      -- The monitoring views (schema monitor) are for platform administrators only.
      EXECUTE format('GRANT USAGE ON SCHEMA audit, monitor TO %I', r);
      EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA monitor TO %I', r);
      EXECUTE format('GRANT SELECT ON audit.event_log TO %I', r);
    END IF;
  END LOOP;
END
$$;
