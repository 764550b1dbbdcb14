"""The web chat widget's channel: Rasa's socket.io channel plus the widget's own files, on the Rasa server.

Registered in credentials.yml as ``bot.channels.webchat.WebChatInput``. It serves

    /webchat/            a demo page that embeds the widget with its one script tag
    /webchat/widget.js   the widget bundle (built by ``npm run build`` in web/, see scripts/bootstrap.sh)
    /webchat/socket.io/  the socket.io endpoint the widget talks to (Rasa's SocketIOInput protocol)

so ``scripts/run.sh`` needs no other web server. Conversations keep their id across page reloads (session
persistence is always on: the id lives in the browser's localStorage); on reconnect the widget asks for ``history_request`` and gets the messages of the
current Rasa session back (nothing from an expired session, nothing from another channel's conversation).

Socket.io connections are accepted only from the server's own origin and the origins listed in CORS_ORIGINS
(comma- or space-separated), the same variable ``scripts/run.sh`` passes to ``rasa run --cors``.
Messages are recorded with ``input_channel = "webchat"``, so the audit trail shows where a lookup came from.
"""
from __future__ import annotations

import inspect
import json
import logging
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered, SessionStarted, UserUttered
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
WIDGET_BUNDLE = WEB_DIR / "dist" / "widget.js"
DEMO_PAGE = WEB_DIR / "demo" / "index.html"
SESSION_ID = re.compile(r"[0-9a-f]{32}")
MAX_MESSAGE_CHARS = 2000
# Rasa's default session length, used only when the domain cannot be read.
DEFAULT_SESSION_MINUTES = 60


def configured_origins(value: Optional[str] = None) -> List[str]:
    """Origins allowed to open the widget's socket, from CORS_ORIGINS ("*" allows any)."""
    raw = os.environ.get("CORS_ORIGINS", "") if value is None else value
    return [origin.rstrip("/") for origin in re.split(r"[,\s]+", raw) if origin]


def origin_allowed(origin: Optional[str], environ: Dict[str, Any], allowed: List[str]) -> bool:
    """Same-origin requests (the demo page) and the configured origins; a request without Origin is no browser's."""
    if not origin:
        return True
    origin = origin.rstrip("/")
    if "*" in allowed or origin in allowed:
        return True
    host = environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST", "")
    scheme = (environ.get("HTTP_X_FORWARDED_PROTO") or environ.get("wsgi.url_scheme", "http")).split(",")[0].strip()
    return bool(host) and origin == f"{scheme}://{host.split(',')[0].strip()}"


def history_messages(events: List[Any], now: float, session_minutes: float) -> List[Dict[str, Any]]:
    """The current session's user and bot messages, as the widget shows them; [] once the session has expired."""
    start = 0
    for index, event in enumerate(events):
        if isinstance(event, SessionStarted):
            start = index
    events = events[start:]
    if not events:
        return []
    if session_minutes > 0 and now - events[-1].timestamp > session_minutes * 60:
        return []  # the next message starts a new session; the old one is not shown again
    messages: List[Dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered) and event.text:
            shown = (event.metadata or {}).get("display") if isinstance(event.metadata, dict) else None
            messages.append({"role": "user", "text": shown or event.text})
        elif isinstance(event, BotUttered) and (event.text or event.data.get("buttons")):
            parts = [part for part in (event.text or "").strip().split("\n\n") if part] or [""]
            buttons = [
                {"title": button.get("title", ""), "payload": button.get("payload", "")}
                for button in (event.data.get("buttons") or [])
            ]
            for index, part in enumerate(parts):
                message: Dict[str, Any] = {"role": "bot", "text": part}
                if buttons and index == len(parts) - 1:
                    message["quick_replies"] = buttons
                messages.append(message)
    return messages


class WebChatInput(SocketIOInput):
    """Socket.io channel for the web widget, serving the widget and its demo page too."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", True),
            credentials.get("socketio_path", "/webchat/socket.io"),
            credentials.get("jwt_key"),
            credentials.get("jwt_method", "HS256"),
            credentials.get("metadata_key", "metadata"),
        )

    def url_prefix(self) -> Text:
        # Rasa mounts channels at urljoin("/webhooks/", prefix): an absolute prefix puts the widget at /webchat.
        return "/webchat"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Rasa's SocketIOInput registers the socket.io protocol (session_request, user_uttered) on self.sio;
        # its blueprint is replaced by one of our own name so a plain `socketio:` channel could coexist.
        super().blueprint(on_new_message)
        sio = self.sio
        allowed = configured_origins()
        sio.eio.cors_allowed_origins = lambda origin, environ: origin_allowed(origin, environ, allowed)
        webchat = SocketBlueprint(sio, self.socketio_path, "webchat", __name__)
        state: Dict[str, Sanic] = {}

        @webchat.listener("before_server_start")
        async def remember_app(app: Sanic, _loop: Any) -> None:
            state["app"] = app
            if not WIDGET_BUNDLE.exists():
                logger.warning("web chat widget not built (%s missing): run scripts/run.sh or npm run build in web/",
                               WIDGET_BUNDLE)

        @webchat.route("/", methods=["GET"])
        async def demo_page(_: Request) -> HTTPResponse:
            return await response.file(DEMO_PAGE, mime_type="text/html; charset=utf-8")

        @webchat.route("/health", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "widget_built": WIDGET_BUNDLE.exists()})

        # A route rather than blueprint.static(): static() decides file-or-directory when the server starts, so a
        # bundle built after start-up would never be served.
        @webchat.route("/widget.js", methods=["GET"])
        async def widget(_: Request) -> HTTPResponse:
            if not WIDGET_BUNDLE.is_file():
                return response.text(
                    "web chat widget not built: run scripts/run.sh (or npm ci && npm run build in web/)", status=404)
            return await response.file(WIDGET_BUNDLE, mime_type="application/javascript; charset=utf-8",
                                       headers={"Cache-Control": "no-cache"})

        # Rasa 3.6 calls sio.enter_room() without awaiting it; python-socketio 5.x made it a coroutine, so the
        # socket never joined its conversation's room and bot replies (emitted to that room) went nowhere.
        # Also: a session id is ours only if it looks like one we hand out (not, say, another channel's sender id).
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = (data or {}).get("session_id")
            if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
                session_id = uuid.uuid4().hex
            entered = sio.enter_room(sid, session_id, namespace=self.namespace)
            if inspect.isawaitable(entered):
                await entered
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        def joined(sid: Text, session_id: Any) -> bool:
            return isinstance(session_id, str) and session_id in sio.rooms(sid, namespace=self.namespace)

        # Rasa's handler accepts any session_id: a socket could write into a conversation it never joined.
        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Dict) -> None:
            session_id = (data or {}).get("session_id")
            if not joined(sid, session_id):
                logger.warning("webchat message ignored: socket %s has not joined session %r", sid, session_id)
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            if not isinstance(metadata, dict):
                metadata = {}
            text = str(data.get("message", ""))[:MAX_MESSAGE_CHARS]
            await on_new_message(UserMessage(text, SocketIOOutput(sio, self.bot_message_evt), session_id,
                                             input_channel=self.name(), metadata=metadata))

        @sio.on("history_request", namespace=self.namespace)
        async def history_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = (data or {}).get("session_id")
            # Only a socket that has joined the conversation (session_request) may read it back.
            if not joined(sid, session_id):
                await sio.emit("history", [], room=sid, namespace=self.namespace)
                return
            messages: List[Dict[str, Any]] = []
            agent = getattr(state.get("app").ctx, "agent", None) if state.get("app") else None
            if agent is not None and agent.tracker_store is not None:
                tracker = await agent.tracker_store.retrieve(session_id)
                if tracker is not None and tracker.get_latest_input_channel() in (None, self.name()):
                    minutes = DEFAULT_SESSION_MINUTES
                    if agent.domain is not None:
                        minutes = agent.domain.session_config.session_expiration_time
                    messages = history_messages(list(tracker.events), time.time(), minutes)
            await sio.emit("history", messages, room=sid, namespace=self.namespace)

        return webchat
