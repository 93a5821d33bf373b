// Archived months (app.archive_partitions, ARCHITECTURE.md §10): a transaction of such a month
// keeps its registry rows (tx_registry, keys), but its row left app.transactions for schema
// archive. Calls that find its registry row and not its row say so with TX_ARCHIVED.
#pragma once

#include <optional>
#include <string>

#include "pg/spi.hpp"

namespace mps::common {

// The archived UTC month ("YYYY-MM") that a transaction created at `at` belongs to; nullopt
// when that month is not archived.
std::optional<std::string> archived_month_of(pg::Spi& spi, TimestampTz at);

// Raises TX_ARCHIVED when `at` falls in an archived month; `what` names the transaction in the
// sentence ("Payment PAY…").
void refuse_if_archived(pg::Spi& spi, TimestampTz at, const std::string& what);

}  // namespace mps::common
