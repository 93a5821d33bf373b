// The level ladder's rule (src/core/levels.hpp) and discounts as numeric text (core/money.hpp).
#include <string>
#include <vector>

#include "core/levels.hpp"
#include "core/money.hpp"
#include "tap.hpp"

using namespace mps;

namespace {

std::vector<Level> default_ladder() {
    return {{0, "Standard", 0, 999, 1000}, {1, "Silver", 1000, 4999, 950}, {2, "Gold", 5000, 9999, 900},
            {3, "Platinum", 10000, std::nullopt, 850}};
}

void refused(std::vector<Level> ladder, const char* what) {
    tap::ok(ladder_problem(std::move(ladder)).has_value(), std::string("refused: ") + what);
}

}  // namespace

TAP_SUITE(levels_ladder) {
    tap::ok(!ladder_problem(default_ladder()), "the default ladder is valid");
    std::vector<Level> shuffled = default_ladder();
    std::swap(shuffled[0], shuffled[3]);
    tap::ok(!ladder_problem(shuffled), "in any order");
    tap::ok(!ladder_problem({{0, "Only", 0, std::nullopt, 1000}}), "one open-ended level is a ladder");
    refused({}, "no levels");
    std::vector<Level> l = default_ladder();
    l[0].min_points = 1;
    refused(l, "a ladder that does not start at 0");
    l = default_ladder();
    l[1].min_points = 1001;
    refused(l, "a gap");
    l = default_ladder();
    l[1].min_points = 999;
    refused(l, "an overlap");
    l = default_ladder();
    l[3].max_points = 20000;
    refused(l, "a closed top");
    l = default_ladder();
    l[2].max_points = std::nullopt;
    refused(l, "an open-ended level below another");
    l = default_ladder();
    l[2].discount = 960;
    refused(l, "a worse discount higher up");
    l = default_ladder();
    l[2].level = 1;
    refused(l, "level numbers that do not rise");
    l = default_ladder();
    l[1].name = "";
    refused(l, "a level without a name");
    l = default_ladder();
    l[1].name = "鑽石會員鑽石會員鑽石會員鑽石會員鑽石會員鑽石會員";  // 24 characters, 72 bytes
    tap::ok(!ladder_problem(l), "a name's length counts characters, not bytes");
    l = default_ladder();
    l[1].discount = 0;
    refused(l, "a discount of 0");
    l = default_ladder();
    l[1].max_points = 900;
    refused(l, "a level that ends before it starts");
}

TAP_SUITE(levels_discount_text) {
    tap::ok(parse_thousandths("0.85") == std::optional<int32_t>(850), "0.85 is 850 thousandths");
    tap::ok(parse_thousandths("0.850") == std::optional<int32_t>(850), "0.850 too");
    tap::ok(parse_thousandths("0.8500") == std::optional<int32_t>(850), "trailing zeros are no decimals");
    tap::ok(parse_thousandths("1") == std::optional<int32_t>(1000), "1 is full price");
    tap::ok(parse_thousandths("1.000") == std::optional<int32_t>(1000), "1.000 too");
    tap::ok(parse_thousandths("0.001") == std::optional<int32_t>(1), "0.001 is the smallest discount");
    tap::ok(!parse_thousandths("0"), "0 is refused");
    tap::ok(!parse_thousandths("0.000"), "0.000 is refused");
    tap::ok(!parse_thousandths("1.001"), "more than 1 is refused");
    tap::ok(!parse_thousandths("0.8505"), "a fourth decimal is refused");
    tap::ok(!parse_thousandths("-0.5"), "a negative discount is refused");
    tap::ok(!parse_thousandths("NaN") && !parse_thousandths("") && !parse_thousandths("."), "NaN and empty text are refused");
    tap::ok(!parse_thousandths("10") && !parse_thousandths("2"), "2 and 10 are refused");
}

TAP_SUITE(money_rates) {
    tap::ok(parse_fixed("0.0060", 4) == std::optional<int64_t>(60), "0.0060 is 60 ten-thousandths");
    tap::ok(parse_fixed("0", 4) == std::optional<int64_t>(0), "0 is 0");
    tap::ok(parse_fixed("0.00600", 4) == std::optional<int64_t>(60), "trailing zeros are no decimals");
    tap::ok(!parse_fixed("0.00605", 4), "a fifth decimal is refused");
    tap::ok(!parse_fixed("-0.01", 4), "a sign is refused");
    tap::is(apply_rate(10000, 60), int64_t(60), "0.6% of 100.00 is 0.60");
    tap::is(apply_rate(12345, 60), int64_t(74), "0.6% of 123.45 is 0.7407 -> 0.74");
    tap::is(apply_rate(12500, 4), int64_t(5), "0.04% of 125.00 is 0.05 exactly");
    tap::is(apply_rate(1250, 4), int64_t(1), "0.04% of 12.50 is 0.005 -> 0.01 (half away from zero)");
    tap::is(apply_rate(-1250, 4), int64_t(-1), "and -0.005 -> -0.01");
    tap::is(apply_rate(0, 9999), int64_t(0), "nothing costs nothing");
    tap::is(apply_rate(99999999999999, 9999), int64_t(99989999999999),
            "the largest settlement total at the largest rate does not overflow");
}
