#include "pg/identity.hpp"

#include <cstring>

#include "core/errors.hpp"
#include "pg/failure_log.hpp"
#include "pg/guard.hpp"

extern "C" {
#include "utils/guc_tables.h"
}

namespace mps::pg {

namespace {

// The GUC record of a setting, or nullptr when no such (placeholder) setting exists.
config_generic* find_setting(const char* name) {
#if PG_VERSION_NUM >= 160000
    return call([&] { return find_option(name, false, true, ERROR); });
#else
    config_generic** vars = get_guc_variables();
    int count = GetNumConfigOptions();
    for (int i = 0; i < count; ++i) {
        if (pg_strcasecmp(vars[i]->name, name) == 0) return vars[i];
    }
    return nullptr;
#endif
}

}  // namespace

std::optional<std::string> transaction_local_setting(const char* name) {
    config_generic* gconf = find_setting(name);
    if (gconf == nullptr || gconf->stack == nullptr) return std::nullopt;
    GucStackState state = gconf->stack->state;
    if (state != GUC_LOCAL && state != GUC_SET_LOCAL) return std::nullopt;
    const char* value = call([&] { return GetConfigOption(name, true, false); });
    if (value == nullptr || value[0] == '\0') return std::nullopt;
    return std::string(value);
}

namespace {

// request.jwt.claims ->> 'sub', or nullopt when absent / not a string.
std::optional<std::string> sub_from_claims(const std::string& claims) {
    const char* text = claims.c_str();
    // Returns a palloc'd copy of the "sub" string, or nullptr.
    char* sub = call([&]() -> char* {
        Jsonb* jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
        if (!JB_ROOT_IS_OBJECT(jb)) return nullptr;
        JsonbValue value;
        if (getKeyJsonValueFromContainer(&jb->root, "sub", 3, &value) == nullptr || value.type != jbvString)
            return nullptr;
        return pnstrdup(value.val.string.val, value.val.string.len);
    });
    if (sub == nullptr) return std::nullopt;
    std::string out(sub);
    pfree(sub);
    return out;
}

}  // namespace

std::optional<Uuid> jwt_user_id() {
    std::optional<std::string> sub = transaction_local_setting("request.jwt.claim.sub");
    if (!sub) {
        if (auto claims = transaction_local_setting("request.jwt.claims")) {
            try {
                sub = sub_from_claims(*claims);
            } catch (const PgError&) {
                // Malformed claims: refuse rather than guess. Dropping the PgError is safe here:
                // the only thing that failed was jsonb_in on our own copy of the text.
                fail(err::PERMISSION_DENIED, "request.jwt.claims is not valid JSON.");
            }
        }
    }
    if (!sub) return std::nullopt;
    std::optional<Uuid> id = parse_uuid(*sub);
    if (!id) fail(err::PERMISSION_DENIED, "The JWT subject is not a user id (uuid).");
    return id;
}

Caller current_caller() {
    Caller caller;
    caller.role = GetOuterUserId();
    Oid role = caller.role;
    char* name = call([&] { return GetUserNameFromId(role, false); });
    caller.role_name = name;
    pfree(name);
    bool is_superuser = call([&] { return superuser_arg(role); });
    caller.trusted_backend = is_superuser || caller.role_name == "service_role";
    caller.anon = caller.role_name == "anon";
    caller.job_runner = caller.role_name == kJobRole;

    caller.user_id = jwt_user_id();
    note_failure_caller(caller.role_name, caller.user_id);
    return caller;
}

bool is_platform_admin(Spi& spi, const Caller& caller) {
    if (caller.trusted_backend || caller.job_runner) return true;
    static Statement stmt(
        SPI_OK_SELECT,
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension e"
        "                WHERE e.extname OPERATOR(pg_catalog.=) 'mps' AND e.extowner OPERATOR(pg_catalog.=) $1)"
        "    OR EXISTS (SELECT 1 FROM app.admin_users a"
        "                WHERE a.user_id OPERATOR(pg_catalog.=) $2 AND a.active)",
        {OIDOID, UUIDOID});
    SpiResult r = spi.run(stmt, {p_datum(ObjectIdGetDatum(caller.role)), p_opt_uuid(caller.user_id)});
    return r[0].boolean(1);
}

void require_platform_admin(Spi& spi, const Caller& caller, const char* action) {
    if (!is_platform_admin(spi, caller))
        fail(err::PERMISSION_DENIED, std::string("Only a platform administrator may ") + action + ".");
}

const Uuid& require_user(const Caller& caller, const char* action) {
    if (!caller.user_id)
        fail(err::PERMISSION_DENIED, std::string("Signing in is required to ") + action + ".",
             "Call with a user JWT (request.jwt.claims.sub).");
    return *caller.user_id;
}

}  // namespace mps::pg
