// The C++ <-> PostgreSQL boundary (DESIGN §7). Two guards keep longjmp and C++ unwinding apart:
//
//  * pg::call(f) runs PostgreSQL code that may ereport(ERROR). The error is caught with
//    PG_TRY/PG_CATCH, copied, the error state flushed, and rethrown as pg::PgError, so a
//    longjmp never skips a C++ destructor. After a PgError the only thing C++ may do is
//    unwind: no further PostgreSQL call until the entry guard re-raises it (the transaction
//    is about to abort; its cleanup releases SPI, locks and memory).
//  * MPS_ENTRY(name) defines an SQL-callable function whose body runs inside try/catch.
//    Whatever escapes (PgError, AppError, std::exception, anything) is recorded in plain
//    buffers, the catch block is left — every C++ object of the body is destroyed by then —
//    and only then is the error raised with ereport/ReThrowError.
//
// Rule for lambdas passed to pg::call: plain PostgreSQL calls on PODs only; never throw,
// never construct an object with a destructor inside.
#pragma once

#include <exception>
#include <type_traits>

#include "pg/postgres.hpp"

namespace mps::pg {

// A PostgreSQL error caught by pg::call, carrying the copied ErrorData (SQLSTATE, message,
// detail, hint, context) so the entry guard can re-raise it unchanged.
class PgError final : public std::exception {
public:
    explicit PgError(ErrorData* data) noexcept : data_(data) {}
    const char* what() const noexcept override { return data_ && data_->message ? data_->message : "PostgreSQL error"; }
    ErrorData* data() const noexcept { return data_; }

private:
    ErrorData* data_;
};

[[noreturn]] void throw_pg_error(MemoryContext ctx);

// Runs f (PostgreSQL code that may ereport) and converts an ERROR into PgError.
template <typename F>
auto call(F&& f) -> decltype(f()) {
    using R = decltype(f());
    MemoryContext ctx = CurrentMemoryContext;
    bool failed = false;
    if constexpr (std::is_void_v<R>) {
        PG_TRY();
        { f(); }
        PG_CATCH();
        { failed = true; }
        PG_END_TRY();
        if (failed) throw_pg_error(ctx);
    } else {
        static_assert(std::is_trivially_copyable_v<R>, "pg::call returns only plain values");
        R result{};
        PG_TRY();
        { result = f(); }
        PG_CATCH();
        { failed = true; }
        PG_END_TRY();
        if (failed) throw_pg_error(ctx);
        return result;
    }
}

using EntryBody = Datum (*)(FunctionCallInfo);

// Runs body under the entry guard described above.
Datum run_entry(FunctionCallInfo fcinfo, EntryBody body, const char* function_name);

}  // namespace mps::pg

// Defines the SQL-callable C function `name`; the block that follows is its guarded body.
#define MPS_ENTRY(name)                                                          \
    static Datum name##_body(FunctionCallInfo fcinfo);                           \
    extern "C" {                                                                 \
    PG_FUNCTION_INFO_V1(name);                                                   \
    Datum name(PG_FUNCTION_ARGS) {                                               \
        return mps::pg::run_entry(fcinfo, name##_body, #name);                   \
    }                                                                            \
    }                                                                            \
    static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)
