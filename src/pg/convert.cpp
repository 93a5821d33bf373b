#include "pg/convert.hpp"

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "pg/guard.hpp"

extern "C" {
#include "utils/datetime.h"
}

namespace mps::pg {

namespace {
// Copies a palloc'd C string into std::string and frees it.
std::string take_cstring(char* s) {
    std::string out(s);
    pfree(s);
    return out;
}
}  // namespace

std::string text_value(Datum d) {
    return take_cstring(call([&] { return text_to_cstring(DatumGetTextPP(d)); }));
}

Uuid uuid_value(Datum d) noexcept {
    Uuid id;
    std::memcpy(id.bytes.data(), DatumGetUUIDP(d)->data, 16);
    return id;
}

std::string numeric_text(Datum d) {
    return take_cstring(call([&] { return DatumGetCString(DirectFunctionCall1(numeric_out, d)); }));
}

std::string text_or_label(FunctionCallInfo fcinfo, int n) {
    const Datum d = fcinfo->args[n].value;
    // The declared type of the parameter (pg_proc), whoever calls the function.
    const Oid type = call([&] {
        Oid* types = nullptr;
        int nargs = 0;
        get_func_signature(fcinfo->flinfo->fn_oid, &types, &nargs);
        const Oid t = n < nargs ? types[n] : InvalidOid;
        pfree(types);
        return t;
    });
    if (type == TEXTOID) return text_value(d);
    const char* label = call([&] {
        if (!type_is_enum(type)) elog(ERROR, "argument %d is neither text nor an enum", n + 1);
        return static_cast<const char*>(DatumGetCString(DirectFunctionCall1(enum_out, d)));
    });
    return std::string(label);
}

std::string jsonb_text(Datum d) {
    return take_cstring(
        call([&] { return JsonbToCString(nullptr, &DatumGetJsonbP(d)->root, VARSIZE(DatumGetJsonbP(d))); }));
}

std::string utc_date_digits(TimestampTz t) {
    struct pg_tm tm;
    fsec_t fsec;
    int rc = call([&] { return timestamp2tm(t, nullptr, &tm, &fsec, nullptr, nullptr); });
    if (rc != 0) throw std::runtime_error("timestamp out of range");
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d", tm.tm_year, tm.tm_mon, tm.tm_mday);
    return buf;
}

Datum text_datum(std::string_view s) {
    const char* data = s.data();
    int len = int(s.size());
    return call([&] { return PointerGetDatum(cstring_to_text_with_len(data, len)); });
}

Datum uuid_datum(const Uuid& id) {
    pg_uuid_t* out = call([] { return static_cast<pg_uuid_t*>(palloc(sizeof(pg_uuid_t))); });
    std::memcpy(out->data, id.bytes.data(), 16);
    return UUIDPGetDatum(out);
}

// int64_div_fast_to_numeric(v, k) is v / 10^k with display scale k, built without text.
Datum cents_datum(int64_t cents) {
    return call([&] { return NumericGetDatum(int64_div_fast_to_numeric(cents, 2)); });
}

Datum thousandths_datum(int32_t thousandths) {
    return call([&] { return NumericGetDatum(int64_div_fast_to_numeric(thousandths, 3)); });
}

Datum bytea_datum(const uint8_t* data, size_t len) {
    bytea* out = call([&] { return static_cast<bytea*>(palloc(VARHDRSZ + len)); });
    SET_VARSIZE(out, VARHDRSZ + len);
    std::memcpy(VARDATA(out), data, len);
    return PointerGetDatum(out);
}

Datum jsonb_datum(std::string_view json) {
    std::string copy(json);
    const char* s = copy.c_str();
    return call([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(s)); });
}

Datum text_array_datum(const std::vector<std::string_view>& items) {
    const int n = int(items.size());
    Datum* elems = call([&] { return static_cast<Datum*>(palloc(sizeof(Datum) * size_t(n > 0 ? n : 1))); });
    for (int i = 0; i < n; ++i) elems[i] = text_datum(items[size_t(i)]);
    return call([&] { return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT)); });
}

Value p_null() noexcept { return {Datum(0), true}; }
Value p_text(std::string_view s) { return {text_datum(s), false}; }
Value p_opt_text(const std::optional<std::string>& s) { return s ? p_text(*s) : p_null(); }
Value p_uuid(const Uuid& id) { return {uuid_datum(id), false}; }
Value p_opt_uuid(const std::optional<Uuid>& id) { return id ? p_uuid(*id) : p_null(); }
Value p_int64(int64_t v) noexcept { return {Int64GetDatum(v), false}; }
Value p_int32(int32_t v) noexcept { return {Int32GetDatum(v), false}; }
Value p_cents(int64_t cents) { return {cents_datum(cents), false}; }
Value p_thousandths(int32_t thousandths) { return {thousandths_datum(thousandths), false}; }
Value p_opt_thousandths(const std::optional<int32_t>& t) { return t ? p_thousandths(*t) : p_null(); }
Value p_bytea(const uint8_t* data, size_t len) { return {bytea_datum(data, len), false}; }
Value p_timestamptz(TimestampTz t) noexcept { return {TimestampTzGetDatum(t), false}; }
Value p_jsonb(std::string_view json) { return {jsonb_datum(json), false}; }

}  // namespace mps::pg
