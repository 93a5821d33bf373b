// The error catalog (DESIGN §6): every failure an RPC reports, as a stable upper-case code
// plus the class that picks its SQLSTATE. Pure C++: no PostgreSQL header here.
#pragma once

#include <exception>
#include <string>

namespace mps {

// The class decides the SQLSTATE and therefore PostgREST's HTTP status.
enum class ErrorClass {
    Input,     // 22023 -> 400: malformed input
    Business,  // P0001 -> 400: a business rule refused the request
    Denied,    // 42501 -> 401 (anon) / 403: not allowed
    NotFound,  // PT404 -> 404
    Conflict,  // PT409 -> 409
};

struct ErrorCode {
    const char* code;
    ErrorClass cls;
    const char* meaning;  // one line for the README catalog and app.error_catalog()
};

// A refused request. Thrown by domain code; turned into ereport(ERROR) by the entry guard
// only after every C++ object of the call has been destroyed.
class AppError final : public std::exception {
public:
    AppError(const ErrorCode& code, std::string detail, std::string hint)
        : code_(code), detail_(std::move(detail)), hint_(std::move(hint)) {}
    const char* what() const noexcept override { return code_.code; }
    const ErrorCode& code() const noexcept { return code_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    ErrorCode code_;
    std::string detail_;
    std::string hint_;
};

[[noreturn]] inline void fail(const ErrorCode& code, std::string detail, std::string hint = {}) {
    throw AppError(code, std::move(detail), std::move(hint));
}

// The five-character SQLSTATE of a class, e.g. "22023".
const char* sqlstate_of(ErrorClass cls) noexcept;
// The HTTP status PostgREST v12-v14 answers for a class (42501 is 401 for anon, else 403).
const char* http_status_of(ErrorClass cls) noexcept;

namespace err {
// clang-format off
inline constexpr ErrorCode INVALID_AMOUNT           {"INVALID_AMOUNT", ErrorClass::Input, "amount is NULL, NaN, infinite, not positive, has more than two decimals, exceeds 9999999999.99, or a charge comes to 0.00 after the discount"};
inline constexpr ErrorCode INVALID_ARGUMENT         {"INVALID_ARGUMENT", ErrorClass::Input, "a required argument is NULL, empty, too long or not one of the allowed values"};
inline constexpr ErrorCode INVALID_TTL              {"INVALID_TTL", ErrorClass::Input, "QR time-to-live outside 30..86400 seconds"};
inline constexpr ErrorCode INVALID_QR_FORMAT        {"INVALID_QR_FORMAT", ErrorClass::Input, "the scanned text is not an mps QR token"};
inline constexpr ErrorCode INVALID_TAG              {"INVALID_TAG", ErrorClass::Input, "p_tag is not a JSON object or is larger than 4 kB"};
inline constexpr ErrorCode INSUFFICIENT_BALANCE     {"INSUFFICIENT_BALANCE", ErrorClass::Business, "the card balance does not cover the discounted amount"};
inline constexpr ErrorCode QR_EXPIRED_OR_INVALID    {"QR_EXPIRED_OR_INVALID", ErrorClass::Business, "no live QR code matches: unknown, expired, rotated or revoked"};
inline constexpr ErrorCode CARD_NOT_ACTIVE          {"CARD_NOT_ACTIVE", ErrorClass::Business, "the card is frozen, closed or expired"};
inline constexpr ErrorCode CARD_TYPE_MISMATCH       {"CARD_TYPE_MISMATCH", ErrorClass::Business, "the card is not of the type the call names or allows"};
inline constexpr ErrorCode MEMBER_NOT_ACTIVE        {"MEMBER_NOT_ACTIVE", ErrorClass::Business, "the member is suspended or closed"};
inline constexpr ErrorCode MERCHANT_NOT_FOUND_OR_INACTIVE {"MERCHANT_NOT_FOUND_OR_INACTIVE", ErrorClass::Business, "no merchant with that code, or it is suspended or closed"};
inline constexpr ErrorCode REFUND_EXCEEDS_REMAINING {"REFUND_EXCEEDS_REMAINING", ErrorClass::Business, "the refund is larger than what remains refundable on the payment"};
inline constexpr ErrorCode TX_NOT_REFUNDABLE        {"TX_NOT_REFUNDABLE", ErrorClass::Business, "the original transaction is not a completed payment"};
inline constexpr ErrorCode BALANCE_LIMIT_EXCEEDED   {"BALANCE_LIMIT_EXCEEDED", ErrorClass::Business, "the card balance would exceed 9999999999.99"};
inline constexpr ErrorCode PERMISSION_DENIED        {"PERMISSION_DENIED", ErrorClass::Denied, "the caller may not do this to this object"};
inline constexpr ErrorCode SELF_RECHARGE_DISABLED   {"SELF_RECHARGE_DISABLED", ErrorClass::Denied, "member self-service recharge is switched off (mps.allow_self_recharge)"};
inline constexpr ErrorCode CARD_NOT_FOUND           {"CARD_NOT_FOUND", ErrorClass::NotFound, "no card with that id (or not visible to the caller)"};
inline constexpr ErrorCode MEMBER_NOT_FOUND         {"MEMBER_NOT_FOUND", ErrorClass::NotFound, "no member with that id or number"};
inline constexpr ErrorCode ORIGINAL_TX_NOT_FOUND    {"ORIGINAL_TX_NOT_FOUND", ErrorClass::NotFound, "no payment with that number at this merchant"};
inline constexpr ErrorCode IDEMPOTENCY_KEY_REUSED   {"IDEMPOTENCY_KEY_REUSED", ErrorClass::Conflict, "the idempotency key was already used for a different request"};
inline constexpr ErrorCode EXTERNAL_ORDER_ID_REUSED {"EXTERNAL_ORDER_ID_REUSED", ErrorClass::Conflict, "the merchant's external order id was already used for a different request"};
inline constexpr ErrorCode EXTERNAL_ID_ALREADY_BOUND{"EXTERNAL_ID_ALREADY_BOUND", ErrorClass::Conflict, "that external login (provider, id) already belongs to a member"};
inline constexpr ErrorCode MEMBER_ALREADY_EXISTS    {"MEMBER_ALREADY_EXISTS", ErrorClass::Conflict, "a member profile already exists for that user"};
inline constexpr ErrorCode MERCHANT_ALREADY_EXISTS  {"MERCHANT_ALREADY_EXISTS", ErrorClass::Conflict, "a merchant with that code already exists"};
// clang-format on
}  // namespace err

// Every catalog entry, for app.error_catalog() and its test.
extern const ErrorCode* const kErrorCatalog[];
extern const int kErrorCatalogSize;

}  // namespace mps
