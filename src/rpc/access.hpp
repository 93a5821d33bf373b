// Authorization lookups shared by the RPCs (DESIGN §3): merchant staff and card holders.
#pragma once

#include <optional>
#include <string>

#include "core/ids.hpp"
#include "pg/identity.hpp"
#include "pg/spi.hpp"

namespace mps::rpc {

struct Merchant {
    Uuid id;
    std::string status;
    std::optional<std::string> staff_role;  // the caller's role there, when staff
    bool admin = false;                     // the caller is a platform administrator
};

// The merchant by code, with the caller's standing. Raises MERCHANT_NOT_FOUND_OR_INACTIVE
// (unknown code, or not active when require_active), PERMISSION_DENIED (neither staff nor
// platform administrator).
Merchant merchant_for_staff(pg::Spi& spi, const pg::Caller& caller, const std::string& code, bool require_active);

// The caller's relation to a card, through the member profile of the JWT user.
struct CardHolder {
    std::optional<std::string> card_type;     // nullopt: no such card
    bool owner = false;                       // owner_member_id is the caller's member
    std::optional<std::string> binding_role;  // owner/admin/member/viewer of an active binding
    bool member_active = false;               // the caller's member profile is active
};
CardHolder card_holder(pg::Spi& spi, const pg::Caller& caller, const Uuid& card_id);

}  // namespace mps::rpc
