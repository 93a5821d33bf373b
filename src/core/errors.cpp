#include "core/errors.hpp"

namespace mps {

const char* sqlstate_of(ErrorClass cls) noexcept {
    switch (cls) {
        case ErrorClass::Input: return "22023";
        case ErrorClass::Business: return "P0001";
        case ErrorClass::Denied: return "42501";
        case ErrorClass::NotFound: return "PT404";
        case ErrorClass::Conflict: return "PT409";
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
    }
    return "500";
}

const ErrorCode* const kErrorCatalog[] = {
    &err::INVALID_AMOUNT,        &err::INVALID_ARGUMENT,
    &err::INVALID_TTL,           &err::INVALID_QR_FORMAT,
    &err::INVALID_TAG,           &err::INSUFFICIENT_BALANCE,
    &err::QR_EXPIRED_OR_INVALID, &err::CARD_NOT_ACTIVE,
    &err::CARD_TYPE_MISMATCH,    &err::MEMBER_NOT_ACTIVE,
    &err::MERCHANT_NOT_FOUND_OR_INACTIVE,
    &err::REFUND_EXCEEDS_REMAINING,
    &err::TX_NOT_REFUNDABLE,     &err::BALANCE_LIMIT_EXCEEDED,
    &err::PERMISSION_DENIED,     &err::SELF_RECHARGE_DISABLED,
    &err::CARD_NOT_FOUND,        &err::MEMBER_NOT_FOUND,
    &err::ORIGINAL_TX_NOT_FOUND, &err::IDEMPOTENCY_KEY_REUSED,
    &err::EXTERNAL_ORDER_ID_REUSED,
    &err::EXTERNAL_ID_ALREADY_BOUND,
    &err::MEMBER_ALREADY_EXISTS, &err::MERCHANT_ALREADY_EXISTS,
};
const int kErrorCatalogSize = sizeof(kErrorCatalog) / sizeof(kErrorCatalog[0]);

}  // namespace mps
