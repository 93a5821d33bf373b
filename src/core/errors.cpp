#include "core/errors.hpp"

namespace mps {

const char* sqlstate_of(ErrorClass cls) noexcept {
    switch (cls) {
        case ErrorClass::Input: return "22023";
        case ErrorClass::Business: return "P0001";
        case ErrorClass::Denied: return "42501";
        case ErrorClass::NotFound: return "PT404";
        case ErrorClass::Conflict: return "PT409";
        case ErrorClass::Integrity: return "23514";
        case ErrorClass::ReadOnly: return "25006";
        case ErrorClass::Busy: return "PT503";
        case ErrorClass::Internal: return "XX000";
    }
    return "XX000";
}

const char* http_status_of(ErrorClass cls) noexcept {
    switch (cls) {
        case ErrorClass::Input: return "400";
        case ErrorClass::Business: return "400";
        case ErrorClass::Denied: return "401 (anon) / 403";
        case ErrorClass::NotFound: return "404";
        case ErrorClass::Conflict: return "409";
        case ErrorClass::Integrity: return "400";
        case ErrorClass::ReadOnly: return "405";
        case ErrorClass::Busy: return "503";
        case ErrorClass::Internal: return "500";
    }
    return "500";
}

#define MPS_CATALOG_ENTRY(name, cls, meaning) &err::name,
const ErrorCode* const kErrorCatalog[] = {MPS_ERROR_CODES(MPS_CATALOG_ENTRY)};
#undef MPS_CATALOG_ENTRY
const int kErrorCatalogSize = sizeof(kErrorCatalog) / sizeof(kErrorCatalog[0]);

}  // namespace mps
