-- Sharing prepaid and corporate cards (seed 000 §4.2, seed 004 §1.4): bind_member_to_card,
-- unbind_member_from_card, set_card_binding_password, enterprise_set_initial_admin,
-- enterprise_add_member, enterprise_remove_member. Roles, passwords (a wrong one returns false
-- and is kept; five within 15 minutes lock every password), the last admin, what a removed
-- member can no longer do.
\set SHOW_CONTEXT never
\set VERBOSITY default

\set u_pia  'b5000000-0000-4000-8000-000000000001'
\set u_quin 'b5000000-0000-4000-8000-000000000002'
\set u_ray  'b5000000-0000-4000-8000-000000000003'
\set u_sue  'b5000000-0000-4000-8000-000000000004'
\set u_tom  'b5000000-0000-4000-8000-000000000005'
\set as_pia  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"b5000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_quin 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"b5000000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_ray  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"b5000000-0000-4000-8000-000000000003","role":"authenticated"}'';'
\set as_sue  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"b5000000-0000-4000-8000-000000000004","role":"authenticated"}'';'
\set as_tom  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"b5000000-0000-4000-8000-000000000005","role":"authenticated"}'';'

BEGIN; :as_pia SELECT app.create_member_profile('SH Pia') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_quin SELECT app.create_member_profile('SH Quin') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_ray SELECT app.create_member_profile('SH Ray') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_sue SELECT app.create_member_profile('SH Sue') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_tom SELECT app.create_member_profile('SH Tom') IS NOT NULL AS registered; COMMIT;
SELECT member_no AS quin_no FROM app.member_profiles WHERE id = :'u_quin' \gset
SELECT member_no AS ray_no FROM app.member_profiles WHERE id = :'u_ray' \gset
SELECT member_no AS sue_no FROM app.member_profiles WHERE id = :'u_sue' \gset
SELECT member_no AS tom_no FROM app.member_profiles WHERE id = :'u_tom' \gset
SELECT id AS pia_std FROM app.member_cards WHERE owner_member_id = :'u_pia' AND card_type = 'standard' \gset
CREATE TEMP VIEW bindings AS
  SELECT b.card_id, p.name, b.role, b.status FROM app.card_bindings b JOIN app.member_profiles p ON p.id = b.member_id;
GRANT SELECT ON bindings TO PUBLIC;

--------------------------------------------------------------------------------------------
-- A prepaid (family) card: the owner binds without a password when none is set; members bind
-- themselves only with the card's password
--------------------------------------------------------------------------------------------
BEGIN; :as_pia
SELECT card_id AS family FROM app.create_prepaid_card() \gset
COMMIT;
BEGIN; :as_pia
SELECT app.bind_member_to_card(:'family', :'u_quin') AS quin_bound;
SELECT app.bind_member_to_card(:'family', :'u_quin') AS again_same_role;
SELECT app.bind_member_to_card(:'family', :'u_pia') AS owner_holds_it_already;
COMMIT;
SELECT name, role, status FROM bindings WHERE card_id = :'family' ORDER BY name;
-- Ray cannot bind himself while the card has no password, nor bind others.
BEGIN; :as_ray
SELECT app.bind_member_to_card(:'family', :'u_ray');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_ray
SELECT app.bind_member_to_card(:'family', :'u_sue');
\echo :SQLSTATE
ROLLBACK;
-- A plain member (Quin) does not manage the card: no binding password change, no binding others.
BEGIN; :as_quin
SELECT app.set_card_binding_password(:'family', 'new-family-pw');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_quin
SELECT app.bind_member_to_card(:'family', :'u_ray');
\echo :SQLSTATE
ROLLBACK;
-- The owner sets a password; now Ray binds himself with it (as member or viewer, never admin).
BEGIN; :as_pia SELECT app.set_card_binding_password(:'family', 'family-pw-2026') AS password_set; COMMIT;
SELECT binding_password_hash LIKE '$argon2id$%' AS argon2id FROM app.member_cards WHERE id = :'family';
BEGIN; :as_ray
SELECT app.bind_member_to_card(:'family', :'u_ray', 'admin', 'family-pw-2026');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_ray
SELECT app.bind_member_to_card(:'family', :'u_ray', 'viewer', 'family-pw-2026') AS ray_bound;
COMMIT;
-- Bound in another role: ALREADY_BOUND; 'owner' is no role to give; nonsense roles neither.
BEGIN; :as_pia
SELECT app.bind_member_to_card(:'family', :'u_ray', 'member');
\echo :SQLSTATE
ROLLBACK;
SELECT app.bind_member_to_card(:'family', :'u_sue', 'owner');
\echo :SQLSTATE
SELECT app.bind_member_to_card(:'family', :'u_sue', 'boss');
\echo :SQLSTATE
-- Unknown member or card; a suspended member is not bound.
SELECT app.bind_member_to_card(:'family', '00000000-0000-4000-8000-000000000000');
\echo :SQLSTATE
SELECT app.bind_member_to_card('00000000-0000-4000-8000-000000000000', :'u_sue');
\echo :SQLSTATE
SELECT app.admin_suspend_member(:'u_tom') AS tom_suspended;
SELECT app.bind_member_to_card(:'family', :'u_tom');
\echo :SQLSTATE
SELECT app.admin_reactivate_member(:'u_tom') AS tom_back;
-- A standard card is not shareable, whoever asks.
BEGIN; :as_pia
SELECT app.bind_member_to_card(:'pia_std', :'u_quin');
\echo :SQLSTATE
ROLLBACK;
SELECT app.unbind_member_from_card(:'pia_std', :'u_quin');
\echo :SQLSTATE
SELECT app.set_card_binding_password(:'pia_std', 'whatever-pw');
\echo :SQLSTATE
-- The viewer sees the card but may not show its QR code; the member may.
BEGIN; :as_ray
SELECT * FROM app.rotate_card_qr(:'family');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_quin
SELECT qr_plain AS quin_qr FROM app.rotate_card_qr(:'family') \gset
COMMIT;
SELECT name, role, status FROM bindings WHERE card_id = :'family' ORDER BY name;

--------------------------------------------------------------------------------------------
-- Unbinding: a member removes itself, the owner anyone; the code the removed member showed ends
--------------------------------------------------------------------------------------------
BEGIN; :as_ray
SELECT app.unbind_member_from_card(:'family', :'u_quin');
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS quin_code_live FROM app.card_qr_state WHERE card_id = :'family' AND issued_by = :'u_quin';
BEGIN; :as_pia SELECT app.unbind_member_from_card(:'family', :'u_quin') AS quin_removed; COMMIT;
SELECT count(*) AS quin_code_live FROM app.card_qr_state WHERE card_id = :'family' AND issued_by = :'u_quin';
BEGIN; :as_ray SELECT app.unbind_member_from_card(:'family', :'u_ray') AS ray_left; COMMIT;
BEGIN; :as_pia SELECT app.unbind_member_from_card(:'family', :'u_ray') AS not_bound_any_more; COMMIT;
SELECT name, role, status FROM bindings WHERE card_id = :'family' ORDER BY name;
-- Quin can no longer show the card's code.
BEGIN; :as_quin
SELECT * FROM app.rotate_card_qr(:'family');
\echo :SQLSTATE
ROLLBACK;
-- The owner removes the password (prepaid cards may have none); a wrong current one: false.
BEGIN; :as_pia SELECT app.set_card_binding_password(:'family', NULL, 'not-the-password') AS removed_with_wrong; COMMIT;
BEGIN; :as_pia SELECT app.set_card_binding_password(:'family', NULL, 'family-pw-2026') AS removed; COMMIT;
SELECT binding_password_hash IS NULL AS no_password FROM app.member_cards WHERE id = :'family';
SELECT app.set_card_binding_password(:'family', 'short');
\echo :SQLSTATE

--------------------------------------------------------------------------------------------
-- A corporate card: the first admin by a platform administrator, then admins add members with
-- the card's password
--------------------------------------------------------------------------------------------
SELECT card_id AS corp, card_no AS corp_no FROM app.create_corporate_card('Shared Co', 0.900, 'shared-co-pw') \gset
BEGIN; :as_quin
SELECT app.enterprise_set_initial_admin(:'corp_no', :'quin_no');
\echo :SQLSTATE
ROLLBACK;
SELECT app.enterprise_set_initial_admin(:'corp_no', :'quin_no') AS quin_admin;
SELECT app.enterprise_set_initial_admin(:'corp_no', :'ray_no');
\echo :SQLSTATE
SELECT app.enterprise_set_initial_admin(:'corp_no', 'M0000000000');
\echo :SQLSTATE
SELECT app.enterprise_set_initial_admin('COR000000000000', :'ray_no');
\echo :SQLSTATE
SELECT app.enterprise_set_initial_admin((SELECT card_no FROM app.member_cards WHERE id = :'family'), :'ray_no');
\echo :SQLSTATE
BEGIN; :as_quin
SELECT app.enterprise_add_member(:'corp_no', :'ray_no', 'shared-co-pw') AS ray_added;
SELECT app.enterprise_add_member(:'corp_no', :'ray_no', 'shared-co-pw') AS again;
COMMIT;
-- Ray, a plain member, adds nobody, even with the right password; strangers learn nothing about
-- the card number or the member number.
BEGIN; :as_ray
SELECT app.enterprise_add_member(:'corp_no', :'sue_no', 'shared-co-pw');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_sue
SELECT app.enterprise_add_member(:'corp_no', :'tom_no', 'shared-co-pw');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_sue
SELECT app.enterprise_add_member('COR000000000000', :'tom_no', 'shared-co-pw');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_quin
SELECT app.enterprise_add_member(:'corp_no', 'M0000000000', 'shared-co-pw');
\echo :SQLSTATE
ROLLBACK;
-- A second admin, through bind_member_to_card by the first one.
BEGIN; :as_quin SELECT app.bind_member_to_card(:'corp', :'u_sue', 'admin', 'shared-co-pw') AS sue_admin; COMMIT;
SELECT name, role, status FROM bindings WHERE card_id = :'corp' ORDER BY name;

--------------------------------------------------------------------------------------------
-- Wrong passwords: false, kept, audited; five within 15 minutes lock every password
--------------------------------------------------------------------------------------------
BEGIN; :as_quin SELECT app.enterprise_add_member(:'corp_no', :'tom_no', 'wrong-1') AS added; COMMIT;
SELECT count(*) AS tom_bound FROM app.card_bindings WHERE card_id = :'corp' AND member_id = :'u_tom';
SELECT count(*) AS failures, bool_and(member_id = :'u_quin') AS by_quin FROM app.card_password_failures WHERE card_id = :'corp';
SELECT context FROM audit.event_log WHERE object_id = :'corp' AND action = 'card.password_failed' ORDER BY id;
BEGIN; :as_quin SELECT app.enterprise_add_member(:'corp_no', :'tom_no', NULL) AS added_without_password; COMMIT;
BEGIN; :as_quin SELECT app.enterprise_add_member(:'corp_no', :'tom_no', 'wrong-3') AS added; COMMIT;
BEGIN; :as_quin SELECT app.enterprise_add_member(:'corp_no', :'tom_no', 'wrong-4') AS added; COMMIT;
SELECT password_locked_until IS NULL AS not_locked_yet FROM app.member_cards WHERE id = :'corp';
BEGIN; :as_quin SELECT app.enterprise_add_member(:'corp_no', :'tom_no', 'wrong-5') AS added; COMMIT;
SELECT password_locked_until BETWEEN now() + interval '14 minutes' AND now() + interval '16 minutes' AS locked_for_15_minutes
  FROM app.member_cards WHERE id = :'corp';
SELECT context FROM audit.event_log WHERE object_id = :'corp' AND action = 'card.password_failed' ORDER BY id DESC LIMIT 1;
-- The right password is refused now (DETAIL names the time the lock ends), also to change it.
BEGIN; :as_quin
\set VERBOSITY terse
SELECT app.enterprise_add_member(:'corp_no', :'tom_no', 'shared-co-pw');
\set VERBOSITY default
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_sue
\set VERBOSITY terse
SELECT app.set_card_binding_password(:'corp', 'another-co-pw', 'shared-co-pw');
\set VERBOSITY default
\echo :SQLSTATE
ROLLBACK;
SELECT count(*) AS failures FROM app.card_password_failures WHERE card_id = :'corp';
-- Fifteen minutes later (moved back in time here) the right password works again.
UPDATE app.member_cards SET password_locked_until = now() - interval '1 second' WHERE id = :'corp';
UPDATE app.card_password_failures SET failed_at = failed_at - interval '16 minutes' WHERE card_id = :'corp';
BEGIN; :as_quin SELECT app.enterprise_add_member(:'corp_no', :'tom_no', 'shared-co-pw') AS tom_added; COMMIT;
-- Failures from before a lockout ended do not count towards the next one.
BEGIN; :as_quin SELECT app.bind_member_to_card(:'corp', :'u_pia', 'member', 'wrong-again') AS pia_added; COMMIT;
SELECT password_locked_until < now() AS unlocked FROM app.member_cards WHERE id = :'corp';
-- A platform administrator changes the password without the old one (and lifts a lock).
SELECT app.set_card_binding_password(:'corp', 'fresh-co-pw-1') AS reset_by_admin;
SELECT app.set_card_binding_password(:'corp', NULL);
\echo :SQLSTATE

--------------------------------------------------------------------------------------------
-- Removing members of the corporate card: admins anyone, members themselves, never the last admin
--------------------------------------------------------------------------------------------
BEGIN; :as_ray
SELECT app.enterprise_remove_member(:'corp_no', :'tom_no');
\echo :SQLSTATE
ROLLBACK;
BEGIN; :as_tom SELECT app.enterprise_remove_member(:'corp_no', :'tom_no') AS tom_left; COMMIT;
BEGIN; :as_sue SELECT app.enterprise_remove_member(:'corp_no', :'ray_no') AS ray_removed; COMMIT;
BEGIN; :as_sue SELECT app.enterprise_remove_member(:'corp_no', :'ray_no') AS not_bound_any_more; COMMIT;
BEGIN; :as_sue SELECT app.enterprise_remove_member(:'corp_no', :'quin_no') AS quin_removed; COMMIT;
-- Sue is the last admin now: nobody removes her, not she herself, not a platform administrator.
BEGIN; :as_sue
SELECT app.enterprise_remove_member(:'corp_no', :'sue_no');
\echo :SQLSTATE
ROLLBACK;
SELECT app.unbind_member_from_card(:'corp', :'u_sue');
\echo :SQLSTATE
SELECT app.enterprise_remove_member((SELECT card_no FROM app.member_cards WHERE id = :'family'), :'sue_no');
\echo :SQLSTATE
SELECT name, role, status FROM bindings WHERE card_id = :'corp' ORDER BY name;
SELECT action, count(*) FROM audit.event_log
 WHERE object_id IN (:'corp', :'family') AND action LIKE 'card.%' GROUP BY action ORDER BY action;
SELECT * FROM app.verify_ledger();
