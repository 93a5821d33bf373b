-- mps upgrade 0.1.0 -> 0.2.0: the migration of the schema pieces (sql/install/00-59). The
-- Makefile appends every definition piece (sql/install/60-99: helpers, RPCs, row security,
-- privileges, dump registration) to this file to make sql/mps--0.1.0--0.2.0.sql, so functions,
-- policies and grants come out exactly as a fresh install makes them. What goes here: every
-- change to a type, table, index, sequence or trigger function, and the data migrations they
-- need; dropping an RPC whose signature changed (CREATE OR REPLACE cannot change it).
-- test/upgrade.sh proves the result equals a fresh install of 0.2.0.
\echo Use "ALTER EXTENSION mps UPDATE TO '0.2.0'" to load this file. \quit
