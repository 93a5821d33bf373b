-- Install and upgrade helper: EXECUTE on one function for exactly the listed API roles that exist
-- here; PUBLIC and the other API roles lose whatever they had (also from ALTER DEFAULT
-- PRIVILEGES on the server).
CREATE OR REPLACE FUNCTION sec.grant_execute(p_function regprocedure, p_roles text[]) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r text;
BEGIN
  EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', p_function);
  FOREACH r IN ARRAY sec.api_roles() LOOP
    EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %I', p_function, r);
    IF r = ANY (p_roles) THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', p_function, r);
    END IF;
  END LOOP;
END
$$;
REVOKE ALL ON FUNCTION sec.grant_execute(regprocedure, text[]) FROM PUBLIC;
