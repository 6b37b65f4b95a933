#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server on loopback; FORMPROC_TEST_PG_URL points at it.
# The server is Debian's postgresql package, run as the `postgres` user in a temporary folder.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ] || [ -n "${FORMPROC_TEST_PG_URL:-}" ]; then
  exec "$@"
fi
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
dir=$(mktemp -d /tmp/formproc-pg.XXXXXX)
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
port=$(( 20000 + RANDOM % 20000 ))
as_pg "$bindir/initdb" -D "$dir/data" -U formproc --auth=trust >/dev/null
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off" start >/dev/null
cleanup() { as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U formproc formproc_test
export FORMPROC_TEST_PG_URL="postgresql+psycopg://formproc@127.0.0.1:$port/formproc_test"
"$@"
