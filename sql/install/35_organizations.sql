-- Organisations (seed 003: student organisations such as a university CSSA), their members and
-- administrators, and their partnerships with merchants. Organisations and partnerships are
-- small reference data; a membership belongs to its member (ARCHITECTURE.md §9). The loyalty
-- cards they lead to are rows of app.member_cards (card types organization and merchant), their
-- points the rows of app.point_ledger: one card table, one point ledger.

CREATE TABLE app.organizations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 255),
    display_name_zh text NOT NULL CHECK (length(btrim(display_name_zh)) BETWEEN 1 AND 255),
    display_name_en text NOT NULL CHECK (length(btrim(display_name_en)) BETWEEN 1 AND 255),
    slug            text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    -- ISO 3166-1 country, optionally with a subdivision: US-NY, US-CA, GB.
    region          text NOT NULL CHECK (region ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
    logo_url        text CHECK (logo_url ~ '^https?://' AND length(logo_url) <= 500),
    -- {"primary": "#1E40AF", "secondary": "#DBEAFE"}: colours as #RRGGBB (checked by the RPCs).
    brand_colors    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(brand_colors) = 'object'),
    contact_info    jsonb CHECK (jsonb_typeof(contact_info) = 'object'),
    -- Active verified members, kept by the RPCs in the transaction that changes a membership
    -- (app.verify_ledger() recounts it).
    member_count    integer NOT NULL DEFAULT 0 CHECK (member_count >= 0),
    is_active       boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE app.organizations IS 'Organisations (seed 003) whose members get partner discounts and loyalty cards';

-- An organisation's administrators (Supabase auth user ids): they review memberships and read
-- the organisation's members and analytics.
CREATE TABLE app.organization_admins (
    organization_id uuid NOT NULL REFERENCES app.organizations (id),
    user_id         uuid NOT NULL,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX ON app.organization_admins (user_id) WHERE active;

-- A member's membership of an organisation (seed 003's user_organizations, keyed by the member
-- profile: the user is the member). At most one current membership per member (the index
-- below); app.switch_organization moves it under the member's row lock.
CREATE TABLE app.user_organizations (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id           uuid NOT NULL REFERENCES app.member_profiles (id),
    organization_id     uuid NOT NULL REFERENCES app.organizations (id),
    membership_level    text NOT NULL DEFAULT 'basic' CHECK (membership_level IN ('basic', 'premium', 'vip')),
    member_number       text CHECK (member_number ~ '^[A-Za-z0-9-]{1,100}$'),
    join_date           date NOT NULL DEFAULT current_date,
    is_current          boolean NOT NULL DEFAULT false,
    is_active           boolean NOT NULL DEFAULT true,
    verification_status text NOT NULL DEFAULT 'pending'
                        CHECK (verification_status IN ('pending', 'verified', 'rejected')),
    -- What the member handed in (student id, email): read by the member and the organisation's
    -- administrators only.
    verification_data   jsonb CHECK (jsonb_typeof(verification_data) = 'object'),
    verified_at         timestamptz,
    verified_by         uuid,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (member_id, organization_id),
    CONSTRAINT user_organizations_current_is_active CHECK (NOT is_current OR is_active)
);
CREATE UNIQUE INDEX user_organizations_one_current ON app.user_organizations (member_id) WHERE is_current;
CREATE UNIQUE INDEX user_organizations_member_number ON app.user_organizations (organization_id, member_number)
  WHERE member_number IS NOT NULL;
CREATE INDEX ON app.user_organizations (organization_id, join_date);

-- Organisation <-> merchant. discount_rate is percent off (10.00 = 10 % off), in steps of 0.1 %
-- so that it is a discount in thousandths like every other (ARCHITECTURE.md §4).
CREATE TABLE app.organization_merchant_partnerships (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL REFERENCES app.organizations (id),
    merchant_id      uuid NOT NULL REFERENCES app.merchants (id),
    partnership_type text NOT NULL DEFAULT 'standard' CHECK (partnership_type IN ('standard', 'premium', 'exclusive')),
    discount_rate    numeric(5,2) NOT NULL DEFAULT 0
                     CHECK (discount_rate >= 0 AND discount_rate < 100 AND discount_rate * 10 = trunc(discount_rate * 10)),
    special_benefits jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(special_benefits) = 'array'),
    start_date       date,
    end_date         date,
    is_active        boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, merchant_id),
    CONSTRAINT partnerships_window CHECK (end_date >= start_date)
);
CREATE INDEX ON app.organization_merchant_partnerships (merchant_id);
