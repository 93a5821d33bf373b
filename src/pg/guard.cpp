#include "pg/guard.hpp"

namespace mps::pg::detail {

// Called right after the longjmp: leave ErrorContext before copying (CopyErrorData must not
// run in it), copy the error into the caller's context, and reset the error state.
void throw_pg_error(const SavedState& s) {
    restore_state(s, true);
    ErrorData* data = CopyErrorData();
    FlushErrorState();
    throw PgError(data);
}

bool run_jumpable(void (*fn)(void*), void* ctx) {
    sigjmp_buf local;
    if (sigsetjmp(local, 0) != 0) return true;
    PG_exception_stack = &local;
    fn(ctx);
    return false;
}

}  // namespace mps::pg::detail
