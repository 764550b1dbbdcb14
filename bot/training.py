"""`python -m bot train [--if-needed]`: train the Rasa model, skipping it when nothing it depends on changed.

Rasa can tell that too, but only after importing TensorFlow and reading the data (tens of seconds); hashing the
inputs here makes a second start of the assistant take seconds.
"""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Iterable

from bot.settings import PROJECT_DIR

MODELS_DIR = PROJECT_DIR / "models"
FINGERPRINT_FILE = MODELS_DIR / "fingerprint.json"
# Everything a trained model depends on.
TRAINING_INPUTS = (
    "config.yml", "domain", "data", "knowledge/dictionary", "knowledge/understanding.yml", "knowledge/routing.yml",
    "bot/nlu", "bot/understanding", "requirements.txt",
)


def _files(paths: Iterable[str]) -> list[Path]:
    found = []
    for name in paths:
        path = PROJECT_DIR / name
        found.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return [p for p in found if p.exists() and "__pycache__" not in p.parts]


def training_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in _files(TRAINING_INPUTS):
        digest.update(str(path.relative_to(PROJECT_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def latest_model() -> Path | None:
    models = sorted(MODELS_DIR.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def model_is_current() -> bool:
    model = latest_model()
    if model is None or not FINGERPRINT_FILE.exists():
        return False
    saved = json.loads(FINGERPRINT_FILE.read_text())
    return saved.get("model") == model.name and saved.get("fingerprint") == training_fingerprint()


def train() -> Path:
    fingerprint = training_fingerprint()
    MODELS_DIR.mkdir(exist_ok=True)
    command = [
        sys.executable, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", "domain", "--data", "data", "--out", str(MODELS_DIR),
    ]
    subprocess.run(command, cwd=PROJECT_DIR, check=True)
    model = latest_model()
    if model is None:
        raise RuntimeError("rasa train finished without writing a model")
    FINGERPRINT_FILE.write_text(json.dumps({"model": model.name, "fingerprint": fingerprint}, indent=2))
    return model


def register(subparsers) -> None:
    parser = subparsers.add_parser("train", help="train the Rasa model")
    parser.add_argument("--if-needed", action="store_true", help="skip when training inputs are unchanged")
    parser.set_defaults(func=_train)


def _train(args) -> int:
    if args.if_needed and model_is_current():
        print(f"model is current: {latest_model().name}")
        return 0
    model = train()
    print(f"trained {model.name}")
    return 0
