// Card types, labels and who may use a card (src/core/labels.hpp, src/core/cards.hpp).
#include <string>

#include "core/cards.hpp"
#include "core/labels.hpp"
#include "tap.hpp"

using namespace mps;

namespace {

template <typename E>
void round_trips(const char* what) {
    bool ok = true;
    for (size_t i = 0; i < label_count<E>(); ++i) {
        E e = static_cast<E>(i);
        ok = ok && parse_label<E>(label(e)) == e;
    }
    tap::ok(ok, std::string("every ") + what + " label parses back to its value");
}

std::string standing_name(const CardStanding& s) {
    std::string n = s.owner ? "owner" : "not owner";
    n += s.binding ? ", bound as " + std::string(label(*s.binding)) : ", not bound";
    return n;
}

}  // namespace

TAP_SUITE(cards_labels) {
    round_trips<CardType>("card type");
    round_trips<CardStatus>("card status");
    round_trips<BindingRole>("binding role");
    round_trips<MerchantRole>("merchant role");
    round_trips<PartyStatus>("member/merchant status");
    round_trips<TxType>("transaction type");
    round_trips<TxStatus>("transaction status");
    round_trips<KeyScope>("key scope");
    tap::ok(!parse_label<CardType>("Standard"), "labels are case-sensitive");
    tap::ok(!parse_label<CardType>("personal"), "the seeds' personal is not a label (callers map it)");
    tap::ok(!parse_label<CardType>(""), "the empty string is no label");
    tap::is(label(CardType::Corporate), "corporate", "label(CardType::Corporate)");
}

TAP_SUITE(cards_rules) {
    tap::ok(earns_points(CardType::Standard) && earns_points(CardType::Prepaid),
            "standard and prepaid cards earn points");
    tap::ok(!earns_points(CardType::Corporate) && !earns_points(CardType::Voucher),
            "corporate cards and vouchers do not");
    tap::ok(rechargeable(CardType::Standard) && rechargeable(CardType::Prepaid) && rechargeable(CardType::Corporate),
            "standard, prepaid and corporate cards can be recharged");
    tap::ok(!rechargeable(CardType::Voucher), "a voucher cannot");

    // The whole matrix: card type x (owner or not) x (no binding, or each binding role).
    struct Case {
        CardType type;
        bool owner;
        std::optional<BindingRole> binding;
        bool allowed;
    };
    const std::optional<BindingRole> none;
    const Case cases[] = {
        {CardType::Standard, true, none, true},
        {CardType::Standard, false, none, false},
        {CardType::Standard, false, BindingRole::Owner, false},
        {CardType::Standard, false, BindingRole::Member, false},
        {CardType::Voucher, true, none, true},
        {CardType::Voucher, false, BindingRole::Admin, false},
        {CardType::Prepaid, true, none, true},
        {CardType::Prepaid, false, BindingRole::Owner, true},
        {CardType::Prepaid, false, BindingRole::Admin, true},
        {CardType::Prepaid, false, BindingRole::Member, true},
        {CardType::Prepaid, false, BindingRole::Viewer, false},
        {CardType::Prepaid, false, none, false},
        {CardType::Corporate, false, BindingRole::Owner, true},
        {CardType::Corporate, false, BindingRole::Admin, true},
        {CardType::Corporate, false, BindingRole::Member, false},
        {CardType::Corporate, false, BindingRole::Viewer, false},
        {CardType::Corporate, true, none, false},
        {CardType::Corporate, false, none, false},
    };
    for (const Case& c : cases) {
        CardStanding s{c.owner, c.binding};
        tap::ok(may_use_card(c.type, s) == c.allowed, std::string(label(c.type)) + " card, " + standing_name(s) + ": " +
                                                          (c.allowed ? "may use it" : "may not use it"));
    }
}

TAP_SUITE(cards_sharing) {
    tap::ok(shareable(CardType::Prepaid) && shareable(CardType::Corporate), "prepaid and corporate cards are shared");
    tap::ok(!shareable(CardType::Standard) && !shareable(CardType::Voucher), "standard cards and vouchers are not");
    tap::ok(input_card_type("personal") == CardType::Standard, "the seeds' personal names a standard card");
    tap::ok(input_card_type("enterprise") == CardType::Corporate, "the seeds' enterprise names a corporate card");
    tap::ok(input_card_type("voucher") == CardType::Voucher, "type names are input card types");
    tap::ok(!input_card_type("gold") && !input_card_type("Personal"), "nothing else is");
    const std::optional<BindingRole> none;
    struct Case {
        CardType type;
        bool owner;
        std::optional<BindingRole> binding;
        bool manages;
    };
    const Case cases[] = {
        {CardType::Prepaid, true, none, true},
        {CardType::Prepaid, false, BindingRole::Owner, true},
        {CardType::Prepaid, false, BindingRole::Admin, true},
        {CardType::Prepaid, false, BindingRole::Member, false},
        {CardType::Prepaid, false, BindingRole::Viewer, false},
        {CardType::Corporate, false, BindingRole::Admin, true},
        {CardType::Corporate, false, BindingRole::Owner, true},
        {CardType::Corporate, false, BindingRole::Member, false},
        {CardType::Corporate, true, none, false},
        {CardType::Standard, true, none, false},
        {CardType::Voucher, true, none, false},
    };
    for (const Case& c : cases)
        tap::is(manages_card(c.type, CardStanding{c.owner, c.binding}), c.manages,
                std::string("manages_card(") + std::string(label(c.type)) + ", " + standing_name({c.owner, c.binding}) +
                    ") = " + (c.manages ? "true" : "false"));
}
