#!/usr/bin/env bash
# make prod-stop: stop the production topology (all of it, or the parts named:
# nginx, rasa-PORT, actions, fakes, redis, postgres). Data stays in PROD_VAR; `make prod`
# starts again whatever is not running.
set -euo pipefail
cd "$(dirname "$0")/../.."
PROD_VAR=${PROD_VAR:-var/prod}
[ -d "$PROD_VAR" ] || exit 0
VAR=$(realpath "$PROD_VAR")
parts=("$@")
if [ ${#parts[@]} = 0 ]; then
  parts=(nginx)
  for f in "$VAR"/run/rasa-*.pid; do [ -e "$f" ] && parts+=("$(basename "$f" .pid)"); done
  parts+=(actions fakes redis postgres)
fi

stop_group() {   # the process group started by up.sh (Sanic's workers with their parent)
  local file=$VAR/run/$1.pid pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    echo "stopped $1"
  fi
  rm -f "$file"
}

for part in "${parts[@]}"; do
  case $part in
    nginx)
      if [ -f "$VAR/nginx/nginx.pid" ] && kill -0 "$(cat "$VAR/nginx/nginx.pid")" 2>/dev/null; then
        pid=$(cat "$VAR/nginx/nginx.pid"); kill -QUIT "$pid"
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        echo "stopped nginx"
      fi ;;
    postgres)
      PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1)")
      as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
      if [ -f "$VAR/pg/data/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$VAR/pg/data" -m fast -w stop >/dev/null && echo "stopped postgres"
      fi ;;
    *) stop_group "$part" ;;
  esac
done
