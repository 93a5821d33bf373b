// Operations RPCs: app.verify_ledger(), app.error_catalog(), and what
// this mps.so implements: app.library_entry_points(), app.library_labels().
// SQL: sql/install/90_rpc_operations.sql.
#include <string>
#include <type_traits>
#include <vector>

#include "common/args.hpp"
#include "core/errors.hpp"
#include "core/labels.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/identity.hpp"
#include "pg/spi.hpp"
#include "pg/srf.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

// One query per invariant of ARCHITECTURE.md §2, each returning (invariant, object_id, detail).
const char* const kLedgerChecks[] = {
    // card balance = Σ recharges − Σ payments + Σ refunds ± Σ adjustments (completed): the live
    // rows plus what the card's archived months carry (app.archived_card_totals)
    "SELECT 'card_balance', c.id::text,"
    "       format('balance %s but transactions add up to %s', c.balance, COALESCE(s.total, 0))"
    "  FROM app.member_cards c"
    "  LEFT JOIN (SELECT card_id, sum(total) AS total FROM ("
    "               SELECT card_id, sum(CASE WHEN tx_type = 'payment' THEN -final_amount ELSE final_amount END) AS total"
    "                 FROM app.transactions WHERE status IN ('completed', 'refunded') GROUP BY card_id"
    "               UNION ALL"
    "               SELECT card_id, sum(balance_delta) FROM app.archived_card_totals GROUP BY card_id) u"
    "              GROUP BY card_id) s"
    "    ON s.card_id = c.id"
    " WHERE c.balance <> COALESCE(s.total, 0)",
    // Σ refunds of a payment ≤ its final amount; 'refunded' exactly when fully refunded
    "SELECT 'payment_refunds', p.tx_no,"
    "       format('final %s, refunded %s, status %s', p.final_amount, COALESCE(r.total, 0), p.status)"
    "  FROM app.transactions p"
    "  LEFT JOIN (SELECT original_tx_id, sum(final_amount) AS total FROM app.transactions"
    "              WHERE tx_type = 'refund' AND status = 'completed' GROUP BY original_tx_id) r"
    "    ON r.original_tx_id = p.id"
    " WHERE p.tx_type = 'payment'"
    "   AND (COALESCE(r.total, 0) > p.final_amount"
    "        OR (p.status = 'refunded') <> (p.final_amount > 0 AND COALESCE(r.total, 0) = p.final_amount))",
    // a refund's refunded_after is the running sum of its payment's refunds up to it (each a
    // different total), and no other row has one: the next refund reads its remainder there
    "SELECT 'refund_running_total', r.tx_no,"
    "       format('refunded_after %s, but the payment''s refunds up to it add up to %s', r.refunded_after, r.running)"
    "  FROM (SELECT tx_no, refunded_after,"
    "               sum(final_amount) OVER (PARTITION BY original_tx_id ORDER BY refunded_after) AS running"
    "          FROM app.transactions WHERE tx_type = 'refund') r"
    " WHERE r.refunded_after IS DISTINCT FROM r.running"
    " UNION ALL "
    "SELECT 'refund_running_total', t.tx_no, format('a %s with refunded_after %s', t.tx_type, t.refunded_after)"
    "  FROM app.transactions t WHERE t.tx_type <> 'refund' AND t.refunded_after IS NOT NULL",
    // every transaction belongs to an existing card
    "SELECT 'transaction_card', t.tx_no, 'transaction of a card that does not exist'"
    "  FROM app.transactions t WHERE NOT EXISTS (SELECT 1 FROM app.member_cards c WHERE c.id = t.card_id)",
    // every refund points at a payment of the same card and merchant (a payment of an archived
    // month as its registry row has it)
    "SELECT 'refund_original', r.tx_no, 'refund has no matching payment of the same card and merchant'"
    "  FROM app.transactions r"
    " WHERE r.tx_type = 'refund' AND NOT EXISTS ("
    "       SELECT 1 FROM app.transactions p WHERE p.id = r.original_tx_id AND p.tx_type = 'payment'"
    "          AND p.card_id = r.card_id AND p.merchant_id IS NOT DISTINCT FROM r.merchant_id)"
    "   AND NOT EXISTS ("
    "       SELECT 1 FROM app.tx_registry g JOIN app.archived_months a"
    "           ON a.month = date_trunc('month', g.created_at AT TIME ZONE 'UTC')::date"
    "        WHERE g.tx_id = r.original_tx_id AND g.tx_type = 'payment'"
    "          AND g.card_id = r.card_id AND g.merchant_id IS NOT DISTINCT FROM r.merchant_id)",
    // card points = Σ point ledger deltas
    "SELECT 'card_points', c.id::text, format('points %s but the ledger adds up to %s', c.points, COALESCE(l.total, 0))"
    "  FROM app.member_cards c"
    "  LEFT JOIN (SELECT card_id, sum(delta) AS total FROM app.point_ledger GROUP BY card_id) l ON l.card_id = c.id"
    " WHERE c.points <> COALESCE(l.total, 0)",
    // level and discount match the ladder for the card's points (cards that earn points)
    "SELECT 'card_level', c.id::text,"
    "       format('points %s, level %s, discount %s; ladder says level %s, discount %s',"
    "              c.points, c.level, c.discount, l.level, l.discount)"
    "  FROM app.member_cards c"
    "  LEFT JOIN app.membership_levels l"
    "    ON c.points >= l.min_points AND (l.max_points IS NULL OR c.points <= l.max_points)"
    " WHERE c.card_type IN ('standard', 'prepaid')"
    "   AND (l.level IS NULL OR c.level <> l.level OR c.discount <> l.discount)",
    // loyalty cards have no ladder level: their points never change level or discount
    "SELECT 'card_level', c.id::text, format('%s card with level %s, discount %s', c.card_type, c.level, c.discount)"
    "  FROM app.member_cards c"
    " WHERE c.card_type IN ('organization', 'merchant') AND (c.level <> 0 OR c.discount <> 1.000)",
    // a points transaction's sign follows its kind: earn adds, redeem and expire take
    "SELECT 'point_ledger_kind', l.id::text, format('%s of %s points', l.kind, l.delta)"
    "  FROM app.point_ledger l"
    " WHERE (l.kind = 'earn' AND l.delta < 0) OR (l.kind IN ('redeem', 'expire') AND l.delta > 0)",
    // an organisation's member_count is its active verified memberships
    "SELECT 'organization_member_count', o.id::text,"
    "       format('member_count %s but %s active verified memberships', o.member_count, COALESCE(m.n, 0))"
    "  FROM app.organizations o"
    "  LEFT JOIN (SELECT organization_id, count(*) AS n FROM app.user_organizations"
    "              WHERE is_active AND verification_status = 'verified' GROUP BY organization_id) m"
    "    ON m.organization_id = o.id"
    " WHERE o.member_count <> COALESCE(m.n, 0)",
    // every transaction has its tx_registry row, and every registry row its transaction
    "SELECT 'tx_registry', t.tx_no, 'transaction has no matching tx_registry row'"
    "  FROM app.transactions t"
    " WHERE NOT EXISTS (SELECT 1 FROM app.tx_registry r WHERE r.tx_no = t.tx_no AND r.tx_id = t.id"
    "                      AND r.created_at = t.created_at AND r.card_id = t.card_id)"
    " UNION ALL "
    "SELECT 'tx_registry', r.tx_no, 'tx_registry row points to no transaction'"
    "  FROM app.tx_registry r"
    " WHERE NOT EXISTS (SELECT 1 FROM app.transactions t WHERE t.id = r.tx_id AND t.created_at = r.created_at)"
    // (those of an archived month: sec.archive_violations counts them against its record)
    "   AND date_trunc('month', r.created_at AT TIME ZONE 'UTC')::date NOT IN (SELECT month FROM app.archived_months)",
    // (a key of an archived transaction points to its tx_registry row)
    "SELECT 'idempotency_registry', i.idempotency_key, 'idempotency key points to no transaction'"
    "  FROM app.idempotency_registry i"
    " WHERE NOT EXISTS (SELECT 1 FROM app.transactions t WHERE t.id = i.tx_id AND t.created_at = i.tx_created_at)"
    "   AND NOT EXISTS (SELECT 1 FROM app.tx_registry g JOIN app.archived_months a"
    "                       ON a.month = date_trunc('month', g.created_at AT TIME ZONE 'UTC')::date"
    "                    WHERE g.tx_id = i.tx_id AND g.created_at = i.tx_created_at)",
    "SELECT 'merchant_order_registry', o.external_order_id, 'external order id points to no transaction'"
    "  FROM app.merchant_order_registry o"
    " WHERE NOT EXISTS (SELECT 1 FROM app.transactions t WHERE t.id = o.tx_id AND t.created_at = o.tx_created_at)"
    "   AND NOT EXISTS (SELECT 1 FROM app.tx_registry g JOIN app.archived_months a"
    "                       ON a.month = date_trunc('month', g.created_at AT TIME ZONE 'UTC')::date"
    "                    WHERE g.tx_id = o.tx_id AND g.created_at = o.tx_created_at)",
    // every paid recharge order has exactly one recharge transaction: its own, of its card and amount
    "SELECT 'recharge_order', o.id::text, 'paid order without its recharge transaction of the same card and amount'"
    "  FROM app.recharge_orders o"
    " WHERE o.status = 'paid' AND NOT EXISTS ("
    "       SELECT 1 FROM app.transactions t WHERE t.id = o.tx_id AND t.tx_type = 'recharge'"
    "          AND t.card_id = o.card_id AND t.final_amount = o.amount AND t.status = 'completed')"
    // (an archived recharge: its registry row, of the card; its amount is in the month's record)
    "   AND NOT EXISTS ("
    "       SELECT 1 FROM app.tx_registry g JOIN app.archived_months a"
    "           ON a.month = date_trunc('month', g.created_at AT TIME ZONE 'UTC')::date"
    "        WHERE g.tx_id = o.tx_id AND g.tx_type = 'recharge' AND g.card_id = o.card_id)"
    " UNION ALL "
    "SELECT 'recharge_order', o.tx_id::text, format('%s paid orders share one recharge transaction', count(*))"
    "  FROM app.recharge_orders o WHERE o.tx_id IS NOT NULL GROUP BY o.tx_id HAVING count(*) > 1",
    // each settlement's figures are the sums of its lines; each line is its transaction, of the
    // settlement's merchant and period (a transaction is in one settlement at most: lines are keyed by it)
    "SELECT 'settlement_figures', s.id::text,"
    "       format('figures %s/%s %s/%s %s/%s %s/%s but lines %s/%s %s/%s %s/%s %s/%s', s.payments_count,"
    "              s.payments_total, s.refunds_count, s.refunds_total, s.vouchers_count, s.vouchers_total,"
    "              s.topups_count, s.topups_total, l.pc, l.pt, l.rc, l.rt, l.vc, l.vt, l.tc, l.tt)"
    "  FROM app.settlements s"
    "  LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE kind = 'payment') AS pc,"
    "                            COALESCE(sum(amount) FILTER (WHERE kind = 'payment'), 0) AS pt,"
    "                            count(*) FILTER (WHERE kind = 'refund') AS rc,"
    "                            COALESCE(sum(amount) FILTER (WHERE kind = 'refund'), 0) AS rt,"
    "                            count(*) FILTER (WHERE kind = 'merchant_voucher') AS vc,"
    "                            COALESCE(sum(amount) FILTER (WHERE kind = 'merchant_voucher'), 0) AS vt,"
    "                            count(*) FILTER (WHERE kind = 'counter_topup') AS tc,"
    "                            COALESCE(sum(amount) FILTER (WHERE kind = 'counter_topup'), 0) AS tt"
    "                       FROM app.settlement_lines WHERE settlement_id = s.id) l ON true"
    " WHERE NOT s.legacy AND ((s.payments_count, s.payments_total, s.refunds_count, s.refunds_total, s.vouchers_count,"
    "        s.vouchers_total, s.topups_count, s.topups_total) IS DISTINCT FROM (l.pc, l.pt, l.rc, l.rt, l.vc, l.vt, l.tc, l.tt)"
    "    OR s.fee <> round((s.payments_total - s.refunds_total) * s.fee_rate, 2))",
    // (a line of an archived month is checked against the transaction's registry row: number,
    // time, merchant, card; its amount was checked while the month was live, and no line is
    // added to it since: a month is archived only once every settleable transaction is settled)
    "SELECT 'settlement_line', l.tx_no, 'settlement line does not match its transaction, merchant or period'"
    "  FROM app.settlement_lines l JOIN app.settlements s ON s.id = l.settlement_id"
    " WHERE (NOT EXISTS (SELECT 1 FROM app.transactions t WHERE t.id = l.tx_id AND t.created_at = l.tx_created_at"
    "                       AND t.merchant_id = s.merchant_id AND t.final_amount = l.amount AND t.tx_no = l.tx_no)"
    "        AND NOT EXISTS (SELECT 1 FROM app.tx_registry g JOIN app.archived_months a"
    "                            ON a.month = date_trunc('month', g.created_at AT TIME ZONE 'UTC')::date"
    "                         WHERE g.tx_id = l.tx_id AND g.created_at = l.tx_created_at AND g.merchant_id = s.merchant_id"
    "                           AND g.tx_no = l.tx_no AND g.card_id = l.card_id))"
    "    OR l.merchant_id <> s.merchant_id OR l.tx_created_at < s.period_start OR l.tx_created_at >= s.period_end",
    // a closed or expired voucher holds no money (what was left was written off)
    "SELECT 'voucher_closed', c.id::text, format('%s voucher still holds %s', c.status, c.balance)"
    "  FROM app.member_cards c"
    " WHERE c.card_type = 'voucher' AND c.status IN ('closed', 'expired') AND c.balance <> 0",
    // archived months: records, carried totals, archived tables still present, and transaction
    // tables detached without a record (sql/install/63_archive.sql)
    "SELECT invariant, object_id, detail FROM sec.archive_violations()",
};

}  // namespace

// One row per violated invariant; platform administrators only. The rows go straight from
// each check's result into the function's result.
MPS_ENTRY(mps_verify_ledger) {
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "run the ledger checker");
    // One kept statement per check, made once per backend: the texts are fixed, never built
    // from arguments.
    static std::vector<Statement> checks = [] {
        std::vector<Statement> v;
        for (const char* sql : kLedgerChecks) v.emplace_back(SPI_OK_SELECT, sql, std::initializer_list<Oid>{});
        return v;
    }();
    TableResult out(args.fcinfo());
    for (Statement& check : checks) {
        SpiResult r = spi.run(check, {});
        for (uint64_t i = 0; i < r.size(); ++i) out.add({r[i].cell(1), r[i].cell(2), r[i].cell(3)});
    }
    spi.finish();
    return Datum(0);
}

// The error catalog, for clients and for the test that keeps the README table honest.
MPS_ENTRY(mps_error_catalog) {
    TableResult out(args.fcinfo());
    for (int i = 0; i < kErrorCatalogSize; ++i) {
        const ErrorCode& e = *kErrorCatalog[i];
        out.add({p_text(e.code), p_text(sqlstate_of(e.cls)), p_text(http_status_of(e.cls)), p_text(e.meaning)});
    }
    return Datum(0);
}

namespace {

// The parameter names of an entry point.
std::vector<std::string_view> param_names(const EntryPoint& e) {
    std::vector<std::string_view> names;
    for (int i = 0; i < e.param_count(); ++i) names.push_back(e.param(i));
    return names;
}

template <typename E>
void add_labels(TableResult& out, std::string_view sql_type) {
    std::vector<std::string_view> names(std::begin(Labels<E>::names), std::end(Labels<E>::names));
    // Labels of the SQL enum accepted as input only (the seeds' card type names), in their place.
    if constexpr (std::is_same_v<E, CardType>)
        names.insert(names.begin() + Labels<E>::input_only_after, std::begin(Labels<E>::input_only),
                     std::end(Labels<E>::input_only));
    out.add({p_text(sql_type), p_datum(text_array_datum(names))});
}

}  // namespace

// Every SQL-callable function of this mps.so with its parameter names as the C++ declares
// them, for comparing with the SQL declarations; platform administrators only.
MPS_ENTRY(mps_library_entry_points) {
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "list the library's entry points");
    spi.finish();
    TableResult out(args.fcinfo());
    for (const EntryPoint* e = EntryPoint::first(); e != nullptr; e = e->next())
        if (!e->legacy()) out.add({p_text(e->symbol()), p_datum(text_array_datum(param_names(*e)))});
    return Datum(0);
}

// The labels this mps.so knows for each SQL enum it reads, for comparing with pg_enum.
MPS_ENTRY(mps_library_labels) {
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "list the library's enum labels");
    spi.finish();
    TableResult out(args.fcinfo());
    add_labels<CardType>(out, Labels<CardType>::sql_type);
    add_labels<CardStatus>(out, Labels<CardStatus>::sql_type);
    add_labels<BindingRole>(out, Labels<BindingRole>::sql_type);
    add_labels<MerchantRole>(out, Labels<MerchantRole>::sql_type);
    add_labels<PartyStatus>(out, "app.member_status");
    add_labels<PartyStatus>(out, "app.merchant_status");
    add_labels<TxType>(out, Labels<TxType>::sql_type);
    add_labels<TxStatus>(out, Labels<TxStatus>::sql_type);
    add_labels<KeyScope>(out, Labels<KeyScope>::sql_type);
    add_labels<RechargeOrderStatus>(out, Labels<RechargeOrderStatus>::sql_type);
    return Datum(0);
}
