#include "core/ids.hpp"

#include <sodium.h>

namespace mps {

namespace {
int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::optional<Uuid> parse_uuid(std::string_view text) noexcept {
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}') text = text.substr(1, text.size() - 2);
    Uuid id;
    size_t out = 0;
    bool hyphenated = text.size() == 36;
    if (!hyphenated && text.size() != 32) return std::nullopt;
    for (size_t i = 0; i < text.size();) {
        if (hyphenated && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (text[i] != '-') return std::nullopt;
            ++i;
            continue;
        }
        int hi = hex_value(text[i]);
        int lo = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
        if (hi < 0 || lo < 0 || out >= 16) return std::nullopt;
        id.bytes[out++] = uint8_t(hi << 4 | lo);
        i += 2;
    }
    if (out != 16) return std::nullopt;
    return id;
}

std::string format_uuid(const Uuid& id) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
        s.push_back(digits[id.bytes[i] >> 4]);
        s.push_back(digits[id.bytes[i] & 15]);
    }
    return s;
}

Uuid random_uuid() noexcept {
    Uuid id;
    randombytes_buf(id.bytes.data(), id.bytes.size());
    id.bytes[6] = uint8_t((id.bytes[6] & 0x0f) | 0x40);  // version 4
    id.bytes[8] = uint8_t((id.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
    return id;
}

std::string new_qr_token() {
    uint8_t raw[32];
    randombytes_buf(raw, sizeof raw);
    char encoded[64];
    sodium_bin2base64(encoded, sizeof encoded, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    std::string token(kQrPrefix);
    token += encoded;
    sodium_memzero(encoded, sizeof encoded);
    return token;
}

std::string new_card_code(std::string_view card_no) {
    uint8_t raw[16];
    randombytes_buf(raw, sizeof raw);
    char encoded[32];
    sodium_bin2base64(encoded, sizeof encoded, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    std::string code(kCardCodePrefix);
    code += card_no;
    code += '/';
    code += encoded;
    return code;
}

bool is_qr_token(std::string_view text) noexcept {
    if (text.size() != kQrTokenLength || text.substr(0, kQrPrefix.size()) != kQrPrefix) return false;
    for (char c : text.substr(kQrPrefix.size())) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

QrDigest qr_digest(std::string_view token) noexcept {
    QrDigest digest;
    crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                       nullptr, 0);
    return digest;
}

}  // namespace mps
