#include "pg/srf.hpp"

#include <stdexcept>

#include "pg/guard.hpp"

extern "C" {
#include "utils/tuplestore.h"
}

namespace mps::pg {

TableResult::TableResult(FunctionCallInfo fcinfo) {
    auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    if (rsinfo == nullptr || !IsA(rsinfo, ReturnSetInfo) || (rsinfo->allowedModes & SFRM_Materialize) == 0)
        throw std::logic_error("set-valued function called in a context that cannot accept a set");
    TupleDesc desc = nullptr;
    TypeFuncClass cls = call([&] { return get_call_result_type(fcinfo, nullptr, &desc); });
    if (cls != TYPEFUNC_COMPOSITE) throw std::logic_error("function must return a row type");
    MemoryContext per_query = rsinfo->econtext->ecxt_per_query_memory;
    store_ = call([&] {
        MemoryContext old = MemoryContextSwitchTo(per_query);
        TupleDesc copy = CreateTupleDescCopy(desc);
        Tuplestorestate* store = tuplestore_begin_heap(true, false, work_mem);
        rsinfo->returnMode = SFRM_Materialize;
        rsinfo->setResult = store;
        rsinfo->setDesc = copy;
        MemoryContextSwitchTo(old);
        return store;
    });
    desc_ = rsinfo->setDesc;
    natts_ = desc_->natts;
}

void TableResult::add(std::initializer_list<Value> row) {
    // Columns added to a result go last: the SQL declaration of an older version (between
    // installing a newer mps.so and ALTER EXTENSION mps UPDATE) gets the ones it declares.
    if (int(row.size()) < natts_) throw std::logic_error("row width does not match the declared columns");
    Datum values[32];
    bool nulls[32];
    if (natts_ > 32) throw std::logic_error("too many columns");
    int i = 0;
    for (const Value& v : row) {
        if (i == natts_) break;
        values[i] = v.datum;
        nulls[i] = v.null;
        ++i;
    }
    Tuplestorestate* store = store_;
    TupleDesc desc = desc_;
    call([&] { tuplestore_putvalues(store, desc, values, nulls); });
}

}  // namespace mps::pg
