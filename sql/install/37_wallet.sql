-- Wallet passes (issue #13 item 6; seed 003 "Apple Wallet 集成"): what the RPCs of
-- src/rpc/wallet.cpp need to build Apple Wallet pass.json / Google Wallet loyalty objects and to
-- serve the PassKit web service. Signing the .pkpass (certificates, the WWDR chain, images) and
-- talking to APNs stay outside the database, in the web service (README, "Wallet passes").
-- The same statements are at the end of sql/upgrade/0.1.0--0.2.0.sql.

-- The platform's wallet settings: one row, set by a platform administrator
-- (app.set_wallet_settings). A NULL setting is not configured: Apple passes need
-- team_identifier and pass_type_identifier, Google objects google_issuer_id; without
-- web_service_url passes carry no webServiceURL/authenticationToken (they never update).
-- Small reference data (ARCHITECTURE.md §9).
CREATE TABLE app.wallet_settings (
    id                   boolean PRIMARY KEY DEFAULT true CHECK (id),
    team_identifier      text CHECK (team_identifier ~ '^[A-Z0-9]{10}$'),
    -- The base of every pass type id: pass.com.vitaglobal -> pass.com.vitaglobal.org.<slug>,
    -- pass.com.vitaglobal.merchant.<merchant id>, and the base itself for the platform's cards.
    pass_type_identifier text CHECK (pass_type_identifier ~ '^pass(\.[A-Za-z0-9-]+)+$' AND length(pass_type_identifier) <= 150),
    web_service_url      text CHECK (web_service_url ~ '^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$'
                                     AND length(web_service_url) <= 500),
    google_issuer_id     text CHECK (google_issuer_id ~ '^[0-9]{1,25}$'),
    -- organizationName / logoText of the platform's own cards (standard, prepaid, corporate, voucher).
    organization_name    text NOT NULL DEFAULT 'VitaGlobal' CHECK (length(btrim(organization_name)) BETWEEN 1 AND 100),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    updated_by           uuid
);
COMMENT ON TABLE app.wallet_settings IS 'Apple / Google Wallet settings of the platform (one row; app.set_wallet_settings)';

-- A card's Apple Wallet pass, made by the first app.get_apple_wallet_pass of the card. Rows
-- belong to the card (key card_id, ARCHITECTURE.md §9); serial_number is the card number, unique
-- like it. pass_type_identifier is fixed when the pass is made: a pass on a device keeps its type.
-- authentication_token (32 random bytes, base64url) authenticates the device's web service calls
-- for this pass: a secret, readable by no API role (sql/install/98_privileges.sql), handed out
-- only inside the pass to the card's holders.
CREATE TABLE app.wallet_passes (
    card_id              uuid PRIMARY KEY REFERENCES app.member_cards (id),
    serial_number        text NOT NULL UNIQUE CHECK (serial_number ~ '^[A-Z0-9]{1,64}$'),
    pass_type_identifier text NOT NULL CHECK (pass_type_identifier ~ '^pass(\.[A-Za-z0-9-]+)+$' AND length(pass_type_identifier) <= 255),
    authentication_token text NOT NULL CHECK (authentication_token ~ '^[A-Za-z0-9_-]{43}$'),
    created_at           timestamptz NOT NULL DEFAULT now()
);

-- A device registered for a pass's updates (PassKit web service: register / unregister). Rows
-- belong to the card (key (card_id, device_library_identifier)); the device's passes are found
-- through the index on device_library_identifier. Push tokens are the device's: readable only
-- by service_role (the web service's backend).
CREATE TABLE app.wallet_registrations (
    card_id                   uuid NOT NULL REFERENCES app.wallet_passes (card_id),
    device_library_identifier text NOT NULL CHECK (device_library_identifier ~ '^[A-Za-z0-9._-]{1,128}$'),
    push_token                text NOT NULL CHECK (push_token ~ '^[A-Za-z0-9]{1,200}$'),
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    -- The card's update tag this device was last told about (at registration: the tag of the pass
    -- it registered with; then each app.wallet_push_targets that listed it). A push is due when
    -- the card's tag differs from it, so a change is pushed once, whatever order commits came in.
    pushed_tag                bigint NOT NULL,
    pushed_at                 timestamptz,
    PRIMARY KEY (card_id, device_library_identifier)
);
CREATE INDEX ON app.wallet_registrations (device_library_identifier);
