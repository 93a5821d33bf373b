// Identifiers and secrets (src/core/ids.hpp, src/core/fingerprint.hpp): uuid text, QR token
// shape and digest, request fingerprints.
#include <cstdio>
#include <set>
#include <string>

#include "core/fingerprint.hpp"
#include "core/ids.hpp"
#include "tap.hpp"

using namespace mps;

namespace {

std::string hex(const uint8_t* data, size_t len) {
    std::string out;
    char b[3];
    for (size_t i = 0; i < len; ++i) {
        std::snprintf(b, sizeof b, "%02x", data[i]);
        out += b;
    }
    return out;
}

}  // namespace

TAP_SUITE(ids_uuid) {
    const char* canonical = "a11ce000-0000-4000-8000-000000000001";
    std::optional<Uuid> id = parse_uuid(canonical);
    tap::ok(id.has_value(), "a canonical uuid parses");
    tap::is(format_uuid(*id), canonical, "format_uuid gives the canonical text back");
    tap::ok(parse_uuid("A11CE000-0000-4000-8000-000000000001") == id, "upper case parses to the same uuid");
    tap::ok(parse_uuid("{a11ce000-0000-4000-8000-000000000001}") == id, "braces are accepted, as uuid_in does");
    tap::ok(parse_uuid("a11ce000000040008000000000000001") == id, "32 hex digits without hyphens parse");
    tap::ok(!parse_uuid("a11ce000-0000-4000-8000-00000000000"), "one digit short is refused");
    tap::ok(!parse_uuid("a11ce000-0000-4000-8000-0000000000011"), "one digit too many is refused");
    tap::ok(!parse_uuid("a11ce0000-000-4000-8000-000000000001"), "a hyphen out of place is refused");
    tap::ok(!parse_uuid("g11ce000-0000-4000-8000-000000000001"), "a non-hex digit is refused");
    tap::ok(!parse_uuid(""), "the empty string is refused");
    std::set<std::string> seen;
    bool versioned = true;
    for (int i = 0; i < 1000; ++i) {
        Uuid r = random_uuid();
        versioned = versioned && (r.bytes[6] >> 4) == 4 && (r.bytes[8] & 0xc0) == 0x80;
        seen.insert(format_uuid(r));
    }
    tap::ok(versioned, "random uuids are version 4, RFC 4122 variant");
    tap::is(seen.size(), size_t(1000), "1000 random uuids are distinct");
}

TAP_SUITE(ids_qr) {
    std::string token = new_qr_token();
    tap::is(token.size(), kQrTokenLength, "a QR token is 48 characters");
    tap::is(token.substr(0, 5), "mpsq1", "a QR token starts with mpsq1");
    tap::ok(is_qr_token(token), "a new token has the shape is_qr_token accepts");
    tap::ok(new_qr_token() != token, "two tokens differ");
    std::string bad = token;
    bad[10] = '+';
    tap::ok(!is_qr_token(bad), "a character outside base64url is refused");
    tap::ok(!is_qr_token(token.substr(0, 47)), "a token one character short is refused");
    tap::ok(!is_qr_token("mpsq2" + token.substr(5)), "another prefix is refused");
    tap::ok(!is_qr_token(""), "the empty string is refused");
    QrDigest d = qr_digest("abc");
    tap::is(hex(d.data(), d.size()), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
            "the digest is BLAKE2b-256 (RFC 7693 test vector for \"abc\")");
}

TAP_SUITE(ids_card_code) {
    const std::string code = new_card_code("ORG123456789012");
    tap::is(code.substr(0, 34), std::string("vitaglobal://card/ORG123456789012/"), "a card code names its card number");
    tap::is(code.size(), size_t(34 + 22), "then 22 base64url characters (16 random bytes)");
    tap::ok(new_card_code("ORG123456789012") != code, "two codes of one card differ");
}

TAP_SUITE(ids_fingerprint) {
    auto fp = [](auto... fields) {
        Fingerprint f;
        (f.add(fields), ...);
        return f.finish();
    };
    tap::ok(fp("charge", int64_t(100)) == fp("charge", int64_t(100)), "the same fields give the same fingerprint");
    tap::ok(fp("charge", int64_t(100)) != fp("charge", int64_t(101)), "another amount gives another fingerprint");
    tap::ok(fp("ab", "c") != fp("a", "bc"), "fields are length-prefixed: ab|c differs from a|bc");
    tap::ok(fp(std::optional<std::string>()) != fp(std::string()), "an absent field differs from an empty one");
    tap::ok(fp("1") != fp(int64_t(1)), "text and integers are told apart");
    std::optional<Uuid> none;
    tap::ok(fp(none) == fp(std::optional<std::string>()), "absent fields encode alike, whatever their type");
}
