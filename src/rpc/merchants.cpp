// app.create_merchant (platform administrators) and app.add_merchant_user (platform
// administrators, or the merchant's owner/manager; only an owner or an administrator may
// appoint an owner). SQL: sql/install/90_rpc_merchants.sql.
#include <string>

#include "common/access.hpp"
#include "common/args.hpp"
#include "common/audit.hpp"
#include "common/organizations.hpp"
#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/profiles.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/srf.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

void check_code(const std::string& code) {
    for (char c : code)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            fail(err::INVALID_ARGUMENT, "p_code may contain only letters, digits, '_', '.' and '-'.");
}

}  // namespace

MPS_ENTRY(mps_create_merchant, p_code, p_name, p_contact) {
    const std::string code = required_text_arg(args, p_code, 64);
    const std::string name = required_text_arg(args, p_name, 200);
    const std::optional<std::string> contact = note_arg(args, p_contact, 200);
    check_code(code);

    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "create merchants");
    static Statement insert(SPI_OK_INSERT_RETURNING,
                            "INSERT INTO app.merchants (code, name, contact) VALUES ($1, $2, $3)"
                            " ON CONFLICT (code) DO NOTHING RETURNING id",
                            {TEXTOID, TEXTOID, TEXTOID});
    SpiResult r = spi.run(insert, {p_text(code), p_text(name), p_opt_text(contact)});
    if (r.empty()) fail(err::MERCHANT_ALREADY_EXISTS, "A merchant with code " + code + " already exists.");
    const Uuid id = r[0].uuid(1);
    audit(spi, caller, "merchant.create", "merchant", format_uuid(id), JsonObject().add("code", code));
    spi.finish();
    return uuid_datum(id);
}

MPS_ENTRY(mps_add_merchant_user, p_merchant_code, p_user_id, p_role) {
    const std::string code = required_text_arg(args, p_merchant_code, 64);
    const Uuid user_id = required_uuid_arg(args, p_user_id);
    const std::optional<MerchantRole> role = parse_label<MerchantRole>(word_arg(args, p_role, 16, "cashier"));
    if (!role) fail(err::INVALID_ARGUMENT, "p_role must be owner, manager or cashier.");

    Caller caller = current_caller();
    Spi spi;
    Merchant m = merchant_for_staff(spi, caller, code, false);
    // Owners manage everyone; managers manage cashiers and managers, but owners are appointed
    // and changed only by an owner or a platform administrator — who keeps that right where it
    // is also staff of the merchant.
    if (m.staff_role != MerchantRole::Owner && !is_admin(spi, caller, m)) {
        if (m.staff_role != MerchantRole::Manager) fail(err::PERMISSION_DENIED, "A cashier may not manage staff.");
        static Statement current_role(
            SPI_OK_SELECT, "SELECT role::text FROM app.merchant_users WHERE merchant_id = $1 AND user_id = $2",
            {UUIDOID, UUIDOID});
        SpiResult target = spi.run(current_role, {p_uuid(m.id), p_uuid(user_id)});
        const bool target_is_owner = !target.empty() && target[0].label<MerchantRole>(1) == MerchantRole::Owner;
        if (*role == MerchantRole::Owner || target_is_owner)
            fail(err::PERMISSION_DENIED, "Only an owner or a platform administrator may appoint or change an owner.");
    }
    static Statement upsert(
        SPI_OK_INSERT,
        "INSERT INTO app.merchant_users (merchant_id, user_id, role) VALUES ($1, $2, $3::app.merchant_role)"
        " ON CONFLICT (merchant_id, user_id) DO UPDATE SET role = EXCLUDED.role, active = true",
        {UUIDOID, UUIDOID, TEXTOID});
    spi.run(upsert, {p_uuid(m.id), p_uuid(user_id), p_text(label(*role))});
    audit(spi, caller, "merchant.add_user", "merchant", format_uuid(m.id),
          JsonObject().add("user_id", user_id).add("role", label(*role)));
    spi.finish();
    PG_RETURN_VOID();
}

// Counter top-ups (cash taken at the counter, put on a card) are money the merchant owes the
// platform: a platform administrator switches them on per merchant, with a limit per top-up and
// per UTC day, or off again (the limits are kept).
MPS_ENTRY(mps_set_merchant_counter_topup, p_merchant_code, p_enabled, p_max_per_transaction, p_max_per_day) {
    const std::string code = required_text_arg(args, p_merchant_code, 64);
    args.require_declared(p_enabled);
    if (!args.has(p_enabled)) fail(err::INVALID_ARGUMENT, "p_enabled is required.");
    const bool enabled = DatumGetBool(args.datum(p_enabled));
    const std::optional<int64_t> per_tx = optional_amount_arg(args, p_max_per_transaction);
    const std::optional<int64_t> per_day = optional_amount_arg(args, p_max_per_day);
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "switch counter top-ups");
    // The limits in force afterwards: the ones given, else the ones the merchant has.
    static Statement current(
        SPI_OK_SELECT,
        "SELECT id, (counter_topup_max_per_tx * 100)::int8, (counter_topup_max_per_day * 100)::int8"
        "  FROM app.merchants WHERE code = $1 FOR UPDATE",
        {TEXTOID});
    SpiResult m = spi.run(current, {p_text(code)});
    if (m.empty()) fail(err::MERCHANT_NOT_FOUND_OR_INACTIVE, "No merchant has this code.");
    const Uuid merchant_id = m[0].uuid(1);
    // 0: no limit set (a limit is always more than 0).
    const int64_t new_per_tx = per_tx ? *per_tx : (m[0].is_null(2) ? 0 : m[0].cents(2));
    const int64_t new_per_day = per_day ? *per_day : (m[0].is_null(3) ? 0 : m[0].cents(3));
    if (enabled && (new_per_tx == 0 || new_per_day == 0))
        fail(err::INVALID_ARGUMENT, "Switching counter top-ups on needs p_max_per_transaction and p_max_per_day.");
    if (new_per_tx != 0 && new_per_day != 0 && new_per_tx > new_per_day)
        fail(err::INVALID_ARGUMENT, "p_max_per_transaction may not exceed p_max_per_day.");
    static Statement update(SPI_OK_UPDATE_RETURNING,
                            "UPDATE app.merchants SET counter_topup_enabled = $2, counter_topup_max_per_tx = $3,"
                            "       counter_topup_max_per_day = $4, updated_at = now()"
                            " WHERE id = $1"
                            " RETURNING counter_topup_enabled, counter_topup_max_per_tx, counter_topup_max_per_day",
                            {UUIDOID, BOOLOID, NUMERICOID, NUMERICOID});
    SpiResult r = spi.run(
        update, {p_uuid(merchant_id), p_datum(BoolGetDatum(enabled)), new_per_tx != 0 ? p_cents(new_per_tx) : p_null(),
                 new_per_day != 0 ? p_cents(new_per_day) : p_null()});
    JsonObject context;
    context.add("code", code).add_bool("enabled", enabled);
    if (new_per_tx != 0) context.add_cents("max_per_transaction", new_per_tx);
    if (new_per_day != 0) context.add_cents("max_per_day", new_per_day);
    audit(spi, caller, "merchant.counter_topup", "merchant", format_uuid(merchant_id), context);
    TableResult out(args.fcinfo());
    out.add({p_text(code), r[0].cell(1), r[0].cell(2), r[0].cell(3)});
    spi.finish();
    return Datum(0);
}

namespace {

// Sets a merchant's status (platform administrators): a suspended merchant takes part in no
// payment, refund or counter top-up (merchant_for_staff refuses it). True when it changed.
Datum set_merchant_status(const Args& args, int code_arg, int reason_arg, PartyStatus to, const char* action) {
    const std::string code = required_text_arg(args, code_arg, 64);
    const std::optional<std::string> reason = note_arg(args, reason_arg, 500);
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "suspend or reactivate merchants");
    static Statement stmt(SPI_OK_SELECT,
                          "WITH m AS (SELECT id, status FROM app.merchants WHERE code = $1 FOR UPDATE),"
                          " u AS (UPDATE app.merchants x SET status = $2::app.merchant_status, updated_at = now()"
                          "         FROM m WHERE x.id = m.id AND m.status <> 'closed' AND m.status <> $2::app.merchant_status"
                          "       RETURNING x.id)"
                          "SELECT m.id, m.status::text, EXISTS (SELECT 1 FROM u) FROM m",
                          {TEXTOID, TEXTOID});
    SpiResult r = spi.run(stmt, {p_text(code), p_text(label(to))});
    if (r.empty()) fail(err::MERCHANT_NOT_FOUND_OR_INACTIVE, "No merchant has this code.");
    if (r[0].label<PartyStatus>(2) == PartyStatus::Closed)
        fail(err::MERCHANT_NOT_FOUND_OR_INACTIVE, "The merchant is closed.");
    const bool changed = r[0].boolean(3);
    if (changed)
        audit(spi, caller, action, "merchant", format_uuid(r[0].uuid(1)),
              JsonObject().add("code", code).add("reason", reason));
    spi.finish();
    PG_RETURN_BOOL(changed);
}

}  // namespace

MPS_ENTRY(mps_admin_suspend_merchant, p_merchant_code, p_reason) {
    return set_merchant_status(args, p_merchant_code, p_reason, PartyStatus::Suspended, "merchant.suspend");
}

MPS_ENTRY(mps_admin_reactivate_merchant, p_merchant_code, p_reason) {
    return set_merchant_status(args, p_merchant_code, p_reason, PartyStatus::Active, "merchant.reactivate");
}

// The merchant's public profile (seed 003: category, description, logo, brand colours, address,
// phone, website, QR code pattern, business hours); NULL leaves a field as it is. The
// merchant's owner/manager or platform administrators.
MPS_ENTRY(mps_update_merchant_profile, p_merchant_code, p_category, p_description, p_logo_url, p_brand_colors,
          p_address, p_phone, p_website, p_qr_code_pattern, p_business_hours) {
    const std::string code = required_text_arg(args, p_merchant_code, 64);
    const std::optional<std::string> category =
        args.has(p_category) ? std::optional<std::string>(word_arg(args, p_category, 100, "")) : std::nullopt;
    if (category && !(category->front() >= 'a' && category->front() <= 'z'))
        fail(err::INVALID_ARGUMENT, "p_category must start with a letter.", "dining, retail, service, education");
    const std::optional<std::string> description = optional_text_arg(args, p_description, 2000);
    const std::optional<std::string> logo = optional_text_arg(args, p_logo_url, 500);
    if (logo && !is_web_url(*logo)) fail(err::INVALID_ARGUMENT, "p_logo_url must be an http(s) address.");
    const std::optional<Datum> colors = json_arg(args, p_brand_colors, JsonShape::Object, 4096);
    const std::optional<std::string> address = optional_text_arg(args, p_address, 500);
    const std::optional<std::string> phone = optional_text_arg(args, p_phone, 50);
    const std::optional<std::string> website = optional_text_arg(args, p_website, 255);
    if (website && !is_web_url(*website)) fail(err::INVALID_ARGUMENT, "p_website must be an http(s) address.");
    const std::optional<std::string> pattern = optional_text_arg(args, p_qr_code_pattern, 255);
    const std::optional<Datum> hours = json_arg(args, p_business_hours, JsonShape::Object, 4096);

    Caller caller = current_caller();
    Spi spi;
    Merchant m = merchant_for_staff(spi, caller, code, false);
    const bool manager = m.staff_role == MerchantRole::Owner || m.staff_role == MerchantRole::Manager;
    if (!manager && !is_admin(spi, caller, m))
        fail(err::PERMISSION_DENIED, "Only the merchant's owner or manager changes its profile.");
    if (colors) check_brand_colors(spi, *colors, "p_brand_colors");
    if (pattern) {
        static Statement taken(SPI_OK_SELECT, "SELECT 1 FROM app.merchants WHERE qr_code_pattern = $1 AND id <> $2",
                               {TEXTOID, UUIDOID});
        if (!spi.run(taken, {p_text(*pattern), p_uuid(m.id)}).empty())
            fail(err::INVALID_ARGUMENT, "p_qr_code_pattern is another merchant's.");
    }
    static Statement update(
        SPI_OK_UPDATE_RETURNING,
        "UPDATE app.merchants m SET category = COALESCE($2, category), description = COALESCE($3, description),"
        "       logo_url = COALESCE($4, logo_url), brand_colors = COALESCE($5, brand_colors),"
        "       address = COALESCE($6, address), phone = COALESCE($7, phone), website = COALESCE($8, website),"
        "       qr_code_pattern = COALESCE($9, qr_code_pattern), business_hours = COALESCE($10, business_hours),"
        "       updated_at = now()"
        " WHERE id = $1 RETURNING " MPS_MERCHANT_JSON " || jsonb_build_object('qr_code_pattern', m.qr_code_pattern)",
        {UUIDOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID});
    SpiResult r = spi.run(update, {p_uuid(m.id), p_opt_text(category), p_opt_text(description), p_opt_text(logo),
                                   colors ? p_datum(*colors) : p_null(), p_opt_text(address), p_opt_text(phone),
                                   p_opt_text(website), p_opt_text(pattern), hours ? p_datum(*hours) : p_null()});
    const Value out = r[0].copy(1);
    audit(spi, caller, "merchant.profile", "merchant", format_uuid(m.id),
          JsonObject().add("code", code).add("category", category).add("website", website));
    spi.finish();
    return out.datum;
}
