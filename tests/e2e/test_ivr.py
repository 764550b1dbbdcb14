"""Phone calls through the IVR channel against the running Rasa and action servers."""
from __future__ import annotations

import re
import uuid
from typing import Any, Dict

import pytest
import requests
from sqlalchemy import select

from bot.channels.ivr import REPEAT_LOW_CONFIDENCE
from bot.db.models import AuditEntry
from bot.db.session import make_engine, open_session
from tests.e2e.conftest import IVR_TOKEN
from tests.e2e.test_rest_conversation import _phone_of

pytestmark = pytest.mark.e2e


def _turn(servers, body: Dict[str, Any], token: str = IVR_TOKEN) -> requests.Response:
    return requests.post(f"{servers['rasa']}/webhooks/ivr/turn", json=body, headers={"X-IVR-Token": token}, timeout=30)


def _speak(servers, call_id: str, **fields: Any) -> Dict[str, Any]:
    response = _turn(servers, {"call_id": call_id, "caller": "13800138000", "dialled": "96069", **fields})
    assert response.status_code == 200, response.text
    return response.json()


def test_shared_secret_is_required(servers):
    body = {"call_id": "auth", "asr": {"text": "你好", "confidence": 0.9}}
    assert _turn(servers, body, token="wrong").status_code == 401
    assert _turn(servers, body).status_code == 200


def test_low_confidence_asks_to_repeat(servers):
    answer = _speak(servers, uuid.uuid4().hex, asr={"text": "我家还欠多少钱", "confidence": 0.2})
    assert answer["text"] == REPEAT_LOW_CONFIDENCE and answer["repeat"] is True


def test_balance_by_keypad_is_spoken_in_words(servers, e2e_database):
    call_id = uuid.uuid4().hex
    first = _speak(servers, call_id, asr={"text": "我家还欠多少钱", "confidence": 0.9})
    assert "户号" in first["text"] and first["expect_dtmf"]["max_digits"] == 10
    second = _speak(servers, call_id, dtmf="3100000002#")
    assert "后四位" in second["text"]
    assert second["expect_dtmf"]["max_digits"] == 4
    third = _speak(servers, call_id, dtmf=_phone_of(e2e_database, "3100000002")[-4:] + "#")
    assert "一千二百二十七元六角" in third["text"], third["text"]
    assert not re.search(r"[0-9*%×=]", third["text"]), third["text"]
    assert third["expect_dtmf"] is None and third["hangup"] is False
    with open_session(make_engine(e2e_database)) as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.channel).where(AuditEntry.conversation_id == f"ivr-{call_id}")
        ).all()
    assert {"lookup_account", "verify_phone", "read_balance"} <= {action for action, _ in rows}
    assert {channel for _, channel in rows} == {"ivr"}


def test_transcript_becomes_history(servers, e2e_database):
    call_id = uuid.uuid4().hex
    headers = {"X-IVR-Token": IVR_TOKEN}
    transcript = {"call_id": call_id, "caller": "13800138000", "turns": [
        {"speaker": "ivr", "text": "您好，欢迎致电示例热力。查询欠费请按1，政策咨询请按2。"},
        {"speaker": "caller", "dtmf": "2"},
        {"speaker": "ivr", "text": "请说出您的问题。"},
        {"speaker": "caller", "text": "我想问一下暖气费的事", "confidence": 0.8},
        {"speaker": "ivr", "text": "正在为您转接智能客服。"},
    ]}
    base = f"{servers['rasa']}/webhooks/ivr"
    assert requests.post(f"{base}/transcript", json=transcript, timeout=30).status_code == 401
    recorded = requests.post(f"{base}/transcript", json=transcript, headers=headers, timeout=30)
    assert recorded.status_code == 200 and recorded.json()["turns_recorded"] == 5
    # The assistant takes over; the transcript does not confuse the dialogue.
    answer = _speak(servers, call_id, asr={"text": "我家还欠多少钱", "confidence": 0.9})
    assert "户号" in answer["text"]
    assert "后四位" in _speak(servers, call_id, dtmf="3100000002")["text"]
    final = _speak(servers, call_id, dtmf=_phone_of(e2e_database, "3100000002")[-4:])
    assert "一千二百二十七元六角" in final["text"]
    history = requests.get(f"{base}/calls/{call_id}/history", headers=headers, timeout=30).json()["turns"]
    assert [(t["role"], t["text"]) for t in history[:5]] == [
        ("ivr", "您好，欢迎致电示例热力。查询欠费请按1，政策咨询请按2。"), ("caller", "2"), ("ivr", "请说出您的问题。"),
        ("caller", "我想问一下暖气费的事"), ("ivr", "正在为您转接智能客服。")]
    assert {t["source"] for t in history[:5]} == {"ivr_transcript"}
    assert history[5]["role"] == "caller" and history[5]["text"] == "我家还欠多少钱"
    assert history[6]["role"] == "assistant" and "户号" in history[6]["text"]
    assert "1227.60" in history[-1]["text"]  # the history keeps the chat text; the caller heard it in words
