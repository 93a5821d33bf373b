// The failure log (DESIGN.md §10, issue #11): refused money calls outlive their rollback.
//
// An RPC that raises rolls back everything it wrote, so a refused payment cannot be recorded in
// its own transaction. With mps in shared_preload_libraries, the entry guard (pg/entry.cpp) puts
// the error of an outermost money RPC into a bounded queue in shared memory just before raising
// it, and a background worker, "mps failure log writer" (pg/failure_writer.cpp), writes the queue
// into audit.event_log (action PAYMENT_FAILED) in transactions of its own. Without preloading
// there is no queue and all of this is a null-pointer check.
//
// An entry says when, which RPC, the mps code (or the SQLSTATE of a plain PostgreSQL error), the
// merchant and card when the call had found them, and the caller's role and user id. Never an
// argument value: no QR code, password, amount or text the caller sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/ids.hpp"
#include "pg/postgres.hpp"

extern "C" {
#include "storage/latch.h"
}

namespace mps::pg {

// _PG_init: while preloading, asks for the shared memory and registers the writer; else nothing.
void failure_log_init();

// The failure context of the running outermost call, reset by run_entry at its start and filled
// by the shared helpers as they learn who and what the call is about (one line each).
void failure_context_begin() noexcept;
void note_failure_merchant(const Uuid& merchant_id) noexcept;
void note_failure_card(const Uuid& card_id) noexcept;
void note_failure_caller(const std::string& role_name, const std::optional<Uuid>& user_id) noexcept;

// run_entry, when an error escapes an outermost call: queues it if symbol is a money RPC and the
// writer serves this database. code = message when that is an mps code, else the SQLSTATE.
// Never allocates, throws, ereports or waits: a full queue counts a drop and returns.
void record_failed_call(const char* symbol, const char* message, const char* sqlstate) noexcept;

// What app.failure_log_status() returns.
struct FailureLogStatus {
    bool collecting = false;
    std::optional<std::string> reason;    // why not collecting
    std::optional<std::string> database;  // mps.failure_log_database
    int64_t queue_capacity = 0, queued = 0;
    int64_t enqueued = 0, written = 0, dropped = 0, write_errors = 0, not_collected = 0;
    bool paused = false;                  // the writer's own view of mps.failure_log_pause
    std::optional<int32_t> writer_pid;
};
FailureLogStatus failure_log_status();

// One queued failure: plain old data, copied into and out of shared memory.
struct FailureEntry {
    TimestampTz at;
    Oid database;
    Oid role;  // GetOuterUserId() of the call
    bool has_merchant, has_card, has_user;
    uint8_t merchant[16], card[16], user[16];
    char rpc[NAMEDATALEN];        // the SQL function name (the symbol without "mps_")
    char code[48];                // mps code or SQLSTATE
    char sqlstate[6];
    char role_name[NAMEDATALEN];  // "" when the call failed before reading its caller
};

// For the writer only (pg/failure_writer.cpp).
namespace failure_queue {
// Announces the writer; false when there is no queue (mps not preloaded).
bool attach(Latch* latch, bool paused) noexcept;
void detach() noexcept;
void set_paused(bool paused) noexcept;
// Moves up to max of the oldest entries into out; returns how many.
int take(FailureEntry* out, int max) noexcept;
// Counts entries written, or lost because writing them failed.
void count_written(uint64_t n) noexcept;
void count_write_errors(uint64_t n) noexcept;
}  // namespace failure_queue

// Registers the writer with the postmaster (pg/failure_writer.cpp; while preloading).
void register_failure_writer();

}  // namespace mps::pg
