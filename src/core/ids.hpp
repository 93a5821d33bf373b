// Identifiers and secrets: uuids and QR tokens. Pure C++ plus libsodium.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mps {

struct Uuid {
    std::array<uint8_t, 16> bytes{};
    bool operator==(const Uuid& o) const noexcept { return bytes == o.bytes; }
    bool operator!=(const Uuid& o) const noexcept { return bytes != o.bytes; }
};

// Canonical 8-4-4-4-12 text, lower case; braces and upper case accepted on input like
// PostgreSQL's uuid_in (hyphen-less 32 digits too).
std::optional<Uuid> parse_uuid(std::string_view text) noexcept;
std::string format_uuid(const Uuid& id);
// A random (version 4) uuid from libsodium's CSPRNG.
Uuid random_uuid() noexcept;

// QR tokens (ARCHITECTURE.md §3): 32 random bytes shown once as "mpsq1" + 43 base64url characters;
// only their BLAKE2b-256 digest is stored, so a scan is one index lookup.
inline constexpr std::string_view kQrPrefix = "mpsq1";
inline constexpr size_t kQrTokenLength = 5 + 43;
inline constexpr size_t kQrDigestLength = 32;

using QrDigest = std::array<uint8_t, kQrDigestLength>;

std::string new_qr_token();
// True when text has the exact shape of a token (prefix, length, alphabet).
bool is_qr_token(std::string_view text) noexcept;
QrDigest qr_digest(std::string_view token) noexcept;

// A card's static identification payload (app.member_cards.qr_code_data: loyalty scans, wallet
// pass barcodes): "vitaglobal://card/<card_no>/" + 22 base64url characters of 16 random bytes,
// so that a card number alone does not make a valid code. Never a payment credential.
inline constexpr std::string_view kCardCodePrefix = "vitaglobal://card/";
std::string new_card_code(std::string_view card_no);

}  // namespace mps
