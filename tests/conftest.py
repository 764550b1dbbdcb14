"""Shared fixtures: real databases built with the project's own migrations.

`engine` is a fresh SQLite file per test (copied from one migrated template, so it is fast) and, when a
PostgreSQL server answers on DATABASE_TEST_PG_URL (default: the local trust-auth server), the same test runs
again on PostgreSQL against a database created for this test session and emptied after each test.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid

import pytest
from sqlalchemy import text

from bot.db import migrate
from bot.db.models import Base
from bot.db.session import make_engine
from bot.policy import default_policy

PG_ADMIN_URL = os.environ.get("DATABASE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
AS_OF = dt.date(2026, 11, 26)  # fixed "today" of the demo data in tests


@pytest.fixture(scope="session")
def policy():
    return default_policy()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "billing.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


def _postgres_available() -> bool:
    try:
        engine = make_engine(PG_ADMIN_URL, timeout_seconds=2)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_url():
    if not _postgres_available():
        pytest.skip("no PostgreSQL server reachable at DATABASE_TEST_PG_URL")
    name = f"heating_test_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    migrate.upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "billing.db"
        shutil.copy(sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    yield engine
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path, sqlite_template):
    """SQLite only, for tests that exercise the actions and need no second backend."""
    path = tmp_path / "billing.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()
