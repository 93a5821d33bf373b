#include "pg/convert.hpp"

#include <cstring>

#include "pg/guard.hpp"

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

std::string jsonb_text(Datum d) {
    return take_cstring(call([&] { return JsonbToCString(nullptr, &DatumGetJsonbP(d)->root, VARSIZE(DatumGetJsonbP(d))); }));
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

namespace {
Datum numeric_from_text(const std::string& text) {
    const char* s = text.c_str();
    return call([&] {
        return DirectFunctionCall3(numeric_in, CStringGetDatum(s), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
    });
}
}  // namespace

Datum cents_datum(int64_t cents) { return numeric_from_text(format_cents(cents)); }

Datum thousandths_datum(int32_t thousandths) { return numeric_from_text(format_thousandths(thousandths)); }

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

std::optional<std::string> arg_text(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n)) return std::nullopt;
    return text_value(PG_GETARG_DATUM(n));
}

std::optional<Uuid> arg_uuid(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n)) return std::nullopt;
    return uuid_value(PG_GETARG_DATUM(n));
}

std::optional<int32_t> arg_int32(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n)) return std::nullopt;
    return PG_GETARG_INT32(n);
}

std::optional<std::string> arg_numeric_text(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n)) return std::nullopt;
    return numeric_text(PG_GETARG_DATUM(n));
}

std::optional<std::string> arg_jsonb_text(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n)) return std::nullopt;
    return jsonb_text(PG_GETARG_DATUM(n));
}

}  // namespace mps::pg
