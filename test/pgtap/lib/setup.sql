-- Shared start of every pgTAP file (\ir lib/setup.sql): quiet TAP output, stop on the first
-- error outside an assertion, and one transaction that the file rolls back at its end.
\set QUIET 1
\set ON_ERROR_STOP 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;
BEGIN;
