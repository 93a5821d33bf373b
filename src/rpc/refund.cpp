// app.merchant_refund_tx: partial and repeated refunds of a completed payment, back to the
// paying card, never more than what remains, whatever the concurrency: the card row lock
// serializes every refund of the payment (refunds always go to the paying card), and the
// refunded total is read under that lock, from the latest refund's running total.
// SQL: sql/install/90_rpc_refund.sql.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "common/access.hpp"
#include "common/archive.hpp"
#include "common/args.hpp"
#include "common/movements.hpp"
#include "common/request_keys.hpp"
#include "core/errors.hpp"
#include "core/fingerprint.hpp"
#include "core/money.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/srf.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

// Points to claw back after a refund: what the refunded share of the payment earned,
// floor(earned × refunded / final), minus what earlier refunds already took.
int64_t clawback_for(int64_t earned, int64_t final_cents, int64_t refunded_before, int64_t refunded_after) {
    if (earned <= 0 || final_cents <= 0) return 0;
    __int128 before = (__int128)earned * refunded_before / final_cents;
    __int128 after = (__int128)earned * refunded_after / final_cents;
    return int64_t(after - before);
}

}  // namespace

MPS_ENTRY(mps_merchant_refund_tx, p_merchant_code, p_original_tx_no, p_refund_amount, p_reason, p_tag,
          p_idempotency_key) {
    const std::string merchant_code = required_text_arg(args, p_merchant_code, 64);
    const std::string original_no = required_text_arg(args, p_original_tx_no, 64);
    const int64_t amount = amount_arg(args, p_refund_amount);
    const std::optional<std::string> reason = note_arg(args, p_reason, 500);
    const Datum tag = tag_arg(args, p_tag);
    const std::optional<std::string> idem_key = optional_text_arg(args, p_idempotency_key, 128);

    Caller caller = current_caller();
    Spi spi;
    Merchant merchant = merchant_for_staff(spi, caller, merchant_code, true);
    TableResult out(args.fcinfo());

    // A retried refund (the POS timed out) with its key returns the first one; the same key
    // with another request is refused. The key lives in the merchant's scope.
    const Uuid tx_id = random_uuid();
    if (idem_key) {
        RequestKeys keys{idem_key, std::nullopt, KeyOwner::merchant(merchant.id),
                         Fingerprint()
                             .add("merchant_refund_tx")
                             .add(caller.role_name)
                             .add(caller.user_id)
                             .add(merchant.id)
                             .add(original_no)
                             .add(amount)
                             .add(reason)
                             .add(jsonb_text(tag))
                             .finish()};
        if (std::optional<PriorTx> prior = claim_request_keys(spi, keys, tx_id)) {
            static Statement load(SPI_OK_SELECT,
                                  "SELECT id, tx_no, final_amount FROM app.transactions"
                                  " WHERE id = $1 AND created_at = $2 AND tx_type = 'refund'",
                                  {UUIDOID, TIMESTAMPTZOID});
            const Row r = prior_result(spi, load, *prior, "refund");
            out.add({r.cell(1), r.cell(2), r.cell(3)});
            spi.finish();
            return Datum(0);
        }
    }

    static Statement find_original(SPI_OK_SELECT,
                                   "SELECT tx_id, created_at, tx_type::text, card_id FROM app.tx_registry"
                                   " WHERE tx_no = $1 AND merchant_id = $2",
                                   {TEXTOID, UUIDOID});
    SpiResult found = spi.run(find_original, {p_text(original_no), p_uuid(merchant.id)});
    if (found.empty()) fail(err::ORIGINAL_TX_NOT_FOUND, "No transaction " + original_no + " at this merchant.");
    const Uuid original_id = found[0].uuid(1);
    const TimestampTz original_at = found[0].timestamptz(2);
    if (found[0].label<TxType>(3) != TxType::Payment) fail(err::TX_NOT_REFUNDABLE, "Only payments can be refunded.");
    const Uuid card_id = found[0].uuid(4);

    // The paying card's lock orders every refund of this payment.
    std::optional<LockedCard> card = lock_card(spi, card_id);
    if (!card) throw std::runtime_error("payment card vanished");
    // A frozen, closed or expired card, or one of a suspended member, takes no money.
    require_active(*card);

    // The refunded total so far is the latest refund's running total: the largest one, read
    // from each partition's (original_tx_id, refunded_after) index, so a refund costs the same
    // after 10^5 earlier refunds as after none. Every partition is searched: a refund's
    // created_at is the start of its transaction, which may precede the payment's (a transaction
    // begun before the payment committed), so no time bound on refunds is safe. Refunds go to the
    // paying card, so both reads name it: each stays within the card's group (DESIGN §9).
    static Statement read_payment(
        SPI_OK_SELECT,
        "SELECT p.status::text, (p.final_amount * 100)::int8, p.points_earned,"
        "       (SELECT (COALESCE(max(r.refunded_after), 0) * 100)::int8 FROM app.transactions r"
        "         WHERE r.original_tx_id = $1 AND r.card_id = $3)"
        "  FROM app.transactions p WHERE p.id = $1 AND p.created_at = $2 AND p.card_id = $3",
        {UUIDOID, TIMESTAMPTZOID, UUIDOID}, Statement::Plan::Generic);  // the payment's partition is pruned at run time
    SpiResult pay = spi.run(read_payment, {p_uuid(original_id), p_timestamptz(original_at), p_uuid(card_id)});
    if (pay.empty()) {
        // Registered but not live: its month was archived (checked only here, off the hot path).
        if (std::optional<std::string> month = archived_month_of(spi, original_at))
            fail(err::TX_ARCHIVED, "Payment " + original_no + " belongs to " + *month + ", an archived month: it can no longer be refunded.",
                 "A platform administrator can return the money with adjust_card_balance.");
        throw std::runtime_error("registered payment row missing");
    }
    const TxStatus status = pay[0].label<TxStatus>(1);
    const int64_t final_cents = pay[0].cents(2);
    const int64_t earned = pay[0].integer(3);
    const int64_t refunded_before = pay[0].cents(4);
    const int64_t remaining = final_cents - refunded_before;
    if (status == TxStatus::Refunded) fail(err::REFUND_EXCEEDS_REMAINING, "The payment is already fully refunded.");
    if (status != TxStatus::Completed) fail(err::TX_NOT_REFUNDABLE, "The payment did not complete.");
    if (amount > remaining)
        fail(err::REFUND_EXCEEDS_REMAINING, "The refund of " + format_cents(amount) +
                                                " exceeds the refundable remainder of " + format_cents(remaining) +
                                                ".");

    std::optional<int64_t> balance_after = add_cents(card->balance, amount);
    if (!balance_after) fail(err::BALANCE_LIMIT_EXCEEDED, "The refund would take the card balance over 9999999999.99.");
    const int64_t refunded_after = refunded_before + amount;
    const int64_t clawback = std::min(clawback_for(earned, final_cents, refunded_before, refunded_after), card->points);

    if (refunded_after == final_cents) {
        static Statement mark_refunded(
            SPI_OK_UPDATE, "UPDATE app.transactions SET status = 'refunded' WHERE id = $1 AND created_at = $2",
            {UUIDOID, TIMESTAMPTZOID});
        spi.run(mark_refunded, {p_uuid(original_id), p_timestamptz(original_at)});
    }
    TxWrite tx{};
    tx.id = tx_id;
    tx.type = TxType::Refund;
    tx.card_id = card_id;
    tx.merchant_id = merchant.id;
    tx.raw_cents = amount;
    tx.final_cents = amount;
    tx.points_earned = -clawback;
    tx.reason = reason;
    tx.original_tx_id = original_id;
    tx.idempotency_key = idem_key;
    tx.tag = tag;
    tx.points_before = card->points;
    tx.points_delta = -clawback;
    tx.ledger_reason = "refund";
    tx.audit_action = "payment.refund";
    tx.balance_after = *balance_after;
    tx.refunded_after_cents = refunded_after;
    TxWritten written = record_transaction(spi, caller, tx);
    spi.finish();
    out.add({p_uuid(tx.id), written.tx_no, p_cents(amount)});
    return Datum(0);
}
