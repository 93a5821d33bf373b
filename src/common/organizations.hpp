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

// The organisation as the seeds' JSON shows it (alias o = app.organizations).
#define MPS_ORGANIZATION_JSON                                                                                   \
    "jsonb_build_object('id', o.id, 'name', o.name, 'display_name_zh', o.display_name_zh,"                     \
    " 'display_name_en', o.display_name_en, 'slug', o.slug, 'region', o.region, 'logo_url', o.logo_url,"       \
    " 'brand_colors', o.brand_colors, 'contact_info', o.contact_info, 'member_count', o.member_count,"         \
    " 'is_active', o.is_active)"
// A member's organisation as seed 003's get_user_organizations shows it (o = app.organizations,
// u = app.user_organizations).
#define MPS_MEMBERSHIP_JSON                                                                                     \
    "jsonb_build_object('id', o.id, 'name', o.name, 'display_name_zh', o.display_name_zh,"                     \
    " 'display_name_en', o.display_name_en, 'slug', o.slug, 'region', o.region, 'logo_url', o.logo_url,"       \
    " 'brand_colors', o.brand_colors, 'membership_level', u.membership_level, 'is_current', u.is_current,"     \
    " 'member_number', u.member_number, 'verification_status', u.verification_status,"                         \
    " 'join_date', u.join_date, 'is_active', u.is_active)"

// A merchant's public profile (alias m = app.merchants), as partner organisations' members see it.
#define MPS_MERCHANT_JSON                                                                                       \
    "jsonb_build_object('id', m.id, 'code', m.code, 'name', m.name, 'category', m.category,"                   \
    " 'description', m.description, 'logo_url', m.logo_url, 'brand_colors', m.brand_colors,"                 \
    " 'address', m.address, 'phone', m.phone, 'website', m.website, 'business_hours', m.business_hours)"
// A partnership (alias p = app.organization_merchant_partnerships) as seed 003's partnership_info.
#define MPS_PARTNERSHIP_JSON                                                                                    \
    "jsonb_build_object('partnership_id', p.id, 'organization_id', p.organization_id,"                         \
    " 'merchant_id', p.merchant_id, 'partnership_type', p.partnership_type, 'discount_rate', p.discount_rate," \
    " 'special_benefits', p.special_benefits, 'start_date', p.start_date, 'end_date', p.end_date,"             \
    " 'is_active', p.is_active)"
// A partnership that holds today, in the deployment's business time zone (the SQL parameter
// named by zone carries mps.settlement_time_zone), judged at the moment of the check.
#define MPS_PARTNERSHIP_LIVE(zone)                                                                              \
    "(p.is_active AND (p.start_date IS NULL OR p.start_date <= (clock_timestamp() AT TIME ZONE " zone ")::date)" \
    " AND (p.end_date IS NULL OR p.end_date >= (clock_timestamp() AT TIME ZONE " zone ")::date))"

// Raises INVALID_ARGUMENT unless every value of the brand colours object is a "#RRGGBB" string
// under a key of [a-z_] (primary, secondary, ...).
void check_brand_colors(pg::Spi& spi, Datum colors, const char* param);

// Locks the member's profile row: a member's memberships change one call at a time, so that
// exactly one of them stays current whatever calls race (switch, join, leave, review).
void lock_member(pg::Spi& spi, const Uuid& member_id);

// The member's loyalty card of an organisation (organization_id, no merchant) or of a merchant
// (merchant_id, taken through organization_id): found, or issued with a new card number and
// identification payload (core/ids.hpp new_card_code). Returns (card id, created).
struct LoyaltyCard {
    Uuid id;
    bool created = false;
};
LoyaltyCard ensure_loyalty_card(pg::Spi& spi, const pg::Caller& caller, const Uuid& member_id,
                                const Uuid& organization_id, const std::optional<Uuid>& merchant_id,
                                const std::string& membership_level);

}  // namespace mps::common
