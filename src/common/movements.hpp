// Writing money movements (shared by charge, refund and recharge): the card read and locked
// before any money moves, then in one statement the card's new balance and points (level and
// discount from the ladder), the transaction row (written once, with its final status), and
// its tx_registry, point-ledger and audit rows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/cards.hpp"
#include "core/ids.hpp"
#include "pg/identity.hpp"
#include "pg/spi.hpp"

namespace mps::common {

// The paying/receiving card, read and locked (SELECT ... FOR UPDATE) before any money moves.
struct LockedCard {
    Uuid id;
    CardType type;
    CardStatus status;
    bool expired = false;
    int64_t balance = 0;  // cents
    int64_t points = 0;
    int32_t discount = 1000;  // thousandths
    std::optional<int32_t> fixed_discount;
    std::optional<Uuid> owner_member_id;
    bool owner_active = true;  // the owner's membership is active (true for cards without an owner)
    std::optional<Uuid> voucher_merchant_id;  // a voucher redeemable only at this merchant
};

// The card columns read_card() expects as columns 1..11 of a query over app.member_cards c.
// Expiry is judged at the moment of the check (clock_timestamp()), not at transaction start.
#define MPS_CARD_COLUMNS                                                                                          \
    "c.id, c.card_type::text, c.status::text, (c.expires_at IS NOT NULL AND c.expires_at <= clock_timestamp()), " \
    "(c.balance * 100)::int8, c.points, (c.discount * 1000)::int4, (c.fixed_discount * 1000)::int4, c.owner_member_id, " \
    "COALESCE((SELECT op.status = 'active' FROM app.member_profiles op WHERE op.id = c.owner_member_id), true), "     \
    "c.voucher_merchant_id"
inline constexpr int kCardColumns = 11;
LockedCard read_card(const pg::Row& row);

// Locks the card row and reads it; nullopt when there is no such card.
std::optional<LockedCard> lock_card(pg::Spi& spi, const Uuid& card_id);
// Raises CARD_NOT_ACTIVE unless the card is active and unexpired, MEMBER_NOT_ACTIVE when its
// owner is suspended or closed (a suspended member's cards take part in no money movement).
void require_active(const LockedCard& card);
// Raises MEMBER_NOT_ACTIVE when the card's owner is suspended or closed.
void require_owner_active(const LockedCard& card);

struct TxWrite {
    Uuid id;
    TxType type;
    Uuid card_id;
    std::optional<Uuid> merchant_id;
    int64_t raw_cents = 0;
    std::optional<int32_t> discount;
    int64_t final_cents = 0;
    int64_t points_earned = 0;  // on the transaction row (negative for a clawback)
    std::optional<std::string> reason;
    std::optional<std::string> payment_method;
    std::optional<std::string> external_order_id;
    std::optional<std::string> idempotency_key;
    std::optional<Uuid> original_tx_id;
    Datum tag;
    int64_t points_before = 0;  // the card's points under the lock
    int64_t points_delta = 0;   // a point ledger row is written when not 0
    const char* ledger_reason = "";
    const char* audit_action = "";  // e.g. payment.charge
    int64_t balance_after = 0;      // the card's new balance
    // A payment whose discount came from the payer's organisation's partnership with the merchant.
    std::optional<Uuid> partner_organization_id;
    // A payment's: where its discount came from (none, level, corporate, partnership).
    const char* discount_source = nullptr;
    // A refund's: the payment's refunded total with this refund (the next refund reads it).
    std::optional<int64_t> refunded_after_cents;
};

struct TxWritten {
    pg::Value tx_no;  // text, copied out of SPI memory: ready to be returned
    TimestampTz created_at;
};

// In one statement: claims a new transaction number in tx_registry (random digits with a check
// digit; on the rare collision the statement does nothing and is run again with another
// number), sets the card's balance (balance_after) and points (points_before + points_delta) —
// cards that earn points take level and discount from the ladder — and writes the transaction
// row with its point-ledger and audit rows.
TxWritten record_transaction(pg::Spi& spi, const pg::Caller& caller, const TxWrite& tx);

// For the collision test only (sec.selftest_next_tx_numbers, superusers): the transaction
// numbers record_transaction tries next in this backend, before drawing random ones.
void queue_tx_numbers_for_test(std::vector<std::string> numbers);

}  // namespace mps::common
