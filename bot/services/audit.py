"""Audit trail of account data access: every read, check or change is one row in audit_log."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

from sqlalchemy.orm import Session

from bot.db.models import AuditEntry
from bot.settings import TIMEZONE


@dataclass(frozen=True)
class RequestContext:
    """Who is asking: the conversation (sender id) and the channel it came in by."""

    conversation_id: Optional[str] = None
    channel: Optional[str] = None


def record(
    session: Session,
    context: RequestContext,
    action: str,
    outcome: str,
    account_id: Optional[int] = None,
    detail: Optional[str] = None,
) -> None:
    """Add an audit row to the caller's transaction (committed with the work it describes)."""
    session.add(
        AuditEntry(
            at=dt.datetime.now(TIMEZONE),
            conversation_id=context.conversation_id,
            channel=context.channel,
            account_id=account_id,
            action=action,
            outcome=outcome,
            detail=detail,
        )
    )
