-- Boundary self-tests (src/rpc/selftest.cpp), for sql/boundary.sql: they raise a PostgreSQL
-- error from inside SPI, throw C++ exceptions, misuse SPI on purpose, so tests can prove every
-- case reaches the client cleanly. Superusers only.

CREATE OR REPLACE FUNCTION sec.selftest_boundary(p_kind text)
RETURNS bigint
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'mps_selftest_boundary';
REVOKE ALL ON FUNCTION sec.selftest_boundary(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION sec.selftest_stable(p_kind text)
RETURNS text
LANGUAGE c STABLE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'mps_selftest_stable';
REVOKE ALL ON FUNCTION sec.selftest_stable(text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION sec.selftest_next_tx_numbers(p_numbers text[])
RETURNS bigint
LANGUAGE c VOLATILE
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'mps_selftest_next_tx_numbers';
REVOKE ALL ON FUNCTION sec.selftest_next_tx_numbers(text[]) FROM PUBLIC;
