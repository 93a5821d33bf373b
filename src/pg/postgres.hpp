// The one place C++ includes PostgreSQL's C headers. Only files under src/pg/ and src/rpc/
// include it; src/core/ is pure C++ and must not (see src/core/README).
#pragma once

extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}

// port.h turns these into macros that break the C++ standard library.
#undef snprintf
#undef vsnprintf
#undef sprintf
#undef vsprintf
#undef fprintf
#undef vfprintf
#undef printf
#undef vprintf
#undef bind
#undef connect
#undef gettext
#undef dgettext
#undef ngettext
#undef dngettext
