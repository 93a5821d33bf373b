#include "pg/spi.hpp"

extern "C" {
#include "access/relation.h"
#include "catalog/pg_inherits.h"
#include "access/xlog.h"
#include "storage/bufmgr.h"
#include "utils/inval.h"
#include "utils/plancache.h"
#include "utils/rel.h"
}

#include <cstring>
#include <stdexcept>

#include "pg/entry.hpp"
#include "pg/guard.hpp"

namespace mps::pg {

namespace {

// The start of a statement's SQL, for messages about it.
std::string sql_head(const char* sql) { return std::string(sql, strnlen(sql, 60)); }

}  // namespace

Statement::Statement(int expected_result, const char* sql, std::initializer_list<Oid> types, Plan plan)
    : sql_(sql), nargs_(int(types.size())), expected_(expected_result), plan_kind_(plan) {
    if (types.size() > kMaxParams) throw std::logic_error("too many statement parameters");
    int i = 0;
    for (Oid t : types) types_[i++] = t;
}

SPIPlanPtr Statement::plan() {
    if (plan_ == nullptr) {
        const char* sql = sql_;
        int nargs = nargs_;
        Oid* types = types_;
        int options = plan_kind_ == Plan::Generic ? CURSOR_OPT_GENERIC_PLAN : 0;
        SPIPlanPtr prepared = call([&] { return SPI_prepare_cursor(sql, nargs, types, options); });
        if (prepared == nullptr)
            throw std::runtime_error(std::string("SPI_prepare failed: ") + SPI_result_code_string(SPI_result));
        int rc = call([&] { return SPI_keepplan(prepared); });
        if (rc != 0) throw std::runtime_error("SPI_keepplan failed");
        plan_ = prepared;
        runs_ = 0;
        nsizes_ = measure(sizes_);
    }
    return plan_;
}

int Statement::measure(RelSize* out) const {
    SPIPlanPtr plan = plan_;
    return call([&] {
        int n = 0;
        ListCell* lc;
        foreach (lc, SPI_plan_get_plan_sources(plan)) {
            auto* source = static_cast<CachedPlanSource*>(lfirst(lc));
            ListCell* rc;
            foreach (rc, source->relationOids) {
                const Oid rel = lfirst_oid(rc);
                bool seen = false;
                for (int i = 0; i < n; ++i) seen = seen || out[i].rel == rel;
                if (seen || n == kMaxRels) continue;
                // A partitioned table counts as the sum of its partitions; views and other
                // relations without storage count as 0.
                List* members = get_rel_relkind(rel) == RELKIND_PARTITIONED_TABLE
                                    ? find_all_inheritors(rel, AccessShareLock, nullptr)
                                    : list_make1_oid(rel);
                BlockNumber blocks = 0;
                ListCell* mc;
                foreach (mc, members) {
                    Relation r = try_relation_open(lfirst_oid(mc), AccessShareLock);
                    if (r == nullptr) continue;
                    if (RELKIND_HAS_STORAGE(r->rd_rel->relkind)) blocks += RelationGetNumberOfBlocks(r);
                    relation_close(r, NoLock);
                }
                list_free(members);
                out[n++] = {rel, blocks};
            }
        }
        return n;
    });
}

void Statement::left() {
    --depth_;
    ++runs_;
    const bool check = runs_ % 1024 == 0 || (runs_ >= 16 && runs_ < 1024 && (runs_ & (runs_ - 1)) == 0);
    if (!check || depth_ != 0 || plan_ == nullptr) return;
    RelSize now[kMaxRels];
    const int n = measure(now);
    bool grown = false;
    RelSize kept[kMaxRels];
    for (int i = 0; i < n; ++i) {
        kept[i] = now[i];
        for (int j = 0; j < nsizes_; ++j)
            if (sizes_[j].rel == now[i].rel) kept[i] = sizes_[j];
        const BlockNumber before = kept[i].blocks;
        if (now[i].blocks < before / 2) kept[i] = now[i];  // truncated: measured from here on
        if (now[i].blocks < 2 * before || now[i].blocks < before + 4) continue;
        kept[i] = now[i];
        grown = true;
        // A relcache invalidation of the grown relation: at the next command every plan that
        // reads it is made again with its size of then — this statement's, but also the plans
        // PostgreSQL keeps itself (foreign-key checks, PL/pgSQL), which seq-scan a table that
        // was tiny when they were first made (creating 10^5 members in one transaction checked
        // each card's owner by a sequential scan of member_profiles). Other backends get it at
        // commit and re-plan once. A hot standby cannot send invalidations: there the statement
        // only drops its own plan.
        if (!RecoveryInProgress()) {
            const Oid rel = now[i].rel;
            call([&] { CacheInvalidateRelcacheByRelid(rel); });
        }
    }
    for (int i = 0; i < n; ++i) sizes_[i] = kept[i];
    nsizes_ = n;
    if (!grown) return;
    ++replans_;
    if (RecoveryInProgress()) {
        SPIPlanPtr stale = plan_;
        plan_ = nullptr;
        call([&] { return SPI_freeplan(stale); });
    }
}

Datum Row::value(int col, bool* isnull) const {
    if (!owner_.open()) throw std::logic_error("a result row was read after Spi::finish()");
    if (col < 1 || col > desc_->natts)
        throw std::logic_error("result column " + std::to_string(col) + " does not exist");
    HeapTuple tuple = tuple_;
    TupleDesc desc = desc_;
    return call([&] { return SPI_getbinval(tuple, desc, col, isnull); });
}

Datum Row::required(int col) const {
    bool isnull;
    Datum d = value(col, &isnull);
    if (isnull) throw std::runtime_error("unexpected NULL in result column " + std::to_string(col));
    return d;
}

bool Row::is_null(int col) const {
    bool isnull;
    value(col, &isnull);
    return isnull;
}

std::string Row::string(int col) const { return text_value(required(col)); }

std::string_view Row::bytes(int col) const {
    Datum d = required(col);
    text* t = call([&] { return DatumGetTextPP(d); });
    return std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

void Row::bad_label(int col, std::string_view type) const {
    throw std::runtime_error("result column " + std::to_string(col) + " holds '" + std::string(bytes(col)) +
                             "', which is not a label of " + std::string(type) + " known to this mps.so");
}

int64_t Row::integer(int col) const {
    Datum d = required(col);
    switch (TupleDescAttr(desc_, col - 1)->atttypid) {
        case INT2OID: return DatumGetInt16(d);
        case INT4OID: return DatumGetInt32(d);
        case INT8OID: return DatumGetInt64(d);
        default: throw std::logic_error("result column " + std::to_string(col) + " is not an integer");
    }
}

bool Row::boolean(int col) const { return DatumGetBool(required(col)); }

Uuid Row::uuid(int col) const { return uuid_value(required(col)); }

std::optional<Uuid> Row::opt_uuid(int col) const {
    bool isnull;
    Datum d = value(col, &isnull);
    if (isnull) return std::nullopt;
    return uuid_value(d);
}

int64_t Row::cents(int col) const {
    if (TupleDescAttr(desc_, col - 1)->atttypid != INT8OID)
        throw std::logic_error("amount column " + std::to_string(col) + " must be selected as int8 cents");
    return DatumGetInt64(required(col));
}

int32_t Row::thousandths(int col) const {
    int64_t v = integer(col);
    if (v <= 0 || v > 1000) throw std::runtime_error("stored discount is not in (0, 1]");
    return int32_t(v);
}

TimestampTz Row::timestamptz(int col) const { return DatumGetTimestampTz(required(col)); }

Value Row::cell(int col) const {
    bool isnull;
    Datum d = value(col, &isnull);
    return {isnull ? Datum(0) : d, isnull};
}

Value Row::copy(int col) const {
    bool isnull;
    Datum d = value(col, &isnull);
    if (isnull) return {Datum(0), true};
    Form_pg_attribute attr = TupleDescAttr(desc_, col - 1);
    bool byval = attr->attbyval;
    int len = attr->attlen;
    return {call([&] { return SPI_datumTransfer(d, byval, len); }), false};
}

Row SpiResult::operator[](uint64_t i) const {
    if (!owner_.open()) throw std::logic_error("a result was read after Spi::finish()");
    if (i >= size()) throw std::logic_error("result row " + std::to_string(i) + " does not exist");
    return Row(owner_, table_->vals[i], table_->tupdesc);
}

Spi::Spi() {
    EntryCall& entry = current_call();
    read_only_ = entry.read_only();
    int rc = call_switching_context([] { return SPI_connect(); });
    if (rc != SPI_OK_CONNECT)
        throw std::runtime_error(std::string("SPI_connect failed: ") + SPI_result_code_string(rc));
    open_ = true;
    entry.spi_opened();
}

// Never calls SPI_finish: on the error path the transaction abort closes the connection, and a
// success path that forgot finish() is turned into an error by the entry guard, whose abort
// closes it too. Either way nothing the body returns is freed under it.
Spi::~Spi() = default;

SpiResult Spi::run(Statement& stmt, std::initializer_list<Value> params, long limit) {
    if (!open_) throw std::logic_error("Spi::run after finish()");
    if (int(params.size()) != stmt.nargs()) throw std::logic_error("parameter count does not match statement");
    Datum values[Statement::kMaxParams];
    char nulls[Statement::kMaxParams];
    int i = 0;
    for (const Value& p : params) {
        values[i] = p.datum;
        nulls[i] = p.null ? 'n' : ' ';
        ++i;
    }
    SPIPlanPtr plan = stmt.plan();
    bool read_only = read_only_;
    stmt.entered();
    int rc;
    try {
        rc = call([&] { return SPI_execute_plan(plan, values, nulls, read_only, limit); });
    } catch (...) {
        stmt.failed();
        throw;
    }
    SPITupleTable* table = SPI_tuptable;
    const uint64 processed = SPI_processed;
    stmt.left();
    if (rc != stmt.expected_result())
        throw std::runtime_error(std::string("statement returned ") + SPI_result_code_string(rc) + ", expected " +
                                 SPI_result_code_string(stmt.expected_result()) + ": " + sql_head(stmt.sql()));
    return SpiResult(*this, table, processed);
}

void Spi::finish() {
    if (!open_) return;
    open_ = false;
    current_call().spi_finished();
    int rc = call_switching_context([] { return SPI_finish(); });
    if (rc != SPI_OK_FINISH) throw std::runtime_error("SPI_finish failed");
}

}  // namespace mps::pg
