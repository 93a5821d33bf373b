# mps — PGXS build of the C++ extension and every test layer.
#   make / make install          build and install mps.so and the extension scripts
#   make installcheck            pg_regress (sql/ -> expected/) and isolation specs (test/isolation)
#   make prove                   pgTAP tests in test/pgtap through pg_prove
# The test targets talk to the server named by PGHOST/PGPORT/PGUSER; scripts/test.sh
# starts a throwaway cluster and runs them all.

EXTENSION   = mps
EXTVERSION  = 0.1.0
MODULE_big  = mps
PG_CONFIG  ?= pg_config

SRCS        = $(sort $(wildcard src/*.cpp src/*/*.cpp))
OBJS        = $(SRCS:.cpp=.o)
MPS_HDRS = $(wildcard src/*.hpp src/*/*.hpp)

# The install script is maintained in pieces (sql/install/NN_*.sql, one per subject) and
# concatenated in name order into the versioned script CREATE EXTENSION reads.
INSTALL_PIECES = $(sort $(wildcard sql/install/*.sql))
DATA_built     = sql/$(EXTENSION)--$(EXTVERSION).sql

REGRESS      = $(shell sed -e 's/\#.*//' -e '/^[[:space:]]*$$/d' test/regress_schedule)
ISOLATION      = $(shell sed -e 's/\#.*//' -e '/^[[:space:]]*$$/d' test/isolation_schedule)
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=mps

PG_CPPFLAGS = -Isrc -isystem $(shell $(PG_CONFIG) --includedir-server)
SHLIB_LINK += -lsodium -lstdc++
EXTRA_CLEAN = results output_iso regression.diffs regression.out src/*/*.o src/*.o

# No LLVM bitcode: the server's JIT inlining gains nothing for C++ RPCs and needs clang.
override with_llvm := no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Test databases (PGXS would call them contrib_regression / isolation_regression); set after
# the include because Makefile.global assigns them.
CONTRIB_TESTDB   = mps_regress
ISOLATION_TESTDB = mps_isolation

# Warnings are fatal; PostgreSQL headers are -isystem so their warnings stay quiet.
override CXXFLAGS := $(filter-out -Wmissing-format-attribute -Wimplicit-fallthrough=3 -Wcast-function-type,$(CXXFLAGS)) \
	-std=c++17 -Wall -Wextra -Werror -Wno-register -Wno-missing-field-initializers -fno-omit-frame-pointer $(MPS_EXTRA_CXXFLAGS)

$(OBJS): $(MPS_HDRS)

$(DATA_built): $(INSTALL_PIECES) Makefile
	cat $(INSTALL_PIECES) > $@

# pgTAP: a fresh database with pgtap and mps, then every test/pgtap/*.sql (shared helpers
# live in test/pgtap/lib/ and are not run as tests).
PROVE_DB ?= mps_tap
PSQL_ADMIN = psql -X -q -v ON_ERROR_STOP=1
.PHONY: prove
prove:
	$(PSQL_ADMIN) -d postgres -c 'SET client_min_messages = warning' \
	  -c 'DROP DATABASE IF EXISTS $(PROVE_DB)' -c 'CREATE DATABASE $(PROVE_DB)'
	$(PSQL_ADMIN) -d $(PROVE_DB) -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION mps'
	pg_prove -d $(PROVE_DB) $(sort $(wildcard test/pgtap/*.sql))
