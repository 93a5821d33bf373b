-- Merchants, their staff, and settlements.

CREATE TABLE app.merchants (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code       text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    contact    text CHECK (length(contact) <= 200),
    status     app.merchant_status NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE app.merchant_users (
    merchant_id uuid NOT NULL REFERENCES app.merchants (id),
    user_id     uuid NOT NULL,
    role        app.merchant_role NOT NULL DEFAULT 'cashier',
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (merchant_id, user_id)
);
CREATE INDEX ON app.merchant_users (user_id) WHERE active;

CREATE TABLE app.settlements (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    merchant_id    uuid NOT NULL REFERENCES app.merchants (id),
    mode           app.settlement_mode NOT NULL,
    period_start   timestamptz NOT NULL,
    period_end     timestamptz NOT NULL CHECK (period_end > period_start),
    payments_count integer NOT NULL DEFAULT 0,
    payments_total numeric(14,2) NOT NULL DEFAULT 0,
    refunds_total  numeric(14,2) NOT NULL DEFAULT 0,
    net_total      numeric(14,2) NOT NULL DEFAULT 0,
    status         app.settlement_status NOT NULL DEFAULT 'pending',
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (merchant_id, mode, period_start, period_end)
);
