// What each card type allows, and who may use a card (ARCHITECTURE.md §2 card-type table).
// Pure C++: the rules are written once here and used by every RPC that acts on a card.
#pragma once

#include <optional>

#include "core/labels.hpp"

namespace mps {

// Standard and prepaid cards earn points and take the level discount; corporate cards pay a
// fixed discount; vouchers pay their face value once.
constexpr bool earns_points(CardType type) noexcept { return type == CardType::Standard || type == CardType::Prepaid; }

// Loyalty cards (an organisation's, a merchant's) hold points and never money: they are not
// recharged, do not pay and get no QR payment code.
constexpr bool is_loyalty(CardType type) noexcept { return type == CardType::Organization || type == CardType::Merchant; }

// Points a holder may move and redeem (app.update_card_points, app.transfer_points): the cards
// that earn points on payments, and loyalty cards.
constexpr bool holds_points(CardType type) noexcept { return earns_points(type) || is_loyalty(type); }

// Money can be added to standard, prepaid and corporate cards, never to a voucher or a loyalty card.
constexpr bool rechargeable(CardType type) noexcept { return type != CardType::Voucher && !is_loyalty(type); }

// The caller's standing towards one card, as read from the database.
struct CardStanding {
    bool owner = false;                  // owner_member_id is the caller's member
    std::optional<BindingRole> binding;  // the caller's active binding, if any
};

// Who may use a card — show its QR code, recharge it themselves, rotate or revoke its QR:
// the owner of a standard card or voucher; the owner and every bound owner/admin/member of a
// prepaid card (not a viewer); only the owners and admins bound to a corporate card.
constexpr bool may_use_card(CardType type, const CardStanding& s) noexcept {
    const bool manager = s.binding == BindingRole::Owner || s.binding == BindingRole::Admin;
    switch (type) {
        case CardType::Standard:
        case CardType::Voucher:
        case CardType::Organization:
        case CardType::Merchant: return s.owner;
        case CardType::Prepaid: return s.owner || manager || s.binding == BindingRole::Member;
        case CardType::Corporate: return manager;
    }
    return false;
}

// Standard cards and vouchers belong to one member; prepaid and corporate cards are shared
// through bindings (seed 004 §1.4).
constexpr bool shareable(CardType type) noexcept { return type == CardType::Prepaid || type == CardType::Corporate; }

// Who manages a shared card's members and binding password: the owner of a prepaid card and
// its bound owners/admins; the owners/admins bound to a corporate card.
constexpr bool manages_card(CardType type, const CardStanding& s) noexcept {
    const bool manager = s.binding == BindingRole::Owner || s.binding == BindingRole::Admin;
    switch (type) {
        case CardType::Prepaid: return s.owner || manager;
        case CardType::Corporate: return manager;
        case CardType::Standard:
        case CardType::Voucher:
        case CardType::Organization:
        case CardType::Merchant: return false;
    }
    return false;
}

}  // namespace mps
