// Merchant settlement: app.generate_settlement, app.update_settlement_status,
// app.list_settlements, app.get_settlement_lines, app.set_merchant_fee_rate.
// SQL: sql/install/90_rpc_settlements.sql.
//
// A settlement covers one merchant and a period [start, end): its payments (gross), refunds,
// payments with vouchers the merchant issued itself (listed, not paid out), counter top-ups (cash
// the merchant took for the platform, netted) and the platform's fee on net sales. Each of those
// transactions is settled exactly once: its line in app.settlement_lines is keyed by the
// transaction, and the settlement waits for transactions still running before it counts (a
// transaction's rows carry its start time; it may commit after the period ended).
#include <optional>
#include <string>
#include <vector>

#include "common/access.hpp"
#include "common/args.hpp"
#include "common/audit.hpp"
#include "core/errors.hpp"
#include "core/labels.hpp"
#include "core/money.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/settings.hpp"
#include "pg/srf.hpp"
#include "pg/waits.hpp"

extern "C" {
#include "utils/date.h"
}

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

const char* const kModes[] = {"realtime", "t_plus_1", "monthly"};

std::string mode_arg(const Args& args, int n) {
    args.require_declared(n);
    const std::string mode = word_arg(args, n, 16, "");
    for (const char* m : kModes)
        if (mode == m) return mode;
    fail(err::INVALID_ARGUMENT, "p_mode must be realtime, t_plus_1 or monthly.");
}

TimestampTz required_time_arg(const Args& args, int n) {
    args.require_declared(n);
    std::optional<TimestampTz> t = optional_timestamptz_arg(args, n);
    if (!t) fail(err::INVALID_ARGUMENT, std::string(args.name(n)) + " is required.");
    return *t;
}

struct Period {
    TimestampTz start;
    TimestampTz end;  // exclusive
    TimestampTz due;
};

// The period a mode allows, in mps.settlement_time_zone (one zone for all, so that consecutive
// periods neither overlap nor leave gaps whatever the caller's TimeZone): t_plus_1 is one whole day and
// monthly one whole month, given from their first second to their last second (the seeds' daily
// job sends 00:00:00 and 23:59:59, with the clock's microseconds) or to the next midnight; they
// are stored as [first midnight, next midnight). realtime takes [start, end) as given. Every
// period must have ended. Due: realtime at its end, t_plus_1 the day after (T+1), monthly on the
// 10th of the next month.
Period normalize(Spi& spi, const std::string& mode, TimestampTz start, TimestampTz end) {
    // Local days and months of the zone ($4): the first local midnight and the next one (where a
    // midnight does not exist, the day's first instant).
    static Statement stmt(
        SPI_OK_SELECT,
        "WITH u AS (SELECT CASE $1 WHEN 't_plus_1' THEN 'day' WHEN 'monthly' THEN 'month' END AS unit),"
        " l AS (SELECT u.unit, date_trunc(u.unit, $2 AT TIME ZONE $4) AS ls FROM u),"
        " p AS (SELECT CASE WHEN l.unit IS NULL THEN $2 ELSE l.ls AT TIME ZONE $4 END AS s,"
        "              CASE WHEN l.unit IS NULL THEN $3"
        "                   ELSE (l.ls + ('1 ' || l.unit)::interval) AT TIME ZONE $4 END AS e, l.unit FROM l)"
        "SELECT p.s, p.e,"
        "       CASE $1 WHEN 'realtime' THEN p.e WHEN 't_plus_1' THEN p.e + interval '1 day'"
        "               ELSE p.e + interval '9 days' END,"
        "       p.unit IS NULL OR ($2 < p.s + interval '1 second' AND $3 >= p.e - interval '1 second' AND $3 <= p.e),"
        "       p.e > p.s, p.e <= clock_timestamp()"
        "  FROM p",
        {TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID});
    SpiResult r = spi.run(stmt, {p_text(mode), p_timestamptz(start), p_timestamptz(end),
                                 p_text(settlement_time_zone ? settlement_time_zone : "UTC")});
    if (!r[0].boolean(4))
        fail(err::SETTLEMENT_PERIOD_INVALID,
             mode == "t_plus_1" ? "A t_plus_1 period is one whole day: from its first second to its last (23:59:59) or the next midnight."
                                : "A monthly period is one whole month: from its first second to its last or the next month's first midnight.",
             "Days and months are those of mps.settlement_time_zone (" +
                 std::string(settlement_time_zone ? settlement_time_zone : "UTC") + ").");
    if (!r[0].boolean(5)) fail(err::SETTLEMENT_PERIOD_INVALID, "The period ends before it starts.");
    if (!r[0].boolean(6))
        fail(err::SETTLEMENT_PERIOD_INVALID, "The period has not ended yet.", "Settle a period once it is over.");
    return {r[0].timestamptz(1), r[0].timestamptz(2), r[0].timestamptz(3)};
}

// The settlement of one merchant and a normalized period: the existing one when the same period
// was settled before (created false), else a new one with its lines and figures.
struct Settled {
    Uuid id;
    bool created;
};

Settled settle(Spi& spi, const Caller& caller, const Uuid& merchant_id, const std::string& mode, const Period& period) {
    static Statement existing(SPI_OK_SELECT,
                              "SELECT id, mode::text = $2 AND period_start = $3 AND period_end = $4"
                              "  FROM app.settlements WHERE merchant_id = $1"
                              "   AND period_start < $4 AND period_end > $3"
                              " ORDER BY 2 DESC LIMIT 1",
                              {UUIDOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID});
    // The same merchant and period again: the same settlement, at once.
    {
        SpiResult e = spi.run(existing, {p_uuid(merchant_id), p_text(mode), p_timestamptz(period.start),
                                         p_timestamptz(period.end)});
        if (!e.empty() && e[0].boolean(2)) return {e[0].uuid(1), false};
    }

    // Transactions that began within the period (or up to a second after it: a transaction's
    // start time is taken a moment before others can see it running) and still run may commit
    // rows of the period: wait until they have ended, holding no lock meanwhile. Later ones have
    // later start times. Other settlements wait too and are not waited for.
    if (!wait_for_transactions_started_before(spi, period.end + 1000000))
        fail(err::SETTLEMENT_WAIT_TIMEOUT, "Transactions that began within the period were still running after lock_timeout.",
             "Retry; look for sessions idle in a transaction (pg_stat_activity).");

    // One settlement of a merchant at a time: its row lock orders them (not a key lock: a counter
    // top-up's reference to the merchant is not held up).
    static Statement merchant(SPI_OK_SELECT,
                              "SELECT (settlement_fee_rate * 10000)::int4 FROM app.merchants WHERE id = $1"
                              "   FOR NO KEY UPDATE",
                              {UUIDOID});
    SpiResult m = spi.run(merchant, {p_uuid(merchant_id)});
    if (m.empty()) fail(err::MERCHANT_NOT_FOUND_OR_INACTIVE, "No merchant has this id.");
    const int32_t rate = int32_t(m[0].integer(1));

    SpiResult e = spi.run(existing, {p_uuid(merchant_id), p_text(mode), p_timestamptz(period.start),
                                     p_timestamptz(period.end)});
    if (!e.empty()) {
        // The same merchant and period again: the same settlement.
        if (e[0].boolean(2)) return {e[0].uuid(1), false};
        fail(err::SETTLEMENT_PERIOD_OVERLAPS, "Another settlement of this merchant covers part of this period.");
    }

    static Statement create(SPI_OK_INSERT_RETURNING,
                            "INSERT INTO app.settlements (merchant_id, mode, period_start, period_end, fee_rate, due_at,"
                            "       generated_by)"
                            " VALUES ($1, $2::app.settlement_mode, $3, $4, $5::numeric / 10000, $6, $7) RETURNING id",
                            {UUIDOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID, TIMESTAMPTZOID, UUIDOID});
    const Uuid id = spi.run(create, {p_uuid(merchant_id), p_text(mode), p_timestamptz(period.start),
                                     p_timestamptz(period.end), p_int32(rate), p_timestamptz(period.due),
                                     p_opt_uuid(caller.user_id)})[0]
                        .uuid(1);
    // The period's payments, refunds and counter top-ups at the merchant not settled yet, as lines
    // (the merchant's (merchant_id, created_at) index on each partition of the period).
    static Statement lines(
        SPI_OK_SELECT,
        "WITH l AS ("
        "  INSERT INTO app.settlement_lines (tx_id, tx_created_at, settlement_id, merchant_id, tx_no, kind, card_id,"
        "         raw_amount, amount)"
        "  SELECT t.id, t.created_at, $2, t.merchant_id, t.tx_no,"
        "         CASE WHEN t.tx_type = 'refund' THEN 'refund' WHEN t.tx_type = 'recharge' THEN 'counter_topup'"
        "              WHEN c.card_type = 'voucher' AND c.voucher_merchant_id = t.merchant_id THEN 'merchant_voucher'"
        "              ELSE 'payment' END,"
        "         t.card_id, t.raw_amount, t.final_amount"
        "    FROM app.transactions t JOIN app.member_cards c ON c.id = t.card_id"
        "   WHERE t.merchant_id = $1 AND t.created_at >= $3 AND t.created_at < $4"
        "     AND t.tx_type IN ('payment', 'refund', 'recharge') AND t.status IN ('completed', 'refunded')"
        "     AND NOT EXISTS (SELECT 1 FROM app.settlement_lines x WHERE x.tx_id = t.id)"
        "  ON CONFLICT (tx_id) DO NOTHING"
        "  RETURNING kind, amount)"
        "SELECT count(*) FILTER (WHERE kind = 'payment'),"
        "       (COALESCE(sum(amount) FILTER (WHERE kind = 'payment'), 0) * 100)::int8,"
        "       count(*) FILTER (WHERE kind = 'refund'),"
        "       (COALESCE(sum(amount) FILTER (WHERE kind = 'refund'), 0) * 100)::int8,"
        "       count(*) FILTER (WHERE kind = 'merchant_voucher'),"
        "       (COALESCE(sum(amount) FILTER (WHERE kind = 'merchant_voucher'), 0) * 100)::int8,"
        "       count(*) FILTER (WHERE kind = 'counter_topup'),"
        "       (COALESCE(sum(amount) FILTER (WHERE kind = 'counter_topup'), 0) * 100)::int8"
        "  FROM l",
        {UUIDOID, UUIDOID, TIMESTAMPTZOID, TIMESTAMPTZOID});
    SpiResult t = spi.run(lines, {p_uuid(merchant_id), p_uuid(id), p_timestamptz(period.start),
                                  p_timestamptz(period.end)});
    const int64_t payments = t[0].cents(2), refunds = t[0].cents(4), vouchers = t[0].cents(6), topups = t[0].cents(8);
    // The fee is on net sales (a refund of an earlier period's payment gives its fee back).
    const int64_t fee = apply_rate(payments - refunds, rate);
    const int64_t net = payments - refunds - fee - topups;
    static Statement figures(SPI_OK_UPDATE,
                             "UPDATE app.settlements SET payments_count = $2, payments_total = $3, refunds_count = $4,"
                             "       refunds_total = $5, vouchers_count = $6, vouchers_total = $7, topups_count = $8,"
                             "       topups_total = $9, fee = $10, net_total = $11 WHERE id = $1",
                             {UUIDOID, INT4OID, NUMERICOID, INT4OID, NUMERICOID, INT4OID, NUMERICOID, INT4OID,
                              NUMERICOID, NUMERICOID, NUMERICOID});
    spi.run(figures, {p_uuid(id), p_int32(int32_t(t[0].integer(1))), p_cents(payments),
                      p_int32(int32_t(t[0].integer(3))), p_cents(refunds), p_int32(int32_t(t[0].integer(5))),
                      p_cents(vouchers), p_int32(int32_t(t[0].integer(7))), p_cents(topups), p_cents(fee),
                      p_cents(net)});
    audit(spi, caller, "settlement.generate", "settlement", format_uuid(id),
          JsonObject()
              .add("merchant_id", merchant_id)
              .add("mode", mode)
              .add("payments", t[0].integer(1))
              .add_cents("payments_total", payments)
              .add_cents("refunds_total", refunds)
              .add_cents("topups_total", topups)
              .add_cents("fee", fee)
              .add_cents("net_total", net));
    return {id, true};
}

}  // namespace

MPS_ENTRY(mps_generate_settlement, p_merchant_id, p_mode, p_period_start, p_period_end) {
    const Uuid merchant_id = required_uuid_arg(args, p_merchant_id);
    const std::string mode = mode_arg(args, p_mode);
    const TimestampTz start = required_time_arg(args, p_period_start);
    const TimestampTz end = required_time_arg(args, p_period_end);
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "generate settlements");
    if (!snapshot_per_statement())
        fail(err::READ_COMMITTED_REQUIRED, "generate_settlement runs in a READ COMMITTED transaction.",
             "Call it outside REPEATABLE READ / SERIALIZABLE transactions.");
    const Period period = normalize(spi, mode, start, end);

    const Settled settled = settle(spi, caller, merchant_id, mode, period);
    spi.finish();
    return uuid_datum(settled.id);
}

// The daily T+1 run (pg_cron's mps_settle_t_plus_1): every merchant with settleable transactions
// on the day (default: yesterday in mps.settlement_time_zone) gets that day's t_plus_1 settlement,
// exactly as generate_settlement makes it; a merchant whose settlements of another shape cover
// part of the day is left to them (counted as skipped in the audit row). Returns how many
// settlements it created: 0 when the day was settled before.
MPS_ENTRY(mps_cron_settle_t_plus_1, p_day) {
    if (args.has(p_day) && DATE_NOT_FINITE(DatumGetDateADT(args.datum(p_day))))
        fail(err::INVALID_ARGUMENT, "p_day must be a finite date.");
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "run the daily settlement");
    if (!snapshot_per_statement())
        fail(err::READ_COMMITTED_REQUIRED, "cron_settle_t_plus_1 runs in a READ COMMITTED transaction.",
             "Call it outside REPEATABLE READ / SERIALIZABLE transactions.");
    const char* zone = settlement_time_zone ? settlement_time_zone : "UTC";
    static Statement day(SPI_OK_SELECT,
                         "WITH d AS (SELECT COALESCE($1, (clock_timestamp() AT TIME ZONE $2)::date - 1) AS day)"
                         "SELECT day::timestamp AT TIME ZONE $2, (day + 1)::timestamp AT TIME ZONE $2, to_char(day, 'YYYY-MM-DD') FROM d",
                         {DATEOID, TEXTOID});
    SpiResult d = spi.run(day, {args.has(p_day) ? p_datum(args.datum(p_day)) : p_null(), p_text(zone)});
    const std::string day_text = d[0].string(3);
    const Period period = normalize(spi, "t_plus_1", d[0].timestamptz(1), d[0].timestamptz(2));
    // Wait once for the day's transactions still running, so the list below misses none.
    if (!wait_for_transactions_started_before(spi, period.end + 1000000))
        fail(err::SETTLEMENT_WAIT_TIMEOUT, "Transactions that began within the day were still running after lock_timeout.",
             "Retry; look for sessions idle in a transaction (pg_stat_activity).");
    static Statement merchants(
        SPI_OK_SELECT,
        "SELECT m.id, EXISTS (SELECT 1 FROM app.settlements s WHERE s.merchant_id = m.id AND s.period_start < $2"
        "                       AND s.period_end > $1"
        "                       AND NOT (s.mode = 't_plus_1' AND s.period_start = $1 AND s.period_end = $2))"
        "  FROM app.merchants m"
        " WHERE EXISTS (SELECT 1 FROM app.transactions t WHERE t.merchant_id = m.id AND t.created_at >= $1"
        "                  AND t.created_at < $2 AND t.tx_type IN ('payment', 'refund', 'recharge')"
        "                  AND t.status IN ('completed', 'refunded'))"
        " ORDER BY m.code",
        {TIMESTAMPTZOID, TIMESTAMPTZOID});
    SpiResult m = spi.run(merchants, {p_timestamptz(period.start), p_timestamptz(period.end)});
    std::vector<Uuid> due;
    int64_t skipped = 0;
    for (uint64_t i = 0; i < m.size(); ++i) {
        if (m[i].boolean(2))
            ++skipped;
        else
            due.push_back(m[i].uuid(1));
    }
    int64_t created = 0;
    for (const Uuid& merchant_id : due)
        if (settle(spi, caller, merchant_id, "t_plus_1", period).created) ++created;
    audit(spi, caller, "settlement.daily_run", "settlement_day", day_text,
          JsonObject()
              .add("time_zone", std::string(zone))
              .add("merchants", int64_t(due.size()))
              .add("created", created)
              .add("skipped_other_periods", skipped));
    spi.finish();
    PG_RETURN_INT32(int32_t(created));
}

// pending -> confirmed -> paid; pending or confirmed -> failed (a payout that did not go through).
// True when the status changed, false when it already was the one asked for.
MPS_ENTRY(mps_update_settlement_status, p_settlement_id, p_status, p_reason) {
    const Uuid id = required_uuid_arg(args, p_settlement_id);
    args.require_declared(p_status);
    const std::string to = word_arg(args, p_status, 16, "");
    if (to != "confirmed" && to != "paid" && to != "failed" && to != "pending")
        fail(err::INVALID_ARGUMENT, "p_status must be confirmed, paid or failed.");
    const std::optional<std::string> reason = note_arg(args, p_reason, 500);
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "change settlement status");
    static Statement lock(SPI_OK_SELECT, "SELECT status::text FROM app.settlements WHERE id = $1 FOR UPDATE", {UUIDOID});
    SpiResult r = spi.run(lock, {p_uuid(id)});
    if (r.empty()) fail(err::SETTLEMENT_NOT_FOUND, "No settlement with this id.");
    const std::string from = r[0].string(1);
    if (from == to) {
        spi.finish();
        PG_RETURN_BOOL(false);
    }
    const bool allowed = (from == "pending" && (to == "confirmed" || to == "failed")) ||
                         (from == "confirmed" && (to == "paid" || to == "failed"));
    if (!allowed)
        fail(err::SETTLEMENT_STATUS_TRANSITION_INVALID, "A " + from + " settlement cannot become " + to + ".",
             "pending -> confirmed -> paid; failed before it is paid.");
    static Statement set(SPI_OK_UPDATE,
                         "UPDATE app.settlements SET status = $2::app.settlement_status, status_changed_at = clock_timestamp()"
                         " WHERE id = $1",
                         {UUIDOID, TEXTOID});
    spi.run(set, {p_uuid(id), p_text(to)});
    audit(spi, caller, "settlement.status", "settlement", format_uuid(id),
          JsonObject().add("from", from).add("to", to).add("reason", reason));
    spi.finish();
    PG_RETURN_BOOL(true);
}

// A platform administrator sets a merchant's fee rate for its coming settlements.
MPS_ENTRY(mps_set_merchant_fee_rate, p_merchant_code, p_fee_rate) {
    const std::string code = required_text_arg(args, p_merchant_code, 64);
    args.require_declared(p_fee_rate);
    if (!args.has(p_fee_rate)) fail(err::INVALID_ARGUMENT, "p_fee_rate is required.");
    const std::optional<int64_t> rate = parse_fixed(numeric_text(args.datum(p_fee_rate)), 4);
    if (!rate || *rate >= 10000)
        fail(err::INVALID_ARGUMENT, "p_fee_rate must be at least 0 and below 1, with at most four decimals.",
             "0.0060 is 0.6%.");
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "set fee rates");
    static Statement set(SPI_OK_UPDATE_RETURNING,
                         "UPDATE app.merchants SET settlement_fee_rate = $2::numeric / 10000, updated_at = now()"
                         " WHERE code = $1 RETURNING id",
                         {TEXTOID, INT4OID});
    SpiResult r = spi.run(set, {p_text(code), p_int32(int32_t(*rate))});
    if (r.empty()) fail(err::MERCHANT_NOT_FOUND_OR_INACTIVE, "No merchant has this code.");
    audit(spi, caller, "merchant.fee_rate", "merchant", format_uuid(r[0].uuid(1)),
          JsonObject().add("code", code).add("fee_rate_ten_thousandths", *rate));
    spi.finish();
    PG_RETURN_VOID();
}

namespace {

// The merchant a staff caller may read settlements of; nullopt for a platform administrator
// (who reads every merchant's, or p_merchant_code's).
std::optional<Uuid> readable_merchant(Spi& spi, const Caller& caller, const std::optional<std::string>& code) {
    if (is_platform_admin(spi, caller)) {
        if (!code) return std::nullopt;
        return merchant_for_staff(spi, caller, *code, false).id;
    }
    if (!code) fail(err::PERMISSION_DENIED, "Staff name their merchant (p_merchant_code).");
    return merchant_for_staff(spi, caller, *code, false).id;
}

}  // namespace

// Settlements, newest period first, a page at a time (p_before: the cursor of the last row seen).
MPS_ENTRY(mps_list_settlements, p_merchant_code, p_status, p_limit, p_before) {
    const std::optional<std::string> code = optional_text_arg(args, p_merchant_code, 64);
    const std::optional<std::string> status = optional_text_arg(args, p_status, 16);
    if (status && *status != "pending" && *status != "confirmed" && *status != "paid" && *status != "failed")
        fail(err::INVALID_ARGUMENT, "p_status must be pending, confirmed, paid or failed.");
    const int32_t limit = page_limit_arg(args, p_limit);
    const std::optional<PageCursor> before = cursor_arg(args, p_before);
    Caller caller = current_caller();
    Spi spi;
    const std::optional<Uuid> merchant = readable_merchant(spi, caller, code);
    static Statement stmt(
        SPI_OK_SELECT,
        "SELECT s.id, m.code, s.mode::text, s.period_start, s.period_end, s.payments_count, s.payments_total,"
        "       s.refunds_count, s.refunds_total, s.vouchers_count, s.vouchers_total, s.topups_count, s.topups_total,"
        "       s.fee_rate, s.fee, s.net_total, s.status::text, s.due_at, s.created_at,"
        "       (extract(epoch FROM s.period_start) * 1000000)::int8"
        "  FROM app.settlements s JOIN app.merchants m ON m.id = s.merchant_id"
        " WHERE ($1::uuid IS NULL OR s.merchant_id = $1) AND ($2::text IS NULL OR s.status::text = $2)"
        "   AND ($3::timestamptz IS NULL OR (s.period_start, s.id) < ($3, $4))"
        " ORDER BY s.period_start DESC, s.id DESC LIMIT $5",
        {UUIDOID, TEXTOID, TIMESTAMPTZOID, UUIDOID, INT4OID});
    SpiResult r = spi.run(stmt, {p_opt_uuid(merchant), p_opt_text(status),
                                 before ? p_timestamptz(before->at) : p_null(),
                                 before ? p_uuid(before->id) : p_null(), p_int32(limit)});
    TableResult out(args.fcinfo());
    for (uint64_t i = 0; i < r.size(); ++i) {
        const Row row = r[i];
        out.add({row.cell(1), row.cell(2), row.cell(3), row.cell(4), row.cell(5), row.cell(6), row.cell(7), row.cell(8),
                 row.cell(9), row.cell(10), row.cell(11), row.cell(12), row.cell(13), row.cell(14), row.cell(15),
                 row.cell(16), row.cell(17), row.cell(18), row.cell(19),
                 p_text(format_cursor(PageCursor{row.timestamptz(4), row.uuid(1)}))});
    }
    spi.finish();
    return Datum(0);
}

// The statement of a settlement: every line, in time order; staff of its merchant and admins.
MPS_ENTRY(mps_get_settlement_lines, p_settlement_id) {
    const Uuid id = required_uuid_arg(args, p_settlement_id);
    Caller caller = current_caller();
    Spi spi;
    // Someone else's settlement is as unknown as none: one refusal for both.
    static Statement find(SPI_OK_SELECT,
                          "SELECT EXISTS (SELECT 1 FROM app.settlements WHERE id = $1),"
                          "       EXISTS (SELECT 1 FROM app.settlements s JOIN app.merchant_users u"
                          "                   ON u.merchant_id = s.merchant_id AND u.user_id = $2 AND u.active"
                          "                WHERE s.id = $1)",
                          {UUIDOID, UUIDOID});
    SpiResult f = spi.run(find, {p_uuid(id), p_opt_uuid(caller.user_id)});
    if (!f[0].boolean(2) && !is_platform_admin(spi, caller))
        fail(err::PERMISSION_DENIED, "The caller may not read this settlement.");
    if (!f[0].boolean(1)) fail(err::SETTLEMENT_NOT_FOUND, "No settlement with this id.");
    static Statement lines(SPI_OK_SELECT,
                           "SELECT l.tx_no, l.kind, l.tx_created_at, l.raw_amount, l.amount, o.tx_no"
                           "  FROM app.settlement_lines l"
                           "  LEFT JOIN app.transactions t ON l.kind = 'refund' AND t.id = l.tx_id"
                           "       AND t.created_at = l.tx_created_at"
                           "  LEFT JOIN app.tx_registry o ON o.tx_id = t.original_tx_id"
                           " WHERE l.settlement_id = $1 ORDER BY l.tx_created_at, l.tx_id",
                           {UUIDOID});
    SpiResult r = spi.run(lines, {p_uuid(id)});
    TableResult out(args.fcinfo());
    for (uint64_t i = 0; i < r.size(); ++i)
        out.add({r[i].cell(1), r[i].cell(2), r[i].cell(3), r[i].cell(4), r[i].cell(5), r[i].cell(6)});
    spi.finish();
    return Datum(0);
}
