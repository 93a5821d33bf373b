#include "common/audit.hpp"

#include "pg/convert.hpp"

namespace mps::common {

using namespace mps::pg;

void audit(Spi& spi, const Caller& caller, const char* action, const char* object_type, const std::string& object_id,
           const JsonObject& context) {
    static Statement stmt(
        SPI_OK_INSERT,
        "INSERT INTO audit.event_log (actor_user_id, actor_role, action, object_type, object_id, context)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        {UUIDOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID});
    spi.run(stmt, {p_opt_uuid(caller.user_id), p_text(caller.role_name), p_text(action), p_text(object_type),
                   p_text(object_id), p_jsonb(context.str())});
}

}  // namespace mps::common
