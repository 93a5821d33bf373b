#include "core/wallet.hpp"

#include <sodium.h>

#include "core/ids.hpp"

namespace mps {

namespace {

bool alnum(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

// A QR token is the same secret, 32 CSPRNG bytes in 43 base64url characters, behind its prefix.
std::string new_pass_token() { return new_qr_token().substr(kQrPrefix.size()); }

bool pass_token_matches(std::string_view given, std::string_view stored) noexcept {
    if (given.size() != stored.size() || stored.empty()) return false;
    return sodium_memcmp(given.data(), stored.data(), stored.size()) == 0;
}

std::optional<int64_t> parse_pass_tag(std::string_view text) noexcept {
    if (text.empty() || text.size() > 19) return std::nullopt;
    uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + uint64_t(c - '0');
    }
    if (v > uint64_t(INT64_MAX)) return std::nullopt;
    return int64_t(v);
}

bool is_token_text(std::string_view s, size_t max_len, std::string_view extra) noexcept {
    if (s.empty() || s.size() > max_len) return false;
    for (char c : s)
        if (!alnum(c) && extra.find(c) == std::string_view::npos) return false;
    return true;
}

bool is_team_identifier(std::string_view s) noexcept {
    if (s.size() != 10) return false;
    for (char c : s)
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
    return true;
}

bool is_pass_type_identifier(std::string_view s, size_t max_len) noexcept {
    if (s.size() > max_len || s.size() < 6 || s.substr(0, 5) != "pass.") return false;
    std::string_view rest = s.substr(5);
    size_t label = 0;
    for (char c : rest) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
        } else if (alnum(c) || c == '-') {
            ++label;
        } else {
            return false;
        }
    }
    return label > 0;
}

bool is_https_url(std::string_view s) noexcept {
    constexpr std::string_view scheme = "https://";
    if (s.size() > 500 || s.substr(0, scheme.size()) != scheme) return false;
    std::string_view rest = s.substr(scheme.size());
    const size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    const size_t colon = authority.find(':');
    std::string_view host = authority.substr(0, colon);
    if (!is_token_text(host, 253, ".-")) return false;
    if (colon != std::string_view::npos) {
        std::string_view port = authority.substr(colon + 1);
        if (port.empty() || port.size() > 5) return false;
        for (char c : port)
            if (c < '0' || c > '9') return false;
    }
    return path.empty() || is_token_text(path, 500, "._~/-");
}

bool is_google_issuer_id(std::string_view s) noexcept {
    if (s.empty() || s.size() > 25) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace mps
