// Numbers shown to people (src/core/numbers.hpp): Luhn check digits and random numbers.
#include <set>
#include <string>

#include "core/numbers.hpp"
#include "tap.hpp"

using namespace mps;

TAP_SUITE(numbers_luhn) {
    tap::is(luhn_check_digit("7992739871"), '3', "the Luhn check digit of 7992739871 is 3 (the textbook example)");
    tap::ok(luhn_valid("79927398713"), "79927398713 is valid");
    tap::ok(!luhn_valid("79927398710"), "a wrong check digit is refused");
    tap::ok(!luhn_valid("79927398731"), "two swapped adjacent digits are refused");
    tap::ok(!luhn_valid("7992739871a"), "a non-digit is refused");
    tap::ok(!luhn_valid("7"), "a single digit is no number");
    tap::is(luhn_check_digit("0"), '0', "the check digit of 0 is 0");
    // Every single-digit typo of a number is detected.
    std::string n = "4992739871";
    n.push_back(luhn_check_digit(n));
    bool all = true;
    for (size_t i = 0; i < n.size(); ++i)
        for (char c = '0'; c <= '9'; ++c) {
            if (c == n[i]) continue;
            std::string typo = n;
            typo[i] = c;
            all = all && !luhn_valid(typo);
        }
    tap::ok(all, "every single-digit typo is detected");
}

TAP_SUITE(numbers_random) {
    std::string card = random_number("STD", "", kCardNumberDigits);
    tap::is(card.size(), size_t(3 + kCardNumberDigits + 1), "a card number is the prefix and 12 digits");
    tap::ok(card.compare(0, 3, "STD") == 0 && luhn_valid(card.substr(3)), "its digits carry a valid check digit");
    std::string tx = random_number("PAY", "20261201", kTxNumberDigits);
    tap::ok(tx.compare(0, 11, "PAY20261201") == 0 && tx.size() == 11 + kTxNumberDigits + 1,
            "a transaction number is the prefix, the date, 11 random digits and a check digit");
    tap::ok(luhn_valid(tx.substr(3)), "the check digit covers the date too");
    std::set<std::string> seen;
    bool valid = true;
    int digit_count[10] = {};
    for (int i = 0; i < 20000; ++i) {
        std::string m = random_number("M", "", kMemberNumberDigits);
        valid = valid && m.size() == 11 && luhn_valid(m.substr(1));
        for (size_t k = 1; k + 1 < m.size(); ++k) ++digit_count[m[k] - '0'];
        seen.insert(m);
    }
    tap::ok(valid, "20000 member numbers are M + 10 digits with a valid check digit");
    tap::ok(seen.size() >= 19990, "20000 random member numbers collide at most a handful of times (10^9 space)");
    bool uniform = true;
    for (int d = 0; d < 10; ++d) uniform = uniform && digit_count[d] > 16000 && digit_count[d] < 20000;
    tap::ok(uniform, "the random digits are spread evenly (each digit 16000..20000 times of 180000)");
}
