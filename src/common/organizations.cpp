#include "common/organizations.hpp"

#include "common/audit.hpp"
#include "core/errors.hpp"
#include "core/json.hpp"
#include "pg/convert.hpp"

namespace mps::common {

using namespace mps::pg;

Organization organization_by_id(Spi& spi, const Caller& caller, const Uuid& id) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT o.is_active,"
                          "       EXISTS (SELECT 1 FROM app.organization_admins a"
                          "                WHERE a.organization_id = o.id AND a.user_id = $2 AND a.active)"
                          "  FROM app.organizations o WHERE o.id = $1",
                          {UUIDOID, UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(id), p_opt_uuid(caller.user_id)});
    if (r.empty()) fail(err::ORGANIZATION_NOT_FOUND, "No organisation with this id.");
    return Organization{id, r[0].boolean(1), r[0].boolean(2), std::nullopt};
}

bool is_org_manager(Spi& spi, const Caller& caller, Organization& org) {
    if (org.admin) return true;
    if (!org.platform_admin) org.platform_admin = is_platform_admin(spi, caller);
    return *org.platform_admin;
}

void require_org_manager(Spi& spi, const Caller& caller, Organization& org, const char* action) {
    if (!is_org_manager(spi, caller, org))
        fail(err::PERMISSION_DENIED, std::string("Only the organisation's administrators may ") + action + ".");
}

std::optional<Uuid> caller_member_id(Spi& spi, const Caller& caller) {
    if (!caller.user_id) return std::nullopt;
    static Statement stmt(SPI_OK_SELECT, "SELECT id FROM app.member_profiles WHERE user_id = $1", {UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(*caller.user_id)});
    if (r.empty()) return std::nullopt;
    return r[0].uuid(1);
}

Uuid acting_member(Spi& spi, const Caller& caller, const std::optional<Uuid>& p_user_id, const char* action) {
    if (!p_user_id || (caller.user_id && *p_user_id == *caller.user_id)) {
        if (std::optional<Uuid> own = caller_member_id(spi, caller)) return *own;
        if (!caller.user_id || !is_platform_admin(spi, caller))
            fail(err::PERMISSION_DENIED, std::string("The caller has no member profile to ") + action + ".");
        fail(err::INVALID_ARGUMENT, std::string("p_user_id is required when an administrator acts for a member to ") + action + ".");
    }
    if (!is_platform_admin(spi, caller))
        fail(err::PERMISSION_DENIED, std::string("A user may only ") + action + " for itself (p_user_id is not the caller).");
    static Statement stmt(SPI_OK_SELECT, "SELECT id FROM app.member_profiles WHERE user_id = $1", {UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(*p_user_id)});
    if (r.empty()) fail(err::MEMBER_NOT_FOUND, "No member profile belongs to this user id.");
    return r[0].uuid(1);
}

void check_brand_colors(Spi& spi, Datum colors, const char* param) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT count(*) FILTER (WHERE e.key !~ '^[a-z_]{1,32}$' OR jsonb_typeof(e.value) <> 'string'"
                          "                          OR (e.value #>> '{}') !~ '^#[0-9A-Fa-f]{6}$'), count(*)"
                          "  FROM jsonb_each($1) e",
                          {JSONBOID});
    SpiResult r = spi.run(stmt, {p_datum(colors)});
    if (r[0].integer(1) != 0 || r[0].integer(2) > 8)
        fail(err::INVALID_ARGUMENT,
             std::string(param) + " must be an object of at most 8 colours, each \"#RRGGBB\" under a name of a-z and _.",
             "{\"primary\": \"#1E40AF\", \"secondary\": \"#DBEAFE\"}");
}

void lock_member(Spi& spi, const Uuid& member_id) {
    static Statement stmt(SPI_OK_SELECT, "SELECT status::text FROM app.member_profiles WHERE id = $1 FOR UPDATE", {UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(member_id)});
    if (r.empty()) fail(err::MEMBER_NOT_FOUND, "No member with this id.");
    if (r[0].string(1) != "active") fail(err::MEMBER_NOT_ACTIVE, "The member is " + r[0].string(1) + ".");
}

LoyaltyCard ensure_loyalty_card(Spi& spi, const Caller& caller, const Uuid& member_id, const Uuid& organization_id,
                                const std::optional<Uuid>& merchant_id, const std::string& membership_level) {
    static Statement find(SPI_OK_SELECT,
                          "SELECT id FROM app.member_cards WHERE owner_member_id = $1"
                          "   AND ((loyalty_merchant_id IS NULL AND $3::uuid IS NULL AND organization_id = $2)"
                          "        OR loyalty_merchant_id = $3)",
                          {UUIDOID, UUIDOID, UUIDOID});
    SpiResult r = spi.run(find, {p_uuid(member_id), p_uuid(organization_id), p_opt_uuid(merchant_id)});
    if (!r.empty()) return LoyaltyCard{r[0].uuid(1), false};
    const Uuid id = random_uuid();
    const char* type = merchant_id ? "merchant" : "organization";
    // The card number first (a registry claim), then the payload that names it.
    static Statement number(SPI_OK_SELECT, "SELECT sec.new_card_no($1::text::app.card_type)", {TEXTOID});
    const std::string card_no = spi.run(number, {p_text(type)})[0].string(1);
    static Statement insert(SPI_OK_INSERT,
                            "INSERT INTO app.member_cards (id, card_no, card_type, owner_member_id, organization_id,"
                            "                              loyalty_merchant_id, membership_level, qr_code_data)"
                            " VALUES ($1, $2, $3::text::app.card_type, $4, $5, $6, $7, $8)",
                            {UUIDOID, TEXTOID, TEXTOID, UUIDOID, UUIDOID, UUIDOID, TEXTOID, TEXTOID});
    spi.run(insert, {p_uuid(id), p_text(card_no), p_text(type), p_uuid(member_id), p_uuid(organization_id),
                     p_opt_uuid(merchant_id), p_text(membership_level), p_text(new_card_code(card_no))});
    audit(spi, caller, "card.issue", "card", format_uuid(id),
          JsonObject().add("card_type", type).add("member_id", member_id).add("organization_id", organization_id).add(
              "merchant_id", merchant_id));
    return LoyaltyCard{id, true};
}

namespace {

Membership read_membership(const Row& row) {
    return Membership{row.uuid(1), row.boolean(2), row.string(3) == "verified", row.boolean(4)};
}

}  // namespace

std::optional<Membership> membership_of(Spi& spi, const Uuid& member_id, const Uuid& organization_id) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT organization_id, is_active, verification_status, is_current"
                          "  FROM app.user_organizations WHERE member_id = $1 AND organization_id = $2",
                          {UUIDOID, UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(member_id), p_uuid(organization_id)});
    if (r.empty()) return std::nullopt;
    return read_membership(r[0]);
}

std::optional<Membership> current_membership(Spi& spi, const Uuid& member_id) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT organization_id, is_active, verification_status, is_current"
                          "  FROM app.user_organizations WHERE member_id = $1 AND is_current",
                          {UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(member_id)});
    if (r.empty()) return std::nullopt;
    return read_membership(r[0]);
}

}  // namespace mps::common
