"""Engines and sessions.

One engine per database URL per process (engines pool connections and are safe to share); never one Session
shared between requests: each unit of work opens its own `Session(engine)` and closes it.
"""
from __future__ import annotations

import warnings
from functools import lru_cache

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.settings import Settings

# SQLite has no DECIMAL type; the Numeric columns still return Decimals quantised to their scale.
warnings.filterwarnings("ignore", message="Dialect sqlite.*does \\*not\\* support Decimal", category=exc.SAWarning)


def make_engine(url: str, timeout_seconds: float = 5.0, **kwargs) -> Engine:
    """An engine whose connections give up instead of hanging: lock waits and statements have a timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, future=True, connect_args={"timeout": timeout_seconds}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql"):
        millis = int(timeout_seconds * 1000)
        connect_args = {"connect_timeout": max(1, int(timeout_seconds)), "options": f"-c statement_timeout={millis}"}
        return create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    return create_engine(url, future=True, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (actions) do not block the writer (staff tools)
    cursor.close()


@lru_cache(maxsize=None)
def _cached_engine(url: str, timeout_seconds: float) -> Engine:
    return make_engine(url, timeout_seconds)


def get_engine(settings: Settings | None = None) -> Engine:
    """The process-wide engine for the configured database, created on first use."""
    settings = settings or Settings.from_env()
    return _cached_engine(settings.database_url, settings.db_timeout_seconds)


def open_session(engine: Engine) -> Session:
    """A new 2.0-style Session for one unit of work; use it as a context manager and never share it."""
    return Session(engine, future=True)
