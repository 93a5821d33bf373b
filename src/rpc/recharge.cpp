// Recharge RPCs: app.user_recharge_personal_card, app.user_recharge_card,
// app.user_recharge_enterprise_card_admin. SQL: sql/install/90_rpc_recharge.sql.
// Money comes in only from someone who took it (ARCHITECTURE.md §3): a platform administrator
// / service_role backend that confirmed the payment, or staff of an active merchant taking cash
// (p_merchant_code). Members and corporate admins may recharge their own cards only when
// mps.allow_self_recharge is on.
#include <string>

#include "common/access.hpp"
#include "common/args.hpp"
#include "common/movements.hpp"
#include "common/request_keys.hpp"
#include "core/errors.hpp"
#include "core/fingerprint.hpp"
#include "core/money.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/settings.hpp"
#include "pg/srf.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

enum class Kind { Personal, AnyCard, EnterpriseAdmin };

const char* name_of(Kind kind) {
    switch (kind) {
        case Kind::Personal: return "user_recharge_personal_card";
        case Kind::AnyCard: return "user_recharge_card";
        case Kind::EnterpriseAdmin: return "user_recharge_enterprise_card_admin";
    }
    return "";
}

// The card types each entry point accepts.
bool accepts(Kind kind, CardType type) {
    switch (kind) {
        case Kind::Personal: return type == CardType::Standard;
        case Kind::AnyCard: return rechargeable(type);
        case Kind::EnterpriseAdmin: return type == CardType::Corporate;
    }
    return false;
}

// A merchant's counter top-up settings (app.set_merchant_counter_topup).
struct CounterTopups {
    bool enabled = false;
    int64_t max_per_tx = 0;   // cents
    int64_t max_per_day = 0;  // cents
};

CounterTopups counter_topups(Spi& spi, const Uuid& merchant_id) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT counter_topup_enabled, COALESCE((counter_topup_max_per_tx * 100)::int8, 0),"
                          "       COALESCE((counter_topup_max_per_day * 100)::int8, 0)"
                          "  FROM app.merchants WHERE id = $1",
                          {UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(merchant_id)});
    return {r[0].boolean(1), r[0].cents(2), r[0].cents(3)};
}

// Takes amount from the merchant's limit for the current UTC day in one row-locked upsert:
// concurrent top-ups queue on the day's row, so together they never exceed the limit. The day
// is the day at the moment of the check; an error later rolls the claim back with the rest.
void take_from_daily_limit(Spi& spi, const Uuid& merchant_id, const CounterTopups& limits, int64_t amount) {
    static Statement claim(
        SPI_OK_INSERT_RETURNING,
        "INSERT INTO app.merchant_topup_days AS d (merchant_id, day, total, topups)"
        " SELECT $1, (clock_timestamp() AT TIME ZONE 'UTC')::date, $2, 1 WHERE $2 <= $3"
        " ON CONFLICT (merchant_id, day) DO UPDATE SET total = d.total + EXCLUDED.total, topups = d.topups + 1"
        "  WHERE d.total + EXCLUDED.total <= $3"
        " RETURNING 1",
        {UUIDOID, NUMERICOID, NUMERICOID});
    if (spi.run(claim, {p_uuid(merchant_id), p_cents(amount), p_cents(limits.max_per_day)}).empty())
        fail(err::COUNTER_TOPUP_LIMIT_EXCEEDED,
             "The merchant's counter top-ups today would exceed its daily limit of " +
                 format_cents(limits.max_per_day) + ".");
}

Datum recharge(const Args& args, Kind kind);

}  // namespace

// The three entry points take the same parameters; only the first one's name differs.
MPS_ENTRY(mps_user_recharge_card, p_card_id, p_amount, p_payment_method, p_reason, p_tag, p_idempotency_key,
          p_external_order_id, p_merchant_code) {
    return recharge(args, Kind::AnyCard);
}
MPS_ENTRY(mps_user_recharge_personal_card, p_personal_card_id, p_amount, p_payment_method, p_reason, p_tag,
          p_idempotency_key, p_external_order_id, p_merchant_code) {
    return recharge(args, Kind::Personal);
}
MPS_ENTRY(mps_user_recharge_enterprise_card_admin, p_enterprise_card_id, p_amount, p_payment_method, p_reason, p_tag,
          p_idempotency_key, p_external_order_id, p_merchant_code) {
    return recharge(args, Kind::EnterpriseAdmin);
}

namespace {

// Positions are those of user_recharge_card; the other two declare the same ones.
namespace at = mps_user_recharge_card_entry;
static_assert(int(at::p_merchant_code) == int(mps_user_recharge_personal_card_entry::p_merchant_code) &&
                  int(at::p_merchant_code) == int(mps_user_recharge_enterprise_card_admin_entry::p_merchant_code),
              "the recharge entry points take their parameters in the same positions");

Datum recharge(const Args& args, Kind kind) {
    const Uuid card_id = required_uuid_arg(args, at::p_card_id);
    const int64_t amount = amount_arg(args, at::p_amount);
    const std::string method = word_arg(args, at::p_payment_method, 32, "wechat");
    const std::optional<std::string> reason = note_arg(args, at::p_reason, 500);
    const Datum tag = tag_arg(args, at::p_tag);
    const std::optional<std::string> idem_key = optional_text_arg(args, at::p_idempotency_key, 128);
    const std::optional<std::string> order_id = optional_text_arg(args, at::p_external_order_id, 128);
    const std::optional<std::string> merchant_code = optional_text_arg(args, at::p_merchant_code, 64);

    Caller caller = current_caller();
    Spi spi;
    std::optional<Uuid> merchant_id;
    std::optional<CounterTopups> counter;
    KeyOwner owner = KeyOwner::platform();
    if (merchant_code) {
        // Cash at the counter (its controls come below, for a new top-up: a retry of one that
        // went through returns it whatever the merchant's settings are now).
        const Merchant merchant = merchant_for_staff(spi, caller, *merchant_code, true);
        merchant_id = merchant.id;
        owner = KeyOwner::merchant(merchant.id);
    } else if (!is_platform_admin(spi, caller)) {
        require_user(caller, "recharge a card");
        CardHolder holder = card_holder(spi, caller, card_id);
        if (!holder.may_use()) fail(err::PERMISSION_DENIED, "The caller may not recharge this card.");
        if (!accepts(kind, *holder.card_type))
            fail(err::CARD_TYPE_MISMATCH,
                 std::string(name_of(kind)) + " does not accept a " + std::string(label(*holder.card_type)) + " card.");
        if (!holder.member_active) fail(err::MEMBER_NOT_ACTIVE, "The caller's membership is not active.");
        if (!allow_self_recharge)
            fail(err::SELF_RECHARGE_DISABLED, "Self-service recharge is switched off on this deployment.",
                 "Recharge through the payment flow of the app or at a merchant counter.");
        owner = KeyOwner::member(*holder.member_id);
    }
    TableResult out(args.fcinfo());

    const Uuid tx_id = random_uuid();
    std::optional<PriorTx> prior;
    if (idem_key || order_id) {
        // The request's fingerprint: only requests carrying a key or an order id need one.
        RequestKeys keys{idem_key, order_id, owner,
                         Fingerprint()
                             .add(name_of(kind))
                             .add(caller.role_name)
                             .add(caller.user_id)
                             .add(card_id)
                             .add(amount)
                             .add(method)
                             .add(reason)
                             .add(jsonb_text(tag))
                             .add(order_id)
                             .add(merchant_id)
                             .finish()};
        prior = claim_request_keys(spi, keys, tx_id);
    }
    if (prior) {
        static Statement load(SPI_OK_SELECT,
                              "SELECT id, tx_no, card_id, final_amount FROM app.transactions"
                              " WHERE id = $1 AND created_at = $2 AND tx_type = 'recharge'",
                              {UUIDOID, TIMESTAMPTZOID});
        const Row r = prior_result(spi, load, *prior, "recharge");
        out.add({r.cell(1), r.cell(2), r.cell(3), r.cell(4)});
        spi.finish();
        return Datum(0);
    }

    if (merchant_id) {
        // The merchant must be allowed to take cash, within its limit per top-up, and staff do
        // not top up cards they hold themselves. (The daily limit is claimed last, below.)
        counter = counter_topups(spi, *merchant_id);
        if (!counter->enabled)
            fail(err::COUNTER_TOPUP_DISABLED, "This merchant does not take counter top-ups.",
                 "A platform administrator switches them on with app.set_merchant_counter_topup.");
        if (amount > counter->max_per_tx)
            fail(err::COUNTER_TOPUP_LIMIT_EXCEEDED,
                 "A counter top-up at this merchant is at most " + format_cents(counter->max_per_tx) + ".");
        if (caller.user_id && card_holder(spi, caller, card_id).standing_any())
            fail(err::PERMISSION_DENIED, "Staff may not top up a card they hold at their own counter.");
    }
    std::optional<LockedCard> card = lock_card(spi, card_id);
    if (!card) fail(err::CARD_NOT_FOUND, "No card with this id.");
    if (!accepts(kind, card->type))
        fail(err::CARD_TYPE_MISMATCH,
             std::string(name_of(kind)) + " does not accept a " + std::string(label(card->type)) + " card.");
    if (merchant_id && card->type == CardType::Corporate)
        fail(err::PERMISSION_DENIED, "Corporate cards are recharged by their company, not at a merchant counter.");
    require_active(*card);
    std::optional<int64_t> balance_after = add_cents(card->balance, amount);
    if (!balance_after)
        fail(err::BALANCE_LIMIT_EXCEEDED, "The recharge would take the card balance over 9999999999.99.");
    if (counter) take_from_daily_limit(spi, *merchant_id, *counter, amount);
    TxWrite tx{};
    tx.id = tx_id;
    tx.type = TxType::Recharge;
    tx.card_id = card_id;
    tx.merchant_id = merchant_id;
    tx.raw_cents = amount;
    tx.final_cents = amount;
    tx.reason = reason;
    tx.payment_method = method;
    tx.external_order_id = order_id;
    tx.idempotency_key = idem_key;
    tx.tag = tag;
    tx.points_before = card->points;
    tx.audit_action = "card.recharge";
    tx.balance_after = *balance_after;
    TxWritten written = record_transaction(spi, caller, tx);
    spi.finish();
    out.add({p_uuid(tx_id), written.tx_no, p_uuid(card_id), p_cents(amount)});
    return Datum(0);
}

}  // namespace
