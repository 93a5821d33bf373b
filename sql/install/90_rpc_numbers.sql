-- Random numbers for people to read (src/rpc/numbers.cpp); sec.claim_number (61_numbers.sql)
-- makes them unique. Not for PUBLIC.

CREATE OR REPLACE FUNCTION sec.random_number(p_prefix text, p_digits integer)
RETURNS text
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'mps_random_number';
