// Organisations (seed 003) as the RPCs need them: the organisation with the caller's standing,
// the caller's member profile and memberships, and the partnership that decides what a member
// gets at a merchant. The tables are in sql/install/35_organizations.sql.
#pragma once

#include <optional>
#include <string>

#include "core/ids.hpp"
#include "pg/identity.hpp"
#include "pg/spi.hpp"

namespace mps::common {

struct Organization {
    Uuid id;
    bool active = false;
    bool admin = false;  // the caller is one of its active administrators
    // The caller is a platform administrator; looked up only when needed (is_org_manager).
    std::optional<bool> platform_admin;
};

// The organisation by id with the caller's standing; ORGANIZATION_NOT_FOUND when there is none
// (organisations are a public directory: their existence is no secret).
Organization organization_by_id(pg::Spi& spi, const pg::Caller& caller, const Uuid& id);

// The caller administers the organisation or is a platform administrator.
bool is_org_manager(pg::Spi& spi, const pg::Caller& caller, Organization& org);
// Raises PERMISSION_DENIED unless is_org_manager.
void require_org_manager(pg::Spi& spi, const pg::Caller& caller, Organization& org, const char* action);

// The caller's member profile id; nullopt without a user id or a profile.
std::optional<Uuid> caller_member_id(pg::Spi& spi, const pg::Caller& caller);

// The member a call acts for: the caller's own profile, or (a platform administrator) the
// member whose user id the seeds' p_user_id names. A p_user_id that is not the caller's own
// is refused with PERMISSION_DENIED for anyone else; identity never comes from an argument.
Uuid acting_member(pg::Spi& spi, const pg::Caller& caller, const std::optional<Uuid>& p_user_id, const char* action);

// A membership as the permission rules read it (seed 003 §权限控制逻辑).
struct Membership {
    Uuid organization_id;
    bool active = false;
    bool verified = false;
    bool current = false;
};
std::optional<Membership> membership_of(pg::Spi& spi, const Uuid& member_id, const Uuid& organization_id);
// The member's current membership (at most one), if any.
std::optional<Membership> current_membership(pg::Spi& spi, const Uuid& member_id);

// The discount in thousandths a partnership's rate gives (10.0 % off -> 900).
constexpr int32_t partnership_discount(int32_t rate_tenths_of_percent) noexcept { return 1000 - rate_tenths_of_percent; }

}  // namespace mps::common
