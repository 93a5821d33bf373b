// Loyalty cards (seed 003): a merchant's card, taken by scanning the merchant's QR code through
// an organisation in partnership with it, and the member's list of loyalty cards. Organisation
// cards are issued when a membership is verified (organizations.cpp). Loyalty cards are rows of
// app.member_cards (types organization and merchant): points, never money.
// SQL: sql/install/90_rpc_loyalty.sql.
#include <string>

#include "common/args.hpp"
#include "common/organizations.hpp"
#include "core/errors.hpp"
#include "core/merchant_qr.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/settings.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

// A loyalty card as seed 003 lists it (c = app.member_cards, o / m its organisation and
// merchant, LEFT JOINed).
#define MPS_LOYALTY_CARD_JSON                                                                                   \
    "jsonb_build_object('id', c.id, 'card_type', c.card_type::text, 'card_number', c.card_no,"                 \
    " 'display_name', COALESCE(m.name, o.display_name_en), 'points', c.points,"                                 \
    " 'membership_level', c.membership_level, 'qr_code_data', c.qr_code_data, 'status', c.status::text,"        \
    " 'expires_at', c.expires_at, 'last_used_at', c.last_used_at, 'created_at', c.created_at,"                 \
    " 'organization', CASE WHEN o.id IS NOT NULL THEN " MPS_ORGANIZATION_JSON " END,"                           \
    " 'merchant', CASE WHEN m.id IS NOT NULL THEN " MPS_MERCHANT_JSON " END)"

}  // namespace

MPS_ENTRY(mps_create_merchant_card, p_user_id, p_organization_id, p_merchant_id, p_qr_data) {
    const std::optional<Uuid> user_id = optional_uuid_arg(args, p_user_id);
    const std::optional<Uuid> asked_org = optional_uuid_arg(args, p_organization_id);
    const std::optional<Uuid> asked_merchant = optional_uuid_arg(args, p_merchant_id);
    const std::optional<std::string> text = optional_text_arg(args, p_qr_data, 512);
    if (!text) fail(err::INVALID_MERCHANT_QR, "p_qr_data (the scanned merchant QR code) is required.");
    const std::optional<MerchantQr> qr = parse_merchant_qr(*text);
    if (!qr)
        fail(err::INVALID_MERCHANT_QR, "The scanned text is not a merchant QR code.",
             "A merchant code reads vitaglobal://merchant/<code>/location/<number>.");

    Caller caller = current_caller();
    Spi spi;
    const Uuid member_id = acting_member(spi, caller, user_id, "take a merchant's card");
    static Statement merchant(SPI_OK_SELECT, "SELECT id FROM app.merchants WHERE code = $1 AND status = 'active'", {TEXTOID});
    SpiResult mr = spi.run(merchant, {p_text(qr->merchant_code)});
    if (mr.empty()) fail(err::MERCHANT_NOT_FOUND_OR_INACTIVE, "No active merchant has the scanned code.");
    const Uuid merchant_id = mr[0].uuid(1);
    if (asked_merchant && *asked_merchant != merchant_id)
        fail(err::INVALID_ARGUMENT, "p_merchant_id is not the merchant of the scanned QR code.");
    lock_member(spi, member_id);
    std::optional<Membership> m = asked_org ? membership_of(spi, member_id, *asked_org) : current_membership(spi, member_id);
    if (!m || !m->active)
        fail(err::NOT_ORGANIZATION_MEMBER,
             asked_org ? "The member has no active membership of this organisation." : "The member has no current organisation.",
             "Join an organisation in partnership with the merchant, or switch to it.");
    if (!m->verified) fail(err::MEMBERSHIP_NOT_VERIFIED, "The organisation has not verified this membership yet.");
    Organization org = organization_by_id(spi, caller, m->organization_id);
    if (!org.active) fail(err::ORGANIZATION_NOT_ACTIVE, "The organisation is deactivated.");
    static Statement partnership(SPI_OK_SELECT,
                                 "SELECT 1 FROM app.organization_merchant_partnerships p"
                                 " WHERE p.organization_id = $1 AND p.merchant_id = $2 AND " MPS_PARTNERSHIP_LIVE("$3"),
                                 {UUIDOID, UUIDOID, TEXTOID});
    if (spi.run(partnership, {p_uuid(org.id), p_uuid(merchant_id), p_text(settlement_time_zone)}).empty())
        fail(err::PARTNERSHIP_REQUIRED, "The organisation has no active partnership with this merchant.",
             "verify_merchant_qr lists the member's organisations that have one.");
    const LoyaltyCard card = ensure_loyalty_card(spi, caller, member_id, org.id, merchant_id, "basic");
    static Statement result(SPI_OK_SELECT,
                            "SELECT jsonb_build_object('success', true, 'created', $2, 'card', " MPS_LOYALTY_CARD_JSON ")"
                            "  FROM app.member_cards c"
                            "  LEFT JOIN app.organizations o ON o.id = c.organization_id"
                            "  LEFT JOIN app.merchants m ON m.id = c.loyalty_merchant_id"
                            " WHERE c.id = $1",
                            {UUIDOID, BOOLOID});
    const Value out = spi.run(result, {p_uuid(card.id), p_datum(BoolGetDatum(card.created))})[0].copy(1);
    spi.finish();
    return out.datum;
}

MPS_ENTRY(mps_get_user_membership_cards, p_user_id, p_organization_id, p_card_type) {
    const std::optional<Uuid> user_id = optional_uuid_arg(args, p_user_id);
    const std::optional<Uuid> org_id = optional_uuid_arg(args, p_organization_id);
    const std::optional<std::string> type = optional_text_arg(args, p_card_type, 16);
    if (type && *type != "organization" && *type != "merchant")
        fail(err::INVALID_ARGUMENT, "p_card_type must be organization or merchant.");

    Caller caller = current_caller();
    Spi spi;
    const Uuid member_id = acting_member(spi, caller, user_id, "list loyalty cards");
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT jsonb_build_object('cards', COALESCE(jsonb_agg(" MPS_LOYALTY_CARD_JSON
                          "         ORDER BY c.card_type, c.created_at, c.id), '[]'))"
                          "  FROM app.member_cards c"
                          "  LEFT JOIN app.organizations o ON o.id = c.organization_id"
                          "  LEFT JOIN app.merchants m ON m.id = c.loyalty_merchant_id"
                          " WHERE c.owner_member_id = $1 AND c.card_type::text IN ('organization', 'merchant')"
                          "   AND ($2::uuid IS NULL OR c.organization_id = $2) AND ($3::text IS NULL OR c.card_type::text = $3)",
                          {UUIDOID, UUIDOID, TEXTOID});
    const Value out = spi.run(stmt, {p_uuid(member_id), p_opt_uuid(org_id), p_opt_text(type)})[0].copy(1);
    spi.finish();
    return out.datum;
}
