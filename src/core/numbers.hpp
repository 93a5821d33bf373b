// Numbers shown to people — member, card and transaction numbers (ARCHITECTURE.md §3): random
// digits from libsodium's CSPRNG with a Luhn check digit, from no counter, so they reveal
// nothing about volume and need no per-node sequence. Uniqueness is held by a registry; the
// caller retries on a collision. Pure C++ plus libsodium.
#pragma once

#include <string>
#include <string_view>

namespace mps {

// The Luhn check digit ('0'..'9') of a string of digits.
char luhn_check_digit(std::string_view digits) noexcept;
// True when the last digit is the Luhn check digit of the others (all characters digits).
bool luhn_valid(std::string_view digits) noexcept;

// prefix + fixed + `random_digits` random digits + the Luhn check digit of fixed and the
// random digits; e.g. ("PAY", "20261201", 11) -> "PAY20261201" + 11 digits + 1 check digit.
std::string random_number(std::string_view prefix, std::string_view fixed, int random_digits);

// Digits of each kind of number (after the prefix, before the check digit).
inline constexpr int kMemberNumberDigits = 9;  // M + 10 digits
inline constexpr int kCardNumberDigits = 11;   // STD/PRE/COR/VCH + 12 digits
inline constexpr int kTxNumberDigits = 11;     // PAY/REF/RCG/ADJ + YYYYMMDD + 12 digits

}  // namespace mps
