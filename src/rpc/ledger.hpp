// Writing money movements (shared by charge, refund and recharge): the card's new balance
// and points with level/discount from the ladder, the transaction row (written once, with its
// final status) with its tx_registry, point-ledger and audit rows in one statement, and the
// idempotency / merchant-order claims of DESIGN §4.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "core/ids.hpp"
#include "pg/identity.hpp"
#include "pg/spi.hpp"

namespace mps::rpc {

// The paying/receiving card, read and locked (SELECT ... FOR UPDATE) before any money moves.
struct LockedCard {
    Uuid id;
    std::string type;    // standard | prepaid | corporate | voucher
    std::string status;  // active | frozen | expired | closed
    bool expired = false;
    int64_t balance = 0;
    int64_t points = 0;
    int32_t discount = 1000;
    std::optional<int32_t> fixed_discount;
    std::optional<Uuid> owner_member_id;
    bool earns_points() const { return type == "standard" || type == "prepaid"; }
};

// The card columns read_card() expects as columns 1..9 of a query over app.member_cards c.
#define MPS_CARD_COLUMNS                                                                          \
    "c.id, c.card_type::text, c.status::text, (c.expires_at IS NOT NULL AND c.expires_at <= now()), " \
    "c.balance, c.points, c.discount, c.fixed_discount, c.owner_member_id"
LockedCard read_card(const pg::Row& row);

// Locks the card row and reads it; nullopt when there is no such card.
std::optional<LockedCard> lock_card(pg::Spi& spi, const Uuid& card_id);
// Raises CARD_NOT_ACTIVE unless the card is active and unexpired.
void require_active(const LockedCard& card);

struct TxWrite {
    Uuid id;
    const char* prefix;  // PAY | REF | RCG | ADJ
    const char* type;    // payment | refund | recharge | adjustment
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
    const char* audit_action;  // e.g. payment.charge
    int64_t balance_after = 0;  // the card's new balance
};

struct TxWritten {
    std::string tx_no;
    TimestampTz created_at;
};

// In one statement: sets the card's balance (balance_after) and points (points_before +
// points_delta) — cards that earn points take level and discount from the ladder — and writes
// the transaction row with its tx_registry, point-ledger and audit rows.
TxWritten record_transaction(pg::Spi& spi, const pg::Caller& caller, const TxWrite& tx);

// Idempotency key and merchant order id of a money request (DESIGN §4).
struct RequestKeys {
    std::optional<std::string> idempotency_key;
    std::optional<std::string> external_order_id;
    std::optional<Uuid> merchant_id;  // scope of external_order_id (none = platform)
    std::array<uint8_t, 32> fingerprint;
};

struct PriorTx {
    Uuid id;
    TimestampTz created_at;
};

// Claims the keys for new_tx_id. When a key already belongs to a transaction (committed, or
// in flight: the claim waits for it), returns that transaction if the request is the same,
// and raises IDEMPOTENCY_KEY_REUSED / EXTERNAL_ORDER_ID_REUSED if it is not.
std::optional<PriorTx> claim_request_keys(pg::Spi& spi, const RequestKeys& keys, const Uuid& new_tx_id);

// Writes an audit row for an administrative change.
void audit(pg::Spi& spi, const pg::Caller& caller, const char* action, const char* object_type,
           const std::string& object_id, const std::string& context_json);

}  // namespace mps::rpc
