// Merchant QR codes (src/core/merchant_qr.hpp): the seed 003 format and what is refused.
#include <string>

#include "core/merchant_qr.hpp"
#include "tap.hpp"

using namespace mps;

TAP_SUITE(merchant_qr) {
    std::optional<MerchantQr> q = parse_merchant_qr("vitaglobal://merchant/starbucks-001/location/001");
    tap::ok(q.has_value(), "the seed's example parses");
    if (q) {
        tap::is(q->merchant_code, std::string("starbucks-001"), "merchant code");
        tap::is(q->location, std::string("001"), "location kept as printed");
    }
    tap::ok(!parse_merchant_qr("").has_value(), "empty text is refused");
    tap::ok(!parse_merchant_qr("vitaglobal://merchant/starbucks-001").has_value(), "no location is refused");
    tap::ok(!parse_merchant_qr("vitaglobal://merchant/starbucks-001/location/").has_value(), "an empty location is refused");
    tap::ok(!parse_merchant_qr("vitaglobal://merchant//location/1").has_value(), "an empty code is refused");
    tap::ok(!parse_merchant_qr("vitaglobal://merchant/a b/location/1").has_value(), "a space in the code is refused");
    tap::ok(!parse_merchant_qr("vitaglobal://merchant/shop/location/1x").has_value(), "a non-digit location is refused");
    tap::ok(!parse_merchant_qr("vitaglobal://merchant/shop/location/1234567890").has_value(), "a 10-digit location is refused");
    tap::ok(!parse_merchant_qr("vitaglobal://merchant/shop/location/1/extra").has_value(), "trailing parts are refused");
    tap::ok(!parse_merchant_qr("https://merchant/shop/location/1").has_value(), "another scheme is refused");
    tap::ok(!parse_merchant_qr("vitaglobal://merchant/" + std::string(65, 'a') + "/location/1").has_value(),
            "a code over 64 characters is refused");
    tap::ok(parse_merchant_qr("vitaglobal://merchant/" + std::string(64, 'a') + "/location/1").has_value(),
            "a 64-character code is accepted");
    tap::ok(!parse_merchant_qr(std::string("vitaglobal://merchant/sh\0op/location/1", 38)).has_value(), "a NUL byte is refused");
}
