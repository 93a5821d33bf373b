// sec.selftest_boundary(kind): proves the C++/PostgreSQL boundary (DESIGN §7) from SQL tests.
//   'spi_error'     a PostgreSQL error (division by zero, 22012) raised inside SPI from C++
//   'cpp_exception' a std::runtime_error thrown by C++
//   'foreign'       a non-std exception (throw 42)
//   'bad_alloc'     std::bad_alloc
//   'app_error'     an AppError (PERMISSION_DENIED)
//   'destructors'   returns how many guarded objects have been destroyed in this backend
// Every failing kind keeps a C++ object with a destructor alive while failing, so the count
// shows that destructors ran before the error reached PostgreSQL.
#include <new>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace mps;
using namespace mps::pg;

namespace {

int64_t destroyed = 0;

struct Sentinel {
    std::string payload = std::string(64, 'x');  // owns heap memory
    ~Sentinel() { ++destroyed; }
};

}  // namespace

MPS_ENTRY(mps_selftest_boundary) {
    std::optional<std::string> kind = arg_text(fcinfo, 0);
    if (!kind) fail(err::INVALID_ARGUMENT, "p_kind is required.");
    if (*kind == "destructors") PG_RETURN_INT64(destroyed);
    Sentinel alive;
    if (*kind == "spi_error") {
        Spi spi;
        static Statement divide("SELECT 1 / $1", {INT4OID});
        spi.run(divide, {p_int32(0)});
        spi.finish();
    } else if (*kind == "cpp_exception") {
        throw std::runtime_error("selftest exception");
    } else if (*kind == "foreign") {
        throw 42;
    } else if (*kind == "bad_alloc") {
        throw std::bad_alloc();
    } else if (*kind == "app_error") {
        fail(err::PERMISSION_DENIED, "selftest refusal", "selftest hint");
    } else if (*kind != "ok") {
        fail(err::INVALID_ARGUMENT, "unknown kind");
    }
    PG_RETURN_INT64(destroyed);
}
