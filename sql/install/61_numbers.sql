-- Numbers shown to people (ARCHITECTURE.md §3): member and card numbers, random digits with a
-- Luhn check digit from libsodium (sec.random_number, src/rpc/numbers.cpp), unique through
-- app.number_registry. Run by install and every upgrade.

-- A new number: p_prefix, p_digits random digits and a check digit (sec.random_number, from
-- libsodium's CSPRNG), claimed in the registry.
CREATE OR REPLACE FUNCTION sec.claim_number(p_kind text, p_prefix text, p_digits integer) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v text;
BEGIN
  FOR attempt IN 1 .. 10 LOOP
    v := sec.random_number(p_prefix, p_digits);
    INSERT INTO app.number_registry (number, kind) VALUES (v, p_kind) ON CONFLICT (number) DO NOTHING;
    IF FOUND THEN
      RETURN v;
    END IF;
  END LOOP;
  RAISE EXCEPTION 'INTERNAL_ERROR' USING ERRCODE = 'XX000',
    DETAIL = format('Ten random %s numbers in a row were taken; the number space is exhausted.', p_kind);
END
$$;

-- card_no = type prefix + 11 random digits + a check digit, e.g. STD482917305561. (The type as
-- text: an upgrade that adds a card type creates this function in the transaction that adds the
-- label, where the new label may not be used as a value yet.)
CREATE OR REPLACE FUNCTION sec.new_card_no(p_type app.card_type) RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
  SELECT sec.claim_number('card', CASE p_type::text WHEN 'standard' THEN 'STD' WHEN 'prepaid' THEN 'PRE'
                                                    WHEN 'corporate' THEN 'COR' WHEN 'organization' THEN 'ORG'
                                                    WHEN 'merchant' THEN 'MCD' ELSE 'VCH' END, 11)
$$;

-- A number that was claimed and then not used (an insert that failed) stays in the registry:
-- it is never handed out again, which costs nothing.
ALTER TABLE app.member_profiles ALTER COLUMN member_no SET DEFAULT sec.claim_number('member', 'M', 9);
