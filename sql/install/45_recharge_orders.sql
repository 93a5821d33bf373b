-- Recharge orders (seed 004 §5.1): while self-service recharge is off, a member's recharge
-- request waits here, moving no money, until the trusted backend that received the payment
-- provider's callback confirms it with the provider's transaction id (app.confirm_recharge_order).
-- A paid order has exactly one recharge transaction (tx_id; app.verify_ledger checks it).
-- Rows belong to the card: the key carries its id (ARCHITECTURE.md §9).
CREATE TABLE app.recharge_orders (
    card_id           uuid NOT NULL REFERENCES app.member_cards (id),
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id         uuid NOT NULL,  -- who asked for it
    requested_by      uuid,           -- that member's user id
    amount            numeric(12,2) NOT NULL CHECK (amount > 0),
    payment_method    app.pay_method NOT NULL,
    reason            text CHECK (length(reason) <= 500),
    tag               jsonb NOT NULL DEFAULT '{}',
    idempotency_key   text CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    fingerprint       bytea,
    status            app.recharge_order_status NOT NULL DEFAULT 'pending',
    provider_tx_id    text CHECK (length(provider_tx_id) BETWEEN 1 AND 128),
    tx_id             uuid,
    created_at        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL CHECK (expires_at > created_at),
    closed_at         timestamptz,
    PRIMARY KEY (card_id, id),
    CHECK ((status = 'paid') = (tx_id IS NOT NULL AND provider_tx_id IS NOT NULL)),
    CHECK ((status = 'pending') = (closed_at IS NULL))
);
CREATE INDEX ON app.recharge_orders (id);
CREATE INDEX ON app.recharge_orders (expires_at) WHERE status = 'pending';
-- A member's retry with the same key finds its order.
CREATE UNIQUE INDEX recharge_orders_member_key ON app.recharge_orders (card_id, member_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
