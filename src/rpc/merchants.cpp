// app.create_merchant (platform administrators) and app.add_merchant_user (platform
// administrators, or the merchant's owner/manager; only an owner or an administrator may
// appoint an owner).
#include <string>

#include "core/errors.hpp"
#include "core/json.hpp"
#include "pg/convert.hpp"
#include "pg/guard.hpp"
#include "rpc/access.hpp"
#include "rpc/args.hpp"
#include "rpc/ledger.hpp"

using namespace mps;
using namespace mps::pg;
using namespace mps::rpc;

namespace {

void check_code(const std::string& code) {
    for (char c : code)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
            fail(err::INVALID_ARGUMENT, "p_code may contain only letters, digits, '_', '.' and '-'.");
}

}  // namespace

MPS_ENTRY(mps_create_merchant) {
    const std::string code = required_text_arg(fcinfo, 0, "p_code", 64);
    const std::string name = required_text_arg(fcinfo, 1, "p_name", 200);
    const std::optional<std::string> contact = note_arg(fcinfo, 2, "p_contact", 200);
    check_code(code);

    Caller caller = current_caller();
    Spi spi;
    require_platform_admin(spi, caller, "create merchants");
    static Statement insert(
        "INSERT INTO app.merchants (code, name, contact) VALUES ($1, $2, $3)"
        " ON CONFLICT (code) DO NOTHING RETURNING id",
        {TEXTOID, TEXTOID, TEXTOID});
    SpiResult r = spi.run(insert, {p_text(code), p_text(name), p_opt_text(contact)});
    if (r.empty()) fail(err::MERCHANT_ALREADY_EXISTS, "A merchant with code " + code + " already exists.");
    const Uuid id = r[0].uuid(1);
    audit(spi, caller, "merchant.create", "merchant", format_uuid(id), JsonObject().add("code", code).str());
    spi.finish();
    return uuid_datum(id);
}

MPS_ENTRY(mps_add_merchant_user) {
    const std::string code = required_text_arg(fcinfo, 0, "p_merchant_code", 64);
    const Uuid user_id = required_uuid_arg(fcinfo, 1, "p_user_id");
    const std::string role = word_arg(fcinfo, 2, "p_role", 16, "cashier");
    if (role != "owner" && role != "manager" && role != "cashier")
        fail(err::INVALID_ARGUMENT, "p_role must be owner, manager or cashier.");

    Caller caller = current_caller();
    Spi spi;
    Merchant m = merchant_for_staff(spi, caller, code, false);
    if (!m.admin && *m.staff_role != "owner") {
        // A manager manages cashiers and managers; owners are appointed and changed only by an
        // owner or a platform administrator.
        static Statement current_role(
            "SELECT role::text FROM app.merchant_users WHERE merchant_id = $1 AND user_id = $2", {UUIDOID, UUIDOID});
        SpiResult target = spi.run(current_role, {p_uuid(m.id), p_uuid(user_id)});
        const bool target_is_owner = !target.empty() && target[0].string(1) == "owner";
        if (*m.staff_role != "manager") fail(err::PERMISSION_DENIED, "A cashier may not manage staff.");
        if (role == "owner" || target_is_owner)
            fail(err::PERMISSION_DENIED, "Only an owner or a platform administrator may appoint or change an owner.");
    }
    static Statement upsert(
        "INSERT INTO app.merchant_users (merchant_id, user_id, role) VALUES ($1, $2, $3::app.merchant_role)"
        " ON CONFLICT (merchant_id, user_id) DO UPDATE SET role = EXCLUDED.role, active = true",
        {UUIDOID, UUIDOID, TEXTOID});
    spi.run(upsert, {p_uuid(m.id), p_uuid(user_id), p_text(role)});
    audit(spi, caller, "merchant.add_user", "merchant", format_uuid(m.id),
          JsonObject().add("user_id", format_uuid(user_id)).add("role", role).str());
    spi.finish();
    PG_RETURN_VOID();
}
