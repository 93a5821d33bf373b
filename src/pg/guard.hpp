// Calls from C++ into PostgreSQL (ARCHITECTURE.md §7). PostgreSQL reports errors with longjmp,
// C++ unwinds with exceptions; pg::call keeps them apart:
//
//  * pg::call(f) runs f — PostgreSQL code that may ereport(ERROR) — under its own sigsetjmp.
//    A PostgreSQL error is caught there, copied, the error state flushed, and rethrown as
//    pg::PgError, so a longjmp never skips a C++ destructor. After a PgError the only thing
//    C++ may do is unwind: no further PostgreSQL call until the entry guard (pg/entry.hpp)
//    re-raises it (the transaction is about to abort; its cleanup releases SPI, locks, memory).
//  * Whatever f does — returns, ereports, throws a C++ exception, switches memory context —
//    pg::call leaves PG_exception_stack, error_context_stack and CurrentMemoryContext as it
//    found them. The one exception is call_switching_context(), for SPI_connect/SPI_finish,
//    whose purpose is to switch the memory context.
//
// Rule for lambdas passed to pg::call: plain PostgreSQL calls on PODs only; never construct
// an object with a destructor inside (a longjmp out of the lambda would skip it).
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

namespace detail {

// What PostgreSQL's error handling and memory management look like before a call.
struct SavedState {
    sigjmp_buf* exception_stack;
    ErrorContextCallback* context_stack;
    MemoryContext memory;
};

inline SavedState save_state() noexcept { return {PG_exception_stack, error_context_stack, CurrentMemoryContext}; }

inline void restore_state(const SavedState& s, bool memory) noexcept {
    PG_exception_stack = s.exception_stack;
    error_context_stack = s.context_stack;
    if (memory) MemoryContextSwitchTo(s.memory);
}

// After a longjmp back into pg::call: restores s, copies the error out of ErrorContext,
// resets the error state and throws it as PgError.
[[noreturn]] void throw_pg_error(const SavedState& s);

// Runs fn(ctx) under its own sigsetjmp with PG_exception_stack pointing at it; true when a
// PostgreSQL error jumped back (the error state is then left for throw_pg_error). fn must not
// let a C++ exception escape. Nothing of the caller's lives in this frame, so no local of
// pg::call can be clobbered by the longjmp.
bool run_jumpable(void (*fn)(void*), void* ctx);

template <typename F>
auto guarded(F&& f, bool restore_memory) -> decltype(f()) {
    using R = decltype(f());
    static_assert(std::is_void_v<R> || std::is_trivially_copyable_v<R>, "pg::call returns only plain values");
    const SavedState saved = save_state();
    std::exception_ptr escaped;  // a C++ exception thrown by f itself (a broken rule, handled safely)
    if constexpr (std::is_void_v<R>) {
        auto body = [&] {
            try {
                f();
            } catch (...) {
                escaped = std::current_exception();
            }
        };
        if (run_jumpable([](void* b) { (*static_cast<decltype(body)*>(b))(); }, &body)) throw_pg_error(saved);
        restore_state(saved, restore_memory || escaped);
        if (escaped) std::rethrow_exception(escaped);
    } else {
        R result{};
        auto body = [&] {
            try {
                result = f();
            } catch (...) {
                escaped = std::current_exception();
            }
        };
        if (run_jumpable([](void* b) { (*static_cast<decltype(body)*>(b))(); }, &body)) throw_pg_error(saved);
        restore_state(saved, restore_memory || escaped);
        if (escaped) std::rethrow_exception(escaped);
        return result;
    }
}

}  // namespace detail

// Runs f (PostgreSQL code that may ereport) and converts an ERROR into PgError.
template <typename F>
auto call(F&& f) -> decltype(f()) {
    return detail::guarded(std::forward<F>(f), true);
}

// As call(), but on success keeps the memory context f switched to (SPI_connect, SPI_finish).
template <typename F>
auto call_switching_context(F&& f) -> decltype(f()) {
    return detail::guarded(std::forward<F>(f), false);
}

}  // namespace mps::pg
