// Wallet passes (issue #13 item 6; seed 003 generate_organization_pass / generate_merchant_pass):
// app.get_apple_wallet_pass, app.get_google_wallet_object, app.set_wallet_settings, and the data
// of the PassKit web service: app.wallet_register_device, app.wallet_unregister_device,
// app.wallet_serials_updated_since, app.wallet_latest_pass, app.wallet_push_targets.
// SQL: sql/install/90_rpc_wallet.sql; tables: sql/install/37_wallet.sql.
//
// The database builds pass.json and the Google loyalty object (JSON made in SQL); signing the
// .pkpass (pass certificate, WWDR chain, images, manifest) and APNs pushes stay in the web
// service (README, "Wallet passes"). The barcode is the card's static identification payload
// (member_cards.qr_code_data), never the rotating payment QR code.
//
// Update tag: a card's updated_at in microseconds since 1970 (every payment, refund, recharge,
// points or level change, freeze, unfreeze and expiry sets it; a read does not), so no payment
// pays an extra write for wallets. Because updated_at is its transaction's start, transactions
// commit out of order: "changed since" looks back kPassTagWindowMicros (core/wallet.hpp), and
// pushes compare with the tag each registration was last told about (a difference, not an order).
#include <string>

#include "common/access.hpp"
#include "common/args.hpp"
#include "common/audit.hpp"
#include "core/errors.hpp"
#include "core/wallet.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/srf.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

// Text of the given shape (INVALID_ARGUMENT otherwise; the value is never echoed).
std::string shaped_arg(const Args& args, int n, size_t max_len, bool (*shape)(std::string_view), const char* what) {
    std::string v = required_text_arg(args, n, max_len);
    if (!shape(v)) fail(err::INVALID_ARGUMENT, std::string(args.name(n)) + " must be " + what + ".");
    return v;
}

// The same for a parameter that may be NULL.
std::optional<std::string> optional_shaped_arg(const Args& args, int n, size_t max_len,
                                               bool (*shape)(std::string_view), const char* what) {
    if (!args.has(n)) return std::nullopt;
    return shaped_arg(args, n, max_len, shape, what);
}

bool device_shape(std::string_view s) { return is_token_text(s, 128, "._-"); }
bool serial_shape(std::string_view s) { return is_token_text(s, 64, ""); }
bool push_token_shape(std::string_view s) { return is_token_text(s, 200, ""); }
bool pass_type_shape(std::string_view s) { return is_pass_type_identifier(s, 255); }
bool base_type_shape(std::string_view s) { return is_pass_type_identifier(s, 150); }
bool team_shape(std::string_view s) { return is_team_identifier(s); }
bool url_shape(std::string_view s) { return is_https_url(s); }
bool issuer_shape(std::string_view s) { return is_google_issuer_id(s); }
bool tag_shape(std::string_view s) { return parse_pass_tag(s).has_value(); }

// A device library identifier as Apple sends it.
std::string device_arg(const Args& args, int n) {
    return shaped_arg(args, n, 128, device_shape, "1..128 of A-Z, a-z, 0-9, '.', '_', '-'");
}

std::string pass_type_arg(const Args& args, int n) {
    return shaped_arg(args, n, 255, pass_type_shape, "a pass type identifier");
}

// A pass as a device names it: pass type, serial number and the token it authenticates with
// (any text up to 128 characters: its shape is not checked, the comparison decides).
struct PassRequest {
    std::string pass_type;
    std::string serial;
    std::string token;
};

PassRequest pass_request_args(const Args& args, int pass_type_n, int serial_n, int token_n) {
    PassRequest r;
    r.pass_type = pass_type_arg(args, pass_type_n);
    r.serial = shaped_arg(args, serial_n, 64, serial_shape, "a serial number (A-Z, 0-9)");
    r.token = required_text_arg(args, token_n, 128);
    return r;
}

// A tag argument (NULL: none).
std::optional<int64_t> pass_tag_arg(const Args& args, int n) {
    std::optional<std::string> t =
        optional_shaped_arg(args, n, 19, tag_shape, "an update tag as a previous call returned it (decimal digits)");
    if (!t) return std::nullopt;
    return parse_pass_tag(*t);
}

// The caller may have the card's pass: a holder who may use the card (owner, or a binding that
// may use it; core/cards.hpp), or a platform administrator. Strangers get PERMISSION_DENIED
// whether or not the card exists.
void authorize_pass(Spi& spi, const Caller& caller, const Uuid& card_id) {
    CardHolder holder = card_holder(spi, caller, card_id);
    if (holder.may_use()) return;
    if (!is_platform_admin(spi, caller))
        fail(err::PERMISSION_DENIED, "Only the card's holders and platform administrators get its wallet pass.");
    if (!holder.card_type) fail(err::CARD_NOT_FOUND, "No card with this id.");
}

struct WalletSettings {
    bool apple = false;   // team and pass type identifiers set
    bool google = false;  // issuer id set
    std::string pass_type_base;
};

WalletSettings wallet_settings(Spi& spi) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT team_identifier IS NOT NULL AND pass_type_identifier IS NOT NULL,"
                          "       google_issuer_id IS NOT NULL, COALESCE(pass_type_identifier, '')"
                          "  FROM app.wallet_settings",
                          {});
    SpiResult r = spi.run(stmt, {});
    WalletSettings s;
    if (r.empty()) return s;
    s.apple = r[0].boolean(1);
    s.google = r[0].boolean(2);
    s.pass_type_base = r[0].string(3);
    return s;
}

[[noreturn]] void not_configured(const char* what) {
    fail(err::WALLET_NOT_CONFIGURED, std::string("The platform's ") + what + " is not set.",
         "A platform administrator sets it with app.set_wallet_settings.");
}

// Gives the card its static identification payload if it has none yet (cards other than loyalty
// cards get it with their first pass), without touching updated_at: no device holds a pass of
// the card before this, so nothing needs an update. Returns whether the card has a pass row.
bool prepare_card(Spi& spi, const Uuid& card_id) {
    static Statement card(SPI_OK_SELECT,
                          "SELECT c.card_no, c.qr_code_data IS NULL,"
                          "       EXISTS (SELECT 1 FROM app.wallet_passes p WHERE p.card_id = c.id)"
                          "  FROM app.member_cards c WHERE c.id = $1",
                          {UUIDOID});
    SpiResult r = spi.run(card, {p_uuid(card_id)});
    if (r.empty()) fail(err::CARD_NOT_FOUND, "No card with this id.");
    const std::string card_no = r[0].string(1);
    const bool needs_code = r[0].boolean(2);
    const bool has_pass = r[0].boolean(3);
    if (needs_code) {
        // A concurrent first pass waits for this row and then finds the code set: one code per card.
        static Statement fill(SPI_OK_UPDATE,
                              "UPDATE app.member_cards SET qr_code_data = $2 WHERE id = $1 AND qr_code_data IS NULL",
                              {UUIDOID, TEXTOID});
        spi.run(fill, {p_uuid(card_id), p_text(new_card_code(card_no))});
    }
    return has_pass;
}

// The card's pass row: serial number = card number, pass type from the card (seed 003:
// <base>.org.<slug>, <base>.merchant.<merchant id>; the base itself for the platform's cards),
// a fresh authentication token. A concurrent first call's row wins (ON CONFLICT DO NOTHING).
void create_pass(Spi& spi, const Uuid& card_id, const std::string& base) {
    static Statement insert(
        SPI_OK_INSERT,
        "INSERT INTO app.wallet_passes (card_id, serial_number, pass_type_identifier, authentication_token)"
        " SELECT c.id, c.card_no,"
        "        CASE c.card_type::text WHEN 'organization' THEN $2 || '.org.' || o.slug"
        "             WHEN 'merchant' THEN $2 || '.merchant.' || c.loyalty_merchant_id::text ELSE $2 END, $3"
        "   FROM app.member_cards c LEFT JOIN app.organizations o ON o.id = c.organization_id"
        "  WHERE c.id = $1"
        " ON CONFLICT (card_id) DO NOTHING",
        {UUIDOID, TEXTOID, TEXTOID});
    spi.run(insert, {p_uuid(card_id), p_text(base), p_text(new_pass_token())});
}

// pass.json of a card with a pass row (column 1), and {pass, tag, last_modified} (column 2).
// Colours: brand_colors {"primary": foreground, "secondary": background} as #RRGGBB, which Apple
// wants as CSS rgb(r, g, b); anything else falls back to black on white. Levels: the ladder's
// name for standard/prepaid cards, membership_level (basic/premium/vip) for loyalty cards.
// webServiceURL and authenticationToken only when the web service URL is set; voided once the
// card is closed or expired.
SpiResult apple_pass(Spi& spi, const Uuid& card_id) {
    static Statement stmt(
        SPI_OK_SELECT,
        "WITH k AS ("
        "  SELECT c.card_no, c.card_type::text AS card_type, c.points, c.status::text AS status, c.expires_at,"
        "         c.updated_at, c.qr_code_data, p.serial_number, p.pass_type_identifier, p.authentication_token,"
        "         s.team_identifier, s.web_service_url, o.display_name_zh AS org_display, m.name AS merchant_name,"
        "         CASE c.card_type::text WHEN 'organization' THEN o.name WHEN 'merchant' THEN m.name"
        "              ELSE s.organization_name END AS issuer,"
        "         CASE c.card_type::text WHEN 'organization' THEN o.display_name_zh WHEN 'merchant' THEN m.name"
        "              ELSE s.organization_name END AS logo_text,"
        "         CASE c.card_type::text WHEN 'organization' THEN o.brand_colors WHEN 'merchant' THEN m.brand_colors"
        "              ELSE '{}'::jsonb END AS colors,"
        "         CASE WHEN c.card_type::text IN ('organization', 'merchant') THEN c.membership_level"
        "              ELSE l.name END AS level_name,"
        "         COALESCE(u.member_number, c.card_no) AS member_number"
        "    FROM app.member_cards c"
        "    JOIN app.wallet_passes p ON p.card_id = c.id"
        "    JOIN app.wallet_settings s ON true"
        "    LEFT JOIN app.organizations o ON o.id = c.organization_id"
        "    LEFT JOIN app.merchants m ON m.id = c.loyalty_merchant_id"
        "    LEFT JOIN app.membership_levels l ON l.level = c.level"
        "    LEFT JOIN app.user_organizations u ON c.card_type::text = 'organization'"
        "         AND u.member_id = c.owner_member_id AND u.organization_id = c.organization_id"
        "   WHERE c.id = $1),"
        " rgb AS ("
        "  SELECT k.*,"
        "    COALESCE(decode(substring(colors->>'primary' FROM '^#([0-9A-Fa-f]{6})$'), 'hex'), decode('000000', 'hex')) AS fg,"
        "    COALESCE(decode(substring(colors->>'secondary' FROM '^#([0-9A-Fa-f]{6})$'), 'hex'), decode('FFFFFF', 'hex')) AS bg,"
        "    jsonb_build_object('format', 'PKBarcodeFormatQR', 'message', qr_code_data,"
        "                       'messageEncoding', 'iso-8859-1', 'altText', card_no) AS barcode"
        "    FROM k),"
        " x AS ("
        "  SELECT jsonb_build_object("
        "    'formatVersion', 1, 'passTypeIdentifier', pass_type_identifier, 'serialNumber', serial_number,"
        "    'teamIdentifier', team_identifier, 'organizationName', issuer, 'description', issuer || ' 会员卡',"
        "    'logoText', logo_text,"
        "    'foregroundColor', format('rgb(%s, %s, %s)', get_byte(fg, 0), get_byte(fg, 1), get_byte(fg, 2)),"
        "    'backgroundColor', format('rgb(%s, %s, %s)', get_byte(bg, 0), get_byte(bg, 1), get_byte(bg, 2)),"
        "    'barcode', barcode, 'barcodes', jsonb_build_array(barcode),"
        "    'storeCard', jsonb_build_object("
        "      'primaryFields', jsonb_build_array(jsonb_build_object('key', 'points', 'label', '积分',"
        "                                         'value', points, 'changeMessage', '积分: %@')),"
        "      'secondaryFields', jsonb_build_array("
        "        jsonb_build_object('key', 'level', 'label', '等级', 'value', COALESCE(level_name, '')),"
        "        CASE WHEN card_type = 'merchant' THEN jsonb_build_object('key', 'merchant', 'label', '商家', 'value', merchant_name)"
        "             ELSE jsonb_build_object('key', 'member_number', 'label', '会员号', 'value', member_number) END),"
        "      'auxiliaryFields', CASE WHEN org_display IS NULL THEN '[]'::jsonb"
        "        ELSE jsonb_build_array(jsonb_build_object('key', 'organization',"
        "               'label', CASE WHEN card_type = 'merchant' THEN '所属组织' ELSE '组织' END, 'value', org_display)) END))"
        "    || CASE WHEN web_service_url IS NULL THEN '{}'::jsonb"
        "            ELSE jsonb_build_object('webServiceURL', web_service_url, 'authenticationToken', authentication_token) END"
        "    || CASE WHEN expires_at IS NULL THEN '{}'::jsonb"
        "            ELSE jsonb_build_object('expirationDate', to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')) END"
        "    || CASE WHEN status IN ('closed', 'expired') THEN jsonb_build_object('voided', true) ELSE '{}'::jsonb END AS pass,"
        "    (extract(epoch FROM updated_at) * 1000000)::int8::text AS tag,"
        "    to_char(updated_at AT TIME ZONE 'UTC', 'Dy, DD Mon YYYY HH24:MI:SS \"GMT\"') AS last_modified"
        "    FROM rgb)"
        "SELECT pass, jsonb_build_object('pass', pass, 'tag', tag, 'last_modified', last_modified) FROM x",
        {UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(card_id)});
    if (r.empty()) fail(err::CARD_NOT_FOUND, "No card with this id.");
    return r;
}

// The pass a device names, once its authentication token is checked (in constant time); an
// unknown pass and a wrong token are the same WALLET_AUTH_FAILED, and nothing is changed.
Uuid authenticate_pass(Spi& spi, const PassRequest& pass) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT card_id, authentication_token FROM app.wallet_passes"
                          " WHERE serial_number = $2 AND pass_type_identifier = $1",
                          {TEXTOID, TEXTOID});
    SpiResult r = spi.run(stmt, {p_text(pass.pass_type), p_text(pass.serial)});
    if (r.empty() || !pass_token_matches(pass.token, r[0].bytes(2)))
        fail(err::WALLET_AUTH_FAILED, "No wallet pass of this type and serial number has this authentication token.",
             "The device sends the pass's authenticationToken (Authorization: ApplePass <token>).");
    return r[0].uuid(1);
}

// The web-service calls are the PassKit web service backend's (service_role).
void require_web_service(Spi& spi, const Caller& caller) {
    require_platform_admin(spi, caller, "call the wallet web service functions");
}

}  // namespace

MPS_ENTRY(mps_get_apple_wallet_pass, p_card_id) {
    const Uuid card_id = required_uuid_arg(args, p_card_id);
    Caller caller = current_caller();
    Spi spi;
    authorize_pass(spi, caller, card_id);
    const WalletSettings settings = wallet_settings(spi);
    if (!settings.apple) not_configured("Apple Wallet team identifier or pass type identifier");
    if (!prepare_card(spi, card_id)) create_pass(spi, card_id, settings.pass_type_base);
    Value pass = apple_pass(spi, card_id)[0].copy(1);
    spi.finish();
    return pass.datum;
}

MPS_ENTRY(mps_get_google_wallet_object, p_card_id) {
    const Uuid card_id = required_uuid_arg(args, p_card_id);
    Caller caller = current_caller();
    Spi spi;
    authorize_pass(spi, caller, card_id);
    if (!wallet_settings(spi).google) not_configured("Google Wallet issuer id");
    prepare_card(spi, card_id);
    // Google's loyaltyObject: id and classId are <issuer id>.<identifier> ([A-Za-z0-9._-]).
    static Statement stmt(
        SPI_OK_SELECT,
        "SELECT jsonb_build_object("
        "  'id', s.google_issuer_id || '.' || c.card_no,"
        "  'classId', s.google_issuer_id || '.' || CASE c.card_type::text WHEN 'organization' THEN 'org-' || o.slug"
        "             WHEN 'merchant' THEN 'merchant-' || c.loyalty_merchant_id::text ELSE c.card_type::text END,"
        "  'state', CASE c.status::text WHEN 'active' THEN 'ACTIVE' WHEN 'expired' THEN 'EXPIRED' ELSE 'INACTIVE' END,"
        "  'accountId', c.card_no,"
        "  'accountName', COALESCE(mp.name, c.company_name, c.card_no),"
        "  'loyaltyPoints', jsonb_build_object('label', '积分', 'balance', jsonb_build_object('int', c.points)),"
        "  'barcode', jsonb_build_object('type', 'QR_CODE', 'value', c.qr_code_data, 'alternateText', c.card_no),"
        "  'hexBackgroundColor', COALESCE(upper(substring("
        "      CASE c.card_type::text WHEN 'organization' THEN o.brand_colors WHEN 'merchant' THEN m.brand_colors END"
        "      ->> 'secondary' FROM '^#[0-9A-Fa-f]{6}$')), '#FFFFFF'))"
        "  FROM app.member_cards c"
        "  JOIN app.wallet_settings s ON true"
        "  LEFT JOIN app.member_profiles mp ON mp.id = c.owner_member_id"
        "  LEFT JOIN app.organizations o ON o.id = c.organization_id"
        "  LEFT JOIN app.merchants m ON m.id = c.loyalty_merchant_id"
        " WHERE c.id = $1",
        {UUIDOID});
    Value object = spi.run(stmt, {p_uuid(card_id)})[0].copy(1);
    spi.finish();
    return object.datum;
}

MPS_ENTRY(mps_set_wallet_settings, p_team_identifier, p_pass_type_identifier, p_web_service_url, p_google_issuer_id,
          p_organization_name) {
    const auto team = optional_shaped_arg(args, p_team_identifier, 10, team_shape, "an Apple team id (10 of A-Z, 0-9)");
    const auto base = optional_shaped_arg(args, p_pass_type_identifier, 150, base_type_shape,
                                          "a pass type identifier such as pass.com.vitaglobal");
    const auto url = optional_shaped_arg(args, p_web_service_url, 500, url_shape,
                                         "an https URL without query (https://host[:port][/path])");
    const auto issuer = optional_shaped_arg(args, p_google_issuer_id, 25, issuer_shape, "a Google issuer id (digits)");
    const auto name = optional_text_arg(args, p_organization_name, 100);
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "set the wallet settings");
    // The whole row is replaced: a NULL argument clears that setting (organization_name: default).
    static Statement upsert(
        SPI_OK_INSERT_RETURNING,
        "INSERT INTO app.wallet_settings AS w (id, team_identifier, pass_type_identifier, web_service_url,"
        "       google_issuer_id, organization_name, updated_at, updated_by)"
        " VALUES (true, $1, $2, $3, $4, COALESCE($5, 'VitaGlobal'), now(), $6)"
        " ON CONFLICT (id) DO UPDATE SET team_identifier = EXCLUDED.team_identifier,"
        "   pass_type_identifier = EXCLUDED.pass_type_identifier, web_service_url = EXCLUDED.web_service_url,"
        "   google_issuer_id = EXCLUDED.google_issuer_id, organization_name = EXCLUDED.organization_name,"
        "   updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by"
        " RETURNING jsonb_build_object('team_identifier', w.team_identifier,"
        "   'pass_type_identifier', w.pass_type_identifier, 'web_service_url', w.web_service_url,"
        "   'google_issuer_id', w.google_issuer_id, 'organization_name', w.organization_name)",
        {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, UUIDOID});
    Value row = spi.run(upsert, {p_opt_text(team), p_opt_text(base), p_opt_text(url), p_opt_text(issuer),
                                 p_opt_text(name), p_opt_uuid(caller.user_id)})[0]
                    .copy(1);
    audit(spi, caller, "wallet.settings", "wallet_settings", "platform",
          JsonObject().add_bool("apple", team && base).add_bool("web_service", url.has_value())
              .add_bool("google", issuer.has_value()));
    spi.finish();
    return row.datum;
}

// PassKit: POST /v1/devices/<device>/registrations/<pass type>/<serial>. 'created' (201) for a
// new registration, 'exists' (200) for a known one (its push token updated when it changed).
MPS_ENTRY(mps_wallet_register_device, p_device_library_identifier, p_pass_type_identifier, p_serial_number,
          p_authentication_token, p_push_token) {
    const std::string device = device_arg(args, p_device_library_identifier);
    const PassRequest pass = pass_request_args(args, p_pass_type_identifier, p_serial_number, p_authentication_token);
    const std::string push = shaped_arg(args, p_push_token, 200, push_token_shape, "an APNs push token (A-Z, a-z, 0-9)");
    Caller caller = current_caller();
    Spi spi;
    require_web_service(spi, caller);
    const Uuid card_id = authenticate_pass(spi, pass);
    // xmax = 0: the row was inserted by this statement. A known device with the same push token
    // changes nothing (no row returned).
    static Statement upsert(
        SPI_OK_INSERT_RETURNING,
        "INSERT INTO app.wallet_registrations AS r (card_id, device_library_identifier, push_token, pushed_tag)"
        " SELECT $1, $2, $3, (extract(epoch FROM c.updated_at) * 1000000)::int8 FROM app.member_cards c WHERE c.id = $1"
        " ON CONFLICT (card_id, device_library_identifier) DO UPDATE SET push_token = EXCLUDED.push_token,"
        "   updated_at = now() WHERE r.push_token IS DISTINCT FROM EXCLUDED.push_token"
        " RETURNING r.xmax = 0",
        {UUIDOID, TEXTOID, TEXTOID});
    SpiResult r = spi.run(upsert, {p_uuid(card_id), p_text(device), p_text(push)});
    const bool created = !r.empty() && r[0].boolean(1);
    spi.finish();
    return text_datum(created ? "created" : "exists");
}

// PassKit: DELETE /v1/devices/<device>/registrations/<pass type>/<serial>. true when the
// registration existed.
MPS_ENTRY(mps_wallet_unregister_device, p_device_library_identifier, p_pass_type_identifier, p_serial_number,
          p_authentication_token) {
    const std::string device = device_arg(args, p_device_library_identifier);
    const PassRequest pass = pass_request_args(args, p_pass_type_identifier, p_serial_number, p_authentication_token);
    Caller caller = current_caller();
    Spi spi;
    require_web_service(spi, caller);
    const Uuid card_id = authenticate_pass(spi, pass);
    static Statement del(SPI_OK_DELETE,
                         "DELETE FROM app.wallet_registrations WHERE card_id = $1 AND device_library_identifier = $2",
                         {UUIDOID, TEXTOID});
    const bool deleted = spi.run(del, {p_uuid(card_id), p_text(device)}).processed() > 0;
    spi.finish();
    PG_RETURN_BOOL(deleted);
}

// PassKit: GET /v1/devices/<device>/registrations/<pass type>?passesUpdatedSince=<tag>.
// {serialNumbers, lastUpdated} of the device's passes of that type whose card changed at or
// after tag - kPassTagWindowMicros (all of them without a tag); NULL (204) when there are none.
// lastUpdated is the time of this call as a tag.
MPS_ENTRY(mps_wallet_serials_updated_since, p_device_library_identifier, p_pass_type_identifier,
          p_passes_updated_since) {
    const std::string device = device_arg(args, p_device_library_identifier);
    const std::string pass_type = pass_type_arg(args, p_pass_type_identifier);
    const std::optional<int64_t> since = pass_tag_arg(args, p_passes_updated_since);
    Caller caller = current_caller();
    Spi spi;
    require_web_service(spi, caller);
    static Statement stmt(
        SPI_OK_SELECT,
        "SELECT jsonb_build_object('serialNumbers', jsonb_agg(p.serial_number ORDER BY p.serial_number),"
        "         'lastUpdated', (extract(epoch FROM clock_timestamp()) * 1000000)::int8::text)"
        "  FROM app.wallet_registrations r"
        "  JOIN app.wallet_passes p ON p.card_id = r.card_id"
        "  JOIN app.member_cards c ON c.id = r.card_id"
        " WHERE r.device_library_identifier = $1 AND p.pass_type_identifier = $2"
        "   AND ($3::int8 IS NULL OR (extract(epoch FROM c.updated_at) * 1000000)::int8 >= $3 - $4)"
        " HAVING count(*) > 0",
        {TEXTOID, TEXTOID, INT8OID, INT8OID});
    SpiResult r = spi.run(stmt, {p_text(device), p_text(pass_type), since ? p_int64(*since) : p_null(),
                                 p_int64(kPassTagWindowMicros)});
    if (r.empty()) {
        spi.finish();
        return args.null_result();
    }
    Value out = r[0].copy(1);
    spi.finish();
    return out.datum;
}

// PassKit: GET /v1/passes/<pass type>/<serial>. {pass: pass.json, tag, last_modified (an
// HTTP-date for the Last-Modified header)}.
MPS_ENTRY(mps_wallet_latest_pass, p_pass_type_identifier, p_serial_number, p_authentication_token) {
    const PassRequest pass = pass_request_args(args, p_pass_type_identifier, p_serial_number, p_authentication_token);
    Caller caller = current_caller();
    Spi spi;
    require_web_service(spi, caller);
    const Uuid card_id = authenticate_pass(spi, pass);
    if (!wallet_settings(spi).apple) not_configured("Apple Wallet team identifier or pass type identifier");
    Value out = apple_pass(spi, card_id)[0].copy(2);
    spi.finish();
    return out.datum;
}

// Pushes due: every registration whose card's tag differs from the one it was last told about,
// claimed (its pushed_tag set) in this call; at most p_limit (1..10000, default 1000) rows, and
// rows another sweep holds are skipped. The web service sends one APNs push per distinct
// (push_token, pass_type_identifier) after its transaction commits.
MPS_ENTRY(mps_wallet_push_targets, p_limit) {
    const std::optional<int32_t> limit = optional_int32_arg(args, p_limit);
    if (!limit || *limit < 1 || *limit > 10000) fail(err::INVALID_ARGUMENT, "p_limit must be between 1 and 10000.");
    Caller caller = current_caller();
    Spi spi;
    require_web_service(spi, caller);
    static Statement stmt(
        SPI_OK_SELECT,
        "WITH due AS ("
        "  SELECT r.card_id, r.device_library_identifier, (extract(epoch FROM c.updated_at) * 1000000)::int8 AS tag"
        "    FROM app.wallet_registrations r JOIN app.member_cards c ON c.id = r.card_id"
        "   WHERE r.pushed_tag <> (extract(epoch FROM c.updated_at) * 1000000)::int8"
        "   ORDER BY r.card_id, r.device_library_identifier LIMIT $1"
        "   FOR UPDATE OF r SKIP LOCKED),"
        " done AS ("
        "  UPDATE app.wallet_registrations r SET pushed_tag = d.tag, pushed_at = clock_timestamp()"
        "    FROM due d WHERE r.card_id = d.card_id AND r.device_library_identifier = d.device_library_identifier"
        "  RETURNING r.push_token, r.card_id, d.tag)"
        "SELECT d.push_token, p.pass_type_identifier, p.serial_number, d.tag::text"
        "  FROM done d JOIN app.wallet_passes p ON p.card_id = d.card_id"
        " ORDER BY p.pass_type_identifier, d.push_token, p.serial_number",
        {INT4OID});
    SpiResult r = spi.run(stmt, {p_int32(*limit)});
    TableResult out(args.fcinfo());
    for (uint64_t i = 0; i < r.size(); ++i) out.add({r[i].cell(1), r[i].cell(2), r[i].cell(3), r[i].cell(4)});
    spi.finish();
    return Datum(0);
}
