#include "rpc/ledger.hpp"

#include <sodium.h>

#include <stdexcept>

#include "core/errors.hpp"
#include "core/money.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"

namespace mps::rpc {

using namespace mps::pg;

// The columns every card read selects, in this order (see kCardColumns in ledger.hpp).
LockedCard read_card(const Row& row) {
    LockedCard card;
    card.id = row.uuid(1);
    card.type = row.string(2);
    card.status = row.string(3);
    card.expired = row.boolean(4);
    card.balance = row.cents(5);
    card.points = row.integer(6);
    card.discount = row.thousandths(7);
    if (!row.is_null(8)) card.fixed_discount = row.thousandths(8);
    card.owner_member_id = row.opt_uuid(9);
    return card;
}

std::optional<LockedCard> lock_card(Spi& spi, const Uuid& card_id) {
    static Statement stmt("SELECT " MPS_CARD_COLUMNS " FROM app.member_cards c WHERE c.id = $1 FOR UPDATE", {UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(card_id)});
    if (r.empty()) return std::nullopt;
    return read_card(r[0]);
}

void require_active(const LockedCard& card) {
    if (card.status != "active") fail(err::CARD_NOT_ACTIVE, "The card is " + card.status + ".");
    if (card.expired) fail(err::CARD_NOT_ACTIVE, "The card has expired.");
}

TxWritten record_transaction(Spi& spi, const Caller& caller, const TxWrite& tx) {
    static Statement stmt(
        "WITH c AS ("
        "  UPDATE app.member_cards c SET balance = $22, points = $19 + $18, updated_at = now(),"
        "         level = CASE WHEN c.card_type IN ('standard', 'prepaid') THEN l.level ELSE c.level END,"
        "         discount = CASE WHEN c.card_type IN ('standard', 'prepaid') THEN l.discount ELSE c.discount END"
        "    FROM app.membership_levels l"
        "   WHERE c.id = $4 AND l.min_points <= $19 + $18 AND (l.max_points IS NULL OR l.max_points >= $19 + $18)"
        "  RETURNING 1),"
        " t AS ("
        "  INSERT INTO app.transactions (id, tx_no, tx_type, card_id, merchant_id, raw_amount, discount_applied,"
        "         final_amount, points_earned, status, reason, payment_method, external_order_id, idempotency_key,"
        "         original_tx_id, actor_user_id, actor_role, tag, created_at)"
        "  VALUES ($1, $2 || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD') || lpad(nextval('app.tx_no_seq')::text, 10, '0'),"
        "          $3::app.tx_type, $4, $5, $6, $7, $8, $9, 'completed', $10, $11, $12, $13, $14, $15, $16, $17, now())"
        "  RETURNING id, tx_no, tx_type, card_id, merchant_id, final_amount, original_tx_id, created_at),"
        " r AS (INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id, merchant_id)"
        "       SELECT tx_no, id, created_at, tx_type, card_id, merchant_id FROM t),"
        " p AS (INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, tx_id, reason, actor_user_id)"
        "       SELECT card_id, $18, $19, $19 + $18, id, $20, $15 FROM t WHERE $18 <> 0),"
        " a AS (INSERT INTO audit.event_log (actor_user_id, actor_role, action, object_type, object_id, context)"
        "       SELECT $15, $16, $21, 'transaction', tx_no,"
        "              jsonb_strip_nulls(jsonb_build_object('tx_type', tx_type, 'card_id', card_id,"
        "                  'merchant_id', merchant_id, 'amount', final_amount, 'balance_after', $22,"
        "                  'points_delta', NULLIF($18, 0), 'original_tx_id', original_tx_id)) FROM t)"
        "SELECT tx_no, created_at, (SELECT count(*) FROM c) FROM t",
        {UUIDOID, TEXTOID, TEXTOID, UUIDOID, UUIDOID, NUMERICOID, NUMERICOID, NUMERICOID, INT8OID, TEXTOID,
         TEXTOID, TEXTOID, TEXTOID, UUIDOID, UUIDOID, TEXTOID, JSONBOID, INT8OID, INT8OID, TEXTOID, TEXTOID,
         NUMERICOID});
    SpiResult r = spi.run(stmt, {p_uuid(tx.id),
                                 p_text(tx.prefix),
                                 p_text(tx.type),
                                 p_uuid(tx.card_id),
                                 p_opt_uuid(tx.merchant_id),
                                 p_cents(tx.raw_cents),
                                 tx.discount ? p_thousandths(*tx.discount) : p_null(),
                                 p_cents(tx.final_cents),
                                 p_int64(tx.points_earned),
                                 p_opt_text(tx.reason),
                                 p_opt_text(tx.payment_method),
                                 p_opt_text(tx.external_order_id),
                                 p_opt_text(tx.idempotency_key),
                                 p_opt_uuid(tx.original_tx_id),
                                 p_opt_uuid(caller.user_id),
                                 p_text(caller.role_name),
                                 p_datum(tx.tag),
                                 p_int64(tx.points_delta),
                                 p_int64(tx.points_before),
                                 p_text(tx.ledger_reason),
                                 p_text(tx.audit_action),
                                 p_cents(tx.balance_after)});
    if (r.size() != 1) throw std::runtime_error("transaction insert returned no row");
    if (r[0].integer(3) != 1) throw std::runtime_error("membership ladder has no level for the card's points");
    return {r[0].string(1), r[0].timestamptz(2)};
}

namespace {

bool same_fingerprint(const Row& row, int col, const std::array<uint8_t, 32>& fp) {
    bool isnull;
    Datum d = row.datum_copy(col, &isnull);
    if (isnull) return false;
    bytea* stored = reinterpret_cast<bytea*>(DatumGetPointer(d));
    return VARSIZE_ANY_EXHDR(stored) == fp.size() &&
           sodium_memcmp(VARDATA_ANY(stored), fp.data(), fp.size()) == 0;
}

}  // namespace

std::optional<PriorTx> claim_request_keys(Spi& spi, const RequestKeys& keys, const Uuid& new_tx_id) {
    static Statement claim_key(
        "INSERT INTO app.idempotency_registry (idempotency_key, fingerprint, tx_id, tx_created_at)"
        " VALUES ($1, $2, $3, now()) ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1",
        {TEXTOID, BYTEAOID, UUIDOID});
    static Statement read_key(
        "SELECT fingerprint, tx_id, tx_created_at FROM app.idempotency_registry WHERE idempotency_key = $1",
        {TEXTOID});
    static Statement release_key(
        "DELETE FROM app.idempotency_registry WHERE idempotency_key = $1 AND tx_id = $2", {TEXTOID, UUIDOID});
    static Statement claim_order(
        "INSERT INTO app.merchant_order_registry (merchant_id, external_order_id, fingerprint, tx_id, tx_created_at)"
        " VALUES ($1, $2, $3, $4, now())"
        " ON CONFLICT ((COALESCE(merchant_id, '00000000-0000-0000-0000-000000000000'::uuid)), external_order_id)"
        " DO NOTHING RETURNING 1",
        {UUIDOID, TEXTOID, BYTEAOID, UUIDOID});
    static Statement read_order(
        "SELECT fingerprint, tx_id, tx_created_at FROM app.merchant_order_registry"
        " WHERE COALESCE(merchant_id, '00000000-0000-0000-0000-000000000000'::uuid)"
        "     = COALESCE($1, '00000000-0000-0000-0000-000000000000'::uuid) AND external_order_id = $2",
        {UUIDOID, TEXTOID});

    Param fp = p_bytea(keys.fingerprint.data(), keys.fingerprint.size());
    bool key_claimed = false;
    if (keys.idempotency_key) {
        // Waits for a concurrent holder of the key to finish; a committed holder wins.
        if (spi.run(claim_key, {p_text(*keys.idempotency_key), fp, p_uuid(new_tx_id)}).empty()) {
            SpiResult prior = spi.run(read_key, {p_text(*keys.idempotency_key)});
            if (prior.empty()) throw std::runtime_error("idempotency key vanished while claimed");
            if (!same_fingerprint(prior[0], 1, keys.fingerprint))
                fail(err::IDEMPOTENCY_KEY_REUSED, "This idempotency key was already used for a different request.",
                     "Use a new key for a new request; reuse a key only to retry the very same request.");
            return PriorTx{prior[0].uuid(2), prior[0].timestamptz(3)};
        }
        key_claimed = true;
    }
    if (keys.external_order_id) {
        if (spi.run(claim_order, {p_opt_uuid(keys.merchant_id), p_text(*keys.external_order_id), fp, p_uuid(new_tx_id)})
                .empty()) {
            SpiResult prior = spi.run(read_order, {p_opt_uuid(keys.merchant_id), p_text(*keys.external_order_id)});
            if (prior.empty()) throw std::runtime_error("external order id vanished while claimed");
            if (!same_fingerprint(prior[0], 1, keys.fingerprint))
                fail(err::EXTERNAL_ORDER_ID_REUSED, "This external order id was already used for a different request.");
            if (key_claimed) spi.run(release_key, {p_text(*keys.idempotency_key), p_uuid(new_tx_id)});
            return PriorTx{prior[0].uuid(2), prior[0].timestamptz(3)};
        }
    }
    return std::nullopt;
}

void audit(Spi& spi, const Caller& caller, const char* action, const char* object_type, const std::string& object_id,
           const std::string& context_json) {
    static Statement stmt(
        "INSERT INTO audit.event_log (actor_user_id, actor_role, action, object_type, object_id, context)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
        {UUIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID});
    spi.run(stmt, {p_opt_uuid(caller.user_id), p_text(caller.role_name), p_text(action), p_text(object_type),
                   p_text(object_id), p_text(context_json)});
}

}  // namespace mps::rpc
