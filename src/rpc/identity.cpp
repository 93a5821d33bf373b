// sec.uid(): the caller's user id for row-level security policies, read exactly as the RPCs
// read it (pg/identity.hpp: transaction-local JWT claims only). SQL: sql/install/90_rpc_identity.sql.
#include "pg/identity.hpp"
#include "core/ids.hpp"
#include "pg/convert.hpp"
#include "pg/entry.hpp"

using namespace mps;
using namespace mps::pg;

MPS_ENTRY(mps_sec_uid) {
    std::optional<Uuid> id = jwt_user_id();
    if (!id) return args.null_result();
    return uuid_datum(*id);
}
