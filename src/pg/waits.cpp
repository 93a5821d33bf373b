#include "pg/waits.hpp"

#include <cstdlib>
#include <string>

#include "core/errors.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/spi.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/errcodes.h"
}

namespace mps::pg {

namespace {
LocalTransactionId g_waited_in = InvalidLocalTransactionId;

// "3/45" (pg_locks.virtualxid) as the lock manager's id of that transaction.
bool parse_vxid(const std::string& text, VirtualTransactionId* out) {
    const size_t slash = text.find('/');
    if (slash == std::string::npos) return false;
#if PG_VERSION_NUM >= 170000
    out->procNumber = ProcNumber(std::strtol(text.c_str(), nullptr, 10));
#else
    out->backendId = BackendId(std::strtol(text.c_str(), nullptr, 10));
#endif
    out->localTransactionId = LocalTransactionId(std::strtoul(text.c_str() + slash + 1, nullptr, 10));
    return true;
}

}  // namespace

bool snapshot_per_statement() noexcept { return !IsolationUsesXactSnapshot(); }

bool waited_in_this_transaction() noexcept { return g_waited_in != InvalidLocalTransactionId && g_waited_in == MyProc->lxid; }

bool wait_for_transactions_started_before(Spi& spi, TimestampTz before) {
    g_waited_in = MyProc->lxid;
    // The marker: a shared advisory lock only waiters take (and nobody waits for).
    static Statement mark(SPI_OK_SELECT, "SELECT pg_advisory_xact_lock_shared(7171955, 1)", {});
    // Client transactions of this database that started before `before`, waiters excepted, as
    // their lock manager ids (each transaction holds the lock of its own virtual id).
    static Statement running(
        SPI_OK_SELECT,
        "SELECT l.virtualxid FROM pg_catalog.pg_stat_activity a, pg_catalog.pg_stat_clear_snapshot() c,"
        "       pg_catalog.pg_locks l"
        " WHERE l.pid = a.pid AND l.locktype = 'virtualxid' AND l.mode = 'ExclusiveLock' AND l.granted"
        "   AND a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.xact_start < $1"
        "   AND a.backend_type = 'client backend'"
        "   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks w WHERE w.pid = a.pid AND w.locktype = 'advisory'"
        "                    AND w.classid = 7171955 AND w.objid = 1 AND w.objsubid = 2 AND w.granted)",
        {TIMESTAMPTZOID});
    spi.run(mark, {});
    SpiResult r = spi.run(running, {p_timestamptz(before)});
    for (uint64_t i = 0; i < r.size(); ++i) {
        VirtualTransactionId vxid;
        if (!parse_vxid(r[i].string(1), &vxid)) continue;
        // A lock wait like any other (lock_timeout, the deadlock detector, the isolation tester's
        // view of who waits) for the end of that transaction.
        try {
            call([&] { VirtualXactLock(vxid, true); });
        } catch (const PgError& e) {
            if (e.data() && e.data()->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE) return false;
            throw;
        }
    }
    return true;
}

SpiResult run_card_lock(Spi& spi, Statement& stmt, std::initializer_list<Value> params) {
    // lock_timeout for this statement only, the way a function's SET clause is applied: a GUC
    // nest level of its own, popped when the statement is done (an error pops it with the
    // (sub)transaction's abort).
    const bool shorten = card_lock_timeout > 0 && (LockTimeout == 0 || LockTimeout > card_lock_timeout);
    int level = 0;
    if (shorten) {
        const std::string ms = std::to_string(card_lock_timeout);
        level = call([&] {
            const int l = NewGUCNestLevel();
            set_config_option("lock_timeout", ms.c_str(), PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
            return l;
        });
    }
    try {
        SpiResult r = spi.run(stmt, params);
        if (shorten) call([&] { AtEOXact_GUC(true, level); });
        return r;
    } catch (const PgError& e) {
        if (e.data() && e.data()->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
            fail(err::CARD_BUSY, "Another call held the card for longer than " +
                                     std::to_string(shorten ? card_lock_timeout : LockTimeout) + " ms; nothing was changed.",
                 "Retry in a moment.");
        throw;
    }
}

}  // namespace mps::pg
