// Members: app.create_member_profile (platform administrators register members; a signed-in
// user registers itself: the new profile's id and user_id are the caller's JWT sub, as seed 000
// keys members), app.login_or_register_external and app.link_external_identity (the trusted
// backend that verified a wechat/alipay login, seed 004 §5.2), app.admin_suspend_member and
// app.admin_reactivate_member. SQL: sql/install/90_rpc_members.sql.
// The standard card is issued here; the member_profiles trigger issues it too for a trusted
// backend inserting rows directly (seed 000), and the RPC then finds it there.
#include <string>
#include <vector>

#include "common/access.hpp"
#include "common/args.hpp"
#include "common/card_life.hpp"
#include "common/audit.hpp"
#include "common/passwords.hpp"
#include "core/errors.hpp"
#include "core/json.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"
#include "pg/srf.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

void check_phone(const std::optional<std::string>& phone) {
    if (!phone) return;
    for (char c : *phone)
        if (!((c >= '0' && c <= '9') || c == '+' || c == '-' || c == ' ' || c == '(' || c == ')'))
            fail(err::INVALID_ARGUMENT, "p_phone may contain only digits, spaces and + - ( ).");
}

void check_email(const std::optional<std::string>& email) {
    if (!email) return;
    size_t at = email->find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= email->size() || email->find(' ') != std::string::npos)
        fail(err::INVALID_ARGUMENT, "p_email is not an e-mail address.");
}

struct NewMember {
    std::optional<Uuid> user_id;  // also the member id when given
    std::string name;
    std::optional<std::string> phone;
    std::optional<std::string> email;
    std::optional<std::string> password_hash;
};

// Inserts the member with its standard card; nullopt when a profile of that user committed
// meanwhile.
std::optional<MemberRef> insert_member(Spi& spi, const Caller& caller, const NewMember& m) {
    static Statement insert_member(
        SPI_OK_INSERT_RETURNING,
        "INSERT INTO app.member_profiles (id, user_id, name, phone, email, password_hash)"
        " VALUES (COALESCE($1, gen_random_uuid()), $1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
        " RETURNING id, member_no",
        {UUIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID});
    SpiResult r = spi.run(insert_member, {p_opt_uuid(m.user_id), p_text(m.name), p_opt_text(m.phone),
                                          p_opt_text(m.email), p_opt_text(m.password_hash)});
    if (r.empty()) return std::nullopt;
    MemberRef member{r[0].uuid(1), r[0].string(2), PartyStatus::Active, m.user_id};
    // The standard card at the ladder's entry level, unless the trigger issued it already.
    static Statement card(SPI_OK_INSERT_RETURNING,
                          "INSERT INTO app.member_cards (card_no, card_type, owner_member_id, level, discount)"
                          " SELECT sec.new_card_no('standard'), 'standard', $1, l.level, l.discount"
                          "   FROM app.membership_levels l WHERE l.min_points = 0"
                          " ON CONFLICT (owner_member_id) WHERE card_type = 'standard' DO NOTHING RETURNING id",
                          {UUIDOID});
    SpiResult c = spi.run(card, {p_uuid(member.id)});
    if (!c.empty())
        audit(spi, caller, "card.issue", "card", format_uuid(c[0].uuid(1)),
              JsonObject().add("card_type", "standard").add("member_id", member.id));
    return member;
}

// Binds an external login to a member; false when it is bound to that member already.
bool bind_identity(Spi& spi, const Uuid& member_id, const std::string& provider, const std::string& external_id) {
    static Statement bind(SPI_OK_SELECT,
                          "WITH i AS (INSERT INTO app.member_external_identities (member_id, provider, external_id)"
                          "           VALUES ($1, $2, $3) ON CONFLICT (provider, external_id) DO NOTHING RETURNING 1)"
                          "SELECT EXISTS (SELECT 1 FROM i),"
                          "       (SELECT member_id = $1 FROM app.member_external_identities"
                          "         WHERE provider = $2 AND external_id = $3)",
                          {UUIDOID, TEXTOID, TEXTOID});
    SpiResult r = spi.run(bind, {p_uuid(member_id), p_text(provider), p_text(external_id)});
    if (r[0].boolean(1)) return true;
    if (!r[0].is_null(2) && r[0].boolean(2)) return false;
    fail(err::EXTERNAL_ID_ALREADY_BOUND, "This " + provider + " login already belongs to another member.");
}

Datum create_member_profile(const Args& args, int p_name, int p_phone, int p_email, int p_password,
                            int p_binding_user_org, int p_binding_org_id);

}  // namespace

// The declaration of 0.2.0 (seed 001's positional order: the password last).
MPS_ENTRY(mps_create_member_profile_v2, p_name, p_phone, p_email, p_binding_user_org, p_binding_org_id, p_password) {
    return create_member_profile(args, p_name, p_phone, p_email, p_password, p_binding_user_org, p_binding_org_id);
}

// 0.1.0's declaration (the password fourth), called between installing this mps.so and
// ALTER EXTENSION mps UPDATE: same function, the arguments where 0.1.0 passes them.
MPS_LEGACY_ENTRY(mps_create_member_profile, p_name, p_phone, p_email, p_password, p_binding_user_org,
                 p_binding_org_id) {
    return create_member_profile(args, p_name, p_phone, p_email, p_password, p_binding_user_org, p_binding_org_id);
}

namespace {

Datum create_member_profile(const Args& args, int p_name, int p_phone, int p_email, int p_password,
                            int p_binding_user_org, int p_binding_org_id) {
    const std::string name = required_text_arg(args, p_name, 100);
    const std::optional<std::string> phone = optional_text_arg(args, p_phone, 32);
    const std::optional<std::string> email = optional_text_arg(args, p_email, 254);
    const Secret password(raw_text_arg(args, p_password));
    const std::optional<std::string> provider = optional_text_arg(args, p_binding_user_org, 64);
    const std::optional<std::string> external_id = optional_text_arg(args, p_binding_org_id, 256);
    check_phone(phone);
    check_email(email);
    if (password.get() && (utf8_length(*password.get()) < 8 || utf8_length(*password.get()) > 128))
        fail(err::INVALID_ARGUMENT, "p_password must be 8 to 128 characters.");
    if (provider.has_value() != external_id.has_value())
        fail(err::INVALID_ARGUMENT, "p_binding_user_org and p_binding_org_id go together.");

    Caller caller = current_caller();
    Spi spi;
    const bool trusted = is_platform_admin(spi, caller);
    // An external login is bound only by the trusted backend that verified it with the provider
    // (ARCHITECTURE.md §3): a member asserting one for itself could lock the real owner out.
    if (provider && !trusted)
        fail(err::PERMISSION_DENIED, "Only the trusted backend that verified the login may bind an external identity.",
             "Register without p_binding_user_org and p_binding_org_id.");
    std::optional<Uuid> user_id;
    if (!trusted) user_id = require_user(caller, "register as a member");

    // Every cheap refusal before the password hash (Argon2id: ~64 MB, ~100 ms).
    if (user_id) {
        static Statement existing(SPI_OK_SELECT, "SELECT EXISTS (SELECT 1 FROM app.member_profiles WHERE user_id = $1)",
                                  {UUIDOID});
        if (spi.run(existing, {p_uuid(*user_id)})[0].boolean(1))
            fail(err::MEMBER_ALREADY_EXISTS, "This user already has a member profile.");
    }
    if (provider) {
        static Statement bound(SPI_OK_SELECT,
                               "SELECT EXISTS (SELECT 1 FROM app.member_external_identities"
                               "                WHERE provider = $1 AND external_id = $2)",
                               {TEXTOID, TEXTOID});
        if (spi.run(bound, {p_text(*provider), p_text(*external_id)})[0].boolean(1))
            fail(err::EXTERNAL_ID_ALREADY_BOUND, "This " + *provider + " login already belongs to a member.");
    }
    std::optional<std::string> password_hash;
    if (password.get()) password_hash = hash_password(*password.get());

    // A registration of the same user that committed meanwhile.
    const std::optional<MemberRef> member =
        insert_member(spi, caller, NewMember{user_id, name, phone, email, password_hash});
    if (!member) fail(err::MEMBER_ALREADY_EXISTS, "This user already has a member profile.");
    if (provider) bind_identity(spi, member->id, *provider, *external_id);
    JsonObject context;
    context.add("member_no", member->member_no);
    if (provider) context.add("external_provider", *provider);
    audit(spi, caller, "member.create", "member", format_uuid(member->id), context);
    spi.finish();
    return uuid_datum(member->id);
}

}  // namespace

// The trusted backend that verified a wechat/alipay login with the provider logs the member in
// by that identity, or registers it (p_name required then) in the same call (seed 004 §5.2).
// p_user_id: the Supabase auth user of the new member, when there is one.
MPS_ENTRY(mps_login_or_register_external, p_provider, p_external_id, p_name, p_phone, p_email, p_user_id) {
    const std::string provider = word_arg(args, p_provider, 64, "");
    args.require_declared(p_external_id);
    const std::string external_id = required_text_arg(args, p_external_id, 256);
    const std::optional<std::string> name = optional_text_arg(args, p_name, 100);
    const std::optional<std::string> phone = optional_text_arg(args, p_phone, 32);
    const std::optional<std::string> email = optional_text_arg(args, p_email, 254);
    std::optional<Uuid> user_id;
    if (args.has(p_user_id)) user_id = required_uuid_arg(args, p_user_id);
    if (provider.empty()) fail(err::INVALID_ARGUMENT, "p_provider is required.");
    check_phone(phone);
    check_email(email);
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "log members in by an external identity");
    // Two first logins of one identity at once: the second waits here and finds the member the
    // first registered (the unique (provider, external_id) holds it in any case).
    static Statement serialize(SPI_OK_SELECT,
                               "SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 7340))",
                               {TEXTOID, TEXTOID});
    spi.run(serialize, {p_text(provider), p_text(external_id)});
    static Statement find(SPI_OK_SELECT,
                          "SELECT p.id, p.member_no, p.status::text FROM app.member_external_identities i"
                          "  JOIN app.member_profiles p ON p.id = i.member_id"
                          " WHERE i.provider = $1 AND i.external_id = $2",
                          {TEXTOID, TEXTOID});
    TableResult out(args.fcinfo());
    SpiResult r = spi.run(find, {p_text(provider), p_text(external_id)});
    if (!r.empty()) {
        if (r[0].label<PartyStatus>(3) != PartyStatus::Active)
            fail(err::MEMBER_NOT_ACTIVE, "The member of this login is not active.");
        out.add({r[0].cell(1), r[0].cell(2), p_datum(BoolGetDatum(false))});
        spi.finish();
        return Datum(0);
    }
    if (!name) fail(err::INVALID_ARGUMENT, "p_name is required to register a new member.");
    if (user_id) {
        static Statement existing(SPI_OK_SELECT, "SELECT EXISTS (SELECT 1 FROM app.member_profiles WHERE user_id = $1)",
                                  {UUIDOID});
        if (spi.run(existing, {p_uuid(*user_id)})[0].boolean(1))
            fail(err::MEMBER_ALREADY_EXISTS, "This user already has a member profile.",
                 "Link the login to it with link_external_identity.");
    }
    const std::optional<MemberRef> member = insert_member(spi, caller, NewMember{user_id, *name, phone, email, {}});
    if (!member) fail(err::MEMBER_ALREADY_EXISTS, "This user already has a member profile.");
    bind_identity(spi, member->id, provider, external_id);
    audit(spi, caller, "member.create", "member", format_uuid(member->id),
          JsonObject().add("member_no", member->member_no).add("external_provider", provider));
    out.add({p_uuid(member->id), p_text(member->member_no), p_datum(BoolGetDatum(true))});
    spi.finish();
    return Datum(0);
}

// The trusted backend links a further verified login to an existing member; false when it is
// linked to that member already.
MPS_ENTRY(mps_link_external_identity, p_member_id, p_provider, p_external_id) {
    const Uuid member_id = required_uuid_arg(args, p_member_id);
    const std::string provider = word_arg(args, p_provider, 64, "");
    args.require_declared(p_external_id);
    const std::string external_id = required_text_arg(args, p_external_id, 256);
    if (provider.empty()) fail(err::INVALID_ARGUMENT, "p_provider is required.");
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "link external identities");
    const MemberRef member = member_by_id(spi, member_id);
    const bool linked = bind_identity(spi, member.id, provider, external_id);
    if (linked)
        audit(spi, caller, "member.link_identity", "member", format_uuid(member.id),
              JsonObject().add("external_provider", provider));
    spi.finish();
    PG_RETURN_BOOL(linked);
}

namespace {

// A platform administrator suspends or reactivates a member. A suspended member's cards take
// part in no payment, refund or recharge (require_active), it cannot rotate QR codes, and the
// QR codes it minted end now. True when the status changed.
Datum set_member_status(const Args& args, int id_arg, int reason_arg, PartyStatus to, const char* action) {
    const Uuid member_id = required_uuid_arg(args, id_arg);
    const std::optional<std::string> reason = note_arg(args, reason_arg, 500);
    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "suspend or reactivate members");
    // The member's cards first (the lock every card RPC takes first): a QR code being minted by
    // the member right now is either committed before (and ended below) or sees the suspension.
    static Statement cards(SPI_OK_SELECT,
                           "SELECT c.id FROM app.member_cards c"
                           " WHERE c.owner_member_id = $1"
                           "    OR c.id IN (SELECT b.card_id FROM app.card_bindings b WHERE b.member_id = $1 AND b.status = 'active')"
                           " ORDER BY c.id FOR UPDATE OF c",
                           {UUIDOID});
    if (to == PartyStatus::Suspended) spi.run(cards, {p_uuid(member_id)});
    static Statement stmt(SPI_OK_SELECT,
                          "WITH m AS (SELECT id, status, user_id FROM app.member_profiles WHERE id = $1 FOR UPDATE),"
                          " u AS (UPDATE app.member_profiles x SET status = $2::app.member_status, updated_at = now()"
                          "         FROM m WHERE x.id = m.id AND m.status <> 'closed' AND m.status <> $2::app.member_status"
                          "       RETURNING x.id)"
                          "SELECT m.status::text, EXISTS (SELECT 1 FROM u), m.user_id FROM m",
                          {UUIDOID, TEXTOID});
    SpiResult r = spi.run(stmt, {p_uuid(member_id), p_text(label(to))});
    if (r.empty()) fail(err::MEMBER_NOT_FOUND, "No member with this id.");
    if (r[0].label<PartyStatus>(1) == PartyStatus::Closed) fail(err::MEMBER_NOT_ACTIVE, "The member is closed.");
    const bool changed = r[0].boolean(2);
    const std::optional<Uuid> user_id = r[0].opt_uuid(3);
    int64_t qr_ended = 0;
    if (changed && to == PartyStatus::Suspended && user_id) {
        static Statement minted(SPI_OK_SELECT, "SELECT card_id FROM app.card_qr_state WHERE issued_by = $1", {UUIDOID});
        std::vector<Uuid> cards;
        {
            SpiResult q = spi.run(minted, {p_uuid(*user_id)});
            for (uint64_t i = 0; i < q.size(); ++i) cards.push_back(q[i].uuid(1));
        }
        for (const Uuid& card : cards) qr_ended += end_live_qr(spi, card, QrEnd::Revoked, user_id) ? 1 : 0;
    }
    if (changed)
        audit(spi, caller, action, "member", format_uuid(member_id),
              JsonObject().add("reason", reason).add("qr_codes_ended", qr_ended));
    spi.finish();
    PG_RETURN_BOOL(changed);
}

}  // namespace

MPS_ENTRY(mps_admin_suspend_member, p_member_id, p_reason) {
    return set_member_status(args, p_member_id, p_reason, PartyStatus::Suspended, "member.suspend");
}

MPS_ENTRY(mps_admin_reactivate_member, p_member_id, p_reason) {
    return set_member_status(args, p_member_id, p_reason, PartyStatus::Active, "member.reactivate");
}
