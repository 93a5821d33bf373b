// Calls from PostgreSQL into C++ (ARCHITECTURE.md §7): every SQL-callable function of mps.so
// is defined with MPS_ENTRY, which
//  * declares its parameter names once, as an enum in declaration order: the body reads
//    argument p_amount as args[p_amount]-style positions, error messages name it, and
//    app.library_entry_points() lists the names so test/pgtap/04_rpc_contract.sql can compare
//    them with the SQL declaration (pg_proc.proargnames);
//  * runs the body inside the entry guard: whatever escapes (PgError, AppError, std::exception,
//    anything, even a PostgreSQL longjmp that missed pg::call) is recorded in plain buffers, the
//    catch block is left — every C++ object of the body is destroyed by then — and only then is
//    the error raised with ereport/ReThrowError;
//  * refuses a call whose SQL declaration passes more arguments than this mps.so knows, and
//    reads an argument the declaration does not pass (an older SQL under a newer mps.so, between
//    installing the package and ALTER EXTENSION mps UPDATE) as NULL — never past the arguments.
//    Parameters added to an RPC therefore go last with DEFAULT NULL (CONTRIBUTING.md).
//
//    MPS_ENTRY(mps_revoke_card_qr, p_card_id) {
//        const Uuid card_id = required_uuid_arg(args, p_card_id);
//        ...
//    }
#pragma once

#include <string_view>

#include "pg/postgres.hpp"

namespace mps::pg {

// One SQL-callable C function of mps.so: its symbol and its parameter names.
class EntryPoint {
public:
    // params: the parameter names as the preprocessor spells them, "p_a, p_b" ("" for none).
    // Links itself into the list of entry points (no allocation: runs while mps.so loads).
    // legacy: kept only for the SQL declaration of an earlier release (MPS_LEGACY_ENTRY).
    EntryPoint(const char* symbol, const char* params, bool legacy = false) noexcept;
    EntryPoint(const EntryPoint&) = delete;
    EntryPoint& operator=(const EntryPoint&) = delete;

    const char* symbol() const noexcept { return symbol_; }
    int param_count() const noexcept { return count_; }
    bool legacy() const noexcept { return legacy_; }
    // The name of parameter n (0-based); empty when out of range.
    std::string_view param(int n) const noexcept;

    static const EntryPoint* first() noexcept;
    const EntryPoint* next() const noexcept { return next_; }

private:
    const char* symbol_;
    const char* params_;
    int count_;
    bool legacy_;
    const EntryPoint* next_;
};

// The arguments of one call, by position.
class Args {
public:
    Args(FunctionCallInfo fcinfo, const EntryPoint& entry) noexcept : fcinfo_(fcinfo), entry_(entry) {}

    // Whether the SQL declaration passes argument n at all.
    bool declared(int n) const noexcept { return n < fcinfo_->nargs; }
    // Whether argument n carries a value (declared and not NULL).
    bool has(int n) const noexcept { return declared(n) && !fcinfo_->args[n].isnull; }
    // The value of argument n; only when has(n).
    Datum datum(int n) const noexcept { return fcinfo_->args[n].value; }
    std::string_view name(int n) const noexcept { return entry_.param(n); }
    // Raises EXTENSION_VERSION_MISMATCH when the declaration does not pass argument n (for
    // parameters without a default, which an older declaration cannot lack).
    void require_declared(int n) const;

    FunctionCallInfo fcinfo() const noexcept { return fcinfo_; }
    // Returns SQL NULL from the function (PG_RETURN_NULL).
    Datum null_result() const noexcept {
        fcinfo_->isnull = true;
        return Datum(0);
    }

private:
    FunctionCallInfo fcinfo_;
    const EntryPoint& entry_;
};

using EntryBody = Datum (*)(const Args&);

// Runs body under the entry guard described above.
Datum run_entry(FunctionCallInfo fcinfo, const EntryPoint& entry, EntryBody body);

// The call of an mps entry point now running (the innermost, when one calls another through
// SQL): Spi counts the connections it opens and takes read-only mode from it.
class EntryCall {
public:
    // Whether SPI must run read-only: the function is STABLE or IMMUTABLE (looked up once).
    bool read_only();
    void spi_opened() noexcept { ++open_spi_; }
    void spi_finished() noexcept { --open_spi_; }

private:
    friend Datum run_entry(FunctionCallInfo, const EntryPoint&, EntryBody);
    explicit EntryCall(FunctionCallInfo fcinfo, EntryCall* outer) noexcept : fcinfo_(fcinfo), outer_(outer) {}
    FunctionCallInfo fcinfo_;
    EntryCall* outer_;
    int open_spi_ = 0;
    char volatility_ = 0;  // pg_proc.provolatile, 0 until looked up
};

// The innermost running entry call; throws std::logic_error outside of one.
EntryCall& current_call();

}  // namespace mps::pg

// Defines the SQL-callable C function `symbol` with the listed parameters; the block that
// follows is its guarded body, with `args` (mps::pg::Args) and the parameter names in scope.
#define MPS_ENTRY(symbol, ...) MPS_ENTRY_POINT(symbol, false, __VA_ARGS__)
// The same for a symbol only an earlier release's SQL declaration calls, with that release's
// parameters (between installing a newer mps.so and ALTER EXTENSION mps UPDATE): a changed
// parameter order gets a new symbol, and the old one keeps reading its arguments where the old
// declaration passes them. Not listed by app.library_entry_points().
#define MPS_LEGACY_ENTRY(symbol, ...) MPS_ENTRY_POINT(symbol, true, __VA_ARGS__)
#define MPS_ENTRY_POINT(symbol, legacy, ...)                                                                           \
    namespace symbol##_entry {                                                                                         \
        enum Param : int { __VA_ARGS__ };                                                                              \
        static Datum body(const mps::pg::Args& args);                                                                  \
        static const mps::pg::EntryPoint point(#symbol, #__VA_ARGS__, legacy);                                         \
    }                                                                                                                  \
    extern "C" {                                                                                                       \
    PG_FUNCTION_INFO_V1(symbol);                                                                                       \
    Datum symbol(PG_FUNCTION_ARGS) { return mps::pg::run_entry(fcinfo, symbol##_entry::point, symbol##_entry::body); } \
    }                                                                                                                  \
    Datum symbol##_entry::body([[maybe_unused]] const mps::pg::Args& args)
