// Waiting for transactions that are still running, for RPCs that must see everything a period
// wrote: a transaction's rows carry its start time, and it may commit after the period ended.
#pragma once

#include "pg/postgres.hpp"
#include "pg/spi.hpp"

namespace mps::pg {

// Whether the current transaction takes a new snapshot per statement (READ COMMITTED), so that
// what others commit while it waits is visible to its next statement.
bool snapshot_per_statement() noexcept;

// Marks this transaction as one that waits (so that waiters never wait for each other) and waits
// until no other client transaction of this database that started before `before` still runs
// (lock waits on their virtual transaction ids: lock_timeout bounds them, the deadlock detector
// sees them). Returns false when lock_timeout ran out.
bool wait_for_transactions_started_before(Spi& spi, TimestampTz before);

// Runs stmt, a statement that locks card rows (FOR UPDATE), waiting at most
// mps.card_lock_timeout for a lock held by another call (or lock_timeout, when that is shorter);
// raises CARD_BUSY when the wait ran out. The caller's lock_timeout is back as it was afterwards.
SpiResult run_card_lock(Spi& spi, Statement& stmt, std::initializer_list<Value> params);

// Whether this transaction waited (generate_settlement): a money movement after it in the same
// transaction would carry the transaction's start time, inside a period already settled.
bool waited_in_this_transaction() noexcept;

}  // namespace mps::pg
