-- The event log: every money movement and every administrative change. Append-only: no role
-- but the extension owner holds a write privilege on it.

CREATE TABLE audit.event_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_user_id uuid,
    actor_role    text NOT NULL,
    action        text NOT NULL,
    object_type   text NOT NULL,
    object_id     text NOT NULL,
    context       jsonb NOT NULL DEFAULT '{}',
    happened_at   timestamptz NOT NULL DEFAULT now()
    -- action and object_type of 1 to 64 characters: one CHECK, event_log_rules, added by
    -- sql/install/64_row_rules.sql.
);
CREATE INDEX ON audit.event_log (object_type, object_id, id);
CREATE INDEX ON audit.event_log (happened_at);
-- Refused money calls, written by the failure log writer (src/pg/failure_writer.cpp): failure
-- rates over the last hour or day read only these.
CREATE INDEX event_log_payment_failed ON audit.event_log (happened_at) WHERE action = 'PAYMENT_FAILED';

-- Every new member gets a standard card at the entry level of the ladder, whoever inserts
-- the member row (an RPC or a trusted backend writing the table directly).
CREATE FUNCTION sec.issue_standard_card() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  new_card uuid;
BEGIN
  -- A restore loads members and their cards as separate user data; issuing a card here would
  -- collide with the restored card and audit rows.
  IF sec.restoring() THEN
    RETURN NULL;
  END IF;
  INSERT INTO app.member_cards (card_no, card_type, owner_member_id, level, discount)
  SELECT sec.new_card_no('standard'), 'standard', NEW.id, l.level, l.discount
    FROM app.membership_levels l
   WHERE l.min_points = 0
  RETURNING id INTO new_card;
  IF new_card IS NULL THEN
    RAISE EXCEPTION 'LEVEL_LADDER_INVALID' USING ERRCODE = '23514',
      DETAIL = 'No level starts at 0 points; cannot issue a standard card.';
  END IF;
  INSERT INTO audit.event_log (actor_user_id, actor_role, action, object_type, object_id, context)
  VALUES (sec.uid(), COALESCE(NULLIF(current_setting('role', true), 'none'), session_user::text), 'card.issue', 'card', new_card::text,
          jsonb_build_object('card_type', 'standard', 'member_id', NEW.id));
  RETURN NULL;
END
$$;

CREATE TRIGGER member_profiles_issue_standard_card
  AFTER INSERT ON app.member_profiles
  FOR EACH ROW EXECUTE FUNCTION sec.issue_standard_card();
