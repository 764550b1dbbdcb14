"""The web chat widget end to end: the real servers (tests/e2e/conftest.py), the demo page they serve, and
headless Chromium driven by Playwright (web/tests/widget.test.mjs, run with `node --test`).

Needs node, web/node_modules (npm ci in web/), the built bundle and /usr/bin/chromium; scripts/test.sh installs
them and sets WEBCHAT_BROWSER_TESTS=required, so in CI a missing piece fails instead of skipping.
Screenshots go to var/screenshots/.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
import requests
from sqlalchemy import select

from bot.db.models import Account, Customer
from bot.db.session import make_engine, open_session
from bot.settings import PROJECT_DIR

pytestmark = pytest.mark.e2e

WEB = PROJECT_DIR / "web"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BROWSER_SECONDS = 120


def _missing() -> list[str]:
    missing = []
    if shutil.which("node") is None:
        missing.append("node")
    if not (WEB / "node_modules" / "playwright-core").is_dir():
        missing.append("web/node_modules (npm ci in web/)")
    if not (WEB / "dist" / "widget.js").is_file():
        missing.append("web/dist/widget.js (npm run build in web/)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(CHROMIUM)
    return missing


@pytest.fixture(scope="module")
def browser_ready():
    missing = _missing()
    if missing:
        message = "browser test needs: " + ", ".join(missing)
        if os.environ.get("WEBCHAT_BROWSER_TESTS") == "required":
            pytest.fail(message)
        pytest.skip(message)


def _phone_last4(database_url: str, account_no: str) -> str:
    with open_session(make_engine(database_url)) as session:
        phone = session.execute(
            select(Customer.phone)
            .join(Account, Account.customer_id == Customer.id)
            .where(Account.account_no == account_no)
        ).scalar_one()
    return phone[-4:]


def test_widget_files_are_served(servers, browser_ready):
    page = requests.get(f"{servers['rasa']}/webchat/", timeout=10)
    assert page.status_code == 200 and '/webchat/widget.js' in page.text
    bundle = requests.get(f"{servers['rasa']}/webchat/widget.js", timeout=10)
    assert bundle.status_code == 200 and "javascript" in bundle.headers["content-type"]
    assert "fonts.googleapis" not in page.text


def test_socket_accepts_only_own_and_configured_origins(servers):
    handshake = f"{servers['rasa']}/webchat/socket.io/?EIO=4&transport=polling"
    own = requests.get(handshake, headers={"Origin": servers["rasa"]}, timeout=10)
    assert own.status_code == 200, own.text
    foreign = requests.get(handshake, headers={"Origin": "http://evil.example"}, timeout=10)
    assert foreign.status_code == 400


def test_widget_in_headless_chromium(servers, e2e_database, browser_ready):
    screenshots = PROJECT_DIR / "var" / "screenshots"
    env = dict(
        os.environ,
        WEBCHAT_URL=servers["rasa"],
        PHONE_LAST4=_phone_last4(e2e_database, "3100000002"),
        SCREENSHOT_DIR=str(screenshots),
        CHROMIUM=CHROMIUM,
    )
    started = time.monotonic()
    result = subprocess.run(
        ["node", "--test", "tests/"], cwd=WEB, env=env, capture_output=True, text=True, timeout=BROWSER_SECONDS
    )
    seconds = time.monotonic() - started
    print(f"browser test: {seconds:.1f}s\n{result.stdout[-4000:]}")
    assert result.returncode == 0, f"{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    for name in ("1-faq-answer.png", "2-account-lookup.png", "3-elder-mode.png", "4-after-reload.png",
                 "5-quick-reply-handoff.png"):
        assert (screenshots / name).stat().st_size > 10_000, name
