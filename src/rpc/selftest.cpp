// Self-tests of the C++/PostgreSQL boundary (ARCHITECTURE.md §7), run from sql/boundary.sql.
// SQL: sql/install/90_rpc_selftest.sql (superusers only).
//
// sec.selftest_boundary(kind):
//   'ok'              returns how many guarded objects have been destroyed in this backend
//   'destructors'     the same, without creating one
//   'spi_error'       a PostgreSQL error (division by zero, 22012) raised inside SPI from C++
//   'cpp_exception'   a std::runtime_error thrown by C++
//   'foreign'         a non-std exception (throw 42)
//   'bad_alloc'       std::bad_alloc
//   'app_error'       an AppError (PERMISSION_DENIED)
//   'spi_unfinished'  returns with an SPI connection still open (forgot Spi::finish())
//   'spi_no_rows'     asks for a row of a statement that returns no tuple table
//   'spi_after_finish' reads a result row after Spi::finish()
//   'spi_wrong_result' a statement that returns another SPI result code than it declares
//   'call_throws'     a C++ exception thrown inside pg::call, then a PostgreSQL error: the
//                     error stack pg::call restored catches it (22012), nothing crashes
//   'call_context'    a lambda that switches memory context: 1 when pg::call restored it
//   'password_hashes' how many Argon2id hashes this backend has computed
// sec.selftest_next_tx_numbers(numbers): the transaction numbers the next money movements of this
//   backend try before random ones, so that a test can make a number collide.
// sec.selftest_stable(kind), a STABLE function:
//   'read'            reads through SPI (allowed)
//   'write'           tries to write through SPI: refused, SPI runs read-only in it
// Every failing kind keeps a C++ object with a destructor alive while failing, so the count
// shows that destructors ran before the error reached PostgreSQL.
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/args.hpp"
#include "common/movements.hpp"
#include "common/passwords.hpp"
#include "core/errors.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/guard.hpp"
#include "pg/spi.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

int64_t destroyed = 0;

struct Sentinel {
    std::string payload = std::string(64, 'x');  // owns heap memory
    ~Sentinel() { ++destroyed; }
};

void divide_by_zero(Spi& spi) {
    static Statement divide(SPI_OK_SELECT, "SELECT 1 / $1", {INT4OID});
    spi.run(divide, {p_int32(0)});
}

}  // namespace

MPS_ENTRY(mps_selftest_boundary, p_kind) {
    const std::string kind = required_text_arg(args, p_kind, 32);
    if (kind == "destructors") PG_RETURN_INT64(destroyed);
    if (kind == "password_hashes") PG_RETURN_INT64(password_hashes_computed());
    Sentinel alive;
    if (kind == "spi_error") {
        Spi spi;
        divide_by_zero(spi);
        spi.finish();
    } else if (kind == "cpp_exception") {
        throw std::runtime_error("selftest exception");
    } else if (kind == "foreign") {
        throw 42;
    } else if (kind == "bad_alloc") {
        throw std::bad_alloc();
    } else if (kind == "app_error") {
        fail(err::PERMISSION_DENIED, "selftest refusal", "selftest hint");
    } else if (kind == "spi_unfinished") {
        Spi spi;
        static Statement one(SPI_OK_SELECT, "SELECT 'result in SPI memory'::text", {});
        return spi.run(one, {})[0].cell(1).datum;
    } else if (kind == "spi_no_rows") {
        Spi spi;
        static Statement lock(SPI_OK_UTILITY, "LOCK TABLE app.merchants IN ACCESS SHARE MODE", {});
        SpiResult r = spi.run(lock, {});
        if (!r.empty()) throw std::logic_error("a utility statement returned rows");
        r[0];
        spi.finish();
    } else if (kind == "spi_after_finish") {
        Spi spi;
        static Statement one(SPI_OK_SELECT, "SELECT 1", {});
        SpiResult r = spi.run(one, {});
        spi.finish();
        r[0].integer(1);
    } else if (kind == "spi_wrong_result") {
        Spi spi;
        static Statement mislabelled(SPI_OK_INSERT, "SELECT 1", {});
        spi.run(mislabelled, {});
        spi.finish();
    } else if (kind == "call_throws") {
        try {
            call([] { throw std::runtime_error("thrown inside pg::call"); });
        } catch (const std::runtime_error&) {
            // pg::call restored PostgreSQL's error stack on the way out.
        }
        Spi spi;
        divide_by_zero(spi);
        spi.finish();
    } else if (kind == "call_context") {
        MemoryContext before = CurrentMemoryContext;
        call([] { MemoryContextSwitchTo(TopMemoryContext); });
        PG_RETURN_INT64(CurrentMemoryContext == before ? 1 : 0);
    } else if (kind != "ok") {
        fail(err::INVALID_ARGUMENT, "unknown kind");
    }
    PG_RETURN_INT64(destroyed);
}

MPS_ENTRY(mps_selftest_stable, p_kind) {
    const std::string kind = required_text_arg(args, p_kind, 32);
    Spi spi;
    if (kind == "read") {
        static Statement read(SPI_OK_SELECT, "SELECT count(*) FROM app.merchants WHERE false", {});
        spi.run(read, {});
    } else if (kind == "write") {
        static Statement write(SPI_OK_UPDATE, "UPDATE app.merchants SET name = name WHERE false", {});
        spi.run(write, {});
    } else {
        fail(err::INVALID_ARGUMENT, "unknown kind");
    }
    spi.finish();
    return text_datum("ok");
}

MPS_ENTRY(mps_selftest_next_tx_numbers, p_numbers) {
    std::vector<std::string> numbers;
    if (args.has(p_numbers)) {
        Datum array = args.datum(p_numbers);
        struct Elements {
            Datum* values;
            bool* nulls;
            int count;
        };
        Elements e = call([&] {
            Elements out{};
            deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false, TYPALIGN_INT, &out.values, &out.nulls,
                              &out.count);
            return out;
        });
        for (int i = 0; i < e.count; ++i)
            if (!e.nulls[i]) numbers.push_back(text_value(e.values[i]));
    }
    const int64_t queued = int64_t(numbers.size());
    queue_tx_numbers_for_test(std::move(numbers));
    PG_RETURN_INT64(queued);
}
