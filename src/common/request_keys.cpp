#include "common/request_keys.hpp"

#include <sodium.h>

#include <stdexcept>

#include "common/archive.hpp"
#include "core/errors.hpp"
#include "pg/convert.hpp"

namespace mps::common {

using namespace mps::pg;

namespace {

// Compared in constant time: a fingerprint is a digest of the request.
bool same_fingerprint(const Row& row, int col, const std::array<uint8_t, 32>& fp) {
    if (row.is_null(col)) return false;
    std::string_view stored = row.bytes(col);
    return stored.size() == fp.size() && sodium_memcmp(stored.data(), fp.data(), fp.size()) == 0;
}

}  // namespace

std::optional<PriorTx> claim_request_keys(Spi& spi, const RequestKeys& keys, const Uuid& new_tx_id) {
    static Statement claim_key(
        SPI_OK_INSERT_RETURNING,
        "INSERT INTO app.idempotency_registry (scope, scope_id, idempotency_key, fingerprint, tx_id, tx_created_at)"
        " VALUES ($1::app.key_scope, $2, $3, $4, $5, now())"
        " ON CONFLICT (scope, scope_id, idempotency_key) DO NOTHING RETURNING 1",
        {TEXTOID, UUIDOID, TEXTOID, BYTEAOID, UUIDOID});
    static Statement read_key(SPI_OK_SELECT,
                              "SELECT fingerprint, tx_id, tx_created_at FROM app.idempotency_registry"
                              " WHERE scope = $1::app.key_scope AND scope_id = $2 AND idempotency_key = $3",
                              {TEXTOID, UUIDOID, TEXTOID});
    static Statement release_key(SPI_OK_DELETE,
                                 "DELETE FROM app.idempotency_registry"
                                 " WHERE scope = $1::app.key_scope AND scope_id = $2 AND idempotency_key = $3"
                                 "   AND tx_id = $4",
                                 {TEXTOID, UUIDOID, TEXTOID, UUIDOID});
    static Statement claim_order(SPI_OK_INSERT_RETURNING,
                                 "INSERT INTO app.merchant_order_registry (scope, scope_id, external_order_id, "
                                 "fingerprint, tx_id, tx_created_at)"
                                 " VALUES ($1::app.key_scope, $2, $3, $4, $5, now())"
                                 " ON CONFLICT (scope, scope_id, external_order_id) DO NOTHING RETURNING 1",
                                 {TEXTOID, UUIDOID, TEXTOID, BYTEAOID, UUIDOID});
    static Statement read_order(SPI_OK_SELECT,
                                "SELECT fingerprint, tx_id, tx_created_at FROM app.merchant_order_registry"
                                " WHERE scope = $1::app.key_scope AND scope_id = $2 AND external_order_id = $3",
                                {TEXTOID, UUIDOID, TEXTOID});

    const Value scope = p_text(label(keys.owner.scope));
    const Value scope_id = p_uuid(keys.owner.id);
    const Value fp = p_bytea(keys.fingerprint.data(), keys.fingerprint.size());
    bool key_claimed = false;
    if (keys.idempotency_key) {
        const Value key = p_text(*keys.idempotency_key);
        // Waits for a concurrent holder of the key to finish; a committed holder wins.
        if (spi.run(claim_key, {scope, scope_id, key, fp, p_uuid(new_tx_id)}).empty()) {
            SpiResult prior = spi.run(read_key, {scope, scope_id, key});
            if (prior.empty()) throw std::runtime_error("idempotency key vanished while claimed");
            if (!same_fingerprint(prior[0], 1, keys.fingerprint))
                fail(err::IDEMPOTENCY_KEY_REUSED, "This idempotency key was already used for a different request.",
                     "Use a new key for a new request; reuse a key only to retry the very same request.");
            return PriorTx{prior[0].uuid(2), prior[0].timestamptz(3)};
        }
        key_claimed = true;
    }
    if (keys.external_order_id) {
        const Value order = p_text(*keys.external_order_id);
        if (spi.run(claim_order, {scope, scope_id, order, fp, p_uuid(new_tx_id)}).empty()) {
            SpiResult prior = spi.run(read_order, {scope, scope_id, order});
            if (prior.empty()) throw std::runtime_error("external order id vanished while claimed");
            if (!same_fingerprint(prior[0], 1, keys.fingerprint))
                fail(err::EXTERNAL_ORDER_ID_REUSED, "This external order id was already used for a different request.");
            if (key_claimed) spi.run(release_key, {scope, scope_id, p_text(*keys.idempotency_key), p_uuid(new_tx_id)});
            return PriorTx{prior[0].uuid(2), prior[0].timestamptz(3)};
        }
    }
    return std::nullopt;
}

Row prior_result(Spi& spi, Statement& stmt, const PriorTx& prior, const char* kind) {
    SpiResult r = spi.run(stmt, {p_uuid(prior.id), p_timestamptz(prior.created_at)});
    if (r.empty()) refuse_if_archived(spi, prior.created_at, "The transaction of this key");
    if (r.empty())
        fail(err::IDEMPOTENCY_KEY_REUSED, std::string("This key belongs to a transaction that is not a ") + kind + ".");
    return r[0];
}

}  // namespace mps::common
