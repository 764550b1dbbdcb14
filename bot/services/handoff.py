"""Handing a conversation over to a person: the record, the agent's summary, and its life cycle.

The summary is built from plain data (events and slots as dicts), so it works for any channel and is testable
without Rasa. Personal data in it is masked; the agent sees the full transcript on the staff page.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional

from sqlalchemy import case, select
from sqlalchemy.engine import Engine

from bot.db.models import Handoff
from bot.db.session import open_session
from bot.privacy import mask_account_no, mask_phone
from bot.services.audit import RequestContext, record
from bot.settings import TIMEZONE

LAST_TURNS = 10
# Slots that never go into a summary: verification input is not the agent's business.
PRIVATE_SLOTS = {"phone_last4", "holder_name", "requested_slot"}
REASONS = {"requested": "客户要求转人工", "misunderstood": "助手多次未能理解", "complaint": "投诉"}


class HandoffError(ValueError):
    """The handoff does not exist or is not in a state that allows the request."""


@dataclass(frozen=True)
class HandoffView:
    id: int
    reference: str
    conversation_id: str
    channel: str
    status: str
    reason: str
    urgency: str
    summary: Dict[str, Any]
    created_at: dt.datetime
    claimed_by: Optional[str]

    def as_json(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "reference": self.reference,
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "status": self.status,
            "reason": self.reason,
            "reason_text": REASONS.get(self.reason, self.reason),
            "urgency": self.urgency,
            "summary": self.summary,
            "created_at": self.created_at.isoformat(),
            "claimed_by": self.claimed_by,
        }


@dataclass
class ConversationFacts:
    """What the action knows about the conversation when it hands over."""

    conversation_id: str
    channel: str
    events: List[Dict[str, Any]]
    slots: Dict[str, Any]
    active_loop: Optional[str] = None
    caller_number: Optional[str] = None  # ANI on the phone channel
    metadata: Dict[str, Any] = field(default_factory=dict)


def _user_intents(events: List[Dict[str, Any]]) -> List[str]:
    return [e.get("parse_data", {}).get("intent", {}).get("name") or "" for e in events if e.get("event") == "user"]


def classify(facts: ConversationFacts) -> tuple[str, str]:
    """(reason, urgency): complaints are urgent; repeated misunderstanding and plain requests are not."""
    intents = _user_intents(facts.events)
    if any("complaint" in name for name in intents[-3:]):
        return "complaint", "high"
    streak = 0
    for name in reversed([n for n in intents if n != "request_human"]):
        if name != "nlu_fallback":
            break
        streak += 1
    return ("misunderstood" if streak >= 2 else "requested"), "normal"


def build_summary(facts: ConversationFacts, reason: str) -> Dict[str, Any]:
    turns = []
    intents = []
    for event in facts.events:
        kind = event.get("event")
        if kind == "user":
            name = event.get("parse_data", {}).get("intent", {}).get("name")
            if name:
                intents.append(name)
            turns.append({"who": "客户", "text": event.get("text") or ""})
        elif kind == "bot" and event.get("text"):
            turns.append({"who": "助手", "text": event["text"]})
    verified = facts.slots.get("verified_account")
    slots = {k: v for k, v in facts.slots.items() if v not in (None, "", [], False) and k not in PRIVATE_SLOTS}
    if verified:
        slots["verified_account"] = mask_account_no(verified)
    return {
        "channel": facts.channel,
        "caller": mask_phone(facts.caller_number) if facts.caller_number else facts.conversation_id[-8:],
        "verified_account": mask_account_no(verified) if verified else None,
        "intents": list(dict.fromkeys(intents))[-8:],
        "slots": slots,
        "open_request": facts.active_loop,
        "reason": reason,
        "reason_text": REASONS.get(reason, reason),
        "last_turns": turns[-LAST_TURNS:],
    }


def _reference(now: dt.datetime) -> str:
    return f"RG{now:%Y%m%d}{secrets.randbelow(10**6):06d}"


def _view(row: Handoff) -> HandoffView:
    return HandoffView(
        id=row.id,
        reference=row.reference,
        conversation_id=row.conversation_id,
        channel=row.channel,
        status=row.status,
        reason=row.reason,
        urgency=row.urgency,
        summary=json.loads(row.summary),
        created_at=row.created_at,
        claimed_by=row.claimed_by,
    )


def open_handoff(engine: Engine, facts: ConversationFacts) -> HandoffView:
    """Create the handoff, or return the one already waiting/active for this conversation."""
    reason, urgency = classify(facts)
    now = dt.datetime.now(TIMEZONE)
    with open_session(engine) as session, session.begin():
        existing = session.execute(
            select(Handoff).where(Handoff.conversation_id == facts.conversation_id, Handoff.status != "closed")
        ).scalar_one_or_none()
        if existing is not None:
            return _view(existing)
        row = Handoff(
            reference=_reference(now),
            conversation_id=facts.conversation_id,
            channel=facts.channel,
            status="waiting",
            reason=reason,
            urgency=urgency,
            summary=json.dumps(build_summary(facts, reason), ensure_ascii=False),
            created_at=now,
        )
        session.add(row)
        record(session, RequestContext(facts.conversation_id, facts.channel), "handoff_opened", "ok", detail=reason)
        session.flush()
        return _view(row)


def list_handoffs(engine: Engine, statuses: Iterable[str] = ("waiting", "active")) -> List[HandoffView]:
    """Open handoffs, urgent first, then oldest first."""
    with open_session(engine) as session:
        rows = session.execute(
            select(Handoff)
            .where(Handoff.status.in_(tuple(statuses)))
            .order_by(case((Handoff.urgency == "high", 0), else_=1), Handoff.created_at, Handoff.id)
        ).scalars()
        return [_view(row) for row in rows]


def get_handoff(engine: Engine, handoff_id: int) -> HandoffView:
    with open_session(engine) as session:
        row = session.get(Handoff, handoff_id)
        if row is None:
            raise HandoffError(f"handoff {handoff_id} not found")
        return _view(row)


def claim(engine: Engine, handoff_id: int, agent: str) -> HandoffView:
    """An agent takes the conversation (or keeps it: claiming one's own again is fine)."""
    with open_session(engine) as session, session.begin():
        row = session.get(Handoff, handoff_id, with_for_update=True)
        if row is None or row.status == "closed":
            raise HandoffError(f"handoff {handoff_id} is not open")
        if row.status == "active" and row.claimed_by not in (None, agent):
            raise HandoffError(f"handoff {handoff_id} is handled by {row.claimed_by}")
        row.status, row.claimed_by = "active", agent
        row.claimed_at = row.claimed_at or dt.datetime.now(TIMEZONE)
        record(session, RequestContext(row.conversation_id, row.channel), "handoff_claimed", "ok", detail=agent)
        session.flush()
        return _view(row)


def close(engine: Engine, handoff_id: int, agent: str) -> HandoffView:
    """The agent hands the conversation back to the assistant."""
    with open_session(engine) as session, session.begin():
        row = session.get(Handoff, handoff_id, with_for_update=True)
        if row is None or row.status == "closed":
            raise HandoffError(f"handoff {handoff_id} is not open")
        row.status, row.closed_at = "closed", dt.datetime.now(TIMEZONE)
        row.claimed_by = row.claimed_by or agent
        record(session, RequestContext(row.conversation_id, row.channel), "handoff_closed", "ok", detail=agent)
        session.flush()
        return _view(row)
