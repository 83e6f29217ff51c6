#!/usr/bin/env bash
# make prod: the production topology on this machine, on 127.0.0.1 only (README "Production
# topology"): PostgreSQL (billing data and Rasa's tracker store), Redis (Rasa's lock store),
# the action server, one Rasa instance per port of PROD_RASA_PORTS, the local fake payment
# gateway and Graph API, and nginx (TLS) in front on PROD_PORT. Starts what is not running,
# waits until all of it answers, prints the URL and returns; a second run changes nothing.
# Settings: var/prod.env (made on the first run; the environment overrides it). PROD_VAR holds
# data, logs and pid files (var/prod); PROD_ENDPOINTS the Rasa endpoints file.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin

# Debian's packages when absent (CI is a fresh machine, root); anyone else is told what to install.
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "make prod needs ${missing[*]}: run 'apt-get install ${missing[*]}' as root" >&2; exit 1
  fi
  echo "installing ${missing[*]} from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

. scripts/prod/load_env.sh
"$BIN/bijli" check-config
VAR=$(realpath "$PROD_VAR")
mkdir -p "$VAR"/{logs,run,pg,redis,nginx,tls}
chmod 700 "$VAR/redis" "$VAR/tls"
ENDPOINTS=${PROD_ENDPOINTS:-deploy/endpoints.prod.yml}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

alive() { [ -f "$VAR/run/$1.pid" ] && kill -0 "$(cat "$VAR/run/$1.pid")" 2>/dev/null; }
# In its own session and process group (down.sh stops the whole group: Sanic's workers too).
start() {
  local name=$1; shift
  if alive "$name"; then return 0; fi
  setsid "$@" >"$VAR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$VAR/run/$name.pid"
  echo "started $name (pid $!)"
}
wait_for() {   # wait_for NAME SECONDS COMMAND...: until COMMAND succeeds
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ -f "$VAR/run/$name.pid" ] && ! alive "$name"; then
      echo "$name exited; the end of $VAR/logs/$name.log:" >&2; tail -30 "$VAR/logs/$name.log" >&2; exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then echo "$name not healthy after ${seconds}s" >&2; exit 1; fi
    sleep 0.5
  done
}

# TLS for nginx: PUBLIC_BASE_URL is https (production), so the page, the web chat's origin and
# Twilio's signed URL are what a client really uses. A self-signed certificate, made once.
if [ ! -f "$VAR/tls/cert.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$VAR/tls/key.pem" -out "$VAR/tls/cert.pem" 2>/dev/null
fi

# PostgreSQL: its own cluster in the var dir, password logins over TCP on loopback only.
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PGDATA=$VAR/pg/data PGSOCK=$VAR/pg
if [ "$(id -u)" = 0 ]; then
  chown postgres "$VAR/pg"
  if ! runuser -u postgres -- test -w "$VAR/pg"; then
    echo "PostgreSQL (user postgres) cannot reach $VAR/pg: a parent directory is private." \
         "Set PROD_VAR to a directory it can reach (e.g. /var/lib/bijli-prod)" >&2; exit 1
  fi
fi
if [ ! -f "$PGDATA/PG_VERSION" ]; then
  as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    >"$VAR/logs/initdb.log" 2>&1 || { cat "$VAR/logs/initdb.log" >&2; exit 1; }
fi
if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGSOCK/postgres.log" -w start \
    -o "-p $PROD_PG_PORT -k $PGSOCK -c listen_addresses=127.0.0.1" >/dev/null
  echo "started postgres on 127.0.0.1:$PROD_PG_PORT"
fi
psql_admin() { as_pg "$PGBIN/psql" -h "$PGSOCK" -p "$PROD_PG_PORT" -U postgres -d postgres -tAq "$@"; }
wait_for postgres 60 psql_admin -c "select 1"
if [ -z "$(psql_admin -c "select 1 from pg_roles where rolname = 'bijli'")" ]; then
  psql_admin -c "create role bijli login"
fi
psql_admin -c "alter role bijli password '$PROD_DB_PASSWORD'"
for db in bijli bijli_tracker; do
  if [ -z "$(psql_admin -c "select 1 from pg_database where datname = '$db'")" ]; then
    psql_admin -c "create database $db owner bijli"
  fi
done
# Rasa commits every turn's events to the tracker database: without waiting for the disk
# there, a PostgreSQL crash can lose the last fraction of a second of chat (never corrupt
# it), and each turn is spared an fsync. Billing and payments keep synchronous commits.
psql_admin -c "alter database bijli_tracker set synchronous_commit = off"

# Redis: the lock store, in memory only (locks live seconds), password in a private file.
if ! alive redis; then
  cat >"$VAR/redis/redis.conf" <<CONF
bind 127.0.0.1
port $PROD_REDIS_PORT
requirepass $REDIS_PASSWORD
dir $VAR/redis
save ""
appendonly no
daemonize no
CONF
  chmod 600 "$VAR/redis/redis.conf"
  start redis redis-server "$VAR/redis/redis.conf"
fi
wait_for redis 30 env REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -p "$PROD_REDIS_PORT" ping

# The billing database: schema, and the demo extract the first time (bijli seed loads nothing
# in production, so it goes in as an operator's extract would).
"$BIN/bijli" migrate >/dev/null
if "$BIN/python" -m scripts.prod.demo_extract "$VAR/demo-extract.csv"; then
  "$BIN/bijli" import-bills "$VAR/demo-extract.csv"
fi

# A model: the newest in models/, trained only when there is none.
MODEL=$(ls -t models/*.tar.gz 2>/dev/null | head -1 || true)
if [ -z "$MODEL" ]; then
  "$BIN/python" -m scripts.quiet_rasa train --domain domain --quiet --out models
  MODEL=$(ls -t models/*.tar.gz | head -1)
fi

start fakes "$BIN/python" -m scripts.prod.fakes "$PROD_GATEWAY_PORT" "$PROD_GRAPH_PORT"
ACTION_HOST=127.0.0.1 start actions "$BIN/python" -m actions.server --port "$PROD_ACTION_PORT" --actions actions
for port in $PROD_RASA_PORTS; do
  start "rasa-$port" "$BIN/python" -m scripts.quiet_rasa run --model "$MODEL" --enable-api \
    --auth-token "$RASA_API_TOKEN" --port "$port" --interface 127.0.0.1 \
    --endpoints "$ENDPOINTS" --credentials credentials.yml
done

# nginx: the config made from the template with this run's ports; reloaded if it runs.
upstreams="" sticky=""
for port in $PROD_RASA_PORTS; do
  upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
  sticky+="        server 127.0.0.1:$port;"$'\n'
done
mkdir -p "$VAR/nginx"
"$BIN/python" - "$VAR" "$PROD_PORT" "$upstreams" "$sticky" <<'PY'
import sys
from pathlib import Path
var, port, upstreams, sticky = sys.argv[1:]
text = Path("deploy/nginx.conf.template").read_text()
for key, value in (("@UPSTREAMS@", upstreams.rstrip("\n")), ("@STICKY_UPSTREAMS@", sticky.rstrip("\n")),
                   ("@VAR@", var), ("@PORT@", port)):
    text = text.replace(key, value)
Path(var, "nginx", "nginx.conf").write_text(text)
PY
"$NGINX" -t -q -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -e "$VAR/logs/nginx-error.log"
if [ -f "$VAR/nginx/nginx.pid" ] && kill -0 "$(cat "$VAR/nginx/nginx.pid")" 2>/dev/null; then
  "$NGINX" -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -e "$VAR/logs/nginx-error.log" -s reload
else
  "$NGINX" -p "$VAR/nginx" -c "$VAR/nginx/nginx.conf" -e "$VAR/logs/nginx-error.log"
  echo "started nginx on 127.0.0.1:$PROD_PORT"
fi

ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$@")" = 200 ]; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for fakes 30 listening "$PROD_GATEWAY_PORT"
wait_for actions 120 ok "http://127.0.0.1:$PROD_ACTION_PORT/health"
for port in $PROD_RASA_PORTS; do
  wait_for "rasa-$port" 600 ok "http://127.0.0.1:$port/status?token=$RASA_API_TOKEN"
done
wait_for nginx 30 ok --cacert "$VAR/tls/cert.pem" "https://127.0.0.1:$PROD_PORT/webhooks/rest/?token=$RASA_API_TOKEN"
echo "Bijli Sahayak (production) at https://127.0.0.1:$PROD_PORT (certificate $VAR/tls/cert.pem):"
echo "  REST  https://127.0.0.1:$PROD_PORT/webhooks/rest/webhook?token=\$RASA_API_TOKEN   web chat  https://127.0.0.1:$PROD_PORT/webhooks/webchat/"
echo "  settings: $PROD_ENV_FILE; logs: $VAR/logs; stop: make prod-stop"
