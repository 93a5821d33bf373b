// Who is calling (ARCHITECTURE.md §3). Identity comes only from the current transaction:
//  * user id  = request.jwt.claim.sub if set, else request.jwt.claims ->> 'sub', as Supabase's
//               auth.uid() reads them — but only when the setting was made transaction-locally
//               (set_config(..., true) / SET LOCAL, which is what PostgREST does); a value left
//               in the session by SET is ignored, so identity never leaks to the next request;
//  * role     = GetOuterUserId(): the role the transaction runs as (SET ROLE / PostgREST's
//               set_config('role', ..., true)), untouched by SECURITY DEFINER. The JWT's
//               "role" claim is never read.
//  * platform administrator = service_role, a superuser, the extension owner, a user listed
//               in app.admin_users, or the role pg_cron runs the jobs as (mps_jobs), which holds
//               EXECUTE on the job functions only (app.schedule_jobs).
#pragma once

#include <optional>
#include <string>

#include "core/ids.hpp"
#include "pg/postgres.hpp"
#include "pg/spi.hpp"

namespace mps::pg {

struct Caller {
    Oid role = InvalidOid;
    std::string role_name;
    std::optional<Uuid> user_id;
    bool trusted_backend = false;  // service_role, superuser (psql administrator)
    bool anon = false;
    bool job_runner = false;  // mps_jobs: pg_cron running a job
};

// The role pg_cron runs mps's jobs as (sec.prepare_job_role).
inline constexpr const char* kJobRole = "mps_jobs";

Caller current_caller();

// Only the user id (JWT sub) of the current transaction; nullopt when none.
std::optional<Uuid> jwt_user_id();

// trusted_backend, the extension owner, or a user in app.admin_users (one indexed query,
// made only when the cheap checks fail).
bool is_platform_admin(Spi& spi, const Caller& caller);

// Raises PERMISSION_DENIED unless the caller is a platform administrator.
void require_platform_admin(Spi& spi, const Caller& caller, const char* action);

// Raises PERMISSION_DENIED when the caller carries no user id (anon or no JWT).
const Uuid& require_user(const Caller& caller, const char* action);

// The value of a placeholder setting when it was set in this transaction with
// set_config(..., true) / SET LOCAL; nullopt otherwise (unset, empty, or session-level).
std::optional<std::string> transaction_local_setting(const char* name);

}  // namespace mps::pg
