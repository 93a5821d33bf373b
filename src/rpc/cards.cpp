// Issuing and administering cards: app.create_prepaid_card, app.create_corporate_card,
// app.create_voucher_card, app.freeze_card, app.unfreeze_card, app.update_points_and_level,
// app.adjust_card_balance, app.replace_membership_levels, app.cron_expire_cards.
// SQL: sql/install/90_rpc_cards.sql. Standard cards come with their member (members.cpp).
#include <stdexcept>
#include <string>
#include <vector>

#include "common/access.hpp"
#include "common/args.hpp"
#include "common/audit.hpp"
#include "common/card_life.hpp"
#include "common/movements.hpp"
#include "common/passwords.hpp"
#include "common/points.hpp"
#include "common/request_keys.hpp"
#include "core/errors.hpp"
#include "core/fingerprint.hpp"
#include "core/levels.hpp"
#include "core/money.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/srf.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

// An expiry given at issue must lie ahead.
void check_future(const std::optional<TimestampTz>& t, const char* param) {
    if (t && *t <= GetCurrentTimestamp()) fail(err::INVALID_ARGUMENT, std::string(param) + " must be in the future.");
}

void return_card(const Args& args, const IssuedCard& card) {
    TableResult out(args.fcinfo());
    out.add({p_uuid(card.id), p_text(card.card_no)});
}

}  // namespace

// A member issues a prepaid (family) card for itself, or a platform administrator for a member.
MPS_ENTRY(mps_create_prepaid_card, p_member_id, p_binding_password, p_expires_at) {
    std::optional<Uuid> member_id;
    if (args.has(p_member_id)) member_id = required_uuid_arg(args, p_member_id);
    const Secret password(new_password_arg(args, p_binding_password));
    const std::optional<TimestampTz> expires_at = optional_timestamptz_arg(args, p_expires_at);
    check_future(expires_at, "p_expires_at");

    Caller caller = current_caller();
    Spi spi;
    const bool admin = is_platform_admin(spi, caller);
    if (!admin) {
        // A member only for itself.
        const Uuid& user = require_user(caller, "issue a prepaid card");
        static Statement own(SPI_OK_SELECT, "SELECT id FROM app.member_profiles WHERE user_id = $1", {UUIDOID});
        SpiResult r = spi.run(own, {p_uuid(user)});
        if (r.empty() || (member_id && *member_id != r[0].uuid(1)))
            fail(err::PERMISSION_DENIED, "A member issues prepaid cards only for itself.");
        member_id = r[0].uuid(1);
    } else if (!member_id) {
        fail(err::INVALID_ARGUMENT, "p_member_id is required when an administrator issues a prepaid card.");
    }
    const MemberRef member = member_by_id(spi, *member_id);
    if (member.status != PartyStatus::Active) fail(err::MEMBER_NOT_ACTIVE, "The member is not active.");
    NewCard card{CardType::Prepaid};
    card.owner_member_id = member.id;
    card.expires_at = expires_at;
    if (password.get()) card.password_hash = hash_password(*password.get());
    const IssuedCard issued = issue_card(spi, caller, card);
    spi.finish();
    return_card(args, issued);
    return Datum(0);
}

// A platform administrator issues a company's corporate card: fixed discount, binding password.
MPS_ENTRY(mps_create_corporate_card, p_company_name, p_fixed_discount, p_binding_password, p_expires_at) {
    const std::string company = required_text_arg(args, p_company_name, 200);
    const int32_t discount = discount_arg(args, p_fixed_discount);
    args.require_declared(p_binding_password);
    const Secret password(new_password_arg(args, p_binding_password));
    if (!password.get()) fail(err::INVALID_ARGUMENT, "p_binding_password is required for a corporate card.");
    const std::optional<TimestampTz> expires_at = optional_timestamptz_arg(args, p_expires_at);
    check_future(expires_at, "p_expires_at");

    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "issue corporate cards");
    NewCard card{CardType::Corporate};
    card.fixed_discount = discount;
    card.company_name = company;
    card.expires_at = expires_at;
    card.password_hash = hash_password(*password.get());
    const IssuedCard issued = issue_card(spi, caller, card);
    spi.finish();
    return_card(args, issued);
    return Datum(0);
}

// A voucher of a face value for a member, until an expiry: issued by a platform administrator
// (redeemable anywhere, or only at p_merchant_code) or by an owner/manager of a merchant
// (redeemable only there). The face value is the voucher's issuing transaction (an adjustment),
// so the ledger holds; idempotent by key in the issuer's scope.
MPS_ENTRY(mps_create_voucher_card, p_member_id, p_face_value, p_expires_at, p_merchant_code, p_idempotency_key,
          p_reason) {
    const Uuid member_id = required_uuid_arg(args, p_member_id);
    const int64_t face_value = amount_arg(args, p_face_value);
    args.require_declared(p_expires_at);
    const std::optional<TimestampTz> expires_at = optional_timestamptz_arg(args, p_expires_at);
    if (!expires_at) fail(err::INVALID_ARGUMENT, "p_expires_at is required: a voucher always expires.");
    check_future(expires_at, "p_expires_at");
    const std::optional<std::string> merchant_code = optional_text_arg(args, p_merchant_code, 64);
    const std::optional<std::string> idem_key = optional_text_arg(args, p_idempotency_key, 128);
    const std::optional<std::string> reason = note_arg(args, p_reason, 500);

    Caller caller = current_caller();
    Spi spi;
    std::optional<Uuid> merchant_id;
    KeyOwner owner = KeyOwner::platform();
    if (merchant_code) {
        Merchant m = merchant_for_staff(spi, caller, *merchant_code, true);
        const bool manager = m.staff_role == MerchantRole::Owner || m.staff_role == MerchantRole::Manager;
        if (!manager && !is_admin(spi, caller, m))
            fail(err::PERMISSION_DENIED, "Only an owner or manager of the merchant issues its vouchers.");
        merchant_id = m.id;
        if (!is_admin(spi, caller, m)) owner = KeyOwner::merchant(m.id);
    } else {
        require_platform_admin(spi, caller, "issue vouchers redeemable everywhere");
    }
    const MemberRef member = member_by_id(spi, member_id);
    if (member.status != PartyStatus::Active) fail(err::MEMBER_NOT_ACTIVE, "The member is not active.");

    const Uuid tx_id = random_uuid();
    if (idem_key) {
        RequestKeys keys{idem_key, std::nullopt, owner,
                         Fingerprint()
                             .add("create_voucher_card")
                             .add(member_id)
                             .add(face_value)
                             .add(int64_t(*expires_at))
                             .add(merchant_id)
                             .add(reason)
                             .finish()};
        if (std::optional<PriorTx> prior = claim_request_keys(spi, keys, tx_id)) {
            static Statement load(SPI_OK_SELECT,
                                  "SELECT t.card_id, c.card_no FROM app.transactions t"
                                  "  JOIN app.member_cards c ON c.id = t.card_id"
                                  " WHERE t.id = $1 AND t.created_at = $2 AND t.tx_type = 'adjustment'"
                                  "   AND c.card_type = 'voucher'",
                                  {UUIDOID, TIMESTAMPTZOID});
            const Row r = prior_result(spi, load, *prior, "voucher issue");
            const IssuedCard issued{r.uuid(1), r.string(2)};
            spi.finish();
            return_card(args, issued);
            return Datum(0);
        }
    }
    NewCard card{CardType::Voucher};
    card.owner_member_id = member.id;
    card.face_value = face_value;
    card.expires_at = expires_at;
    card.voucher_merchant_id = merchant_id;
    const IssuedCard issued = issue_card(spi, caller, card);
    TxWrite tx{};
    tx.id = tx_id;
    tx.type = TxType::Adjustment;
    tx.card_id = issued.id;
    tx.merchant_id = merchant_id;
    tx.raw_cents = face_value;
    tx.final_cents = face_value;
    tx.reason = reason ? reason : std::optional<std::string>("voucher issued");
    tx.idempotency_key = idem_key;
    tx.tag = jsonb_datum("{}");
    tx.audit_action = "voucher.issue";
    tx.balance_after = face_value;
    record_transaction(spi, caller, tx);
    spi.finish();
    return_card(args, issued);
    return Datum(0);
}

namespace {

// The card locked for an administrative change, with the caller's standing.
struct CardForChange {
    LockedCard card;
    bool admin = false;
    bool holder = false;  // the caller may use the card (core/cards.hpp)
    CardHolder standing;  // the caller's standing (holders only)
    std::optional<std::string> frozen_by;
    std::optional<Uuid> frozen_by_member;  // the holder who froze it
};

CardForChange card_for_change(Spi& spi, const Caller& caller, const Uuid& card_id, const char* action) {
    CardForChange c;
    c.admin = is_platform_admin(spi, caller);
    // The card's lock first, then the caller's standing (a binding removed meanwhile is seen).
    std::optional<LockedCard> card = lock_card(spi, card_id);
    if (!c.admin) {
        c.standing = card_holder(spi, caller, card_id);
        c.holder = c.standing.may_use() && c.standing.member_active;
        if (!c.holder) fail(err::PERMISSION_DENIED, std::string("The caller may not ") + action + " this card.");
    }
    if (!card) fail(err::CARD_NOT_FOUND, "No card with this id.");
    c.card = *card;
    static Statement frozen(SPI_OK_SELECT, "SELECT frozen_by, frozen_by_member_id FROM app.member_cards WHERE id = $1",
                            {UUIDOID});
    SpiResult r = spi.run(frozen, {p_uuid(card_id)});
    if (!r[0].is_null(1)) c.frozen_by = r[0].string(1);
    c.frozen_by_member = r[0].opt_uuid(2);
    return c;
}

void set_frozen(Spi& spi, const Uuid& card_id, const std::optional<std::string>& frozen_by,
                const std::optional<Uuid>& member) {
    static Statement stmt(SPI_OK_UPDATE,
                          "UPDATE app.member_cards SET status = CASE WHEN $2::text IS NULL THEN 'active'"
                          "       ELSE 'frozen' END::app.card_status, frozen_by = $2, frozen_by_member_id = $3,"
                          "       updated_at = now() WHERE id = $1",
                          {UUIDOID, TEXTOID, UUIDOID});
    spi.run(stmt, {p_uuid(card_id), p_opt_text(frozen_by), p_opt_uuid(member)});
}

}  // namespace

// Freezes a card: a platform administrator, or a holder of it (a lost phone). Its live QR code
// ends. True when the card changed; false when it was already frozen that way.
MPS_ENTRY(mps_freeze_card, p_card_id, p_reason) {
    const Uuid card_id = required_uuid_arg(args, p_card_id);
    const std::optional<std::string> reason = note_arg(args, p_reason, 500);
    Caller caller = current_caller();
    Spi spi;
    CardForChange c = card_for_change(spi, caller, card_id, "freeze");
    if (c.card.status == CardStatus::Expired || c.card.status == CardStatus::Closed)
        fail(err::CARD_NOT_ACTIVE, "The card is " + std::string(label(c.card.status)) + ".");
    // An administrator's freeze takes over a holder's; a holder's never weakens an administrator's.
    const std::string by = c.admin ? "admin" : "holder";
    const bool changes = c.card.status == CardStatus::Active || (c.frozen_by == "holder" && by == "admin");
    if (changes) {
        set_frozen(spi, card_id, by, c.admin ? std::nullopt : c.standing.member_id);
        end_live_qr(spi, card_id, QrEnd::Revoked);
        audit(spi, caller, "card.freeze", "card", format_uuid(card_id),
              JsonObject().add("frozen_by", by).add("reason", reason));
    }
    spi.finish();
    PG_RETURN_BOOL(changes);
}

// Unfreezes a card: a platform administrator any; a holder only a card it froze itself.
MPS_ENTRY(mps_unfreeze_card, p_card_id, p_reason) {
    const Uuid card_id = required_uuid_arg(args, p_card_id);
    const std::optional<std::string> reason = note_arg(args, p_reason, 500);
    Caller caller = current_caller();
    Spi spi;
    CardForChange c = card_for_change(spi, caller, card_id, "unfreeze");
    if (c.card.status != CardStatus::Frozen) {
        spi.finish();
        PG_RETURN_BOOL(false);
    }
    if (!c.admin && c.frozen_by != "holder")
        fail(err::PERMISSION_DENIED, "An administrator froze this card; only an administrator unfreezes it.",
             "Contact support.");
    // A holder lifts its own freeze; the card's managers (a prepaid card's owner, a corporate
    // card's admins) lift any holder's: not another member who merely uses the card.
    if (!c.admin && c.frozen_by_member != c.standing.member_id &&
        !manages_card(c.card.type, c.standing.standing))
        fail(err::PERMISSION_DENIED, "Another holder froze this card; that holder or the card's owner unfreezes it.");
    set_frozen(spi, card_id, std::nullopt, std::nullopt);
    audit(spi, caller, "card.unfreeze", "card", format_uuid(card_id),
          JsonObject().add("was_frozen_by", c.frozen_by).add("reason", reason));
    spi.finish();
    PG_RETURN_BOOL(true);
}

// A platform administrator changes a card's points (a point-ledger row; never below zero);
// level and discount follow the ladder in the same statement.
MPS_ENTRY(mps_update_points_and_level, p_card_id, p_delta_points, p_reason) {
    const Uuid card_id = required_uuid_arg(args, p_card_id);
    args.require_declared(p_delta_points);
    const std::optional<int32_t> delta = optional_int32_arg(args, p_delta_points);
    if (!delta || *delta == 0) fail(err::INVALID_ARGUMENT, "p_delta_points must be a non-zero number of points.");
    args.require_declared(p_reason);
    const std::string reason = required_text_arg(args, p_reason, 500);
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "change points");
    std::optional<LockedCard> card = lock_card(spi, card_id);
    if (!card) fail(err::CARD_NOT_FOUND, "No card with this id.");
    if (!earns_points(card->type))
        fail(err::CARD_TYPE_MISMATCH, "A " + std::string(label(card->type)) + " card has no points.");
    PointsChange change;
    change.card = &*card;
    change.delta = *delta;
    change.reason = reason;
    const PointsApplied applied = apply_points_change(spi, caller, change);
    audit(spi, caller, "card.points", "card", format_uuid(card_id),
          JsonObject().add("delta", int64_t(*delta)).add("points_after", applied.points).add("reason", reason));
    TableResult out(args.fcinfo());
    out.add({p_uuid(card_id), p_int64(applied.points), p_int32(applied.level), p_thousandths(applied.discount)});
    spi.finish();
    return Datum(0);
}

// A platform administrator corrects a card's balance (a payment operator fixing a mistake):
// an adjustment transaction with a mandatory reason, never below zero, idempotent by key.
MPS_ENTRY(mps_adjust_card_balance, p_card_id, p_amount, p_reason, p_idempotency_key) {
    const Uuid card_id = required_uuid_arg(args, p_card_id);
    const int64_t amount = signed_amount_arg(args, p_amount);
    args.require_declared(p_reason);
    const std::string reason = required_text_arg(args, p_reason, 500);
    args.require_declared(p_idempotency_key);
    const std::string idem_key = required_text_arg(args, p_idempotency_key, 128);
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "correct balances");
    TableResult out(args.fcinfo());
    const Uuid tx_id = random_uuid();
    RequestKeys keys{idem_key, std::nullopt, KeyOwner::platform(),
                     Fingerprint().add("adjust_card_balance").add(card_id).add(amount).add(reason).finish()};
    if (std::optional<PriorTx> prior = claim_request_keys(spi, keys, tx_id)) {
        static Statement load(SPI_OK_SELECT,
                              "SELECT t.id, t.tx_no, t.card_id, t.final_amount FROM app.transactions t"
                              " WHERE t.id = $1 AND t.created_at = $2 AND t.tx_type = 'adjustment'",
                              {UUIDOID, TIMESTAMPTZOID});
        const Row r = prior_result(spi, load, *prior, "balance correction");
        out.add({r.cell(1), r.cell(2), r.cell(3), r.cell(4)});
        spi.finish();
        return Datum(0);
    }
    std::optional<LockedCard> card = lock_card(spi, card_id);
    if (!card) fail(err::CARD_NOT_FOUND, "No card with this id.");
    // A voucher holds its face value and nothing else; a closed or expired card holds what it had.
    if (card->type == CardType::Voucher)
        fail(err::CARD_TYPE_MISMATCH, "A voucher's balance is its face value: it is not corrected.");
    if (card->status == CardStatus::Closed || card->status == CardStatus::Expired)
        fail(err::CARD_NOT_ACTIVE, "The card is " + std::string(label(card->status)) + ".");
    std::optional<int64_t> after = add_cents(card->balance, amount);
    if (!after && amount < 0)
        fail(err::INSUFFICIENT_BALANCE, "The card holds " + format_cents(card->balance) + "; a correction of " +
                                            format_cents(amount) + " would take it below zero.");
    if (!after) fail(err::BALANCE_LIMIT_EXCEEDED, "The correction would take the card balance over 9999999999.99.");
    TxWrite tx{};
    tx.id = tx_id;
    tx.type = TxType::Adjustment;
    tx.card_id = card_id;
    tx.raw_cents = amount < 0 ? -amount : amount;
    tx.final_cents = amount;
    tx.reason = reason;
    tx.idempotency_key = idem_key;
    tx.tag = jsonb_datum("{}");
    tx.points_before = card->points;
    tx.audit_action = "card.adjust";
    tx.balance_after = *after;
    TxWritten written = record_transaction(spi, caller, tx);
    spi.finish();
    out.add({p_uuid(tx_id), written.tx_no, p_uuid(card_id), p_cents(amount)});
    return Datum(0);
}

// Replaces the whole level ladder in one transaction (p_levels: a JSON array of {level, name,
// min_points, max_points, discount}); checked before anything is written; every card that
// earns points takes its new level and discount at once. Returns how many cards changed.
MPS_ENTRY(mps_replace_membership_levels, p_levels) {
    args.require_declared(p_levels);
    if (!args.has(p_levels)) fail(err::INVALID_ARGUMENT, "p_levels is required.");
    const Datum levels = args.datum(p_levels);
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "change the level ladder");
    static Statement shape(SPI_OK_SELECT,
                           "SELECT jsonb_typeof($1) = 'array' AND NOT EXISTS ("
                           "       SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof($1) WHEN 'array' THEN $1"
                           "                                          ELSE '[]' END) e"
                           "        WHERE jsonb_typeof(e) <> 'object')",
                           {JSONBOID});
    if (!spi.run(shape, {p_datum(levels)})[0].boolean(1))
        fail(err::INVALID_ARGUMENT, "p_levels must be a JSON array of level objects.");
    static Statement parse(SPI_OK_SELECT,
                           "SELECT level, name, min_points, max_points, discount::text"
                           "  FROM jsonb_to_recordset($1) AS l (level int, name text, min_points bigint,"
                           "       max_points bigint, discount numeric)",
                           {JSONBOID});
    std::vector<Level> ladder;
    {
        SpiResult r = spi.run(parse, {p_datum(levels)});
        for (uint64_t i = 0; i < r.size(); ++i) {
            const Row row = r[i];
            if (row.is_null(1) || row.is_null(2) || row.is_null(3) || row.is_null(5))
                fail(err::INVALID_ARGUMENT, "Every level needs level, name, min_points and discount.");
            std::optional<int32_t> d = parse_thousandths(row.string(5));
            if (!d) fail(err::LEVEL_LADDER_INVALID, "A discount is outside (0, 1] or has more than three decimals.");
            Level l{int32_t(row.integer(1)), row.string(2), row.integer(3), std::nullopt, *d};
            if (!row.is_null(4)) l.max_points = row.integer(4);
            ladder.push_back(l);
        }
    }
    if (std::optional<std::string> problem = ladder_problem(ladder)) fail(err::LEVEL_LADDER_INVALID, *problem);
    static Statement replace(
        SPI_OK_SELECT,
        "WITH gone AS (DELETE FROM app.membership_levels RETURNING 1) SELECT count(*) FROM gone", {});
    static Statement insert(SPI_OK_INSERT,
                            "INSERT INTO app.membership_levels (level, name, min_points, max_points, discount)"
                            " SELECT level, name, min_points, max_points, discount"
                            "   FROM jsonb_to_recordset($1) AS l (level int, name text, min_points bigint,"
                            "        max_points bigint, discount numeric)",
                            {JSONBOID});
    // Cards that earn points follow the new ladder in this transaction.
    static Statement recompute(SPI_OK_SELECT,
                               "WITH c AS (UPDATE app.member_cards c SET level = l.level, discount = l.discount,"
                               "                  updated_at = now()"
                               "             FROM app.membership_levels l"
                               "            WHERE c.card_type IN ('standard', 'prepaid')"
                               "              AND c.points >= l.min_points"
                               "              AND (l.max_points IS NULL OR c.points <= l.max_points)"
                               "              AND (c.level <> l.level OR c.discount <> l.discount) RETURNING 1)"
                               "SELECT count(*) FROM c",
                               {});
    spi.run(replace, {});
    spi.run(insert, {p_datum(levels)});
    const int64_t changed = spi.run(recompute, {})[0].integer(1);
    audit(spi, caller, "levels.replace", "membership_levels", "ladder",
          JsonObject().add("levels", int64_t(ladder.size())).add("cards_changed", changed));
    spi.finish();
    PG_RETURN_INT32(int32_t(changed));
}

// Expires every card past its expiry (pg_cron): status expired, live QR ended, a voucher's
// remainder written off, audited. Returns how many cards expired.
MPS_ENTRY(mps_cron_expire_cards) {
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "expire cards");
    static Statement due(SPI_OK_SELECT,
                         "SELECT id FROM app.member_cards"
                         " WHERE status IN ('active', 'frozen') AND expires_at <= clock_timestamp()",
                         {});
    std::vector<Uuid> ids;
    {
        SpiResult r = spi.run(due, {});
        for (uint64_t i = 0; i < r.size(); ++i) ids.push_back(r[i].uuid(1));
    }
    int32_t expired = 0;
    for (const Uuid& id : ids) {
        // Each card under its lock, checked again: a payment may have closed it meanwhile.
        std::optional<LockedCard> card = lock_card(spi, id);
        if (!card || !card->expired || card->status == CardStatus::Expired || card->status == CardStatus::Closed)
            continue;
        close_card(spi, caller, *card, card->balance, CardStatus::Expired, "voucher expired");
        audit(spi, caller, "card.expire", "card", format_uuid(id),
              JsonObject().add("card_type", label(card->type)).add_cents("balance", card->balance));
        ++expired;
    }
    spi.finish();
    PG_RETURN_INT32(expired);
}
