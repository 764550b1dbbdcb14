"""What every action shares: the services' dependencies, a timeout around blocking work, the fallback message.

Database work is synchronous (SQLAlchemy), so it runs in a worker thread with a deadline: the action server's
event loop keeps serving other conversations, and a stuck database produces an apology, not a hang.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.clock import now, today  # noqa: F401  (the actions' one clock)
from bot.db.session import get_engine
from bot.policy import Policy, default_policy
from bot.services.audit import RequestContext
from bot.settings import Settings

logger = logging.getLogger(__name__)
T = TypeVar("T")


class ServiceUnavailable(Exception):
    """The billing database did not answer in time or failed."""


def engine():
    return get_engine()


def policy() -> Policy:
    return default_policy()


def request_context(tracker: Tracker) -> RequestContext:
    channel = (tracker.get_latest_input_channel() or "unknown")
    return RequestContext(conversation_id=tracker.sender_id, channel=channel)


async def call_service(function: Callable[..., T], *args: Any) -> T:
    """Run a blocking service call in a thread, bounded by ACTION_TIMEOUT_SECONDS."""
    timeout = Settings.from_env().action_timeout_seconds
    try:
        return await asyncio.wait_for(asyncio.to_thread(function, *args), timeout=timeout)
    except asyncio.TimeoutError as exc:
        logger.error("service call %s timed out after %ss", getattr(function, "__name__", function), timeout)
        raise ServiceUnavailable() from exc
    except Exception as exc:  # the user gets an apology; the log gets the details
        logger.exception("service call %s failed", getattr(function, "__name__", function))
        raise ServiceUnavailable() from exc


def apologise(dispatcher: CollectingDispatcher) -> None:
    """The one message for any failure behind an action: clear, and with a way to a person."""
    hotline = policy().company.hotline
    dispatcher.utter_message(
        text=f"抱歉，系统暂时无法查询，请稍后再试。您也可以说“转人工”，或拨打服务热线 {hotline}。",
        buttons=[{"title": "转人工", "payload": "/request_human"}],
    )
