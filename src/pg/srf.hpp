// Rows returned by a RETURNS TABLE / SETOF function, in materialize mode: the tuplestore
// lives in the per-query context; rows are appended as Datums.
#pragma once

#include <initializer_list>

#include "pg/convert.hpp"
#include "pg/postgres.hpp"

namespace mps::pg {

class TableResult {
public:
    explicit TableResult(FunctionCallInfo fcinfo);
    // One row; values are copied into the tuplestore. Values beyond the declared columns (an
    // older declaration of the function) are left out.
    void add(std::initializer_list<Value> values);

private:
    Tuplestorestate* store_ = nullptr;
    TupleDesc desc_ = nullptr;
    int natts_ = 0;
};

}  // namespace mps::pg
