// Rows returned by a RETURNS TABLE / SETOF function, in materialize mode: the tuplestore
// lives in the per-query context; rows are appended as Datums.
#pragma once

#include <initializer_list>

#include "pg/postgres.hpp"

namespace mps::pg {

struct Cell {
    Datum value;
    bool null;
};
Cell c_null() noexcept;
inline Cell c_datum(Datum d) noexcept { return {d, false}; }

class TableResult {
public:
    explicit TableResult(FunctionCallInfo fcinfo);
    void add(std::initializer_list<Cell> cells);
    int columns() const noexcept { return natts_; }

private:
    Tuplestorestate* store_ = nullptr;
    TupleDesc desc_ = nullptr;
    int natts_ = 0;
};

}  // namespace mps::pg
