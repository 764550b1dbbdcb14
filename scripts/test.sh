#!/usr/bin/env bash
# Run every test: policy and knowledge-base checks, pytest (SQLite, and PostgreSQL when reachable),
# Rasa data validation, the dialogue test stories against a freshly trained model, and the web chat widget in
# headless Chromium (Playwright, web/tests/) against the real servers.
source "$(dirname "$0")/bootstrap.sh"
ensure_venv
mkdir -p var

echo "==> policy file and knowledge base"
python -m bot policy check
python -m bot kb check
python -m bot kb build --check   # generated Rasa files must match knowledge/

echo "==> rasa data validate"
rasa data validate --config config.yml --domain domain --data data

echo "==> model (trained only when its inputs changed)"
python -m bot train --if-needed

echo "==> web widget and what its browser test needs (npm packages, Chromium, a CJK font for screenshots)"
ensure_browser() {
  local packages=()
  [ -x /usr/bin/chromium ] || packages+=(chromium)
  if ! fc-list :lang=zh 2>/dev/null | grep -q .; then packages+=(fonts-wqy-microhei); fi
  [ "${#packages[@]}" -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "==> apt-get install ${packages[*]}"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
}
ensure_browser
WIDGET_REQUIRED=1 ensure_widget
export WEBCHAT_BROWSER_TESTS=required   # tests/e2e/web/: fail, not skip, if anything above is missing

echo "==> pytest (includes the widget in headless Chromium: tests/e2e/web/, screenshots in var/screenshots/)"
python -m pytest -q tests

echo "==> dialogue test stories"
rasa test core --model models --stories tests/stories --fail-on-prediction-errors --out var/test-results
