-- Caller identity for row-level security (src/rpc/identity.cpp).

-- The caller's user id for RLS policies, read exactly as the RPCs read it (src/pg/identity.hpp):
-- request.jwt.claim.sub, else request.jwt.claims ->> 'sub', set transaction-locally.
CREATE OR REPLACE FUNCTION sec.uid() RETURNS uuid
LANGUAGE c STABLE
AS 'MODULE_PATHNAME', 'mps_sec_uid';
