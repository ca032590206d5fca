#!/usr/bin/env bash
# Starts a private PostgreSQL server for the tests (Debian's package; installed when missing) in
# $BUILD_DIR/postgres on a free loopback port, with a fresh database, and prints its URL on stdout.
#   eval "BLEAGENT_TEST_POSTGRES=$(scripts/postgres-test-server.sh)"
#   scripts/postgres-test-server.sh stop
set -euo pipefail
source "$(dirname "$0")/lib.sh"
dir="$BUILD_DIR/postgres"
port=${BLEAGENT_POSTGRES_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ "${1:-}" = stop ]; then
  [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  exit 0
fi
if [ -z "$bin" ]; then
  apt_install postgresql >&2
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; fi
rm -rf "$dir"; mkdir -p "$dir"
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
as_owner "$bin/initdb" -D "$dir/data" --auth=trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# A self-signed certificate, so that the tests can connect with TLS required ([database] tls); plain
# connections still work. Its name is localhost (verify-full against it as its own CA).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost -addext subjectAltName=DNS:localhost \
  -days 30 -keyout "$dir/server.key" -out "$dir/server.crt" >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; exit 1; }
chmod 0600 "$dir/server.key"
[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/server.key" "$dir/server.crt"
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }
as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -c "CREATE DATABASE bleagent_test" >/dev/null
echo "postgres://postgres@127.0.0.1:$port/bleagent_test"
