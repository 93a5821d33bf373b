// Recharge RPCs: app.user_recharge_personal_card, app.user_recharge_card,
// app.user_recharge_enterprise_card_admin. Money comes in only from someone who took it
// (DESIGN §3): a platform administrator / service_role backend that confirmed the payment,
// or staff of an active merchant taking cash (p_merchant_code). Members and corporate admins
// may recharge their own cards only when mps.allow_self_recharge is on.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"
#include "core/fingerprint.hpp"
#include "core/money.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"
#include "pg/settings.hpp"
#include "pg/srf.hpp"
#include "rpc/access.hpp"
#include "rpc/args.hpp"
#include "rpc/ledger.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::rpc;

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
bool accepts(Kind kind, const std::string& type) {
    switch (kind) {
        case Kind::Personal: return type == "standard";
        case Kind::AnyCard: return type == "standard" || type == "prepaid" || type == "corporate";
        case Kind::EnterpriseAdmin: return type == "corporate";
    }
    return false;
}

// Ownership rules for members (both modes): own standard card; prepaid cards they are bound
// to; corporate cards only as the card's admin.
bool member_may_recharge(const CardHolder& h) {
    const std::string& type = *h.card_type;
    const std::string role = h.binding_role.value_or("");
    if (type == "standard") return h.owner;
    if (type == "prepaid") return h.owner || role == "owner" || role == "admin" || role == "member";
    if (type == "corporate") return role == "owner" || role == "admin";
    return false;
}

struct RechargeResult {
    Uuid tx_id;
    std::string tx_no;
    Uuid card_id;
    int64_t amount;
};

Datum recharge(FunctionCallInfo fcinfo, Kind kind) {
    const Uuid card_id = required_uuid_arg(fcinfo, 0, "p_card_id");
    const int64_t amount = amount_arg(fcinfo, 1, "p_amount");
    const std::string method = word_arg(fcinfo, 2, "p_payment_method", 32, "wechat");
    const std::optional<std::string> reason = note_arg(fcinfo, 3, "p_reason", 500);
    const Datum tag = tag_arg(fcinfo, 4);
    const std::optional<std::string> idem_key = optional_text_arg(fcinfo, 5, "p_idempotency_key", 128);
    const std::optional<std::string> order_id = optional_text_arg(fcinfo, 6, "p_external_order_id", 128);
    const std::optional<std::string> merchant_code = optional_text_arg(fcinfo, 7, "p_merchant_code", 64);

    Caller caller = current_caller();
    Spi spi;
    std::optional<Uuid> merchant_id;
    if (merchant_code) {
        merchant_id = merchant_for_staff(spi, caller, *merchant_code, true).id;  // cash desk
    } else if (!is_platform_admin(spi, caller)) {
        require_user(caller, "recharge a card");
        CardHolder holder = card_holder(spi, caller, card_id);
        if (!holder.card_type || !member_may_recharge(holder))
            fail(err::PERMISSION_DENIED, "The caller may not recharge this card.");
        if (!accepts(kind, *holder.card_type))
            fail(err::CARD_TYPE_MISMATCH, std::string(name_of(kind)) + " does not accept a " + *holder.card_type + " card.");
        if (!holder.member_active) fail(err::MEMBER_NOT_ACTIVE, "The caller's membership is not active.");
        if (!allow_self_recharge)
            fail(err::SELF_RECHARGE_DISABLED, "Self-service recharge is switched off on this deployment.",
                 "Recharge through the payment flow of the app or at a merchant counter.");
    }

    const Uuid tx_id = random_uuid();
    RechargeResult result;
    std::optional<PriorTx> prior;
    if (idem_key || order_id) {
        // The request's fingerprint: only requests carrying a key or an order id need one.
        RequestKeys keys{idem_key, order_id, merchant_id,
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
        static Statement load(
            "SELECT tx_no, card_id, final_amount FROM app.transactions"
            " WHERE id = $1 AND created_at = $2 AND tx_type = 'recharge'",
            {UUIDOID, TIMESTAMPTZOID});
        SpiResult r = spi.run(load, {p_uuid(prior->id), p_datum(TimestampTzGetDatum(prior->created_at))});
        if (r.empty()) fail(err::IDEMPOTENCY_KEY_REUSED, "This key belongs to a transaction that is not a recharge.");
        result = {prior->id, r[0].string(1), r[0].uuid(2), r[0].cents(3)};
    } else {
        std::optional<LockedCard> card = lock_card(spi, card_id);
        if (!card) fail(err::CARD_NOT_FOUND, "No card with this id.");
        if (!accepts(kind, card->type))
            fail(err::CARD_TYPE_MISMATCH, std::string(name_of(kind)) + " does not accept a " + card->type + " card.");
        if (merchant_id && card->type == "corporate")
            fail(err::PERMISSION_DENIED, "Corporate cards are recharged by their company, not at a merchant counter.");
        require_active(*card);
        std::optional<int64_t> balance_after = add_cents(card->balance, amount);
        if (!balance_after) fail(err::BALANCE_LIMIT_EXCEEDED, "The recharge would take the card balance over 9999999999.99.");
        TxWrite tx{};
        tx.id = tx_id;
        tx.prefix = "RCG";
        tx.type = "recharge";
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
        result = {tx_id, written.tx_no, card_id, amount};
    }
    spi.finish();

    TableResult out(fcinfo);
    out.add({c_datum(uuid_datum(result.tx_id)), c_datum(text_datum(result.tx_no)), c_datum(uuid_datum(result.card_id)),
             c_datum(cents_datum(result.amount))});
    return Datum(0);
}

}  // namespace

MPS_ENTRY(mps_user_recharge_personal_card) { return recharge(fcinfo, Kind::Personal); }
MPS_ENTRY(mps_user_recharge_card) { return recharge(fcinfo, Kind::AnyCard); }
MPS_ENTRY(mps_user_recharge_enterprise_card_admin) { return recharge(fcinfo, Kind::EnterpriseAdmin); }
