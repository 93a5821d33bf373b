// Waiting for transactions that are already running (as CREATE INDEX CONCURRENTLY does), for
// RPCs that must see everything a period wrote: a transaction's rows carry its start time, and it
// may commit after the period ended.
#pragma once

namespace mps::pg {

// Waits until every transaction of this database that is running now (other than this one and
// vacuum) has committed or aborted. Honours lock_timeout and statement_timeout; a deadlock with
// one of them is detected by the lock manager.
void wait_for_running_transactions();

// Whether the current transaction takes a new snapshot per statement (READ COMMITTED), so that
// what others committed after it began is visible to its next statement.
bool snapshot_per_statement() noexcept;

}  // namespace mps::pg
