// SPI for C++ callers (ARCHITECTURE.md §7), without its traps:
//  * statements are prepared once per backend and kept (SPI_keepplan), with typed parameters
//    (never SQL built from arguments), and each states the result code it must return
//    (SPI_OK_SELECT, SPI_OK_INSERT_RETURNING, ...): any other code is an error;
//  * a connection opened by Spi must be closed with finish() on the success path: an entry
//    point that returns with one still open fails with INTERNAL_ERROR instead of having its
//    result freed under it by a quiet SPI_finish (on the error path the abort closes it);
//  * a result without a tuple table (an UPDATE without RETURNING) has no rows, and reading a
//    row that does not exist, or any row after finish(), is an error rather than a wild read;
//  * inside a STABLE or IMMUTABLE function every statement runs read-only, as PostgreSQL runs
//    SQL functions: it sees the calling query's snapshot and cannot write.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "core/labels.hpp"
#include "pg/convert.hpp"
#include "pg/postgres.hpp"

namespace mps::pg {

// One SQL text with its parameter types and expected result code. Declare as a function-local
// static; the plan is prepared on first use in each backend and kept for the backend's life.
class Statement {
public:
    static constexpr int kMaxParams = 32;
    enum class Plan {
        Auto,     // PostgreSQL's choice between custom and generic plans
        Generic,  // plan once for all parameter values, for statements whose custom plans look
                  // cheaper to the planner but cost a re-plan on every call
    };
    Statement(int expected_result, const char* sql, std::initializer_list<Oid> types, Plan plan = Plan::Auto);
    SPIPlanPtr plan();
    int nargs() const noexcept { return nargs_; }
    int expected_result() const noexcept { return expected_; }
    const char* sql() const noexcept { return sql_; }
    // Called by Spi::run around each execution. Plans that stay right: a kept generic plan is
    // made with the relation sizes of the moment (a table of one page is read by a sequential
    // scan) and PostgreSQL keeps it until something invalidates it, which rows added inside one
    // transaction never do. So at the 16th, 32nd, ... 1024th execution and then every 1024th,
    // the relations the statement names are measured; when one has grown to at least twice
    // its size when last measured as grown (and by 4 pages or more), the relation's plans are
    // invalidated (spi.cpp: PostgreSQL's own kept plans too) and made again at the next use.
    void entered() noexcept { ++depth_; }
    void failed() noexcept { --depth_; }
    void left();
    uint32_t replans() const noexcept { return replans_; }

private:
    struct RelSize {
        Oid rel;
        BlockNumber blocks;
    };
    static constexpr int kMaxRels = 24;
    int measure(RelSize* out) const;  // the sizes of the plan's relations, now
    const char* sql_;
    Oid types_[kMaxParams];
    int nargs_;
    int expected_;
    Plan plan_kind_;
    SPIPlanPtr plan_ = nullptr;
    uint32_t runs_ = 0;     // executions since preparation
    uint32_t replans_ = 0;  // plans dropped because a relation grew
    int depth_ = 0;         // executions in progress (a statement run again from inside itself)
    int nsizes_ = 0;
    RelSize sizes_[kMaxRels];
};

class Spi;

// One row of a result; columns are 1-based as in SPI. Valid while its Spi is open.
class Row {
public:
    Row(const Spi& owner, HeapTuple tuple, TupleDesc desc) noexcept : owner_(owner), tuple_(tuple), desc_(desc) {}
    bool is_null(int col) const;
    std::string string(int col) const;
    int64_t integer(int col) const;  // int2/int4/int8 columns
    bool boolean(int col) const;
    Uuid uuid(int col) const;
    std::optional<Uuid> opt_uuid(int col) const;
    // Amounts come out of SQL as int8 cents ((amount * 100)::int8) and discounts as int4
    // thousandths ((discount * 1000)::int4): no numeric is parsed on the way.
    int64_t cents(int col) const;
    int32_t thousandths(int col) const;  // in 1..1000
    TimestampTz timestamptz(int col) const;
    // A text column holding a label of the SQL enum E (select it as col::text).
    template <typename E>
    E label(int col) const {
        std::optional<E> v = parse_label<E>(bytes(col));
        if (!v) bad_label(col, Labels<E>::sql_type);
        return *v;
    }
    template <typename E>
    std::optional<E> opt_label(int col) const {
        if (is_null(col)) return std::nullopt;
        return label<E>(col);
    }
    // The bytes of a non-NULL text or bytea column, valid until the next statement of the Spi.
    std::string_view bytes(int col) const;
    // The value as SPI returned it, valid until the Spi's next statement: for putting straight
    // into a TableResult row (which copies it) without converting it to C++ and back.
    Value cell(int col) const;
    // The value copied out of SPI memory into the caller's context (survives finish()), ready
    // to be returned after finish().
    Value copy(int col) const;

private:
    Datum value(int col, bool* isnull) const;
    Datum required(int col) const;
    [[noreturn]] void bad_label(int col, std::string_view type) const;
    const Spi& owner_;
    HeapTuple tuple_;
    TupleDesc desc_;
};

class SpiResult {
public:
    SpiResult(const Spi& owner, SPITupleTable* table, uint64_t processed) noexcept
        : owner_(owner), table_(table), processed_(processed) {}
    // Rows returned: 0 when the statement returns none (no tuple table).
    uint64_t size() const noexcept { return table_ ? table_->numvals : 0; }
    bool empty() const noexcept { return size() == 0; }
    // Rows the statement processed (e.g. updated), returned or not.
    uint64_t processed() const noexcept { return processed_; }
    // Row i; std::logic_error when there is no such row or the connection is finished.
    Row operator[](uint64_t i) const;

private:
    const Spi& owner_;
    SPITupleTable* table_;
    uint64_t processed_;
};

// One SPI connection for the duration of an RPC call; see the rules at the top.
class Spi {
public:
    Spi();
    ~Spi();
    Spi(const Spi&) = delete;
    Spi& operator=(const Spi&) = delete;

    SpiResult run(Statement& stmt, std::initializer_list<Value> params, long limit = 0);
    void finish();
    bool open() const noexcept { return open_; }

private:
    bool open_ = false;
    bool read_only_ = false;
};

}  // namespace mps::pg
