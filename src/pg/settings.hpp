// Deployment settings (GUCs) of mps. Superuser-only (PGC_SUSET): a caller cannot switch them
// for itself; set them in postgresql.conf or with ALTER DATABASE/ROLE ... SET.
#pragma once

namespace mps::pg {

// mps.allow_self_recharge (off): members and corporate admins may recharge through
// user_recharge_* themselves (ARCHITECTURE.md §3); otherwise their call creates a recharge order.
extern bool allow_self_recharge;

// mps.qr_reuse_within_ttl (off): a QR code keeps paying until it expires or is rotated;
// otherwise a successful charge consumes it (ARCHITECTURE.md §3).
extern bool qr_reuse_within_ttl;

// mps.settlement_time_zone ('UTC'): the zone of settlement days and months (generate_settlement).
extern char* settlement_time_zone;

// mps.card_lock_timeout (3000 ms): how long a call waits for a card another call holds before
// it fails with CARD_BUSY (0: as long as lock_timeout allows).
extern int card_lock_timeout;

// mps.transaction_retention_months (12, at least 1): app.archive_partitions() archives the
// months of app.transactions whose whole month ended longer ago than this.
extern int transaction_retention_months;

// The failure log (pg/failure_log.hpp). The first two exist only when mps is in
// shared_preload_libraries (PostgreSQL allows postmaster settings only then):
// mps.failure_log_database ('postgres'): the database whose audit.event_log the writer fills;
extern char* failure_log_database;
// mps.failure_queue_size (4096, at least 16): failed calls the shared-memory queue holds;
extern int failure_queue_size;
// mps.failure_log_pause (off, reloadable): the writer stops draining the queue (maintenance).
extern bool failure_log_pause;

void define_settings();

}  // namespace mps::pg
