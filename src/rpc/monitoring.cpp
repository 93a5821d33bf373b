// Monitoring RPCs: app.failure_log_status(), the state of the failure log that keeps refused
// money calls across their rollback (pg/failure_log.hpp). SQL: sql/install/90_rpc_monitoring.sql.
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/failure_log.hpp"
#include "pg/identity.hpp"
#include "pg/spi.hpp"
#include "pg/srf.hpp"

using namespace mps;
using namespace mps::pg;

// One row: whether this database's refused money calls reach audit.event_log (and why not), the
// queue and its counters, the writer. Platform administrators only.
MPS_ENTRY(mps_failure_log_status) {
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "read the failure log's status");
    spi.finish();
    const FailureLogStatus s = failure_log_status();
    TableResult out(args.fcinfo());
    out.add({p_datum(BoolGetDatum(s.collecting)), p_opt_text(s.reason), p_opt_text(s.database),
             p_int64(s.queue_capacity), p_int64(s.queued), p_int64(s.enqueued), p_int64(s.written), p_int64(s.dropped),
             p_int64(s.write_errors), p_int64(s.not_collected), p_datum(BoolGetDatum(s.paused)),
             s.writer_pid ? p_int32(*s.writer_pid) : p_null()});
    return Datum(0);
}
