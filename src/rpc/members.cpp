// app.create_member_profile: platform administrators register members; a signed-in user
// registers itself (the new profile's user_id is the caller's JWT sub). The standard card is
// issued by the member_profiles trigger, so a trusted backend inserting rows directly gets
// one too. SQL: sql/install/90_rpc_members.sql.
#include <sodium.h>

#include <string>

#include "common/args.hpp"
#include "common/audit.hpp"
#include "core/errors.hpp"
#include "core/json.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::common;

namespace {

// Argon2id (libsodium crypto_pwhash_str, interactive limits): the only form a password is kept in.
std::string hash_password(const std::string& password) {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        throw std::bad_alloc();  // libsodium fails only when it cannot get the memory
    return out;
}

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
    std::optional<std::string> password = raw_text_arg(args, p_password);
    const std::optional<std::string> provider = optional_text_arg(args, p_binding_user_org, 64);
    const std::optional<std::string> external_id = optional_text_arg(args, p_binding_org_id, 256);
    check_phone(phone);
    check_email(email);
    if (password && (utf8_length(*password) < 8 || utf8_length(*password) > 128))
        fail(err::INVALID_ARGUMENT, "p_password must be 8 to 128 characters.");
    if (provider.has_value() != external_id.has_value())
        fail(err::INVALID_ARGUMENT, "p_binding_user_org and p_binding_org_id go together.");

    Caller caller = current_caller();
    Spi spi;
    std::optional<Uuid> user_id;
    if (!is_platform_admin(spi, caller)) user_id = require_user(caller, "register as a member");

    std::optional<std::string> password_hash;
    if (password) {
        password_hash = hash_password(*password);
        sodium_memzero(password->data(), password->size());
    }

    static Statement insert_member(
        SPI_OK_INSERT_RETURNING,
        "INSERT INTO app.member_profiles (user_id, name, phone, email, password_hash)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO NOTHING RETURNING id, member_no",
        {UUIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID});
    SpiResult r = spi.run(insert_member, {p_opt_uuid(user_id), p_text(name), p_opt_text(phone), p_opt_text(email),
                                          p_opt_text(password_hash)});
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
