// Conversions between PostgreSQL Datums and the C++ values the domain code uses:
// uuid, numeric (as cents / thousandths), text, jsonb, timestamptz, int, bool.
// Every function that can ereport goes through pg::call and therefore throws PgError.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "core/money.hpp"
#include "pg/postgres.hpp"

namespace mps::pg {

// Datum -> C++ (the Datum must be of the named type).
std::string text_value(Datum d);
Uuid uuid_value(Datum d) noexcept;
std::string numeric_text(Datum d);  // numeric_out: "12.30", "NaN", "Infinity"
std::string jsonb_text(Datum d);

// C++ -> Datum, allocated in CurrentMemoryContext.
Datum text_datum(std::string_view s);
Datum uuid_datum(const Uuid& id);
Datum cents_datum(int64_t cents);           // numeric with two decimals
Datum thousandths_datum(int32_t thousandths);  // numeric with three decimals
Datum bytea_datum(const uint8_t* data, size_t len);
Datum jsonb_datum(std::string_view json);  // parses; invalid JSON raises PgError

// Function arguments: nullopt when the argument is SQL NULL.
std::optional<std::string> arg_text(FunctionCallInfo fcinfo, int n);
std::optional<Uuid> arg_uuid(FunctionCallInfo fcinfo, int n);
std::optional<int32_t> arg_int32(FunctionCallInfo fcinfo, int n);
std::optional<std::string> arg_numeric_text(FunctionCallInfo fcinfo, int n);
std::optional<std::string> arg_jsonb_text(FunctionCallInfo fcinfo, int n);

}  // namespace mps::pg
