"""Start the real action server and Rasa server on free local ports for end-to-end tests.

They run against a demo database of their own (a fixed "today", so amounts are known) and the model in
models/ (scripts/test.sh trains it before pytest). Both servers are stopped when the tests end.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.db import migrate
from bot.db.session import make_engine
from bot.demo.generator import generate
from bot.policy import default_policy
from bot.settings import PROJECT_DIR
from bot.training import latest_model
from tests.conftest import AS_OF

STARTUP_SECONDS = 180


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise RuntimeError(f"server at {url} not ready after {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("e2e") / "billing.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    generate(make_engine(url), default_policy(), accounts=60, as_of=AS_OF)
    return url


@pytest.fixture(scope="session")
def servers(tmp_path_factory, e2e_database):
    model = latest_model()
    if model is None:
        pytest.skip("no trained model in models/ (scripts/test.sh trains one)")
    work = tmp_path_factory.mktemp("servers")
    action_port, rasa_port = _free_port(), _free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n', encoding="utf-8")
    env = dict(os.environ, DATABASE_URL=e2e_database, BOT_TODAY=AS_OF.isoformat(), PYTHONPATH=str(PROJECT_DIR))
    rasa = [sys.executable, "-m", "rasa"]
    processes = []
    try:
        for name, command, health in (
            ("actions", rasa + ["run", "actions", "--port", str(action_port), "--actions", "actions"],
             f"http://127.0.0.1:{action_port}/health"),
            ("rasa", rasa + ["run", "--model", str(model), "--port", str(rasa_port), "--endpoints", str(endpoints),
                             "--credentials", "credentials.yml"],
             f"http://127.0.0.1:{rasa_port}/"),
        ):
            log = work / f"{name}.log"
            process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                       start_new_session=True)
            processes.append(process)
            _wait_for(health, process, log)
        yield {"rasa": f"http://127.0.0.1:{rasa_port}", "actions": f"http://127.0.0.1:{action_port}"}
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
