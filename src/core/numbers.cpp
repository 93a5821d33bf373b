#include "core/numbers.hpp"

#include <sodium.h>

namespace mps {

char luhn_check_digit(std::string_view digits) noexcept {
    // Double every second digit from the right, counting the check digit to come as the first.
    int sum = 0;
    bool twice = true;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        int d = *it - '0';
        if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        twice = !twice;
    }
    return char('0' + (10 - sum % 10) % 10);
}

bool luhn_valid(std::string_view digits) noexcept {
    if (digits.size() < 2) return false;
    for (char c : digits)
        if (c < '0' || c > '9') return false;
    return luhn_check_digit(digits.substr(0, digits.size() - 1)) == digits.back();
}

std::string random_number(std::string_view prefix, std::string_view fixed, int random_digits) {
    std::string body(fixed);
    for (int i = 0; i < random_digits; ++i) body.push_back(char('0' + randombytes_uniform(10)));
    std::string out(prefix);
    out += body;
    out.push_back(luhn_check_digit(body));
    return out;
}

}  // namespace mps
