// Money in cents (src/core/money.hpp): parsing PostgreSQL numeric text, formatting, rounding
// a discount half away from zero, and overflow-checked sums.
#include <cstdint>
#include <limits>

#include "core/money.hpp"
#include "tap.hpp"

using namespace mps;

namespace {

void parses(const char* text, int64_t cents) {
    ParsedCents p = parse_cents(text);
    tap::ok(p.status == ParseStatus::Ok && p.cents == cents,
            std::string("parse_cents(\"") + text + "\") = " + std::to_string(cents));
}

void refuses(const char* text, ParseStatus status) {
    tap::ok(parse_cents(text).status == status,
            std::string("parse_cents(\"") + text + "\") is refused with the right status");
}

}  // namespace

TAP_SUITE(money_parse) {
    parses("0", 0);
    parses("0.00", 0);
    parses("1", 100);
    parses("1.5", 150);
    parses("1.50", 150);
    parses("1.500", 150);  // trailing zeros are not decimals
    parses("1.5000000000000", 150);
    parses(".5", 50);
    parses("12.", 1200);
    parses("+3.07", 307);
    parses("-0.05", -5);  // the sign is kept; callers refuse <= 0
    parses("9999999999.99", kMaxCents);
    parses("0009999999999.99", kMaxCents);
    refuses("NaN", ParseStatus::NotANumber);
    refuses("Infinity", ParseStatus::Infinite);
    refuses("-Infinity", ParseStatus::Infinite);
    refuses("1.501", ParseStatus::TooManyDecimals);
    refuses("0.001", ParseStatus::TooManyDecimals);
    refuses("10000000000.00", ParseStatus::OutOfRange);
    refuses("10000000000", ParseStatus::OutOfRange);
    refuses("99999999999999999999999999999", ParseStatus::OutOfRange);  // no int64 overflow
    refuses("", ParseStatus::Malformed);
    refuses(".", ParseStatus::Malformed);
    refuses("-", ParseStatus::Malformed);
    refuses("1e5", ParseStatus::Malformed);
    refuses("12 ", ParseStatus::Malformed);
    refuses("1,50", ParseStatus::Malformed);
    refuses("0x10", ParseStatus::Malformed);
}

TAP_SUITE(money_format) {
    tap::is(format_cents(0), "0.00", "format_cents(0)");
    tap::is(format_cents(5), "0.05", "format_cents(5)");
    tap::is(format_cents(-5), "-0.05", "format_cents(-5)");
    tap::is(format_cents(123456), "1234.56", "format_cents(123456)");
    tap::is(format_cents(kMaxCents), "9999999999.99", "format_cents(max)");
    tap::is(format_cents(std::numeric_limits<int64_t>::min()), "-92233720368547758.08",
            "format_cents(INT64_MIN) does not overflow");
    tap::is(format_thousandths(950), "0.950", "format_thousandths(950)");
    tap::is(format_thousandths(1000), "1.000", "format_thousandths(1000)");
    tap::is(format_thousandths(5), "0.005", "format_thousandths(5)");
    for (int64_t c : {int64_t(1), int64_t(99), int64_t(100), int64_t(101), int64_t(987654321), kMaxCents}) {
        ParsedCents back = parse_cents(format_cents(c));
        tap::ok(back.status == ParseStatus::Ok && back.cents == c,
                "parse_cents(format_cents(" + std::to_string(c) + ")) round-trips");
    }
}

TAP_SUITE(money_discount) {
    // final = round_half_away_from_zero(cents x thousandths / 1000), as PostgreSQL's round(x, 2).
    tap::is(apply_discount(100000, 950), int64_t(95000), "1000.00 at 0.950 is 950.00");
    tap::is(apply_discount(1, 500), int64_t(1), "0.01 at 0.500 is 0.005, rounded half away from zero to 0.01");
    tap::is(apply_discount(1, 499), int64_t(0), "0.01 at 0.499 is 0.00499, rounded to 0.00");
    tap::is(apply_discount(3, 500), int64_t(2), "0.03 at 0.500 is 0.015, rounded to 0.02");
    tap::is(apply_discount(29900, 850), int64_t(25415), "299.00 at 0.850 is 254.15");
    tap::is(apply_discount(333, 333), int64_t(111), "3.33 at 0.333 is 1.10889, rounded to 1.11");
    tap::is(apply_discount(-1, 500), int64_t(-1), "-0.01 at 0.500 rounds away from zero to -0.01");
    tap::is(apply_discount(kMaxCents, 1000), kMaxCents, "the largest amount at full price is unchanged");
    tap::is(apply_discount(kMaxCents, 1), int64_t(1000000000), "the largest amount at 0.001 does not overflow");
    // Against an independent formula: the exact product in tenths of a thousandth, rounded by hand.
    bool all = true;
    for (int64_t c = 0; c <= 20000 && all; c += 7)
        for (int32_t d = 1; d <= 1000 && all; d += 13) {
            int64_t exact = c * d;  // in 1/1000 cents
            int64_t expected = exact / 1000 + (exact % 1000 >= 500 ? 1 : 0);
            all = apply_discount(c, d) == expected;
        }
    tap::ok(all, "apply_discount agrees with half-up rounding of the exact product on a grid of amounts and discounts");
}

TAP_SUITE(money_arithmetic) {
    tap::ok(add_cents(1, 2) == std::optional<int64_t>(3), "add_cents(1, 2) = 3");
    tap::ok(!add_cents(kMaxCents, 1), "add_cents past the column's range is refused");
    tap::ok(add_cents(kMaxCents - 1, 1) == std::optional<int64_t>(kMaxCents), "add_cents up to the range is allowed");
    tap::ok(!add_cents(std::numeric_limits<int64_t>::max(), 1), "add_cents does not overflow int64");
    tap::ok(!sub_cents(1, 2), "sub_cents below zero is refused");
    tap::ok(sub_cents(5, 5) == std::optional<int64_t>(0), "sub_cents to zero is allowed");
    tap::ok(!sub_cents(std::numeric_limits<int64_t>::min(), 1), "sub_cents does not overflow int64");
    tap::is(whole_units(199), int64_t(1), "1.99 earns 1 point");
    tap::is(whole_units(100), int64_t(1), "1.00 earns 1 point");
    tap::is(whole_units(99), int64_t(0), "0.99 earns no point");
}
