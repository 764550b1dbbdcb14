"""WeChat Official Account conversations against the running Rasa and action servers.

Requests are signed (and in safe mode encrypted) with wechatpy exactly as WeChat's server does; customer-service
messages go to the local WeChat API stand-in started by the `wechat_api` fixture (tests/e2e/conftest.py).
"""
from __future__ import annotations

import time
import uuid
from typing import Optional

import pytest
import requests
from sqlalchemy import select

from bot.channels.wechat import UNSUPPORTED_MESSAGE, WeChatInput
from bot.db.models import AuditEntry
from bot.db.session import make_engine, open_session
from tests.e2e.conftest import WECHAT_AES_KEY, WECHAT_APP_ID, WECHAT_TOKEN
from tests.e2e.test_rest_conversation import _phone_of
from tests.test_channel_wechat import WeChatClientSide, event_xml, image_xml, text_xml, voice_xml

pytestmark = pytest.mark.e2e


class ImpatientWeChatInput(WeChatInput):
    """The WeChat channel a second time, at /webhooks/wechat_slow/, registered by the e2e servers' credentials
    with a reply budget of 0 s: every answer goes out through the customer-service message API."""

    @classmethod
    def name(cls) -> str:
        return "wechat_slow"


def _client(servers, path: str = "wechat") -> WeChatClientSide:
    return WeChatClientSide(f"{servers['rasa']}/webhooks/{path}/webhook", WECHAT_TOKEN, WECHAT_AES_KEY, WECHAT_APP_ID)


def _openid() -> str:
    return "oE2E" + uuid.uuid4().hex[:24]


def _say(client: WeChatClientSide, wechat_api, openid: str, text: str, aes: bool = False,
         msg_id: Optional[int] = None) -> str:
    """The answer the user sees: the passive reply, or (when the server was slower than the budget) the
    customer-service messages that follow."""
    already = len(wechat_api.messages_to(openid))
    reply = client.reply(client.post(text_xml(openid, text, msg_id), aes=aes), aes=aes)
    if reply is not None:
        return reply["Content"]
    sent = wechat_api.wait_for_messages(openid, already + 1, timeout=30)[already:]
    return "\n".join(m["text"]["content"] for m in sent)


def test_url_verification_and_signature(servers):
    client = _client(servers)
    ok = requests.get(client.url, params=client.query(echostr="e2e-echo"), timeout=10)
    assert ok.status_code == 200 and ok.text == "e2e-echo"
    bad = client.query(echostr="e2e-echo")
    bad["signature"] = "0" * 40
    assert requests.get(client.url, params=bad, timeout=10).status_code == 403
    assert client.post(text_xml(_openid(), "你好"), query=bad).status_code == 403


def test_balance_lookup_over_plaintext(servers, wechat_api, e2e_database):
    client, openid = _client(servers), _openid()
    assert "户号" in _say(client, wechat_api, openid, "我家还欠多少钱")
    assert "后4位" in _say(client, wechat_api, openid, "3100000002")
    reply = _say(client, wechat_api, openid, _phone_of(e2e_database, "3100000002")[-4:])
    assert "1227.60" in reply, reply
    with open_session(make_engine(e2e_database)) as session:
        channels = session.execute(select(AuditEntry.channel).where(AuditEntry.conversation_id == openid)).scalars().all()
    assert channels and set(channels) == {"wechat"}


def test_safe_mode_round_trip(servers, wechat_api):
    client = _client(servers)
    reply = _say(client, wechat_api, _openid(), "为什么暖气费要按面积收", aes=True)
    assert "面积" in reply


def test_repeated_msg_id_is_processed_once(servers, wechat_api, e2e_database):
    client, openid = _client(servers), _openid()
    right = _phone_of(e2e_database, "3100000002")[-4:]
    wrong = "0000" if right != "0000" else "1111"
    _say(client, wechat_api, openid, "查询欠费")
    _say(client, wechat_api, openid, "3100000002")
    msg_id = int(time.time() * 1000)
    first = _say(client, wechat_api, openid, wrong, msg_id=msg_id)
    retry = _say(client, wechat_api, openid, wrong, msg_id=msg_id)  # WeChat's retry of the same message
    assert "不一致" in first and retry == first
    # Counted once: the next wrong attempt is the second failure, not the third (which would lock lookups).
    second = _say(client, wechat_api, openid, wrong)
    assert "不一致" in second and "暂停" not in second
    with open_session(make_engine(e2e_database)) as session:
        verifications = session.execute(
            select(AuditEntry.id).where(AuditEntry.conversation_id == openid, AuditEntry.action == "verify_phone")
        ).scalars().all()
    assert len(verifications) == 2


def test_subscribe_voice_and_image(servers, wechat_api):
    client, openid = _client(servers), _openid()
    welcome = client.reply(client.post(event_xml(openid, "subscribe"), aes=True), aes=True)["Content"]
    assert "欢迎关注" in welcome and "欠费" in welcome
    voice = client.reply(client.post(voice_xml(openid, "为什么暖气费要按面积收？")))
    answer = voice["Content"] if voice else "\n".join(
        m["text"]["content"] for m in wechat_api.wait_for_messages(openid, 1, timeout=30))
    assert "面积" in answer
    assert client.reply(client.post(image_xml(openid)))["Content"] == UNSUPPORTED_MESSAGE


def test_slow_answer_goes_out_as_service_message(servers, wechat_api):
    client, openid = _client(servers, "wechat_slow"), _openid()
    started = time.monotonic()
    response = client.post(text_xml(openid, "为什么暖气费要按面积收"), aes=True)
    assert response.text == "success" and time.monotonic() - started < 2.0
    sent = wechat_api.wait_for_messages(openid, 1, timeout=30)
    assert sent and sent[0]["msgtype"] == "text" and "面积" in sent[0]["text"]["content"]
    assert wechat_api.token_requests >= 1 and wechat_api.issued_tokens
