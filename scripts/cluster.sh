# Throwaway PostgreSQL 15 cluster for the demo, the tests and the benchmarks. Source this file:
#   mps_cluster_start   initdb + start as an unprivileged OS user, loopback only, temp dir;
#                       exports PGHOST PGPORT PGUSER PGDATABASE MPS_CLUSTER_DIR
#   mps_cluster_restart stop and start the server again (same port and data), e.g. to load a
#                       different mps.so or a changed shared_preload_libraries
#   mps_cluster_stop    stop the server and remove the directory (also on EXIT via trap)
# MPS_FSYNC=off speeds up the tests; benchmarks keep the default (fsync on).
# MPS_CLUSTER_BARE=1 starts a server as a fresh Debian one is: no Supabase-like roles, no
# shared_preload_libraries (test/readme_install.sh runs the README's steps against it).

MPS_PGBIN=${MPS_PGBIN:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}
MPS_OS_USER=${MPS_OS_USER:-mpstest}

# Runs a command as the cluster's OS user (the server refuses to run as root), from a
# directory that user can read (the server tools complain about an unreadable one).
mps_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u "$MPS_OS_USER" -- "$@")
  else
    "$@"
  fi
}

mps_cluster_start() {
  if [ "$(id -u)" -eq 0 ] && ! id -u "$MPS_OS_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$MPS_OS_USER"
  fi
  MPS_CLUSTER_DIR=$(mktemp -d /tmp/mps-cluster.XXXXXX)
  chmod 755 "$MPS_CLUSTER_DIR"
  [ "$(id -u)" -eq 0 ] && chown "$MPS_OS_USER" "$MPS_CLUSTER_DIR"
  export MPS_CLUSTER_DIR
  trap mps_cluster_stop EXIT

  mps_as_owner "$MPS_PGBIN/initdb" -D "$MPS_CLUSTER_DIR/data" -U postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$MPS_CLUSTER_DIR/initdb.log" 2>&1 \
    || { cat "$MPS_CLUSTER_DIR/initdb.log"; return 1; }

  local port tries=0
  while :; do
    port=$((20000 + RANDOM % 20000))
    cat >>"$MPS_CLUSTER_DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$MPS_CLUSTER_DIR'
$([ "${MPS_CLUSTER_BARE:-0}" = 1 ] || printf '%s\n' "shared_preload_libraries = 'pg_cron'" "cron.database_name = 'postgres'")
max_connections = 120
shared_buffers = 256MB
fsync = ${MPS_FSYNC:-on}
synchronous_commit = ${MPS_FSYNC:-on}
full_page_writes = ${MPS_FSYNC:-on}
log_min_messages = warning
CONF
    if mps_as_owner "$MPS_PGBIN/pg_ctl" -D "$MPS_CLUSTER_DIR/data" -l "$MPS_CLUSTER_DIR/server.log" -w -t 60 start >/dev/null; then
      break
    fi
    tries=$((tries + 1))
    if [ $tries -ge 5 ]; then cat "$MPS_CLUSTER_DIR/server.log"; return 1; fi
  done
  export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
  # Supabase-like API roles: PostgREST logs in as authenticator and switches to the JWT role.
  [ "${MPS_CLUSTER_BARE:-0}" = 1 ] || "$MPS_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 <<'SQL'
CREATE ROLE anon NOLOGIN NOINHERIT;
CREATE ROLE authenticated NOLOGIN NOINHERIT;
CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
CREATE ROLE authenticator LOGIN NOINHERIT;
GRANT anon, authenticated, service_role TO authenticator;
SQL
  echo "mps: throwaway PostgreSQL on 127.0.0.1:$port (data in $MPS_CLUSTER_DIR, OS user $(mps_as_owner id -un))"
}

mps_cluster_restart() {
  mps_as_owner "$MPS_PGBIN/pg_ctl" -D "$MPS_CLUSTER_DIR/data" -l "$MPS_CLUSTER_DIR/server.log" -w -t 60 -m fast restart >/dev/null
}

mps_cluster_stop() {
  [ -n "${MPS_CLUSTER_DIR:-}" ] && [ -d "$MPS_CLUSTER_DIR" ] || return 0
  mps_as_owner "$MPS_PGBIN/pg_ctl" -D "$MPS_CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$MPS_CLUSTER_DIR"
  MPS_CLUSTER_DIR=
}
