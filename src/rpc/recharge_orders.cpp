// Recharge orders (seed 004 §5.1): app.confirm_recharge_order, app.cancel_recharge_order,
// app.cron_expire_recharge_orders. SQL: sql/install/90_rpc_recharge_orders.sql. Orders are
// created by a member's user_recharge_* call while self-service recharge is off
// (recharge.cpp); money moves only when the trusted backend that received the payment
// provider's callback confirms the order with the provider's transaction id, exactly once.
#include <stdexcept>
#include <string>

#include "common/archive.hpp"
#include "common/args.hpp"
#include "common/audit.hpp"
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

struct Order {
    Uuid card_id;
    Uuid id;
    RechargeOrderStatus status;
    bool past_expiry;
    int64_t amount;
    std::string payment_method;
    std::optional<std::string> reason;
    std::optional<Uuid> member_id;
};

// The order, row-locked (after its card, which orders every money movement of the card).
std::optional<Order> lock_order(Spi& spi, const Uuid& card_id, const Uuid& order_id) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT card_id, id, status::text, expires_at <= clock_timestamp(), (amount * 100)::int8,"
                          "       payment_method, reason, member_id"
                          "  FROM app.recharge_orders WHERE card_id = $1 AND id = $2 FOR UPDATE",
                          {UUIDOID, UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(card_id), p_uuid(order_id)});
    if (r.empty()) return std::nullopt;
    Order o{r[0].uuid(1), r[0].uuid(2), r[0].label<RechargeOrderStatus>(3), r[0].boolean(4), r[0].cents(5),
            r[0].string(6), std::nullopt, r[0].opt_uuid(8)};
    if (!r[0].is_null(7)) o.reason = r[0].string(7);
    return o;
}

// The card an order belongs to (orders are keyed by card; the id alone is looked up here).
std::optional<Uuid> order_card(Spi& spi, const Uuid& order_id) {
    static Statement stmt(SPI_OK_SELECT, "SELECT card_id FROM app.recharge_orders WHERE id = $1", {UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(order_id)});
    if (r.empty()) return std::nullopt;
    return r[0].uuid(1);
}

void set_status(Spi& spi, const Order& o, RechargeOrderStatus status) {
    static Statement stmt(SPI_OK_UPDATE,
                          "UPDATE app.recharge_orders SET status = $3::app.recharge_order_status,"
                          "       closed_at = clock_timestamp() WHERE card_id = $1 AND id = $2",
                          {UUIDOID, UUIDOID, TEXTOID});
    spi.run(stmt, {p_uuid(o.card_id), p_uuid(o.id), p_text(label(status))});
}

}  // namespace

// The trusted backend confirms an order the payment provider reported paid: the recharge
// transaction is written once (the provider's transaction id is its idempotency key in the
// platform's scope), so a repeated callback returns the same result.
MPS_ENTRY(mps_confirm_recharge_order, p_order_id, p_provider_tx_id, p_amount) {
    const Uuid order_id = required_uuid_arg(args, p_order_id);
    const std::string provider_tx_id = required_text_arg(args, p_provider_tx_id, 128);
    const int64_t amount = amount_arg(args, p_amount);
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "confirm recharge orders");
    const std::optional<Uuid> card_id = order_card(spi, order_id);
    if (!card_id) fail(err::RECHARGE_ORDER_NOT_FOUND, "No recharge order with this id.");
    TableResult out(args.fcinfo());

    const Uuid tx_id = random_uuid();
    RequestKeys keys{provider_tx_id, std::nullopt, KeyOwner::platform(),
                     Fingerprint().add("confirm_recharge_order").add(order_id).add(amount).finish()};
    if (std::optional<PriorTx> prior = claim_request_keys(spi, keys, tx_id)) {
        static Statement load(SPI_OK_SELECT,
                              "SELECT id, tx_no, card_id, final_amount, 'paid', $3::uuid FROM app.transactions"
                              " WHERE id = $1 AND created_at = $2 AND tx_type = 'recharge'",
                              {UUIDOID, TIMESTAMPTZOID, UUIDOID});
        SpiResult r = spi.run(load, {p_uuid(prior->id), p_timestamptz(prior->created_at), p_uuid(order_id)});
        if (r.empty()) refuse_if_archived(spi, prior->created_at, "The recharge of this provider transaction id");
        if (r.empty())
            fail(err::IDEMPOTENCY_KEY_REUSED, "This provider transaction id was already used for another request.");
        out.add({r[0].cell(1), r[0].cell(2), r[0].cell(3), r[0].cell(4), r[0].cell(5), r[0].cell(6)});
        spi.finish();
        return Datum(0);
    }

    std::optional<LockedCard> card = lock_card(spi, *card_id);
    if (!card) throw std::runtime_error("recharge order of a card that does not exist");
    std::optional<Order> order = lock_order(spi, *card_id, order_id);
    if (!order) throw std::runtime_error("recharge order vanished");
    if (order->status == RechargeOrderStatus::Paid)
        fail(err::RECHARGE_ORDER_ALREADY_PAID, "The order was already paid with another provider transaction id.",
             "A second payment for one order must be refunded by the payment provider.");
    if (order->status != RechargeOrderStatus::Pending)
        fail(err::RECHARGE_ORDER_NOT_PENDING, "The order is " + std::string(label(order->status)) + ".");
    if (order->past_expiry)
        fail(err::RECHARGE_ORDER_NOT_PENDING, "The order expired before it was confirmed.",
             "Refund the payment through the provider; the member can start a new recharge.");
    if (amount != order->amount)
        fail(err::AMOUNT_MISMATCH, "The order is for " + format_cents(order->amount) + ", not " +
                                       format_cents(amount) + ".");
    require_active(*card);
    std::optional<int64_t> balance_after = add_cents(card->balance, amount);
    if (!balance_after)
        fail(err::BALANCE_LIMIT_EXCEEDED, "The recharge would take the card balance over 9999999999.99.");

    TxWrite tx{};
    tx.id = tx_id;
    tx.type = TxType::Recharge;
    tx.card_id = card->id;
    tx.raw_cents = amount;
    tx.final_cents = amount;
    tx.reason = order->reason;
    tx.payment_method = order->payment_method;
    tx.idempotency_key = provider_tx_id;
    tx.tag = jsonb_datum("{\"recharge_order\": true}");
    tx.points_before = card->points;
    tx.audit_action = "card.recharge";
    tx.balance_after = *balance_after;
    TxWritten written = record_transaction(spi, caller, tx);
    static Statement paid(SPI_OK_UPDATE,
                          "UPDATE app.recharge_orders SET status = 'paid', provider_tx_id = $3, tx_id = $4,"
                          "       closed_at = clock_timestamp() WHERE card_id = $1 AND id = $2",
                          {UUIDOID, UUIDOID, TEXTOID, UUIDOID});
    spi.run(paid, {p_uuid(order->card_id), p_uuid(order->id), p_text(provider_tx_id), p_uuid(tx_id)});
    spi.finish();
    out.add({p_uuid(tx_id), written.tx_no, p_uuid(card->id), p_cents(amount), p_text("paid"), p_uuid(order_id)});
    return Datum(0);
}

// The member who asked for the order (or a platform administrator) cancels it while it is
// pending; true when it was cancelled now, false when it already was.
MPS_ENTRY(mps_cancel_recharge_order, p_order_id) {
    const Uuid order_id = required_uuid_arg(args, p_order_id);
    Caller caller = current_caller();
    Spi spi;
    const bool admin = is_platform_admin(spi, caller);
    if (!admin) require_user(caller, "cancel a recharge order");
    const std::optional<Uuid> card_id = order_card(spi, order_id);
    // Someone else's order is as unknown to the caller as no order.
    static Statement mine(SPI_OK_SELECT,
                          "SELECT EXISTS (SELECT 1 FROM app.recharge_orders o JOIN app.member_profiles p"
                          "                   ON p.id = o.member_id WHERE o.card_id = $1 AND o.id = $2"
                          "                  AND p.user_id = $3)",
                          {UUIDOID, UUIDOID, UUIDOID});
    if (!card_id || (!admin && !spi.run(mine, {p_uuid(*card_id), p_uuid(order_id), p_opt_uuid(caller.user_id)})[0]
                                    .boolean(1)))
        fail(err::RECHARGE_ORDER_NOT_FOUND, "No recharge order with this id.");
    lock_card(spi, *card_id);
    std::optional<Order> order = lock_order(spi, *card_id, order_id);
    if (!order) throw std::runtime_error("recharge order vanished");
    if (order->status == RechargeOrderStatus::Cancelled) {
        spi.finish();
        PG_RETURN_BOOL(false);
    }
    if (order->status != RechargeOrderStatus::Pending)
        fail(err::RECHARGE_ORDER_NOT_PENDING, "The order is " + std::string(label(order->status)) + ".");
    set_status(spi, *order, RechargeOrderStatus::Cancelled);
    audit(spi, caller, "recharge_order.cancel", "recharge_order", format_uuid(order_id),
          JsonObject().add("card_id", order->card_id).add_cents("amount", order->amount));
    spi.finish();
    PG_RETURN_BOOL(true);
}

// Marks every pending order past its expiry as expired (pg_cron); returns how many.
MPS_ENTRY(mps_cron_expire_recharge_orders) {
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "expire recharge orders");
    // An order being confirmed right now is skipped (its confirmation decides).
    static Statement sweep(SPI_OK_SELECT,
                           "WITH due AS (SELECT card_id, id FROM app.recharge_orders"
                           "              WHERE status = 'pending' AND expires_at <= clock_timestamp()"
                           "              FOR UPDATE SKIP LOCKED),"
                           " done AS (UPDATE app.recharge_orders o SET status = 'expired', closed_at = clock_timestamp()"
                           "            FROM due WHERE o.card_id = due.card_id AND o.id = due.id RETURNING 1)"
                           "SELECT count(*) FROM done",
                           {});
    const int64_t expired = spi.run(sweep, {})[0].integer(1);
    if (expired > 0) audit(spi, caller, "recharge_order.expire", "recharge_order", "sweep", JsonObject().add("expired", expired));
    spi.finish();
    PG_RETURN_INT32(int32_t(expired));
}
