// Partition lifecycle of app.transactions (ARCHITECTURE.md §10): app.ensure_partitions,
// app.ensure_next_month_partition (seed 000's name), app.archive_partitions. The partitions'
// DDL lives in SQL (sql/install/62_partitions.sql, 63_archive.sql); these entry points check
// the arguments and the caller, and audit. SQL: sql/install/90_rpc_partitions.sql.
#include <string>
#include <vector>

#include "common/args.hpp"
#include "common/audit.hpp"
#include "core/errors.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/identity.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"
#include "pg/srf.hpp"
#include "pg/waits.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

// app.ensure_partitions' default (its SQL DEFAULT), which ensure_next_month_partition uses.
constexpr int32_t kDefaultMonthsAhead = 3;

int32_t ensure_ahead(Spi& spi, int32_t months) {
    static Statement ensure(SPI_OK_SELECT, "SELECT sec.ensure_transaction_partitions($1)", {INT4OID});
    return int32_t(spi.run(ensure, {p_int32(months)})[0].integer(1));
}

}  // namespace

// Creates missing monthly partitions from the current month through p_months_ahead months
// ahead; never fewer than 2 ahead (INVALID_ARGUMENT). Platform administrators (and pg_cron as
// the owner).
MPS_ENTRY(mps_ensure_partitions, p_months_ahead) {
    Caller caller = current_caller();
    const std::optional<int32_t> months = optional_int32_arg(args, p_months_ahead);
    if (!months || *months < 2 || *months > 120)
        fail(err::INVALID_ARGUMENT, "p_months_ahead must be between 2 and 120: partitions are kept at least two months ahead.");
    Spi spi;
    require_platform_admin(spi, caller, "create partitions");
    const int32_t created = ensure_ahead(spi, *months);
    spi.finish();
    PG_RETURN_INT32(created);
}

// Seed 000's maintenance call: the same as ensure_partitions() with its default.
MPS_ENTRY(mps_ensure_next_month_partition) {
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "create partitions");
    const int32_t created = ensure_ahead(spi, kDefaultMonthsAhead);
    spi.finish();
    PG_RETURN_INT32(created);
}

// Archives every month past the retention (p_keep_months, else mps.transaction_retention_months)
// in the caller's transaction, verified (sec.archive_transaction_partitions); one row per month
// archived, and a 'held' row for the first month that had to stay live. Audited per month.
MPS_ENTRY(mps_archive_partitions, p_keep_months) {
    const std::optional<int32_t> given = optional_int32_arg(args, p_keep_months);
    const int32_t keep = given ? *given : transaction_retention_months;
    if (keep < 1 || keep > 1200)
        fail(err::INVALID_ARGUMENT, "p_keep_months must be between 1 and 1200 (NULL: mps.transaction_retention_months).");
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "archive partitions");
    // The partitions are read after their locks are granted: only a snapshot per statement sees
    // the writes those locks waited for.
    if (!snapshot_per_statement())
        fail(err::READ_COMMITTED_REQUIRED, "archive_partitions runs in a READ COMMITTED transaction.",
             "Call it outside REPEATABLE READ / SERIALIZABLE transactions.");
    static Statement archive(SPI_OK_SELECT,
                             "SELECT month, table_name, tx_count, balance_total, cards, outcome, note,"
                             "       to_char(month, 'YYYY-MM'), (balance_total * 100)::int8"
                             "  FROM sec.archive_transaction_partitions($1, $2, $3)",
                             {INT4OID, UUIDOID, TEXTOID});
    SpiResult r = spi.run(archive, {p_int32(keep), p_opt_uuid(caller.user_id), p_text(caller.role_name)});
    TableResult out(args.fcinfo());
    struct Archived {
        std::string month, table;
        int64_t rows, balance_cents, cards;
    };
    std::vector<Archived> archived;
    for (uint64_t i = 0; i < r.size(); ++i) {
        out.add({r[i].cell(1), r[i].cell(2), r[i].cell(3), r[i].cell(4), r[i].cell(5), r[i].cell(6), r[i].cell(7)});
        if (r[i].string(6) == "archived")
            archived.push_back({r[i].string(8), r[i].string(2), r[i].integer(3), r[i].cents(9), r[i].integer(5)});
    }
    for (const Archived& a : archived)
        audit(spi, caller, "partition.archive", "transactions_month", a.month,
              JsonObject()
                  .add("table", a.table)
                  .add("rows", a.rows)
                  .add_cents("balance_total", a.balance_cents)
                  .add("cards", a.cards)
                  .add("keep_months", int64_t(keep)));
    spi.finish();
    return Datum(0);
}
