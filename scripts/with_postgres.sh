#!/usr/bin/env bash
# Run a command with BIJLI_TEST_POSTGRES_URL pointing at a throwaway PostgreSQL
# server (a fresh cluster in a temp dir, on a free loopback port), then stop it.
# Used by `make test-postgres` (which installs the server first when it can).
# No silent skips: without PostgreSQL's server binaries this fails (exit 1), and
# BIJLI_EXPECT_POSTGRES=1 lets tests/unit/test_postgres_engine.py check that the
# command really ran against PostgreSQL.
set -euo pipefail
INITDB=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$INITDB" ]; then
  echo "with_postgres: PostgreSQL server binaries not found (make postgres-server, or apt-get install postgresql); FAILING rather than skipping the PostgreSQL tests" >&2
  exit 1
fi
PGBIN=$(dirname "$INITDB")
DIR=$(mktemp -d /tmp/bijli-pg.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; fi
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
as_pg "$INITDB" -D "$DIR/data" -A trust -U postgres >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off" \
  -l "$DIR/server.log" -w start >/dev/null
echo "with_postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
export BIJLI_TEST_POSTGRES_URL="postgresql+psycopg2://postgres@127.0.0.1:$PORT/postgres"
export BIJLI_EXPECT_POSTGRES=1
"$@"
