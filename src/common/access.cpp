#include "common/access.hpp"

#include "core/errors.hpp"
#include "pg/convert.hpp"
#include "pg/failure_log.hpp"

namespace mps::common {

using namespace mps::pg;

namespace {

// A merchant (by the condition that follows) with the role of the caller ($2) among its active
// staff: the rows staff_standing() reads.
#define MPS_MERCHANT_STANDING                                                              \
    "SELECT m.id, m.status::text,"                                                         \
    "       (SELECT u.role::text FROM app.merchant_users u"                                \
    "         WHERE u.merchant_id = m.id AND u.user_id = $2 AND u.active),"                \
    "       EXISTS (SELECT 1 FROM app.organization_merchant_partnerships p"                \
    "                WHERE p.merchant_id = m.id AND p.is_active AND p.discount_rate > 0)"  \
    "  FROM app.merchants m WHERE "

// The caller's standing at the merchant a lookup found (r: id, status, the caller's role), with
// the refusals of merchant_for_staff / merchant_by_id_for_staff.
Merchant staff_standing(Spi& spi, const Caller& caller, const SpiResult& r, bool require_active, const char* not_staff,
                        const char* unknown) {
    // Somebody who is neither staff nor an administrator learns nothing, not even whether the
    // merchant exists: the same refusal (not_staff) either way.
    if (r.empty()) {
        if (!is_platform_admin(spi, caller)) fail(err::PERMISSION_DENIED, not_staff);
        fail(err::MERCHANT_NOT_FOUND_OR_INACTIVE, unknown);
    }
    Merchant m{r[0].uuid(1), r[0].label<PartyStatus>(2), r[0].opt_label<MerchantRole>(3), std::nullopt,
               r[0].boolean(4)};
    note_failure_merchant(m.id);
    if (!m.staff_role && !is_admin(spi, caller, m)) fail(err::PERMISSION_DENIED, not_staff);
    if (require_active && m.status != PartyStatus::Active)
        fail(err::MERCHANT_NOT_FOUND_OR_INACTIVE, "The merchant is " + std::string(label(m.status)) + ".");
    return m;
}

}  // namespace

Merchant merchant_for_staff(Spi& spi, const Caller& caller, const std::string& code, bool require_active) {
    static Statement stmt(SPI_OK_SELECT, MPS_MERCHANT_STANDING "m.code = $1", {TEXTOID, UUIDOID});
    SpiResult r = spi.run(stmt, {p_text(code), p_opt_uuid(caller.user_id)});
    return staff_standing(spi, caller, r, require_active, "The caller is not staff of a merchant with this code.",
                          "No merchant has this code.");
}

Merchant merchant_by_id_for_staff(Spi& spi, const Caller& caller, const Uuid& id, bool require_active) {
    static Statement stmt(SPI_OK_SELECT, MPS_MERCHANT_STANDING "m.id = $1", {UUIDOID, UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(id), p_opt_uuid(caller.user_id)});
    return staff_standing(spi, caller, r, require_active, "The caller is not staff of a merchant with this id.",
                          "No merchant has this id.");
}

bool is_admin(Spi& spi, const Caller& caller, Merchant& m) {
    if (!m.admin) m.admin = is_platform_admin(spi, caller);
    return *m.admin;
}

CardHolder card_holder(Spi& spi, const Caller& caller, const Uuid& card_id) {
    static Statement stmt(
        SPI_OK_SELECT,
        "SELECT c.card_type::text, COALESCE(c.owner_member_id = p.id, false), b.role::text,"
        "       COALESCE(p.status = 'active', false), p.id"
        "  FROM app.member_cards c"
        "  LEFT JOIN app.member_profiles p ON p.user_id = $2"
        "  LEFT JOIN app.card_bindings b ON b.card_id = c.id AND b.member_id = p.id AND b.status = 'active'"
        " WHERE c.id = $1",
        {UUIDOID, UUIDOID});
    CardHolder h;
    SpiResult r = spi.run(stmt, {p_uuid(card_id), p_opt_uuid(caller.user_id)});
    if (r.empty()) return h;
    h.card_type = r[0].label<CardType>(1);
    if (!caller.user_id) return h;
    h.standing.owner = r[0].boolean(2);
    h.standing.binding = r[0].opt_label<BindingRole>(3);
    h.member_active = r[0].boolean(4);
    h.member_id = r[0].opt_uuid(5);
    return h;
}

namespace {

MemberRef read_member(const SpiResult& r) {
    if (r.empty()) fail(err::MEMBER_NOT_FOUND, "No member with this id or number.");
    return {r[0].uuid(1), r[0].string(2), r[0].label<PartyStatus>(3), r[0].opt_uuid(4)};
}

}  // namespace

MemberRef member_by_id(Spi& spi, const Uuid& id) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT id, member_no, status::text, user_id FROM app.member_profiles WHERE id = $1", {UUIDOID});
    return read_member(spi.run(stmt, {p_uuid(id)}));
}

MemberRef member_by_no(Spi& spi, const std::string& member_no) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT id, member_no, status::text, user_id FROM app.member_profiles WHERE member_no = $1",
                          {TEXTOID});
    return read_member(spi.run(stmt, {p_text(member_no)}));
}

}  // namespace mps::common
