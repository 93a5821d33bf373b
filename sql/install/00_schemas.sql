-- mps install script, assembled from sql/install/*.sql in name order by the Makefile.
--   00-59  schema: types, tables, indexes, their trigger functions. Run at install only; every
--          change to them also goes into the upgrade script's migration (sql/upgrade/).
--   60-99  definitions: helpers, RPCs (90_rpc_<family>.sql pairs with src/rpc/<family>.cpp),
--          row security, privileges, dump registration. Written to be run again (CREATE OR
--          REPLACE, DROP POLICY IF EXISTS), so every upgrade script re-runs them as they are.
-- See CONTRIBUTING.md.
\echo Use "CREATE EXTENSION mps" to load this file. \quit

-- app: business tables and RPCs; audit: the event log; sec: security helpers (never exposed).
CREATE SCHEMA app;
CREATE SCHEMA audit;
CREATE SCHEMA sec;
-- monitor: views for operators and alerting (service_role only; README, operations).
CREATE SCHEMA monitor;
COMMENT ON SCHEMA app IS 'mps: business tables (read through RLS) and RPCs (native SECURITY DEFINER functions)';
COMMENT ON SCHEMA audit IS 'mps: append-only event log';
COMMENT ON SCHEMA sec IS 'mps: security helpers used by policies and triggers; not an API';
COMMENT ON SCHEMA monitor IS 'mps: monitoring views and the health check (service_role only)';

CREATE TYPE app.member_status AS ENUM ('active', 'suspended', 'closed');
CREATE TYPE app.merchant_status AS ENUM ('active', 'suspended', 'closed');
CREATE TYPE app.merchant_role AS ENUM ('owner', 'manager', 'cashier');
-- 'personal' and 'enterprise' are the seeds' names of standard and corporate cards: accepted as
-- input ('personal'::app.card_type in a call), never stored (a CHECK on app.member_cards).
-- 'organization' and 'merchant' are loyalty cards (seed 003): points, no money.
CREATE TYPE app.card_type AS ENUM ('standard', 'prepaid', 'corporate', 'voucher', 'personal', 'enterprise',
                                   'organization', 'merchant');
CREATE TYPE app.card_status AS ENUM ('active', 'frozen', 'expired', 'closed');
CREATE TYPE app.binding_role AS ENUM ('owner', 'admin', 'member', 'viewer');
CREATE TYPE app.binding_status AS ENUM ('active', 'removed');
CREATE TYPE app.tx_type AS ENUM ('payment', 'refund', 'recharge', 'adjustment');
-- A transaction row is written once with its final status; a payment moves to 'refunded'
-- only when its refunds add up to its final amount.
CREATE TYPE app.tx_status AS ENUM ('completed', 'refunded', 'failed');
CREATE TYPE app.settlement_mode AS ENUM ('realtime', 't_plus_1', 'monthly');
-- pending -> confirmed -> paid, or failed (app.update_settlement_status); 0.1.0 called failed 'cancelled'.
CREATE TYPE app.settlement_status AS ENUM ('pending', 'confirmed', 'paid', 'failed');
-- Whose idempotency keys and external order ids a request's keys are (ARCHITECTURE.md §4):
-- a merchant's calls, the trusted backend's (the platform), a member's own.
CREATE TYPE app.key_scope AS ENUM ('platform', 'merchant', 'member');
-- A member's recharge waits as an order for the payment provider's confirmation (seed 004 §5.1)
-- while self-service recharge is off.
CREATE TYPE app.recharge_order_status AS ENUM ('pending', 'paid', 'cancelled', 'expired');
-- How a recharge was paid (the seeds' app.pay_method: 'wechat', 'alipay', ...). A domain over
-- text, so 'alipay'::app.pay_method passes where a text parameter is declared.
CREATE DOMAIN app.pay_method AS text CHECK (VALUE ~ '^[a-z0-9_]{1,32}$');

-- The Supabase API roles that exist on this server (a plain server may have none of them):
-- the roles every grant and revoke of the install script and of new partitions is about.
CREATE FUNCTION sec.api_roles() RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT coalesce(array_agg(r ORDER BY r), '{}')
    FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) AS r
   WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r)
$$;

-- True while pg_dump output is being replayed (pg_restore, or psql on a plain dump): both always
-- run with row_security off, which applications never do (with it off, a role subject to RLS
-- gets an error instead of filtered rows). The install script then leaves the rows it would
-- seed (default ladder, partitions) to the dump, and triggers do not derive rows the dump holds.
-- Any role may set row_security, so every RPC pins it on (SET row_security = on): inside an
-- RPC this is never true.
CREATE FUNCTION sec.restoring() RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT current_setting('row_security') = 'off' $$;
