// Partnerships between organisations and merchants (seed 003): setting one (the merchant, whose
// discount it is, or a platform administrator), an organisation's partner merchants, and the
// merchant QR check a member's app makes before showing a partner's benefits or taking its
// loyalty card (seed 003 §权限控制逻辑). SQL: sql/install/90_rpc_partnerships.sql.
#include <string>

#include "common/args.hpp"
#include "common/audit.hpp"
#include "common/organizations.hpp"
#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/merchant_qr.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/settings.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

// Raises PERMISSION_DENIED unless the caller is an owner/manager of the merchant or a platform
// administrator; MERCHANT_NOT_FOUND_OR_INACTIVE (to them) when there is no such merchant.
void require_merchant_manager(Spi& spi, const Caller& caller, const Uuid& merchant_id) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT EXISTS (SELECT 1 FROM app.merchant_users u WHERE u.merchant_id = m.id AND u.user_id = $2"
                          "                  AND u.active AND u.role IN ('owner', 'manager'))"
                          "  FROM app.merchants m WHERE m.id = $1",
                          {UUIDOID, UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(merchant_id), p_opt_uuid(caller.user_id)});
    const bool manager = !r.empty() && r[0].boolean(1);
    if (!manager && !is_platform_admin(spi, caller))
        fail(err::PERMISSION_DENIED, "Only the merchant's owner or manager, or a platform administrator, sets its partnerships.");
    if (r.empty()) fail(err::MERCHANT_NOT_FOUND_OR_INACTIVE, "No merchant with this id.");
}

}  // namespace

MPS_ENTRY(mps_set_partnership, p_organization_id, p_merchant_id, p_partnership_type, p_discount_rate,
          p_special_benefits, p_start_date, p_end_date, p_is_active) {
    const Uuid org_id = required_uuid_arg(args, p_organization_id);
    const Uuid merchant_id = required_uuid_arg(args, p_merchant_id);
    const std::string type = word_arg(args, p_partnership_type, 16, "standard");
    if (type != "standard" && type != "premium" && type != "exclusive")
        fail(err::INVALID_ARGUMENT, "p_partnership_type must be standard, premium or exclusive.");
    const int32_t rate = optional_percent_arg(args, p_discount_rate).value_or(0);
    const std::optional<Datum> benefits = json_arg(args, p_special_benefits, JsonShape::Array, 4096);
    const std::optional<DateADT> start = optional_date_arg(args, p_start_date);
    const std::optional<DateADT> end = optional_date_arg(args, p_end_date);
    if (start && end && *end < *start) fail(err::INVALID_ARGUMENT, "p_end_date is before p_start_date.");
    const bool active = optional_bool_arg(args, p_is_active).value_or(true);

    Caller caller = current_caller();
    Spi spi;
    require_merchant_manager(spi, caller, merchant_id);
    organization_by_id(spi, caller, org_id);
    if (benefits) {
        static Statement strings(SPI_OK_SELECT,
                                 "SELECT bool_and(jsonb_typeof(e) = 'string' AND length(e #>> '{}') BETWEEN 1 AND 200)"
                                 "       AND count(*) <= 20"
                                 "  FROM jsonb_array_elements($1) e",
                                 {JSONBOID});
        SpiResult r = spi.run(strings, {p_datum(*benefits)});
        if (!r[0].is_null(1) && !r[0].boolean(1))
            fail(err::INVALID_ARGUMENT, "p_special_benefits must be a list of at most 20 texts of 1 to 200 characters.");
    }
    static Statement upsert(
        SPI_OK_INSERT_RETURNING,
        "INSERT INTO app.organization_merchant_partnerships AS p (organization_id, merchant_id, partnership_type,"
        "       discount_rate, special_benefits, start_date, end_date, is_active)"
        " VALUES ($1, $2, $3, $4::numeric / 10, COALESCE($5, '[]'), $6, $7, $8)"
        " ON CONFLICT (organization_id, merchant_id) DO UPDATE SET partnership_type = EXCLUDED.partnership_type,"
        "       discount_rate = EXCLUDED.discount_rate, special_benefits = EXCLUDED.special_benefits,"
        "       start_date = EXCLUDED.start_date, end_date = EXCLUDED.end_date, is_active = EXCLUDED.is_active,"
        "       updated_at = now()"
        " RETURNING " MPS_PARTNERSHIP_JSON,
        {UUIDOID, UUIDOID, TEXTOID, INT4OID, JSONBOID, DATEOID, DATEOID, BOOLOID});
    SpiResult r = spi.run(upsert, {p_uuid(org_id), p_uuid(merchant_id), p_text(type), p_int32(rate),
                                   benefits ? p_datum(*benefits) : p_null(),
                                   start ? p_datum(DateADTGetDatum(*start)) : p_null(),
                                   end ? p_datum(DateADTGetDatum(*end)) : p_null(), p_datum(BoolGetDatum(active))});
    const Value out = r[0].copy(1);
    JsonObject context;
    context.add("merchant_id", merchant_id).add("partnership_type", type).add("discount_rate_tenths", int64_t(rate));
    context.add_bool("is_active", active);
    audit(spi, caller, "partnership.set", "organization", format_uuid(org_id), context);
    spi.finish();
    return out.datum;
}

MPS_ENTRY(mps_get_organization_merchants, p_organization_id, p_category) {
    const Uuid org_id = required_uuid_arg(args, p_organization_id);
    const std::optional<std::string> category = optional_text_arg(args, p_category, 100);

    Caller caller = current_caller();
    Spi spi;
    Organization org = organization_by_id(spi, caller, org_id);
    if (!is_org_manager(spi, caller, org)) {
        const std::optional<Uuid> member = caller_member_id(spi, caller);
        const std::optional<Membership> m = member ? membership_of(spi, *member, org_id) : std::nullopt;
        if (!m || !m->active || !m->verified)
            fail(err::PERMISSION_DENIED, "Only the organisation's verified members and administrators see its partner merchants.");
    }
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT jsonb_build_object('merchants', COALESCE(jsonb_agg(" MPS_MERCHANT_JSON
                          "         || jsonb_build_object('partnership_info', " MPS_PARTNERSHIP_JSON ") ORDER BY m.name, m.id), '[]'))"
                          "  FROM app.organization_merchant_partnerships p JOIN app.merchants m ON m.id = p.merchant_id"
                          " WHERE p.organization_id = $1 AND m.status = 'active' AND ($2::text IS NULL OR m.category = $2)"
                          "   AND " MPS_PARTNERSHIP_LIVE("$3"),
                          {UUIDOID, TEXTOID, TEXTOID});
    const Value out = spi.run(stmt, {p_uuid(org_id), p_opt_text(category), p_text(settlement_time_zone)})[0].copy(1);
    spi.finish();
    return out.datum;
}

MPS_ENTRY(mps_verify_merchant_qr, p_qr_data, p_organization_id, p_user_id) {
    args.require_declared(p_qr_data);
    const std::optional<std::string> text = optional_text_arg(args, p_qr_data, 512);
    if (!text) fail(err::INVALID_MERCHANT_QR, "p_qr_data is required.");
    const std::optional<MerchantQr> qr = parse_merchant_qr(*text);
    if (!qr)
        fail(err::INVALID_MERCHANT_QR, "The scanned text is not a merchant QR code.",
             "A merchant code reads vitaglobal://merchant/<code>/location/<number>.");
    const std::optional<Uuid> asked_org = optional_uuid_arg(args, p_organization_id);
    const std::optional<Uuid> user_id = optional_uuid_arg(args, p_user_id);

    Caller caller = current_caller();
    Spi spi;
    const Uuid member_id = acting_member(spi, caller, user_id, "check a merchant QR code");
    // Everything is judged in one statement: the merchant, the organisation asked about (or the
    // current one), the member's standing there, the partnership, and the member's other
    // verified organisations that have one.
    static Statement stmt(
        SPI_OK_SELECT,
        "WITH m AS (SELECT * FROM app.merchants WHERE code = $1 AND status = 'active'),"
        " o AS (SELECT u.organization_id AS id, u.is_active AND u.verification_status = 'verified' AS verified,"
        "              g.is_active AS org_active"
        "         FROM app.user_organizations u JOIN app.organizations g ON g.id = u.organization_id"
        "        WHERE u.member_id = $2 AND u.is_active AND (u.organization_id = $3 OR ($3::uuid IS NULL AND u.is_current))),"
        " p AS (SELECT p.* FROM app.organization_merchant_partnerships p, m, o"
        "        WHERE p.merchant_id = m.id AND p.organization_id = o.id AND o.verified AND o.org_active"
        "          AND " MPS_PARTNERSHIP_LIVE("$4") "),"
        " alt AS (SELECT jsonb_agg(jsonb_build_object('id', g.id, 'name', g.name, 'display_name_zh', g.display_name_zh,"
        "                          'display_name_en', g.display_name_en, 'slug', g.slug) ORDER BY g.slug) AS list"
        "           FROM app.user_organizations u JOIN app.organizations g ON g.id = u.organization_id"
        "           JOIN app.organization_merchant_partnerships p ON p.organization_id = g.id, m"
        "          WHERE u.member_id = $2 AND u.is_active AND u.verification_status = 'verified' AND g.is_active"
        "            AND p.merchant_id = m.id AND NOT EXISTS (SELECT 1 FROM o WHERE o.id = g.id)"
        "            AND " MPS_PARTNERSHIP_LIVE("$4") ")"
        "SELECT jsonb_build_object("
        "  'valid', EXISTS (SELECT 1 FROM m),"
        "  'merchant', (SELECT " MPS_MERCHANT_JSON " FROM m),"
        "  'location', $5::text,"
        "  'organization_id', COALESCE((SELECT id FROM o), $3),"
        "  'has_permission', EXISTS (SELECT 1 FROM p),"
        "  'partnership_info', (SELECT " MPS_PARTNERSHIP_JSON " FROM p),"
        "  'available_organizations', CASE WHEN EXISTS (SELECT 1 FROM p) THEN '[]'::jsonb"
        "                                  ELSE COALESCE((SELECT list FROM alt), '[]') END,"
        "  'message', CASE WHEN NOT EXISTS (SELECT 1 FROM m) THEN 'MERCHANT_NOT_FOUND_OR_INACTIVE'"
        "                  WHEN NOT EXISTS (SELECT 1 FROM o) THEN CASE WHEN $3::uuid IS NULL THEN 'NO_CURRENT_ORGANIZATION'"
        "                                                              ELSE 'NOT_ORGANIZATION_MEMBER' END"
        "                  WHEN NOT (SELECT verified FROM o) THEN 'MEMBERSHIP_NOT_VERIFIED'"
        "                  WHEN NOT (SELECT org_active FROM o) THEN 'ORGANIZATION_NOT_ACTIVE'"
        "                  WHEN NOT EXISTS (SELECT 1 FROM p) THEN 'PARTNERSHIP_REQUIRED'"
        "                  ELSE 'OK' END)",
        {TEXTOID, UUIDOID, UUIDOID, TEXTOID, TEXTOID});
    const Value out = spi.run(stmt, {p_text(qr->merchant_code), p_uuid(member_id), p_opt_uuid(asked_org),
                                     p_text(settlement_time_zone), p_text(qr->location)})[0]
                          .copy(1);
    spi.finish();
    return out.datum;
}
