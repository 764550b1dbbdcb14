"""Phone IVR channel: the telephony platform posts one call turn as JSON and gets back what to speak.

Registered in credentials.yml as ``bot.channels.ivr.IVRInput``. Endpoints (all need the shared secret IVR_TOKEN
in the ``X-IVR-Token`` header, or ``Authorization: Bearer …``; without IVR_TOKEN set they answer 503):

    POST /webhooks/ivr/turn                    one turn of a call → {"text": …, "expect_dtmf": …, "hangup": …}
    POST /webhooks/ivr/transcript              the IVR's own turns before the handoff, recorded as history
    GET  /webhooks/ivr/calls/<call_id>/history the call's turns (IVR transcript and assistant), for staff screens

A turn::

    {"call_id": "c-123", "caller": "13800138000", "dialled": "96069", "language": "zh-CN",
     "asr": {"text": "我家还欠多少钱", "confidence": 0.92}, "dtmf": "3100000002#", "event": "input"}

(``ani``/``dnis``/``asr_text``/``confidence`` are accepted as aliases; ``event`` is ``start`` when the call is
handed to the assistant, ``input`` (default) or ``hangup``). The conversation id is ``ivr-<call_id>``. DTMF
digits win over speech, so the caller can key in the 户号 and the 4 verification digits; a single digit picks an
entry of the last spoken menu. Speech below the ASR confidence threshold (IVR_ASR_MIN_CONFIDENCE, default 0.5) is
not sent to the assistant: the caller is asked to repeat. The caller number goes to the assistant as message
metadata (``caller_number``), for actions that pre-select the caller's accounts; verification is still required.

The answer is TTS-ready (bot.channels.speech_text): amounts, dates and numbers written as read aloud, no emoji,
links or markup, buttons as "请说…或按1". Hints: ``expect_dtmf`` (digits the next prompt expects), ``barge_in``,
``hangup`` (the assistant said goodbye), ``transfer_to_agent`` (the assistant handed over to a person),
``repeat`` (nothing was sent to the assistant; play the text and listen again).
"""
from __future__ import annotations

import hmac
import logging
import os
import re
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import buttons_of, last_bot_buttons, resolve_choice
from bot.channels.speech_text import speak_messages
from bot.text import normalize_text

logger = logging.getLogger(__name__)

CONVERSATION_PREFIX = "ivr-"
_CALL_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
# Slots the assistant asks for that the caller can key in, and how many digits they have.
DTMF_SLOTS = {"account_number": 10, "phone_last4": 4}
DTMF_TIMEOUT_SECONDS = 10
SUPPORTED_LANGUAGES = ("zh", "cmn", "yue")
MAX_TRANSCRIPT_TURNS = 200
MAX_TURN_CHARS = 1000

REPEAT_LOW_CONFIDENCE = "抱歉，我没有听清楚，请您再说一遍。也可以用电话按键输入数字。"
REPEAT_NO_INPUT = "抱歉，没有听到您的声音，请您再说一遍。"
UNSUPPORTED_LANGUAGE = "抱歉，智能客服目前只能用普通话为您服务，正在为您转接人工客服。"
KEYPAD_HINT = "您也可以在电话按键上输入，以井号键结束。"
FAILURE = "抱歉，系统暂时无法处理，请稍后再拨，或说转人工。"


class BadRequest(ValueError):
    """The telephony platform sent something this endpoint cannot use."""


def conversation_id(call_id: str) -> str:
    return CONVERSATION_PREFIX + call_id


def _first(payload: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if payload.get(key) not in (None, ""):
            return payload[key]
    return None


def _call_id(payload: Mapping[str, Any]) -> str:
    call_id = str(_first(payload, "call_id", "callId") or "").strip()
    if not _CALL_ID.match(call_id):
        raise BadRequest("call_id is required: 1-128 letters, digits or ._:@-")
    return call_id


def _phone(value: Any) -> Optional[str]:
    digits = re.sub(r"[^\d+]", "", str(value or ""))
    return digits or None


@dataclass(frozen=True)
class CallTurn:
    call_id: str
    caller: Optional[str] = None
    dialled: Optional[str] = None
    text: str = ""
    confidence: Optional[float] = None
    dtmf: str = ""
    language: Optional[str] = None
    event: str = "input"

    @property
    def conversation_id(self) -> str:
        return conversation_id(self.call_id)

    def metadata(self) -> Dict[str, Any]:
        """What the assistant's actions see of the call (tracker.latest_message["metadata"])."""
        return {
            "channel": "ivr",
            "call_id": self.call_id,
            "caller_number": self.caller,
            "dialled_number": self.dialled,
            "language": self.language,
            "input_mode": "dtmf" if self.dtmf else "speech",
            "asr_confidence": self.confidence,
        }


def parse_turn(payload: Any) -> CallTurn:
    """One call turn from the platform's JSON; BadRequest when it is unusable."""
    if not isinstance(payload, dict):
        raise BadRequest("a JSON object is required")
    call_id = _call_id(payload)
    asr = payload.get("asr") if isinstance(payload.get("asr"), dict) else {}
    text = _first(asr, "text", "transcript") or _first(payload, "asr_text", "text", "transcript") or ""
    confidence = _first(asr, "confidence") if asr else None
    if confidence is None:
        confidence = _first(payload, "asr_confidence", "confidence")
    if confidence is not None:
        try:
            confidence = float(confidence)
        except (TypeError, ValueError):
            raise BadRequest("confidence must be a number between 0 and 1")
        if not 0.0 <= confidence <= 1.0:
            raise BadRequest("confidence must be a number between 0 and 1")
    dtmf = re.sub(r"[^0-9]", "", str(_first(payload, "dtmf", "digits") or ""))  # '#' ends entry, '*' is ignored
    event = str(payload.get("event") or "input").lower()
    if event not in ("start", "input", "hangup"):
        raise BadRequest("event must be start, input or hangup")
    language = _first(payload, "language", "lang")
    return CallTurn(
        call_id=call_id,
        caller=_phone(_first(payload, "caller", "ani", "caller_number", "from")),
        dialled=_phone(_first(payload, "dialled", "dialed", "dnis", "called_number", "to")),
        text=normalize_text(str(text))[:MAX_TURN_CHARS],
        confidence=confidence,
        dtmf=dtmf,
        language=str(language) if language else None,
        event=event,
    )


def language_supported(language: Optional[str]) -> bool:
    return not language or language.lower().split("-")[0].split("_")[0] in SUPPORTED_LANGUAGES


@dataclass(frozen=True)
class TranscriptTurn:
    speaker: str  # "caller" or "ivr"
    text: str
    dtmf: bool = False
    confidence: Optional[float] = None
    spoken_at: Optional[str] = None


def parse_transcript(payload: Any) -> tuple[str, Optional[str], List[TranscriptTurn]]:
    """(call_id, caller number, turns) of an uploaded IVR transcript."""
    if not isinstance(payload, dict):
        raise BadRequest("a JSON object is required")
    call_id = _call_id(payload)
    turns = payload.get("turns")
    if not isinstance(turns, list) or not turns:
        raise BadRequest("turns must be a non-empty list")
    if len(turns) > MAX_TRANSCRIPT_TURNS:
        raise BadRequest(f"at most {MAX_TRANSCRIPT_TURNS} turns")
    parsed = []
    for index, turn in enumerate(turns):
        if not isinstance(turn, dict):
            raise BadRequest(f"turn {index} must be an object")
        speaker = str(_first(turn, "speaker", "role") or "").lower()
        if speaker in ("caller", "user", "customer"):
            speaker = "caller"
        elif speaker in ("ivr", "bot", "system", "prompt"):
            speaker = "ivr"
        else:
            raise BadRequest(f"turn {index}: speaker must be caller or ivr")
        dtmf = re.sub(r"[^0-9*#]", "", str(turn.get("dtmf") or ""))
        # Kept as the IVR wrote it (it is history, not input to the NLU), with whitespace collapsed.
        text = " ".join(str(_first(turn, "text", "transcript") or "").split())[:MAX_TURN_CHARS]
        if not text and not dtmf:
            raise BadRequest(f"turn {index} has neither text nor dtmf")
        confidence = turn.get("confidence")
        parsed.append(TranscriptTurn(
            speaker=speaker,
            text=text or dtmf,
            dtmf=bool(dtmf) and not text,
            confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
            spoken_at=str(_first(turn, "time", "timestamp")) if _first(turn, "time", "timestamp") else None,
        ))
    return call_id, _phone(_first(payload, "caller", "ani", "caller_number")), parsed


def speech_response(turn: CallTurn, text: str, **hints: Any) -> Dict[str, Any]:
    body = {
        "call_id": turn.call_id,
        "conversation_id": turn.conversation_id,
        "text": text,
        "expect_dtmf": None,
        "barge_in": True,
        "hangup": False,
        "transfer_to_agent": False,
        "repeat": False,
    }
    body.update(hints)
    return body


def turn_outcome(events: List[Any]) -> Dict[str, Any]:
    """What the assistant did since the caller's last message: actions run and responses (utter_*) used."""
    actions: List[str] = []
    utterances: List[str] = []
    for event in reversed(events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, ActionExecuted) and event.action_name:
            actions.append(event.action_name)
        if isinstance(event, BotUttered):
            utterances.append((event.metadata or {}).get("utter_action") or "")
    return {"actions": actions[::-1], "utterances": utterances[::-1]}


class IVRInput(InputChannel):
    """Rasa input channel for the telephony platform's IVR."""

    def __init__(self, token: Optional[str] = None, asr_min_confidence: float = 0.5) -> None:
        self.token = token
        self.asr_min_confidence = asr_min_confidence

    @classmethod
    def name(cls) -> Text:
        return "ivr"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "IVRInput":
        credentials = credentials or {}
        threshold = credentials.get("asr_min_confidence") or os.environ.get("IVR_ASR_MIN_CONFIDENCE") or 0.5
        return cls(credentials.get("token") or os.environ.get("IVR_TOKEN") or None, float(threshold))

    def authorised(self, request: Request) -> Optional[HTTPResponse]:
        """None when the request carries the shared secret, else the error response."""
        if not self.token:
            return response.json({"error": "IVR channel not configured (IVR_TOKEN)"}, status=503)
        given = request.headers.get("x-ivr-token") or ""
        authorization = request.headers.get("authorization") or ""
        if not given and authorization.lower().startswith("bearer "):
            given = authorization[7:].strip()
        if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
            return response.json({"error": "unauthorised"}, status=401)
        return None

    async def _tracker(self, app: Any, conversation: str, all_sessions: bool = False) -> Any:
        """The conversation's tracker from the Rasa server's agent (app.ctx.agent), None without one."""
        agent = getattr(app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return None
        if all_sessions:
            return await agent.tracker_store.retrieve_full_tracker(conversation)
        return await agent.tracker_store.retrieve(conversation)

    async def handle_turn(self, turn: CallTurn, app: Any,
                          on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Dict[str, Any]:
        if turn.event == "hangup":
            return speech_response(turn, "", hangup=True, barge_in=False)
        if not language_supported(turn.language):
            return speech_response(turn, UNSUPPORTED_LANGUAGE, transfer_to_agent=True, barge_in=False)
        if turn.event == "start":
            text = "/greet"
        elif turn.dtmf:
            text = turn.dtmf
        else:
            if not turn.text:
                return speech_response(turn, REPEAT_NO_INPUT, repeat=True)
            if turn.confidence is not None and turn.confidence < self.asr_min_confidence:
                return speech_response(turn, REPEAT_LOW_CONFIDENCE, repeat=True)
            text = turn.text
        metadata = turn.metadata()
        if len(text) == 1 and text.isdigit():  # a digit, keyed or said, picks an entry of the last menu
            tracker = await self._tracker(app, turn.conversation_id)
            payload = resolve_choice(text, last_bot_buttons(tracker.events if tracker else []))
            if payload:
                metadata["display"] = text
                text = payload
        collector = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(text, collector, turn.conversation_id, input_channel=self.name(),
                                             metadata=metadata))
        except Exception:
            logger.exception("IVR turn of call %s failed", turn.call_id)
            return speech_response(turn, FAILURE)
        buttons = buttons_of(collector.messages)
        spoken = speak_messages([m.get("text", "") for m in collector.messages],
                                [b.get("title", "") for b in buttons])
        tracker = await self._tracker(app, turn.conversation_id)
        outcome = turn_outcome(list(tracker.events) if tracker else [])
        expect = None
        digits = DTMF_SLOTS.get((tracker.get_slot("requested_slot") if tracker else None) or "")
        if digits:
            expect = {"min_digits": digits, "max_digits": digits, "terminator": "#",
                      "timeout_seconds": DTMF_TIMEOUT_SECONDS}
            spoken += KEYPAD_HINT
        elif buttons:
            expect = {"min_digits": 1, "max_digits": 1, "terminator": None, "timeout_seconds": DTMF_TIMEOUT_SECONDS}
        return speech_response(
            turn, spoken,
            expect_dtmf=expect,
            hangup="utter_goodbye" in outcome["utterances"],
            transfer_to_agent="action_handoff" in outcome["actions"],
        )

    async def record_transcript(self, app: Any, call_id: str, caller: Optional[str],
                                turns: List[TranscriptTurn]) -> int:
        """Append the IVR's turns to the conversation as UserUttered/BotUttered events.

        They are written under the conversation's lock through the agent's tracker store, like Rasa's
        POST /conversations/<id>/tracker/events, in the current session (Rasa 3.6's in-memory tracker store keeps
        only the last session when it saves, so a session boundary would lose them). The caller's turns carry
        text but no intent: the NLU never interpreted them, and the dialogue policies match rules on the
        current message. An action_listen at the end leaves the conversation waiting for the caller.
        """
        agent = getattr(app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            raise RuntimeError("no agent loaded")
        conversation = conversation_id(call_id)
        metadata = {"channel": "ivr", "call_id": call_id, "caller_number": caller}
        async with agent.lock_store.lock(conversation):
            tracker = await agent.processor.fetch_tracker_with_initial_session(
                conversation, CollectingOutputChannel(), metadata
            )
            now = time.time()
            events: List[Any] = []
            for index, turn in enumerate(turns):
                stamp = now + index * 0.001  # keeps their order; the IVR's own times are in the metadata
                turn_metadata = {"source": "ivr_transcript", "spoken_at": turn.spoken_at}
                if turn.speaker == "caller":
                    turn_metadata.update({"input_mode": "dtmf" if turn.dtmf else "speech",
                                          "asr_confidence": turn.confidence, **metadata})
                    events.append(UserUttered(turn.text, input_channel=self.name(), timestamp=stamp,
                                              metadata=turn_metadata))
                else:
                    events.append(BotUttered(turn.text, metadata=turn_metadata, timestamp=stamp))
            events.append(ActionExecuted("action_listen", timestamp=now + len(turns) * 0.001))
            for event in events:
                tracker.update(event, agent.domain)
            await agent.tracker_store.save(tracker)
        return len(turns)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        ivr = Blueprint(f"{self.name()}_webhook", __name__)

        @ivr.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": bool(self.token)})

        @ivr.route("/turn", methods=["POST"])
        async def turn(request: Request) -> HTTPResponse:
            denied = self.authorised(request)
            if denied:
                return denied
            try:
                call_turn = parse_turn(request.json)
            except (BadRequest, Exception) as exc:
                return response.json({"error": str(exc) if isinstance(exc, BadRequest) else "invalid JSON"},
                                     status=400)
            return response.json(await self.handle_turn(call_turn, request.app, on_new_message))

        @ivr.route("/transcript", methods=["POST"])
        async def transcript(request: Request) -> HTTPResponse:
            denied = self.authorised(request)
            if denied:
                return denied
            try:
                call_id, caller, turns = parse_transcript(request.json)
            except (BadRequest, Exception) as exc:
                return response.json({"error": str(exc) if isinstance(exc, BadRequest) else "invalid JSON"},
                                     status=400)
            try:
                count = await self.record_transcript(request.app, call_id, caller, turns)
            except RuntimeError as exc:
                return response.json({"error": str(exc)}, status=503)
            return response.json({"call_id": call_id, "conversation_id": conversation_id(call_id),
                                  "turns_recorded": count})

        @ivr.route("/calls/<call_id>/history", methods=["GET"])
        async def history(request: Request, call_id: str) -> HTTPResponse:
            denied = self.authorised(request)
            if denied:
                return denied
            if not _CALL_ID.match(call_id):
                return response.json({"error": "bad call_id"}, status=400)
            turns = []
            tracker = await self._tracker(request.app, conversation_id(call_id), all_sessions=True)
            for event in (tracker.events if tracker is not None else []):
                if isinstance(event, (UserUttered, BotUttered)) and event.text:
                    source = (event.metadata or {}).get("source") or "assistant"
                    role = "caller" if isinstance(event, UserUttered) else ("ivr" if source == "ivr_transcript"
                                                                             else "assistant")
                    turns.append({"role": role, "text": event.text, "source": source,
                                  "timestamp": event.timestamp})
            return response.json({"call_id": call_id, "conversation_id": conversation_id(call_id), "turns": turns})

        return ivr
