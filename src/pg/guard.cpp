#include "pg/guard.hpp"

#include <cstdio>
#include <cstring>
#include <new>

#include "core/errors.hpp"

namespace mps::pg {

// Called right after PG_CATCH: copy the error out of ErrorContext and reset the error state.
void throw_pg_error(MemoryContext ctx) {
    MemoryContextSwitchTo(ctx);
    ErrorData* data = CopyErrorData();
    FlushErrorState();
    throw PgError(data);
}

namespace {

enum class Escaped { None, Pg, App, OutOfMemory, Std, Unknown };

// Copies into a fixed buffer: no allocation may happen inside a catch block.
void copy_text(char* dst, size_t size, const char* src) noexcept {
    std::snprintf(dst, size, "%s", src ? src : "");
}

}  // namespace

Datum run_entry(FunctionCallInfo fcinfo, EntryBody body, const char* function_name) {
    Escaped escaped = Escaped::None;
    ErrorData* pg_error = nullptr;
    char code[64] = "";
    char sqlstate[6] = "";
    char detail[1024] = "";
    char hint[512] = "";
    try {
        return body(fcinfo);
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

    // Every C++ object of the body is gone; raising is safe now.
    switch (escaped) {
        case Escaped::Pg:
            ReThrowError(pg_error);
        case Escaped::App:
            ereport(ERROR, (errcode(MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2], sqlstate[3], sqlstate[4])),
                            errmsg("%s", code), detail[0] ? errdetail("%s", detail) : 0,
                            hint[0] ? errhint("%s", hint) : 0));
            break;
        case Escaped::OutOfMemory:
            ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
                            errdetail("C++ allocation failed in %s.", function_name)));
            break;
        case Escaped::Std:
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("INTERNAL_ERROR"),
                            errdetail("C++ exception in %s: %s", function_name, detail)));
            break;
        case Escaped::Unknown:
            ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("INTERNAL_ERROR"),
                            errdetail("Unknown C++ exception in %s.", function_name)));
            break;
        case Escaped::None:
            break;
    }
    pg_unreachable();
}

}  // namespace mps::pg
