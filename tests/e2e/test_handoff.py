"""Human handoff through the running servers: the assistant pauses, an agent takes over in the staff console,
replies, and hands the conversation back."""
from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.e2e.conftest import STAFF_API_TOKEN, STAFF_NAME, STAFF_PASSWORD

pytestmark = pytest.mark.e2e
API = "/webhooks/staff/api"


def _say(servers, sender, text):
    reply = requests.post(f"{servers['rasa']}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30)
    reply.raise_for_status()
    return "\n".join(m.get("text", "") for m in reply.json())


def _api(servers, method, path, token=STAFF_API_TOKEN, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, f"{servers['rasa']}{API}{path}", headers=headers, timeout=30, **kwargs)


def test_handoff_round_trip(servers):
    sender = f"handoff-{uuid.uuid4().hex[:8]}"
    reply = _say(servers, sender, "我要找人工客服")
    reference = re.search(r"RG\d{14}", reply).group(0)
    assert "人工客服" in reply
    # The assistant is paused: what the customer writes now waits for the agent.
    assert _say(servers, sender, "我家暖气不热，想问问退费") == ""

    waiting = _api(servers, "GET", "/handoffs").json()["handoffs"]
    item = next(h for h in waiting if h["reference"] == reference)
    assert item["status"] == "waiting" and item["reason"] == "requested" and item["channel"] == "rest"
    detail = _api(servers, "GET", f"/handoffs/{item['id']}").json()
    assert [t["text"] for t in detail["transcript"] if t["who"] == "客户"][-1] == "我家暖气不热，想问问退费"

    sent = _api(servers, "POST", f"/handoffs/{item['id']}/reply", json={"text": "您好，我是客服小王，马上为您处理。"})
    assert sent.json() == {"status": "active", "delivered": False}  # REST cannot push; it is in the history
    detail = _api(servers, "GET", f"/handoffs/{item['id']}").json()
    assert detail["transcript"][-1] == {"who": "客服 api", "text": "您好，我是客服小王，马上为您处理。"}

    assert _api(servers, "POST", f"/handoffs/{item['id']}/release").json()["status"] == "closed"
    assert all(h["reference"] != reference for h in _api(servers, "GET", "/handoffs").json()["handoffs"])
    # Back with the assistant: it answers again.
    assert "滞纳金" in _say(servers, sender, "滞纳金怎么算")


def test_api_requires_a_token(servers):
    assert _api(servers, "GET", "/handoffs", token=None).status_code == 401
    assert _api(servers, "GET", "/handoffs", token="wrong").status_code == 401
    login = requests.post(f"{servers['rasa']}{API}/login", json={"name": STAFF_NAME, "password": "bad"}, timeout=10)
    assert login.status_code == 401


def test_staff_pages_need_sign_in(servers):
    sender = f"handoff-{uuid.uuid4().hex[:8]}"
    reference = re.search(r"RG\d{14}", _say(servers, sender, "转人工")).group(0)
    browser = requests.Session()
    page = browser.get(f"{servers['rasa']}/webhooks/staff/", timeout=10)
    assert "登录" in page.text and reference not in page.text
    bad = browser.post(f"{servers['rasa']}/webhooks/staff/login", data={"name": STAFF_NAME, "password": "x"}, timeout=10)
    assert bad.status_code == 401
    good = browser.post(
        f"{servers['rasa']}/webhooks/staff/login", data={"name": STAFF_NAME, "password": STAFF_PASSWORD}, timeout=10
    )
    assert good.status_code == 200 and reference in good.text and "待处理会话" in good.text
    assert good.headers["X-Frame-Options"] == "DENY"
    cookie = next(c for c in browser.cookies if c.name == "staff_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    handoff_id = re.search(rf'/webhooks/staff/handoffs/(\d+)">{reference}', good.text).group(1)
    detail = browser.get(f"{servers['rasa']}/webhooks/staff/handoffs/{handoff_id}", timeout=10)
    assert "会话摘要" in detail.text and "转人工" in detail.text
    browser.post(f"{servers['rasa']}/webhooks/staff/handoffs/{handoff_id}/release", timeout=10)
