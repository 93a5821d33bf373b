-- Seed rows, written directly as the superuser (the money-path RPCs are tested elsewhere), so
-- that every table of app and audit holds at least one row and "0 rows" means something.
-- Ledger-consistent: Alice's standard card was recharged 100.00 and paid 30.00 at SHOP1
-- (balance 70.00, 30 points, level 0); Bob's standard card holds 20.00 from a month since archived.
-- Runs inside the test's transaction (or, for test/dump_restore.sh, in autocommit).
--   users: Alice (member, alice_user), Bob (member bound to Alice's prepaid card, bob_user),
--          a cashier of SHOP1 (staff_user), a platform admin (admin_user), and a signed-in
--          user who owns nothing (nobody_user).
\set alice_user a11ce000-0000-4000-8000-000000000001
\set bob_user b0b00000-0000-4000-8000-000000000002
\set staff_user 57aff000-0000-4000-8000-000000000003
\set admin_user ad000000-0000-4000-8000-000000000004
\set nobody_user 0b0d0000-0000-4000-8000-000000000005

INSERT INTO app.merchants (id, code, name) VALUES
  ('e0000000-0000-4000-8000-000000000001', 'SHOP1', 'Shop One'),
  ('e0000000-0000-4000-8000-000000000002', 'SHOP2', 'Shop Two');
INSERT INTO app.merchant_users (merchant_id, user_id, role) VALUES
  ('e0000000-0000-4000-8000-000000000001', :'staff_user', 'cashier');
INSERT INTO app.admin_users (user_id, note) VALUES (:'admin_user', 'seed');

-- Each member row issues a standard card (and an audit row) through a trigger.
INSERT INTO app.member_profiles (id, user_id, name, phone) VALUES
  ('f0000000-0000-4000-8000-000000000001', :'alice_user', 'Alice', '+100001'),
  ('f0000000-0000-4000-8000-000000000002', :'bob_user', 'Bob', '+100002');
INSERT INTO app.member_external_identities (member_id, provider, external_id) VALUES
  ('f0000000-0000-4000-8000-000000000001', 'wechat', 'wx-alice');

-- Alice's prepaid card, shared with Bob.
INSERT INTO app.member_cards (id, card_no, card_type, owner_member_id) VALUES
  ('c0000000-0000-4000-8000-000000000001', sec.new_card_no('prepaid'), 'prepaid',
   'f0000000-0000-4000-8000-000000000001');
INSERT INTO app.card_bindings (card_id, member_id, role) VALUES
  ('c0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000001', 'owner'),
  ('c0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000002', 'member');

-- QR state and history of Alice's standard card.
INSERT INTO app.card_qr_state (card_id, token_digest, issued_at, expires_at)
SELECT id, sha256('seed-token-1'), now(), now() + interval '15 minutes'
  FROM app.member_cards WHERE owner_member_id = 'f0000000-0000-4000-8000-000000000001' AND card_type = 'standard';
INSERT INTO app.card_qr_history (card_id, token_digest, issued_at, expires_at, ended_at, end_reason)
SELECT id, sha256('seed-token-0'), now() - interval '1 hour', now() - interval '45 minutes',
       now() - interval '50 minutes', 'rotated'
  FROM app.member_cards WHERE owner_member_id = 'f0000000-0000-4000-8000-000000000001' AND card_type = 'standard';

-- Recharge 100.00, then pay 30.00 at SHOP1 (30 points), with their registry rows.
INSERT INTO app.transactions (id, tx_no, tx_type, card_id, merchant_id, raw_amount, discount_applied,
                              final_amount, points_earned, status, payment_method, external_order_id,
                              idempotency_key, created_at)
SELECT v.id, v.tx_no, v.tx_type::app.tx_type, c.id, v.merchant_id, v.amount, v.discount, v.amount, v.points,
       'completed', v.method, v.order_id, v.idem, now()
  FROM app.member_cards c,
       (VALUES ('d0000000-0000-4000-8000-000000000001'::uuid, 'RCG000000000001', 'recharge', NULL::uuid,
                100.00, NULL::numeric, 0, 'wechat', NULL, 'wx-pay-1'),
               ('d0000000-0000-4000-8000-000000000002'::uuid, 'PAY000000000002', 'payment',
                'e0000000-0000-4000-8000-000000000001'::uuid, 30.00, 1.000, 30, 'qr', 'order-1', NULL))
       AS v(id, tx_no, tx_type, merchant_id, amount, discount, points, method, order_id, idem)
 WHERE c.owner_member_id = 'f0000000-0000-4000-8000-000000000001' AND c.card_type = 'standard';
INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id, merchant_id)
SELECT tx_no, id, created_at, tx_type, card_id, merchant_id FROM app.transactions;
INSERT INTO app.idempotency_registry (scope, scope_id, idempotency_key, fingerprint, tx_id, tx_created_at)
SELECT 'platform', '00000000-0000-0000-0000-000000000000', idempotency_key, sha256(tx_no::bytea), id, created_at
  FROM app.transactions WHERE idempotency_key IS NOT NULL;
INSERT INTO app.merchant_order_registry (scope, scope_id, external_order_id, fingerprint, tx_id, tx_created_at)
SELECT 'merchant', merchant_id, external_order_id, sha256(tx_no::bytea), id, created_at FROM app.transactions
 WHERE external_order_id IS NOT NULL;
INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, tx_id, reason)
SELECT card_id, 30, 0, 30, id, 'payment' FROM app.transactions WHERE tx_type = 'payment';
UPDATE app.member_cards SET balance = 70.00, points = 30
 WHERE owner_member_id = 'f0000000-0000-4000-8000-000000000001' AND card_type = 'standard';

-- Alice asked for a recharge of her standard card (a pending order); someone tried a wrong
-- binding password on her prepaid card.
INSERT INTO app.recharge_orders (card_id, member_id, requested_by, amount, payment_method, created_at, expires_at)
SELECT id, 'f0000000-0000-4000-8000-000000000001', :'alice_user', 50.00, 'wechat', now(), now() + interval '30 minutes'
  FROM app.member_cards WHERE owner_member_id = 'f0000000-0000-4000-8000-000000000001' AND card_type = 'standard';
INSERT INTO app.card_password_failures (card_id, member_id, actor_user_id, failed_at)
VALUES ('c0000000-0000-4000-8000-000000000001', 'f0000000-0000-4000-8000-000000000002', :'bob_user', now());

-- SHOP1 takes counter top-ups; none was taken yet today but one yesterday (a day's row).
UPDATE app.merchants SET counter_topup_enabled = true, counter_topup_max_per_tx = 500.00, counter_topup_max_per_day = 2000.00
 WHERE code = 'SHOP1';
INSERT INTO app.merchant_topup_days (merchant_id, day, total, topups)
VALUES ('e0000000-0000-4000-8000-000000000001', (now() AT TIME ZONE 'UTC')::date - 1, 0.00, 0);

INSERT INTO app.settlements (merchant_id, mode, period_start, period_end, payments_count, payments_total, net_total)
VALUES ('e0000000-0000-4000-8000-000000000001', 'monthly', date_trunc('month', now()),
        date_trunc('month', now()) + interval '1 month', 1, 30.00, 30.00);
-- Its statement: the payment of 30.00.
INSERT INTO app.settlement_lines (tx_id, tx_created_at, settlement_id, merchant_id, tx_no, kind, card_id, raw_amount, amount)
SELECT t.id, t.created_at, s.id, t.merchant_id, t.tx_no, 'payment', t.card_id, t.raw_amount, t.final_amount
  FROM app.transactions t, app.settlements s
 WHERE t.tx_type = 'payment' AND s.merchant_id = t.merchant_id;
INSERT INTO audit.event_log (actor_role, action, object_type, object_id, context)
VALUES ('postgres', 'seed', 'test', 'seed', '{"note": "pgTAP seed"}');

-- Bob's standard card was recharged 20.00 fourteen months ago, a month since archived: its table
-- is in schema archive, its record and Bob's carried total in app (balance 20.00).
SELECT sec.ensure_transaction_partition((date_trunc('month', now() AT TIME ZONE 'UTC') - interval '14 months')::date)
       AS seed_old_partition \gset
INSERT INTO app.transactions (id, tx_no, tx_type, card_id, raw_amount, final_amount, status, payment_method, created_at)
SELECT 'd0000000-0000-4000-8000-000000000003', 'RCG000000000003', 'recharge', c.id, 20.00, 20.00, 'completed', 'wechat',
       (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '14 months' + interval '9 days') AT TIME ZONE 'UTC'
  FROM app.member_cards c
 WHERE c.owner_member_id = 'f0000000-0000-4000-8000-000000000002' AND c.card_type = 'standard';
INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id, merchant_id)
SELECT tx_no, id, created_at, tx_type, card_id, merchant_id FROM app.transactions WHERE tx_no = 'RCG000000000003';
UPDATE app.member_cards SET balance = 20.00
 WHERE owner_member_id = 'f0000000-0000-4000-8000-000000000002' AND card_type = 'standard';
SELECT count(*) AS seed_archived_months FROM app.archive_partitions(12) WHERE outcome = 'archived' \gset

-- An organisation (seed 003) administered by a user who is none of the above, with Alice as its verified member
-- (member_count 1) and SHOP1 as its partner. (Written directly like everything here; the lead's
-- organisation RPCs may replace these statements.)
INSERT INTO app.organizations (id, name, display_name_zh, display_name_en, slug, region, member_count) VALUES
  ('0e000000-0000-4000-8000-000000000001', 'Seed CSSA', '种子学联', 'Seed Chinese Students Association',
   'seed-cssa', 'US-NY', 1);
INSERT INTO app.organization_admins (organization_id, user_id)
VALUES ('0e000000-0000-4000-8000-000000000001', '0a000000-0000-4000-8000-000000000006');
INSERT INTO app.user_organizations (member_id, organization_id, member_number, is_current, verification_status, verified_at)
VALUES ('f0000000-0000-4000-8000-000000000001', '0e000000-0000-4000-8000-000000000001', 'SEED001', true, 'verified', now());
INSERT INTO app.organization_merchant_partnerships (organization_id, merchant_id, discount_rate)
VALUES ('0e000000-0000-4000-8000-000000000001', 'e0000000-0000-4000-8000-000000000001', 10.0);
