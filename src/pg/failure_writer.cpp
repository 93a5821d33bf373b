// "mps failure log writer": the background worker that drains the failure log's queue
// (pg/failure_log.hpp) into audit.event_log of mps.failure_log_database.
//
// It is a PostgreSQL process of its own and follows PostgreSQL's rules for one (as
// src/test/modules/worker_spi does): no C++ object with a destructor lives in it, errors are
// caught with PG_TRY and reported with ereport, which is safe here for that reason.
//  * Sleeps on its latch (backends set it after queuing) or 1 s, takes up to kBatch entries and
//    writes them in one transaction: the first refusal after a quiet spell is written at once.
//    After a batch that was not full it waits kGatherMs before taking the next, so that a
//    stream of refusals becomes a few transactions a second (each commit waits for its WAL
//    flush) instead of one per refusal; full batches follow each other without a wait.
//  * A batch that cannot be written (mps not installed in that database, a lock, a constraint)
//    is counted in write_errors and dropped; one WARNING per distinct cause, not per batch, until
//    a batch is written again. It keeps running: no crash-and-restart loop.
//  * SIGTERM (shutdown, pg_terminate_backend) ends it at the next interrupt check (restarted
//    after 10 s unless the server stops); SIGHUP re-reads the configuration
//    (mps.failure_log_pause). What is still queued when the server stops is lost.
#include <cstdio>
#include <cstring>

#include "pg/failure_log.hpp"
#include "pg/settings.hpp"

extern "C" {
#include "access/xact.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"

PGDLLEXPORT void mps_failure_log_writer_main(Datum arg);
}

namespace mps::pg {

namespace {

constexpr int kBatch = 64;
constexpr long kGatherMs = 100;
FailureEntry g_batch[kBatch];  // static: a batch is 64 x ~250 bytes
// Entries taken from the queue and not yet counted as written or failed: counted as write
// errors if the writer exits in the middle of a batch (SIGTERM, FATAL), so the counters add up.
int g_inflight = 0;
SPIPlanPtr g_insert = nullptr;  // prepared in the first transaction that can
MemoryContext g_writer_context = nullptr;
// The cause of the last failed write ("" after a success): warned about once.
char g_last_cause[256] = "";

// One row per failure. Objects: the card when known, else the merchant, else the RPC.
const char* const kInsert =
    "INSERT INTO audit.event_log (actor_user_id, actor_role, action, object_type, object_id, context, happened_at)"
    " SELECT $1, COALESCE($2, pg_get_userbyid($3)), 'PAYMENT_FAILED',"
    "        CASE WHEN $4 IS NOT NULL THEN 'card' WHEN $5 IS NOT NULL THEN 'merchant' ELSE 'call' END,"
    "        COALESCE($4::text, $5::text, $8),"
    "        jsonb_build_object('error', $6, 'sqlstate', $7, 'rpc', $8, 'merchant_id', $5, 'card_id', $4), $9";
Oid kInsertTypes[] = {UUIDOID, TEXTOID, OIDOID, UUIDOID, UUIDOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID};

void insert_row(const FailureEntry& e) {
    Datum values[9];
    char nulls[9];
    std::memset(nulls, ' ', sizeof nulls);
    auto uuid = [&](int i, bool has, const uint8_t* bytes) {
        if (has)
            values[i] = UUIDPGetDatum(reinterpret_cast<pg_uuid_t*>(const_cast<uint8_t*>(bytes)));
        else
            nulls[i] = 'n';
    };
    uuid(0, e.has_user, e.user);
    if (e.role_name[0]) values[1] = CStringGetTextDatum(e.role_name);
    else nulls[1] = 'n';
    values[2] = ObjectIdGetDatum(e.role);
    uuid(3, e.has_card, e.card);
    uuid(4, e.has_merchant, e.merchant);
    values[5] = CStringGetTextDatum(e.code);
    values[6] = CStringGetTextDatum(e.sqlstate);
    values[7] = CStringGetTextDatum(e.rpc);
    values[8] = TimestampTzGetDatum(e.at);
    if (SPI_execute_plan(g_insert, values, nulls, false, 0) != SPI_OK_INSERT)
        elog(ERROR, "inserting into audit.event_log did not return SPI_OK_INSERT");
}

// Writes n entries in one transaction; on failure counts and reports it and goes on.
void write_batch(int n) {
    volatile bool written = false;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PG_TRY();
    {
        SPI_connect();
        PushActiveSnapshot(GetTransactionSnapshot());
        pgstat_report_activity(STATE_RUNNING, "writing refused money calls into audit.event_log");
        if (g_insert == nullptr) {
            SPIPlanPtr plan = SPI_prepare(kInsert, 9, kInsertTypes);
            if (plan == nullptr) elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
            SPI_keepplan(plan);
            g_insert = plan;
        }
        for (int i = 0; i < n; ++i) insert_row(g_batch[i]);
        SPI_finish();
        PopActiveSnapshot();
        CommitTransactionCommand();
        written = true;
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(g_writer_context);
        ErrorData* error = CopyErrorData();
        FlushErrorState();
        AbortCurrentTransaction();
        MemoryContextSwitchTo(g_writer_context);
        char cause[sizeof g_last_cause];
        const char* message = error->message ? error->message : "";
        snprintf(cause, sizeof cause, "%s: %s", unpack_sql_state(error->sqlerrcode), message);
        if (std::strcmp(cause, g_last_cause) != 0) {
            strlcpy(g_last_cause, cause, sizeof g_last_cause);
            ereport(WARNING,
                    (errmsg("mps failure log writer: %d refused money calls could not be written into audit.event_log "
                            "of database \"%s\"",
                            n, failure_log_database),
                     errdetail("%s (SQLSTATE %s)", message, unpack_sql_state(error->sqlerrcode)),
                     errhint("They are lost (write_errors of app.failure_log_status()); later batches failing the "
                             "same way are counted without another warning.")));
        }
        FreeErrorData(error);
    }
    PG_END_TRY();
    pgstat_report_stat(false);
    pgstat_report_activity(STATE_IDLE, nullptr);
    if (written) {
        failure_queue::count_written(uint64_t(n));
        if (g_last_cause[0]) {
            ereport(LOG, (errmsg("mps failure log writer: writing into audit.event_log of database \"%s\" again",
                                 failure_log_database)));
            g_last_cause[0] = '\0';
        }
    } else {
        failure_queue::count_write_errors(uint64_t(n));
    }
    g_inflight = 0;
    // Commit and abort leave TopMemoryContext current; the loop runs in the writer's own.
    MemoryContextSwitchTo(g_writer_context);
    MemoryContextReset(g_writer_context);
}

void detach_writer(int, Datum) {
    if (g_inflight > 0) failure_queue::count_write_errors(uint64_t(g_inflight));
    g_inflight = 0;
    failure_queue::detach();
}

}  // namespace

void register_failure_writer() {
    BackgroundWorker worker;
    std::memset(&worker, 0, sizeof worker);
    strlcpy(worker.bgw_name, "mps failure log writer", BGW_MAXLEN);
    strlcpy(worker.bgw_type, "mps failure log writer", BGW_MAXLEN);
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;  // it writes: not on a standby
    worker.bgw_restart_time = 10;
    strlcpy(worker.bgw_library_name, "mps", BGW_MAXLEN);
    strlcpy(worker.bgw_function_name, "mps_failure_log_writer_main", BGW_MAXLEN);
    RegisterBackgroundWorker(&worker);
}

}  // namespace mps::pg

using namespace mps::pg;

void mps_failure_log_writer_main(Datum) {
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    // pg_cancel_backend() on the writer would raise an ERROR outside a transaction and end it
    // for bgw_restart_time: a cancel means nothing to it.
    pqsignal(SIGINT, SIG_IGN);
    BackgroundWorkerUnblockSignals();
    // A database that does not exist is a FATAL error here: retried every bgw_restart_time, and
    // app.failure_log_status() says the writer is not running.
    BackgroundWorkerInitializeConnection(failure_log_database, nullptr, 0);
    // Built-in names only, whatever the database's default search_path; a lock on the event log
    // held by maintenance (VACUUM FULL, ALTER TABLE) fails a batch instead of stalling the writer
    // while the queue fills; a database made read-only by default still gets its rows.
    SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("lock_timeout", "5s", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("statement_timeout", "30s", PGC_SUSET, PGC_S_OVERRIDE);
    SetConfigOption("default_transaction_read_only", "off", PGC_SUSET, PGC_S_OVERRIDE);
    g_writer_context = AllocSetContextCreate(TopMemoryContext, "mps failure log writer", ALLOCSET_DEFAULT_SIZES);
    MemoryContextSwitchTo(g_writer_context);
    before_shmem_exit(detach_writer, 0);
    if (!failure_queue::attach(MyLatch, failure_log_pause)) proc_exit(0);  // not preloaded: nothing to do
    ereport(LOG, (errmsg("mps failure log writer: writing refused money calls into audit.event_log of database \"%s\"",
                         failure_log_database)));
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
            failure_queue::set_paused(failure_log_pause);
        }
        const int n = failure_log_pause ? 0 : failure_queue::take(g_batch, kBatch);
        if (n > 0) {
            g_inflight = n;
            write_batch(n);
            if (n < kBatch)
                (void)WaitLatch(MyLatch, WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, kGatherMs, PG_WAIT_EXTENSION);
            continue;
        }
        // Queued after take() found nothing: the latch is set, so this returns at once.
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, 1000L, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
    }
}
