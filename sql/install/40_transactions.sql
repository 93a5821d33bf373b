-- Money movements: the partitioned transaction table, its global registries, the point
-- ledger, and partition upkeep.

CREATE TABLE app.transactions (
    id                uuid NOT NULL,
    tx_no             text NOT NULL,
    tx_type           app.tx_type NOT NULL,
    card_id           uuid NOT NULL,
    merchant_id       uuid,
    raw_amount        numeric(12,2) NOT NULL,
    discount_applied  numeric(4,3),
    final_amount      numeric(12,2) NOT NULL,  -- signed only for adjustments
    points_earned     bigint NOT NULL DEFAULT 0,
    status            app.tx_status NOT NULL,
    reason            text,
    payment_method    text,
    external_order_id text,
    idempotency_key   text,
    original_tx_id    uuid,
    actor_user_id     uuid,
    actor_role        text,
    tag               jsonb NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    -- (0.2.0) The organisation whose partnership with the merchant gave the payment its
    -- discount (discount_applied); NULL when the card's own discount applied.
    partner_organization_id uuid,
    -- (0.2.0) A payment's discount: the card's level, the corporate one, the partnership's, or none.
    discount_source   text,
    -- (0.2.0) A refund's: the payment's refunded total with this refund, so that the next
    -- refund reads the remainder from the latest one (an index lookup) instead of summing them
    -- all; NULL on every other row. app.verify_ledger() proves it is the running sum.
    refunded_after    numeric(12,2)
    -- Every rule of a transaction row (signed amounts only for adjustments, a refund and only a
    -- refund naming its payment, lengths, discount sources) is one CHECK, transactions_rules,
    -- added by sql/install/64_row_rules.sql.
) PARTITION BY RANGE (created_at);
COMMENT ON TABLE app.transactions IS
  'One row per money movement, written once with its final status; monthly partitions app.transactions_yYYYYmMM';

-- No key or index on the parent: each partition gets its own (sec.ensure_transaction_partitions).
-- Partitions are ordinary tables, not extension members, so pg_dump keeps their definition and
-- rows, and restoring them never collides with objects CREATE EXTENSION made (an index on the
-- parent would be created again by ATTACH PARTITION during a restore).

-- Global uniqueness: a unique index on a partitioned table must include the partition key,
-- so these registries carry the keys that are unique across all months.
CREATE TABLE app.tx_registry (
    tx_no       text PRIMARY KEY,
    tx_id       uuid NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    tx_type     app.tx_type NOT NULL,
    card_id     uuid NOT NULL,
    merchant_id uuid
);

-- Idempotency keys and external order ids live in scopes (ARCHITECTURE.md §4), as an account's
-- keys do at a payment provider: a merchant's calls (charges, refunds, counter top-ups) in scope
-- 'merchant' with the merchant's id, the trusted backend's in 'platform' (the nil uuid), a
-- member's own in 'member' with the member's id. A key is looked up only in the caller's scope,
-- so no answer depends on another scope's keys. (scope and scope_id come last: 0.2.0 added them.)
CREATE TABLE app.idempotency_registry (
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    fingerprint     bytea NOT NULL,
    tx_id           uuid NOT NULL,
    tx_created_at   timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    scope           app.key_scope NOT NULL,
    scope_id        uuid NOT NULL,
    CONSTRAINT idempotency_registry_pkey PRIMARY KEY (scope, scope_id, idempotency_key)
);

CREATE TABLE app.merchant_order_registry (
    external_order_id text NOT NULL CHECK (length(external_order_id) BETWEEN 1 AND 128),
    fingerprint       bytea NOT NULL,
    tx_id             uuid NOT NULL,
    tx_created_at     timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    scope             app.key_scope NOT NULL,
    scope_id          uuid NOT NULL,
    CONSTRAINT merchant_order_registry_pkey PRIMARY KEY (scope, scope_id, external_order_id)
);

CREATE TABLE app.point_ledger (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_id        uuid NOT NULL REFERENCES app.member_cards (id),
    delta          bigint NOT NULL,
    balance_before bigint NOT NULL,
    balance_after  bigint NOT NULL,
    tx_id          uuid,
    reason         text NOT NULL,
    actor_user_id  uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    -- Seed 003's points transactions (app.update_card_points, app.transfer_points): the kind,
    -- the caller's reference (an order, a campaign) and the merchant. NULL kind: a row of a
    -- money movement (tx_id) or of app.update_points_and_level.
    kind           text,
    reference_id   text,
    merchant_id    uuid
    -- A change that is not 0, balances never below 0 chaining before + delta = after, the
    -- kinds and lengths: one CHECK, point_ledger_rules, added by sql/install/64_row_rules.sql.
);
CREATE INDEX ON app.point_ledger (card_id, id);
CREATE INDEX ON app.point_ledger (tx_id) WHERE tx_id IS NOT NULL;
-- A points change's reference is its card's once per kind (app.update_card_points and
-- app.transfer_points answer a retry with the original row), and a merchant's points rows are
-- read by app.get_merchant_analytics.
CREATE UNIQUE INDEX point_ledger_reference ON app.point_ledger (card_id, kind, reference_id)
  WHERE reference_id IS NOT NULL;
CREATE INDEX point_ledger_merchant ON app.point_ledger (merchant_id, created_at) WHERE merchant_id IS NOT NULL;

