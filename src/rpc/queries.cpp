// Authorized, keyset-paginated reads (STABLE: PostgREST runs them read-only, also on a hot
// standby): app.get_member_transactions, app.get_merchant_transactions,
// app.get_transaction_detail, app.get_point_ledger, app.get_member_cards.
// SQL: sql/install/90_rpc_queries.sql.
//
// They do not depend on the caller reading the tables (ARCHITECTURE.md §9): each decides who the
// caller may read for, then reads as the owner. A page costs what it returns: newest first by
// (created_at, id), continuing after a cursor, each card's or merchant's rows read through its
// (…, created_at) index on the partitions of the asked period only.
#include <algorithm>
#include <string>
#include <vector>

#include "common/access.hpp"
#include "common/organizations.hpp"
#include "common/archive.hpp"
#include "common/args.hpp"
#include "core/errors.hpp"
#include "core/pages.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/srf.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

// The cards whose history a member reads: those it owns and those it is bound to (any role)
// now. Raises PERMISSION_DENIED for a caller who is neither that member nor an administrator.
struct ReadableCards {
    std::vector<Uuid> ids;
};

// The member a call reads for: the caller's own, or (administrators) p_member_id.
Uuid member_to_read(Spi& spi, const Caller& caller, const std::optional<Uuid>& asked) {
    const std::optional<Uuid> own = caller_member_id(spi, caller);
    if (own && (!asked || *asked == *own)) return *own;
    if (is_platform_admin(spi, caller)) {
        if (!asked) fail(err::INVALID_ARGUMENT, "p_member_id is required when an administrator reads a member's data.");
        return member_by_id(spi, *asked).id;
    }
    if (asked) fail(err::PERMISSION_DENIED, "A member reads only its own data.");
    if (!own) fail(err::PERMISSION_DENIED, "The caller has no member profile.");
    return *own;
}

std::vector<Uuid> member_card_ids(Spi& spi, const Uuid& member) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT id FROM app.member_cards WHERE owner_member_id = $1"
                          " UNION SELECT card_id FROM app.card_bindings WHERE member_id = $1 AND status = 'active'",
                          {UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(member)});
    std::vector<Uuid> ids;
    for (uint64_t i = 0; i < r.size(); ++i) ids.push_back(r[i].uuid(1));
    return ids;
}

// The bounds of a page: [from, to) and after the cursor; absent bounds are infinities, so that
// one generic plan prunes partitions at run time.
struct Window {
    TimestampTz from = DT_NOBEGIN;
    TimestampTz to = DT_NOEND;
    TimestampTz before_at = DT_NOEND;
    Uuid before_id{};
    std::optional<std::string> tx_type;
    int32_t limit = kDefaultPageSize;
};

Window window_args(const Args& args, int from, int to, int tx_type, int limit, int before) {
    Window w;
    if (std::optional<TimestampTz> f = optional_timestamptz_arg(args, from)) w.from = *f;
    if (std::optional<TimestampTz> t = optional_timestamptz_arg(args, to)) w.to = *t;
    w.tx_type = optional_text_arg(args, tx_type, 16);
    if (w.tx_type && !parse_label<TxType>(*w.tx_type))
        fail(err::INVALID_ARGUMENT, "p_tx_type must be payment, refund, recharge or adjustment.");
    w.limit = page_limit_arg(args, limit);
    if (std::optional<PageCursor> c = cursor_arg(args, before)) {
        w.before_at = c->at;
        w.before_id = c->id;
    }
    return w;
}

// One row of a history page, kept in SPI-independent memory until the page is assembled.
struct TxRow {
    TimestampTz at;
    Uuid id;
    std::vector<Value> cells;
};

#define MPS_TX_COLUMNS                                                                                        \
    "SELECT t.id, t.tx_no, t.tx_type::text, t.card_id, m.code, t.raw_amount, t.discount_applied, t.final_amount," \
    "       t.points_earned, t.status::text, t.reason, t.payment_method, t.created_at"                          \
    "  FROM app.transactions t LEFT JOIN app.merchants m ON m.id = t.merchant_id"
constexpr int kTxColumns = 13;
#define MPS_TX_PAGE                                                                                   \
    "   AND t.created_at >= $2 AND t.created_at < $3 AND t.created_at <= $4 AND (t.created_at, t.id) < ($4, $5)" \
    "   AND ($6::text IS NULL OR t.tx_type::text = $6)"                                                 \
    " ORDER BY t.created_at DESC, t.id DESC LIMIT $7"

void collect(SpiResult& r, std::vector<TxRow>& rows) {
    for (uint64_t i = 0; i < r.size(); ++i) {
        TxRow row{r[i].timestamptz(13), r[i].uuid(1), {}};
        for (int c = 1; c <= kTxColumns; ++c) row.cells.push_back(r[i].copy(c));
        rows.push_back(std::move(row));
    }
}

// Newest first, at most limit rows, each with the cursor that continues after it.
void emit_page(const Args& args, std::vector<TxRow>& rows, int32_t limit) {
    std::sort(rows.begin(), rows.end(), [](const TxRow& a, const TxRow& b) {
        if (a.at != b.at) return a.at > b.at;
        return a.id.bytes > b.id.bytes;
    });
    if (rows.size() > size_t(limit)) rows.resize(size_t(limit));
    TableResult out(args.fcinfo());
    for (const TxRow& row : rows) {
        const Value cursor = p_text(format_cursor(PageCursor{row.at, row.id}));
        const std::vector<Value>& c = row.cells;
        out.add({c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], cursor});
    }
}


}  // namespace

// A member's transactions (its own cards and those it is bound to now), or one of those cards'.
MPS_ENTRY(mps_get_member_transactions, p_card_id, p_from, p_to, p_tx_type, p_limit, p_before, p_member_id) {
    std::optional<Uuid> card;
    if (args.has(p_card_id)) card = required_uuid_arg(args, p_card_id);
    const Window w = window_args(args, p_from, p_to, p_tx_type, p_limit, p_before);
    std::optional<Uuid> asked;
    if (args.has(p_member_id)) asked = required_uuid_arg(args, p_member_id);
    Caller caller = current_caller();
    Spi spi;
    const Uuid member = member_to_read(spi, caller, asked);
    std::vector<Uuid> cards = member_card_ids(spi, member);
    if (card) {
        if (std::find(cards.begin(), cards.end(), *card) == cards.end())
            fail(err::PERMISSION_DENIED, "The member neither owns this card nor is bound to it.");
        cards = {*card};
    }
    static Statement page(SPI_OK_SELECT, MPS_TX_COLUMNS " WHERE t.card_id = $1" MPS_TX_PAGE,
                          {UUIDOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID, UUIDOID, TEXTOID, INT4OID},
                          Statement::Plan::Generic);
    std::vector<TxRow> rows;
    for (const Uuid& c : cards) {
        SpiResult r = spi.run(page, {p_uuid(c), p_timestamptz(w.from), p_timestamptz(w.to),
                                     p_timestamptz(w.before_at), p_uuid(w.before_id), p_opt_text(w.tx_type),
                                     p_int32(w.limit)});
        collect(r, rows);
    }
    spi.finish();
    emit_page(args, rows, w.limit);
    return Datum(0);
}

// A merchant's transactions: its staff and platform administrators.
MPS_ENTRY(mps_get_merchant_transactions, p_merchant_code, p_from, p_to, p_tx_type, p_limit, p_before) {
    const std::string code = required_text_arg(args, p_merchant_code, 64);
    const Window w = window_args(args, p_from, p_to, p_tx_type, p_limit, p_before);
    Caller caller = current_caller();
    Spi spi;
    const Merchant m = merchant_for_staff(spi, caller, code, false);
    static Statement page(SPI_OK_SELECT, MPS_TX_COLUMNS " WHERE t.merchant_id = $1" MPS_TX_PAGE,
                          {UUIDOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID, UUIDOID, TEXTOID, INT4OID},
                          Statement::Plan::Generic);
    SpiResult r = spi.run(page, {p_uuid(m.id), p_timestamptz(w.from), p_timestamptz(w.to), p_timestamptz(w.before_at),
                                 p_uuid(w.before_id), p_opt_text(w.tx_type), p_int32(w.limit)});
    std::vector<TxRow> rows;
    collect(r, rows);
    spi.finish();
    emit_page(args, rows, w.limit);
    return Datum(0);
}

// A transaction with what belongs to it: a payment and its refunds, or a refund and its payment.
// Readable by the members of its card, the staff of its merchant and platform administrators;
// to anyone else it is as unknown as a number that does not exist.
MPS_ENTRY(mps_get_transaction_detail, p_tx_no) {
    const std::string tx_no = required_text_arg(args, p_tx_no, 64);
    Caller caller = current_caller();
    Spi spi;
    static Statement find(SPI_OK_SELECT,
                          "SELECT r.tx_id, r.created_at, r.card_id, r.merchant_id, m.code"
                          "  FROM app.tx_registry r LEFT JOIN app.merchants m ON m.id = r.merchant_id WHERE r.tx_no = $1",
                          {TEXTOID});
    SpiResult f = spi.run(find, {p_text(tx_no)});
    const bool admin = is_platform_admin(spi, caller);
    bool allowed = admin;
    if (!f.empty() && !allowed) {
        const Uuid card = f[0].uuid(3);
        if (std::optional<Uuid> own = caller_member_id(spi, caller)) {
            const std::vector<Uuid> cards = member_card_ids(spi, *own);
            allowed = std::find(cards.begin(), cards.end(), card) != cards.end();
        }
        if (!allowed && !f[0].is_null(5) && caller.user_id) {
            static Statement staff(SPI_OK_SELECT,
                                   "SELECT EXISTS (SELECT 1 FROM app.merchant_users"
                                   "                WHERE merchant_id = $1 AND user_id = $2 AND active)",
                                   {UUIDOID, UUIDOID});
            allowed = spi.run(staff, {p_uuid(f[0].uuid(4)), p_uuid(*caller.user_id)})[0].boolean(1);
        }
    }
    if (!allowed) fail(err::PERMISSION_DENIED, "The caller may not read a transaction with this number.");
    if (f.empty()) fail(err::TRANSACTION_NOT_FOUND, "No transaction has this number.");
    // The transaction, then its refunds (a payment) or its payment (a refund), oldest first.
    static Statement detail(
        SPI_OK_SELECT,
        "WITH x AS (SELECT * FROM app.transactions WHERE id = $1 AND created_at = $2)"
        "SELECT 'transaction', t.tx_no, t.tx_type::text, t.card_id, m.code, t.raw_amount, t.discount_applied,"
        "       t.final_amount, t.points_earned, t.status::text, t.reason, t.created_at"
        "  FROM x t LEFT JOIN app.merchants m ON m.id = t.merchant_id"
        " UNION ALL "
        "SELECT CASE WHEN x.tx_type = 'payment' THEN 'refund' ELSE 'payment' END, t.tx_no, t.tx_type::text, t.card_id,"
        "       m.code, t.raw_amount, t.discount_applied, t.final_amount, t.points_earned, t.status::text, t.reason,"
        "       t.created_at"
        "  FROM x JOIN app.transactions t"
        "    ON (x.tx_type = 'payment' AND t.original_tx_id = x.id AND t.card_id = x.card_id)"
        "    OR (x.tx_type = 'refund' AND t.id = x.original_tx_id AND t.card_id = x.card_id)"
        "  LEFT JOIN app.merchants m ON m.id = t.merchant_id"
        // A refund's payment of an archived month: what its registry row knows, status 'archived'.
        " UNION ALL "
        "SELECT 'payment', g.tx_no, g.tx_type::text, g.card_id, m.code, NULL, NULL, NULL, NULL, 'archived', NULL,"
        "       g.created_at"
        "  FROM x JOIN app.tx_registry g ON x.tx_type = 'refund' AND g.tx_id = x.original_tx_id"
        "  JOIN app.archived_months a ON a.month = date_trunc('month', g.created_at AT TIME ZONE 'UTC')::date"
        "  LEFT JOIN app.merchants m ON m.id = g.merchant_id"
        " ORDER BY 12, 2",
        // A custom plan over every monthly partition costs more to plan than to run: one generic
        // plan, pruned at run time.
        {UUIDOID, TIMESTAMPTZOID}, Statement::Plan::Generic);
    SpiResult r = spi.run(detail, {p_uuid(f[0].uuid(1)), p_timestamptz(f[0].timestamptz(2))});
    // Registered but not live: it says so rather than look like it never existed.
    if (r.empty()) refuse_if_archived(spi, f[0].timestamptz(2), "Transaction " + tx_no);
    TableResult out(args.fcinfo());
    for (uint64_t i = 0; i < r.size(); ++i)
        out.add({r[i].cell(1), r[i].cell(2), r[i].cell(3), r[i].cell(4), r[i].cell(5), r[i].cell(6), r[i].cell(7),
                 r[i].cell(8), r[i].cell(9), r[i].cell(10), r[i].cell(11), r[i].cell(12)});
    spi.finish();
    return Datum(0);
}

// A card's point ledger, newest first: its members and platform administrators.
MPS_ENTRY(mps_get_point_ledger, p_card_id, p_limit, p_before) {
    const Uuid card = required_uuid_arg(args, p_card_id);
    const int32_t limit = page_limit_arg(args, p_limit);
    const std::optional<PageCursor> before = cursor_arg(args, p_before);
    Caller caller = current_caller();
    Spi spi;
    if (!is_platform_admin(spi, caller)) {
        const std::optional<Uuid> own = caller_member_id(spi, caller);
        const std::vector<Uuid> cards = own ? member_card_ids(spi, *own) : std::vector<Uuid>{};
        if (std::find(cards.begin(), cards.end(), card) == cards.end())
            fail(err::PERMISSION_DENIED, "The caller neither owns this card nor is bound to it.");
    }
    // The cursor's time part carries the ledger row's id (the ledger is ordered by it).
    static Statement page(SPI_OK_SELECT,
                          "SELECT l.id, l.delta, l.balance_before, l.balance_after, l.reason, t.tx_no, l.created_at"
                          "  FROM app.point_ledger l LEFT JOIN app.tx_registry t ON t.tx_id = l.tx_id"
                          " WHERE l.card_id = $1 AND l.id < $2 ORDER BY l.id DESC LIMIT $3",
                          {UUIDOID, INT8OID, INT4OID});
    SpiResult r = spi.run(page, {p_uuid(card), p_int64(before ? before->at : INT64_MAX), p_int32(limit)});
    TableResult out(args.fcinfo());
    for (uint64_t i = 0; i < r.size(); ++i)
        out.add({r[i].cell(2), r[i].cell(3), r[i].cell(4), r[i].cell(5), r[i].cell(6), r[i].cell(7),
                 p_text(format_cursor(PageCursor{r[i].integer(1), Uuid{}}))});
    spi.finish();
    return Datum(0);
}

// The cards a member holds — owned and bound — with what the app shows; never a secret.
MPS_ENTRY(mps_get_member_cards, p_member_id) {
    std::optional<Uuid> asked;
    if (args.has(p_member_id)) asked = required_uuid_arg(args, p_member_id);
    Caller caller = current_caller();
    Spi spi;
    const Uuid member = member_to_read(spi, caller, asked);
    static Statement cards(
        SPI_OK_SELECT,
        "SELECT c.id, c.card_no, c.card_type::text,"
        "       CASE WHEN c.owner_member_id = $1 THEN 'owner' ELSE b.role::text END,"
        "       c.balance, c.points, c.level, c.discount, c.fixed_discount, c.company_name, c.status::text, c.expires_at,"
        "       c.binding_password_hash IS NOT NULL"
        "  FROM (SELECT id FROM app.member_cards WHERE owner_member_id = $1"
        "        UNION SELECT card_id FROM app.card_bindings WHERE member_id = $1 AND status = 'active') mine"
        "  JOIN app.member_cards c ON c.id = mine.id"
        "  LEFT JOIN app.card_bindings b ON b.card_id = c.id AND b.member_id = $1 AND b.status = 'active'"
        " ORDER BY c.card_type, c.created_at, c.id",
        {UUIDOID});
    SpiResult r = spi.run(cards, {p_uuid(member)});
    TableResult out(args.fcinfo());
    for (uint64_t i = 0; i < r.size(); ++i)
        out.add({r[i].cell(1), r[i].cell(2), r[i].cell(3), r[i].cell(4), r[i].cell(5), r[i].cell(6), r[i].cell(7),
                 r[i].cell(8), r[i].cell(9), r[i].cell(10), r[i].cell(11), r[i].cell(12), r[i].cell(13)});
    spi.finish();
    return Datum(0);
}
