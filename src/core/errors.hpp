// The error catalog (ARCHITECTURE.md §6): every failure an RPC reports, as a stable upper-case
// code plus the class that picks its SQLSTATE. Pure C++: no PostgreSQL header here.
//
// MPS_ERROR_CODES is the one list: it defines the err:: constants and app.error_catalog().
// A code is added here, raised somewhere (test/contract.sh fails on a code nobody raises and
// on a raised code that is not listed), and given a row in the README's error table.
#pragma once

#include <exception>
#include <string>

namespace mps {

// The class decides the SQLSTATE and therefore PostgREST's HTTP status.
enum class ErrorClass {
    Input,      // 22023 -> 400: malformed input
    Business,   // P0001 -> 400: a business rule refused the request
    Denied,     // 42501 -> 401 (anon) / 403: not allowed
    NotFound,   // PT404 -> 404
    Conflict,   // PT409 -> 409
    Integrity,  // 23514 -> 400: an administrator's change would break a database rule
    ReadOnly,   // 25006 -> 405: a write sent to a read-only server (a hot standby)
    Busy,       // PT503 -> 503: try again shortly, nothing was changed
    Internal,   // XX000 -> 500: a defect or a deployment problem, not the caller's fault
};

struct ErrorCode {
    const char* code;
    ErrorClass cls;
    const char* meaning;  // one line for the README catalog and app.error_catalog()
};

// clang-format off
#define MPS_ERROR_CODES(X) \
    X(INVALID_AMOUNT, Input, "amount is NULL, NaN, infinite, not positive, has more than two decimals, exceeds 9999999999.99, or a charge comes to 0.00 after the discount") \
    X(INVALID_ARGUMENT, Input, "a required argument is NULL, empty, too long or not one of the allowed values") \
    X(INVALID_TTL, Input, "QR time-to-live outside 30..86400 seconds") \
    X(INVALID_QR_FORMAT, Input, "the scanned text is not an mps QR token") \
    X(INVALID_TAG, Input, "p_tag is not a JSON object or is larger than 4 kB") \
    X(INVALID_MERCHANT_QR, Input, "the scanned text is not a merchant QR code (vitaglobal://merchant/<code>/location/<n>)") \
    X(SETTLEMENT_PERIOD_INVALID, Input, "the settlement period does not fit its mode (a whole day for t_plus_1, a whole month for monthly) or has not ended yet") \
    X(INSUFFICIENT_BALANCE, Business, "the card balance does not cover the discounted amount") \
    X(QR_EXPIRED_OR_INVALID, Business, "no live QR code matches: unknown, expired, rotated or revoked") \
    X(CARD_NOT_ACTIVE, Business, "the card is frozen, closed or expired") \
    X(CARD_TYPE_MISMATCH, Business, "the card is not of the type the call names or allows") \
    X(MEMBER_NOT_ACTIVE, Business, "the member is suspended or closed") \
    X(MERCHANT_NOT_FOUND_OR_INACTIVE, Business, "no merchant with that code, or it is suspended or closed") \
    X(REFUND_EXCEEDS_REMAINING, Business, "the refund is larger than what remains refundable on the payment") \
    X(TX_NOT_REFUNDABLE, Business, "the original transaction is not a completed payment") \
    X(TX_ARCHIVED, Business, "the transaction's month was archived (app.archive_partitions): it can no longer be refunded or read in detail, and that month gets no partition again") \
    X(BALANCE_LIMIT_EXCEEDED, Business, "the card balance would exceed 9999999999.99") \
    X(COUNTER_TOPUP_LIMIT_EXCEEDED, Business, "a counter top-up is over the merchant's limit per top-up or per day") \
    X(CARD_NOT_SHAREABLE, Business, "standard cards and vouchers belong to one member and cannot be shared") \
    X(CARD_NOT_ACCEPTED_HERE, Business, "the voucher is redeemable only at the merchant that issued it") \
    X(CARD_PASSWORD_LOCKED, Business, "five wrong binding passwords within 15 minutes: every password is refused until DETAIL's time") \
    X(LAST_ADMIN_CANNOT_BE_REMOVED, Business, "the corporate card's last admin cannot be removed") \
    X(INSUFFICIENT_POINTS, Business, "the points change would take the card below zero points") \
    X(ORGANIZATION_NOT_ACTIVE, Business, "the organisation is deactivated") \
    X(NOT_ORGANIZATION_MEMBER, Business, "the member has no active membership of that organisation") \
    X(MEMBERSHIP_NOT_VERIFIED, Business, "the membership is pending or was rejected: the organisation has not verified it") \
    X(PARTNERSHIP_REQUIRED, Business, "the organisation has no active partnership with the merchant today") \
    X(RECHARGE_ORDER_NOT_PENDING, Business, "the recharge order was cancelled or expired, or is already paid") \
    X(AMOUNT_MISMATCH, Business, "the confirmed amount differs from the recharge order's amount") \
    X(SETTLEMENT_STATUS_TRANSITION_INVALID, Business, "a settlement moves only pending -> confirmed -> paid, or to failed before it is paid") \
    X(READ_COMMITTED_REQUIRED, Business, "the call must run in a READ COMMITTED transaction (it waits for transactions still running and must then see them), and no money moves after generate_settlement in its transaction") \
    X(SETTLEMENT_WAIT_TIMEOUT, Business, "transactions that began within the period were still running when lock_timeout ran out: retry") \
    X(WALLET_NOT_CONFIGURED, Business, "the wallet settings the call needs are not set (app.set_wallet_settings): Apple passes need the team and pass type identifiers, Google objects the issuer id") \
    X(PERMISSION_DENIED, Denied, "the caller may not do this to this object") \
    X(COUNTER_TOPUP_DISABLED, Denied, "the merchant may not take counter top-ups (a platform administrator switches them on)") \
    X(WALLET_AUTH_FAILED, Denied, "no wallet pass of that type and serial number carries that authentication token (PassKit web service: 401)") \
    X(CARD_NOT_FOUND, NotFound, "no card with that id (or not visible to the caller)") \
    X(ORIGINAL_TX_NOT_FOUND, NotFound, "no payment with that number at this merchant") \
    X(MEMBER_NOT_FOUND, NotFound, "no member with that id or number") \
    X(RECHARGE_ORDER_NOT_FOUND, NotFound, "no recharge order with that id (or not visible to the caller)") \
    X(SETTLEMENT_NOT_FOUND, NotFound, "no settlement with that id (to administrators; anyone else gets PERMISSION_DENIED, whether it exists or not)") \
    X(TRANSACTION_NOT_FOUND, NotFound, "no transaction with that number (to administrators; anyone else gets PERMISSION_DENIED, whether it exists or not)") \
    X(ORGANIZATION_NOT_FOUND, NotFound, "no organisation with that id or slug") \
    X(IDEMPOTENCY_KEY_REUSED, Conflict, "the idempotency key was already used for a different request") \
    X(EXTERNAL_ORDER_ID_REUSED, Conflict, "the merchant's external order id was already used for a different request") \
    X(EXTERNAL_ID_ALREADY_BOUND, Conflict, "that external login (provider, id) already belongs to a member") \
    X(MEMBER_ALREADY_EXISTS, Conflict, "a member profile already exists for that user") \
    X(MERCHANT_ALREADY_EXISTS, Conflict, "a merchant with that code already exists") \
    X(CARD_ALREADY_HAS_ADMIN, Conflict, "the corporate card already has an admin (enterprise_set_initial_admin)") \
    X(ALREADY_BOUND, Conflict, "the member is already bound to the card in another role") \
    X(RECHARGE_ORDER_ALREADY_PAID, Conflict, "the recharge order was paid with another provider transaction id") \
    X(SETTLEMENT_PERIOD_OVERLAPS, Conflict, "another settlement of the merchant covers part of the period") \
    X(ORGANIZATION_ALREADY_EXISTS, Conflict, "an organisation with that slug already exists") \
    X(ALREADY_ORGANIZATION_MEMBER, Conflict, "the member already has a membership of that organisation") \
    X(MEMBER_NUMBER_TAKEN, Conflict, "another member of the organisation has that member number") \
    X(POINTS_REFERENCE_REUSED, Conflict, "the card already has a points change of that type with that reference id, of other points or in another merchant's name") \
    X(LEVEL_LADDER_INVALID, Integrity, "a change to the level ladder would leave a gap, an overlap, no level at 0 points or a closed top") \
    X(CARD_BUSY, Busy, "another call held the card's lock longer than mps.card_lock_timeout: nothing was changed, retry shortly") \
    X(READ_ONLY_SERVER, ReadOnly, "a call that writes reached a read-only server (a hot standby): send it to the primary") \
    X(EXTENSION_VERSION_MISMATCH, Internal, "mps.so and the extension's SQL in this database are of different versions: run ALTER EXTENSION mps UPDATE") \
    X(SCHEDULER_NOT_AVAILABLE, Internal, "pg_cron is not installed in this database: the jobs cannot be scheduled (README, operations)") \
    X(ARCHIVE_VERIFICATION_FAILED, Internal, "a month's rows did not add up to the same figures before and after being moved to schema archive: nothing was archived") \
    X(INTERNAL_ERROR, Internal, "a defect inside mps (a C++ exception); DETAIL names the function")
// clang-format on

namespace err {
#define MPS_DEFINE_ERROR_CODE(name, cls, meaning) inline constexpr ErrorCode name{#name, ErrorClass::cls, meaning};
MPS_ERROR_CODES(MPS_DEFINE_ERROR_CODE)
#undef MPS_DEFINE_ERROR_CODE
}  // namespace err

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

// Every catalog entry, in MPS_ERROR_CODES order, for app.error_catalog().
extern const ErrorCode* const kErrorCatalog[];
extern const int kErrorCatalogSize;

}  // namespace mps
