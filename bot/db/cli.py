"""`python -m bot db …`: create/migrate the billing database."""
from __future__ import annotations

from bot.db import migrate
from bot.settings import VAR_DIR, Settings


def register(subparsers) -> None:
    parser = subparsers.add_parser("db", help="billing database")
    sub = parser.add_subparsers(dest="db_command", required=True)
    up = sub.add_parser("upgrade", help="create or migrate the database to the latest schema")
    up.set_defaults(func=_upgrade)
    rev = sub.add_parser("revision", help="(developers) autogenerate a migration from the models")
    rev.add_argument("message")
    rev.set_defaults(func=_revision)


def _database_url() -> str:
    url = Settings.from_env().database_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////tmp"):
        VAR_DIR.mkdir(exist_ok=True)
    return url


def _upgrade(args) -> int:
    url = _database_url()
    migrate.upgrade(url)
    print(f"database at head: {_redact(url)}")
    return 0


def _revision(args) -> int:
    migrate.revision(_database_url(), args.message)
    return 0


def _redact(url: str) -> str:
    """Hide a password in a URL before printing it."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
