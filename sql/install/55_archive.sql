-- Archived months of app.transactions (app.archive_partitions, ARCHITECTURE.md §10): a month
-- past the retention is detached and moved, rows intact, into schema archive, and recorded
-- here, so that balances stay provable from these records and the live rows alone, even after
-- an administrator exported an archived table to cold storage and dropped it.

-- Not an API: no privilege for the API roles (sec.apply_privileges); administrators read it
-- as the owner. Its tables are ordinary tables, not extension members: pg_dump keeps them.
CREATE SCHEMA archive;
COMMENT ON SCHEMA archive IS 'mps: monthly transaction partitions detached after the retention period (app.archive_partitions); not an API';

-- One row per archived UTC month, with what its rows added up to when they were archived:
-- tx_count rows, balance_total = Σ their signed amounts (the card_balance rule of
-- app.verify_ledger), cards = how many cards they belong to, totals = per "tx_type/status":
-- rows, Σ raw_amount, Σ final_amount, Σ points_earned.
CREATE TABLE app.archived_months (
    month            date PRIMARY KEY CHECK (month = date_trunc('month', month)::date),
    table_name       text NOT NULL UNIQUE,  -- in schema archive, as archived
    tx_count         bigint NOT NULL CHECK (tx_count >= 0),
    balance_total    numeric(16,2) NOT NULL,
    cards            bigint NOT NULL CHECK (cards >= 0),
    totals           jsonb NOT NULL,
    archived_at      timestamptz NOT NULL DEFAULT now(),
    archived_by      uuid,
    archived_by_role text NOT NULL
);

-- What each card's rows of an archived month carry into its balance (Σ signed amounts of
-- its completed and refunded transactions) and how many rows it had: app.verify_ledger proves
-- balance = Σ carried + Σ live rows. Keyed by the card (ARCHITECTURE.md §9: the card group).
CREATE TABLE app.archived_card_totals (
    card_id       uuid NOT NULL,  -- no foreign key: its lock on the card would wait for payments (app.verify_ledger checks it)
    month         date NOT NULL,
    tx_count      bigint NOT NULL CHECK (tx_count > 0),
    balance_delta numeric(14,2) NOT NULL,
    PRIMARY KEY (card_id, month)
);
CREATE INDEX ON app.archived_card_totals (month);
