// SPI for C++ callers: statements prepared once per backend and kept (SPI_keepplan), typed
// parameters (never SQL built from arguments), every result code checked, and result values
// copied into C++ values before the connection closes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "core/ids.hpp"
#include "pg/postgres.hpp"

namespace mps::pg {

// One SQL text with its parameter types. Declare as a function-local or file static; the
// plan is prepared on first use in each backend and kept for the backend's life.
class Statement {
public:
    static constexpr int kMaxParams = 32;
    // generic_plan: plan once for all parameter values (CURSOR_OPT_GENERIC_PLAN), for statements
    // whose custom plans look cheaper to the planner but cost a re-plan on every call.
    Statement(const char* sql, std::initializer_list<Oid> types, bool generic_plan = false);
    SPIPlanPtr plan();
    int nargs() const noexcept { return nargs_; }

private:
    const char* sql_;
    Oid types_[kMaxParams];
    int nargs_;
    bool generic_plan_;
    SPIPlanPtr plan_ = nullptr;
};

// A statement parameter: a Datum of the statement's declared type, or NULL.
struct Param {
    Datum value;
    bool null;
};
Param p_null() noexcept;
Param p_text(std::string_view s);
Param p_opt_text(const std::optional<std::string>& s);
Param p_uuid(const Uuid& id);
Param p_opt_uuid(const std::optional<Uuid>& id);
Param p_int64(int64_t v) noexcept;
Param p_int32(int32_t v) noexcept;
Param p_bool(bool v) noexcept;
Param p_cents(int64_t cents);
Param p_thousandths(int32_t thousandths);
Param p_bytea(const uint8_t* data, size_t len);
Param p_datum(Datum d) noexcept;  // already of the declared type (e.g. a jsonb argument)

// One row of a result; columns are 1-based as in SPI.
class Row {
public:
    Row(HeapTuple tuple, TupleDesc desc) noexcept : tuple_(tuple), desc_(desc) {}
    bool is_null(int col) const;
    std::string string(int col) const;
    std::optional<std::string> opt_string(int col) const;
    int64_t integer(int col) const;  // int2/int4/int8 columns
    bool boolean(int col) const;
    Uuid uuid(int col) const;
    std::optional<Uuid> opt_uuid(int col) const;
    int64_t cents(int col) const;         // numeric(12,2) columns
    int32_t thousandths(int col) const;   // numeric(4,3) columns
    TimestampTz timestamptz(int col) const;
    // The raw value copied out of SPI memory into the caller's context (survives finish()).
    Datum datum_copy(int col, bool* isnull) const;

private:
    Datum value(int col, bool* isnull) const;
    HeapTuple tuple_;
    TupleDesc desc_;
};

class SpiResult {
public:
    SpiResult(SPITupleTable* table, uint64_t processed) noexcept : table_(table), processed_(processed) {}
    uint64_t size() const noexcept { return processed_; }
    bool empty() const noexcept { return processed_ == 0; }
    Row operator[](uint64_t i) const noexcept { return Row(table_->vals[i], table_->tupdesc); }

private:
    SPITupleTable* table_;
    uint64_t processed_;
};

// One SPI connection for the duration of an RPC call. Call finish() on the success path;
// if an exception unwinds past it, transaction abort releases the connection.
class Spi {
public:
    Spi();
    ~Spi();
    Spi(const Spi&) = delete;
    Spi& operator=(const Spi&) = delete;

    SpiResult run(Statement& stmt, std::initializer_list<Param> params, long limit = 0);
    void finish();

private:
    bool open_ = false;
};

}  // namespace mps::pg
