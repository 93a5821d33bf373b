// Validation of RPC arguments into domain values. Every rejection is an AppError with a
// stable code (INVALID_AMOUNT, INVALID_ARGUMENT, INVALID_TAG, INVALID_QR_FORMAT), raised
// before anything is read or written; messages name the parameter as MPS_ENTRY declared it.
// Readers of optional parameters treat a parameter the SQL declaration does not pass as NULL
// (pg/entry.hpp); readers of required ones raise EXTENSION_VERSION_MISMATCH for it.
#pragma once

#include <optional>
#include <string>

#include "core/ids.hpp"
#include "core/labels.hpp"
#include "core/pages.hpp"
#include "pg/entry.hpp"

namespace mps::common {

// A positive amount of at most 9999999999.99 with at most two decimals, in cents.
int64_t amount_arg(const pg::Args& args, int n);
// Same, for a numeric argument that may be absent (SQL NULL): nullopt.
std::optional<int64_t> optional_amount_arg(const pg::Args& args, int n);

// Length in characters of UTF-8 text (the database encoding).
size_t utf8_length(const std::string& s);

// Non-NULL, non-blank text of at most max_len characters.
std::string required_text_arg(const pg::Args& args, int n, size_t max_len);
// NULL -> nullopt; otherwise as required_text_arg (blank text is rejected, not ignored).
std::optional<std::string> optional_text_arg(const pg::Args& args, int n, size_t max_len);
// Free text (reasons): NULL or blank -> nullopt; longer than max_len rejected.
std::optional<std::string> note_arg(const pg::Args& args, int n, size_t max_len);
// Text taken as it is (a password): NULL -> nullopt.
std::optional<std::string> raw_text_arg(const pg::Args& args, int n);

Uuid required_uuid_arg(const pg::Args& args, int n);
// A uuid argument: NULL -> nullopt.
std::optional<Uuid> optional_uuid_arg(const pg::Args& args, int n);

// A non-zero signed amount (a balance correction) of at most 9999999999.99 either way, in cents.
int64_t signed_amount_arg(const pg::Args& args, int n);

// A discount in (0, 1] with at most three decimals, in thousandths (INVALID_ARGUMENT otherwise).
int32_t discount_arg(const pg::Args& args, int n);

// A finite timestamptz: NULL -> nullopt; infinity is rejected.
std::optional<TimestampTz> optional_timestamptz_arg(const pg::Args& args, int n);

// A card type as the seeds name it too (personal, enterprise; text or app.card_type): NULL -> nullopt.
std::optional<CardType> card_type_arg(const pg::Args& args, int n);

// A password to set: 8..128 characters (NULL -> nullopt).
std::optional<std::string> new_password_arg(const pg::Args& args, int n);

// A page size: NULL -> kDefaultPageSize; 1..kMaxPageSize.
int32_t page_limit_arg(const pg::Args& args, int n);
// A page cursor (core/pages.hpp) as a previous page returned it: NULL -> nullopt (first page).
std::optional<PageCursor> cursor_arg(const pg::Args& args, int n);

// An int4 argument: NULL -> nullopt.
std::optional<int32_t> optional_int32_arg(const pg::Args& args, int n);
// An int8 argument: NULL -> nullopt.
std::optional<int64_t> optional_int64_arg(const pg::Args& args, int n);

// A jsonb object of at most 4 kB; NULL -> '{}'. Returned as a Datum ready for SPI.
Datum tag_arg(const pg::Args& args, int n);

// A jsonb argument of the given shape (a JSON object or array) of at most max_bytes; NULL ->
// nullopt. INVALID_ARGUMENT otherwise. Returned as a Datum ready for SPI.
enum class JsonShape { Object, Array };
std::optional<Datum> json_arg(const pg::Args& args, int n, JsonShape shape, size_t max_bytes);

// A boolean argument: NULL -> nullopt.
std::optional<bool> optional_bool_arg(const pg::Args& args, int n);

// A finite date: NULL -> nullopt; infinity is rejected.
std::optional<DateADT> optional_date_arg(const pg::Args& args, int n);

// A percentage off in [0, 100) with at most one decimal (a partnership's discount rate, 10.5 =
// 10.5 % off), in tenths of a percent; NULL -> nullopt.
std::optional<int32_t> optional_percent_arg(const pg::Args& args, int n);

// A QR token of the exact shape mps issues.
std::string qr_arg(const pg::Args& args, int n);

// An identifier-like value: 1..max_len of [a-z0-9_] (payment methods, roles); NULL -> fallback.
std::string word_arg(const pg::Args& args, int n, size_t max_len, const char* fallback);

}  // namespace mps::common
