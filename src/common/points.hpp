// Points changes on the one point ledger (ARCHITECTURE.md §2), shared by the administrator's
// correction (app.update_points_and_level) and the points transactions of seed 003
// (app.update_card_points, app.transfer_points). Money movements write their points with the
// transaction (movements.hpp); everything else goes through apply_points_change.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/movements.hpp"
#include "core/ids.hpp"
#include "pg/identity.hpp"
#include "pg/spi.hpp"

namespace mps::common {

// One points change of a card the caller has locked (lock_card).
struct PointsChange {
    const LockedCard* card = nullptr;
    int64_t delta = 0;                        // non-zero
    std::optional<std::string> kind;          // earn/redeem/transfer/expire; nullopt: an adjustment
    std::string reason;                       // the ledger row's reason, 1..500 characters
    std::optional<std::string> reference_id;  // the caller's reference (an order, a campaign)
    std::optional<Uuid> merchant_id;
    bool used = false;  // a points transaction: the card's last_used_at is set too
};

struct PointsApplied {
    int64_t ledger_id = 0;
    int64_t points = 0;  // the card's points after the change
    int32_t level = 0;
    int32_t discount = 1000;  // thousandths
};

// Raises INSUFFICIENT_POINTS when the change would take the card below zero; otherwise, in one
// statement, sets the card's points (standard and prepaid cards take level and discount from
// the ladder; loyalty cards have no ladder level) and updated_at — the wallet passes' update tag
// — (last_used_at when used) and writes the point-ledger row. No audit row: the caller writes it.
PointsApplied apply_points_change(pg::Spi& spi, const pg::Caller& caller, const PointsChange& change);

}  // namespace mps::common
