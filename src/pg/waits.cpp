#include "pg/waits.hpp"

#include "pg/guard.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "access/xact.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "storage/procarray.h"
}

namespace mps::pg {

void wait_for_running_transactions() {
    call([] {
        int n = 0;
        // Backends with any transaction open, in this database, vacuum excepted; MyProc is never listed.
        VirtualTransactionId* running =
            GetCurrentVirtualXIDs(InvalidTransactionId, false, false, PROC_IS_AUTOVACUUM | PROC_IN_VACUUM, &n);
        for (int i = 0; i < n; ++i) VirtualXactLock(running[i], true);
        pfree(running);
    });
}

bool snapshot_per_statement() noexcept { return !IsolationUsesXactSnapshot(); }

}  // namespace mps::pg
