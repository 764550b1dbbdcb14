"""Settings read from the environment, with defaults that run the bundled demo on one machine.

Nothing here touches the disk or the network at import time; callers ask for what they need.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_DIR = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = PROJECT_DIR / "knowledge"
VAR_DIR = PROJECT_DIR / "var"  # generated: demo database, logs (git-ignored)

TIMEZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Settings:
    database_url: str
    db_timeout_seconds: float
    action_timeout_seconds: float

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            database_url=os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'billing.db'}",
            db_timeout_seconds=float(os.environ.get("DB_TIMEOUT_SECONDS", "5")),
            action_timeout_seconds=float(os.environ.get("ACTION_TIMEOUT_SECONDS", "8")),
        )
