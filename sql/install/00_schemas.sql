-- mps install script, assembled from sql/install/*.sql in name order by the Makefile.
\echo Use "CREATE EXTENSION mps" to load this file. \quit

-- app: business tables and RPCs; audit: the event log; sec: security helpers (never exposed).
CREATE SCHEMA app;
CREATE SCHEMA audit;
CREATE SCHEMA sec;
COMMENT ON SCHEMA app IS 'mps: business tables (read through RLS) and RPCs (native SECURITY DEFINER functions)';
COMMENT ON SCHEMA audit IS 'mps: append-only event log';
COMMENT ON SCHEMA sec IS 'mps: security helpers used by policies and triggers; not an API';

CREATE TYPE app.member_status AS ENUM ('active', 'suspended', 'closed');
CREATE TYPE app.merchant_status AS ENUM ('active', 'suspended', 'closed');
CREATE TYPE app.merchant_role AS ENUM ('owner', 'manager', 'cashier');
CREATE TYPE app.card_type AS ENUM ('standard', 'prepaid', 'corporate', 'voucher');
CREATE TYPE app.card_status AS ENUM ('active', 'frozen', 'expired', 'closed');
CREATE TYPE app.binding_role AS ENUM ('owner', 'admin', 'member', 'viewer');
CREATE TYPE app.binding_status AS ENUM ('active', 'removed');
CREATE TYPE app.tx_type AS ENUM ('payment', 'refund', 'recharge', 'adjustment');
-- A transaction row is written once with its final status; a payment moves to 'refunded'
-- only when its refunds add up to its final amount.
CREATE TYPE app.tx_status AS ENUM ('completed', 'refunded', 'failed');
CREATE TYPE app.settlement_mode AS ENUM ('realtime', 't_plus_1', 'monthly');
CREATE TYPE app.settlement_status AS ENUM ('pending', 'confirmed', 'paid', 'cancelled');

CREATE SEQUENCE app.member_no_seq;
CREATE SEQUENCE app.card_no_seq;
CREATE SEQUENCE app.tx_no_seq;

-- The caller's user id exactly as Supabase's auth.uid() reads it, for RLS policies.
CREATE FUNCTION sec.uid() RETURNS uuid
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT COALESCE(
    NULLIF(current_setting('request.jwt.claim.sub', true), ''),
    (NULLIF(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;
