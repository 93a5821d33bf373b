// app.merchant_charge_by_qr: a merchant charges the card behind a scanned dynamic QR code.
// SQL: sql/install/90_rpc_charge.sql.
//
// Statements on the way (all prepared once per backend): merchant + caller's staff role,
// idempotency / order claims in the merchant's scope (only when keys are given), QR digest ->
// card (one unique-index lookup), the card locked FOR UPDATE, the code checked and consumed
// under that lock, and one statement (common/movements.cpp) that updates the card with the
// ladder and writes the transaction, registry, point-ledger and audit rows.
#include <algorithm>
#include <string>

#include "common/access.hpp"
#include "common/args.hpp"
#include "common/card_life.hpp"
#include "common/movements.hpp"
#include "common/organizations.hpp"
#include "common/request_keys.hpp"
#include "core/errors.hpp"
#include "core/fingerprint.hpp"
#include "core/money.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/failure_log.hpp"
#include "pg/settings.hpp"
#include "pg/srf.hpp"
#include "pg/waits.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

// The result row of an earlier charge with the same key, read in place.
void return_prior(Spi& spi, TableResult& out, const PriorTx& prior) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT t.id, t.tx_no, c.card_type::text, t.card_id, t.final_amount, t.discount_applied, t.points_earned,"
                          "       t.discount_source, t.partner_organization_id"
                          "  FROM app.transactions t JOIN app.member_cards c ON c.id = t.card_id"
                          " WHERE t.id = $1 AND t.created_at = $2 AND t.tx_type = 'payment'",
                          {UUIDOID, TIMESTAMPTZOID});
    const Row r = prior_result(spi, stmt, prior, "payment");
    out.add({r.cell(1), r.cell(2), r.cell(3), r.cell(4), r.cell(5), r.cell(6), r.cell(7), r.cell(8), r.cell(9)});
}

}  // namespace

MPS_ENTRY(mps_merchant_charge_by_qr, p_merchant_code, p_qr_plain, p_raw_price, p_reason, p_tag, p_idempotency_key,
          p_external_order_id, p_raw_amount) {
    const std::string merchant_code = required_text_arg(args, p_merchant_code, 64);
    const std::string qr = qr_arg(args, p_qr_plain);
    const std::optional<int64_t> raw_price = optional_amount_arg(args, p_raw_price);
    const std::optional<std::string> reason = note_arg(args, p_reason, 500);
    const Datum tag = tag_arg(args, p_tag);
    const std::optional<std::string> idem_key = optional_text_arg(args, p_idempotency_key, 128);
    const std::optional<std::string> order_id = optional_text_arg(args, p_external_order_id, 128);
    const std::optional<int64_t> raw_amount = optional_amount_arg(args, p_raw_amount);
    if (raw_price && raw_amount) fail(err::INVALID_AMOUNT, "Give p_raw_price or p_raw_amount, not both.");
    if (!raw_price && !raw_amount) fail(err::INVALID_AMOUNT, "The amount (p_raw_price or p_raw_amount) is required.");
    const int64_t raw = raw_price ? *raw_price : *raw_amount;
    const QrDigest digest = qr_digest(qr);

    Caller caller = current_caller();
    Spi spi;
    Merchant merchant = merchant_for_staff(spi, caller, merchant_code, true);
    TableResult out(args.fcinfo());

    const Uuid tx_id = random_uuid();
    std::optional<PriorTx> prior;
    if (idem_key || order_id) {
        // The request's fingerprint: only requests carrying a key or an order id need one.
        RequestKeys keys{idem_key, order_id, KeyOwner::merchant(merchant.id),
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
        return_prior(spi, out, *prior);
        spi.finish();
        return Datum(0);
    }

    // The card behind the code, then the card locked, then the code checked again under the lock
    // and (unless the deployment lets a code pay until it expires, mps.qr_reuse_within_ttl)
    // consumed: deleted, its history row ended as used; an error later rolls that back and the
    // code stays live. The card lock comes before any QR row lock, as in every RPC that changes a
    // card's code (rotate, revoke, freeze, unbind, expiry), so none of them can deadlock with a
    // charge. A rotation or a second charge with the same code that held the card lock first has
    // replaced or consumed the code: the check under the lock finds nothing. Expiry is judged now
    // (clock_timestamp()), not at BEGIN.
    // (Who minted the code: a member's app names the member who pays, for a shared card too.)
    static Statement find(SPI_OK_SELECT,
                          "SELECT card_id, CASE WHEN issued_by_role = 'authenticated' THEN issued_by END"
                          "  FROM app.card_qr_state WHERE token_digest = $1",
                          {BYTEAOID});
    const char* invalid = "This QR code is not valid: unknown, expired, used, rotated or revoked.";
    const char* refresh = "Ask the member to refresh the QR code.";
    SpiResult found = spi.run(find, {p_bytea(digest.data(), digest.size())});
    if (found.empty()) fail(err::QR_EXPIRED_OR_INVALID, invalid, refresh);
    const Uuid card_id = found[0].uuid(1);
    const std::optional<Uuid> minted_by = found[0].opt_uuid(2);
    note_failure_card(card_id);
    // The card with, read in the same statement, the corporate perk of a standard card's owner
    // and, at a merchant with partner discounts, the partnership discount of the payer's current
    // verified organisation there (seed 003): the payer is the member who minted the code, else
    // the card's owner. Elsewhere the partnership columns are NULL.
#define MPS_CHARGE_CARD_SCAN                                                                           \
    "SELECT " MPS_CARD_COLUMNS                                                                         \
    ",      (SELECT (min(cc.fixed_discount) * 1000)::int4 FROM app.card_bindings b"                    \
    "          JOIN app.member_cards cc ON cc.id = b.card_id"                                          \
    "         WHERE c.card_type = 'standard' AND b.member_id = c.owner_member_id"                      \
    "           AND b.status = 'active' AND cc.card_type = 'corporate' AND cc.status = 'active'"       \
    "           AND (cc.expires_at IS NULL OR cc.expires_at > clock_timestamp())),"
    static Statement scan_partner(SPI_OK_SELECT,
                                  MPS_CHARGE_CARD_SCAN
                                  "       pd.organization_id, pd.discount"
                                  "  FROM app.member_cards c"
                                  "  LEFT JOIN LATERAL ("
                                  "    SELECT u.organization_id, (1000 - p.discount_rate * 10)::int4 AS discount"
                                  "      FROM app.user_organizations u"
                                  "      JOIN app.organizations o ON o.id = u.organization_id AND o.is_active"
                                  "      JOIN app.organization_merchant_partnerships p"
                                  "        ON p.organization_id = u.organization_id AND p.merchant_id = $3"
                                  "     WHERE u.member_id = COALESCE((SELECT mp.id FROM app.member_profiles mp WHERE mp.user_id = $2),"
                                  "                                  c.owner_member_id)"
                                  "       AND u.is_current AND u.is_active AND u.verification_status = 'verified'"
                                  "       AND p.discount_rate > 0 AND " MPS_PARTNERSHIP_LIVE("$4") ") pd ON true"
                                  " WHERE c.id = $1 FOR UPDATE OF c",
                                  {UUIDOID, UUIDOID, UUIDOID, TEXTOID});
    static Statement scan_plain(SPI_OK_SELECT,
                                MPS_CHARGE_CARD_SCAN "       NULL::uuid, NULL::int4 FROM app.member_cards c"
                                                     " WHERE c.id = $1 FOR UPDATE OF c",
                                {UUIDOID});
#undef MPS_CHARGE_CARD_SCAN
    SpiResult r = merchant.partner_discounts
                      ? run_card_lock(spi, scan_partner, {p_uuid(card_id), p_opt_uuid(minted_by), p_uuid(merchant.id),
                                                          p_text(settlement_time_zone)})
                      : run_card_lock(spi, scan_plain, {p_uuid(card_id)});
    if (r.empty()) fail(err::QR_EXPIRED_OR_INVALID, invalid, refresh);
    static Statement consume(SPI_OK_SELECT,
                             "WITH q AS (DELETE FROM app.card_qr_state s WHERE s.token_digest = $1 AND s.card_id = $2"
                             "           RETURNING s.card_id, s.token_digest, s.expires_at),"
                             " h AS (UPDATE app.card_qr_history h SET ended_at = clock_timestamp(), end_reason = 'used'"
                             "         FROM q WHERE h.card_id = q.card_id AND h.token_digest = q.token_digest"
                             "          AND h.ended_at IS NULL)"
                             "SELECT q.expires_at <= clock_timestamp() FROM q",
                             {BYTEAOID, UUIDOID});
    static Statement still_live(SPI_OK_SELECT,
                                "SELECT expires_at <= clock_timestamp() FROM app.card_qr_state"
                                " WHERE token_digest = $1 AND card_id = $2",
                                {BYTEAOID, UUIDOID});
    SpiResult code = spi.run(qr_reuse_within_ttl ? still_live : consume,
                             {p_bytea(digest.data(), digest.size()), p_uuid(card_id)});
    if (code.empty()) fail(err::QR_EXPIRED_OR_INVALID, invalid, refresh);
    if (code[0].boolean(1)) fail(err::QR_EXPIRED_OR_INVALID, "This QR code has expired.", refresh);
    const Row row = r[0];
    const LockedCard card = read_card(row);
    require_active(card);
    if (card.type == CardType::Voucher && card.voucher_merchant_id && *card.voucher_merchant_id != merchant.id)
        fail(err::CARD_NOT_ACCEPTED_HERE, "This voucher is redeemable only at the merchant that issued it.");

    if (is_loyalty(card.type)) fail(err::CARD_TYPE_MISMATCH, "A loyalty card holds points and does not pay.");

    // Discount: the level's for cards that earn points (or the corporate perk when better),
    // the fixed one for corporate cards, none for vouchers; then the partnership's, when the
    // payer's current organisation has one with this merchant and it is better. The better of
    // the two applies, never both (README, "Partner discounts").
    int32_t discount = kFullPriceThousandths;
    const char* source = "none";
    if (earns_points(card.type)) {
        discount = card.discount;
        source = discount < kFullPriceThousandths ? "level" : "none";
        if (!row.is_null(kCardColumns + 1) && row.thousandths(kCardColumns + 1) < discount) {
            discount = row.thousandths(kCardColumns + 1);
            source = "corporate";
        }
    } else if (card.type == CardType::Corporate && card.fixed_discount) {
        discount = *card.fixed_discount;
        source = "corporate";
    }
    std::optional<Uuid> partner;
    if (card.type != CardType::Voucher && !row.is_null(kCardColumns + 2) && row.thousandths(kCardColumns + 3) < discount) {
        discount = row.thousandths(kCardColumns + 3);
        partner = row.uuid(kCardColumns + 2);
        source = "partnership";
    }
    const int64_t final_cents = apply_discount(raw, discount);
    if (final_cents == 0)
        fail(err::INVALID_AMOUNT, "At a discount of " + format_thousandths(discount) + " the amount comes to 0.00.",
             "Charge a larger amount.");
    if (final_cents > card.balance)
        fail(err::INSUFFICIENT_BALANCE, "The card balance does not cover " + format_cents(final_cents) + ".",
             "Recharge the card or pay a smaller amount.");
    const int64_t earned = earns_points(card.type) ? whole_units(raw) : 0;

    TxWrite tx{};
    tx.id = tx_id;
    tx.type = TxType::Payment;
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
    tx.balance_after = card.balance - final_cents;
    tx.partner_organization_id = partner;
    tx.discount_source = source;
    TxWritten written = record_transaction(spi, caller, tx);
    // A voucher pays once: what is left is written off and the voucher closed.
    if (card.type == CardType::Voucher) close_card(spi, caller, card, tx.balance_after, CardStatus::Closed, "voucher redeemed");
    spi.finish();
    out.add({p_uuid(tx_id), written.tx_no, p_text(label(card.type)), p_uuid(card.id), p_cents(final_cents),
             p_thousandths(discount), p_int64(earned), p_text(source), p_opt_uuid(partner)});
    return Datum(0);
}
