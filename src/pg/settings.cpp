#include "pg/settings.hpp"

#include "pg/postgres.hpp"

namespace mps::pg {

bool allow_self_recharge = false;
bool qr_reuse_within_ttl = false;

void define_settings() {
    DefineCustomBoolVariable("mps.allow_self_recharge",
                             "Lets members and corporate card admins recharge cards themselves.",
                             "Off by default: recharge must come from the trusted backend (service_role) or "
                             "merchant staff taking cash.",
                             &allow_self_recharge, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("mps.qr_reuse_within_ttl",
                             "Lets a member's QR code pay more than once until it expires or is rotated.",
                             "Off by default: a successful charge consumes the code, and the app shows a new one.",
                             &qr_reuse_within_ttl, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
#if PG_VERSION_NUM >= 150000
    MarkGUCPrefixReserved("mps");
#else
    EmitWarningsOnPlaceholders("mps");
#endif
}

}  // namespace mps::pg
