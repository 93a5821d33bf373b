// Recharge RPCs: app.user_recharge_personal_card, app.user_recharge_card,
// app.user_recharge_enterprise_card_admin. SQL: sql/install/90_rpc_recharge.sql.
// Money comes in only from someone who took it (ARCHITECTURE.md §3): a platform administrator
// / service_role backend that confirmed the payment, or staff of an active merchant taking cash
// (p_merchant_code). Members and corporate admins recharge their own cards at once only when
// mps.allow_self_recharge is on; otherwise their call creates a pending recharge order (seed 004
// §5.1) that moves no money until the trusted backend confirms it (recharge_orders.cpp).
#include <array>
#include <stdexcept>
#include <string>

#include "common/access.hpp"
#include "common/args.hpp"
#include "common/audit.hpp"
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

// Under the card's lock, the member's standing again: a binding removed by a call that held the
// lock first no longer counts.
void require_still_holder(Spi& spi, const Caller& caller, const Uuid& card_id) {
    const CardHolder holder = card_holder(spi, caller, card_id);
    if (!holder.may_use() || !holder.member_active) fail(err::PERMISSION_DENIED, "The caller may not recharge this card.");
}

// A member's recharge request while self-service recharge is off.
struct OrderRequest {
    Uuid card_id;
    int64_t amount;
    std::string method;
    std::optional<std::string> reason;
    Datum tag;
    std::optional<std::string> idempotency_key;
    std::array<uint8_t, 32> fingerprint;
};

// Creates a pending recharge order (no money moves) and returns it as the call's row: tx_id and
// tx_no NULL, status 'pending', order_id. A retry with the same idempotency key returns the
// same order (with its transaction once paid); the same key with another request is refused.
void create_order(Spi& spi, const Caller& caller, TableResult& out, const Uuid& member_id, const OrderRequest& rq) {
    std::optional<LockedCard> card = lock_card(spi, rq.card_id);
    if (!card) fail(err::CARD_NOT_FOUND, "No card with this id.");
    require_still_holder(spi, caller, rq.card_id);
    require_active(*card);
    static Statement insert(
        SPI_OK_INSERT_RETURNING,
        "INSERT INTO app.recharge_orders (card_id, member_id, requested_by, amount, payment_method, reason, tag,"
        "       idempotency_key, fingerprint, created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, clock_timestamp(), clock_timestamp() + interval '30 minutes')"
        " ON CONFLICT (card_id, member_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
        " RETURNING id",
        {UUIDOID, UUIDOID, UUIDOID, NUMERICOID, TEXTOID, TEXTOID, JSONBOID, TEXTOID, BYTEAOID});
    SpiResult r = spi.run(insert, {p_uuid(rq.card_id), p_uuid(member_id), p_opt_uuid(caller.user_id),
                                   p_cents(rq.amount), p_text(rq.method), p_opt_text(rq.reason), p_datum(rq.tag),
                                   p_opt_text(rq.idempotency_key),
                                   p_bytea(rq.fingerprint.data(), rq.fingerprint.size())});
    if (!r.empty()) {
        const Uuid order_id = r[0].uuid(1);
        audit(spi, caller, "recharge_order.create", "recharge_order", format_uuid(order_id),
              JsonObject().add("card_id", rq.card_id).add_cents("amount", rq.amount).add("payment_method", rq.method));
        out.add({p_null(), p_null(), p_uuid(rq.card_id), p_cents(rq.amount), p_text("pending"), p_uuid(order_id)});
        return;
    }
    // The same member's earlier order with this key.
    static Statement earlier(SPI_OK_SELECT,
                             "SELECT o.tx_id, (SELECT r.tx_no FROM app.tx_registry r WHERE r.tx_id = o.tx_id),"
                             "       o.card_id, o.amount, o.status::text, o.id, o.fingerprint = $4"
                             "  FROM app.recharge_orders o"
                             " WHERE o.card_id = $1 AND o.member_id = $2 AND o.idempotency_key = $3",
                             {UUIDOID, UUIDOID, TEXTOID, BYTEAOID});
    SpiResult e = spi.run(earlier, {p_uuid(rq.card_id), p_uuid(member_id), p_opt_text(rq.idempotency_key),
                                    p_bytea(rq.fingerprint.data(), rq.fingerprint.size())});
    if (e.empty()) throw std::runtime_error("recharge order key conflict without an order");
    if (!e[0].boolean(7))
        fail(err::IDEMPOTENCY_KEY_REUSED, "This idempotency key was already used for a different recharge request.");
    out.add({e[0].cell(1), e[0].cell(2), e[0].cell(3), e[0].cell(4), e[0].cell(5), e[0].cell(6)});
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
        owner = KeyOwner::member(*holder.member_id);
        if (!allow_self_recharge) {
            TableResult out(args.fcinfo());
            create_order(spi, caller, out, *holder.member_id,
                         OrderRequest{card_id, amount, method, reason, tag, idem_key,
                                      Fingerprint()
                                          .add("recharge_order")
                                          .add(name_of(kind))
                                          .add(card_id)
                                          .add(amount)
                                          .add(method)
                                          .add(reason)
                                          .add(jsonb_text(tag))
                                          .add(order_id)
                                          .finish()});
            spi.finish();
            return Datum(0);
        }
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
        out.add({r.cell(1), r.cell(2), r.cell(3), r.cell(4), p_text("completed"), p_null()});
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
    if (owner.scope == KeyScope::Member) require_still_holder(spi, caller, card_id);
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
    out.add({p_uuid(tx_id), written.tx_no, p_uuid(card_id), p_cents(amount), p_text("completed"), p_null()});
    return Datum(0);
}

}  // namespace
