// Money as integer cents and discounts as integer thousandths (ARCHITECTURE.md §4). Pure C++.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mps {

// numeric(12,2): at most 9999999999.99.
inline constexpr int64_t kMaxCents = 999999999999;
// numeric(4,3) discount: 1.000 = no discount.
inline constexpr int32_t kFullPriceThousandths = 1000;

enum class ParseStatus { Ok, NotANumber, Infinite, Malformed, TooManyDecimals, OutOfRange };

struct ParsedCents {
    ParseStatus status;
    int64_t cents;  // valid when status == Ok; may be zero or negative
};

// Parses PostgreSQL numeric text output ("-12.30", "NaN", "Infinity", "1e20" never occurs
// because numeric_out prints plain digits). Rejects more than two significant decimals
// (trailing zeros are fine: "1.500" is 150 cents) and magnitudes over kMaxCents.
ParsedCents parse_cents(std::string_view text) noexcept;

// A non-negative plain decimal ("0.85", "1", "0.0060") scaled by 10^decimals; nullopt for a
// sign, NaN, more significant decimals than that, or anything else.
std::optional<int64_t> parse_fixed(std::string_view text, int decimals) noexcept;

// A discount as numeric text ("0.85", "0.850", "1") in thousandths; nullopt unless it is a
// plain decimal with at most three significant decimals in (0, 1].
std::optional<int32_t> parse_thousandths(std::string_view text) noexcept;

// round_half_away_from_zero(cents × rate / 10000): a fee at a rate in ten-thousandths
// (0.0060 is 60), identical to round(amount * rate, 2). |cents| must stay within 1e14.
int64_t apply_rate(int64_t cents, int32_t ten_thousandths) noexcept;

// "1234.50" / "-0.05": the text numeric_in accepts for an amount of cents.
std::string format_cents(int64_t cents);
// "0.950"
std::string format_thousandths(int32_t thousandths);

// round_half_away_from_zero(cents × thousandths / 1000), identical to
// round(amount * discount, 2) in PostgreSQL. Inputs are bounded (|cents| ≤ kMaxCents,
// 0 ≤ thousandths ≤ 1000), so the product fits in int64.
int64_t apply_discount(int64_t cents, int32_t thousandths) noexcept;

// floor(cents / 100) for a positive amount: the points a payment earns.
inline int64_t whole_units(int64_t cents) noexcept { return cents / 100; }

// a + b and a - b when the result stays within [0, kMaxCents]; nullopt otherwise.
std::optional<int64_t> add_cents(int64_t a, int64_t b) noexcept;
std::optional<int64_t> sub_cents(int64_t a, int64_t b) noexcept;

}  // namespace mps
