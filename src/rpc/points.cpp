// Points transactions (seed 003 update_card_points, points_transactions) on the one point ledger:
// app.update_card_points (earn, redeem, expire) and app.transfer_points (between two cards of
// one member). SQL: sql/install/90_rpc_points.sql; the seed-shaped read is the view
// app.points_transactions (sql/install/96_seed_views.sql).
//
// Every change locks its card first (lock_card), is idempotent by the caller's reference (the
// same card, kind and reference_id with the same change returns the original ledger row; with
// another change it is POINTS_REFERENCE_REUSED), never takes a card below zero, and is audited.
#include <string>

#include "common/access.hpp"
#include "common/args.hpp"
#include "common/audit.hpp"
#include "common/movements.hpp"
#include "common/organizations.hpp"
#include "common/points.hpp"
#include "core/cards.hpp"
#include "core/errors.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/settings.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

// One change moves at most what seed 003's points_change (INTEGER) holds.
constexpr int64_t kMaxPointsChange = 2147483647;

// The points change or transfer amount: non-NULL, within ±kMaxPointsChange, never 0.
int64_t points_arg(const Args& args, int n, const char* name) {
    args.require_declared(n);
    const std::optional<int64_t> v = optional_int64_arg(args, n);
    if (!v || *v == 0 || *v > kMaxPointsChange || *v < -kMaxPointsChange)
        fail(err::INVALID_ARGUMENT, std::string(name) + " must be a non-zero number of points of at most " +
                                        std::to_string(kMaxPointsChange) + " either way.");
    return *v;
}

// The ledger row as the RPCs answer it; replayed: an idempotent retry's answer.
Value ledger_result(Spi& spi, int64_t ledger_id, bool replayed) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT jsonb_build_object('success', true, 'card_id', l.card_id, 'ledger_id', l.id,"
                          "       'transaction_type', l.kind, 'points_change', l.delta, 'points', l.balance_after,"
                          "       'description', l.reason, 'reference_id', l.reference_id, 'merchant_id', l.merchant_id,"
                          "       'created_at', l.created_at, 'replayed', $2)"
                          "  FROM app.point_ledger l WHERE l.id = $1",
                          {INT8OID, BOOLOID});
    return spi.run(stmt, {p_int64(ledger_id), p_datum(BoolGetDatum(replayed))})[0].copy(1);
}

// What makes a loyalty card someone's: its organisation and merchant, and whether the
// organisation is active.
struct LoyaltyOwner {
    std::optional<Uuid> organization_id;
    std::optional<Uuid> merchant_id;
    bool organization_active = false;
};

LoyaltyOwner loyalty_owner(Spi& spi, const Uuid& card_id) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT c.organization_id, c.loyalty_merchant_id, COALESCE(o.is_active, false)"
                          "  FROM app.member_cards c LEFT JOIN app.organizations o ON o.id = c.organization_id"
                          " WHERE c.id = $1",
                          {UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(card_id)});
    return LoyaltyOwner{r[0].opt_uuid(1), r[0].opt_uuid(2), r[0].boolean(3)};
}

// Merchant staff change the points of the loyalty cards their merchant serves: its own
// merchant cards, and the organisation cards of organisations it is in active partnership with
// today (days in mps.settlement_time_zone); never a card they own themselves.
void require_staff_may_change(Spi& spi, const Caller& caller, const LockedCard& card, const Uuid& merchant_id) {
    if (!is_loyalty(card.type))
        fail(err::PERMISSION_DENIED,
             "The points of a " + std::string(label(card.type)) + " card come from its payments; only platform "
             "administrators change them otherwise.");
    const std::optional<Uuid> own = caller_member_id(spi, caller);
    if (own && card.owner_member_id == own)
        fail(err::PERMISSION_DENIED, "Staff never change the points of a card they own.");
    const LoyaltyOwner owner = loyalty_owner(spi, card.id);
    if (card.type == CardType::Merchant) {
        if (owner.merchant_id != merchant_id)
            fail(err::PERMISSION_DENIED, "The card is another merchant's loyalty card.");
        return;
    }
    if (!owner.organization_active) fail(err::ORGANIZATION_NOT_ACTIVE, "The card's organisation is deactivated.");
    static Statement partner(SPI_OK_SELECT,
                             "SELECT 1 FROM app.organization_merchant_partnerships p"
                             " WHERE p.organization_id = $1 AND p.merchant_id = $2 AND " MPS_PARTNERSHIP_LIVE("$3"),
                             {UUIDOID, UUIDOID, TEXTOID});
    if (spi.run(partner, {p_uuid(*owner.organization_id), p_uuid(merchant_id),
                          p_text(settlement_time_zone ? settlement_time_zone : "UTC")})
            .empty())
        fail(err::PARTNERSHIP_REQUIRED, "The card's organisation has no active partnership with this merchant today.");
}

const char* default_reason(const std::string& kind) {
    if (kind == "earn") return "points earned";
    if (kind == "redeem") return "points redeemed";
    return "points expired";
}

}  // namespace

// Earns (> 0), redeems (< 0) or expires (< 0) points on a card that holds points. Earn and
// redeem: staff of the merchant p_merchant_id names, on its merchant cards or on organisation
// cards of its partner organisations (never a card they own); expire: platform administrators
// and the job runner; platform administrators anything. Idempotent by p_reference_id.
MPS_ENTRY(mps_update_card_points, p_card_id, p_points_change, p_transaction_type, p_description, p_merchant_id,
          p_reference_id) {
    const Uuid card_id = required_uuid_arg(args, p_card_id);
    const int64_t change = points_arg(args, p_points_change, "p_points_change");
    args.require_declared(p_transaction_type);
    const std::string kind = required_text_arg(args, p_transaction_type, 32);
    if (kind == "transfer")
        fail(err::INVALID_ARGUMENT, "A transfer moves points between two cards: update_card_points does not make one.",
             "Call app.transfer_points(p_from_card_id, p_to_card_id, p_points).");
    if (kind != "earn" && kind != "redeem" && kind != "expire")
        fail(err::INVALID_ARGUMENT, "p_transaction_type must be earn, redeem or expire.");
    if ((kind == "earn") != (change > 0))
        fail(err::INVALID_ARGUMENT, kind == "earn" ? "An earn is a positive p_points_change."
                                                   : "A" + std::string(kind == "expire" ? "n " : " ") + kind +
                                                         " is a negative p_points_change.");
    const std::optional<std::string> description = note_arg(args, p_description, 255);
    const std::optional<Uuid> merchant_id = optional_uuid_arg(args, p_merchant_id);
    const std::optional<std::string> reference = optional_text_arg(args, p_reference_id, 255);

    Caller caller = current_caller();
    Spi spi;
    const bool admin = is_platform_admin(spi, caller);
    if (kind == "expire" && !admin)
        fail(err::PERMISSION_DENIED, "Only platform administrators and the expiry job expire points.");
    if (!admin && !merchant_id)
        fail(err::PERMISSION_DENIED, "Points are changed by staff in their merchant's name, or by platform administrators.",
             "Name the merchant in p_merchant_id.");
    if (merchant_id) merchant_by_id_for_staff(spi, caller, *merchant_id, true);

    std::optional<LockedCard> card = lock_card(spi, card_id);
    if (!card) fail(err::CARD_NOT_FOUND, "No card with this id.");
    if (!holds_points(card->type))
        fail(err::CARD_TYPE_MISMATCH, "A " + std::string(label(card->type)) + " card holds no points.");
    if (!admin) require_staff_may_change(spi, caller, *card, *merchant_id);

    if (reference) {
        // Under the card's lock: a retry in flight waits for the first call and then sees its row.
        static Statement prior(SPI_OK_SELECT,
                               "SELECT id, delta, merchant_id FROM app.point_ledger"
                               " WHERE card_id = $1 AND kind = $2 AND reference_id = $3",
                               {UUIDOID, TEXTOID, TEXTOID});
        SpiResult r = spi.run(prior, {p_uuid(card_id), p_text(kind), p_text(*reference)});
        if (!r.empty()) {
            if (r[0].integer(2) != change || r[0].opt_uuid(3) != merchant_id)
                fail(err::POINTS_REFERENCE_REUSED,
                     "This card already has a points change of type " + kind + " with this p_reference_id, of " +
                         std::to_string(r[0].integer(2)) + " points" +
                         (r[0].opt_uuid(3) != merchant_id ? " in another merchant's name." : "."));
            const Value out = ledger_result(spi, r[0].integer(1), true);
            spi.finish();
            return out.datum;
        }
    }
    // Points expire from any card; they are earned and redeemed only on an active one.
    if (kind != "expire") require_active(*card);

    PointsChange pc;
    pc.card = &*card;
    pc.delta = change;
    pc.kind = kind;
    pc.reason = description ? *description : default_reason(kind);
    pc.reference_id = reference;
    pc.merchant_id = merchant_id;
    pc.used = true;
    const PointsApplied applied = apply_points_change(spi, caller, pc);
    audit(spi, caller, "card.points", "card", format_uuid(card_id),
          JsonObject()
              .add("kind", kind)
              .add("delta", change)
              .add("points_after", applied.points)
              .add("reason", pc.reason)
              .add("reference_id", reference)
              .add("merchant_id", merchant_id));
    const Value out = ledger_result(spi, applied.ledger_id, false);
    spi.finish();
    return out.datum;
}

namespace {

Value transfer_result(Spi& spi, int64_t from_ledger_id, int64_t to_ledger_id, bool replayed) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT jsonb_build_object('success', true, 'from_card_id', f.card_id, 'to_card_id', t.card_id,"
                          "       'points', t.delta, 'from_points', f.balance_after, 'to_points', t.balance_after,"
                          "       'reference_id', f.reference_id, 'from_ledger_id', f.id, 'to_ledger_id', t.id,"
                          "       'created_at', f.created_at, 'replayed', $3)"
                          "  FROM app.point_ledger f, app.point_ledger t WHERE f.id = $1 AND t.id = $2",
                          {INT8OID, INT8OID, BOOLOID});
    return spi.run(stmt, {p_int64(from_ledger_id), p_int64(to_ledger_id), p_datum(BoolGetDatum(replayed))})[0].copy(1);
}

}  // namespace

// Moves points between two different active cards that hold points and belong to one member:
// the caller's own (platform administrators: any member's). Both cards are locked in id order,
// so two opposite transfers cannot deadlock; two ledger rows of kind transfer; never below zero.
MPS_ENTRY(mps_transfer_points, p_from_card_id, p_to_card_id, p_points, p_reference_id) {
    const Uuid from_id = required_uuid_arg(args, p_from_card_id);
    const Uuid to_id = required_uuid_arg(args, p_to_card_id);
    const int64_t points = points_arg(args, p_points, "p_points");
    if (points < 0) fail(err::INVALID_ARGUMENT, "p_points must be positive: the points leave p_from_card_id.");
    if (from_id == to_id) fail(err::INVALID_ARGUMENT, "p_from_card_id and p_to_card_id must be two different cards.");
    const std::optional<std::string> reference = optional_text_arg(args, p_reference_id, 255);

    Caller caller = current_caller();
    Spi spi;
    const bool admin = is_platform_admin(spi, caller);
    if (!admin) {
        // Before any lock, the same refusal whether or not the cards exist.
        const std::optional<Uuid> own = caller_member_id(spi, caller);
        static Statement owned(SPI_OK_SELECT,
                               "SELECT count(*) FROM app.member_cards WHERE id IN ($1, $2) AND owner_member_id = $3",
                               {UUIDOID, UUIDOID, UUIDOID});
        if (!own || spi.run(owned, {p_uuid(from_id), p_uuid(to_id), p_uuid(*own)})[0].integer(1) != 2)
            fail(err::PERMISSION_DENIED, "Points move only between two cards the caller owns.");
    }
    // A fixed order (by id) for the two locks.
    const bool from_first = from_id.bytes < to_id.bytes;
    std::optional<LockedCard> first = lock_card(spi, from_first ? from_id : to_id);
    std::optional<LockedCard> second = lock_card(spi, from_first ? to_id : from_id);
    if (!first || !second) fail(err::CARD_NOT_FOUND, "No card with this id.");
    const LockedCard& from = from_first ? *first : *second;
    const LockedCard& to = from_first ? *second : *first;
    if (!from.owner_member_id || from.owner_member_id != to.owner_member_id)
        fail(err::PERMISSION_DENIED, "Points move only between two cards of one member.");
    for (const LockedCard* c : {&from, &to})
        if (!holds_points(c->type))
            fail(err::CARD_TYPE_MISMATCH, "A " + std::string(label(c->type)) + " card holds no points.");

    if (reference) {
        static Statement prior(SPI_OK_SELECT,
                               "SELECT id, card_id = $1, delta FROM app.point_ledger"
                               " WHERE card_id IN ($1, $2) AND kind = 'transfer' AND reference_id = $3 ORDER BY id",
                               {UUIDOID, UUIDOID, TEXTOID});
        SpiResult r = spi.run(prior, {p_uuid(from_id), p_uuid(to_id), p_text(*reference)});
        if (!r.empty()) {
            // The same transfer: its two rows, out of p_from_card_id and into p_to_card_id.
            if (r.size() != 2 || !r[0].boolean(2) || r[0].integer(3) != -points || r[1].boolean(2) ||
                r[1].integer(3) != points)
                fail(err::POINTS_REFERENCE_REUSED,
                     "A transfer with this p_reference_id already moved other points on these cards.");
            const Value out = transfer_result(spi, r[0].integer(1), r[1].integer(1), true);
            spi.finish();
            return out.datum;
        }
    }
    require_active(from);
    require_active(to);

    PointsChange out_of;
    out_of.card = &from;
    out_of.delta = -points;
    out_of.kind = "transfer";
    out_of.reason = "points transferred to another card of the member";
    out_of.reference_id = reference;
    out_of.used = true;
    const PointsApplied taken = apply_points_change(spi, caller, out_of);
    PointsChange into = out_of;
    into.card = &to;
    into.delta = points;
    into.reason = "points transferred from another card of the member";
    const PointsApplied given = apply_points_change(spi, caller, into);
    audit(spi, caller, "card.points_transfer", "card", format_uuid(from_id),
          JsonObject()
              .add("from_card_id", from_id)
              .add("to_card_id", to_id)
              .add("points", points)
              .add("from_points_after", taken.points)
              .add("to_points_after", given.points)
              .add("reference_id", reference));
    const Value out = transfer_result(spi, taken.ledger_id, given.ledger_id, false);
    spi.finish();
    return out.datum;
}
