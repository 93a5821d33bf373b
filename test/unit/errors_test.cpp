// The error catalog (src/core/errors.hpp).
#include <set>
#include <string>

#include "core/errors.hpp"
#include "tap.hpp"

using namespace mps;

TAP_SUITE(errors_catalog) {
    tap::is(std::string(sqlstate_of(ErrorClass::Input)), "22023", "malformed input is 22023");
    tap::is(std::string(sqlstate_of(ErrorClass::Business)), "P0001", "a business rule is P0001");
    tap::is(std::string(sqlstate_of(ErrorClass::Denied)), "42501", "not allowed is 42501");
    tap::is(std::string(sqlstate_of(ErrorClass::NotFound)), "PT404", "not found is PT404");
    tap::is(std::string(sqlstate_of(ErrorClass::Conflict)), "PT409", "a conflict is PT409");
    tap::is(std::string(sqlstate_of(ErrorClass::Busy)), "PT503", "busy is PT503 (HTTP 503 through PostgREST)");
    tap::is(std::string(sqlstate_of(ErrorClass::Integrity)), "23514", "a broken database rule is 23514");
    tap::is(std::string(sqlstate_of(ErrorClass::Internal)), "XX000", "an internal failure is XX000");
    std::set<std::string> codes;
    bool shaped = true, described = true;
    for (int i = 0; i < kErrorCatalogSize; ++i) {
        const ErrorCode& e = *kErrorCatalog[i];
        codes.insert(e.code);
        for (const char* c = e.code; *c; ++c) shaped = shaped && ((*c >= 'A' && *c <= 'Z') || *c == '_');
        described = described && e.meaning && e.meaning[0] != '\0';
    }
    tap::is(codes.size(), size_t(kErrorCatalogSize), "every catalog code is listed once");
    tap::ok(shaped, "every code is upper case with underscores");
    tap::ok(described, "every code has a meaning");
    try {
        fail(err::CARD_NOT_FOUND, "detail", "hint");
    } catch (const AppError& e) {
        tap::ok(std::string(e.what()) == "CARD_NOT_FOUND" && e.detail() == "detail" && e.hint() == "hint",
                "fail() throws an AppError carrying code, detail and hint");
    }
}
