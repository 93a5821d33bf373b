-- Sharing prepaid and corporate cards (src/rpc/sharing.cpp); seed 000 §4.2 and seed 004 §1.4.
-- Seed-compatible names and parameters; they return boolean as the seeds do. A wrong binding
-- password returns false (and counts: five within 15 minutes lock the card's password).

CREATE OR REPLACE FUNCTION app.bind_member_to_card(
    p_card_id uuid, p_member_id uuid, p_role text DEFAULT 'member', p_binding_password text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_bind_member_to_card';
COMMENT ON FUNCTION app.bind_member_to_card(uuid, uuid, text, text) IS
  'Binds a member to a prepaid or corporate card (admin/member/viewer): the card''s owner or admins, or a member for itself on a prepaid card with its password; false for a wrong password.';
SELECT sec.grant_execute('app.bind_member_to_card(uuid, uuid, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.unbind_member_from_card(p_card_id uuid, p_member_id uuid)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_unbind_member_from_card';
COMMENT ON FUNCTION app.unbind_member_from_card(uuid, uuid) IS
  'Ends a member''s binding: the card''s owner or admins for anyone, a member for itself; a corporate card''s last admin stays. False when there was none.';
SELECT sec.grant_execute('app.unbind_member_from_card(uuid, uuid)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.set_card_binding_password(
    p_card_id uuid, p_new_password text, p_current_password text DEFAULT NULL)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_set_card_binding_password';
COMMENT ON FUNCTION app.set_card_binding_password(uuid, text, text) IS
  'Sets a shared card''s binding password (NULL removes a prepaid card''s): platform administrators, or the card''s owner/admins with the current one; false when that is wrong.';
SELECT sec.grant_execute('app.set_card_binding_password(uuid, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.enterprise_set_initial_admin(p_card_no text, p_member_no text)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_enterprise_set_initial_admin';
COMMENT ON FUNCTION app.enterprise_set_initial_admin(text, text) IS
  'Makes a member the first admin of a corporate card, only while it has none. Platform administrators.';
SELECT sec.grant_execute('app.enterprise_set_initial_admin(text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.enterprise_add_member(p_card_no text, p_member_no text, p_card_password text)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_enterprise_add_member';
COMMENT ON FUNCTION app.enterprise_add_member(text, text, text) IS
  'An admin of the corporate card adds a member with the card''s password; false for a wrong password.';
SELECT sec.grant_execute('app.enterprise_add_member(text, text, text)', ARRAY['authenticated', 'service_role']);

CREATE OR REPLACE FUNCTION app.enterprise_remove_member(p_card_no text, p_member_no text)
RETURNS boolean
LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET row_security = on
AS 'MODULE_PATHNAME', 'mps_enterprise_remove_member';
COMMENT ON FUNCTION app.enterprise_remove_member(text, text) IS
  'Removes a member from a corporate card: its admins remove anyone, a member itself; the last admin stays.';
SELECT sec.grant_execute('app.enterprise_remove_member(text, text)', ARRAY['authenticated', 'service_role']);
