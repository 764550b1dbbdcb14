#!/usr/bin/env bash
# Run every test: policy and knowledge-base checks, pytest (SQLite, and PostgreSQL when reachable),
# Rasa data validation, and the dialogue test stories against a freshly trained model.
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

echo "==> pytest"
python -m pytest -q tests

echo "==> dialogue test stories"
rasa test core --model models --stories tests/stories --fail-on-prediction-errors --out var/test-results
