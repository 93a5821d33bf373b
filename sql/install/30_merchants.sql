-- Merchants, their staff, counter top-ups, and settlements.

-- Counter top-ups (cash taken at the counter and put on a card) are money the merchant owes the
-- platform: off until a platform administrator switches them on for the merchant, with a limit
-- per top-up and per UTC day (ARCHITECTURE.md §3).
CREATE TABLE app.merchants (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code       text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
    name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    contact    text CHECK (length(contact) <= 200),
    status     app.merchant_status NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    counter_topup_enabled     boolean NOT NULL DEFAULT false,
    counter_topup_max_per_tx  numeric(12,2) CHECK (counter_topup_max_per_tx > 0),
    counter_topup_max_per_day numeric(12,2) CHECK (counter_topup_max_per_day > 0),
    CONSTRAINT merchants_counter_topup_limits
      CHECK (NOT counter_topup_enabled OR (counter_topup_max_per_tx IS NOT NULL AND counter_topup_max_per_day IS NOT NULL)),
    -- The platform's fee on the merchant's net sales, e.g. 0.0060 = 0.6% (0.2.0).
    settlement_fee_rate numeric(5,4) NOT NULL DEFAULT 0 CHECK (settlement_fee_rate >= 0 AND settlement_fee_rate < 1),
    -- The merchant's public profile (seed 003), shown to partner organisations' members
    -- (app.update_merchant_profile). A merchant QR code is vitaglobal://merchant/<code>/location/<n>.
    category        text CHECK (category ~ '^[a-z][a-z_]{0,99}$'),
    description     text CHECK (length(description) <= 2000),
    logo_url        text CHECK (logo_url ~ '^https?://' AND length(logo_url) <= 500),
    brand_colors    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(brand_colors) = 'object'),
    address         text CHECK (length(address) <= 500),
    phone           text CHECK (length(phone) BETWEEN 1 AND 50),
    website         text CHECK (website ~ '^https?://' AND length(website) <= 255),
    qr_code_pattern text UNIQUE CHECK (length(qr_code_pattern) BETWEEN 1 AND 255),
    business_hours  jsonb CHECK (jsonb_typeof(business_hours) = 'object')
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

-- What each merchant's counter took per UTC day: the daily limit is claimed here, in one
-- row-locked upsert per top-up, so concurrent top-ups can never exceed it together.
CREATE TABLE app.merchant_topup_days (
    merchant_id uuid NOT NULL REFERENCES app.merchants (id),
    day         date NOT NULL,
    total       numeric(14,2) NOT NULL CHECK (total >= 0),
    topups      integer NOT NULL CHECK (topups >= 0),
    PRIMARY KEY (merchant_id, day)
);

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
    -- (0.2.0 added the columns below.) Payments with a voucher the merchant issued itself are
    -- its own promotion: listed, not paid out. Counter top-ups are cash the merchant took for
    -- the platform: owed, netted. net = payments - refunds - fee - top-ups.
    refunds_count   integer NOT NULL DEFAULT 0,
    vouchers_count  integer NOT NULL DEFAULT 0,
    vouchers_total  numeric(14,2) NOT NULL DEFAULT 0,
    topups_count    integer NOT NULL DEFAULT 0,
    topups_total    numeric(14,2) NOT NULL DEFAULT 0,
    fee_rate        numeric(5,4) NOT NULL DEFAULT 0,
    fee             numeric(14,2) NOT NULL DEFAULT 0,
    due_at          timestamptz,
    generated_by    uuid,
    status_changed_at timestamptz,
    -- Written before 0.2.0 (directly: 0.1.0 had no settlement RPC): no statement lines, kept as is.
    legacy          boolean NOT NULL DEFAULT false,
    UNIQUE (merchant_id, mode, period_start, period_end),
    CONSTRAINT settlements_net CHECK (net_total = payments_total - refunds_total - fee - topups_total)
);
CREATE INDEX ON app.settlements (merchant_id, period_start);

-- Every payment, refund and counter top-up of a merchant is settled exactly once: its line is
-- keyed by the transaction (a registry of its own key, ARCHITECTURE.md §9). The statement of a
-- settlement is its lines.
CREATE TABLE app.settlement_lines (
    tx_id         uuid PRIMARY KEY,
    tx_created_at timestamptz NOT NULL,
    settlement_id uuid NOT NULL REFERENCES app.settlements (id),
    merchant_id   uuid NOT NULL,
    tx_no         text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('payment', 'refund', 'counter_topup', 'merchant_voucher')),
    card_id       uuid NOT NULL,
    raw_amount    numeric(12,2) NOT NULL,
    amount        numeric(12,2) NOT NULL CHECK (amount >= 0)
);
CREATE INDEX ON app.settlement_lines (settlement_id, tx_created_at, tx_id);
