// Analytics (seed 003 §数据统计), read-only (STABLE): app.get_organization_analytics,
// app.get_merchant_analytics. SQL: sql/install/90_rpc_analytics.sql.
//
// Each answer is one jsonb object built by one kept statement. Months are calendar months of
// mps.settlement_time_zone (UTC by default), the zone of settlement days and months, the last
// p_months of them up to and including the current one; "the last 30 days" are the 30 × 24 hours
// before the call's transaction started.
#include <string>

#include "common/access.hpp"
#include "common/args.hpp"
#include "common/organizations.hpp"
#include "core/errors.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/settings.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

// The months of a report ($2 of them, in the zone $3): label YYYY-MM, first and next first day,
// and the instants they start and end at.
#define MPS_REPORT_MONTHS                                                                                     \
    "months AS (SELECT to_char(m, 'YYYY-MM') AS month, m::date AS first_day,"                                 \
    "                  (m + interval '1 month')::date AS next_first_day,"                                     \
    "                  m AT TIME ZONE $3 AS starts, (m + interval '1 month') AT TIME ZONE $3 AS ends"         \
    "             FROM generate_series(date_trunc('month', now() AT TIME ZONE $3) - make_interval(months => $2 - 1)," \
    "                                  date_trunc('month', now() AT TIME ZONE $3), interval '1 month') m)"

// p_months: NULL -> 12; 1..36.
int32_t months_arg(const Args& args, int n) {
    const std::optional<int32_t> v = optional_int32_arg(args, n);
    if (!v) return 12;
    if (*v < 1 || *v > 36) fail(err::INVALID_ARGUMENT, "p_months must be between 1 and 36.");
    return *v;
}

const char* report_zone() { return settlement_time_zone ? settlement_time_zone : "UTC"; }

Datum run_report(Spi& spi, Statement& stmt, const Uuid& id, int32_t months) {
    const Value out = spi.run(stmt, {p_uuid(id), p_int32(months), p_text(report_zone())})[0].copy(1);
    spi.finish();
    return out.datum;
}

}  // namespace

// An organisation's figures: members and their growth, partner merchants, loyalty cards, points
// issued and redeemed on them, activity. Its administrators and platform administrators.
MPS_ENTRY(mps_get_organization_analytics, p_organization_id, p_months) {
    const Uuid org_id = required_uuid_arg(args, p_organization_id);
    const int32_t months = months_arg(args, p_months);
    Caller caller = current_caller();
    Spi spi;
    Organization org = organization_by_id(spi, caller, org_id);
    require_org_manager(spi, caller, org, "read its analytics");
    static Statement stmt(
        SPI_OK_SELECT,
        "WITH " MPS_REPORT_MONTHS ","
        " mem AS (SELECT is_active, verification_status, join_date FROM app.user_organizations"
        "          WHERE organization_id = $1),"
        " verified AS (SELECT join_date FROM mem WHERE is_active AND verification_status = 'verified'),"
        " cards AS (SELECT id, card_type::text AS card_type FROM app.member_cards"
        "            WHERE organization_id = $1 AND card_type IN ('organization', 'merchant')),"
        " ledger AS (SELECT l.card_id, l.delta, l.created_at FROM app.point_ledger l JOIN cards c ON c.id = l.card_id),"
        " partners AS (SELECT m.category FROM app.organization_merchant_partnerships p"
        "                JOIN app.merchants m ON m.id = p.merchant_id"
        "               WHERE p.organization_id = $1 AND " MPS_PARTNERSHIP_LIVE("$3") ")"
        "SELECT jsonb_build_object("
        "  'organization_id', $1, 'months', $2, 'time_zone', $3,"
        "  'members', (SELECT jsonb_build_object("
        "                'total_active', count(*) FILTER (WHERE is_active),"
        "                'verified', count(*) FILTER (WHERE is_active AND verification_status = 'verified'),"
        "                'pending', count(*) FILTER (WHERE is_active AND verification_status = 'pending'),"
        "                'member_count', (SELECT member_count FROM app.organizations WHERE id = $1)) FROM mem),"
        "  'member_growth', (SELECT jsonb_agg(jsonb_build_object('month', mo.month,"
        "        'new_verified', (SELECT count(*) FROM verified v"
        "                          WHERE v.join_date >= mo.first_day AND v.join_date < mo.next_first_day),"
        "        'cumulative', (SELECT count(*) FROM verified v WHERE v.join_date < mo.next_first_day))"
        "        ORDER BY mo.month) FROM months mo),"
        "  'partner_merchants', jsonb_build_object('active', (SELECT count(*) FROM partners),"
        "        'by_category', COALESCE((SELECT jsonb_agg(jsonb_build_object('category', category, 'count', n)"
        "                                                  ORDER BY category NULLS LAST)"
        "                                   FROM (SELECT category, count(*) AS n FROM partners GROUP BY category) x),"
        "                                '[]'::jsonb)),"
        "  'cards', (SELECT jsonb_build_object('organization_cards', count(*) FILTER (WHERE card_type = 'organization'),"
        "                                      'merchant_cards', count(*) FILTER (WHERE card_type = 'merchant'),"
        "                                      'total', count(*)) FROM cards),"
        "  'points', (SELECT jsonb_build_object('issued', COALESCE(sum(delta) FILTER (WHERE delta > 0), 0),"
        "                                       'redeemed', COALESCE(-sum(delta) FILTER (WHERE delta < 0), 0))"
        "               FROM ledger)"
        "     || jsonb_build_object('by_month', (SELECT jsonb_agg(jsonb_build_object('month', month, 'issued', issued,"
        "                                                                  'redeemed', redeemed) ORDER BY month)"
        "           FROM (SELECT mo.month, COALESCE(sum(l.delta) FILTER (WHERE l.delta > 0), 0) AS issued,"
        "                        COALESCE(-sum(l.delta) FILTER (WHERE l.delta < 0), 0) AS redeemed"
        "                   FROM months mo LEFT JOIN ledger l ON l.created_at >= mo.starts AND l.created_at < mo.ends"
        "                  GROUP BY mo.month) x)),"
        "  'activity_30d', (SELECT jsonb_build_object('points_transactions', count(*),"
        "                                             'active_cards', count(DISTINCT card_id))"
        "                     FROM ledger WHERE created_at >= now() - interval '30 days'))",
        {UUIDOID, INT4OID, TEXTOID});
    return run_report(spi, stmt, org_id, months);
}

// A merchant's figures: its loyalty cards, the points transactions in its name, active cards,
// and the organisations its card holders came through. Its owners and managers and platform
// administrators.
MPS_ENTRY(mps_get_merchant_analytics, p_merchant_id, p_months) {
    const Uuid merchant_id = required_uuid_arg(args, p_merchant_id);
    const int32_t months = months_arg(args, p_months);
    Caller caller = current_caller();
    Spi spi;
    Merchant m = merchant_by_id_for_staff(spi, caller, merchant_id, false);
    const bool manager = m.staff_role == MerchantRole::Owner || m.staff_role == MerchantRole::Manager;
    if (!manager && !is_admin(spi, caller, m))
        fail(err::PERMISSION_DENIED, "Only an owner or manager of the merchant reads its analytics.");
    static Statement stmt(
        SPI_OK_SELECT,
        "WITH " MPS_REPORT_MONTHS ","
        " cards AS (SELECT id, organization_id, created_at FROM app.member_cards"
        "            WHERE loyalty_merchant_id = $1 AND card_type = 'merchant'),"
        // The points rows in the merchant's name, and those of its payments and refunds.
        " pts AS (SELECT l.card_id, l.delta, l.created_at FROM app.point_ledger l WHERE l.merchant_id = $1"
        "         UNION ALL"
        "         SELECT l.card_id, l.delta, l.created_at FROM app.transactions t"
        "           JOIN app.point_ledger l ON l.tx_id = t.id AND l.card_id = t.card_id"
        "          WHERE t.merchant_id = $1 AND l.merchant_id IS NULL)"
        "SELECT jsonb_build_object("
        "  'merchant_id', $1, 'months', $2, 'time_zone', $3,"
        "  'cards', jsonb_build_object('issued', (SELECT count(*) FROM cards),"
        "        'by_month', (SELECT jsonb_agg(jsonb_build_object('month', month, 'issued', n) ORDER BY month)"
        "                       FROM (SELECT mo.month, count(c.id) AS n FROM months mo"
        "                               LEFT JOIN cards c ON c.created_at >= mo.starts AND c.created_at < mo.ends"
        "                              GROUP BY mo.month) x)),"
        "  'points', (SELECT jsonb_build_object('earned', COALESCE(sum(delta) FILTER (WHERE delta > 0), 0),"
        "                                       'earned_count', count(*) FILTER (WHERE delta > 0),"
        "                                       'redeemed', COALESCE(-sum(delta) FILTER (WHERE delta < 0), 0),"
        "                                       'redeemed_count', count(*) FILTER (WHERE delta < 0))"
        "               FROM pts)"
        "     || jsonb_build_object('by_month', (SELECT jsonb_agg(jsonb_build_object('month', month, 'earned', earned,"
        "               'earned_count', earned_count, 'redeemed', redeemed, 'redeemed_count', redeemed_count)"
        "               ORDER BY month)"
        "           FROM (SELECT mo.month, COALESCE(sum(p.delta) FILTER (WHERE p.delta > 0), 0) AS earned,"
        "                        count(p.delta) FILTER (WHERE p.delta > 0) AS earned_count,"
        "                        COALESCE(-sum(p.delta) FILTER (WHERE p.delta < 0), 0) AS redeemed,"
        "                        count(p.delta) FILTER (WHERE p.delta < 0) AS redeemed_count"
        "                   FROM months mo LEFT JOIN pts p ON p.created_at >= mo.starts AND p.created_at < mo.ends"
        "                  GROUP BY mo.month) x)),"
        "  'active_users_30d', (SELECT count(DISTINCT card_id) FROM ("
        "        SELECT card_id FROM pts WHERE created_at >= now() - interval '30 days'"
        "        UNION SELECT card_id FROM app.transactions"
        "               WHERE merchant_id = $1 AND tx_type = 'payment' AND status IN ('completed', 'refunded')"
        "                 AND created_at >= now() - interval '30 days') a),"
        "  'members_by_organization', COALESCE((SELECT jsonb_agg(jsonb_build_object('organization_id', x.organization_id,"
        "        'name', o.name, 'cards', x.n) ORDER BY x.n DESC, o.name NULLS LAST)"
        "      FROM (SELECT organization_id, count(*) AS n FROM cards GROUP BY organization_id) x"
        "      LEFT JOIN app.organizations o ON o.id = x.organization_id), '[]'::jsonb))",
        {UUIDOID, INT4OID, TEXTOID});
    return run_report(spi, stmt, merchant_id, months);
}
