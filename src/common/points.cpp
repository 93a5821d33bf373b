#include "common/points.hpp"

#include <stdexcept>

#include "core/errors.hpp"
#include "pg/convert.hpp"

namespace mps::common {

using namespace mps::pg;

PointsApplied apply_points_change(Spi& spi, const Caller& caller, const PointsChange& change) {
    const LockedCard& card = *change.card;
    int64_t after = 0;
    if (__builtin_add_overflow(card.points, change.delta, &after))
        fail(err::INVALID_ARGUMENT, "The points change would overflow the card's points.");
    if (after < 0)
        fail(err::INSUFFICIENT_POINTS, "The card has " + std::to_string(card.points) + " points; it cannot lose " +
                                           std::to_string(-change.delta) + ".");
    static Statement stmt(
        SPI_OK_SELECT,
        "WITH c AS (UPDATE app.member_cards c SET points = $3, updated_at = now(),"
        "                  last_used_at = CASE WHEN $9 THEN now() ELSE c.last_used_at END,"
        "                  level = CASE WHEN c.card_type IN ('standard', 'prepaid') THEN l.level ELSE c.level END,"
        "                  discount = CASE WHEN c.card_type IN ('standard', 'prepaid') THEN l.discount"
        "                             ELSE c.discount END"
        "             FROM app.membership_levels l"
        "            WHERE c.id = $1 AND l.min_points <= $3 AND (l.max_points IS NULL OR l.max_points >= $3)"
        "           RETURNING c.id, c.level, (c.discount * 1000)::int4 AS discount),"
        " p AS (INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, reason, actor_user_id,"
        "                                     kind, reference_id, merchant_id)"
        "       SELECT id, $2, $3 - $2, $3, $4, $5, $6, $7, $8 FROM c RETURNING id)"
        "SELECT p.id, c.level, c.discount FROM p, c",
        {UUIDOID, INT8OID, INT8OID, TEXTOID, UUIDOID, TEXTOID, TEXTOID, UUIDOID, BOOLOID});
    SpiResult r = spi.run(stmt, {p_uuid(card.id), p_int64(change.delta), p_int64(after), p_text(change.reason),
                                 p_opt_uuid(caller.user_id), p_opt_text(change.kind), p_opt_text(change.reference_id),
                                 p_opt_uuid(change.merchant_id), p_datum(BoolGetDatum(change.used))});
    if (r.empty()) throw std::runtime_error("membership ladder has no level for the card's points");
    return PointsApplied{r[0].integer(1), after, int32_t(r[0].integer(2)), r[0].thousandths(3)};
}

}  // namespace mps::common
