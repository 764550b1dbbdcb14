"""WeChat Official Account (微信公众号) channel, built on wechatpy.

Registered in credentials.yml as ``bot.channels.wechat.WeChatInput``; WeChat's server URL is
``https://<host>/webhooks/wechat/webhook``.

- GET  /webhooks/wechat/webhook  URL verification: signature over (token, timestamp, nonce) → echo ``echostr``.
- POST /webhooks/wechat/webhook  messages and events, plaintext or safe mode (``encrypt_type=aes``: the body is
  decrypted with the EncodingAESKey after checking ``msg_signature``, and the reply is encrypted the same way).
  Any request whose signature does not verify gets 403.

The user's OpenID is the Rasa conversation id. WeChat waits 5 seconds for the passive reply and otherwise
retries (up to 3 times) with the same MsgId, so:

- each MsgId is processed once: repeats are recognised in a TTL cache (in process; with WECHAT_DEDUP_REDIS_URL
  the first claim is also made in Redis, which a deployment with several Rasa processes or hosts needs, since
  each retry may reach another process);
- the answer is returned as the passive reply when the assistant finishes within the reply budget
  (WECHAT_REPLY_BUDGET_SECONDS, default 4.5 s; 0 sends every answer by the API); otherwise the request is answered ``success`` at the budget and
  the answer goes out through the customer-service message API (客服消息) when it is ready. wechatpy fetches and
  caches the access token (in Redis too when configured, so processes share one token);
- buttons become a numbered text menu; the user answers with the number.

Secrets come from the environment (WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_AES_KEY) or from the
channel's entry in credentials.yml, which may reference them as ``${WECHAT_TOKEN}``; never commit them. Without
a token the endpoint answers 503, so the rest of the server runs without WeChat configured.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set, Text

import requests
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import parse_message
from wechatpy.client import WeChatClient
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot.channels.common import TTLCache, buttons_of, menu_payload, numbered_menu
from bot.text import normalize_text

logger = logging.getLogger(__name__)

WECHAT_API_BASE_URL = "https://api.weixin.qq.com/cgi-bin/"
# WeChat shows at most 2048 bytes of a text message; longer answers go out as several service messages.
MAX_TEXT_BYTES = 2048
SUCCESS = "success"  # "received, no passive reply" in WeChat's protocol
MAX_BODY_BYTES = 64 * 1024  # WeChat's messages are a few hundred bytes

VOICE_NOT_RECOGNISED = "抱歉，没能听清这条语音。请再说一遍，或直接输入文字。"
UNSUPPORTED_MESSAGE = (
    "收到啦。目前我只能读懂文字和语音消息，暂时看不了图片、视频、文件或位置。"
    "请用文字简单描述您的问题，例如“我家还欠多少钱”或“滞纳金怎么算”；需要人工服务请发送“转人工”。"
)
FAILURE_MESSAGE = "抱歉，系统暂时无法处理您的消息，请稍后再试。"


def welcome_message() -> str:
    """The answer to a new follower: who we are and what the assistant can do."""
    try:
        from bot.policy import default_policy

        company = default_policy().company
        name, hotline = company.name, company.hotline
    except Exception:  # the welcome must not fail because the policy file is broken
        logger.exception("policy not readable for the WeChat welcome")
        name, hotline = "热力公司", ""
    lines = [
        f"欢迎关注{name}！我是热力客服助手，可以帮您：",
        "1. 解答供暖收费政策：收费标准、滞纳金、报停、计量收费、减免和缴费方式；",
        "2. 查询户号的欠费和应缴金额（需先验证登记手机号后4位）；",
        "3. 需要时为您转人工服务。",
        "直接发文字或语音即可，例如“我家还欠多少钱”。",
    ]
    if hotline:
        lines.append(f"服务热线：{hotline}")
    return "\n".join(lines)


def _setting(credentials: Mapping[str, Any], key: str, env: str, default: Any = None) -> Any:
    value = credentials.get(key)
    if value in (None, ""):
        value = os.environ.get(env)
    return default if value in (None, "") else value


@dataclass(frozen=True)
class WeChatConfig:
    token: Optional[str] = None
    app_id: Optional[str] = None
    app_secret: Optional[str] = None
    aes_key: Optional[str] = None
    reply_budget_seconds: float = 4.5
    api_base_url: str = WECHAT_API_BASE_URL
    api_timeout_seconds: float = 5.0
    dedup_ttl_seconds: float = 60.0  # WeChat's retries come within ~15 s of the first delivery
    dedup_redis_url: Optional[str] = None

    @classmethod
    def from_sources(cls, credentials: Optional[Mapping[str, Any]] = None) -> "WeChatConfig":
        credentials = credentials or {}
        return cls(
            token=_setting(credentials, "token", "WECHAT_TOKEN"),
            app_id=_setting(credentials, "app_id", "WECHAT_APP_ID"),
            app_secret=_setting(credentials, "app_secret", "WECHAT_APP_SECRET"),
            aes_key=_setting(credentials, "aes_key", "WECHAT_AES_KEY"),
            reply_budget_seconds=float(_setting(credentials, "reply_budget_seconds", "WECHAT_REPLY_BUDGET_SECONDS", 4.5)),
            api_base_url=str(_setting(credentials, "api_base_url", "WECHAT_API_BASE_URL", WECHAT_API_BASE_URL)),
            api_timeout_seconds=float(_setting(credentials, "api_timeout_seconds", "WECHAT_API_TIMEOUT_SECONDS", 5.0)),
            dedup_ttl_seconds=float(_setting(credentials, "dedup_ttl_seconds", "WECHAT_DEDUP_TTL_SECONDS", 60.0)),
            dedup_redis_url=_setting(credentials, "dedup_redis_url", "WECHAT_DEDUP_REDIS_URL"),
        )


class _TimeoutSession(requests.Session):
    """requests.Session with a default timeout: wechatpy fetches the access token without one."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, **kwargs):  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, **kwargs)


class WeChatApiClient(WeChatClient):
    """wechatpy's client with a configurable API base (a local stand-in in tests) and timeouts on every call."""

    def __init__(self, appid: str, secret: str, api_base_url: str = WECHAT_API_BASE_URL, timeout: float = 5.0,
                 session: Any = None) -> None:
        super().__init__(appid, secret, session=session, timeout=timeout)
        self.API_BASE_URL = api_base_url.rstrip("/") + "/"
        self._http = _TimeoutSession(timeout)

    def fetch_access_token(self):
        # wechatpy hard-codes https://api.weixin.qq.com/cgi-bin/token here; use the configured base instead.
        return self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def render_messages(messages: List[Dict[str, Any]]) -> str:
    """Rasa's bot messages as one WeChat text: texts, images as links, buttons as a numbered menu."""
    parts = []
    for message in messages:
        if message.get("text"):
            parts.append(message["text"].strip())
        if message.get("image"):
            parts.append(str(message["image"]))
        if message.get("attachment"):
            parts.append(str(message["attachment"]))
    menu = numbered_menu(buttons_of(messages))
    if menu:
        parts.append(menu)
    return "\n\n".join(p for p in parts if p)


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> List[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut at line ends where possible."""
    chunks: List[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line.encode()) > limit:  # one very long line: cut by characters
            cut = len(line)
            while len(line[:cut].encode()) > limit:
                cut -= 1
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:]
        if len((current + line).encode()) > limit:
            chunks.append(current)
            current = ""
        current += line
    if current:
        chunks.append(current)
    return [c.strip() for c in chunks if c.strip()]


@dataclass
class _Delivery:
    """One WeChat message (MsgId) being answered; shared by WeChat's retries of it."""

    finished: asyncio.Event = field(default_factory=asyncio.Event)
    waiters: int = 0  # requests still inside their reply budget, able to carry a passive reply
    mode: Optional[str] = None  # "passive" (reply in an HTTP response) or "api" (customer-service message)
    reply: str = ""


class _RedisClaims:
    """First-delivery claims shared by all processes: SET key NX EX ttl."""

    def __init__(self, url: str, ttl: float) -> None:
        import redis.asyncio as redis_asyncio

        self.ttl = max(1, int(ttl))
        self.redis = redis_asyncio.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)

    async def claim(self, key: str) -> bool:
        try:
            return bool(await self.redis.set(f"wechat:msg:{key}", "1", nx=True, ex=self.ttl))
        except Exception:
            # Failing open answers a possible duplicate twice, which beats answering nothing.
            logger.exception("Redis unreachable for WeChat de-duplication; using the in-process cache only")
            return True


class WeChatInput(InputChannel):
    """Rasa input channel for a WeChat Official Account."""

    def __init__(self, config: Optional[WeChatConfig] = None) -> None:
        self.config = config or WeChatConfig.from_sources()
        self.crypto: Optional[WeChatCrypto] = None
        if self.config.token and self.config.aes_key and self.config.app_id:
            self.crypto = WeChatCrypto(self.config.token, self.config.aes_key, self.config.app_id)
        self.client: Optional[WeChatApiClient] = None
        if self.config.app_id and self.config.app_secret:
            token_storage = None
            if self.config.dedup_redis_url:
                import redis
                from wechatpy.session.redisstorage import RedisStorage

                token_storage = RedisStorage(redis.Redis.from_url(self.config.dedup_redis_url), prefix="wechatpy")
            self.client = WeChatApiClient(self.config.app_id, self.config.app_secret, self.config.api_base_url,
                                          self.config.api_timeout_seconds, session=token_storage)
        self.deliveries: TTLCache[_Delivery] = TTLCache(self.config.dedup_ttl_seconds)
        self.claims = _RedisClaims(self.config.dedup_redis_url, self.config.dedup_ttl_seconds) \
            if self.config.dedup_redis_url else None
        self._background: Set[asyncio.Task] = set()

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WeChatInput":
        return cls(WeChatConfig.from_sources(credentials))

    # --- protocol -------------------------------------------------------------------------------------------

    def _signature_ok(self, request: Request) -> bool:
        args = request.args
        try:
            check_signature(self.config.token, args.get("signature", ""), args.get("timestamp", ""),
                            args.get("nonce", ""))
            return True
        except InvalidSignatureException:
            return False

    def _reply(self, request: Request, message: Any, text: str) -> HTTPResponse:
        if not text:
            return response.text(SUCCESS)
        xml = TextReply(message=message, content=text).render()
        if request.args.get("encrypt_type") == "aes" and self.crypto is not None:
            xml = self.crypto.encrypt_message(xml, request.args.get("nonce", ""), request.args.get("timestamp"))
        return response.text(xml, content_type="application/xml; charset=utf-8")

    # --- answering ------------------------------------------------------------------------------------------

    async def _converse(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], app: Any, openid: str,
                        text: str, metadata: Dict[str, Any]) -> str:
        payload = await menu_payload(app, openid, text)
        if payload:
            metadata = {**metadata, "display": text}
        collector = CollectingOutputChannel()
        await on_new_message(UserMessage(payload or text, collector, openid, input_channel=self.name(),
                                         message_id=metadata.get("wechat", {}).get("msg_id"), metadata=metadata))
        return render_messages(collector.messages)

    async def _answer(self, delivery: _Delivery, answer: Awaitable[str], openid: str) -> None:
        try:
            text = await answer
        except Exception:
            logger.exception("WeChat message from %s failed", openid)
            text = FAILURE_MESSAGE
        if delivery.waiters > 0 and len(text.encode()) <= MAX_TEXT_BYTES:
            delivery.mode, delivery.reply = "passive", text
            delivery.finished.set()
            return
        delivery.mode = "api"
        delivery.finished.set()
        if text:
            await self.send_service_messages(openid, text)

    async def send_service_messages(self, openid: str, text: str) -> None:
        """Send `text` through the customer-service message API (in a thread: wechatpy is synchronous)."""
        if self.client is None:
            logger.error("answer for %s not delivered: WECHAT_APP_ID / WECHAT_APP_SECRET not set", openid)
            return
        for chunk in split_text(text):
            try:
                await asyncio.to_thread(self.client.message.send_text, openid, chunk)
            except Exception:
                logger.exception("customer-service message to %s failed", openid)
                return

    async def _deliver(self, key: str, started: float, start: Callable[[], Awaitable[str]], openid: str) -> str:
        """The passive reply for this request ("" = answer `success`), processing the message only once."""
        delivery = self.deliveries.get(key)
        if delivery is None:
            if self.claims is not None and not await self.claims.claim(key):
                return ""  # another process has this message; it answers
            delivery = _Delivery()
            self.deliveries.set(key, delivery)
            task = asyncio.create_task(self._answer(delivery, start(), openid))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        elif delivery.mode == "api":
            return ""  # a retry of a message answered (or being answered) by service message
        elif delivery.mode == "passive":
            return delivery.reply  # a retry: WeChat did not get our passive reply, so it is sent again
        if self.config.reply_budget_seconds <= 0:
            return ""  # a budget of 0 sends every answer as a customer-service message
        delivery.waiters += 1
        remaining = self.config.reply_budget_seconds - (time.monotonic() - started)
        try:
            await asyncio.wait_for(asyncio.shield(delivery.finished.wait()), timeout=max(remaining, 0))
        except asyncio.TimeoutError:
            pass
        finally:
            delivery.waiters -= 1
        return delivery.reply if delivery.mode == "passive" else ""

    # --- blueprint ------------------------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        wechat = Blueprint(f"{self.name()}_webhook", __name__)

        @wechat.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": bool(self.config.token),
                                  "safe_mode": self.crypto is not None, "service_messages": self.client is not None})

        @wechat.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if not self.config.token:
                return response.text("WeChat channel not configured (WECHAT_TOKEN)", status=503)
            if not self._signature_ok(request):
                return response.text("invalid signature", status=403)
            return response.text(request.args.get("echostr", ""))

        @wechat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            started = time.monotonic()
            if not self.config.token:
                return response.text("WeChat channel not configured (WECHAT_TOKEN)", status=503)
            if not self._signature_ok(request):
                return response.text("invalid signature", status=403)
            body = request.body or b""
            if len(body) > MAX_BODY_BYTES:
                return response.text("message too large", status=413)
            if request.args.get("encrypt_type") == "aes":
                if self.crypto is None:
                    logger.error("encrypted WeChat message but WECHAT_AES_KEY / WECHAT_APP_ID not set")
                    return response.text("safe mode not configured", status=503)
                try:
                    body = self.crypto.decrypt_message(body, request.args.get("msg_signature", ""),
                                                       request.args.get("timestamp", ""),
                                                       request.args.get("nonce", ""))
                except (InvalidSignatureException, InvalidAppIdException):
                    return response.text("invalid signature", status=403)
                except Exception:
                    logger.warning("undecryptable WeChat message", exc_info=True)
                    return response.text("bad request", status=400)
            try:
                message = parse_message(body)
            except Exception:
                logger.warning("unparseable WeChat message", exc_info=True)
                return response.text("bad request", status=400)
            if message is None:
                return response.text("bad request", status=400)
            return await self._handle(request, message, started, on_new_message)

        return wechat

    async def _handle(self, request: Request, message: Any, started: float,
                      on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        openid = message.source
        if message.type == "event":
            event = getattr(message, "event", "")
            if event in ("subscribe", "subscribe_scan"):
                return self._reply(request, message, welcome_message())
            return response.text(SUCCESS)  # unsubscribe, menu clicks, location reports …: nothing to say
        if message.type == "text":
            text = normalize_text(message.content or "")
        elif message.type == "voice":
            text = normalize_text(message.recognition or "")
            if not text:
                return self._reply(request, message, VOICE_NOT_RECOGNISED)
        else:
            return self._reply(request, message, UNSUPPORTED_MESSAGE)
        if not text:
            return response.text(SUCCESS)
        # Messages carry MsgId; WeChat's documentation says to de-duplicate anything else by sender + CreateTime.
        key = str(message.id) if message.id else f"{openid}:{message.time}"
        metadata = {"wechat": {"msg_id": str(message.id) if message.id else None, "msg_type": message.type,
                               "account": message.target}}
        reply = await self._deliver(
            key, started, lambda: self._converse(on_new_message, request.app, openid, text, metadata), openid
        )
        return self._reply(request, message, reply)
