-- The seed-000 tables as read-only views over app.member_cards and app.card_bindings, so that
-- clients written against the seeds read their cards unchanged (select * from app.personal_cards
-- where member_id = auth.uid()). security_invoker (PostgreSQL 15+): the caller's privileges and
-- the row security of the tables underneath apply, so a member sees only its own rows. No
-- password hash is shown. Member-facing reads should prefer the query RPCs (ARCHITECTURE.md §9).
CREATE OR REPLACE VIEW app.personal_cards WITH (security_invoker = true) AS
SELECT c.id, c.card_no, c.owner_member_id AS member_id, c.balance, c.points, c.level, c.discount,
       c.status, c.expires_at, c.created_at, c.updated_at
  FROM app.member_cards c
 WHERE c.card_type = 'standard';
COMMENT ON VIEW app.personal_cards IS 'Seed 000''s personal cards: the standard cards (read-only; row security of app.member_cards)';

CREATE OR REPLACE VIEW app.enterprise_cards WITH (security_invoker = true) AS
SELECT c.id, c.card_no, c.company_name, c.fixed_discount, c.balance, c.status, c.expires_at,
       c.created_at, c.updated_at
  FROM app.member_cards c
 WHERE c.card_type = 'corporate';
COMMENT ON VIEW app.enterprise_cards IS 'Seed 000''s enterprise cards: the corporate cards (read-only; row security of app.member_cards)';

CREATE OR REPLACE VIEW app.enterprise_card_bindings WITH (security_invoker = true) AS
SELECT b.id, b.card_id AS enterprise_card_id, b.member_id, b.role, b.status, b.created_at
  FROM app.card_bindings b
  JOIN app.member_cards c ON c.id = b.card_id
 WHERE c.card_type = 'corporate';
COMMENT ON VIEW app.enterprise_card_bindings IS 'Seed 000''s enterprise card bindings (read-only; row security of app.card_bindings)';

-- Seed 003's membership_cards: the loyalty cards (organisation and merchant cards) of
-- app.member_cards, with seed 003's column names (read-only; row security of app.member_cards,
-- so a member sees its own). user_id is the owner's member id (mps keys members by profile).
CREATE OR REPLACE VIEW app.membership_cards WITH (security_invoker = true) AS
SELECT c.id, c.owner_member_id AS user_id, c.organization_id, c.loyalty_merchant_id AS merchant_id,
       c.card_type::text AS card_type, c.card_no AS card_number, c.points, c.membership_level, c.qr_code_data,
       c.last_used_at, c.expires_at, c.status = 'active' AS is_active, c.created_at, c.updated_at
  FROM app.member_cards c
 WHERE c.card_type::text IN ('organization', 'merchant');
COMMENT ON VIEW app.membership_cards IS 'Seed 003''s membership cards: the organisation and merchant loyalty cards (read-only; row security of app.member_cards)';

-- Seed 003's points_transactions over the one point ledger. transaction_type is the row's kind
-- (earn, redeem, transfer, expire: app.update_card_points, app.transfer_points) or, for the rows
-- without one, what wrote them: 'earn' for a payment's points, 'refund' for a refund's clawback,
-- 'adjust' for an administrator's correction (app.update_points_and_level) or another
-- transaction's. merchant_id is the row's, or its payment's or refund's merchant.
CREATE OR REPLACE VIEW app.points_transactions WITH (security_invoker = true) AS
SELECT l.id, l.card_id,
       COALESCE(l.kind, CASE t.tx_type WHEN 'payment' THEN 'earn' WHEN 'refund' THEN 'refund' ELSE 'adjust' END)
         AS transaction_type,
       l.delta AS points_change, l.reason AS description, l.reference_id,
       COALESCE(l.merchant_id, t.merchant_id) AS merchant_id, l.created_at
  FROM app.point_ledger l
  LEFT JOIN app.transactions t ON l.tx_id IS NOT NULL AND t.id = l.tx_id AND t.card_id = l.card_id;
COMMENT ON VIEW app.points_transactions IS 'Seed 003''s points transactions: the point ledger with its kind, reference and merchant (read-only; row security of app.point_ledger and app.transactions)';
