-- Wallet passes (issue #13 item 6): Apple Wallet pass.json for an organisation card, a merchant
-- card and a standard card (every field Apple requires, seed 003's fields, colours as CSS rgb()),
-- the Google Wallet loyalty object, the wallet settings, and the PassKit web service's data:
-- device registration, serials updated since a tag, the latest pass, pushes. The update tag
-- moves with a payment, a points change and a freeze, and not with a read. Every error.
--
-- Fixtures: the organisation, the membership and the two loyalty cards are INSERTed directly (as
-- the superuser test runner), with fixed card numbers and codes so that the passes print exactly.
\set SHOW_CONTEXT never
\set VERBOSITY default
-- A payment consumes its QR code by default; each payment below rotates a fresh one.

\set u_ann  'a7000000-0000-4000-8000-000000000001'
\set u_bob  'a7000000-0000-4000-8000-000000000002'
\set u_cash 'a7000000-0000-4000-8000-00000000000a'
\set as_ann  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a7000000-0000-4000-8000-000000000001","role":"authenticated"}'';'
\set as_bob  'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a7000000-0000-4000-8000-000000000002","role":"authenticated"}'';'
\set as_cash 'SET LOCAL ROLE authenticated; SET LOCAL request.jwt.claims = ''{"sub":"a7000000-0000-4000-8000-00000000000a","role":"authenticated"}'';'
\set as_service 'SET LOCAL ROLE service_role;'

SELECT app.create_merchant('WA_SHOP', 'Wallet Noodles') IS NOT NULL AS created;
SELECT app.add_merchant_user('WA_SHOP', :'u_cash');
UPDATE app.merchants SET brand_colors = '{"primary": "#B91C1C", "secondary": "#FEE2E2"}' WHERE code = 'WA_SHOP';
SELECT id AS shop_id FROM app.merchants WHERE code = 'WA_SHOP' \gset
BEGIN; :as_ann SELECT app.create_member_profile('WA Ann') IS NOT NULL AS registered; COMMIT;
BEGIN; :as_bob SELECT app.create_member_profile('WA Bob') IS NOT NULL AS registered; COMMIT;
SELECT id AS ann_member FROM app.member_profiles WHERE user_id = :'u_ann' \gset
SELECT id AS ann_card, card_no AS ann_card_no FROM app.member_cards WHERE owner_member_id = :'ann_member' AND card_type = 'standard' \gset
SELECT amount FROM app.user_recharge_card(:'ann_card', 100.00);

INSERT INTO app.organizations (name, display_name_zh, display_name_en, slug, region, brand_colors)
VALUES ('NYU CSSA', '纽约大学中国学生学者联合会', 'NYU Chinese Students and Scholars Association', 'nyu-cssa', 'US-NY',
        '{"primary": "#1E40AF", "secondary": "#DBEAFE"}')
RETURNING id AS org_id \gset
INSERT INTO app.user_organizations (member_id, organization_id, membership_level, member_number, is_current, verification_status)
VALUES (:'ann_member', :'org_id', 'premium', 'CSSA-0042', true, 'verified');
INSERT INTO app.member_cards (card_no, card_type, owner_member_id, organization_id, membership_level, points, qr_code_data)
VALUES ('OR7000000000000001', 'organization', :'ann_member', :'org_id', 'premium', 320,
        'vitaglobal://card/OR7000000000000001/AAAAAAAAAAAAAAAAAAAAAA')
RETURNING id AS org_card \gset
INSERT INTO app.member_cards (card_no, card_type, owner_member_id, organization_id, loyalty_merchant_id, membership_level, points, qr_code_data)
VALUES ('ME7000000000000001', 'merchant', :'ann_member', :'org_id', :'shop_id', 'basic', 45,
        'vitaglobal://card/ME7000000000000001/BBBBBBBBBBBBBBBBBBBBBB')
RETURNING id AS merchant_card \gset

-- Required fields of pass.json (Apple: top-level keys, and the barcode's).
CREATE TEMP TABLE required (keys text[]);
INSERT INTO required VALUES (ARRAY['formatVersion', 'passTypeIdentifier', 'serialNumber', 'teamIdentifier',
                                   'organizationName', 'description', 'barcode', 'barcodes', 'storeCard']);
GRANT ALL ON required TO PUBLIC;
CREATE TEMP TABLE passes (label text PRIMARY KEY, pass jsonb);
GRANT ALL ON passes TO PUBLIC;
-- A card's update tag, as the web service sees it.
CREATE TEMP VIEW tags AS
  SELECT c.id, (extract(epoch FROM c.updated_at) * 1000000)::int8::text AS tag FROM app.member_cards c;
GRANT ALL ON tags TO PUBLIC;

--------------------------------------------------------------------------------------------
-- Not configured yet: WALLET_NOT_CONFIGURED; the settings are a platform administrator's
--------------------------------------------------------------------------------------------
BEGIN; :as_ann
SELECT app.get_apple_wallet_pass(:'org_card');
ROLLBACK;
BEGIN; :as_ann
SELECT app.get_google_wallet_object(:'org_card');
ROLLBACK;
BEGIN; :as_ann
SELECT app.set_wallet_settings('ABC123DEF4', 'pass.com.vitaglobal');
ROLLBACK;
-- Bad settings: each is INVALID_ARGUMENT and nothing is stored.
SELECT app.set_wallet_settings('abc123def4', 'pass.com.vitaglobal');
SELECT app.set_wallet_settings('ABC123DEF4', 'com.vitaglobal');
SELECT app.set_wallet_settings('ABC123DEF4', 'pass.com.vitaglobal', 'http://api.vitaglobal.com/passkit');
SELECT app.set_wallet_settings('ABC123DEF4', 'pass.com.vitaglobal', NULL, '12ab');
SELECT app.set_wallet_settings('ABC123DEF4', 'pass.com.vitaglobal', NULL, NULL, '   ');
SELECT count(*) AS settings_rows FROM app.wallet_settings;
-- Without the web service URL first: passes carry no webServiceURL / authenticationToken.
SELECT app.set_wallet_settings('ABC123DEF4', 'pass.com.vitaglobal');
SELECT action, object_type, context FROM audit.event_log WHERE action = 'wallet.settings' ORDER BY id;
BEGIN; :as_ann
SELECT app.get_apple_wallet_pass(:'org_card') ?| ARRAY['webServiceURL', 'authenticationToken'] AS has_web_service;
COMMIT;
-- Google needs its issuer id.
BEGIN; :as_ann
SELECT app.get_google_wallet_object(:'org_card');
ROLLBACK;
SELECT app.set_wallet_settings('ABC123DEF4', 'pass.com.vitaglobal', 'https://api.vitaglobal.com/passkit', '3388000000012345678');

--------------------------------------------------------------------------------------------
-- The organisation card (seed 003 generate_organization_pass)
--------------------------------------------------------------------------------------------
BEGIN; :as_ann
INSERT INTO passes SELECT 'org', app.get_apple_wallet_pass(:'org_card');
COMMIT;
SELECT pass ?& (SELECT keys FROM required) AS has_required,
       pass->'barcode' ?& ARRAY['format', 'message', 'messageEncoding'] AS barcode_complete,
       pass->'barcodes'->0 = pass->'barcode' AS barcodes_same,
       pass->>'authenticationToken' ~ '^[A-Za-z0-9_-]{43}$' AS token_shape,
       pass->>'authenticationToken' = (SELECT authentication_token FROM app.wallet_passes WHERE card_id = :'org_card') AS token_stored
  FROM passes WHERE label = 'org';
SELECT jsonb_pretty(pass - 'authenticationToken') FROM passes WHERE label = 'org';
-- The pass row: serial number = card number, the organisation's pass type.
SELECT serial_number, pass_type_identifier FROM app.wallet_passes WHERE card_id = :'org_card';

--------------------------------------------------------------------------------------------
-- The merchant card (seed 003 generate_merchant_pass)
--------------------------------------------------------------------------------------------
BEGIN; :as_ann
INSERT INTO passes SELECT 'merchant', app.get_apple_wallet_pass(:'merchant_card');
COMMIT;
SELECT pass ?& (SELECT keys FROM required) AS has_required,
       pass->'barcode' ?& ARRAY['format', 'message', 'messageEncoding'] AS barcode_complete
  FROM passes WHERE label = 'merchant';
SELECT jsonb_pretty(pass - 'authenticationToken' - 'passTypeIdentifier') FROM passes WHERE label = 'merchant';
SELECT pass->>'passTypeIdentifier' = 'pass.com.vitaglobal.merchant.' || :'shop_id' AS merchant_pass_type FROM passes WHERE label = 'merchant';

--------------------------------------------------------------------------------------------
-- A standard card: it gets its qr_code_data with its first pass, without a new update tag
--------------------------------------------------------------------------------------------
SELECT qr_code_data IS NULL AS no_code_yet FROM app.member_cards WHERE id = :'ann_card';
SELECT tag AS tag0 FROM tags WHERE id = :'ann_card' \gset
BEGIN; :as_ann
INSERT INTO passes SELECT 'standard', app.get_apple_wallet_pass(:'ann_card');
COMMIT;
SELECT qr_code_data = 'vitaglobal://card/' || card_no || '/' || substr(qr_code_data, length(card_no) + 20) AS code_shape,
       qr_code_data ~ '^vitaglobal://card/[A-Z0-9]+/[A-Za-z0-9_-]{22}$' AS code_check,
       (SELECT tag FROM tags WHERE id = :'ann_card') = :'tag0' AS same_tag
  FROM app.member_cards WHERE id = :'ann_card';
SELECT pass ?& (SELECT keys FROM required) AS has_required,
       pass->>'serialNumber' = :'ann_card_no' AS serial_is_card_no,
       pass->'barcode'->>'message' = (SELECT qr_code_data FROM app.member_cards WHERE id = :'ann_card') AS barcode_is_code,
       pass->'barcode'->>'altText' = :'ann_card_no' AS alt_text,
       pass->'storeCard'->'secondaryFields'->1->>'value' = :'ann_card_no' AS member_number_is_card_no
  FROM passes WHERE label = 'standard';
SELECT jsonb_pretty(pass - 'authenticationToken' - 'serialNumber' - 'barcode' - 'barcodes'
                    #- '{storeCard,secondaryFields,1,value}') FROM passes WHERE label = 'standard';
-- The payment QR code never goes into a pass: its plaintext is shown once, only its digest is kept.
BEGIN; :as_ann SELECT qr_plain AS ann_qr FROM app.rotate_card_qr(:'ann_card') \gset
COMMIT;
SELECT position(:'ann_qr' IN app.get_apple_wallet_pass(:'ann_card')::text) = 0 AS payment_code_absent;

-- A second call returns the same pass (same token) and moves no tag: a read is not a change.
SELECT tag AS tag1 FROM tags WHERE id = :'ann_card' \gset
BEGIN; :as_ann
SELECT app.get_apple_wallet_pass(:'ann_card') = (SELECT pass FROM passes WHERE label = 'standard') AS same_pass;
COMMIT;
SELECT tag = :'tag1' AS tag_unchanged FROM tags WHERE id = :'ann_card';
SELECT count(*) AS pass_rows FROM app.wallet_passes WHERE card_id = :'ann_card';

--------------------------------------------------------------------------------------------
-- Who may have a pass: a stranger may not (PERMISSION_DENIED whether or not the card exists);
-- an administrator may, and gets CARD_NOT_FOUND for an unknown card
--------------------------------------------------------------------------------------------
BEGIN; :as_bob
SELECT app.get_apple_wallet_pass(:'ann_card');
ROLLBACK;
BEGIN; :as_bob
SELECT app.get_google_wallet_object(:'org_card');
ROLLBACK;
BEGIN; :as_bob
SELECT app.get_apple_wallet_pass('00000000-0000-4000-8000-000000000000');
ROLLBACK;
SELECT app.get_apple_wallet_pass('00000000-0000-4000-8000-000000000000');
SELECT app.get_google_wallet_object(NULL);
SELECT (app.get_apple_wallet_pass(:'org_card') - 'authenticationToken') = ((SELECT pass FROM passes WHERE label = 'org') - 'authenticationToken') AS admin_same_pass;

--------------------------------------------------------------------------------------------
-- Google Wallet loyalty objects
--------------------------------------------------------------------------------------------
BEGIN; :as_ann
SELECT jsonb_pretty(app.get_google_wallet_object(:'org_card'));
SELECT jsonb_pretty(app.get_google_wallet_object(:'merchant_card') - 'classId');
SELECT o->>'id' = '3388000000012345678.' || :'ann_card_no' AS id, o->>'classId' AS class_id, o->>'state' AS state,
       o->'loyaltyPoints' AS points, o->>'hexBackgroundColor' AS colour
  FROM app.get_google_wallet_object(:'ann_card') o;
COMMIT;

--------------------------------------------------------------------------------------------
-- The PassKit web service (service_role): register a device
--------------------------------------------------------------------------------------------
SELECT pass->>'authenticationToken' AS org_token FROM passes WHERE label = 'org' \gset
SELECT pass->>'authenticationToken' AS ann_token, pass->>'passTypeIdentifier' AS ann_type FROM passes WHERE label = 'standard' \gset
BEGIN; :as_service
SELECT app.wallet_register_device('DEVICE-1', 'pass.com.vitaglobal.org.nyu-cssa', 'OR7000000000000001', :'org_token', 'a0b1c2d3e4f5') AS first;
SELECT app.wallet_register_device('DEVICE-1', 'pass.com.vitaglobal.org.nyu-cssa', 'OR7000000000000001', :'org_token', 'a0b1c2d3e4f5') AS again;
SELECT app.wallet_register_device('DEVICE-1', 'pass.com.vitaglobal.org.nyu-cssa', 'OR7000000000000001', :'org_token', 'ffff0000') AS new_push_token;
SELECT app.wallet_register_device('DEVICE-1', :'ann_type', :'ann_card_no', :'ann_token', 'ffff0000') AS standard_card;
SELECT app.wallet_register_device('DEVICE-2', :'ann_type', :'ann_card_no', :'ann_token', 'eeee0000') AS second_device;
COMMIT;
SELECT r.device_library_identifier, r.push_token, p.serial_number = :'ann_card_no' AS ann_card
  FROM app.wallet_registrations r JOIN app.wallet_passes p USING (card_id) ORDER BY 1, 3;
-- A wrong token (its first character shifted), another pass's token, an unknown serial:
-- WALLET_AUTH_FAILED, nothing registered.
BEGIN; :as_service
SELECT app.wallet_register_device('DEVICE-3', 'pass.com.vitaglobal.org.nyu-cssa', 'OR7000000000000001', translate(left(:'org_token', 1), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', 'BCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_A') || substr(:'org_token', 2), 'abcd');
ROLLBACK;
BEGIN; :as_service
SELECT app.wallet_register_device('DEVICE-3', 'pass.com.vitaglobal.org.nyu-cssa', 'OR7000000000000001', :'ann_token', 'abcd');
ROLLBACK;
BEGIN; :as_service
SELECT app.wallet_register_device('DEVICE-3', 'pass.com.vitaglobal.org.nyu-cssa', 'OR7000000000000099', :'org_token', 'abcd');
ROLLBACK;
BEGIN; :as_service
SELECT app.wallet_register_device('DEVICE-3', 'pass.com.vitaglobal', 'OR7000000000000001', :'org_token', 'abcd');
ROLLBACK;
-- Malformed arguments: INVALID_ARGUMENT.
BEGIN; :as_service
SELECT app.wallet_register_device('DEVICE 3', 'pass.com.vitaglobal.org.nyu-cssa', 'OR7000000000000001', :'org_token', 'abcd');
ROLLBACK;
BEGIN; :as_service
SELECT app.wallet_register_device('DEVICE-3', 'pass.com.vitaglobal.org.nyu-cssa', 'OR7000000000000001', :'org_token', 'ab:cd');
ROLLBACK;
BEGIN; :as_service
SELECT app.wallet_register_device('DEVICE-3', 'pass.com.vitaglobal.org.nyu-cssa', 'or-1', :'org_token', 'abcd');
ROLLBACK;
BEGIN; :as_service
SELECT app.wallet_register_device('DEVICE-3', 'pass.com.vitaglobal.org.nyu-cssa', 'OR7000000000000001', NULL, 'abcd');
ROLLBACK;
SELECT count(*) AS registrations FROM app.wallet_registrations;
-- Members may not call the web service functions (no EXECUTE), nor may anon.
BEGIN; :as_ann
SELECT app.wallet_register_device('DEVICE-3', 'pass.com.vitaglobal.org.nyu-cssa', 'OR7000000000000001', :'org_token', 'abcd');
ROLLBACK;
BEGIN; SET LOCAL ROLE anon;
SELECT app.wallet_latest_pass('pass.com.vitaglobal.org.nyu-cssa', 'OR7000000000000001', :'org_token');
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Serial numbers updated since a tag, and the update tag
--------------------------------------------------------------------------------------------
-- Without a tag: every pass of that type the device registered.
BEGIN; :as_service
SELECT s->'serialNumbers' AS serials, s->>'lastUpdated' ~ '^[0-9]{16}$' AS tag_shape
  FROM app.wallet_serials_updated_since('DEVICE-1', 'pass.com.vitaglobal.org.nyu-cssa') s;
SELECT app.wallet_serials_updated_since('DEVICE-9', 'pass.com.vitaglobal.org.nyu-cssa') IS NULL AS unknown_device_204;
COMMIT;
-- A tag in the far future lists nothing (NULL: 204) ...
BEGIN; :as_service
SELECT app.wallet_serials_updated_since('DEVICE-1', :'ann_type', '9000000000000000') IS NULL AS none_204;
COMMIT;
-- ... and one from 10 minutes after the card's last change too (the window looks back 10 minutes).
SELECT ((tag::int8) + 600000001)::text AS after_window FROM tags WHERE id = :'ann_card' \gset
SELECT ((tag::int8) + 599999999)::text AS within_window FROM tags WHERE id = :'ann_card' \gset
BEGIN; :as_service
SELECT app.wallet_serials_updated_since('DEVICE-2', :'ann_type', :'after_window') IS NULL AS outside_window;
SELECT app.wallet_serials_updated_since('DEVICE-2', :'ann_type', :'within_window')->'serialNumbers' = jsonb_build_array(:'ann_card_no') AS within_window;
COMMIT;
-- Bad tags: INVALID_ARGUMENT.
BEGIN; :as_service
SELECT app.wallet_serials_updated_since('DEVICE-1', :'ann_type', '2026-01-01');
ROLLBACK;
BEGIN; :as_service
SELECT app.wallet_serials_updated_since('DEVICE-1', :'ann_type', '99999999999999999999');
ROLLBACK;
BEGIN; :as_service
SELECT app.wallet_serials_updated_since('DEVICE-1', 'pass..x', NULL);
ROLLBACK;

SELECT tag AS before_payment FROM tags WHERE id = :'ann_card' \gset
-- A payment moves the standard card's tag.
BEGIN; :as_ann SELECT qr_plain AS ann_qr FROM app.rotate_card_qr(:'ann_card') \gset
COMMIT;
SELECT tag = :'before_payment' AS qr_rotation_same_tag FROM tags WHERE id = :'ann_card';
BEGIN; :as_cash
SELECT final_amount FROM app.merchant_charge_by_qr('WA_SHOP', :'ann_qr', 12.50);
COMMIT;
SELECT tag::int8 > :'before_payment'::int8 AS payment_moved_tag FROM tags WHERE id = :'ann_card';
SELECT tag AS after_payment FROM tags WHERE id = :'ann_card' \gset
-- Asked with a tag from before the payment (within the window), the device gets the card's serial.
BEGIN; :as_service
SELECT s->'serialNumbers' = jsonb_build_array(:'ann_card_no') AS payment_listed
  FROM app.wallet_serials_updated_since('DEVICE-2', :'ann_type', :'before_payment') s;
COMMIT;
-- The latest pass shows the new points; its tag is the card's.
BEGIN; :as_service
SELECT l->'pass'->'storeCard'->'primaryFields'->0->'value' AS points, l->>'tag' = :'after_payment' AS tag_is_card_tag,
       l->>'last_modified' ~ '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$' AS http_date,
       (l->'pass') - 'storeCard' = (SELECT pass - 'storeCard' FROM passes WHERE label = 'standard') AS rest_same
  FROM app.wallet_latest_pass(:'ann_type', :'ann_card_no', :'ann_token') l;
COMMIT;
-- A points change moves the tag.
SELECT points, level, discount FROM app.update_points_and_level(:'ann_card', 1000, 'wallet test bonus');
SELECT tag::int8 > :'after_payment'::int8 AS points_moved_tag FROM tags WHERE id = :'ann_card';
SELECT tag AS after_points FROM tags WHERE id = :'ann_card' \gset
BEGIN; :as_service
SELECT l->'pass'->'storeCard'->'primaryFields'->0->'value' AS points,
       l->'pass'->'storeCard'->'secondaryFields'->0->'value' AS level
  FROM app.wallet_latest_pass(:'ann_type', :'ann_card_no', :'ann_token') l;
COMMIT;
-- A freeze moves the tag (the pass is not voided: a frozen card comes back); a closed card's pass is voided.
SELECT tag AS org_before_freeze FROM tags WHERE id = :'org_card' \gset
SELECT app.freeze_card(:'org_card', 'wallet test') AS frozen;
SELECT tag::int8 > :'org_before_freeze'::int8 AS freeze_moved_tag FROM tags WHERE id = :'org_card';
SELECT tag AS org_after_freeze FROM tags WHERE id = :'org_card' \gset
BEGIN; :as_service
SELECT l->>'tag' = :'org_after_freeze' AS freeze_tag, l->'pass' ? 'voided' AS voided
  FROM app.wallet_latest_pass('pass.com.vitaglobal.org.nyu-cssa', 'OR7000000000000001', :'org_token') l;
COMMIT;
BEGIN; :as_ann
SELECT app.get_google_wallet_object(:'org_card')->>'state' AS frozen_state;
COMMIT;
SELECT app.unfreeze_card(:'org_card') AS unfrozen;
UPDATE app.member_cards SET status = 'closed', updated_at = now() WHERE id = :'merchant_card';
SELECT pass->'voided' AS voided FROM (SELECT app.get_apple_wallet_pass(:'merchant_card') AS pass) p;
SELECT app.get_google_wallet_object(:'merchant_card')->>'state' AS closed_state;
-- Latest pass: a wrong token is WALLET_AUTH_FAILED.
BEGIN; :as_service
SELECT app.wallet_latest_pass(:'ann_type', :'ann_card_no', :'org_token');
ROLLBACK;
BEGIN; :as_service
SELECT app.wallet_latest_pass(:'ann_type', :'ann_card_no', '');
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Pushes: each change is listed once per registration, whatever order transactions commit in
--------------------------------------------------------------------------------------------
BEGIN; :as_service
SELECT push_token, pass_type_identifier, serial_number = :'ann_card_no' AS ann_card, tag ~ '^[0-9]{16}$' AS tag_shape
  FROM app.wallet_push_targets();
-- Claimed: asked again, nothing is due.
SELECT count(*) AS due_again FROM app.wallet_push_targets();
COMMIT;
-- A card whose updated_at moves backwards (a transaction that started earlier committing later)
-- is still pushed: what counts is that the tag differs from the one last pushed.
UPDATE app.member_cards SET updated_at = updated_at - interval '1 second' WHERE id = :'ann_card';
BEGIN; :as_service
SELECT push_token, serial_number = :'ann_card_no' AS ann_card FROM app.wallet_push_targets(1);
SELECT push_token, serial_number = :'ann_card_no' AS ann_card FROM app.wallet_push_targets(10);
COMMIT;
BEGIN; :as_service
SELECT * FROM app.wallet_push_targets(0);
ROLLBACK;
BEGIN; :as_ann
SELECT * FROM app.wallet_push_targets();
ROLLBACK;

--------------------------------------------------------------------------------------------
-- Unregister
--------------------------------------------------------------------------------------------
BEGIN; :as_service
SELECT app.wallet_unregister_device('DEVICE-2', :'ann_type', :'ann_card_no', :'org_token');
ROLLBACK;
BEGIN; :as_service
SELECT app.wallet_unregister_device('DEVICE-2', :'ann_type', :'ann_card_no', :'ann_token') AS removed;
SELECT app.wallet_unregister_device('DEVICE-2', :'ann_type', :'ann_card_no', :'ann_token') AS removed_again;
SELECT app.wallet_serials_updated_since('DEVICE-2', :'ann_type') IS NULL AS nothing_left;
COMMIT;
SELECT device_library_identifier, push_token FROM app.wallet_registrations ORDER BY 1, 2;

-- Clearing the team identifier: passes are WALLET_NOT_CONFIGURED again, for members and the web service.
SELECT app.set_wallet_settings(NULL, 'pass.com.vitaglobal', 'https://api.vitaglobal.com/passkit');
BEGIN; :as_service
SELECT app.wallet_latest_pass(:'ann_type', :'ann_card_no', :'ann_token');
ROLLBACK;
