#include "rpc/args.hpp"

#include <string>

#include "core/errors.hpp"
#include "core/money.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"

namespace mps::rpc {

namespace {

bool is_blank(const std::string& s) {
    return s.find_first_not_of(" \t\r\n") == std::string::npos;
}

int64_t cents_from_text(const std::string& text, const char* name) {
    ParsedCents parsed = parse_cents(text);
    switch (parsed.status) {
        case ParseStatus::Ok:
            if (parsed.cents <= 0) fail(err::INVALID_AMOUNT, std::string(name) + " must be greater than zero.");
            return parsed.cents;
        case ParseStatus::NotANumber: fail(err::INVALID_AMOUNT, std::string(name) + " is NaN.");
        case ParseStatus::Infinite: fail(err::INVALID_AMOUNT, std::string(name) + " is infinite.");
        case ParseStatus::TooManyDecimals:
            fail(err::INVALID_AMOUNT, std::string(name) + " has more than two decimals.", "Amounts are in cents: round to 0.01.");
        case ParseStatus::OutOfRange: fail(err::INVALID_AMOUNT, std::string(name) + " exceeds 9999999999.99.");
        case ParseStatus::Malformed: break;
    }
    fail(err::INVALID_AMOUNT, std::string(name) + " is not a number.");
}

}  // namespace

size_t utf8_length(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

int64_t amount_arg(FunctionCallInfo fcinfo, int n, const char* name) {
    std::optional<int64_t> cents = optional_amount_arg(fcinfo, n, name);
    if (!cents) fail(err::INVALID_AMOUNT, std::string(name) + " is required.");
    return *cents;
}

std::optional<int64_t> optional_amount_arg(FunctionCallInfo fcinfo, int n, const char* name) {
    std::optional<std::string> text = pg::arg_numeric_text(fcinfo, n);
    if (!text) return std::nullopt;
    return cents_from_text(*text, name);
}

std::string required_text_arg(FunctionCallInfo fcinfo, int n, const char* name, size_t max_len) {
    std::optional<std::string> v = optional_text_arg(fcinfo, n, name, max_len);
    if (!v) fail(err::INVALID_ARGUMENT, std::string(name) + " is required.");
    return *v;
}

std::optional<std::string> optional_text_arg(FunctionCallInfo fcinfo, int n, const char* name, size_t max_len) {
    std::optional<std::string> v = pg::arg_text(fcinfo, n);
    if (!v) return std::nullopt;
    if (is_blank(*v)) fail(err::INVALID_ARGUMENT, std::string(name) + " is empty.");
    if (utf8_length(*v) > max_len)
        fail(err::INVALID_ARGUMENT, std::string(name) + " is longer than " + std::to_string(max_len) + " characters.");
    return v;
}

std::optional<std::string> note_arg(FunctionCallInfo fcinfo, int n, const char* name, size_t max_len) {
    std::optional<std::string> v = pg::arg_text(fcinfo, n);
    if (!v || is_blank(*v)) return std::nullopt;
    if (utf8_length(*v) > max_len)
        fail(err::INVALID_ARGUMENT, std::string(name) + " is longer than " + std::to_string(max_len) + " characters.");
    return v;
}

Uuid required_uuid_arg(FunctionCallInfo fcinfo, int n, const char* name) {
    std::optional<Uuid> v = pg::arg_uuid(fcinfo, n);
    if (!v) fail(err::INVALID_ARGUMENT, std::string(name) + " is required.");
    return *v;
}

Datum tag_arg(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n)) return pg::jsonb_datum("{}");
    Datum d = PG_GETARG_DATUM(n);
    struct Shape {
        bool object;
        size_t bytes;
    };
    Shape shape = pg::call([&] {
        Jsonb* jb = DatumGetJsonbP(d);
        return Shape{JB_ROOT_IS_OBJECT(jb) && !JB_ROOT_IS_SCALAR(jb), size_t(VARSIZE(jb))};
    });
    if (!shape.object) fail(err::INVALID_TAG, "p_tag must be a JSON object.");
    if (shape.bytes > 4096) fail(err::INVALID_TAG, "p_tag is larger than 4 kB.");
    return pg::call([&] { return PointerGetDatum(DatumGetJsonbP(d)); });
}

std::string qr_arg(FunctionCallInfo fcinfo, int n) {
    std::optional<std::string> v = pg::arg_text(fcinfo, n);
    if (!v || v->empty()) fail(err::INVALID_QR_FORMAT, "p_qr_plain is required.");
    if (!is_qr_token(*v)) fail(err::INVALID_QR_FORMAT, "The scanned text is not an mps QR code.", "Scan the member's current QR code again.");
    return *v;
}

std::string word_arg(FunctionCallInfo fcinfo, int n, const char* name, size_t max_len, const char* fallback) {
    std::optional<std::string> v = pg::arg_text(fcinfo, n);
    if (!v) return fallback;
    bool ok = !v->empty() && v->size() <= max_len;
    for (char c : *v) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok) fail(err::INVALID_ARGUMENT, std::string(name) + " must be 1.." + std::to_string(max_len) + " of a-z, 0-9, _.");
    return *v;
}

}  // namespace mps::rpc
