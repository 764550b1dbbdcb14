"""What the WeChat and IVR channels share: numbered menus for buttons, a TTL cache, the agent of the server.

Neither WeChat text nor a phone call can show buttons, so a bot message's buttons become numbered choices
("1. 转人工" in WeChat, "请说转人工或按1" on the phone). When the user then answers with just that number, the
channel sends the button's payload instead; the buttons are read back from the conversation's tracker (the
last bot message), so this works in any number of server processes sharing a tracker store.
"""
from __future__ import annotations

import re
import time
from collections import OrderedDict
from typing import Any, Dict, Generic, List, Optional, Sequence, TypeVar

from rasa.shared.core.events import BotUttered, UserUttered

V = TypeVar("V")
_CHOICE = re.compile(r"^\s*(\d)\s*[#.。]?\s*$")


class TTLCache(Generic[V]):
    """A small in-process map whose entries expire after `ttl` seconds (oldest dropped past `max_size`)."""

    def __init__(self, ttl: float, max_size: int = 10000) -> None:
        self.ttl = ttl
        self.max_size = max_size
        self._items: "OrderedDict[str, tuple[float, V]]" = OrderedDict()

    def _purge(self, now: float) -> None:
        while self._items:
            key, (expires, _) = next(iter(self._items.items()))
            if expires > now and len(self._items) <= self.max_size:
                break
            self._items.popitem(last=False)

    def get(self, key: str) -> Optional[V]:
        now = time.monotonic()
        self._purge(now)
        item = self._items.get(key)
        return item[1] if item and item[0] > now else None

    def set(self, key: str, value: V) -> None:
        now = time.monotonic()
        self._items.pop(key, None)
        self._items[key] = (now + self.ttl, value)
        self._purge(now)

    def __len__(self) -> int:
        self._purge(time.monotonic())
        return len(self._items)


def buttons_of(messages: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """All buttons of the collected bot messages, in order."""
    found: List[Dict[str, Any]] = []
    for message in messages:
        found.extend(b for b in (message.get("buttons") or []) if isinstance(b, dict))
    return found


def numbered_menu(buttons: Sequence[Dict[str, Any]]) -> str:
    """WeChat text for buttons: 回复数字选择：\n1. 转人工"""
    if not buttons:
        return ""
    lines = [f"{index}. {button.get('title') or button.get('payload')}" for index, button in enumerate(buttons, 1)]
    return "回复数字选择：\n" + "\n".join(lines)


def last_bot_buttons(events: Sequence[Any]) -> List[Dict[str, Any]]:
    """Buttons of the bot's last turn (after the last user message), or [] when it had none."""
    buttons: List[Dict[str, Any]] = []
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            buttons = list(event.data.get("buttons") or []) + buttons
    return buttons


def resolve_choice(text: str, buttons: Sequence[Dict[str, Any]]) -> Optional[str]:
    """The payload of button N when the user answered just "N" to a menu, else None."""
    match = _CHOICE.match(text or "")
    if not match or not buttons:
        return None
    index = int(match.group(1))
    if 1 <= index <= len(buttons):
        return buttons[index - 1].get("payload") or buttons[index - 1].get("title")
    return None


async def tracker_events(app: Any, conversation_id: str) -> List[Any]:
    """The stored events of a conversation, read through the Rasa server's agent (app.ctx.agent); [] without one."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return []
    tracker = await store.retrieve(conversation_id)
    return list(tracker.events) if tracker is not None else []


async def menu_payload(app: Any, conversation_id: str, text: str) -> Optional[str]:
    """The payload to send instead of `text` when it picks an entry of the bot's last menu."""
    if not _CHOICE.match(text or ""):
        return None
    return resolve_choice(text, last_bot_buttons(await tracker_events(app, conversation_id)))
