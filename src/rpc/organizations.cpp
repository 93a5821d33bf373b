// Organisations (seed 003): creating and administering them (platform administrators, and the
// organisation's own administrators), members joining, being reviewed, leaving, and switching
// their one current organisation. SQL: sql/install/90_rpc_organizations.sql.
//
// A member's memberships change one call at a time under the member's row lock (lock_member),
// so exactly one active membership is current whatever calls race; the organisation's
// member_count (active verified members) changes in the same transaction as the membership.
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

constexpr size_t kJsonLimit = 4096;
constexpr size_t kVerificationLimit = 16384;

std::optional<std::string> url_arg(const Args& args, int n) {
    std::optional<std::string> v = optional_text_arg(args, n, 500);
    if (v && !is_web_url(*v)) fail(err::INVALID_ARGUMENT, std::string(args.name(n)) + " must be an http(s) address.");
    return v;
}

std::optional<std::string> region_arg(const Args& args, int n) {
    std::optional<std::string> v = optional_text_arg(args, n, 6);
    if (v && !is_region(*v))
        fail(err::INVALID_ARGUMENT, std::string(args.name(n)) + " must be a country code with an optional subdivision.",
             "US-NY, US-CA, GB");
    return v;
}

std::string level_arg(const Args& args, int n, const char* fallback) {
    const std::string v = word_arg(args, n, 16, fallback);
    if (v != "basic" && v != "premium" && v != "vip")
        fail(err::INVALID_ARGUMENT, std::string(args.name(n)) + " must be basic, premium or vip.");
    return v;
}

std::optional<std::string> member_number_arg(const Args& args, int n) {
    std::optional<std::string> v = optional_text_arg(args, n, 100);
    if (!v) return v;
    for (char c : *v)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            fail(err::INVALID_ARGUMENT, std::string(args.name(n)) + " may contain only letters, digits and '-'.");
    return v;
}

// The organisation row as JSON.
Value organization_json(Spi& spi, const Uuid& id) {
    static Statement stmt(SPI_OK_SELECT, "SELECT " MPS_ORGANIZATION_JSON " FROM app.organizations o WHERE o.id = $1",
                          {UUIDOID});
    return spi.run(stmt, {p_uuid(id)})[0].copy(1);
}

// The member's membership of the organisation as JSON (NULL when there is none).
Value membership_json(Spi& spi, const Uuid& member_id, const Uuid& organization_id) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT " MPS_MEMBERSHIP_JSON
                          "  FROM app.user_organizations u JOIN app.organizations o ON o.id = u.organization_id"
                          " WHERE u.member_id = $1 AND u.organization_id = $2",
                          {UUIDOID, UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(member_id), p_uuid(organization_id)});
    if (r.empty()) return p_null();
    return r[0].copy(1);
}

// After the current membership ended: the member's most recently joined active membership
// (verified ones first) becomes current, if there is one.
void promote_next_current(Spi& spi, const Uuid& member_id) {
    static Statement stmt(SPI_OK_UPDATE,
                          "UPDATE app.user_organizations SET is_current = true, updated_at = now()"
                          " WHERE id = (SELECT id FROM app.user_organizations"
                          "              WHERE member_id = $1 AND is_active AND verification_status <> 'rejected'"
                          "              ORDER BY verification_status = 'verified' DESC, join_date DESC, created_at DESC"
                          "              LIMIT 1)"
                          "   AND NOT EXISTS (SELECT 1 FROM app.user_organizations WHERE member_id = $1 AND is_current)",
                          {UUIDOID});
    spi.run(stmt, {p_uuid(member_id)});
}

void count_member(Spi& spi, const Uuid& organization_id, int delta) {
    static Statement stmt(SPI_OK_UPDATE,
                          "UPDATE app.organizations SET member_count = member_count + $2, updated_at = now() WHERE id = $1",
                          {UUIDOID, INT4OID});
    spi.run(stmt, {p_uuid(organization_id), p_int32(delta)});
}

}  // namespace

MPS_ENTRY(mps_create_organization, p_name, p_display_name_zh, p_display_name_en, p_slug, p_region, p_logo_url,
          p_brand_colors, p_contact_info) {
    const std::string name = required_text_arg(args, p_name, 255);
    const std::string name_zh = required_text_arg(args, p_display_name_zh, 255);
    const std::string name_en = required_text_arg(args, p_display_name_en, 255);
    const std::string slug = required_text_arg(args, p_slug, 100);
    if (!is_slug(slug))
        fail(err::INVALID_ARGUMENT, "p_slug must be lower-case letters and digits joined by single hyphens.", "columbia-cssa");
    args.require_declared(p_region);
    const std::optional<std::string> region = region_arg(args, p_region);
    if (!region) fail(err::INVALID_ARGUMENT, "p_region is required.");
    const std::optional<std::string> logo = url_arg(args, p_logo_url);
    const std::optional<Datum> colors = json_arg(args, p_brand_colors, JsonShape::Object, kJsonLimit);
    const std::optional<Datum> contact = json_arg(args, p_contact_info, JsonShape::Object, kJsonLimit);

    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "create organisations");
    if (colors) check_brand_colors(spi, *colors, "p_brand_colors");
    static Statement insert(SPI_OK_INSERT_RETURNING,
                            "INSERT INTO app.organizations (name, display_name_zh, display_name_en, slug, region, logo_url,"
                            "                               brand_colors, contact_info)"
                            " VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, '{}'), $8)"
                            " ON CONFLICT (slug) DO NOTHING RETURNING id",
                            {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, JSONBOID});
    SpiResult r = spi.run(insert, {p_text(name), p_text(name_zh), p_text(name_en), p_text(slug), p_text(*region),
                                   p_opt_text(logo), colors ? p_datum(*colors) : p_null(),
                                   contact ? p_datum(*contact) : p_null()});
    if (r.empty()) fail(err::ORGANIZATION_ALREADY_EXISTS, "An organisation with slug " + slug + " already exists.");
    const Uuid id = r[0].uuid(1);
    audit(spi, caller, "organization.create", "organization", format_uuid(id), JsonObject().add("slug", slug));
    spi.finish();
    return uuid_datum(id);
}

MPS_ENTRY(mps_update_organization, p_organization_id, p_name, p_display_name_zh, p_display_name_en, p_region,
          p_logo_url, p_brand_colors, p_contact_info, p_is_active) {
    const Uuid id = required_uuid_arg(args, p_organization_id);
    const std::optional<std::string> name = optional_text_arg(args, p_name, 255);
    const std::optional<std::string> name_zh = optional_text_arg(args, p_display_name_zh, 255);
    const std::optional<std::string> name_en = optional_text_arg(args, p_display_name_en, 255);
    const std::optional<std::string> region = region_arg(args, p_region);
    const std::optional<std::string> logo = url_arg(args, p_logo_url);
    const std::optional<Datum> colors = json_arg(args, p_brand_colors, JsonShape::Object, kJsonLimit);
    const std::optional<Datum> contact = json_arg(args, p_contact_info, JsonShape::Object, kJsonLimit);
    const std::optional<bool> active = optional_bool_arg(args, p_is_active);

    Caller caller = current_caller();
    Spi spi;
    Organization org = organization_by_id(spi, caller, id);
    require_org_manager(spi, caller, org, "change the organisation");
    // Switching an organisation on or off is the platform's decision.
    if (active && *active != org.active && !is_platform_admin(spi, caller))
        fail(err::PERMISSION_DENIED, "Only platform administrators activate or deactivate an organisation.");
    if (colors) check_brand_colors(spi, *colors, "p_brand_colors");
    static Statement update(SPI_OK_UPDATE,
                            "UPDATE app.organizations SET name = COALESCE($2, name),"
                            "       display_name_zh = COALESCE($3, display_name_zh), display_name_en = COALESCE($4, display_name_en),"
                            "       region = COALESCE($5, region), logo_url = COALESCE($6, logo_url),"
                            "       brand_colors = COALESCE($7, brand_colors), contact_info = COALESCE($8, contact_info),"
                            "       is_active = COALESCE($9, is_active), updated_at = now()"
                            " WHERE id = $1",
                            {UUIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, JSONBOID, BOOLOID});
    spi.run(update, {p_uuid(id), p_opt_text(name), p_opt_text(name_zh), p_opt_text(name_en), p_opt_text(region),
                     p_opt_text(logo), colors ? p_datum(*colors) : p_null(), contact ? p_datum(*contact) : p_null(),
                     active ? p_datum(BoolGetDatum(*active)) : p_null()});
    JsonObject context;
    context.add("name", name).add("region", region).add("logo_url", logo);
    if (active) context.add_bool("is_active", *active);
    audit(spi, caller, "organization.update", "organization", format_uuid(id), context);
    const Value result = organization_json(spi, id);
    spi.finish();
    return result.datum;
}

MPS_ENTRY(mps_set_organization_admin, p_organization_id, p_user_id, p_active) {
    const Uuid id = required_uuid_arg(args, p_organization_id);
    const Uuid user_id = required_uuid_arg(args, p_user_id);
    const bool active = optional_bool_arg(args, p_active).value_or(true);

    Caller caller = current_caller();
    Spi spi;
    Organization org = organization_by_id(spi, caller, id);
    require_org_manager(spi, caller, org, "appoint or remove administrators");
    static Statement upsert(SPI_OK_INSERT_RETURNING,
                            "INSERT INTO app.organization_admins AS a (organization_id, user_id, active) VALUES ($1, $2, $3)"
                            " ON CONFLICT (organization_id, user_id) DO UPDATE SET active = EXCLUDED.active"
                            "   WHERE a.active IS DISTINCT FROM EXCLUDED.active"
                            " RETURNING 1",
                            {UUIDOID, UUIDOID, BOOLOID});
    const bool changed = !spi.run(upsert, {p_uuid(id), p_uuid(user_id), p_datum(BoolGetDatum(active))}).empty();
    if (changed)
        audit(spi, caller, active ? "organization.admin_add" : "organization.admin_remove", "organization",
              format_uuid(id), JsonObject().add("user_id", user_id));
    spi.finish();
    return BoolGetDatum(changed);
}

MPS_ENTRY(mps_join_organization, p_organization_id, p_verification_data, p_user_id) {
    const Uuid id = required_uuid_arg(args, p_organization_id);
    const std::optional<Datum> data = json_arg(args, p_verification_data, JsonShape::Object, kVerificationLimit);
    const std::optional<Uuid> user_id = optional_uuid_arg(args, p_user_id);

    Caller caller = current_caller();
    Spi spi;
    const Uuid member_id = acting_member(spi, caller, user_id, "join an organisation");
    Organization org = organization_by_id(spi, caller, id);
    if (!org.active) fail(err::ORGANIZATION_NOT_ACTIVE, "The organisation is not taking members.");
    lock_member(spi, member_id);
    // A member who left comes back as a new applicant; one who is a member is told so.
    static Statement join(SPI_OK_INSERT_RETURNING,
                          "INSERT INTO app.user_organizations AS u (member_id, organization_id, verification_data, is_current)"
                          " VALUES ($1, $2, $3, NOT EXISTS (SELECT 1 FROM app.user_organizations"
                          "                                  WHERE member_id = $1 AND is_current))"
                          " ON CONFLICT (member_id, organization_id) DO UPDATE"
                          "   SET is_active = true, verification_status = 'pending', verification_data = EXCLUDED.verification_data,"
                          "       verified_at = NULL, verified_by = NULL, join_date = current_date, membership_level = 'basic',"
                          "       is_current = EXCLUDED.is_current, updated_at = now()"
                          "   WHERE NOT u.is_active"
                          " RETURNING id",
                          {UUIDOID, UUIDOID, JSONBOID});
    SpiResult r = spi.run(join, {p_uuid(member_id), p_uuid(id), data ? p_datum(*data) : p_null()});
    if (r.empty())
        fail(err::ALREADY_ORGANIZATION_MEMBER, "The member already belongs to this organisation.",
             "Check its verification status with get_user_organizations.");
    audit(spi, caller, "organization.join", "organization", format_uuid(id), JsonObject().add("member_id", member_id));
    const Value result = membership_json(spi, member_id, id);
    spi.finish();
    return result.datum;
}

MPS_ENTRY(mps_review_organization_member, p_organization_id, p_member_id, p_verification_status, p_membership_level,
          p_member_number) {
    const Uuid id = required_uuid_arg(args, p_organization_id);
    const Uuid member_id = required_uuid_arg(args, p_member_id);
    args.require_declared(p_verification_status);
    const std::string status = word_arg(args, p_verification_status, 16, "");
    if (status != "pending" && status != "verified" && status != "rejected")
        fail(err::INVALID_ARGUMENT, "p_verification_status must be pending, verified or rejected.");
    const std::optional<std::string> level =
        args.has(p_membership_level) ? std::optional<std::string>(level_arg(args, p_membership_level, "basic")) : std::nullopt;
    const std::optional<std::string> number = member_number_arg(args, p_member_number);

    Caller caller = current_caller();
    Spi spi;
    Organization org = organization_by_id(spi, caller, id);
    require_org_manager(spi, caller, org, "review members");
    lock_member(spi, member_id);
    // The organisation row is locked by the count below; read the membership under the member lock.
    static Statement read(SPI_OK_SELECT,
                          "SELECT verification_status, is_active, membership_level, member_number"
                          "  FROM app.user_organizations WHERE member_id = $1 AND organization_id = $2",
                          {UUIDOID, UUIDOID});
    SpiResult m = spi.run(read, {p_uuid(member_id), p_uuid(id)});
    if (m.empty() || !m[0].boolean(2))
        fail(err::NOT_ORGANIZATION_MEMBER, "The member has no active membership of this organisation.");
    const bool was_verified = m[0].string(1) == "verified";
    const bool verified = status == "verified";
    const std::string new_level = level ? *level : m[0].string(3);
    std::optional<std::string> new_number = number;
    if (number) {
        static Statement taken(SPI_OK_SELECT,
                               "SELECT 1 FROM app.user_organizations"
                               " WHERE organization_id = $1 AND member_number = $2 AND member_id <> $3",
                               {UUIDOID, TEXTOID, UUIDOID});
        if (!spi.run(taken, {p_uuid(id), p_text(*number), p_uuid(member_id)}).empty())
            fail(err::MEMBER_NUMBER_TAKEN, "Another member of the organisation has member number " + *number + ".");
    }
    // A verified member holds the organisation's card; its number is the member number unless
    // the organisation gives one of its own.
    if (verified) {
        const LoyaltyCard card = ensure_loyalty_card(spi, caller, member_id, id, std::nullopt, new_level);
        if (!new_number && m[0].is_null(4)) {
            static Statement card_no(SPI_OK_SELECT, "SELECT card_no FROM app.member_cards WHERE id = $1", {UUIDOID});
            new_number = spi.run(card_no, {p_uuid(card.id)})[0].string(1);
        }
    }
    static Statement update(SPI_OK_UPDATE,
                            "WITH u AS (UPDATE app.user_organizations SET verification_status = $3, membership_level = $4,"
                            "                  member_number = COALESCE($5, member_number),"
                            "                  verified_at = CASE WHEN $3 = 'verified' THEN clock_timestamp() END,"
                            "                  verified_by = CASE WHEN $3 = 'verified' THEN $6::uuid END, updated_at = now()"
                            "            WHERE member_id = $1 AND organization_id = $2)"
                            "UPDATE app.member_cards SET membership_level = $4, updated_at = now()"
                            " WHERE owner_member_id = $1 AND organization_id = $2 AND loyalty_merchant_id IS NULL"
                            "   AND membership_level IS DISTINCT FROM $4",
                            {UUIDOID, UUIDOID, TEXTOID, TEXTOID, TEXTOID, UUIDOID});
    spi.run(update, {p_uuid(member_id), p_uuid(id), p_text(status), p_text(new_level), p_opt_text(new_number),
                     p_opt_uuid(caller.user_id)});
    if (verified != was_verified) count_member(spi, id, verified ? 1 : -1);
    // A rejected membership stops being current when another one can be.
    if (status == "rejected") {
        static Statement demote(SPI_OK_UPDATE,
                                "UPDATE app.user_organizations SET is_current = false, updated_at = now()"
                                " WHERE member_id = $1 AND organization_id = $2 AND is_current"
                                "   AND EXISTS (SELECT 1 FROM app.user_organizations o WHERE o.member_id = $1"
                                "                  AND o.organization_id <> $2 AND o.is_active AND o.verification_status <> 'rejected')",
                                {UUIDOID, UUIDOID});
        if (spi.run(demote, {p_uuid(member_id), p_uuid(id)}).processed() > 0) promote_next_current(spi, member_id);
    }
    audit(spi, caller, "organization.review", "organization", format_uuid(id),
          JsonObject().add("member_id", member_id).add("verification_status", status).add("membership_level", new_level));
    const Value result = membership_json(spi, member_id, id);
    spi.finish();
    return result.datum;
}

MPS_ENTRY(mps_leave_organization, p_organization_id, p_user_id) {
    const Uuid id = required_uuid_arg(args, p_organization_id);
    const std::optional<Uuid> user_id = optional_uuid_arg(args, p_user_id);

    Caller caller = current_caller();
    Spi spi;
    const Uuid member_id = acting_member(spi, caller, user_id, "leave an organisation");
    lock_member(spi, member_id);
    static Statement leave(SPI_OK_UPDATE_RETURNING,
                           "UPDATE app.user_organizations u SET is_active = false, is_current = false, updated_at = now()"
                           "  FROM app.user_organizations old"
                           " WHERE u.member_id = $1 AND u.organization_id = $2 AND u.is_active AND old.id = u.id"
                           " RETURNING old.verification_status = 'verified', old.is_current",
                           {UUIDOID, UUIDOID});
    SpiResult r = spi.run(leave, {p_uuid(member_id), p_uuid(id)});
    if (r.empty()) fail(err::NOT_ORGANIZATION_MEMBER, "The member has no active membership of this organisation.");
    if (r[0].boolean(1)) count_member(spi, id, -1);
    if (r[0].boolean(2)) promote_next_current(spi, member_id);
    audit(spi, caller, "organization.leave", "organization", format_uuid(id), JsonObject().add("member_id", member_id));
    spi.finish();
    return BoolGetDatum(true);
}

MPS_ENTRY(mps_switch_organization, p_organization_id, p_user_id) {
    const Uuid id = required_uuid_arg(args, p_organization_id);
    const std::optional<Uuid> user_id = optional_uuid_arg(args, p_user_id);

    Caller caller = current_caller();
    Spi spi;
    const Uuid member_id = acting_member(spi, caller, user_id, "switch organisations");
    Organization org = organization_by_id(spi, caller, id);
    lock_member(spi, member_id);
    std::optional<Membership> target = membership_of(spi, member_id, id);
    if (!target || !target->active)
        fail(err::NOT_ORGANIZATION_MEMBER, "The member has no active membership of this organisation.",
             "Join it first (join_organization).");
    if (!org.active) fail(err::ORGANIZATION_NOT_ACTIVE, "The organisation is deactivated.");
    static Statement rejected(SPI_OK_SELECT,
                              "SELECT verification_status = 'rejected' FROM app.user_organizations"
                              " WHERE member_id = $1 AND organization_id = $2",
                              {UUIDOID, UUIDOID});
    if (spi.run(rejected, {p_uuid(member_id), p_uuid(id)})[0].boolean(1))
        fail(err::MEMBERSHIP_NOT_VERIFIED, "The organisation rejected this membership.");
    // Two statements, the old current cleared first: the unique index on the current
    // membership is checked row by row.
    if (!target->current) {
        static Statement clear(SPI_OK_UPDATE,
                               "UPDATE app.user_organizations SET is_current = false, updated_at = now()"
                               " WHERE member_id = $1 AND is_current",
                               {UUIDOID});
        static Statement set(SPI_OK_UPDATE,
                             "UPDATE app.user_organizations SET is_current = true, updated_at = now()"
                             " WHERE member_id = $1 AND organization_id = $2",
                             {UUIDOID, UUIDOID});
        spi.run(clear, {p_uuid(member_id)});
        spi.run(set, {p_uuid(member_id), p_uuid(id)});
        audit(spi, caller, "organization.switch", "organization", format_uuid(id), JsonObject().add("member_id", member_id));
    }
    static Statement result(SPI_OK_SELECT,
                            "SELECT jsonb_build_object('success', true, 'message', 'Organisation switched',"
                            "         'message_zh', '组织切换成功', 'current_organization', " MPS_MEMBERSHIP_JSON ")"
                            "  FROM app.user_organizations u JOIN app.organizations o ON o.id = u.organization_id"
                            " WHERE u.member_id = $1 AND u.organization_id = $2",
                            {UUIDOID, UUIDOID});
    const Value out = spi.run(result, {p_uuid(member_id), p_uuid(id)})[0].copy(1);
    spi.finish();
    return out.datum;
}

MPS_ENTRY(mps_get_user_organizations, p_user_id) {
    const std::optional<Uuid> user_id = optional_uuid_arg(args, p_user_id);
    Caller caller = current_caller();
    Spi spi;
    const Uuid member_id = acting_member(spi, caller, user_id, "list organisations");
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT jsonb_build_object('organizations', COALESCE(jsonb_agg(" MPS_MEMBERSHIP_JSON
                          "         ORDER BY u.is_current DESC, u.join_date, o.slug), '[]'))"
                          "  FROM app.user_organizations u JOIN app.organizations o ON o.id = u.organization_id"
                          " WHERE u.member_id = $1 AND u.is_active",
                          {UUIDOID});
    const Value out = spi.run(stmt, {p_uuid(member_id)})[0].copy(1);
    spi.finish();
    return out.datum;
}

MPS_ENTRY(mps_get_organization_members, p_organization_id, p_verification_status, p_limit, p_after_member_id) {
    const Uuid id = required_uuid_arg(args, p_organization_id);
    const std::optional<std::string> status = optional_text_arg(args, p_verification_status, 16);
    if (status && *status != "pending" && *status != "verified" && *status != "rejected")
        fail(err::INVALID_ARGUMENT, "p_verification_status must be pending, verified or rejected.");
    const int32_t limit = page_limit_arg(args, p_limit);
    const std::optional<Uuid> after = optional_uuid_arg(args, p_after_member_id);

    Caller caller = current_caller();
    Spi spi;
    Organization org = organization_by_id(spi, caller, id);
    require_org_manager(spi, caller, org, "list the organisation's members");
    TableResult out(args.fcinfo());
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT u.member_id, p.member_no, p.name, u.membership_level, u.member_number, u.join_date,"
                          "       u.is_current, u.is_active, u.verification_status, u.verification_data, u.verified_at"
                          "  FROM app.user_organizations u JOIN app.member_profiles p ON p.id = u.member_id"
                          " WHERE u.organization_id = $1 AND ($2::text IS NULL OR u.verification_status = $2)"
                          "   AND ($4::uuid IS NULL OR u.member_id > $4)"
                          " ORDER BY u.member_id LIMIT $3",
                          {UUIDOID, TEXTOID, INT4OID, UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(id), p_opt_text(status), p_int32(limit), p_opt_uuid(after)});
    for (size_t i = 0; i < r.size(); ++i) {
        const Row& m = r[i];
        out.add({m.cell(1), m.cell(2), m.cell(3), m.cell(4), m.cell(5), m.cell(6), m.cell(7), m.cell(8), m.cell(9),
                 m.cell(10), m.cell(11)});
    }
    spi.finish();
    return Datum(0);
}
