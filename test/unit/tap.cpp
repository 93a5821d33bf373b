#include "tap.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include <sodium.h>

namespace tap {

namespace {

struct Registered {
    const char* name;
    void (*run)();
};

std::vector<Registered>& suites() {
    static std::vector<Registered> all;
    return all;
}

int g_count = 0;
int g_failed = 0;

}  // namespace

Suite::Suite(const char* name, void (*run)()) { suites().push_back({name, run}); }

void report(bool ok, const std::string& name, const std::string& diagnostic) {
    ++g_count;
    if (!ok) ++g_failed;
    std::printf("%sok %d - %s\n", ok ? "" : "not ", g_count, name.c_str());
    if (!ok && !diagnostic.empty()) {
        size_t start = 0;
        while (start <= diagnostic.size()) {
            size_t end = diagnostic.find('\n', start);
            if (end == std::string::npos) end = diagnostic.size();
            std::printf("#   %s\n", diagnostic.substr(start, end - start).c_str());
            start = end + 1;
        }
    }
}

}  // namespace tap

int main() {
    if (sodium_init() < 0) {
        std::printf("Bail out! sodium_init failed\n");
        return 1;
    }
    auto& all = tap::suites();
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return std::strcmp(a.name, b.name) < 0; });
    for (const auto& s : all) {
        std::printf("# %s\n", s.name);
        s.run();
    }
    std::printf("1..%d\n", tap::g_count);
    std::printf("# %d passed, %d failed\n", tap::g_count - tap::g_failed, tap::g_failed);
    return tap::g_failed == 0 ? 0 : 1;
}
