// Wallet passes (src/rpc/wallet.cpp): the shapes of what Apple Wallet and the PassKit web
// service send, the pass authentication token, and the update tag. Pure C++ plus libsodium.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mps {

// A pass's authentication token: 32 random bytes as 43 base64url characters (Apple wants at
// least 16 characters). Kept in app.wallet_passes, handed out only inside the pass.
inline constexpr size_t kPassTokenLength = 43;
std::string new_pass_token();
// Constant-time comparison of a token a device sent with the stored one (sodium_memcmp); a
// token of another length never matches (all tokens have the same length, so that says nothing).
bool pass_token_matches(std::string_view given, std::string_view stored) noexcept;

// An update tag: a card's updated_at in microseconds since 1970 as decimal digits (1..19 digits,
// within int64). nullopt for anything else.
std::optional<int64_t> parse_pass_tag(std::string_view text) noexcept;

// How far back from a tag a "changed since" question looks (ARCHITECTURE.md §3 / README "Wallet
// passes"): a card's updated_at is its transaction's start (now()), and transactions commit out
// of order, so a change can become visible after a tag later than it was handed out. Every
// change whose transaction took less than this from start to commit is seen; passes changed
// within the window before the tag are listed again (harmless: the device fetches them again).
inline constexpr int64_t kPassTagWindowMicros = int64_t(600) * 1000000;  // 10 minutes

// Shapes (the same as the CHECKs of sql/install/37_wallet.sql):
// Apple team id: 10 of [A-Z0-9].
bool is_team_identifier(std::string_view s) noexcept;
// Pass type id: "pass" then one or more ".label" of [A-Za-z0-9-], at most max_len characters.
bool is_pass_type_identifier(std::string_view s, size_t max_len) noexcept;
// The web service's base URL: https://host[:port][/path] of URL-safe characters, at most 500.
bool is_https_url(std::string_view s) noexcept;
// Google Wallet issuer id: 1..25 digits.
bool is_google_issuer_id(std::string_view s) noexcept;
// 1..max_len characters, each a letter, a digit or one of `extra`.
bool is_token_text(std::string_view s, size_t max_len, std::string_view extra) noexcept;

}  // namespace mps
