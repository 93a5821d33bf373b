// The level ladder's rule (ARCHITECTURE.md §2): ranges start at 0 points, follow each other
// without gap or overlap, end with one open-ended range; level numbers rise and discounts never
// get worse as points rise. Pure C++: app.replace_membership_levels checks a new ladder here
// before writing it (the database's deferred trigger checks direct writes the same way).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mps {

struct Level {
    int32_t level = 0;
    std::string name;
    int64_t min_points = 0;
    std::optional<int64_t> max_points;  // nullopt: open-ended
    int32_t discount = 1000;            // thousandths
};

// nullopt when the ladder (in any order) is valid; otherwise a sentence saying what is wrong.
std::optional<std::string> ladder_problem(std::vector<Level> ladder);

}  // namespace mps
