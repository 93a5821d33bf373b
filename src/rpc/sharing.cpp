// Sharing prepaid and corporate cards (seed 000 §4.2, seed 004 §1.4): app.bind_member_to_card,
// app.unbind_member_from_card, app.set_card_binding_password, app.enterprise_set_initial_admin,
// app.enterprise_add_member, app.enterprise_remove_member. SQL: sql/install/90_rpc_sharing.sql.
//
// Binding passwords are Argon2id hashes compared by crypto_pwhash_str_verify only. A wrong
// password returns false (the seeds' boolean) instead of raising, so that the failure and its
// audit row commit: five within 15 minutes lock every password of the card, the right one too,
// for 15 minutes (CARD_PASSWORD_LOCKED). The card row is locked before the check, so concurrent
// guesses queue and are all counted.
#include <stdexcept>
#include <string>

#include "common/access.hpp"
#include "common/args.hpp"
#include "common/audit.hpp"
#include "common/card_life.hpp"
#include "common/movements.hpp"
#include "common/passwords.hpp"
#include "core/errors.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

constexpr int kMaxFailures = 5;  // within kWindow
#define MPS_PASSWORD_WINDOW "interval '15 minutes'"

// The card being shared, locked, with the caller's standing and its password state.
struct SharedCard {
    LockedCard card;
    CardHolder caller;  // the caller's standing (member, owner, binding)
    bool admin = false; // the caller is a platform administrator
    std::optional<std::string> password_hash;
    std::optional<std::string> locked_until;  // set while the password is locked (UTC, ISO 8601)
    bool manager() const noexcept { return caller.card_type && manages_card(card.type, caller.standing); }
};

// Finds and locks the card (CARD_NOT_FOUND), then reads the caller's standing under the lock, so
// that an admin removed meanwhile acts no more: whether the caller may act at all is decided by
// the callers below from SharedCard.
SharedCard lock_shared(Spi& spi, const Caller& caller, const Uuid& card_id) {
    SharedCard s;
    s.admin = is_platform_admin(spi, caller);
    if (!s.admin) require_user(caller, "share cards");
    std::optional<LockedCard> card = lock_card(spi, card_id);
    if (!card) fail(err::CARD_NOT_FOUND, "No card with this id.");
    s.card = *card;
    s.caller = card_holder(spi, caller, card_id);
    if (!s.admin && !s.caller.member_id) fail(err::PERMISSION_DENIED, "The caller has no member profile.");
    if (!s.admin && !s.caller.member_active) fail(err::MEMBER_NOT_ACTIVE, "The caller's membership is not active.");
    static Statement pw(SPI_OK_SELECT,
                        "SELECT binding_password_hash,"
                        "       CASE WHEN password_locked_until > clock_timestamp()"
                        "            THEN to_char(password_locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                        "       END"
                        "  FROM app.member_cards WHERE id = $1",
                        {UUIDOID});
    SpiResult r = spi.run(pw, {p_uuid(card_id)});
    if (!r[0].is_null(1)) s.password_hash = r[0].string(1);
    if (!r[0].is_null(2)) s.locked_until = r[0].string(2);
    return s;
}

// Raises CARD_PASSWORD_LOCKED while the card's password is locked.
void require_unlocked(const SharedCard& s) {
    if (s.locked_until)
        fail(err::CARD_PASSWORD_LOCKED, "Too many wrong passwords: this card refuses every password until " +
                                            *s.locked_until + ".",
             "Wait until then, or ask a platform administrator to set a new password.");
}

// Checks a binding password against the card's, with the lockout. Returns false for a wrong
// (or missing) password after recording the failure; raises CARD_PASSWORD_LOCKED while locked.
bool check_password(Spi& spi, const Caller& caller, const SharedCard& s, const std::optional<std::string>& given) {
    if (!s.password_hash) return true;
    require_unlocked(s);
    if (given && verify_password(*s.password_hash, *given)) return true;
    // The failure counts towards the lockout; failures before the last lockout ended do not.
    static Statement failed(
        SPI_OK_SELECT,
        "WITH f AS (INSERT INTO app.card_password_failures (card_id, member_id, actor_user_id, failed_at)"
        "           VALUES ($1, $2, $3, clock_timestamp()) RETURNING failed_at)"
        "SELECT 1 + count(*) FROM app.card_password_failures p, app.member_cards c"
        " WHERE p.card_id = $1 AND c.id = $1"
        "   AND p.failed_at > clock_timestamp() - " MPS_PASSWORD_WINDOW
        "   AND (c.password_locked_until IS NULL OR p.failed_at > c.password_locked_until)",
        {UUIDOID, UUIDOID, UUIDOID});
    const int64_t recent = spi.run(failed, {p_uuid(s.card.id), p_opt_uuid(s.caller.member_id),
                                            p_opt_uuid(caller.user_id)})[0]
                               .integer(1);
    const bool lock = recent >= kMaxFailures;
    if (lock) {
        static Statement locked(SPI_OK_UPDATE,
                                "UPDATE app.member_cards SET password_locked_until = clock_timestamp() + "
                                MPS_PASSWORD_WINDOW " WHERE id = $1",
                                {UUIDOID});
        spi.run(locked, {p_uuid(s.card.id)});
    }
    audit(spi, caller, "card.password_failed", "card", format_uuid(s.card.id),
          JsonObject().add("recent_failures", recent).add_bool("locked", lock));
    return false;
}

std::optional<BindingRole> binding_of(Spi& spi, const Uuid& card_id, const Uuid& member_id) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT role::text FROM app.card_bindings"
                          " WHERE card_id = $1 AND member_id = $2 AND status = 'active'",
                          {UUIDOID, UUIDOID});
    SpiResult r = spi.run(stmt, {p_uuid(card_id), p_uuid(member_id)});
    if (r.empty()) return std::nullopt;
    return r[0].label<BindingRole>(1);
}

// The number of active owner/admin bindings of a card.
int64_t admin_count(Spi& spi, const Uuid& card_id) {
    static Statement stmt(SPI_OK_SELECT,
                          "SELECT count(*) FROM app.card_bindings"
                          " WHERE card_id = $1 AND status = 'active' AND role IN ('owner', 'admin')",
                          {UUIDOID});
    return spi.run(stmt, {p_uuid(card_id)})[0].integer(1);
}

void write_binding(Spi& spi, const Caller& caller, const Uuid& card_id, const MemberRef& member, BindingRole role) {
    static Statement stmt(SPI_OK_INSERT,
                          "INSERT INTO app.card_bindings AS b (card_id, member_id, role, status)"
                          " VALUES ($1, $2, $3::app.binding_role, 'active')"
                          " ON CONFLICT (card_id, member_id) DO UPDATE SET role = EXCLUDED.role, status = 'active'",
                          {UUIDOID, UUIDOID, TEXTOID});
    spi.run(stmt, {p_uuid(card_id), p_uuid(member.id), p_text(label(role))});
    audit(spi, caller, "card.bind", "card", format_uuid(card_id),
          JsonObject().add("member_id", member.id).add("role", label(role)));
}

enum class Via { Card, Enterprise };

// The member a call names, by id or by member number; looked up only once the caller may act on
// the card, so that nobody learns which members exist.
struct MemberKey {
    std::optional<Uuid> id;
    std::optional<std::string> member_no;
    MemberRef lookup(Spi& spi) const { return id ? member_by_id(spi, *id) : member_by_no(spi, *member_no); }
};

// Binds member to the card in role. Who may: a platform administrator (no password needed);
// a manager of the card (core/cards.hpp manages_card) for anyone, with the card's password when
// it has one; a member for itself on a prepaid card that has a password, with that password,
// as member or viewer. Standard cards and vouchers are not shared.
bool bind(Spi& spi, const Caller& caller, const Uuid& card_id, const MemberKey& key, BindingRole role,
          const std::optional<std::string>& password, Via via) {
    SharedCard s = lock_shared(spi, caller, card_id);
    if (via == Via::Enterprise && s.card.type != CardType::Corporate)
        fail(err::CARD_TYPE_MISMATCH, "This is not a corporate (enterprise) card.");
    if (!shareable(s.card.type)) {
        // The owner of a standard card or voucher holds it already (seed 004 §1.4).
        if (s.caller.standing.owner && key.id && s.caller.member_id == key.id) return true;
        fail(err::CARD_NOT_SHAREABLE, "A " + std::string(label(s.card.type)) + " card belongs to one member.");
    }
    if (!s.admin && !s.manager()) {
        if (s.card.type == CardType::Corporate)
            fail(err::PERMISSION_DENIED, "Only an admin of the corporate card adds members.");
        if (!key.id || s.caller.member_id != key.id)
            fail(err::PERMISSION_DENIED, "Only the card's owner or admins bind other members.");
        if (!s.password_hash)
            fail(err::PERMISSION_DENIED, "This card has no binding password: its owner binds members.");
        if (role == BindingRole::Admin) fail(err::PERMISSION_DENIED, "Only the card's owner or admins grant admin.");
    }
    // While locked, every call that would need the password is refused, also one that changes
    // nothing.
    if (!s.admin && s.password_hash) require_unlocked(s);
    const MemberRef member = key.lookup(spi);
    require_active(s.card);
    if (member.status != PartyStatus::Active) fail(err::MEMBER_NOT_ACTIVE, "The member is not active.");
    if (s.card.owner_member_id == member.id) return true;  // the owner holds the card already
    if (std::optional<BindingRole> current = binding_of(spi, card_id, member.id)) {
        if (*current == role) return true;
        fail(err::ALREADY_BOUND, "The member is already bound to this card as " + std::string(label(*current)) + ".",
             "Unbind the member first to change its role.");
    }
    if (!s.admin && !check_password(spi, caller, s, password)) return false;
    write_binding(spi, caller, card_id, member, role);
    return true;
}

// Ends member's binding. A platform administrator or a manager of the card removes anyone, a
// member itself; a corporate card's last admin is never removed. A QR code the member minted
// for the card ends with the binding. False when there was no active binding.
bool unbind(Spi& spi, const Caller& caller, const Uuid& card_id, const MemberKey& key, Via via) {
    SharedCard s = lock_shared(spi, caller, card_id);
    if (via == Via::Enterprise && s.card.type != CardType::Corporate)
        fail(err::CARD_TYPE_MISMATCH, "This is not a corporate (enterprise) card.");
    if (!shareable(s.card.type))
        fail(err::CARD_NOT_SHAREABLE, "A " + std::string(label(s.card.type)) + " card has no bindings.");
    if (!s.admin && !s.manager()) {
        // A member removes only itself.
        const bool self_by_id = key.id && s.caller.member_id == key.id;
        const bool self_by_no = key.member_no && s.caller.member_id &&
                                member_by_id(spi, *s.caller.member_id).member_no == *key.member_no;
        if (!self_by_id && !self_by_no)
            fail(err::PERMISSION_DENIED, "Only the card's owner or admins remove other members.");
    }
    const MemberRef member = key.lookup(spi);
    const bool self = s.caller.member_id == member.id;
    std::optional<BindingRole> current = binding_of(spi, card_id, member.id);
    if (!current) return false;
    if (s.card.type == CardType::Corporate && (*current == BindingRole::Admin || *current == BindingRole::Owner) &&
        admin_count(spi, card_id) <= 1)
        fail(err::LAST_ADMIN_CANNOT_BE_REMOVED, "This member is the corporate card's last admin.",
             "Make another member admin first.");
    static Statement stmt(SPI_OK_UPDATE,
                          "UPDATE app.card_bindings SET status = 'removed' WHERE card_id = $1 AND member_id = $2",
                          {UUIDOID, UUIDOID});
    spi.run(stmt, {p_uuid(card_id), p_uuid(member.id)});
    if (member.user_id) end_live_qr(spi, card_id, QrEnd::Revoked, member.user_id);
    audit(spi, caller, "card.unbind", "card", format_uuid(card_id),
          JsonObject().add("member_id", member.id).add("role", label(*current)).add_bool("self", self));
    return true;
}

BindingRole role_arg(const Args& args, int n) {
    const std::string role = word_arg(args, n, 16, "member");
    std::optional<BindingRole> r = parse_label<BindingRole>(role);
    if (!r || *r == BindingRole::Owner) fail(err::INVALID_ARGUMENT, "p_role must be admin, member or viewer.");
    return *r;
}

// A corporate card by number. Somebody who is neither a platform administrator nor bound to
// it gets the same refusal whether or not the number exists (no enumeration of card numbers).
Uuid corporate_card_by_no(Spi& spi, const Caller& caller, const std::string& card_no) {
    static Statement stmt(SPI_OK_SELECT, "SELECT id, card_type::text FROM app.member_cards WHERE card_no = $1",
                          {TEXTOID});
    SpiResult r = spi.run(stmt, {p_text(card_no)});
    const std::optional<Uuid> id = r.empty() ? std::nullopt : std::optional<Uuid>(r[0].uuid(1));
    const bool corporate = !r.empty() && r[0].label<CardType>(2) == CardType::Corporate;
    if (!is_platform_admin(spi, caller) && (!id || !card_holder(spi, caller, *id).standing_any()))
        fail(err::PERMISSION_DENIED, "The caller is not bound to a corporate card with this number.");
    if (!id) fail(err::CARD_NOT_FOUND, "No card with this number.");
    if (!corporate) fail(err::CARD_TYPE_MISMATCH, "This is not a corporate (enterprise) card.");
    return *id;
}

}  // namespace

MPS_ENTRY(mps_bind_member_to_card, p_card_id, p_member_id, p_role, p_binding_password) {
    const Uuid card_id = required_uuid_arg(args, p_card_id);
    const Uuid member_id = required_uuid_arg(args, p_member_id);
    const BindingRole role = role_arg(args, p_role);
    const Secret password(raw_text_arg(args, p_binding_password));
    Caller caller = current_caller();
    Spi spi;
    const bool bound = bind(spi, caller, card_id, MemberKey{member_id, std::nullopt}, role, password.get(), Via::Card);
    spi.finish();
    PG_RETURN_BOOL(bound);
}

MPS_ENTRY(mps_unbind_member_from_card, p_card_id, p_member_id) {
    const Uuid card_id = required_uuid_arg(args, p_card_id);
    const Uuid member_id = required_uuid_arg(args, p_member_id);
    Caller caller = current_caller();
    Spi spi;
    const bool removed = unbind(spi, caller, card_id, MemberKey{member_id, std::nullopt}, Via::Card);
    spi.finish();
    PG_RETURN_BOOL(removed);
}

// Sets (or, for a prepaid card, removes with NULL) the binding password: a platform
// administrator, or a manager of the card with the current password when one is set (a wrong
// one counts towards the lockout and returns false).
MPS_ENTRY(mps_set_card_binding_password, p_card_id, p_new_password, p_current_password) {
    const Uuid card_id = required_uuid_arg(args, p_card_id);
    args.require_declared(p_new_password);
    const Secret new_password(new_password_arg(args, p_new_password));
    const Secret current(raw_text_arg(args, p_current_password));
    Caller caller = current_caller();
    Spi spi;
    SharedCard s = lock_shared(spi, caller, card_id);
    if (!shareable(s.card.type))
        fail(err::CARD_NOT_SHAREABLE, "A " + std::string(label(s.card.type)) + " card has no binding password.");
    if (!s.admin && !s.manager())
        fail(err::PERMISSION_DENIED, "Only the card's owner or admins change its binding password.");
    if (!new_password.get() && s.card.type == CardType::Corporate)
        fail(err::INVALID_ARGUMENT, "A corporate card always has a binding password.");
    if (!s.admin && !check_password(spi, caller, s, current.get())) {
        spi.finish();
        PG_RETURN_BOOL(false);
    }
    std::optional<std::string> hash;
    if (new_password.get()) hash = hash_password(*new_password.get());
    // A new password lifts a lock; the failures before it no longer count (check_password counts
    // only those after password_locked_until).
    static Statement stmt(SPI_OK_UPDATE,
                          "UPDATE app.member_cards SET binding_password_hash = $2, password_locked_until = clock_timestamp(),"
                          "       updated_at = now() WHERE id = $1",
                          {UUIDOID, TEXTOID});
    spi.run(stmt, {p_uuid(card_id), p_opt_text(hash)});
    audit(spi, caller, "card.password_set", "card", format_uuid(card_id),
          JsonObject().add_bool("password", hash.has_value()));
    spi.finish();
    PG_RETURN_BOOL(true);
}

// A platform administrator makes a member the first admin of a corporate card (only while the
// card has none).
MPS_ENTRY(mps_enterprise_set_initial_admin, p_card_no, p_member_no) {
    const std::string card_no = required_text_arg(args, p_card_no, 32);
    const std::string member_no = required_text_arg(args, p_member_no, 32);
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "set a corporate card's first admin");
    const Uuid card_id = corporate_card_by_no(spi, caller, card_no);
    const MemberRef member = member_by_no(spi, member_no);
    if (member.status != PartyStatus::Active) fail(err::MEMBER_NOT_ACTIVE, "The member is not active.");
    std::optional<LockedCard> card = lock_card(spi, card_id);
    if (!card) fail(err::CARD_NOT_FOUND, "No card with this number.");
    require_active(*card);
    if (admin_count(spi, card_id) > 0)
        fail(err::CARD_ALREADY_HAS_ADMIN, "This corporate card already has an admin.",
             "Its admins add members with enterprise_add_member.");
    write_binding(spi, caller, card_id, member, BindingRole::Admin);
    spi.finish();
    PG_RETURN_BOOL(true);
}

MPS_ENTRY(mps_enterprise_add_member, p_card_no, p_member_no, p_card_password) {
    const std::string card_no = required_text_arg(args, p_card_no, 32);
    const std::string member_no = required_text_arg(args, p_member_no, 32);
    const Secret password(raw_text_arg(args, p_card_password));
    Caller caller = current_caller();
    Spi spi;
    const Uuid card_id = corporate_card_by_no(spi, caller, card_no);
    const bool bound =
        bind(spi, caller, card_id, MemberKey{std::nullopt, member_no}, BindingRole::Member, password.get(), Via::Enterprise);
    spi.finish();
    PG_RETURN_BOOL(bound);
}

MPS_ENTRY(mps_enterprise_remove_member, p_card_no, p_member_no) {
    const std::string card_no = required_text_arg(args, p_card_no, 32);
    const std::string member_no = required_text_arg(args, p_member_no, 32);
    Caller caller = current_caller();
    Spi spi;
    const Uuid card_id = corporate_card_by_no(spi, caller, card_no);
    const bool removed = unbind(spi, caller, card_id, MemberKey{std::nullopt, member_no}, Via::Enterprise);
    spi.finish();
    PG_RETURN_BOOL(removed);
}
