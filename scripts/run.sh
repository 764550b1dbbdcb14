#!/usr/bin/env bash
# Set everything up and start the assistant: action server (5055) and Rasa server (5005).
#   scripts/run.sh          start both servers; Ctrl-C stops both
#   scripts/run.sh shell    chat in the terminal instead
source "$(dirname "$0")/bootstrap.sh"
ensure_venv
prepare_assistant

ACTION_PORT="${ACTION_PORT:-5055}"
RASA_PORT="${RASA_PORT:-5005}"
pids=()
stop() {
  trap - INT TERM EXIT
  [ "${#pids[@]}" -gt 0 ] && kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
  echo "stopped."
}
trap stop INT TERM EXIT

rasa run actions --port "$ACTION_PORT" --actions actions >var/actions.log 2>&1 &
pids+=($!)

if [ "${1:-}" = "shell" ]; then
  rasa shell --model models --endpoints endpoints.yml
  exit 0
fi

rasa run --model models --port "$RASA_PORT" --endpoints endpoints.yml --credentials credentials.yml \
  --cors "${CORS_ORIGINS:-http://localhost:$RASA_PORT}" >var/rasa.log 2>&1 &
pids+=($!)

echo "==> waiting for the servers"
for _ in $(seq 1 120); do
  if curl -sf "http://127.0.0.1:$RASA_PORT/status" >/dev/null 2>&1 || curl -sf "http://127.0.0.1:$RASA_PORT/" >/dev/null 2>&1; then
    break
  fi
  sleep 1
done
cat <<MSG
==> 热力客服助手 is ready.
    Chat over REST:   curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"我家还欠多少钱"}'
    Terminal chat:    scripts/run.sh shell
    Logs:             var/rasa.log, var/actions.log      Stop: Ctrl-C
MSG
wait -n "${pids[@]}"
