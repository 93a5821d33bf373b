#include "pg/spi.hpp"

#include <cstring>
#include <stdexcept>

#include "core/errors.hpp"
#include "core/money.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"

namespace mps::pg {

Statement::Statement(const char* sql, std::initializer_list<Oid> types, bool generic_plan)
    : sql_(sql), nargs_(int(types.size())), generic_plan_(generic_plan) {
    if (types.size() > kMaxParams) throw std::logic_error("too many statement parameters");
    int i = 0;
    for (Oid t : types) types_[i++] = t;
}

SPIPlanPtr Statement::plan() {
    if (plan_ == nullptr) {
        const char* sql = sql_;
        int nargs = nargs_;
        Oid* types = types_;
        int options = generic_plan_ ? CURSOR_OPT_GENERIC_PLAN : 0;
        SPIPlanPtr prepared = call([&] { return SPI_prepare_cursor(sql, nargs, types, options); });
        if (prepared == nullptr) throw std::runtime_error(std::string("SPI_prepare failed: ") + SPI_result_code_string(SPI_result));
        int rc = call([&] { return SPI_keepplan(prepared); });
        if (rc != 0) throw std::runtime_error("SPI_keepplan failed");
        plan_ = prepared;
    }
    return plan_;
}

Param p_null() noexcept { return {Datum(0), true}; }
Param p_text(std::string_view s) { return {text_datum(s), false}; }
Param p_opt_text(const std::optional<std::string>& s) { return s ? p_text(*s) : p_null(); }
Param p_uuid(const Uuid& id) { return {uuid_datum(id), false}; }
Param p_opt_uuid(const std::optional<Uuid>& id) { return id ? p_uuid(*id) : p_null(); }
Param p_int64(int64_t v) noexcept { return {Int64GetDatum(v), false}; }
Param p_int32(int32_t v) noexcept { return {Int32GetDatum(v), false}; }
Param p_bool(bool v) noexcept { return {BoolGetDatum(v), false}; }
Param p_cents(int64_t cents) { return {cents_datum(cents), false}; }
Param p_thousandths(int32_t thousandths) { return {thousandths_datum(thousandths), false}; }
Param p_bytea(const uint8_t* data, size_t len) { return {bytea_datum(data, len), false}; }
Param p_datum(Datum d) noexcept { return {d, false}; }

Datum Row::value(int col, bool* isnull) const {
    HeapTuple tuple = tuple_;
    TupleDesc desc = desc_;
    return call([&] { return SPI_getbinval(tuple, desc, col, isnull); });
}

bool Row::is_null(int col) const {
    bool isnull;
    value(col, &isnull);
    return isnull;
}

namespace {
[[noreturn]] void unexpected_null(int col) {
    throw std::runtime_error("unexpected NULL in result column " + std::to_string(col));
}
}  // namespace

std::string Row::string(int col) const {
    bool isnull;
    Datum d = value(col, &isnull);
    if (isnull) unexpected_null(col);
    return text_value(d);
}

std::optional<std::string> Row::opt_string(int col) const {
    bool isnull;
    Datum d = value(col, &isnull);
    if (isnull) return std::nullopt;
    return text_value(d);
}

int64_t Row::integer(int col) const {
    bool isnull;
    Datum d = value(col, &isnull);
    if (isnull) unexpected_null(col);
    switch (TupleDescAttr(desc_, col - 1)->atttypid) {
        case INT2OID: return DatumGetInt16(d);
        case INT4OID: return DatumGetInt32(d);
        case INT8OID: return DatumGetInt64(d);
        default: throw std::runtime_error("column " + std::to_string(col) + " is not an integer");
    }
}

bool Row::boolean(int col) const {
    bool isnull;
    Datum d = value(col, &isnull);
    if (isnull) unexpected_null(col);
    return DatumGetBool(d);
}

Uuid Row::uuid(int col) const {
    bool isnull;
    Datum d = value(col, &isnull);
    if (isnull) unexpected_null(col);
    return uuid_value(d);
}

std::optional<Uuid> Row::opt_uuid(int col) const {
    bool isnull;
    Datum d = value(col, &isnull);
    if (isnull) return std::nullopt;
    return uuid_value(d);
}

int64_t Row::cents(int col) const {
    bool isnull;
    Datum d = value(col, &isnull);
    if (isnull) unexpected_null(col);
    ParsedCents parsed = parse_cents(numeric_text(d));
    if (parsed.status != ParseStatus::Ok) throw std::runtime_error("stored amount is not in cents");
    return parsed.cents;
}

int32_t Row::thousandths(int col) const {
    bool isnull;
    Datum d = value(col, &isnull);
    if (isnull) unexpected_null(col);
    auto parsed = parse_thousandths(numeric_text(d));
    if (!parsed) throw std::runtime_error("stored discount is not in (0, 1]");
    return *parsed;
}

TimestampTz Row::timestamptz(int col) const {
    bool isnull;
    Datum d = value(col, &isnull);
    if (isnull) unexpected_null(col);
    return DatumGetTimestampTz(d);
}

Datum Row::datum_copy(int col, bool* isnull) const {
    Datum d = value(col, isnull);
    if (*isnull) return Datum(0);
    Form_pg_attribute attr = TupleDescAttr(desc_, col - 1);
    bool byval = attr->attbyval;
    int len = attr->attlen;
    return call([&] { return SPI_datumTransfer(d, byval, len); });
}

Spi::Spi() {
    int rc = call([] { return SPI_connect(); });
    if (rc != SPI_OK_CONNECT) throw std::runtime_error(std::string("SPI_connect failed: ") + SPI_result_code_string(rc));
    open_ = true;
}

Spi::~Spi() {
    // On the error path the transaction aborts and AtEOXact_SPI closes the connection;
    // calling into PostgreSQL here could run on top of a flushed error.
    if (open_ && std::uncaught_exceptions() == 0) SPI_finish();
}

SpiResult Spi::run(Statement& stmt, std::initializer_list<Param> params, long limit) {
    if (int(params.size()) != stmt.nargs()) throw std::logic_error("parameter count does not match statement");
    Datum values[Statement::kMaxParams];
    char nulls[Statement::kMaxParams];
    int i = 0;
    for (const Param& p : params) {
        values[i] = p.value;
        nulls[i] = p.null ? 'n' : ' ';
        ++i;
    }
    SPIPlanPtr plan = stmt.plan();
    int rc = call([&] { return SPI_execute_plan(plan, values, nulls, false, limit); });
    if (rc < 0) throw std::runtime_error(std::string("SPI_execute_plan failed: ") + SPI_result_code_string(rc));
    return SpiResult(SPI_tuptable, SPI_processed);
}

void Spi::finish() {
    if (!open_) return;
    open_ = false;
    int rc = call([] { return SPI_finish(); });
    if (rc != SPI_OK_FINISH) throw std::runtime_error("SPI_finish failed");
}

}  // namespace mps::pg
