#!/usr/bin/env bash
# Set everything up and start the assistant: action server (5055) and Rasa server (5005).
#   scripts/run.sh          start both servers; Ctrl-C stops both
#   scripts/run.sh shell    chat in the terminal instead
source "$(dirname "$0")/bootstrap.sh"
ensure_venv
prepare_assistant
[ "${1:-}" = shell ] || ensure_widget

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

# Origins (comma- or space-separated) whose pages may call the REST API and embed the web widget; the widget's
# socket (bot/channels/webchat.py) reads the same variable. The server's own pages are always allowed.
export CORS_ORIGINS="${CORS_ORIGINS:-http://localhost:$RASA_PORT}"
read -r -a cors_origins <<<"${CORS_ORIGINS//,/ }"
# Staff console sign-in: without STAFF_USERS, a one-off "demo" agent with a random password (printed below).
staff_note="staff accounts from STAFF_USERS"
if [ -z "${STAFF_USERS:-}" ]; then
  demo_password="$(python -c 'import secrets; print(secrets.token_urlsafe(9))')"
  STAFF_USERS="$(printf '%s\n' "$demo_password" | python -m bot staff hash-password demo)"
  export STAFF_USERS
  staff_note="user demo, password $demo_password (this run only; set STAFF_USERS for real agents)"
fi
# Rasa's HTTP API (tracker access, model replacement) stays off unless protected by a token.
api_args=()
if [ -n "${RASA_AUTH_TOKEN:-}" ]; then api_args=(--enable-api --auth-token "$RASA_AUTH_TOKEN"); fi
rasa run --model models --port "$RASA_PORT" --endpoints endpoints.yml --credentials credentials.yml \
  --cors "${cors_origins[@]}" "${api_args[@]}" >var/rasa.log 2>&1 &
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
    Web chat demo:    http://localhost:$RASA_PORT/webchat/   (embed: <script src="http://localhost:$RASA_PORT/webchat/widget.js" defer></script>)
    Chat over REST:   curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"我家还欠多少钱"}'
    Terminal chat:    scripts/run.sh shell
    Staff console:    http://localhost:$RASA_PORT/webhooks/staff/   ($staff_note)
    Logs:             var/rasa.log, var/actions.log      Stop: Ctrl-C
MSG
wait -n "${pids[@]}"
