#!/usr/bin/env bash
# Start the action server and the Rasa server (REST channel, HTTP API).
# `serve.sh` serves until Ctrl-C stops both; `serve.sh shell` chats in the terminal;
# `serve.sh interactive` runs `rasa interactive` (designers: explore, correct, save stories).
#
# Shell and interactive run their own Rasa and action servers. So that they work while
# `make run` serves, each port that is taken is replaced by the next free one (said on stderr).
#
# Who may talk to them (README "Security"):
# - `bijli check-config` first: in production (BIJLI_ENV=production) it refuses to start,
#   naming every missing or demo-valued variable.
# - Both listen on 127.0.0.1 unless RASA_HOST / ACTION_HOST say otherwise (deployments).
# - The action server needs ACTION_SERVER_TOKEN, which Rasa sends (endpoints.yml). In
#   development a random per-run token is made when none is set (Rasa cannot start with
#   `${ACTION_SERVER_TOKEN}` unset).
# - The HTTP API gets --auth-token "$RASA_API_TOKEN" when it is set (always in production);
#   in production `rasa run` itself refuses any other --auth-token (channels/rest.py).
# SERVE_DRY_RUN=1 prints the server commands instead of running them, ENDPOINTS_OUT names the
# generated endpoints file (tests/unit/test_settings_security.py, tests/unit/test_tooling.py).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# Rasa's command line with the Makefile's PYTHONWARNINGS in force (scripts/quiet_rasa.py says why).
RASA_CLI=("$BIN/python" -m scripts.quiet_rasa)
ACTION_PORT=${ACTION_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
RASA_HOST=${RASA_HOST:-127.0.0.1}
ACTION_HOST=${ACTION_HOST:-127.0.0.1}
export ACTION_HOST
mkdir -p var

"$BIN/bijli" check-config >/dev/null || exit 1
production=$("$BIN/python" -c 'from bijli.settings import Settings; print(int(Settings.from_env().is_production))')
MODE=${1:-serve}
case "$MODE" in
  serve|shell|interactive) ;;
  *) echo "usage: serve.sh [shell|interactive]" >&2; exit 2 ;;
esac
if [ "$MODE" != serve ] && [ "$production" = 1 ]; then
  echo "serve.sh $MODE is for development: its terminal channel believes any sender" >&2
  exit 1
fi

# The first port from $2 on (at most 50 tried) where $3 consecutive ports can be bound on
# host $1: `rasa interactive` also needs the next port, for its story graph.
free_port() {
  "$BIN/python" - "$@" <<'PY'
import socket, sys

host, first, span = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
family = socket.AF_INET6 if ":" in host else socket.AF_INET

def bindable(port: int) -> bool:
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host.strip("[]"), port))
        except OSError:
            return False
    return True

for start in range(first, first + 50):
    if all(bindable(port) for port in range(start, start + span)):
        print(start)
        break
else:
    sys.exit(f"no free port on {host} from {first} to {first + 49}")
PY
}

# Shell and interactive: ports that `make run` (or anything else) holds are replaced.
# `rasa interactive` always listens on all addresses (Rasa hard-codes 0.0.0.0 there).
if [ "$MODE" != serve ]; then
  rasa_bind=$RASA_HOST span=1
  if [ "$MODE" = interactive ]; then rasa_bind=0.0.0.0 span=2; fi
  port=$(free_port "$rasa_bind" "$RASA_PORT" "$span") || exit 1
  if [ "$port" != "$RASA_PORT" ]; then
    echo "port $RASA_PORT is taken (make run?): the $MODE's Rasa server uses $port" >&2
    RASA_PORT=$port
  fi
  port=$(free_port "$ACTION_HOST" "$ACTION_PORT" 1) || exit 1
  if [ "$port" != "$ACTION_PORT" ]; then
    echo "port $ACTION_PORT is taken (make run?): the $MODE's action server uses $port" >&2
    ACTION_PORT=$port
  fi
fi

# The actions build the demo payment page and QR links on this port when PUBLIC_BASE_URL is unset.
export RASA_PORT

if [ -z "${ACTION_SERVER_TOKEN:-}" ]; then
  ACTION_SERVER_TOKEN=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(32))')
fi
export ACTION_SERVER_TOKEN

run() {
  if [ -n "${SERVE_DRY_RUN:-}" ]; then echo "$*"; else "$@"; fi
}

# Started directly (not through `run`), so that $! is the server itself and cleanup stops it.
ACTIONS=("$BIN/python" -m actions.server --port "$ACTION_PORT" --actions actions)
ACTIONS_PID= RASA_PID=
if [ -n "${SERVE_DRY_RUN:-}" ]; then echo "${ACTIONS[*]}"; else "${ACTIONS[@]}" & ACTIONS_PID=$!; fi
cleanup() {
  for pid in $RASA_PID $ACTIONS_PID; do
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT INT TERM

# Rasa calls the action server on the address it listens on (loopback when it listens on all).
case "$ACTION_HOST" in
  0.0.0.0|::|"[::]") ACTION_CONNECT=127.0.0.1 ;;
  *:*) ACTION_CONNECT="[$ACTION_HOST]" ;;
  *) ACTION_CONNECT=$ACTION_HOST ;;
esac
# Its own file per mode, so that a shell never rewrites the one `make run` serves with.
if [ "$MODE" = serve ]; then ENDPOINTS=${ENDPOINTS_OUT:-var/endpoints.local.yml}
else ENDPOINTS=${ENDPOINTS_OUT:-var/endpoints.$MODE.yml}; fi
sed "s#127\.0\.0\.1:5055#$ACTION_CONNECT:$ACTION_PORT#" endpoints.yml > "$ENDPOINTS"

AUTH=()
if [ -n "${RASA_API_TOKEN:-}" ]; then AUTH=(--auth-token "$RASA_API_TOKEN"); fi

if [ "$MODE" = shell ]; then
  run "${RASA_CLI[@]}" shell --model models --endpoints "$ENDPOINTS" --port "$RASA_PORT" \
    --interface "$RASA_HOST" --quiet
elif [ "$MODE" = interactive ]; then
  # --model: start from the trained model instead of retraining; saved stories go where asked.
  run "${RASA_CLI[@]}" interactive --model models --domain domain --data data --config config.yml \
    --endpoints "$ENDPOINTS" --port "$RASA_PORT"
else
  echo "Serving: REST on http://$RASA_HOST:$RASA_PORT/webhooks/rest/webhook, web chat on http://$RASA_HOST:$RASA_PORT/webhooks/webchat/ (Ctrl-C stops)"
  RASA=("${RASA_CLI[@]}" run --model models --enable-api --port "$RASA_PORT" --interface "$RASA_HOST"
        "${AUTH[@]}" --endpoints "$ENDPOINTS" --credentials credentials.yml)
  if [ -n "${SERVE_DRY_RUN:-}" ]; then echo "${RASA[*]}"; exit 0; fi
  # In the background and waited for, so that a TERM (a process supervisor) stops both
  # servers through the trap; Ctrl-C reaches both directly.
  "${RASA[@]}" &
  RASA_PID=$!
  wait "$RASA_PID"
fi
