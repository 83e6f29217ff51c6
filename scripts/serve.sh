#!/usr/bin/env bash
# Start the action server and the Rasa server (REST channel, HTTP API).
# `serve.sh` serves until Ctrl-C stops both; `serve.sh shell` chats in the terminal.
#
# Who may talk to them (README "Security"):
# - `bijli check-config` first: in production (BIJLI_ENV=production) it refuses to start,
#   naming every missing or demo-valued variable.
# - Both listen on 127.0.0.1 unless RASA_HOST / ACTION_HOST say otherwise (deployments).
# - The action server needs ACTION_SERVER_TOKEN, which Rasa sends (endpoints.yml). In
#   development a random per-run token is made when none is set (Rasa cannot start with
#   `${ACTION_SERVER_TOKEN}` unset).
# - The HTTP API gets --auth-token "$RASA_API_TOKEN" when it is set (always in production).
# SERVE_DRY_RUN=1 prints the server commands instead of running them, ENDPOINTS_OUT names the
# generated endpoints file (tests/unit/test_settings_security.py).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
ACTION_PORT=${ACTION_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
RASA_HOST=${RASA_HOST:-127.0.0.1}
ACTION_HOST=${ACTION_HOST:-127.0.0.1}
export ACTION_HOST
mkdir -p var

"$BIN/bijli" check-config >/dev/null || exit 1
production=$("$BIN/python" -c 'from bijli.settings import Settings; print(int(Settings.from_env().is_production))')
if [ "${1:-}" = shell ] && [ "$production" = 1 ]; then
  echo "serve.sh shell is for development: its terminal channel believes any sender" >&2
  exit 1
fi

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
ENDPOINTS=${ENDPOINTS_OUT:-var/endpoints.local.yml}
sed "s#127\.0\.0\.1:5055#$ACTION_CONNECT:$ACTION_PORT#" endpoints.yml > "$ENDPOINTS"

AUTH=()
if [ -n "${RASA_API_TOKEN:-}" ]; then AUTH=(--auth-token "$RASA_API_TOKEN"); fi

if [ "${1:-}" = shell ]; then
  run "$BIN/rasa" shell --model models --endpoints "$ENDPOINTS" --port "$RASA_PORT" \
    --interface "$RASA_HOST"
else
  echo "Serving: REST on http://$RASA_HOST:$RASA_PORT/webhooks/rest/webhook, web chat on http://$RASA_HOST:$RASA_PORT/webhooks/webchat/ (Ctrl-C stops)"
  RASA=("$BIN/rasa" run --model models --enable-api --port "$RASA_PORT" --interface "$RASA_HOST"
        "${AUTH[@]}" --endpoints "$ENDPOINTS" --credentials credentials.yml)
  if [ -n "${SERVE_DRY_RUN:-}" ]; then echo "${RASA[*]}"; exit 0; fi
  # In the background and waited for, so that a TERM (a process supervisor) stops both
  # servers through the trap; Ctrl-C reaches both directly.
  "${RASA[@]}" &
  RASA_PID=$!
  wait "$RASA_PID"
fi
