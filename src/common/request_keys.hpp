// Idempotency keys and merchant order ids of money requests (ARCHITECTURE.md §4): the same key
// with the same request returns the original transaction (also while the first call is still
// in flight: the claim waits for it), the same key with a different request is refused. Keys
// live in scopes — the merchant's, the platform's, a member's — and are looked up only in the
// caller's, so no answer depends on another scope's keys.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "core/ids.hpp"
#include "core/labels.hpp"
#include "pg/spi.hpp"

namespace mps::common {

// Whose keys: a merchant (its id), a member (its id), or the platform (the nil uuid).
struct KeyOwner {
    KeyScope scope;
    Uuid id;
    static KeyOwner platform() noexcept { return {KeyScope::Platform, Uuid{}}; }
    static KeyOwner merchant(const Uuid& id) noexcept { return {KeyScope::Merchant, id}; }
    static KeyOwner member(const Uuid& id) noexcept { return {KeyScope::Member, id}; }
};

struct RequestKeys {
    std::optional<std::string> idempotency_key;
    std::optional<std::string> external_order_id;
    KeyOwner owner;
    std::array<uint8_t, 32> fingerprint;
};

// The transaction an earlier request with the same key wrote.
struct PriorTx {
    Uuid id;
    TimestampTz created_at;
};

// Claims the keys for new_tx_id. When a key already belongs to a transaction (committed, or
// in flight: the claim waits for it), returns that transaction if the request is the same,
// and raises IDEMPOTENCY_KEY_REUSED / EXTERNAL_ORDER_ID_REUSED if it is not.
std::optional<PriorTx> claim_request_keys(pg::Spi& spi, const RequestKeys& keys, const Uuid& new_tx_id);

// The result row of the earlier request's transaction, read by stmt (parameters: $1 the
// transaction id, $2 its created_at; no row when it is not of the kind the caller asks for, e.g.
// a key first used for a recharge and now for a charge: IDEMPOTENCY_KEY_REUSED).
pg::Row prior_result(pg::Spi& spi, pg::Statement& stmt, const PriorTx& prior, const char* kind);

}  // namespace mps::common
