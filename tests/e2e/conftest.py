"""Start the real action server and Rasa server on free local ports for end-to-end tests.

They run against a demo database of their own (a fixed "today", so amounts are known) and the model in
models/ (scripts/test.sh trains it before pytest). Both servers are stopped when the tests end.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from bot.db import migrate
from bot.db.session import make_engine
from bot.demo.generator import generate
from bot.policy import default_policy
from bot.services.staff_auth import hash_password
from bot.settings import PROJECT_DIR
from bot.training import latest_model
from tests.conftest import AS_OF
from tests.e2e.servers import free_port, wait_until_ready

STARTUP_SECONDS = 180
# The staff console's sign-in for the servers under test (test-only values, passed through the environment).
STAFF_NAME, STAFF_PASSWORD = "agent1", "e2e-password"
STAFF_API_TOKEN = "e2e-contact-centre-token"
# WeChat and IVR channels (test-only values): the Rasa server reads them from its environment, and its WeChat
# API calls go to a local stand-in (bot.channels.wechat_stub) started by the `wechat_api` fixture.
WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET = "e2e-wechat-token", "wxe2e0000000000000", "e2e-wechat-secret"
WECHAT_AES_KEY = "e2eTestEncodingAESKey0123456789abcdefghijkl"  # 43 characters, as WeChat's console makes them
IVR_TOKEN = "e2e-ivr-token"
# A second WeChat channel at /webhooks/wechat_slow/ whose reply budget is 0 s, so every answer takes the
# customer-service message path (see tests/e2e/test_wechat.py).
EXTRA_CHANNELS = "\ntests.e2e.test_wechat.ImpatientWeChatInput:\n  reply_budget_seconds: 0\n"


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("e2e") / "billing.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    generate(make_engine(url), default_policy(), accounts=60, as_of=AS_OF)
    return url


@pytest.fixture(scope="session")
def wechat_api():
    from bot.channels.wechat_stub import WeChatApiStub

    with WeChatApiStub(WECHAT_APP_ID, WECHAT_APP_SECRET) as stub:
        yield stub


@pytest.fixture(scope="session")
def servers(tmp_path_factory, e2e_database, wechat_api):
    model = latest_model()
    if model is None:
        pytest.skip("no trained model in models/ (scripts/test.sh trains one)")
    work = tmp_path_factory.mktemp("servers")
    action_port, rasa_port = free_port(), free_port()
    endpoints = work / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n', encoding="utf-8")
    env = dict(
        os.environ,
        DATABASE_URL=e2e_database,
        BOT_TODAY=AS_OF.isoformat(),
        PYTHONPATH=str(PROJECT_DIR),
        STAFF_USERS=f"{STAFF_NAME}:{hash_password(STAFF_PASSWORD)}",
        STAFF_SECRET="e2e-staff-secret-" + "x" * 32,
        STAFF_API_TOKEN=STAFF_API_TOKEN,
        WECHAT_TOKEN=WECHAT_TOKEN,
        WECHAT_APP_ID=WECHAT_APP_ID,
        WECHAT_APP_SECRET=WECHAT_APP_SECRET,
        WECHAT_AES_KEY=WECHAT_AES_KEY,
        WECHAT_API_BASE_URL=wechat_api.base_url,
        IVR_TOKEN=IVR_TOKEN,
    )
    # The project's channels plus the test-only ones.
    credentials = work / "credentials.yml"
    credentials.write_text((PROJECT_DIR / "credentials.yml").read_text(encoding="utf-8") + EXTRA_CHANNELS,
                           encoding="utf-8")
    rasa = [sys.executable, "-m", "rasa"]
    processes = []
    try:
        for name, command, health in (
            ("actions", rasa + ["run", "actions", "--port", str(action_port), "--actions", "actions"],
             f"http://127.0.0.1:{action_port}/health"),
            ("rasa", rasa + ["run", "--model", str(model), "--port", str(rasa_port), "--endpoints", str(endpoints),
                             "--credentials", str(credentials)],
             f"http://127.0.0.1:{rasa_port}/"),
        ):
            log = work / f"{name}.log"
            process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                       start_new_session=True)
            processes.append(process)
            wait_until_ready(health, process, log, STARTUP_SECONDS)
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
