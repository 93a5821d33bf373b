// The one place C++ includes PostgreSQL's C headers. Files under src/pg/, src/common/ and
// src/rpc/ include it; src/core/ is pure C++ and must not: the Makefile compiles src/core/
// without the server's include directories and with MPS_PURE_CORE, so either way a PostgreSQL
// header there is a compile error.
#pragma once

#ifdef MPS_PURE_CORE
#error "src/core/ is pure C++: it must not include PostgreSQL headers (move the code to src/pg/)"
#endif

extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}

#if PG_VERSION_NUM < 140000 || PG_VERSION_NUM >= 180000
#error "mps supports PostgreSQL 14 to 17"
#endif

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
