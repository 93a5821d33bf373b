// Authorization lookups shared by the RPCs (ARCHITECTURE.md §3): merchant staff and card
// holders. The rules themselves (who may use which card type) are in core/cards.hpp.
#pragma once

#include <optional>
#include <string>

#include "core/cards.hpp"
#include "core/ids.hpp"
#include "core/labels.hpp"
#include "pg/identity.hpp"
#include "pg/spi.hpp"

namespace mps::common {

struct Merchant {
    Uuid id;
    PartyStatus status;
    std::optional<MerchantRole> staff_role;  // the caller's role there, when active staff
    // The caller is a platform administrator. Looked up only when the staff role does not
    // already allow the call: see is_admin().
    std::optional<bool> admin;
    // Some active partnership gives a discount here: only then does a charge look for the
    // payer's organisation (the lookup costs a charge about 6 % more instructions).
    bool partner_discounts = false;
};

// The merchant by code, with the caller's standing. Raises PERMISSION_DENIED when the caller is
// neither active staff of it nor a platform administrator, whether or not the code exists (no
// enumeration); MERCHANT_NOT_FOUND_OR_INACTIVE to staff and administrators when the merchant is
// not active (require_active), and to administrators for an unknown code.
Merchant merchant_for_staff(pg::Spi& spi, const pg::Caller& caller, const std::string& code, bool require_active);
// The same, for a merchant named by its id (seed 003's calls name merchants so).
Merchant merchant_by_id_for_staff(pg::Spi& spi, const pg::Caller& caller, const Uuid& id, bool require_active);

// Whether the caller is a platform administrator (administrators keep their rights at a
// merchant where they are also staff); one query at most per call.
bool is_admin(pg::Spi& spi, const pg::Caller& caller, Merchant& m);

// The caller's relation to a card, through the member profile of the JWT user.
struct CardHolder {
    std::optional<CardType> card_type;  // nullopt: no such card
    std::optional<Uuid> member_id;      // the caller's member profile
    CardStanding standing;              // owner / active binding of the caller's member
    bool member_active = false;         // the caller's member profile is active
    // The caller may use the card (core/cards.hpp may_use_card).
    bool may_use() const noexcept { return card_type && may_use_card(*card_type, standing); }
    // The caller owns the card or is bound to it in any role.
    bool standing_any() const noexcept { return standing.owner || standing.binding.has_value(); }
};
CardHolder card_holder(pg::Spi& spi, const pg::Caller& caller, const Uuid& card_id);

// A member profile as other RPCs need it.
struct MemberRef {
    Uuid id;
    std::string member_no;
    PartyStatus status;
    std::optional<Uuid> user_id;
};
// By id / by member number; raises MEMBER_NOT_FOUND when there is none.
MemberRef member_by_id(pg::Spi& spi, const Uuid& id);
MemberRef member_by_no(pg::Spi& spi, const std::string& member_no);

}  // namespace mps::common
