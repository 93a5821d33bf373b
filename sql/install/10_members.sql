-- Members, their external logins, platform administrators, and the numbers shown to people.

-- Member and card numbers are random digits with a Luhn check digit from no counter
-- (ARCHITECTURE.md §3): this registry holds their uniqueness across every table; a collision is
-- retried. (Transaction numbers are held by app.tx_registry.)
CREATE TABLE app.number_registry (
    number     text PRIMARY KEY CHECK (number ~ '^[A-Z]{1,3}[0-9]{8,24}$'),
    kind       text NOT NULL CHECK (kind IN ('member', 'card')),
    created_at timestamptz NOT NULL DEFAULT now()
);


CREATE TABLE app.admin_users (
    user_id    uuid PRIMARY KEY,
    active     boolean NOT NULL DEFAULT true,
    note       text CHECK (length(note) <= 500),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE app.admin_users IS 'Platform administrators (Supabase auth user ids)';

CREATE TABLE app.member_profiles (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       uuid UNIQUE,
    member_no     text NOT NULL UNIQUE,  -- DEFAULT: a new number (61_numbers.sql)
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    phone         text CHECK (length(phone) BETWEEN 1 AND 32),
    email         text CHECK (length(email) BETWEEN 3 AND 254),
    password_hash text CHECK (password_hash LIKE '$argon2id$%'),
    status        app.member_status NOT NULL DEFAULT 'active',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON COLUMN app.member_profiles.user_id IS 'auth.users id when the member signs in through Supabase';

CREATE TABLE app.member_external_identities (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    member_id   uuid NOT NULL REFERENCES app.member_profiles (id),
    provider    text NOT NULL CHECK (length(provider) BETWEEN 1 AND 64),
    external_id text NOT NULL CHECK (length(external_id) BETWEEN 1 AND 256),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, external_id)
);
CREATE INDEX ON app.member_external_identities (member_id);

-- auth.users exists on Supabase; elsewhere the user id is only a uuid.
DO $$
BEGIN
  IF to_regclass('auth.users') IS NOT NULL THEN
    ALTER TABLE app.member_profiles
      ADD CONSTRAINT member_profiles_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users (id);
  END IF;
END
$$;
