-- Install-time helper: EXECUTE on one function for the listed API roles that exist here
-- (Supabase has anon/authenticated/service_role; a plain server may have none of them).
CREATE FUNCTION sec.grant_execute(p_function regprocedure, p_roles text[]) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r text;
BEGIN
  EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', p_function);
  FOREACH r IN ARRAY p_roles LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', p_function, r);
    END IF;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION sec.grant_execute(regprocedure, text[]) FROM PUBLIC;
