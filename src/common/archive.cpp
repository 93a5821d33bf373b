#include "common/archive.hpp"

#include "core/errors.hpp"
#include "pg/convert.hpp"

namespace mps::common {

using namespace mps::pg;

std::optional<std::string> archived_month_of(Spi& spi, TimestampTz at) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT to_char(month, 'YYYY-MM') FROM app.archived_months"
                          " WHERE month = date_trunc('month', $1 AT TIME ZONE 'UTC')::date",
                          {TIMESTAMPTZOID});
    SpiResult r = spi.run(stmt, {p_timestamptz(at)});
    if (r.empty()) return std::nullopt;
    return r[0].string(1);
}

void refuse_if_archived(Spi& spi, TimestampTz at, const std::string& what) {
    if (std::optional<std::string> month = archived_month_of(spi, at))
        fail(err::TX_ARCHIVED, what + " belongs to " + *month + ", a month whose transactions were archived.",
             "Archived months are kept in schema archive (or exported by an administrator); ask a platform "
             "administrator.");
}

}  // namespace mps::common
