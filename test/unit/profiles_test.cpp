// Organisation and merchant profile text (src/core/profiles.hpp).
#include "core/profiles.hpp"
#include "tap.hpp"

using namespace mps;

TAP_SUITE(profiles) {
    tap::ok(is_slug("columbia-cssa"), "a seed slug");
    tap::ok(is_slug("nyu2"), "letters and digits");
    tap::ok(!is_slug(""), "empty slug refused");
    tap::ok(!is_slug("Columbia"), "upper case refused");
    tap::ok(!is_slug("-a"), "leading hyphen refused");
    tap::ok(!is_slug("a--b"), "double hyphen refused");
    tap::ok(!is_slug("a_b"), "underscore refused");
    tap::ok(is_region("US-NY"), "US-NY");
    tap::ok(is_region("GB"), "a country alone");
    tap::ok(!is_region("us-ny"), "lower case region refused");
    tap::ok(!is_region("US-"), "empty subdivision refused");
    tap::ok(!is_region("USA"), "three letters refused");
    tap::ok(is_web_url("https://example.org/logo.png"), "https url");
    tap::ok(!is_web_url("javascript:alert(1)"), "another scheme refused");
    tap::ok(!is_web_url("https://a b"), "a space refused");
    tap::ok(!is_web_url("https://"), "no host refused");
}
