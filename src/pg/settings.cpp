#include "pg/settings.hpp"

#include <climits>
#include <cstring>

#include "pg/postgres.hpp"

namespace mps::pg {

bool allow_self_recharge = false;
bool qr_reuse_within_ttl = false;
char* settlement_time_zone = nullptr;
int card_lock_timeout = 3000;
int transaction_retention_months = 12;
char* failure_log_database = nullptr;
int failure_queue_size = 4096;
bool failure_log_pause = false;

namespace {

// mps.failure_log_database names a database: an empty name would only make the writer fail
// every few seconds.
bool check_database_name(char** value, void**, GucSource) {
    if (*value != nullptr && (*value)[0] != '\0' && std::strlen(*value) < NAMEDATALEN) return true;
    GUC_check_errdetail("mps.failure_log_database must name a database.");
    return false;
}

}  // namespace

void define_settings() {
    DefineCustomBoolVariable("mps.allow_self_recharge",
                             "Lets members and corporate card admins recharge cards themselves.",
                             "Off by default: recharge must come from the trusted backend (service_role) or "
                             "merchant staff taking cash.",
                             &allow_self_recharge, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("mps.qr_reuse_within_ttl",
                             "Lets a member's QR code pay more than once until it expires or is rotated.",
                             "Off by default: a successful charge consumes the code, and the app shows a new one.",
                             &qr_reuse_within_ttl, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomStringVariable("mps.settlement_time_zone",
                               "The time zone whose days and months settlement periods follow.",
                               "One zone for every settlement, whatever the caller's TimeZone, so that consecutive "
                               "periods neither overlap nor leave gaps.",
                               &settlement_time_zone, "UTC", PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("mps.card_lock_timeout",
                            "How long a call waits for a card that another call is using before it fails with CARD_BUSY.",
                            "A payment terminal gets a retryable answer instead of hanging behind a long transaction; "
                            "0 waits as long as lock_timeout allows.",
                            &card_lock_timeout, 3000, 0, INT_MAX, PGC_SUSET, GUC_UNIT_MS, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("mps.transaction_retention_months",
                            "How many months of transactions stay live before app.archive_partitions() archives them.",
                            "A month is archived once it ended longer ago than this; seed 001 keeps one year. The "
                            "current and the previous month always stay live.",
                            &transaction_retention_months, 12, 1, 1200, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    // Fixed at server start: the writer and the queue's size are set up while preloading, and
    // PostgreSQL refuses a PGC_POSTMASTER setting defined later (a FATAL error).
    if (process_shared_preload_libraries_in_progress) {
        DefineCustomStringVariable("mps.failure_log_database",
                                   "The database whose audit.event_log receives refused money calls.",
                                   "Backends of other databases do not queue their failures (not_collected in "
                                   "app.failure_log_status()).",
                                   &failure_log_database, "postgres", PGC_POSTMASTER, 0, check_database_name, nullptr,
                                   nullptr);
        DefineCustomIntVariable("mps.failure_queue_size",
                                "How many refused money calls the shared-memory queue holds for the writer.",
                                "A call refused while the queue is full is not logged (dropped), never delayed.",
                                &failure_queue_size, 4096, 16, 65536, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
    }
    DefineCustomBoolVariable("mps.failure_log_pause", "Stops the failure log writer from draining its queue.",
                             "For maintenance of audit.event_log: failures stay queued (and are dropped once the "
                             "queue is full) until the setting is turned off again and the configuration reloaded.",
                             &failure_log_pause, false, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
#if PG_VERSION_NUM >= 150000
    MarkGUCPrefixReserved("mps");
#else
    EmitWarningsOnPlaceholders("mps");
#endif
}

}  // namespace mps::pg
