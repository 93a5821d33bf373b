// app.create_member_profile: platform administrators register members; a signed-in user
// registers itself (the new profile's user_id is the caller's JWT sub). The standard card is
// issued by the member_profiles trigger, so a trusted backend inserting rows directly gets
// one too. SQL: sql/install/90_rpc_members.sql.
#include <string>

#include "common/args.hpp"
#include "common/audit.hpp"
#include "common/passwords.hpp"
#include "core/errors.hpp"
#include "core/json.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"

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

}  // namespace

MPS_ENTRY(mps_create_member_profile, p_name, p_phone, p_email, p_password, p_binding_user_org, p_binding_org_id) {
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

    static Statement insert_member(
        SPI_OK_INSERT_RETURNING,
        "INSERT INTO app.member_profiles (user_id, name, phone, email, password_hash)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO NOTHING RETURNING id, member_no",
        {UUIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID});
    SpiResult r = spi.run(insert_member, {p_opt_uuid(user_id), p_text(name), p_opt_text(phone), p_opt_text(email),
                                          p_opt_text(password_hash)});
    // A registration of the same user that committed meanwhile.
    if (r.empty()) fail(err::MEMBER_ALREADY_EXISTS, "This user already has a member profile.");
    const Uuid member_id = r[0].uuid(1);
    const std::string member_no = r[0].string(2);

    if (provider) {
        static Statement bind(SPI_OK_INSERT_RETURNING,
                              "INSERT INTO app.member_external_identities (member_id, provider, external_id)"
                              " VALUES ($1, $2, $3) ON CONFLICT (provider, external_id) DO NOTHING RETURNING 1",
                              {UUIDOID, TEXTOID, TEXTOID});
        if (spi.run(bind, {p_uuid(member_id), p_text(*provider), p_text(*external_id)}).empty())
            fail(err::EXTERNAL_ID_ALREADY_BOUND, "This " + *provider + " login already belongs to a member.");
    }
    JsonObject context;
    context.add("member_no", member_no);
    if (provider) context.add("external_provider", *provider);
    audit(spi, caller, "member.create", "member", format_uuid(member_id), context);
    spi.finish();
    return uuid_datum(member_id);
}
