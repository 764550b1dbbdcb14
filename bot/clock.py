"""The one clock of the assistant: today's date in the company's time zone.

BOT_TODAY=YYYY-MM-DD pins it (demos, tests, the e2e servers); everything that needs "today" asks here.
"""
from __future__ import annotations

import datetime as dt
import os

from bot.settings import TIMEZONE


def today() -> dt.date:
    pinned = os.environ.get("BOT_TODAY")
    return dt.date.fromisoformat(pinned) if pinned else dt.datetime.now(TIMEZONE).date()


def now() -> dt.datetime:
    """Now, on the (possibly pinned) date of today(), at the current wall-clock time."""
    return dt.datetime.combine(today(), dt.datetime.now(TIMEZONE).timetz())
