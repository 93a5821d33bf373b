// The audit JSON writer (src/core/json.hpp).
#include "core/json.hpp"
#include "tap.hpp"

using namespace mps;

TAP_SUITE(json_object) {
    tap::is(JsonObject().str(), "{}", "an empty object");
    tap::is(JsonObject().add("a", "x").add("b", int64_t(-3)).str(), R"({"a":"x","b":-3})", "strings and integers");
    tap::is(JsonObject().add("q", "say \"hi\"\\").str(), R"({"q":"say \"hi\"\\"})",
            "quotes and backslashes are escaped");
    tap::is(JsonObject().add("c", "a\nb\tc\x01").str(), R"({"c":"a\nb\tc\u0001"})", "control characters are escaped");
    tap::is(JsonObject().add_cents("amount", 3000).add_cents("neg", -5).str(), R"({"amount":30.00,"neg":-0.05})",
            "amounts are numbers with two decimals");
    tap::is(JsonObject().add_bool("on", true).add_bool("off", false).str(), R"({"on":true,"off":false})",
            "booleans are JSON booleans");
    std::optional<std::string> none;
    std::optional<int64_t> some = 7;
    tap::is(JsonObject().add("none", none).add("some", some).str(), R"({"some":7})",
            "absent optional values are left out");
    Uuid id = *parse_uuid("a11ce000-0000-4000-8000-000000000001");
    tap::is(JsonObject().add("id", id).str(), R"({"id":"a11ce000-0000-4000-8000-000000000001"})",
            "uuids are canonical text");
    tap::is(JsonObject().add("k", "中文").str(), "{\"k\":\"中文\"}", "UTF-8 passes through unchanged");
}
