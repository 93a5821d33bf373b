// app.merchant_charge_by_qr: a merchant charges the card behind a scanned dynamic QR code.
//
// Statements on the way (all prepared once per backend): merchant + caller's staff role,
// idempotency / order claims (only when keys are given), QR digest -> card locked FOR UPDATE
// (one unique-index lookup), and one statement (ledger.cpp) that updates the card with the
// ladder and writes the transaction, registry, point-ledger and audit rows.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"
#include "core/fingerprint.hpp"
#include "core/money.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"
#include "pg/srf.hpp"
#include "rpc/access.hpp"
#include "rpc/args.hpp"
#include "rpc/ledger.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::rpc;

namespace {

struct ChargeResult {
    Uuid tx_id;
    std::string tx_no;
    std::string card_type;
    Uuid card_id;
    int64_t final_cents;
    int32_t discount;
};

ChargeResult load_prior(Spi& spi, const PriorTx& prior) {
    static Statement stmt(
        "SELECT t.tx_no, c.card_type::text, t.card_id, t.final_amount, t.discount_applied"
        "  FROM app.transactions t JOIN app.member_cards c ON c.id = t.card_id"
        " WHERE t.id = $1 AND t.created_at = $2 AND t.tx_type = 'payment'",
        {UUIDOID, TIMESTAMPTZOID});
    SpiResult r = spi.run(stmt, {p_uuid(prior.id), p_datum(TimestampTzGetDatum(prior.created_at))});
    if (r.empty()) fail(err::IDEMPOTENCY_KEY_REUSED, "This key belongs to a transaction that is not a payment.");
    return {prior.id, r[0].string(1), r[0].string(2), r[0].uuid(3), r[0].cents(4), r[0].thousandths(5)};
}

}  // namespace

MPS_ENTRY(mps_merchant_charge_by_qr) {
    // Arguments (positional order of the seeds; p_raw_amount is the later API's name).
    std::string merchant_code = required_text_arg(fcinfo, 0, "p_merchant_code", 64);
    std::string qr = qr_arg(fcinfo, 1);
    std::optional<int64_t> raw_price = optional_amount_arg(fcinfo, 2, "p_raw_price");
    std::optional<std::string> reason = note_arg(fcinfo, 3, "p_reason", 500);
    Datum tag = tag_arg(fcinfo, 4);
    std::optional<std::string> idem_key = optional_text_arg(fcinfo, 5, "p_idempotency_key", 128);
    std::optional<std::string> order_id = optional_text_arg(fcinfo, 6, "p_external_order_id", 128);
    std::optional<int64_t> raw_amount = optional_amount_arg(fcinfo, 7, "p_raw_amount");
    if (raw_price && raw_amount) fail(err::INVALID_AMOUNT, "Give p_raw_price or p_raw_amount, not both.");
    if (!raw_price && !raw_amount) fail(err::INVALID_AMOUNT, "The amount (p_raw_price or p_raw_amount) is required.");
    const int64_t raw = raw_price ? *raw_price : *raw_amount;
    const QrDigest digest = qr_digest(qr);

    Caller caller = current_caller();
    Spi spi;
    Merchant merchant = merchant_for_staff(spi, caller, merchant_code, true);

    const Uuid tx_id = random_uuid();
    ChargeResult result;
    std::optional<PriorTx> prior;
    if (idem_key || order_id) {
        // The request's fingerprint: only requests carrying a key or an order id need one.
        RequestKeys keys{idem_key, order_id, merchant.id,
                         Fingerprint()
                             .add("merchant_charge_by_qr")
                             .add(caller.role_name)
                             .add(caller.user_id)
                             .add(merchant.id)
                             .add(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()))
                             .add(raw)
                             .add(reason)
                             .add(jsonb_text(tag))
                             .add(order_id)
                             .finish()};
        prior = claim_request_keys(spi, keys, tx_id);
    }
    if (prior) {
        result = load_prior(spi, *prior);
    } else {
        // The live QR of the card, and the card, locked. A concurrent rotation updates the QR
        // row; the lock waits for it and the re-checked digest no longer matches.
        static Statement scan(
            "SELECT " MPS_CARD_COLUMNS ", q.expires_at <= now(),"
            "       COALESCE(p.status = 'active', true),"
            "       (SELECT min(cc.fixed_discount) FROM app.card_bindings b"
            "          JOIN app.member_cards cc ON cc.id = b.card_id"
            "         WHERE c.card_type = 'standard' AND b.member_id = c.owner_member_id AND b.status = 'active'"
            "           AND cc.card_type = 'corporate' AND cc.status = 'active'"
            "           AND (cc.expires_at IS NULL OR cc.expires_at > now()))"
            "  FROM app.card_qr_state q"
            "  JOIN app.member_cards c ON c.id = q.card_id"
            "  LEFT JOIN app.member_profiles p ON p.id = c.owner_member_id"
            " WHERE q.token_digest = $1"
            "   FOR UPDATE OF c, q",
            {BYTEAOID});
        SpiResult r = spi.run(scan, {p_bytea(digest.data(), digest.size())});
        if (r.empty()) fail(err::QR_EXPIRED_OR_INVALID, "This QR code is not valid: unknown, expired, rotated or revoked.", "Ask the member to refresh the QR code.");
        Row row = r[0];
        LockedCard card = read_card(row);
        if (row.boolean(10)) fail(err::QR_EXPIRED_OR_INVALID, "This QR code has expired.", "Ask the member to refresh the QR code.");
        if (!row.boolean(11)) fail(err::MEMBER_NOT_ACTIVE, "The card owner's membership is not active.");
        require_active(card);

        // Discount: the level's for cards that earn points (or the corporate perk when better),
        // the fixed one for corporate cards, none for vouchers.
        int32_t discount = kFullPriceThousandths;
        if (card.earns_points()) {
            discount = card.discount;
            if (!row.is_null(12)) discount = std::min(discount, row.thousandths(12));
        } else if (card.type == "corporate" && card.fixed_discount) {
            discount = *card.fixed_discount;
        }
        const int64_t final_cents = apply_discount(raw, discount);
        if (final_cents == 0)
            fail(err::INVALID_AMOUNT, "At a discount of " + format_thousandths(discount) + " the amount comes to 0.00.",
                 "Charge a larger amount.");
        if (final_cents > card.balance)
            fail(err::INSUFFICIENT_BALANCE, "The card balance does not cover " + format_cents(final_cents) + ".",
                 "Recharge the card or pay a smaller amount.");
        const int64_t earned = card.earns_points() ? whole_units(raw) : 0;
        const int64_t balance_after = card.balance - final_cents;

        TxWrite tx{};
        tx.id = tx_id;
        tx.prefix = "PAY";
        tx.type = "payment";
        tx.card_id = card.id;
        tx.merchant_id = merchant.id;
        tx.raw_cents = raw;
        tx.discount = discount;
        tx.final_cents = final_cents;
        tx.points_earned = earned;
        tx.reason = reason;
        tx.external_order_id = order_id;
        tx.idempotency_key = idem_key;
        tx.tag = tag;
        tx.points_before = card.points;
        tx.points_delta = earned;
        tx.ledger_reason = "payment";
        tx.audit_action = "payment.charge";
        tx.balance_after = balance_after;
        TxWritten written = record_transaction(spi, caller, tx);
        if (card.type == "voucher") {
            static Statement close_voucher("UPDATE app.member_cards SET status = 'closed' WHERE id = $1", {UUIDOID});
            spi.run(close_voucher, {p_uuid(card.id)});
        }
        result = {tx_id, written.tx_no, card.type, card.id, final_cents, discount};
    }
    spi.finish();

    TableResult out(fcinfo);
    out.add({c_datum(uuid_datum(result.tx_id)), c_datum(text_datum(result.tx_no)), c_datum(text_datum(result.card_type)),
             c_datum(uuid_datum(result.card_id)), c_datum(cents_datum(result.final_cents)),
             c_datum(thousandths_datum(result.discount))});
    return Datum(0);
}
