#include "core/levels.hpp"

#include <algorithm>

namespace mps {

namespace {

// Characters of UTF-8 text (the column's length counts characters, not bytes).
size_t characters(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

}  // namespace

std::optional<std::string> ladder_problem(std::vector<Level> ladder) {
    if (ladder.empty()) return "The ladder has no levels.";
    std::sort(ladder.begin(), ladder.end(), [](const Level& a, const Level& b) { return a.min_points < b.min_points; });
    for (size_t i = 0; i < ladder.size(); ++i) {
        const Level& cur = ladder[i];
        const std::string n = std::to_string(cur.level);
        if (cur.level < 0) return "Level " + n + " has a negative number.";
        if (cur.name.empty() || characters(cur.name) > 64) return "Level " + n + " needs a name of 1 to 64 characters.";
        if (cur.discount <= 0 || cur.discount > 1000) return "Level " + n + " has a discount outside (0, 1].";
        if (cur.max_points && *cur.max_points < cur.min_points) return "Level " + n + " ends before it starts.";
        if (i == 0) {
            if (cur.min_points != 0) return "The lowest level (" + n + ") must start at 0 points.";
            continue;
        }
        const Level& prev = ladder[i - 1];
        const std::string p = std::to_string(prev.level);
        if (!prev.max_points) return "Level " + p + " is open-ended but level " + n + " starts above it.";
        if (cur.min_points != *prev.max_points + 1)
            return "Level " + n + " must start right after level " + p + " ends (at " +
                   std::to_string(*prev.max_points + 1) + " points): no gap, no overlap.";
        if (cur.level <= prev.level || cur.discount > prev.discount)
            return "Level " + n + " must have a higher number and no worse discount than level " + p + ".";
    }
    if (ladder.back().max_points)
        return "The top level (" + std::to_string(ladder.back().level) + ") must be open-ended.";
    return std::nullopt;
}

}  // namespace mps
