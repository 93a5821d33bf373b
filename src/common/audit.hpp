// The audit trail (ARCHITECTURE.md §2): one audit.event_log row per money movement (written by
// record_transaction) and per administrative change (written here). Contexts are built with
// core/json.hpp's JsonObject, the one way mps builds JSON.
#pragma once

#include <string>

#include "core/json.hpp"
#include "pg/identity.hpp"
#include "pg/spi.hpp"

namespace mps::common {

// Writes an audit row for an administrative change: who (the caller's user and role), what
// (action, e.g. merchant.create), on what (object type and id), and the context.
void audit(pg::Spi& spi, const pg::Caller& caller, const char* action, const char* object_type,
           const std::string& object_id, const JsonObject& context);

}  // namespace mps::common
