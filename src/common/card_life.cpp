#include "common/card_life.hpp"

#include "common/audit.hpp"
#include "core/errors.hpp"
#include "core/json.hpp"
#include "pg/convert.hpp"

namespace mps::common {

using namespace mps::pg;

namespace {

const char* end_reason(QrEnd reason) noexcept {
    switch (reason) {
        case QrEnd::Revoked: return "revoked";
        case QrEnd::Expired: return "expired";
        case QrEnd::Used: return "used";
    }
    return "revoked";
}

}  // namespace

IssuedCard issue_card(Spi& spi, const Caller& caller, const NewCard& card) {
    static Statement stmt(
        SPI_OK_INSERT_RETURNING,
        "INSERT INTO app.member_cards (card_no, card_type, owner_member_id, level, discount, fixed_discount,"
        "       face_value, binding_password_hash, expires_at, company_name, voucher_merchant_id)"
        " SELECT sec.new_card_no($1::app.card_type), $1::app.card_type, $2,"
        "        CASE WHEN $1 IN ('standard', 'prepaid') THEN l.level ELSE 0 END,"
        "        CASE WHEN $1 IN ('standard', 'prepaid') THEN l.discount ELSE 1.000 END,"
        "        $3, $4, $5, $6, $7, $8"
        "   FROM app.membership_levels l WHERE l.min_points = 0"
        " RETURNING id, card_no",
        {TEXTOID, UUIDOID, NUMERICOID, NUMERICOID, TEXTOID, TIMESTAMPTZOID, TEXTOID, UUIDOID});
    SpiResult r = spi.run(stmt, {p_text(label(card.type)), p_opt_uuid(card.owner_member_id),
                                 p_opt_thousandths(card.fixed_discount),
                                 card.face_value ? p_cents(*card.face_value) : p_null(), p_opt_text(card.password_hash),
                                 card.expires_at ? p_timestamptz(*card.expires_at) : p_null(),
                                 p_opt_text(card.company_name), p_opt_uuid(card.voucher_merchant_id)});
    if (r.empty()) fail(err::LEVEL_LADDER_INVALID, "No level starts at 0 points; cannot issue a card.");
    IssuedCard issued{r[0].uuid(1), r[0].string(2)};
    JsonObject context;
    context.add("card_type", label(card.type)).add("card_no", issued.card_no).add("member_id", card.owner_member_id);
    if (card.company_name) context.add("company_name", *card.company_name);
    if (card.face_value) context.add_cents("face_value", *card.face_value);
    if (card.voucher_merchant_id) context.add("merchant_id", card.voucher_merchant_id);
    context.add_bool("binding_password", card.password_hash.has_value());
    audit(spi, caller, "card.issue", "card", format_uuid(issued.id), context);
    return issued;
}

bool end_live_qr(Spi& spi, const Uuid& card_id, QrEnd reason, const std::optional<Uuid>& issued_by) {
    static Statement stmt(
        SPI_OK_SELECT,
        "WITH gone AS (DELETE FROM app.card_qr_state WHERE card_id = $1 AND ($3::uuid IS NULL OR issued_by = $3)"
        "              RETURNING card_id, token_digest),"
        " h AS (UPDATE app.card_qr_history h SET ended_at = clock_timestamp(), end_reason = $2"
        "         FROM gone g WHERE h.card_id = g.card_id AND h.token_digest = g.token_digest AND h.ended_at IS NULL)"
        "SELECT count(*) FROM gone",
        {UUIDOID, TEXTOID, UUIDOID});
    return spi.run(stmt, {p_uuid(card_id), p_text(end_reason(reason)), p_opt_uuid(issued_by)})[0].integer(1) > 0;
}

void close_card(Spi& spi, const Caller& caller, const LockedCard& card, int64_t balance_now, CardStatus final_status,
                const char* reason) {
    if (card.type == CardType::Voucher && balance_now > 0) {
        TxWrite tx{};
        tx.id = random_uuid();
        tx.type = TxType::Adjustment;
        tx.card_id = card.id;
        tx.merchant_id = card.voucher_merchant_id;
        tx.raw_cents = balance_now;
        tx.final_cents = -balance_now;
        tx.reason = std::string(reason);
        tx.tag = jsonb_datum("{}");
        tx.points_before = card.points;
        tx.audit_action = "card.write_off";
        tx.balance_after = 0;
        record_transaction(spi, caller, tx);
    }
    end_live_qr(spi, card.id, final_status == CardStatus::Expired ? QrEnd::Expired : QrEnd::Used);
    static Statement status(SPI_OK_UPDATE,
                            "UPDATE app.member_cards SET status = $2::app.card_status, frozen_by = NULL,"
                            "       updated_at = now() WHERE id = $1",
                            {UUIDOID, TEXTOID});
    spi.run(status, {p_uuid(card.id), p_text(label(final_status))});
}

}  // namespace mps::common
