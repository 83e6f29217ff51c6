#!/usr/bin/env bash
# Start the action server and the Rasa server (REST channel, HTTP API).
# `serve.sh` serves until Ctrl-C stops both; `serve.sh shell` chats in the terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
ACTION_PORT=${ACTION_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
mkdir -p var

"$BIN/rasa" run actions --port "$ACTION_PORT" --actions actions &
ACTIONS_PID=$!
cleanup() { kill "$ACTIONS_PID" 2>/dev/null || true; wait "$ACTIONS_PID" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

ENDPOINTS=endpoints.yml
if [ "$ACTION_PORT" != 5055 ]; then
  ENDPOINTS=var/endpoints.local.yml
  sed "s#localhost:5055#localhost:$ACTION_PORT#" endpoints.yml > "$ENDPOINTS"
fi

if [ "${1:-}" = shell ]; then
  "$BIN/rasa" shell --model models --endpoints "$ENDPOINTS"
else
  echo "Serving: REST on http://localhost:$RASA_PORT/webhooks/rest/webhook (Ctrl-C stops)"
  "$BIN/rasa" run --model models --enable-api --port "$RASA_PORT" \
    --endpoints "$ENDPOINTS" --credentials credentials.yml
fi
