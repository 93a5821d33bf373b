-- Membership levels (points -> discount) and member cards with their bindings and QR codes.

CREATE TABLE app.membership_levels (
    level      integer PRIMARY KEY CHECK (level >= 0),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    min_points bigint NOT NULL CHECK (min_points >= 0),
    max_points bigint CHECK (max_points >= min_points),  -- NULL: no upper bound
    discount   numeric(4,3) NOT NULL CHECK (discount > 0 AND discount <= 1),
    -- Two ranges may never share a point value.
    CONSTRAINT membership_levels_no_overlap
        EXCLUDE USING gist (int8range(min_points, max_points, '[]') WITH &&)
);
COMMENT ON TABLE app.membership_levels IS
  'Level ladder: ranges start at 0, never overlap, leave no gap, and the last one is open-ended';

-- The ladder as a whole: starts at 0, each range starts right after the previous one ends,
-- exactly one open-ended range at the top, level numbers and discounts follow the points.
-- Deferred to commit so an administrator can reshape the ladder in one transaction.
-- SECURITY DEFINER: the check is deferred to COMMIT, after app.replace_membership_levels has
-- returned, and then runs as the caller (service_role), who may neither call sec helpers nor
-- update cards.
CREATE FUNCTION sec.check_level_ladder() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  prev record;
  cur record;
  n int := 0;
BEGIN
  FOR cur IN SELECT * FROM app.membership_levels ORDER BY min_points LOOP
    n := n + 1;
    IF prev IS NULL THEN
      IF cur.min_points <> 0 THEN
        RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514',
          DETAIL = format('The lowest level (%s) starts at %s points; the ladder must start at 0.', cur.level, cur.min_points);
      END IF;
    ELSE
      IF prev.max_points IS NULL THEN
        RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514',
          DETAIL = format('Level %s is open-ended but level %s starts above it.', prev.level, cur.level);
      END IF;
      IF cur.min_points <> prev.max_points + 1 THEN
        RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514',
          DETAIL = format('Gap between level %s (ends at %s) and level %s (starts at %s).',
                          prev.level, prev.max_points, cur.level, cur.min_points);
      END IF;
      IF cur.level <= prev.level OR cur.discount > prev.discount THEN
        RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514',
          DETAIL = format('Level %s must have a higher number and no worse discount than level %s.', cur.level, prev.level);
      END IF;
    END IF;
    prev := cur;
  END LOOP;
  IF n = 0 THEN
    RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514', DETAIL = 'The ladder has no levels.';
  END IF;
  IF prev.max_points IS NOT NULL THEN
    RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514',
      DETAIL = format('The top level (%s) ends at %s points; it must be open-ended.', prev.level, prev.max_points);
  END IF;
  -- Cards that earn points follow the new ladder at once.
  IF NOT sec.restoring() THEN
    UPDATE app.member_cards c SET level = l.level, discount = l.discount, updated_at = now()
      FROM app.membership_levels l
     WHERE c.card_type IN ('standard', 'prepaid')
       AND c.points >= l.min_points AND (l.max_points IS NULL OR c.points <= l.max_points)
       AND (c.level <> l.level OR c.discount <> l.discount);
  END IF;
  RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER membership_levels_ladder
  AFTER INSERT OR UPDATE OR DELETE ON app.membership_levels
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION sec.check_level_ladder();


CREATE TABLE app.member_cards (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    card_no               text NOT NULL UNIQUE,
    card_type             app.card_type NOT NULL,
    owner_member_id       uuid REFERENCES app.member_profiles (id),
    balance               numeric(12,2) NOT NULL DEFAULT 0,
    points                bigint NOT NULL DEFAULT 0,
    level                 integer NOT NULL DEFAULT 0,
    discount              numeric(4,3) NOT NULL DEFAULT 1.000,
    fixed_discount        numeric(4,3),
    face_value            numeric(12,2),
    binding_password_hash text,
    status                app.card_status NOT NULL DEFAULT 'active',
    expires_at            timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    -- (0.2.0 added the columns below.)
    company_name          text,
    -- A voucher issued by a merchant's staff is redeemable only at that merchant.
    voucher_merchant_id   uuid,
    -- Who froze the card (NULL: an administrator, or a card frozen before 0.2.0): a holder
    -- (a lost phone) may unfreeze only a freeze of its own.
    frozen_by             text,
    -- After 5 wrong binding passwords within 15 minutes every password is refused until then;
    -- failures before this time do not count towards the next lockout (a new password sets it).
    password_locked_until timestamptz,
    frozen_by_member_id   uuid,  -- the holder who froze it (frozen_by = 'holder')
    -- Loyalty cards (seed 003; issue "Organisations"): an organisation's card, or a merchant's
    -- card taken through an organisation. They hold points, never money.
    organization_id       uuid,
    loyalty_merchant_id   uuid,
    membership_level      text,
    -- The card's static identification payload (loyalty scans, wallet pass barcodes). Never a
    -- payment credential: payments take the rotating QR code (app.card_qr_state).
    qr_code_data          text,
    last_used_at          timestamptz
    -- Every rule of a card row (amounts, discounts, what each type must have, loyalty cards
    -- holding no money, the shapes of the hash, payload and names) is one CHECK,
    -- member_cards_rules, added by sql/install/64_row_rules.sql.
);
-- A member has exactly one standard card.
CREATE UNIQUE INDEX member_cards_one_standard ON app.member_cards (owner_member_id)
  WHERE card_type = 'standard';
CREATE INDEX ON app.member_cards (owner_member_id);
CREATE INDEX ON app.member_cards (expires_at) WHERE status = 'active' AND expires_at IS NOT NULL;
-- One organisation card per member and organisation, one merchant card per member and merchant.
CREATE UNIQUE INDEX member_cards_one_organization_card ON app.member_cards (owner_member_id, organization_id)
  WHERE organization_id IS NOT NULL AND loyalty_merchant_id IS NULL;
CREATE UNIQUE INDEX member_cards_one_merchant_card ON app.member_cards (owner_member_id, loyalty_merchant_id)
  WHERE loyalty_merchant_id IS NOT NULL;
CREATE INDEX ON app.member_cards (organization_id) WHERE organization_id IS NOT NULL;
CREATE INDEX ON app.member_cards (loyalty_merchant_id) WHERE loyalty_merchant_id IS NOT NULL;


CREATE TABLE app.card_bindings (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    card_id    uuid NOT NULL REFERENCES app.member_cards (id),
    member_id  uuid NOT NULL REFERENCES app.member_profiles (id),
    role       app.binding_role NOT NULL DEFAULT 'member',
    status     app.binding_status NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (card_id, member_id)
);
CREATE INDEX ON app.card_bindings (member_id) WHERE status = 'active';

-- Wrong binding passwords, kept (the RPC returns false instead of raising, so the row commits):
-- five within 15 minutes lock the card's password (member_cards.password_locked_until).
-- Rows belong to the card: the key carries its id (ARCHITECTURE.md §9).
CREATE TABLE app.card_password_failures (
    card_id       uuid NOT NULL REFERENCES app.member_cards (id),
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    member_id     uuid,
    actor_user_id uuid,
    failed_at     timestamptz NOT NULL,
    PRIMARY KEY (card_id, id)
);
CREATE INDEX ON app.card_password_failures (card_id, failed_at);

-- The live QR code of a card: only the BLAKE2b-256 digest of the token, unique, so a scan
-- is one index lookup. Rotation updates the row in place (a charge holding the old digest
-- re-checks it under the row lock and fails); revocation, and the payment it makes, delete it.
-- issued_by / issued_by_role: who minted it (a member's app, or an administrator or backend
-- without a user id), so that the member's app can tell its code was replaced.
CREATE TABLE app.card_qr_state (
    card_id        uuid PRIMARY KEY REFERENCES app.member_cards (id),
    token_digest   bytea NOT NULL UNIQUE CHECK (octet_length(token_digest) = 32),
    issued_at      timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL CHECK (expires_at > issued_at),
    issued_by      uuid,
    issued_by_role text  -- NULL only for codes issued before mps 0.2.0
);
CREATE INDEX ON app.card_qr_state (expires_at);

CREATE TABLE app.card_qr_history (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_id      uuid NOT NULL REFERENCES app.member_cards (id),
    token_digest bytea NOT NULL CHECK (octet_length(token_digest) = 32),
    issued_at    timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    issued_by    uuid,
    ended_at     timestamptz,
    -- used: the payment it made consumed it (mps.qr_reuse_within_ttl off).
    end_reason   text CONSTRAINT card_qr_history_end_reason_check
                      CHECK (end_reason IN ('rotated', 'revoked', 'expired', 'used')),
    issued_by_role text  -- NULL only for codes issued before mps 0.2.0
);
CREATE INDEX ON app.card_qr_history (card_id, issued_at DESC);

-- The default ladder, checked right away (later statements of this script alter the table).
SET CONSTRAINTS app.membership_levels_ladder IMMEDIATE;
-- (A restore brings the ladder the database had, which may have been reshaped.)
INSERT INTO app.membership_levels (level, name, min_points, max_points, discount)
SELECT * FROM (VALUES
  (0, 'Standard',     0,   999, 1.000),
  (1, 'Silver',    1000,  4999, 0.950),
  (2, 'Gold',      5000,  9999, 0.900),
  (3, 'Platinum', 10000,  NULL, 0.850)) AS v
 WHERE NOT sec.restoring();
SET CONSTRAINTS app.membership_levels_ladder DEFERRED;
