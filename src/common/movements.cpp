#include "common/movements.hpp"

#include <stdexcept>

#include "common/audit.hpp"
#include "core/errors.hpp"
#include "core/json.hpp"
#include "core/numbers.hpp"
#include "pg/convert.hpp"
#include "pg/failure_log.hpp"
#include "pg/waits.hpp"

namespace mps::common {

using namespace mps::pg;

namespace {

// The tx_no prefix of each transaction type.
const char* tx_no_prefix(TxType type) noexcept {
    switch (type) {
        case TxType::Payment: return "PAY";
        case TxType::Refund: return "REF";
        case TxType::Recharge: return "RCG";
        case TxType::Adjustment: return "ADJ";
    }
    return "TX";
}

// Numbers queued by queue_tx_numbers_for_test, tried first to last.
std::vector<std::string> g_queued_tx_numbers;

std::string next_tx_number(TxType type, const std::string& date) {
    if (g_queued_tx_numbers.empty()) return random_number(tx_no_prefix(type), date, kTxNumberDigits);
    std::string next = std::move(g_queued_tx_numbers.front());
    g_queued_tx_numbers.erase(g_queued_tx_numbers.begin());
    return next;
}

}  // namespace

void queue_tx_numbers_for_test(std::vector<std::string> numbers) { g_queued_tx_numbers = std::move(numbers); }

LockedCard read_card(const Row& row) {
    LockedCard card;
    card.id = row.uuid(1);
    card.type = row.label<CardType>(2);
    card.status = row.label<CardStatus>(3);
    card.expired = row.boolean(4);
    card.balance = row.cents(5);
    card.points = row.integer(6);
    card.discount = row.thousandths(7);
    if (!row.is_null(8)) card.fixed_discount = row.thousandths(8);
    card.owner_member_id = row.opt_uuid(9);
    card.owner_active = row.boolean(10);
    card.voucher_merchant_id = row.opt_uuid(11);
    return card;
}

std::optional<LockedCard> lock_card(Spi& spi, const Uuid& card_id) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT " MPS_CARD_COLUMNS " FROM app.member_cards c WHERE c.id = $1 FOR UPDATE", {UUIDOID});
    // Noted before the lock, so that a CARD_BUSY refusal names the card it waited for (a card
    // that does not exist is noted too: the id the call was about).
    note_failure_card(card_id);
    SpiResult r = run_card_lock(spi, stmt, {p_uuid(card_id)});
    if (r.empty()) return std::nullopt;
    return read_card(r[0]);
}

void require_active(const LockedCard& card) {
    if (card.status != CardStatus::Active)
        fail(err::CARD_NOT_ACTIVE, "The card is " + std::string(label(card.status)) + ".");
    if (card.expired) fail(err::CARD_NOT_ACTIVE, "The card has expired.");
    require_owner_active(card);
}

void require_owner_active(const LockedCard& card) {
    if (!card.owner_active) fail(err::MEMBER_NOT_ACTIVE, "The card owner's membership is not active.");
}

TxWritten record_transaction(Spi& spi, const Caller& caller, const TxWrite& tx) {
    if (waited_in_this_transaction())
        fail(err::READ_COMMITTED_REQUIRED, "A money movement after generate_settlement in the same transaction would fall "
                                           "into a period already settled.",
             "Move money in a transaction of its own.");
    static Statement stmt(
        SPI_OK_SELECT,
        "WITH r AS ("
        "  INSERT INTO app.tx_registry (tx_no, tx_id, created_at, tx_type, card_id, merchant_id)"
        "  VALUES ($2, $1, now(), $3::app.tx_type, $4, $5) ON CONFLICT (tx_no) DO NOTHING RETURNING tx_no),"
        " c AS ("
        "  UPDATE app.member_cards c SET balance = $22, points = $19 + $18, updated_at = now(),"
        "         level = CASE WHEN c.card_type IN ('standard', 'prepaid') THEN l.level ELSE c.level END,"
        "         discount = CASE WHEN c.card_type IN ('standard', 'prepaid') THEN l.discount ELSE c.discount END"
        "    FROM app.membership_levels l"
        "   WHERE c.id = $4 AND l.min_points <= $19 + $18 AND (l.max_points IS NULL OR l.max_points >= $19 + $18)"
        "     AND EXISTS (SELECT 1 FROM r)"
        "  RETURNING 1),"
        " t AS ("
        "  INSERT INTO app.transactions (id, tx_no, tx_type, card_id, merchant_id, raw_amount, discount_applied,"
        "         final_amount, points_earned, status, reason, payment_method, external_order_id, idempotency_key,"
        "         original_tx_id, actor_user_id, actor_role, tag, created_at, partner_organization_id, discount_source,"
        "         refunded_after)"
        "  SELECT $1, r.tx_no, $3::app.tx_type, $4, $5, $6, $7, $8, $9, 'completed', $10, $11, $12, $13, $14, $15, $16,"
        "         $17, now(), $24, $25, $26 FROM r"
        "  RETURNING id, tx_no, card_id, created_at),"
        " p AS (INSERT INTO app.point_ledger (card_id, delta, balance_before, balance_after, tx_id, reason, "
        "actor_user_id)"
        "       SELECT card_id, $18, $19, $19 + $18, id, $20, $15 FROM t WHERE $18 <> 0),"
        " a AS (INSERT INTO audit.event_log (actor_user_id, actor_role, action, object_type, object_id, context)"
        "       SELECT $15, $16, $21, 'transaction', tx_no, $23 FROM t)"
        "SELECT tx_no, created_at, (SELECT count(*) FROM c) FROM t",
        {UUIDOID,  TEXTOID, TEXTOID, UUIDOID, UUIDOID, NUMERICOID, NUMERICOID, NUMERICOID,
         INT8OID,  TEXTOID, TEXTOID, TEXTOID, TEXTOID, UUIDOID,    UUIDOID,    TEXTOID,
         JSONBOID, INT8OID, INT8OID, TEXTOID, TEXTOID, NUMERICOID, JSONBOID, UUIDOID, TEXTOID, NUMERICOID});
    JsonObject context;
    context.add("tx_type", label(tx.type))
        .add("card_id", tx.card_id)
        .add("merchant_id", tx.merchant_id)
        .add_cents("amount", tx.final_cents)
        .add_cents("balance_after", tx.balance_after)
        .add("original_tx_id", tx.original_tx_id)
        .add("partner_organization_id", tx.partner_organization_id);
    if (tx.points_delta != 0) context.add("points_delta", tx.points_delta);
    // The number's date is the transaction's (created_at is now(), the transaction start).
    const std::string date = utc_date_digits(GetCurrentTransactionStartTimestamp());
    for (int attempt = 0; attempt < 5; ++attempt) {
        const std::string tx_no = next_tx_number(tx.type, date);
        SpiResult r = spi.run(stmt, {p_uuid(tx.id),
                                     p_text(tx_no),
                                     p_text(label(tx.type)),
                                     p_uuid(tx.card_id),
                                     p_opt_uuid(tx.merchant_id),
                                     p_cents(tx.raw_cents),
                                     p_opt_thousandths(tx.discount),
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
                                     p_cents(tx.balance_after),
                                     p_jsonb(context.str()),
                                     p_opt_uuid(tx.partner_organization_id),
                                     tx.discount_source ? p_text(tx.discount_source) : p_null(),
                                     tx.refunded_after_cents ? p_cents(*tx.refunded_after_cents) : p_null()});
        if (r.empty()) continue;  // the number was taken: nothing was written, draw another
        if (r[0].integer(3) != 1) throw std::runtime_error("membership ladder has no level for the card's points");
        return {r[0].copy(1), r[0].timestamptz(2)};
    }
    throw std::runtime_error("five random transaction numbers in a row were taken");
}

}  // namespace mps::common
