"""Alembic environment: runs migrations online against the URL set by bot.db.migrate."""
from alembic import context
from sqlalchemy import pool

from bot.db.models import Base
from bot.db.session import make_engine

config = context.config


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch mode for ALTER
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
