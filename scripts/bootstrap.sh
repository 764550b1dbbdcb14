# Sourced by run.sh and test.sh: find Python 3.10, create the virtualenv, install the pinned dependencies.
# Idempotent and quick when nothing changed (the requirements' hash is remembered in the venv).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
cd "$ROOT"

is_python310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }

find_python310() {
  # $PYTHON, then python3.10 on PATH, then any 3.10 that pyenv has installed.
  local candidate
  for candidate in "${PYTHON:-}" "$(command -v python3.10 || true)"; do
    if [ -n "$candidate" ] && is_python310 "$candidate"; then echo "$candidate"; return 0; fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/3.10*/bin/python3.10; do
      if [ -x "$candidate" ] && is_python310 "$candidate"; then echo "$candidate"; return 0; fi
    done
  fi
  return 1
}

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    local python
    if ! python="$(find_python310)"; then
      echo "Python 3.10 is required (Rasa 3.6 supports no newer Python) and none was found." >&2
      echo "Install it (e.g. 'pyenv install 3.10' or your distribution's python3.10) or set PYTHON=/path/to/python3.10." >&2
      exit 1
    fi
    echo "==> creating virtualenv with $python"
    "$python" -m venv "$VENV"
  fi
  local want have
  want="$(sha256sum requirements.txt | cut -d' ' -f1)"
  have="$(cat "$VENV/.requirements.sha256" 2>/dev/null || true)"
  if [ "$want" != "$have" ]; then
    echo "==> installing pinned dependencies (requirements.txt)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.2"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
    echo "$want" > "$VENV/.requirements.sha256"
  fi
  export PATH="$VENV/bin:$PATH"
  export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
  # Quiet the SQLAlchemy 2.0 notice that Rasa's own tracker store triggers; TensorFlow's C++ log noise too.
  export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
}

prepare_assistant() {
  mkdir -p var
  # Database at the latest schema, demo accounts when empty, generated FAQ files fresh, model trained if stale.
  python -m bot db upgrade
  python -m bot demo load --if-empty
  python -m bot kb build
  python -m bot train --if-needed
}

widget_sources_hash() {
  # Everything the bundle is built from: the locked dependencies, the build script and the widget's sources.
  (cd web && sha256sum package.json package-lock.json build.mjs $(find src -type f | sort)) | sha256sum | cut -d' ' -f1
}

ensure_widget() {
  # Build the web chat widget (web/dist/widget.js, served at /webchat/widget.js) with npm: `npm ci` only when
  # package-lock.json changed, the build only when its inputs changed. Without npm the assistant still runs,
  # just without the widget, unless WIDGET_REQUIRED=1.
  if ! command -v npm >/dev/null 2>&1; then
    echo "==> npm not found: the web chat widget is not built (install Node.js 18+ to get it)" >&2
    [ "${WIDGET_REQUIRED:-0}" = 1 ] && exit 1
    return 0
  fi
  local want have
  want="$(sha256sum web/package-lock.json | cut -d' ' -f1)"
  have="$(cat web/node_modules/.package-lock.sha256 2>/dev/null || true)"
  if [ "$want" != "$have" ] || [ ! -d web/node_modules ]; then
    echo "==> installing the web widget's npm packages (web/package-lock.json)"
    (cd web && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > web/node_modules/.package-lock.sha256
  fi
  want="$(widget_sources_hash)"
  have="$(cat web/dist/.sources.sha256 2>/dev/null || true)"
  if [ "$want" != "$have" ] || [ ! -f web/dist/widget.js ]; then
    echo "==> building the web chat widget (web/dist/widget.js)"
    (cd web && npm run --silent build)
    echo "$want" > web/dist/.sources.sha256
  fi
}
