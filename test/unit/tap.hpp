// A minimal TAP producer for the unit tests of src/core (make unittest): each check prints
// "ok N - name" or "not ok N - name" with what was expected; main() prints the plan and the
// line "N passed, M failed" and exits non-zero on any failure.
#pragma once

#include <sstream>
#include <string>

namespace tap {

void report(bool ok, const std::string& name, const std::string& diagnostic = {});

// A group of checks, registered at static initialisation and run by main() in name order.
struct Suite {
    Suite(const char* name, void (*run)());
};

template <typename A, typename B>
void is(const A& actual, const B& expected, const std::string& name) {
    bool ok = actual == expected;
    std::ostringstream d;
    if (!ok) d << "got: " << actual << "\nexpected: " << expected;
    report(ok, name, d.str());
}

inline void ok(bool condition, const std::string& name) { report(condition, name); }

}  // namespace tap

#define TAP_SUITE(name)                                               \
    static void name##_suite();                                       \
    static const tap::Suite name##_registration(#name, name##_suite); \
    static void name##_suite()
