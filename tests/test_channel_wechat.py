"""The WeChat channel over real HTTP: a Sanic app with the channel's blueprint and a stand-in assistant.

Requests are built the way WeChat's server builds them, with wechatpy (signatures, safe-mode encryption); the
customer-service message API is a local stand-in (bot.channels.wechat_stub) that issues tokens and records sends.
"""
from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
import uuid
from typing import Any, Dict, List, Optional

import pytest
import requests
import xmltodict
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from bot.channels.wechat import (
    MAX_TEXT_BYTES, UNSUPPORTED_MESSAGE, VOICE_NOT_RECOGNISED, WeChatConfig, WeChatInput, render_messages,
    split_text,
)
from bot.channels.wechat_stub import WeChatApiStub

TOKEN = "unit-test-token"
APP_ID = "wx0123456789abcdef"
APP_SECRET = "unit-test-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat's console makes them
OFFICIAL_ACCOUNT = "gh_0123456789ab"
_msg_ids = itertools.count(int(time.time() * 1000))
_app_names = itertools.count()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def text_xml(openid: str, content: str, msg_id: Optional[int] = None) -> str:
    return (f"<xml><ToUserName><![CDATA[{OFFICIAL_ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or next(_msg_ids)}</MsgId></xml>")


def voice_xml(openid: str, recognition: Optional[str]) -> str:
    recognised = f"<Recognition><![CDATA[{recognition}]]></Recognition>" if recognition is not None else ""
    return (f"<xml><ToUserName><![CDATA[{OFFICIAL_ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[voice]]></MsgType>"
            f"<MediaId><![CDATA[media1]]></MediaId><Format><![CDATA[amr]]></Format>{recognised}"
            f"<MsgId>{next(_msg_ids)}</MsgId></xml>")


def image_xml(openid: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{OFFICIAL_ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[image]]></MsgType>"
            f"<PicUrl><![CDATA[http://example.invalid/a.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId>"
            f"<MsgId>{next(_msg_ids)}</MsgId></xml>")


def event_xml(openid: str, event: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{OFFICIAL_ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event></xml>")


class WeChatClientSide:
    """Sends what WeChat's server would send to a channel URL, and reads the replies."""

    def __init__(self, url: str, token: str = TOKEN, aes_key: str = AES_KEY, app_id: str = APP_ID) -> None:
        self.url, self.token = url, token
        self.crypto = WeChatCrypto(token, aes_key, app_id)

    def query(self, timestamp: Optional[str] = None, nonce: Optional[str] = None, **extra: str) -> Dict[str, str]:
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or uuid.uuid4().hex[:10]
        return {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}

    def post(self, xml: str, aes: bool = False, query: Optional[Dict[str, str]] = None,
             timeout: float = 30) -> requests.Response:
        query = query or self.query()
        if aes:
            encrypted = self.crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
            envelope = xmltodict.parse(encrypted)["xml"]
            query = {**query, "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
            body = encrypted.encode()
        else:
            body = xml.encode()
        return requests.post(self.url, params=query, data=body, timeout=timeout,
                             headers={"Content-Type": "text/xml"})

    def reply(self, response: requests.Response, aes: bool = False) -> Optional[Dict[str, Any]]:
        """The passive reply as a dict, or None for `success`."""
        assert response.status_code == 200, response.text
        if response.text == "success":
            return None
        xml = response.text
        if aes:
            envelope = xmltodict.parse(xml)["xml"]
            xml = self.crypto.decrypt_message(xml, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
        return xmltodict.parse(xml)["xml"]


class FakeAssistant:
    """Stands in for Rasa: answers "回声：<text>", with an optional delay and buttons; records what it got."""

    def __init__(self) -> None:
        self.received: List[UserMessage] = []
        self.delay = 0.0
        self.buttons: List[Dict[str, str]] = []
        self.long_answer = False

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        await asyncio.sleep(self.delay)
        if self.long_answer:
            for line in range(60):
                await message.output_channel.send_text_message(message.sender_id, f"第{line}行：" + "热" * 30)
            return
        await message.output_channel.send_text_message(message.sender_id, f"回声：{message.text}\n\n第二条消息")
        if self.buttons:
            await message.output_channel.send_text_with_buttons(message.sender_id, "请选择：", self.buttons)


class ChannelServer:
    """A Sanic app serving one channel blueprint on a free port, in a thread of its own."""

    def __init__(self, channel: Any, assistant: Any) -> None:
        # Sanic 21.12 rewrites its request handling methods when an app starts ("touch-up"); in test mode it
        # keeps the originals, so several apps can start in one process, as sanic-testing does.
        Sanic.test_mode = True
        self.app = Sanic(f"channel_test_{next(_app_names)}")
        self.prefix = f"/webhooks/{channel.url_prefix()}"
        self.app.blueprint(channel.blueprint(assistant), url_prefix=self.prefix)
        self.port = _free_port()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def start() -> Any:
            server = await self.app.create_server(host="127.0.0.1", port=self.port, return_asyncio_server=True,
                                                  access_log=False)
            await server.startup()
            await server.start_serving()
            return server

        self.server = self.loop.run_until_complete(start())
        self.ready.set()
        self.loop.run_forever()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    @property
    def url(self) -> str:
        return self.base + "/webhook"

    def start(self) -> "ChannelServer":
        self.thread.start()
        assert self.ready.wait(20)
        return self

    def stop(self) -> None:
        async def close() -> None:
            self.server.close()
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def wechat_api():
    with WeChatApiStub(APP_ID, APP_SECRET) as stub:
        yield stub


def _channel(wechat_api: WeChatApiStub, **overrides: Any) -> WeChatInput:
    settings = dict(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, aes_key=AES_KEY, reply_budget_seconds=3.0,
                    api_base_url=wechat_api.base_url, api_timeout_seconds=3.0)
    settings.update(overrides)
    return WeChatInput(WeChatConfig(**settings))


@pytest.fixture
def served(wechat_api):
    """(client side, fake assistant, channel) for a channel with a 3-second reply budget."""
    assistant = FakeAssistant()
    channel = _channel(wechat_api)
    server = ChannelServer(channel, assistant).start()
    yield WeChatClientSide(server.url), assistant, channel
    server.stop()


def _openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


# --- URL verification and signatures -------------------------------------------------------------------------

def test_url_verification_echoes_echostr(served):
    client, assistant, _ = served
    response = requests.get(client.url, params=client.query(echostr="1234567890123456789"), timeout=10)
    assert response.status_code == 200 and response.text == "1234567890123456789"


def test_bad_signature_is_rejected(served):
    client, assistant, _ = served
    query = client.query(echostr="x")
    query["signature"] = "0" * 40
    assert requests.get(client.url, params=query, timeout=10).status_code == 403
    assert client.post(text_xml(_openid(), "你好"), query=query).status_code == 403
    wrong_token = WeChatClientSide(client.url, token="not-the-token")
    assert wrong_token.post(text_xml(_openid(), "你好")).status_code == 403
    assert assistant.received == []


def test_safe_mode_with_bad_msg_signature_is_rejected(served):
    client, assistant, _ = served
    query = client.query()
    encrypted = client.crypto.encrypt_message(text_xml(_openid(), "你好"), query["nonce"], query["timestamp"])
    response = requests.post(client.url, params={**query, "encrypt_type": "aes", "msg_signature": "f" * 40},
                             data=encrypted.encode(), timeout=10)
    assert response.status_code == 403 and assistant.received == []


def test_oversized_and_malformed_bodies_are_refused(served):
    client, assistant, _ = served
    assert client.post("<xml>" + "x" * 70000 + "</xml>").status_code == 413
    assert client.post("not xml at all").status_code == 400
    assert assistant.received == []


def test_unconfigured_channel_answers_503(wechat_api):
    server = ChannelServer(WeChatInput(WeChatConfig()), FakeAssistant()).start()
    try:
        client = WeChatClientSide(server.url)
        assert requests.get(client.url, params=client.query(echostr="x"), timeout=10).status_code == 503
        assert client.post(text_xml(_openid(), "你好")).status_code == 503
    finally:
        server.stop()


# --- messages --------------------------------------------------------------------------------------------------

def test_plaintext_round_trip(served):
    client, assistant, _ = served
    openid = _openid()
    reply = client.reply(client.post(text_xml(openid, "我 家 还欠多少钱")))
    assert reply["ToUserName"] == openid and reply["FromUserName"] == OFFICIAL_ACCOUNT
    assert reply["MsgType"] == "text"
    # Normalised text reaches the assistant; its messages are joined into one passive reply.
    assert reply["Content"] == "回声：我家还欠多少钱\n\n第二条消息"
    message = assistant.received[0]
    assert message.sender_id == openid and message.input_channel == "wechat"
    assert message.metadata["wechat"]["msg_type"] == "text"


def test_safe_mode_round_trip(served):
    client, assistant, _ = served
    openid = _openid()
    response = client.post(text_xml(openid, "滞纳金怎么算"), aes=True)
    assert "<Encrypt>" in response.text and "滞纳金" not in response.text
    reply = client.reply(response, aes=True)
    assert reply["ToUserName"] == openid and reply["Content"].startswith("回声：滞纳金怎么算")


def test_repeated_msg_id_is_answered_once(served):
    client, assistant, _ = served
    openid, msg_id = _openid(), next(_msg_ids)
    first = client.reply(client.post(text_xml(openid, "你好", msg_id)))
    again = client.reply(client.post(text_xml(openid, "你好", msg_id)))
    # WeChat retries only when our reply did not reach it, so the same reply goes out again, unprocessed.
    assert again["Content"] == first["Content"]
    assert len(assistant.received) == 1


def test_retries_during_processing_share_one_answer(served):
    client, assistant, _ = served
    assistant.delay = 1.0
    openid, msg_id = _openid(), next(_msg_ids)
    results: List[requests.Response] = []
    threads = [threading.Thread(target=lambda: results.append(client.post(text_xml(openid, "你好", msg_id))))
               for _ in range(3)]
    for thread in threads:
        thread.start()
        time.sleep(0.1)
    for thread in threads:
        thread.join(20)
    assert len(assistant.received) == 1
    assert [client.reply(r)["Content"] for r in results] == ["回声：你好\n\n第二条消息"] * 3


def test_subscribe_gets_a_welcome(served):
    client, assistant, _ = served
    reply = client.reply(client.post(event_xml(_openid(), "subscribe")))
    assert "欢迎关注" in reply["Content"] and "欠费" in reply["Content"] and "96069" in reply["Content"]
    assert client.reply(client.post(event_xml(_openid(), "unsubscribe"))) is None
    assert assistant.received == []


def test_voice_uses_recognition(served):
    client, assistant, _ = served
    reply = client.reply(client.post(voice_xml(_openid(), "我家还欠多少钱。")))
    assert reply["Content"].startswith("回声：我家还欠多少钱")
    assert assistant.received[0].metadata["wechat"]["msg_type"] == "voice"


def test_voice_without_recognition_asks_again(served):
    client, assistant, _ = served
    assert client.reply(client.post(voice_xml(_openid(), None)))["Content"] == VOICE_NOT_RECOGNISED
    assert client.reply(client.post(voice_xml(_openid(), "")))["Content"] == VOICE_NOT_RECOGNISED
    assert assistant.received == []


def test_image_gets_a_polite_text(served):
    client, assistant, _ = served
    assert client.reply(client.post(image_xml(_openid())))["Content"] == UNSUPPORTED_MESSAGE
    assert client.reply(client.post(image_xml(_openid()), aes=True), aes=True)["Content"] == UNSUPPORTED_MESSAGE
    assert assistant.received == []


def test_buttons_become_a_numbered_menu(served):
    client, assistant, _ = served
    assistant.buttons = [{"title": "转人工", "payload": "/request_human"}, {"title": "取消", "payload": "/cancel"}]
    content = client.reply(client.post(text_xml(_openid(), "查询欠费")))["Content"]
    assert content.endswith("请选择：\n\n回复数字选择：\n1. 转人工\n2. 取消")


# --- slow path: customer-service messages -------------------------------------------------------------------

def test_slow_answer_goes_out_as_service_message(wechat_api):
    assistant = FakeAssistant()
    assistant.delay = 1.0
    server = ChannelServer(_channel(wechat_api, reply_budget_seconds=0.3), assistant).start()
    try:
        client = WeChatClientSide(server.url)
        openid = _openid()
        tokens_before = wechat_api.token_requests
        started = time.monotonic()
        response = client.post(text_xml(openid, "慢一点"), aes=True)
        assert response.text == "success" and time.monotonic() - started < 1.0
        sent = wechat_api.wait_for_messages(openid, 1, timeout=10)
        assert sent == [{"touser": openid, "msgtype": "text", "text": {"content": "回声：慢一点\n\n第二条消息"}}]
        # A second slow answer reuses the cached access token.
        client.post(text_xml(openid, "再来一次"))
        assert len(wechat_api.wait_for_messages(openid, 2, timeout=10)) == 2
        assert wechat_api.token_requests - tokens_before == 1
        # WeChat's retry of the first message is not answered again.
        assert len(assistant.received) == 2
    finally:
        server.stop()


def test_long_answer_is_split_into_service_messages(wechat_api):
    assistant = FakeAssistant()
    assistant.long_answer = True
    server = ChannelServer(_channel(wechat_api), assistant).start()
    try:
        client = WeChatClientSide(server.url)
        openid = _openid()
        assert client.post(text_xml(openid, "长")).text == "success"
        expected = split_text("\n\n".join(f"第{line}行：" + "热" * 30 for line in range(60)))
        sent = wechat_api.wait_for_messages(openid, len(expected), timeout=10)
        assert [m["text"]["content"] for m in sent] == expected and len(expected) >= 3
        assert all(len(m["text"]["content"].encode()) <= MAX_TEXT_BYTES for m in sent)
        assert "".join(m["text"]["content"] for m in sent).count("第") == 60
    finally:
        server.stop()


def _redis_url() -> Optional[str]:
    url = "redis://127.0.0.1:6379/15"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
        return url
    except Exception:
        return None


def test_redis_deduplicates_across_processes(wechat_api):
    url = _redis_url()
    if url is None:
        pytest.skip("no Redis at 127.0.0.1:6379")
    first, second = FakeAssistant(), FakeAssistant()
    servers = [ChannelServer(_channel(wechat_api, dedup_redis_url=url), a).start() for a in (first, second)]
    try:
        openid, msg_id = _openid(), next(_msg_ids)
        reply = WeChatClientSide(servers[0].url).reply(WeChatClientSide(servers[0].url).post(text_xml(openid, "你好", msg_id)))
        assert reply["Content"].startswith("回声：你好")
        retry = WeChatClientSide(servers[1].url).post(text_xml(openid, "你好", msg_id))
        assert retry.text == "success"
        assert len(first.received) == 1 and second.received == []
    finally:
        for server in servers:
            server.stop()


# --- pure helpers ----------------------------------------------------------------------------------------------

def test_config_reads_environment_and_credentials(monkeypatch):
    monkeypatch.setenv("WECHAT_TOKEN", "from-env")
    monkeypatch.setenv("WECHAT_APP_ID", "wxenv")
    monkeypatch.setenv("WECHAT_REPLY_BUDGET_SECONDS", "2")
    config = WeChatConfig.from_sources({"app_id": "wxcred"})
    assert (config.token, config.app_id, config.reply_budget_seconds) == ("from-env", "wxcred", 2.0)
    assert WeChatConfig.from_sources({"reply_budget_seconds": 1}).reply_budget_seconds == 1.0


def test_render_and_split():
    assert render_messages([{"text": "a"}, {"text": "b", "buttons": [{"title": "是", "payload": "/affirm"}]}]) \
        == "a\n\nb\n\n回复数字选择：\n1. 是"
    chunks = split_text("\n".join("行" * 100 for _ in range(30)))
    assert all(len(c.encode()) <= MAX_TEXT_BYTES for c in chunks) and len(chunks) == 5
    assert split_text("短") == ["短"]
    assert all(len(c.encode()) <= MAX_TEXT_BYTES for c in split_text("长" * 3000))
