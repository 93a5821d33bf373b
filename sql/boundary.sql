-- The C++ <-> PostgreSQL boundary (ARCHITECTURE.md §7), through sec.selftest_boundary(kind): a
-- PostgreSQL error raised inside SPI, C++ exceptions of every kind and an application error
-- all reach the client as clean ERRORs with the right SQLSTATE; the connection stays usable
-- (same backend), the server never restarts, and the C++ objects alive at the failure were
-- destroyed (the 'destructors' counter grows by one per failing call).
\set SHOW_CONTEXT errors
\set VERBOSITY default
SELECT pg_backend_pid() AS backend_pid, pg_postmaster_start_time() AS postmaster_start \gset
SELECT sec.selftest_boundary('destructors') AS destroyed_before \gset
-- A successful call returns the counter (the object alive during the call is destroyed after).
SELECT sec.selftest_boundary('ok') - :destroyed_before AS destroyed_so_far;

-- A PostgreSQL error inside SPI keeps its own SQLSTATE and message.
SELECT sec.selftest_boundary('spi_error');
\echo :LAST_ERROR_SQLSTATE
SELECT 1 AS still_works, pg_backend_pid() = :backend_pid AS same_backend,
       pg_postmaster_start_time() = :'postmaster_start' AS server_not_restarted;

-- A std::exception becomes INTERNAL_ERROR (XX000) with the exception's text in DETAIL.
SELECT sec.selftest_boundary('cpp_exception');
\echo :LAST_ERROR_SQLSTATE
SELECT 1 AS still_works, pg_backend_pid() = :backend_pid AS same_backend,
       pg_postmaster_start_time() = :'postmaster_start' AS server_not_restarted;

-- An exception that is not a std::exception (throw 42) is caught too.
SELECT sec.selftest_boundary('foreign');
\echo :LAST_ERROR_SQLSTATE
SELECT 1 AS still_works, pg_backend_pid() = :backend_pid AS same_backend,
       pg_postmaster_start_time() = :'postmaster_start' AS server_not_restarted;

-- std::bad_alloc becomes out of memory (53200).
SELECT sec.selftest_boundary('bad_alloc');
\echo :LAST_ERROR_SQLSTATE
SELECT 1 AS still_works, pg_backend_pid() = :backend_pid AS same_backend,
       pg_postmaster_start_time() = :'postmaster_start' AS server_not_restarted;

-- An application error: its code as the message, DETAIL and HINT, SQLSTATE of its class.
SELECT sec.selftest_boundary('app_error');
\echo :LAST_ERROR_SQLSTATE
SELECT 1 AS still_works, pg_backend_pid() = :backend_pid AS same_backend,
       pg_postmaster_start_time() = :'postmaster_start' AS server_not_restarted;

-- Five failing calls, five objects destroyed (plus the one of the 'ok' call above).
SELECT sec.selftest_boundary('destructors') - :destroyed_before AS destroyed_so_far;

-- Inside a transaction block: the error aborts the transaction, ROLLBACK ends it, and the
-- connection goes on.
BEGIN;
SELECT sec.selftest_boundary('ok') - :destroyed_before AS destroyed_so_far;
SELECT sec.selftest_boundary('spi_error');
\echo :LAST_ERROR_SQLSTATE
SELECT 1;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT 1 AS still_works, pg_backend_pid() = :backend_pid AS same_backend,
       pg_postmaster_start_time() = :'postmaster_start' AS server_not_restarted;

-- Rolled back to a savepoint, the same transaction keeps working, SPI included.
BEGIN;
SAVEPOINT before_error;
SELECT sec.selftest_boundary('cpp_exception');
ROLLBACK TO SAVEPOINT before_error;
SELECT sec.selftest_boundary('ok') - :destroyed_before AS destroyed_so_far;
COMMIT;

-- Many failures caught one by one in a PL/pgSQL exception block (a subtransaction each):
-- every one is a clean error, and every one destroyed its C++ object.
DO $$
DECLARE
  kind text;
  caught int := 0;
  states text[] := '{}';
BEGIN
  FOR i IN 1 .. 50 LOOP
    FOREACH kind IN ARRAY ARRAY['spi_error', 'cpp_exception', 'foreign', 'bad_alloc', 'app_error'] LOOP
      BEGIN
        PERFORM sec.selftest_boundary(kind);
      EXCEPTION WHEN OTHERS THEN
        caught := caught + 1;
        IF i = 1 THEN states := states || (kind || '=' || SQLSTATE); END IF;
      END;
    END LOOP;
  END LOOP;
  RAISE NOTICE 'caught % errors; SQLSTATEs: %', caught, array_to_string(states, ', ');
END
$$;

-- 5 + 1 + 1 + 250 failing calls and 3 successful ones so far: 260 objects destroyed.
SELECT sec.selftest_boundary('destructors') - :destroyed_before AS destroyed_so_far;
SELECT 1 AS still_works, pg_backend_pid() = :backend_pid AS same_backend,
       pg_postmaster_start_time() = :'postmaster_start' AS server_not_restarted;

-- Malformed use is refused with the catalog's code, and the function is not for PUBLIC.
SELECT sec.selftest_boundary(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT sec.selftest_boundary('no_such_kind');
\echo :LAST_ERROR_SQLSTATE
SELECT has_function_privilege('public', 'sec.selftest_boundary(text)', 'EXECUTE') AS public_may_execute;

-- SPI without traps. A body that returns with its SPI connection still open (Spi::finish()
-- forgotten) fails instead of handing back a result SPI_finish would have freed; asking for a
-- row of a statement without a tuple table, reading a result after finish(), and a statement
-- returning another result code than it declares are errors, not wild reads.
SELECT sec.selftest_boundary('spi_unfinished');
\echo :LAST_ERROR_SQLSTATE
SELECT sec.selftest_boundary('spi_no_rows');
\echo :LAST_ERROR_SQLSTATE
SELECT sec.selftest_boundary('spi_after_finish');
\echo :LAST_ERROR_SQLSTATE
SELECT sec.selftest_boundary('spi_wrong_result');
\echo :LAST_ERROR_SQLSTATE
-- A C++ exception thrown inside pg::call: pg::call put PostgreSQL's error stack back, so the
-- PostgreSQL error that follows is caught as usual (22012), and the backend goes on.
SELECT sec.selftest_boundary('call_throws');
\echo :LAST_ERROR_SQLSTATE
-- pg::call leaves CurrentMemoryContext as it found it, whatever the lambda switched to.
SELECT sec.selftest_boundary('call_context') AS memory_context_restored;
-- Inside a STABLE function SPI is read-only: reading works, writing is refused.
SELECT sec.selftest_stable('read');
SELECT sec.selftest_stable('write');
\echo :LAST_ERROR_SQLSTATE
SELECT 1 AS still_works, pg_backend_pid() = :backend_pid AS same_backend,
       pg_postmaster_start_time() = :'postmaster_start' AS server_not_restarted;

-- A newer mps.so under an older SQL declaration (between installing a package and ALTER
-- EXTENSION mps UPDATE), emulated by declaring mps' C symbols with other argument lists:
-- a trailing optional argument the declaration lacks reads as NULL (the call works), a
-- required one is EXTENSION_VERSION_MISMATCH, and so is a declaration with more arguments
-- than the library knows. Nothing is read past the arguments.
CREATE SCHEMA boundary_old_sql;
CREATE FUNCTION boundary_old_sql.create_merchant(text, text) RETURNS uuid
  LANGUAGE c VOLATILE AS '$libdir/mps', 'mps_create_merchant';
CREATE FUNCTION boundary_old_sql.refund(text, text) RETURNS TABLE (a uuid, b text, c numeric)
  LANGUAGE c VOLATILE AS '$libdir/mps', 'mps_merchant_refund_tx';
CREATE FUNCTION boundary_old_sql.rotate(uuid, text, integer, text) RETURNS TABLE (a text, b timestamptz)
  LANGUAGE c VOLATILE AS '$libdir/mps', 'mps_rotate_card_qr';
SELECT boundary_old_sql.create_merchant('BOUNDARY_OLD', 'Declared without p_contact') IS NOT NULL AS created;
SELECT code, contact IS NULL AS contact_read_as_null FROM app.merchants WHERE code = 'BOUNDARY_OLD';
SELECT * FROM boundary_old_sql.refund('BOUNDARY_OLD', 'PAY-NONE');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM boundary_old_sql.rotate(gen_random_uuid(), NULL, 900, 'extra');
\echo :LAST_ERROR_SQLSTATE
DROP SCHEMA boundary_old_sql CASCADE;
SELECT 1 AS still_works, pg_backend_pid() = :backend_pid AS same_backend,
       pg_postmaster_start_time() = :'postmaster_start' AS server_not_restarted;
