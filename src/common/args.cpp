#include "common/args.hpp"

#include <string>

#include "core/errors.hpp"
#include "core/money.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"

namespace mps::common {

namespace {

bool is_blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

std::string param(const pg::Args& args, int n) { return std::string(args.name(n)); }

// The text of argument n, or nullopt when it is NULL or not declared.
std::optional<std::string> text_or_null(const pg::Args& args, int n) {
    if (!args.has(n)) return std::nullopt;
    return pg::text_value(args.datum(n));
}

int64_t cents_from_text(const std::string& text, const std::string& name) {
    ParsedCents parsed = parse_cents(text);
    switch (parsed.status) {
        case ParseStatus::Ok:
            if (parsed.cents <= 0) fail(err::INVALID_AMOUNT, name + " must be greater than zero.");
            return parsed.cents;
        case ParseStatus::NotANumber: fail(err::INVALID_AMOUNT, name + " is NaN.");
        case ParseStatus::Infinite: fail(err::INVALID_AMOUNT, name + " is infinite.");
        case ParseStatus::TooManyDecimals:
            fail(err::INVALID_AMOUNT, name + " has more than two decimals.", "Amounts are in cents: round to 0.01.");
        case ParseStatus::OutOfRange: fail(err::INVALID_AMOUNT, name + " exceeds 9999999999.99.");
        case ParseStatus::Malformed: break;
    }
    fail(err::INVALID_AMOUNT, name + " is not a number.");
}

}  // namespace

size_t utf8_length(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

int64_t amount_arg(const pg::Args& args, int n) {
    args.require_declared(n);
    std::optional<int64_t> cents = optional_amount_arg(args, n);
    if (!cents) fail(err::INVALID_AMOUNT, param(args, n) + " is required.");
    return *cents;
}

// The argument's numeric text (numeric_out) is parsed by the pure, unit-tested core: it is the
// exact decimal the client sent, so NaN, infinities and a third decimal are seen as such.
std::optional<int64_t> optional_amount_arg(const pg::Args& args, int n) {
    if (!args.has(n)) return std::nullopt;
    return cents_from_text(pg::numeric_text(args.datum(n)), param(args, n));
}

std::string required_text_arg(const pg::Args& args, int n, size_t max_len) {
    args.require_declared(n);
    std::optional<std::string> v = optional_text_arg(args, n, max_len);
    if (!v) fail(err::INVALID_ARGUMENT, param(args, n) + " is required.");
    return *v;
}

std::optional<std::string> optional_text_arg(const pg::Args& args, int n, size_t max_len) {
    std::optional<std::string> v = text_or_null(args, n);
    if (!v) return std::nullopt;
    if (is_blank(*v)) fail(err::INVALID_ARGUMENT, param(args, n) + " is empty.");
    if (utf8_length(*v) > max_len)
        fail(err::INVALID_ARGUMENT, param(args, n) + " is longer than " + std::to_string(max_len) + " characters.");
    return v;
}

std::optional<std::string> note_arg(const pg::Args& args, int n, size_t max_len) {
    std::optional<std::string> v = text_or_null(args, n);
    if (!v || is_blank(*v)) return std::nullopt;
    if (utf8_length(*v) > max_len)
        fail(err::INVALID_ARGUMENT, param(args, n) + " is longer than " + std::to_string(max_len) + " characters.");
    return v;
}

std::optional<std::string> raw_text_arg(const pg::Args& args, int n) { return text_or_null(args, n); }

Uuid required_uuid_arg(const pg::Args& args, int n) {
    args.require_declared(n);
    if (!args.has(n)) fail(err::INVALID_ARGUMENT, param(args, n) + " is required.");
    return pg::uuid_value(args.datum(n));
}

std::optional<Uuid> optional_uuid_arg(const pg::Args& args, int n) {
    if (!args.has(n)) return std::nullopt;
    return pg::uuid_value(args.datum(n));
}

std::optional<int32_t> optional_int32_arg(const pg::Args& args, int n) {
    if (!args.has(n)) return std::nullopt;
    return DatumGetInt32(args.datum(n));
}

std::optional<int64_t> optional_int64_arg(const pg::Args& args, int n) {
    if (!args.has(n)) return std::nullopt;
    return DatumGetInt64(args.datum(n));
}

int64_t signed_amount_arg(const pg::Args& args, int n) {
    args.require_declared(n);
    if (!args.has(n)) fail(err::INVALID_AMOUNT, param(args, n) + " is required.");
    const std::string text = pg::numeric_text(args.datum(n));
    const bool negative = !text.empty() && text[0] == '-';
    const int64_t magnitude = cents_from_text(negative ? text.substr(1) : text, param(args, n));
    return negative ? -magnitude : magnitude;
}

int32_t discount_arg(const pg::Args& args, int n) {
    args.require_declared(n);
    if (!args.has(n)) fail(err::INVALID_ARGUMENT, param(args, n) + " is required.");
    std::optional<int32_t> d = parse_thousandths(pg::numeric_text(args.datum(n)));
    if (!d)
        fail(err::INVALID_ARGUMENT, param(args, n) + " must be a discount above 0 and at most 1 with three decimals.",
             "0.900 means the member pays 90%.");
    return *d;
}

std::optional<TimestampTz> optional_timestamptz_arg(const pg::Args& args, int n) {
    if (!args.has(n)) return std::nullopt;
    const TimestampTz t = DatumGetTimestampTz(args.datum(n));
    if (TIMESTAMP_NOT_FINITE(t)) fail(err::INVALID_ARGUMENT, param(args, n) + " must be a finite time.");
    return t;
}

std::optional<CardType> card_type_arg(const pg::Args& args, int n) {
    if (!args.has(n)) return std::nullopt;
    // app.card_type (an enum: the seeds' declaration) or text.
    const std::string v = pg::text_or_label(args.fcinfo(), n);
    if (std::optional<CardType> type = input_card_type(v)) return type;
    fail(err::INVALID_ARGUMENT,
         param(args, n) + " must be personal, enterprise, standard, prepaid, corporate or voucher.");
}

std::optional<std::string> new_password_arg(const pg::Args& args, int n) {
    std::optional<std::string> v = text_or_null(args, n);
    if (v && (utf8_length(*v) < 8 || utf8_length(*v) > 128))
        fail(err::INVALID_ARGUMENT, param(args, n) + " must be 8 to 128 characters.");
    return v;
}

int32_t page_limit_arg(const pg::Args& args, int n) {
    const std::optional<int32_t> v = optional_int32_arg(args, n);
    if (!v) return kDefaultPageSize;
    if (*v < 1 || *v > kMaxPageSize)
        fail(err::INVALID_ARGUMENT, param(args, n) + " must be between 1 and " + std::to_string(kMaxPageSize) + ".");
    return *v;
}

std::optional<PageCursor> cursor_arg(const pg::Args& args, int n) {
    const std::optional<std::string> v = text_or_null(args, n);
    if (!v) return std::nullopt;
    std::optional<PageCursor> c = parse_cursor(*v);
    if (!c) fail(err::INVALID_ARGUMENT, param(args, n) + " is not a cursor this RPC returned.");
    return c;
}

namespace {

// The root of a jsonb argument: its shape and size, the value detoasted.
struct JsonRoot {
    bool object;
    bool array;
    size_t bytes;
    Datum value;
};

JsonRoot json_root(const pg::Args& args, int n) {
    Datum d = args.datum(n);
    return pg::call([&] {
        Jsonb* jb = DatumGetJsonbP(d);
        const bool scalar = JB_ROOT_IS_SCALAR(jb);
        return JsonRoot{JB_ROOT_IS_OBJECT(jb) && !scalar, JB_ROOT_IS_ARRAY(jb) && !scalar, size_t(VARSIZE(jb)),
                        PointerGetDatum(jb)};
    });
}

}  // namespace

Datum tag_arg(const pg::Args& args, int n) {
    if (!args.has(n)) return pg::jsonb_datum("{}");
    const JsonRoot root = json_root(args, n);
    if (!root.object) fail(err::INVALID_TAG, param(args, n) + " must be a JSON object.");
    if (root.bytes > 4096) fail(err::INVALID_TAG, param(args, n) + " is larger than 4 kB.");
    return root.value;
}

std::optional<Datum> json_arg(const pg::Args& args, int n, JsonShape shape, size_t max_bytes) {
    if (!args.has(n)) return std::nullopt;
    const JsonRoot root = json_root(args, n);
    if (shape == JsonShape::Object && !root.object) fail(err::INVALID_ARGUMENT, param(args, n) + " must be a JSON object.");
    if (shape == JsonShape::Array && !root.array) fail(err::INVALID_ARGUMENT, param(args, n) + " must be a JSON array.");
    if (root.bytes > max_bytes)
        fail(err::INVALID_ARGUMENT, param(args, n) + " is larger than " + std::to_string(max_bytes / 1024) + " kB.");
    return root.value;
}

std::optional<bool> optional_bool_arg(const pg::Args& args, int n) {
    if (!args.has(n)) return std::nullopt;
    return DatumGetBool(args.datum(n));
}

std::optional<DateADT> optional_date_arg(const pg::Args& args, int n) {
    if (!args.has(n)) return std::nullopt;
    const DateADT d = DatumGetDateADT(args.datum(n));
    if (DATE_NOT_FINITE(d)) fail(err::INVALID_ARGUMENT, param(args, n) + " must be a finite date.");
    return d;
}

std::optional<int32_t> optional_percent_arg(const pg::Args& args, int n) {
    if (!args.has(n)) return std::nullopt;
    // Percent with one decimal is thousandths of 100: parse "10.5" as 0.105 would be, scaled.
    const std::string text = pg::numeric_text(args.datum(n));
    int64_t whole = 0, tenths = 0;
    size_t i = 0, digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 3; ++i, ++digits) whole = whole * 10 + (text[i] - '0');
    bool ok = digits > 0;
    if (ok && i < text.size() && text[i] == '.') {
        ++i;
        size_t decimals = 0;
        for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++decimals) {
            if (decimals == 0) tenths = text[i] - '0';
            else if (text[i] != '0') ok = false;  // 10.50 is fine, 10.55 is not
        }
    }
    ok = ok && i == text.size() && whole < 100;
    if (!ok)
        fail(err::INVALID_ARGUMENT, param(args, n) + " must be a percentage off from 0 up to (not including) 100 with at most one decimal.",
             "10.5 means the member pays 89.5 %.");
    return int32_t(whole * 10 + tenths);
}

std::string qr_arg(const pg::Args& args, int n) {
    args.require_declared(n);
    std::optional<std::string> v = text_or_null(args, n);
    if (!v || v->empty()) fail(err::INVALID_QR_FORMAT, param(args, n) + " is required.");
    if (!is_qr_token(*v))
        fail(err::INVALID_QR_FORMAT, "The scanned text is not an mps QR code.",
             "Scan the member's current QR code again.");
    return *v;
}

std::string word_arg(const pg::Args& args, int n, size_t max_len, const char* fallback) {
    std::optional<std::string> v = text_or_null(args, n);
    if (!v) return fallback;
    bool ok = !v->empty() && v->size() <= max_len;
    for (char c : *v) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok)
        fail(err::INVALID_ARGUMENT, param(args, n) + " must be 1.." + std::to_string(max_len) + " of a-z, 0-9, _.");
    return *v;
}

}  // namespace mps::common
