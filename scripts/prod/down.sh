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

# Process groups started by up.sh (Sanic's workers with their parent): all asked to stop
# at once, then waited for together (at most 10 s, then killed).
groups=()
for part in "${parts[@]}"; do
  case $part in
    nginx)
      if [ -f "$VAR/nginx/nginx.pid" ] && kill -0 "$(cat "$VAR/nginx/nginx.pid")" 2>/dev/null; then
        kill -QUIT "$(cat "$VAR/nginx/nginx.pid")" && echo "stopping nginx"
      fi ;;
    postgres) ;;
    *)
      file=$VAR/run/$part.pid
      if [ -f "$file" ] && kill -0 "$(cat "$file")" 2>/dev/null; then
        kill -TERM -- "-$(cat "$file")" 2>/dev/null || kill -TERM "$(cat "$file")" 2>/dev/null || true
        groups+=("$(cat "$file")")
        echo "stopping $part"
      fi
      rm -f "$file" ;;
  esac
done
for _ in $(seq 1 40); do
  left=()
  for pid in "${groups[@]}"; do kill -0 -- "-$pid" 2>/dev/null && left+=("$pid"); done
  [ ${#left[@]} = 0 ] && break
  sleep 0.25
done
for pid in "${groups[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done

# PostgreSQL last: the others may still be closing their connections.
for part in "${parts[@]}"; do
  if [ "$part" = postgres ] && [ -f "$VAR/pg/data/postmaster.pid" ]; then
    PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl | sort -V | tail -1)")
    if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); else as_pg=(); fi
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$VAR/pg/data" -m fast -w stop >/dev/null && echo "stopped postgres"
  fi
done
