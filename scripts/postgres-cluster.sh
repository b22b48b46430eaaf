# shellcheck shell=bash
# Sourced by scripts/test and bench/rest-labs: start_postgres and stop_postgres.
#
# A throwaway PostgreSQL cluster for tests and benchmarks: Debian's binaries, a temporary directory
# owned by postgres (initdb and pg_ctl refuse root), a free loopback port, the superuser antimony
# with a password drawn for this run (scram-sha-256, so a wrong password fails). Sets
# ANTIMONY_TEST_POSTGRES (a URL with the password) and PG_PORT, PG_PASSWORD; stop_postgres
# stops it and removes the directory (the caller sets a trap for it).
pg_dir=""
start_postgres() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "the PostgreSQL tests need root (the cluster runs as the user postgres)" >&2
    return 1
  fi
  local bin password port
  bin=$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -1)
  [ -n "$bin" ] || { echo "PostgreSQL's initdb is missing (apt-get install postgresql)" >&2; return 1; }
  pg_bin=$(dirname "$bin")
  pg_dir=$(mktemp -d /tmp/antimony-postgres.XXXXXX)
  password="pg-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
  printf '%s\n' "$password" > "$pg_dir/password"
  chown -R postgres "$pg_dir"
  runuser -u postgres -- "$pg_bin/initdb" -D "$pg_dir/data" -U antimony --auth=scram-sha-256 \
    --pwfile="$pg_dir/password" --encoding=UTF8 > "$pg_dir/initdb.log" 2>&1 ||
    { cat "$pg_dir/initdb.log" >&2; return 1; }
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # fsync off: the cluster is thrown away after the run.
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null ||
    { cat "$pg_dir/server.log" >&2; return 1; }
  echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{ print $3 }') on 127.0.0.1:$port ($pg_dir)"
  PG_PORT=$port
  PG_PASSWORD=$password
  ANTIMONY_TEST_POSTGRES="postgresql://antimony:$password@127.0.0.1:$port/postgres"
}

stop_postgres() {
  [ -n "$pg_dir" ] || return 0
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
  pg_dir=""
}
