// mps.so: module magic, load-time initialisation (libsodium, settings, and while preloading the
// failure log's shared memory and writer).
#include <sodium.h>

#include "pg/failure_log.hpp"
#include "pg/postgres.hpp"
#include "pg/settings.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);

// Runs once per backend when mps.so is loaded. libsodium must initialise or nothing that
// depends on randomness (QR tokens, ids) may run: fail the load loudly.
void _PG_init(void) {
    if (sodium_init() < 0)
        ereport(FATAL, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("mps: libsodium failed to initialise (sodium_init)")));
    mps::pg::define_settings();
    mps::pg::failure_log_init();
}
}
