#include "core/money.hpp"

#include <cstdio>

namespace mps {

ParsedCents parse_cents(std::string_view text) noexcept {
    if (text == "NaN") return {ParseStatus::NotANumber, 0};
    if (text == "Infinity" || text == "-Infinity") return {ParseStatus::Infinite, 0};
    size_t i = 0;
    bool negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
    int64_t units = 0;
    size_t int_digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++int_digits) {
        if (units > kMaxCents / 100) return {ParseStatus::OutOfRange, 0};
        units = units * 10 + (text[i] - '0');
    }
    int64_t frac = 0;
    size_t frac_digits = 0;
    if (i < text.size() && text[i] == '.') {
        for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++frac_digits) {
            int digit = text[i] - '0';
            if (frac_digits < 2) {
                frac = frac * 10 + digit;
            } else if (digit != 0) {
                return {ParseStatus::TooManyDecimals, 0};
            }
        }
    }
    if (i != text.size() || (int_digits == 0 && frac_digits == 0)) return {ParseStatus::Malformed, 0};
    if (frac_digits == 1) frac *= 10;
    if (units > kMaxCents / 100) return {ParseStatus::OutOfRange, 0};
    int64_t cents = units * 100 + frac;
    if (cents > kMaxCents) return {ParseStatus::OutOfRange, 0};
    return {ParseStatus::Ok, negative ? -cents : cents};
}

std::optional<int64_t> parse_fixed(std::string_view text, int decimals) noexcept {
    size_t i = 0;
    int64_t units = 0;
    size_t int_digits = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++int_digits) {
        units = units * 10 + (text[i] - '0');
        if (units > 1000000) return std::nullopt;  // far beyond any rate or discount
    }
    int64_t frac = 0;
    int frac_digits = 0;
    if (i < text.size() && text[i] == '.') {
        for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++frac_digits) {
            const int digit = text[i] - '0';
            if (frac_digits < decimals) {
                frac = frac * 10 + digit;
            } else if (digit != 0) {
                return std::nullopt;
            }
        }
    }
    if (i != text.size() || (int_digits == 0 && frac_digits == 0)) return std::nullopt;
    int64_t scale = 1;
    for (int d = 0; d < decimals; ++d) scale *= 10;
    for (int d = frac_digits; d < decimals; ++d) frac *= 10;
    return units * scale + frac;
}

std::optional<int32_t> parse_thousandths(std::string_view text) noexcept {
    const std::optional<int64_t> v = parse_fixed(text, 3);
    if (!v || *v <= 0 || *v > kFullPriceThousandths) return std::nullopt;
    return int32_t(*v);
}

int64_t apply_rate(int64_t cents, int32_t ten_thousandths) noexcept {
    const int64_t product = cents * ten_thousandths;  // |cents| <= 1e14, rate < 1e4: no overflow
    const int64_t magnitude = product < 0 ? -product : product;
    const int64_t rounded = (magnitude + 5000) / 10000;  // half away from zero
    return product < 0 ? -rounded : rounded;
}

std::string format_cents(int64_t cents) {
    char buf[32];
    uint64_t magnitude = cents < 0 ? uint64_t(-(cents + 1)) + 1 : uint64_t(cents);
    std::snprintf(buf, sizeof buf, "%s%llu.%02llu", cents < 0 ? "-" : "",
                  static_cast<unsigned long long>(magnitude / 100), static_cast<unsigned long long>(magnitude % 100));
    return buf;
}

std::string format_thousandths(int32_t thousandths) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%d.%03d", thousandths / 1000, thousandths % 1000);
    return buf;
}

int64_t apply_discount(int64_t cents, int32_t thousandths) noexcept {
    int64_t product = cents * thousandths;  // ≤ 1e12 × 1e3: no overflow
    int64_t magnitude = product < 0 ? -product : product;
    int64_t rounded = (magnitude + 500) / 1000;  // half away from zero
    return product < 0 ? -rounded : rounded;
}

std::optional<int64_t> add_cents(int64_t a, int64_t b) noexcept {
    int64_t sum;
    if (__builtin_add_overflow(a, b, &sum) || sum < 0 || sum > kMaxCents) return std::nullopt;
    return sum;
}

std::optional<int64_t> sub_cents(int64_t a, int64_t b) noexcept {
    int64_t diff;
    if (__builtin_sub_overflow(a, b, &diff) || diff < 0 || diff > kMaxCents) return std::nullopt;
    return diff;
}

}  // namespace mps
