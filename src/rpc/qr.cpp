// Dynamic QR codes: app.rotate_card_qr, app.revoke_card_qr, app.validate_qr_plain,
// app.cron_rotate_qr_tokens, app.cron_cleanup_qr_history. SQL: sql/install/90_rpc_qr.sql. The
// plaintext token is returned once and never stored: the database keeps its BLAKE2b-256 digest
// (unique index), so a scan is one index lookup.
#include <string>

#include "common/access.hpp"
#include "common/args.hpp"
#include "common/audit.hpp"
#include "common/card_life.hpp"
#include "common/movements.hpp"
#include "core/errors.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/srf.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

constexpr int32_t kMinTtl = 30;
constexpr int32_t kMaxTtl = 86400;

int32_t ttl_arg(const Args& args, int n) {
    std::optional<int32_t> ttl = optional_int32_arg(args, n);
    if (!ttl || *ttl < kMinTtl || *ttl > kMaxTtl) fail(err::INVALID_TTL, "p_ttl_seconds must be between 30 and 86400.");
    return *ttl;
}

// Checks the caller may manage the card's QR code; returns the card type.
CardType authorize_card_qr(Spi& spi, const Caller& caller, const Uuid& card_id, const char* action) {
    CardHolder holder = card_holder(spi, caller, card_id);
    if (holder.may_use()) {
        if (!holder.member_active) fail(err::MEMBER_NOT_ACTIVE, "The caller's membership is not active.");
        return *holder.card_type;
    }
    if (!is_platform_admin(spi, caller))
        fail(err::PERMISSION_DENIED, std::string("The caller may not ") + action + " for this card.");
    if (!holder.card_type) fail(err::CARD_NOT_FOUND, "No card with this id.");
    return *holder.card_type;
}

}  // namespace

MPS_ENTRY(mps_rotate_card_qr, p_card_id, p_card_type, p_ttl_seconds) {
    const Uuid card_id = required_uuid_arg(args, p_card_id);
    const std::optional<CardType> expected_type = card_type_arg(args, p_card_type);
    const int32_t ttl = ttl_arg(args, p_ttl_seconds);

    Caller caller = current_caller();
    Spi spi;
    // The card's lock first, then who the caller is to it: a binding removed (or a member
    // suspended) by a call that held the lock is seen here, so no code is minted after it.
    std::optional<LockedCard> card = lock_card(spi, card_id);
    const CardType type = authorize_card_qr(spi, caller, card_id, "rotate the QR code");
    if (expected_type && *expected_type != type)
        fail(err::CARD_TYPE_MISMATCH,
             "The card is a " + std::string(label(type)) + " card, not " + std::string(label(*expected_type)) + ".");
    if (!card) fail(err::CARD_NOT_FOUND, "No card with this id.");
    if (is_loyalty(type))
        fail(err::CARD_TYPE_MISMATCH, "A " + std::string(label(type)) + " card holds points and does not pay: it has no payment QR code.",
             "Pay with a standard, prepaid or corporate card; the loyalty card's own code is its qr_code_data.");
    require_active(*card);

    const std::string token = new_qr_token();
    const QrDigest digest = qr_digest(token);
    // Ends the previous code in the history and replaces the live one in place, recording who
    // minted it (the user, or the role of a backend without one). Times are taken at the moment
    // of the rotation (clock_timestamp()), so a long transaction cannot shorten the code's life.
    static Statement rotate(
        SPI_OK_SELECT,
        "WITH n AS (SELECT clock_timestamp() AS t),"
        " ended AS ("
        "  UPDATE app.card_qr_history SET ended_at = LEAST(expires_at, (SELECT t FROM n)),"
        "         end_reason = CASE WHEN expires_at <= (SELECT t FROM n) THEN 'expired' ELSE 'rotated' END"
        "   WHERE card_id = $1 AND ended_at IS NULL),"
        " h AS (INSERT INTO app.card_qr_history (card_id, token_digest, issued_at, expires_at, issued_by, "
        "issued_by_role)"
        "       SELECT $1, $2, n.t, n.t + make_interval(secs => $3), $4, $5 FROM n),"
        " s AS (INSERT INTO app.card_qr_state AS s (card_id, token_digest, issued_at, expires_at, issued_by, "
        "issued_by_role)"
        "       SELECT $1, $2, n.t, n.t + make_interval(secs => $3), $4, $5 FROM n"
        "       ON CONFLICT (card_id) DO UPDATE SET token_digest = EXCLUDED.token_digest, issued_at = "
        "EXCLUDED.issued_at,"
        "          expires_at = EXCLUDED.expires_at, issued_by = EXCLUDED.issued_by, issued_by_role = "
        "EXCLUDED.issued_by_role"
        "       RETURNING s.expires_at)"
        "SELECT expires_at FROM s",
        {UUIDOID, BYTEAOID, INT4OID, UUIDOID, TEXTOID});
    SpiResult r = spi.run(rotate, {p_uuid(card_id), p_bytea(digest.data(), digest.size()), p_int32(ttl),
                                   p_opt_uuid(caller.user_id), p_text(caller.role_name)});
    TableResult out(args.fcinfo());
    out.add({p_text(token), r[0].cell(1)});
    // Every code minted leaves a trace: who, for which card, for how long.
    audit(spi, caller, "qr.rotate", "card", format_uuid(card_id),
          JsonObject().add("card_type", label(type)).add("ttl_seconds", int64_t(ttl)));
    spi.finish();
    return Datum(0);
}

MPS_ENTRY(mps_revoke_card_qr, p_card_id) {
    const Uuid card_id = required_uuid_arg(args, p_card_id);
    Caller caller = current_caller();
    Spi spi;
    lock_card(spi, card_id);
    authorize_card_qr(spi, caller, card_id, "revoke the QR code");
    const bool revoked = end_live_qr(spi, card_id, QrEnd::Revoked);
    audit(spi, caller, "qr.revoke", "card", format_uuid(card_id), JsonObject().add_bool("had_live_code", revoked));
    spi.finish();
    PG_RETURN_BOOL(revoked);
}

MPS_ENTRY(mps_validate_qr_plain, p_qr_plain) {
    const std::string qr = qr_arg(args, p_qr_plain);
    const QrDigest digest = qr_digest(qr);
    Caller caller = current_caller();
    Spi spi;
    // Staff of an active merchant (checking a code before charging) or an administrator.
    static Statement staff(
        SPI_OK_SELECT,
        "SELECT EXISTS (SELECT 1 FROM app.merchant_users u JOIN app.merchants m ON m.id = u.merchant_id"
        "                WHERE u.user_id = $1 AND u.active AND m.status = 'active')",
        {UUIDOID});
    const bool trusted =
        (caller.user_id && spi.run(staff, {p_uuid(*caller.user_id)})[0].boolean(1)) || is_platform_admin(spi, caller);
    static Statement lookup(SPI_OK_SELECT,
                            "SELECT card_id FROM app.card_qr_state WHERE token_digest = $1"
                            "   AND expires_at > clock_timestamp()",
                            {BYTEAOID});
    SpiResult r = spi.run(lookup, {p_bytea(digest.data(), digest.size())});
    if (r.empty()) {
        if (!trusted) fail(err::PERMISSION_DENIED, "Only merchant staff or the card holder may validate QR codes.");
        fail(err::QR_EXPIRED_OR_INVALID, "This QR code is not valid: unknown, expired, rotated or revoked.");
    }
    const Uuid card_id = r[0].uuid(1);
    if (!trusted && !card_holder(spi, caller, card_id).may_use())
        fail(err::PERMISSION_DENIED, "Only merchant staff or the card holder may validate QR codes.");
    spi.finish();
    return uuid_datum(card_id);
}

// Ends every live QR code that has expired or is older than p_ttl_seconds, so no code lives
// longer than the deployment's policy; holders fetch a fresh one with rotate_card_qr.
MPS_ENTRY(mps_cron_rotate_qr_tokens, p_ttl_seconds) {
    const int32_t ttl = ttl_arg(args, p_ttl_seconds);
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "expire QR codes");
    static Statement sweep(
        SPI_OK_SELECT,
        "WITH n AS (SELECT clock_timestamp() AS t),"
        " gone AS (DELETE FROM app.card_qr_state"
        "           WHERE expires_at <= (SELECT t FROM n) OR issued_at <= (SELECT t FROM n) - make_interval(secs => $1)"
        "          RETURNING card_id, token_digest, expires_at),"
        " h AS (UPDATE app.card_qr_history h SET ended_at = LEAST(g.expires_at, (SELECT t FROM n)),"
        "              end_reason = CASE WHEN g.expires_at <= (SELECT t FROM n) THEN 'expired' ELSE 'rotated' END"
        "         FROM gone g WHERE h.card_id = g.card_id AND h.token_digest = g.token_digest AND h.ended_at IS NULL)"
        "SELECT count(*) FROM gone",
        {INT4OID});
    const int64_t ended = spi.run(sweep, {p_int32(ttl)})[0].integer(1);
    if (ended > 0)
        audit(spi, caller, "qr.sweep", "card_qr_state", "expired",
              JsonObject().add("ended", ended).add("ttl_seconds", int64_t(ttl)));
    spi.finish();
    PG_RETURN_INT32(int32_t(ended));
}

// Deletes the history rows of QR codes that ended more than p_keep_days ago (seed 001 keeps 30
// days): rotated, revoked, used or expired codes; a code that never got its end recorded ended
// at its expiry. A live code's row (the card's current code) is never deleted.
MPS_ENTRY(mps_cron_cleanup_qr_history, p_keep_days) {
    const std::optional<int32_t> days = optional_int32_arg(args, p_keep_days);
    if (!days || *days < 1 || *days > 3650) fail(err::INVALID_ARGUMENT, "p_keep_days must be between 1 and 3650.");
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "clean up the QR code history");
    static Statement sweep(
        SPI_OK_SELECT,
        "WITH gone AS (DELETE FROM app.card_qr_history h"
        "               WHERE COALESCE(h.ended_at, h.expires_at) < clock_timestamp() - make_interval(days => $1)"
        "                 AND NOT EXISTS (SELECT 1 FROM app.card_qr_state s"
        "                                  WHERE s.card_id = h.card_id AND s.token_digest = h.token_digest)"
        "              RETURNING 1)"
        "SELECT count(*) FROM gone",
        {INT4OID});
    const int64_t deleted = spi.run(sweep, {p_int32(*days)})[0].integer(1);
    if (deleted > 0)
        audit(spi, caller, "qr.history_cleanup", "card_qr_history", "ended",
              JsonObject().add("deleted", deleted).add("keep_days", int64_t(*days)));
    spi.finish();
    PG_RETURN_INT32(int32_t(deleted));
}
