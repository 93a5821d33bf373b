// Wallet passes (src/core/wallet.hpp): tokens, tags and the shapes of identifiers.
#include <set>
#include <string>

#include "core/wallet.hpp"
#include "tap.hpp"

using namespace mps;

TAP_SUITE(wallet_tokens) {
    std::set<std::string> seen;
    bool shape = true;
    for (int i = 0; i < 100; ++i) {
        std::string t = new_pass_token();
        shape = shape && t.size() == kPassTokenLength && is_token_text(t, kPassTokenLength, "_-");
        seen.insert(t);
    }
    tap::ok(shape, "a pass token is 43 base64url characters");
    tap::is(seen.size(), size_t(100), "100 pass tokens are all different");
    const std::string t = new_pass_token();
    tap::ok(pass_token_matches(t, t), "a token matches itself");
    std::string other = t;
    other[42] = other[42] == 'A' ? 'B' : 'A';
    tap::ok(!pass_token_matches(other, t), "one character off does not match");
    tap::ok(!pass_token_matches(t.substr(0, 42), t), "a prefix does not match");
    tap::ok(!pass_token_matches("", ""), "an empty stored token never matches");
}

TAP_SUITE(wallet_tags) {
    tap::ok(parse_pass_tag("1767225600000000") == std::optional<int64_t>(1767225600000000), "a tag parses");
    tap::ok(parse_pass_tag("9223372036854775807").has_value(), "int64 max parses");
    tap::ok(!parse_pass_tag("9223372036854775808"), "past int64 max is refused");
    tap::ok(!parse_pass_tag("99999999999999999999"), "20 digits are refused");
    tap::ok(!parse_pass_tag(""), "empty is refused");
    tap::ok(!parse_pass_tag("-1"), "a sign is refused");
    tap::ok(!parse_pass_tag("12 "), "a space is refused");
}

TAP_SUITE(wallet_shapes) {
    tap::ok(is_team_identifier("ABC123DEF4"), "seed 003's team id");
    tap::ok(!is_team_identifier("abc123def4"), "lower case team id refused");
    tap::ok(!is_team_identifier("ABC123DEF"), "9 characters refused");
    tap::ok(is_pass_type_identifier("pass.com.vitaglobal", 150), "seed 003's pass type id");
    tap::ok(is_pass_type_identifier("pass.com.vitaglobal.org.nyu-cssa", 255), "an organisation's pass type id");
    tap::ok(!is_pass_type_identifier("pass.", 150), "an empty label refused");
    tap::ok(!is_pass_type_identifier("pass.com..x", 150), "two dots refused");
    tap::ok(!is_pass_type_identifier("pass.com.", 150), "a trailing dot refused");
    tap::ok(!is_pass_type_identifier("com.vitaglobal", 150), "without pass. refused");
    tap::ok(!is_pass_type_identifier("pass.com/x", 150), "a slash refused");
    tap::ok(is_https_url("https://api.vitaglobal.com/passkit"), "an https URL");
    tap::ok(is_https_url("https://localhost:8443"), "with a port, without a path");
    tap::ok(!is_https_url("http://api.vitaglobal.com"), "http refused");
    tap::ok(!is_https_url("https://"), "no host refused");
    tap::ok(!is_https_url("https://a.com:/x"), "an empty port refused");
    tap::ok(!is_https_url("https://a.com/x?y=1"), "a query refused");
    tap::ok(is_google_issuer_id("3388000000012345678"), "a Google issuer id");
    tap::ok(!is_google_issuer_id("33880x"), "non-digits refused");
    tap::ok(is_token_text("a-b_c.d", 10, "._-"), "token text with extras");
    tap::ok(!is_token_text("a b", 10, "._-"), "a space is not token text");
    tap::ok(!is_token_text("abcdefghijk", 10, ""), "too long");
}
