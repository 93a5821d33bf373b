// Validation of RPC arguments into domain values. Every rejection is an AppError with a
// stable code (INVALID_AMOUNT, INVALID_ARGUMENT, INVALID_TAG, INVALID_QR_FORMAT), raised
// before anything is read or written.
#pragma once

#include <optional>
#include <string>

#include "core/ids.hpp"
#include "pg/postgres.hpp"

namespace mps::rpc {

// A positive amount of at most 9999999999.99 with at most two decimals, in cents.
int64_t amount_arg(FunctionCallInfo fcinfo, int n, const char* name);
// Same, for a numeric argument that may be absent (SQL NULL): nullopt.
std::optional<int64_t> optional_amount_arg(FunctionCallInfo fcinfo, int n, const char* name);

// Length in characters of UTF-8 text (the database encoding).
size_t utf8_length(const std::string& s);

// Non-NULL, non-blank text of at most max_len characters.
std::string required_text_arg(FunctionCallInfo fcinfo, int n, const char* name, size_t max_len);
// NULL -> nullopt; otherwise as required_text_arg (blank text is rejected, not ignored).
std::optional<std::string> optional_text_arg(FunctionCallInfo fcinfo, int n, const char* name, size_t max_len);
// Free text (reasons): NULL or blank -> nullopt; longer than max_len rejected.
std::optional<std::string> note_arg(FunctionCallInfo fcinfo, int n, const char* name, size_t max_len);

Uuid required_uuid_arg(FunctionCallInfo fcinfo, int n, const char* name);

// A jsonb object of at most 4 kB; NULL -> '{}'. Returned as a Datum ready for SPI.
Datum tag_arg(FunctionCallInfo fcinfo, int n);

// A QR token of the exact shape mps issues.
std::string qr_arg(FunctionCallInfo fcinfo, int n);

// An identifier-like value: 1..max_len of [a-z0-9_] (payment methods, roles).
std::string word_arg(FunctionCallInfo fcinfo, int n, const char* name, size_t max_len, const char* fallback);

}  // namespace mps::rpc
