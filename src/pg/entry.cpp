#include "pg/entry.hpp"

#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"
#include "pg/failure_log.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "access/genam.h"
#include "access/xlog.h"
#include "access/table.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_proc.h"
#include "commands/extension.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
}

namespace mps::pg {

namespace {

// Every entry point, linked as mps.so loads (constant-initialised, so set before any use).
const EntryPoint* g_first_entry = nullptr;
// The innermost running entry call.
EntryCall* g_current_call = nullptr;

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n'; }

// Thrown by run_entry itself when a body returned with an SPI connection left open.
struct SpiLeftOpen final : std::logic_error {
    SpiLeftOpen()
        : std::logic_error("an SPI connection was not finished (Spi::finish() missing on the success path)") {}
};

}  // namespace

EntryPoint::EntryPoint(const char* symbol, const char* params, bool legacy) noexcept
    : symbol_(symbol), params_(params), count_(0), legacy_(legacy), next_(g_first_entry) {
    bool any = false;
    for (const char* p = params; *p; ++p) {
        if (*p == ',') ++count_;
        if (!is_space(*p)) any = true;
    }
    if (any) ++count_;
    g_first_entry = this;
}

const EntryPoint* EntryPoint::first() noexcept { return g_first_entry; }

std::string_view EntryPoint::param(int n) const noexcept {
    if (n < 0 || n >= count_) return {};
    const char* p = params_;
    for (int i = 0; i < n; ++i) p = std::strchr(p, ',') + 1;
    while (is_space(*p)) ++p;
    const char* end = p;
    while (*end && *end != ',' && !is_space(*end)) ++end;
    return std::string_view(p, size_t(end - p));
}

void Args::require_declared(int n) const {
    if (declared(n)) return;
    fail(err::EXTENSION_VERSION_MISMATCH,
         std::string(entry_.symbol()) + " needs parameter " + std::string(name(n)) + " (position " +
             std::to_string(n + 1) + "), which the SQL declaration in this database does not have.",
         "Run ALTER EXTENSION mps UPDATE.");
}

bool EntryCall::read_only() {
    if (volatility_ == 0) {
        FmgrInfo* flinfo = fcinfo_->flinfo;
        if (flinfo == nullptr || !OidIsValid(flinfo->fn_oid)) {
            volatility_ = PROVOLATILE_VOLATILE;
        } else {
            Oid fn = flinfo->fn_oid;
            volatility_ = call([&] { return func_volatile(fn); });
        }
    }
    return volatility_ != PROVOLATILE_VOLATILE;
}

EntryCall& current_call() {
    if (g_current_call == nullptr) throw std::logic_error("SPI used outside of an mps entry point");
    return *g_current_call;
}

namespace {

enum class Escaped { None, Pg, App, OutOfMemory, Std, Unknown };

// Copies into a fixed buffer: no allocation may happen inside a catch block.
void copy_text(char* dst, size_t size, const char* src) noexcept { std::snprintf(dst, size, "%s", src ? src : ""); }

}  // namespace

namespace {

// The mps version this database's SQL is (pg_extension.extversion); empty when not installed.
std::string installed_version() {
    const char* v = call([]() -> const char* {
        Relation rel = table_open(ExtensionRelationId, AccessShareLock);
        ScanKeyData key;
        ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ, CStringGetDatum("mps"));
        SysScanDesc scan = systable_beginscan(rel, ExtensionNameIndexId, true, nullptr, 1, &key);
        HeapTuple tuple = systable_getnext(scan);
        const char* found = nullptr;
        if (HeapTupleIsValid(tuple)) {
            bool isnull = true;
            const Datum d = heap_getattr(tuple, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);
            if (!isnull) found = text_to_cstring(DatumGetTextPP(d));
        }
        systable_endscan(scan);
        table_close(rel, AccessShareLock);
        return found;
    });
    return v ? std::string(v) : std::string();
}

// Refuses every call while this database's SQL is of another version than this mps.so (after
// installing a new package, before ALTER EXTENSION mps UPDATE): the C++ reads tables and columns
// of its own version. Looked up until it matches once per backend; not while CREATE or ALTER
// EXTENSION runs its script.
void require_installed_version() {
    static bool matched = false;
    if (matched || creating_extension) return;
    const std::string installed = installed_version();
    if (installed == MPS_EXTVERSION) {
        matched = true;
        return;
    }
    fail(err::EXTENSION_VERSION_MISMATCH,
         "This database has the SQL of mps " + (installed.empty() ? std::string("(none)") : installed) +
             "; the installed mps.so is " MPS_EXTVERSION ".",
         "Run ALTER EXTENSION mps UPDATE (or install the mps.so of the database's version).");
}

// Hands the error escaping an outermost call to the failure log (pg/failure_log.hpp), which
// keeps those of money RPCs: its message (an mps code, or PostgreSQL's text) and SQLSTATE.
// Plain copies only: this runs after the catch, before the error is raised.
void log_failure(const char* symbol, Escaped escaped, const ErrorData* pg_error, const char* code,
                 const char* sqlstate) noexcept {
    char state[6] = "XX000";
    const char* message = err::INTERNAL_ERROR.code;
    switch (escaped) {
        case Escaped::None: return;
        case Escaped::Pg:
            if (pg_error == nullptr) break;
            for (int i = 0; i < 5; ++i) state[i] = char(PGUNSIXBIT(pg_error->sqlerrcode >> (6 * i)));
            message = pg_error->message;
            break;
        case Escaped::App:
            copy_text(state, sizeof state, sqlstate);
            message = code;
            break;
        case Escaped::OutOfMemory:
            copy_text(state, sizeof state, "53200");
            message = "out of memory";
            break;
        case Escaped::Std:
        case Escaped::Unknown: break;
    }
    record_failed_call(symbol, message, state);
}

}  // namespace

Datum run_entry(FunctionCallInfo fcinfo, const EntryPoint& entry, EntryBody body) {
    // The outermost mps call of the statement (not one reached through SQL inside another, such
    // as sec.uid() in a row-security policy) starts a new failure context.
    const bool outermost = g_current_call == nullptr;
    if (outermost) failure_context_begin();
    EntryCall frame(fcinfo, g_current_call);
    g_current_call = &frame;
    Escaped escaped = Escaped::None;
    ErrorData* pg_error = nullptr;
    char code[64] = "";
    char sqlstate[6] = "";
    char detail[1024] = "";
    char hint[512] = "";
    Datum result = Datum(0);
    try {
        if (fcinfo->nargs > entry.param_count())
            fail(err::EXTENSION_VERSION_MISMATCH,
                 std::string(entry.symbol()) + " is declared with " + std::to_string(fcinfo->nargs) +
                     " parameters in this database, but this mps.so knows " + std::to_string(entry.param_count()) + ".",
                 "Install the mps.so of the extension version in this database, or run ALTER EXTENSION mps UPDATE.");
        require_installed_version();
        // A hot standby answers the read-only RPCs (STABLE / IMMUTABLE); a call that writes gets
        // a stable code before it reads anything.
        if (RecoveryInProgress() && !frame.read_only())
            fail(err::READ_ONLY_SERVER, std::string(entry.symbol()) + " writes, and this server is a read-only standby.",
                 "Send calls that write to the primary.");
        const Args args(fcinfo, entry);
        // Guarded like any call into PostgreSQL, so that even a PostgreSQL error raised outside
        // pg::call comes back here as a PgError instead of jumping over this frame.
        result = detail::guarded([&] { return body(args); }, true);
        if (frame.open_spi_ != 0) throw SpiLeftOpen();
    } catch (const PgError& e) {
        escaped = Escaped::Pg;
        pg_error = e.data();
    } catch (const AppError& e) {
        escaped = Escaped::App;
        copy_text(code, sizeof code, e.code().code);
        copy_text(sqlstate, sizeof sqlstate, sqlstate_of(e.code().cls));
        copy_text(detail, sizeof detail, e.detail().c_str());
        copy_text(hint, sizeof hint, e.hint().c_str());
    } catch (const std::bad_alloc&) {
        escaped = Escaped::OutOfMemory;
    } catch (const std::exception& e) {
        escaped = Escaped::Std;
        copy_text(detail, sizeof detail, e.what());
    } catch (...) {
        escaped = Escaped::Unknown;
    }
    g_current_call = frame.outer_;
    if (outermost) log_failure(entry.symbol(), escaped, pg_error, code, sqlstate);

    // Every C++ object of the body is gone; raising is safe now. An SPI connection the body
    // left open is closed by the abort of the (sub)transaction the error causes.
    const char* fn = entry.symbol();
    switch (escaped) {
        case Escaped::None: return result;
        case Escaped::Pg: ReThrowError(pg_error);
        case Escaped::App:
            ereport(ERROR,
                    (errcode(MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2], sqlstate[3], sqlstate[4])),
                     errmsg("%s", code), detail[0] ? errdetail("%s", detail) : 0, hint[0] ? errhint("%s", hint) : 0));
            break;
        case Escaped::OutOfMemory:
            ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
                            errdetail("C++ allocation failed in %s.", fn)));
            break;
        case Escaped::Std:
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("%s", err::INTERNAL_ERROR.code),
                            errdetail("C++ exception in %s: %s", fn, detail)));
            break;
        case Escaped::Unknown:
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("%s", err::INTERNAL_ERROR.code),
                            errdetail("Unknown C++ exception in %s.", fn)));
            break;
    }
    pg_unreachable();
}

}  // namespace mps::pg
