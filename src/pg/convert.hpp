// Conversions between PostgreSQL Datums and the C++ values the domain code uses: uuid,
// numeric (built directly from cents / thousandths), text, jsonb, timestamptz, int, bool.
// Every function that can ereport goes through pg::call and therefore throws PgError.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.hpp"
#include "pg/postgres.hpp"

namespace mps::pg {

// A value handed to PostgreSQL: an SPI statement parameter, or a column of a returned row.
// The Datum is of the declared type, allocated in CurrentMemoryContext.
struct Value {
    Datum datum;
    bool null;
};

// Datum -> C++ (the Datum must be of the named type).
std::string text_value(Datum d);
Uuid uuid_value(Datum d) noexcept;
std::string numeric_text(Datum d);  // numeric_out: "12.30", "NaN", "Infinity"
std::string jsonb_text(Datum d);
// Argument n of a call that is text or an enum (its label).
std::string text_or_label(FunctionCallInfo fcinfo, int n);
// The UTC calendar date of a timestamp as YYYYMMDD.
std::string utc_date_digits(TimestampTz t);

// C++ -> Datum.
Datum text_datum(std::string_view s);
Datum uuid_datum(const Uuid& id);
Datum cents_datum(int64_t cents);              // numeric with two decimals: 1230 -> 12.30
Datum thousandths_datum(int32_t thousandths);  // numeric with three decimals: 950 -> 0.950
Datum bytea_datum(const uint8_t* data, size_t len);
Datum jsonb_datum(std::string_view json);                            // parses; invalid JSON raises PgError
Datum text_array_datum(const std::vector<std::string_view>& items);  // text[]

Value p_null() noexcept;
inline Value p_datum(Datum d) noexcept { return {d, false}; }  // already of the declared type
Value p_text(std::string_view s);
Value p_opt_text(const std::optional<std::string>& s);
Value p_uuid(const Uuid& id);
Value p_opt_uuid(const std::optional<Uuid>& id);
Value p_int64(int64_t v) noexcept;
Value p_int32(int32_t v) noexcept;
Value p_cents(int64_t cents);
Value p_thousandths(int32_t thousandths);
Value p_opt_thousandths(const std::optional<int32_t>& thousandths);
Value p_bytea(const uint8_t* data, size_t len);
Value p_timestamptz(TimestampTz t) noexcept;
Value p_jsonb(std::string_view json);

}  // namespace mps::pg
