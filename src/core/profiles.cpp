#include "core/profiles.hpp"

namespace mps {

namespace {

bool lower_or_digit(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }

}  // namespace

bool is_slug(std::string_view s) noexcept {
    if (s.empty() || s.size() > 100 || s.front() == '-' || s.back() == '-') return false;
    char prev = 0;
    for (char c : s) {
        if (c == '-' ? prev == '-' : !lower_or_digit(c)) return false;
        prev = c;
    }
    return true;
}

bool is_region(std::string_view s) noexcept {
    if (s.size() < 2 || !upper(s[0]) || !upper(s[1])) return false;
    if (s.size() == 2) return true;
    if (s[2] != '-' || s.size() < 4 || s.size() > 6) return false;
    for (char c : s.substr(3))
        if (!upper(c) && !(c >= '0' && c <= '9')) return false;
    return true;
}

bool is_web_url(std::string_view s) noexcept {
    const bool scheme = s.substr(0, 8) == "https://" || s.substr(0, 7) == "http://";
    if (!scheme || s.size() <= 8) return false;
    for (unsigned char c : s)
        if (c <= ' ' || c == 0x7f) return false;
    return true;
}

}  // namespace mps
