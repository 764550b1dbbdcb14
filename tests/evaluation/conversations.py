"""Play the conversation corpus (tests/conversations/corpus.yml) against running servers and score it.

Every conversation gets a fresh sender id (`conv-<id>-<random hex>`); each user turn is POSTed to Rasa's REST
channel and the bot messages of that turn are checked against the turn's expectations. The expectations are
about what the customer SEES and follow wording edits automatically: the questions for a slot are read from the
`utter_ask_<slot>` / `utter_ask_<form>_<slot>` responses in domain/*.yml at run time, and FAQ answers are rendered
from knowledge/ with the project's own renderer.

Expectation keys of a turn (all optional, all must hold):

    asks: <slot>            the turn's last bot message is the question for that slot (any ask variant's first
                            ASK_PREFIX characters appear in it)
    asks_any: [slots]       … for one of these slots
    topic: <faq topic id>   the reply holds that topic's answer (first TOPIC_PREFIX characters of the rendered answer)
    topics: [ids]           each of them, in this order
    contains: [..]          every substring present
    contains_any: [..]      at least one present
    not_contains: [..]      none present
    matches: [regexes]      every regular expression found in the reply (e.g. a ticket reference: GD + 14 digits)
    buttons_any: [titles]   a button whose title contains one of these
    cancelled: true         the reply holds utter_cancelled's first CANCELLED_PREFIX characters
    handoff: true           a handoff to a person was made (its RG reference, or the IVR's handoff payload)
    not_understood: bool    true: the reply must be a "not understood" one; false (the default): it must not be

Every turn also needs at least one bot message with something in it (no silence).

A user turn is `user: <text>` (quote numbers: `user: "0400"`), or `click: <button title>` to press a button of the
previous reply (its payload is sent; without such a button the title is typed, as a customer would).

    python -m tests.evaluation.conversations --rasa http://127.0.0.1:5005 [--only ID_OR_CLASS] [--json out.json]
    python -m tests.evaluation conversations …   (the same, next to the held-out evaluation)
"""
from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

import requests
import yaml

from bot.settings import PROJECT_DIR

CORPUS_PATH = PROJECT_DIR / "tests" / "conversations" / "corpus.yml"
DOMAIN_DIR = PROJECT_DIR / "domain"
WEBHOOK = "/webhooks/rest/webhook"
TIMEOUT_SECONDS = 30
WORKERS = 4

ASK_PREFIX = 8  # characters of an ask response that identify it
TOPIC_PREFIX = 15  # characters of a rendered FAQ answer that identify it
CANCELLED_PREFIX = 6  # characters of utter_cancelled
DEFAULT_PREFIX = 8  # characters of utter_default

# "Not understood" replies: utter_default, and the knowledge search's 没能理解 / 没能完全理解 messages
# (bot/services/knowledge_answer.py).
NOT_UNDERSTOOD = re.compile(r"没能(?:完全)?理解")
# A handoff's reference, as bot.services.handoff._reference makes it (RG + date + 6 digits); actions/handoff.py
# puts it in the reply on every channel (and, on the phone, also in a {"handoff": reference} payload).
HANDOFF_REFERENCE = re.compile(r"RG\d{14}")

EXPECT_KEYS = {
    "asks", "asks_any", "topic", "topics", "contains", "contains_any", "not_contains", "matches", "buttons_any",
    "cancelled", "handoff", "not_understood",
}
TURN_KEYS = {"user", "click", "expect"}
CONVERSATION_KEYS = {"id", "class", "turns", "note"}


class CorpusError(ValueError):
    """The corpus file is malformed or names a slot / topic the project does not have."""


# ---------------------------------------------------------------------------------------------- text helpers


def squash(text: str) -> str:
    """NFKC without any whitespace: how texts are compared (line breaks and spacing are not wording)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


def _prefix(text: str, length: int) -> str:
    return squash(text)[:length]


def _has(haystack: str, needle: str) -> bool:
    return str(needle) in haystack or squash(needle) in squash(haystack)


def _as_list(value: Any) -> List[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def message_text(messages: Sequence[Dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text") or "") for m in messages if m.get("text"))


def message_buttons(messages: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [b for m in messages for b in (m.get("buttons") or []) if isinstance(b, dict)]


# ---------------------------------------------------------------------------------------------- what to look for


def _domain_files(domain_dir: Path) -> List[Path]:
    return sorted(p for p in Path(domain_dir).rglob("*.yml"))


def _response_texts(variants: Any) -> List[str]:
    return [str(v["text"]) for v in variants or [] if isinstance(v, dict) and v.get("text")]


def load_domain(domain_dir: Path = DOMAIN_DIR) -> Dict[str, Any]:
    """Responses and form names from every YAML file of the domain directory (merged)."""
    responses: Dict[str, List[str]] = {}
    forms: set = set()
    for path in _domain_files(domain_dir):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variants in (data.get("responses") or {}).items():
            responses.setdefault(name, []).extend(_response_texts(variants))
        forms.update((data.get("forms") or {}).keys())
    return {"responses": responses, "forms": sorted(forms)}


def ask_texts(domain: Dict[str, Any]) -> Dict[str, List[str]]:
    """slot -> every text variant of utter_ask_<slot> and utter_ask_<form>_<slot>."""
    out: Dict[str, List[str]] = {}
    forms = sorted(domain["forms"], key=len, reverse=True)
    for name, texts in domain["responses"].items():
        if not name.startswith("utter_ask_"):
            continue
        rest = name[len("utter_ask_"):]
        slot = rest
        for form in forms:
            if rest.startswith(form + "_"):
                slot = rest[len(form) + 1:]
                break
        out.setdefault(slot, []).extend(texts)
    return out


def topic_answers(knowledge_dir: Optional[Path] = None) -> Dict[str, str]:
    """topic id -> its answer as the assistant says it (placeholders rendered from the policy file)."""
    from bot.knowledge.loader import load_knowledge_base
    from bot.knowledge.render import Renderer
    from bot.policy import default_policy

    kb = load_knowledge_base(knowledge_dir) if knowledge_dir else load_knowledge_base()
    renderer = Renderer(default_policy())
    # The same rendering as bot.knowledge.export.render_answer (which adds the 依据 line after it).
    return {t.id: "\n".join(line.strip() for line in renderer(t.answer).split("\n")) for t in kb.topics}


@dataclass
class Checker:
    """Checks one turn's bot messages against its expectations; built from the project (`from_project`)."""

    asks: Dict[str, List[str]]  # slot -> prefixes of its questions
    topics: Dict[str, str]  # topic id -> prefix of its answer
    cancelled: str  # prefix of utter_cancelled
    default: str  # prefix of utter_default

    @classmethod
    def from_texts(cls, ask_texts_by_slot: Dict[str, List[str]], answers: Dict[str, str], cancelled_text: str,
                   default_text: str) -> "Checker":
        return cls(
            asks={slot: sorted({_prefix(t, ASK_PREFIX) for t in texts if squash(t)})
                  for slot, texts in ask_texts_by_slot.items()},
            topics={topic: _prefix(answer, TOPIC_PREFIX) for topic, answer in answers.items()},
            cancelled=_prefix(cancelled_text, CANCELLED_PREFIX),
            default=_prefix(default_text, DEFAULT_PREFIX),
        )

    @classmethod
    def from_project(cls, domain_dir: Path = DOMAIN_DIR, knowledge_dir: Optional[Path] = None) -> "Checker":
        domain = load_domain(domain_dir)
        responses = domain["responses"]
        for needed in ("utter_cancelled", "utter_default"):
            if not responses.get(needed):
                raise CorpusError(f"the domain has no {needed} response")
        return cls.from_texts(ask_texts(domain), topic_answers(knowledge_dir), responses["utter_cancelled"][0],
                              responses["utter_default"][0])

    # ------------------------------------------------------------------ single checks
    def is_ask(self, slot: str, text: str) -> bool:
        return any(p and p in squash(text) for p in self.asks.get(slot, []))

    def topic_position(self, topic: str, text: str) -> int:
        prefix = self.topics.get(topic)
        return squash(text).find(prefix) if prefix else -1

    def is_not_understood(self, text: str) -> bool:
        return bool(NOT_UNDERSTOOD.search(text)) or (bool(self.default) and self.default in squash(text))

    @staticmethod
    def is_handoff(messages: Sequence[Dict[str, Any]]) -> bool:
        for m in messages:
            custom = m.get("custom")
            if isinstance(custom, dict) and custom.get("handoff"):
                return True
            if HANDOFF_REFERENCE.search(str(m.get("text") or "")):
                return True
        return False

    # ------------------------------------------------------------------ a whole turn
    def check(self, expect: Optional[Dict[str, Any]], messages: Sequence[Dict[str, Any]]) -> List[str]:
        """What is wrong with this turn's reply (empty when every expectation holds)."""
        expect = dict(expect or {})
        text = message_text(messages)
        problems: List[str] = []
        if not messages or not (text.strip() or message_buttons(messages) or any(m.get("custom") for m in messages)):
            return ["the assistant said nothing"]

        last = next((str(m["text"]) for m in reversed(messages) if m.get("text")), "")
        if "asks" in expect and not self.is_ask(str(expect["asks"]), last):
            problems.append(f"expected the question for {expect['asks']!r} last")
        if "asks_any" in expect and not any(self.is_ask(s, last) for s in _as_list(expect["asks_any"])):
            problems.append(f"expected the question for one of {_as_list(expect['asks_any'])} last")

        if "topic" in expect and self.topic_position(str(expect["topic"]), text) < 0:
            problems.append(f"expected the answer of FAQ topic {expect['topic']!r}")
        if "topics" in expect:
            position, wanted = -1, _as_list(expect["topics"])
            for topic in wanted:
                found = self.topic_position(topic, text)
                if found < 0:
                    problems.append(f"expected the answer of FAQ topic {topic!r} (topics {wanted} in order)")
                    break
                if found < position:
                    problems.append(f"FAQ topic {topic!r} answered out of order (expected {wanted})")
                    break
                position = found

        missing = [s for s in _as_list(expect.get("contains")) if not _has(text, s)]
        if missing:
            problems.append(f"missing {missing}")
        if "contains_any" in expect and not any(_has(text, s) for s in _as_list(expect["contains_any"])):
            problems.append(f"expected one of {_as_list(expect['contains_any'])}")
        present = [s for s in _as_list(expect.get("not_contains")) if _has(text, s)]
        if present:
            problems.append(f"must not say {present}")
        unmatched = [r for r in _as_list(expect.get("matches")) if not re.search(r, text)]
        if unmatched:
            problems.append(f"nothing matches {unmatched}")

        if "buttons_any" in expect:
            titles = [str(b.get("title") or "") for b in message_buttons(messages)]
            wanted = _as_list(expect["buttons_any"])
            if not any(w in t for w in wanted for t in titles):
                problems.append(f"expected a button titled one of {wanted} (buttons: {titles or 'none'})")

        if expect.get("cancelled") and self.cancelled not in squash(text):
            problems.append("expected the form to be cancelled (utter_cancelled)")
        if expect.get("handoff") and not self.is_handoff(messages):
            problems.append("expected a handoff to a person")

        not_understood = self.is_not_understood(text)
        if expect.get("not_understood") is True and not not_understood:
            problems.append("expected a 'not understood' reply")
        if expect.get("not_understood") is not True and not_understood:
            problems.append("the assistant did not understand")
        return problems


# ---------------------------------------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class Turn:
    user: Optional[str]
    click: Optional[str]
    expect: Dict[str, Any]

    @property
    def said(self) -> str:
        return self.user if self.user is not None else f"[按钮] {self.click}"


@dataclass(frozen=True)
class Conversation:
    id: str
    cls: str
    turns: List[Turn]


def _problems_of_expect(where: str, expect: Any, checker: Optional[Checker]) -> List[str]:
    if not isinstance(expect, dict):
        return [f"{where}: expect must be a mapping"]
    problems = [f"{where}: unknown expectation {k!r}" for k in expect if k not in EXPECT_KEYS]
    if checker is not None:
        for slot in _as_list(expect.get("asks")) + _as_list(expect.get("asks_any")):
            if slot not in checker.asks:
                problems.append(f"{where}: no utter_ask response for slot {slot!r}")
        for topic in _as_list(expect.get("topic")) + _as_list(expect.get("topics")):
            if topic not in checker.topics:
                problems.append(f"{where}: unknown FAQ topic {topic!r}")
    for key in ("contains", "contains_any", "not_contains", "matches", "buttons_any", "topics", "asks_any"):
        if key in expect and not isinstance(expect[key], list):
            problems.append(f"{where}: {key} must be a list")
    for pattern in _as_list(expect.get("matches")):
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"{where}: bad regular expression {pattern!r}: {exc}")
    return problems


def parse_corpus(data: Any, checker: Optional[Checker] = None) -> List[Conversation]:
    """Conversations from the loaded YAML; CorpusError listing every problem (bad keys, unquoted numbers…)."""
    if not isinstance(data, dict) or not isinstance(data.get("conversations"), list):
        raise CorpusError("the corpus must be a mapping with a `conversations:` list")
    problems: List[str] = []
    conversations: List[Conversation] = []
    seen = set()
    for index, raw in enumerate(data["conversations"]):
        where = f"conversation #{index + 1}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        cid = raw.get("id")
        where = f"conversation {cid or '#' + str(index + 1)}"
        problems += [f"{where}: unknown key {k!r}" for k in raw if k not in CONVERSATION_KEYS]
        if not isinstance(cid, str) or not cid:
            problems.append(f"{where}: needs an id")
        elif cid in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(cid)
        if not isinstance(raw.get("class"), str):
            problems.append(f"{where}: needs a class")
        turns = raw.get("turns")
        if not isinstance(turns, list) or not turns:
            problems.append(f"{where}: needs turns")
            continue
        parsed: List[Turn] = []
        for number, turn in enumerate(turns, start=1):
            at = f"{where} turn {number}"
            if not isinstance(turn, dict):
                problems.append(f"{at}: must be a mapping")
                continue
            problems += [f"{at}: unknown key {k!r}" for k in turn if k not in TURN_KEYS]
            user, click = turn.get("user"), turn.get("click")
            if (user is None) == (click is None):
                problems.append(f"{at}: needs exactly one of user / click")
            for key, value in (("user", user), ("click", click)):
                if value is not None and not isinstance(value, str):
                    problems.append(f"{at}: {key} must be text; quote numbers ({key}: \"{value}\")")
            expect = turn.get("expect") or {}
            problems += _problems_of_expect(at, expect, checker)
            parsed.append(Turn(user, click, dict(expect) if isinstance(expect, dict) else {}))
        conversations.append(Conversation(str(cid), str(raw.get("class")), parsed))
    if problems:
        raise CorpusError("the conversation corpus has problems:\n" + "\n".join(f"  {p}" for p in problems))
    return conversations


def load_corpus(path: Path = CORPUS_PATH, checker: Optional[Checker] = None) -> List[Conversation]:
    return parse_corpus(yaml.safe_load(Path(path).read_text(encoding="utf-8")), checker)


# ---------------------------------------------------------------------------------------------- results


@dataclass
class TurnResult:
    number: int
    user: str
    expect: Dict[str, Any]
    bot: List[Dict[str, Any]]
    problems: List[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> Dict[str, Any]:
        return {"turn": self.number, "user": self.user, "expect": self.expect, "bot": self.bot,
                "ok": self.ok, "problems": self.problems}


@dataclass
class ConversationResult:
    id: str
    cls: str
    sender: str
    turns: List[TurnResult] = field(default_factory=list)
    error: Optional[str] = None  # the server could not be reached / answered with an error
    seconds: float = 0.0
    planned: int = 0  # turns in the corpus (turns not played after an error count as failed)

    @property
    def turns_total(self) -> int:
        return max(self.planned, len(self.turns))

    @property
    def turns_ok(self) -> int:
        return sum(t.ok for t in self.turns)

    @property
    def ok(self) -> bool:
        return self.error is None and all(t.ok for t in self.turns)

    @property
    def first_failure(self) -> Optional[TurnResult]:
        return next((t for t in self.turns if not t.ok), None)

    def to_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "class": self.cls, "sender": self.sender, "ok": self.ok, "error": self.error,
                "seconds": round(self.seconds, 2), "planned_turns": self.turns_total,
                "turns": [t.to_dict() for t in self.turns]}


def _rate(ok: int, total: int) -> float:
    return ok / total if total else 0.0


@dataclass
class Report:
    conversations: List[ConversationResult]
    rasa_url: str = ""
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return len(self.conversations)

    @property
    def fully_correct(self) -> int:
        return sum(c.ok for c in self.conversations)

    @property
    def fully_correct_rate(self) -> float:
        return _rate(self.fully_correct, self.total)

    @property
    def turns_total(self) -> int:
        return sum(c.turns_total for c in self.conversations)

    @property
    def turns_ok(self) -> int:
        return sum(c.turns_ok for c in self.conversations)

    @property
    def turn_accuracy(self) -> float:
        return _rate(self.turns_ok, self.turns_total)

    def by_class(self) -> Dict[str, Dict[str, Any]]:
        out: Dict[str, Dict[str, Any]] = {}
        for c in self.conversations:
            row = out.setdefault(c.cls, {"conversations": 0, "fully_correct": 0, "turns": 0, "turns_ok": 0})
            row["conversations"] += 1
            row["fully_correct"] += c.ok
            row["turns"] += c.turns_total
            row["turns_ok"] += c.turns_ok
        for row in out.values():
            row["rate"] = _rate(row["fully_correct"], row["conversations"])
            row["turn_accuracy"] = _rate(row["turns_ok"], row["turns"])
        return dict(sorted(out.items()))

    def failures(self) -> List[ConversationResult]:
        return [c for c in self.conversations if not c.ok]

    def format(self, show_failures: bool = True) -> str:
        lines = [f"Conversation corpus against {self.rasa_url or '?'} ({self.seconds:.0f} s)", ""]
        lines.append(f"{'class':<22}{'fully correct':>16}{'%':>8}{'turns ok':>14}{'%':>8}")
        for cls, row in self.by_class().items():
            lines.append(
                f"{cls:<22}{row['fully_correct']:>8}/{row['conversations']:<7}{100 * row['rate']:>7.1f}%"
                f"{row['turns_ok']:>7}/{row['turns']:<6}{100 * row['turn_accuracy']:>7.1f}%"
            )
        lines.append(
            f"{'TOTAL':<22}{self.fully_correct:>8}/{self.total:<7}{100 * self.fully_correct_rate:>7.1f}%"
            f"{self.turns_ok:>7}/{self.turns_total:<6}{100 * self.turn_accuracy:>7.1f}%"
        )
        if show_failures and self.failures():
            lines += ["", f"Failing conversations ({len(self.failures())}):"]
            for c in self.failures():
                lines.append(f"- {c.id} [{c.cls}] (sender {c.sender})")
                if c.error:
                    lines.append(f"    error: {c.error}")
                turn = c.first_failure
                if turn is None:
                    continue
                lines.append(f"    turn {turn.number}: 用户：{turn.user}")
                lines.append(f"    expected: {json.dumps(turn.expect, ensure_ascii=False)}")
                lines.append(f"    problems: {'; '.join(turn.problems)}")
                said = message_text(turn.bot).strip().replace("\n", " ⏎ ")
                buttons = [b.get("title") for b in message_buttons(turn.bot)]
                lines.append(f"    bot said: {said or '(nothing)'}" + (f"  [buttons: {', '.join(map(str, buttons))}]" if buttons else ""))
        return "\n".join(lines)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "rasa": self.rasa_url,
            "seconds": round(self.seconds, 1),
            "conversations": self.total,
            "fully_correct": self.fully_correct,
            "fully_correct_rate": self.fully_correct_rate,
            "turns": self.turns_total,
            "turns_ok": self.turns_ok,
            "turn_accuracy": self.turn_accuracy,
            "by_class": self.by_class(),
            "results": [c.to_dict() for c in self.conversations],
        }


# ---------------------------------------------------------------------------------------------- playing


def _button_payload(previous: Sequence[Dict[str, Any]], title: str) -> Optional[str]:
    for button in message_buttons(previous):
        if title in str(button.get("title") or ""):
            return str(button.get("payload") or button.get("title"))
    return None


def play(conversation: Conversation, rasa_url: str, checker: Checker, session: Optional[requests.Session] = None,
         timeout: float = TIMEOUT_SECONDS) -> ConversationResult:
    """Play one conversation turn by turn (all turns, also after a failing one) under a fresh sender id."""
    http = session or requests.Session()
    sender = f"conv-{conversation.id}-{secrets.token_hex(4)}"
    result = ConversationResult(conversation.id, conversation.cls, sender, planned=len(conversation.turns))
    started = time.perf_counter()
    previous: List[Dict[str, Any]] = []
    for number, turn in enumerate(conversation.turns, start=1):
        message = turn.user
        if message is None:
            message = _button_payload(previous, str(turn.click)) or str(turn.click)
        try:
            response = http.post(f"{rasa_url.rstrip('/')}{WEBHOOK}", json={"sender": sender, "message": message},
                                 timeout=timeout)
            response.raise_for_status()
            bot = response.json() or []
        except (requests.RequestException, ValueError) as exc:
            result.error = f"turn {number}: {type(exc).__name__}: {exc}"
            result.turns.append(TurnResult(number, turn.said, turn.expect, [], [f"request failed: {exc}"]))
            break
        bot = [m for m in bot if isinstance(m, dict)]
        result.turns.append(TurnResult(number, turn.said, turn.expect, bot, checker.check(turn.expect, bot)))
        previous = bot
    result.seconds = time.perf_counter() - started
    return result


def select(conversations: Sequence[Conversation], only: Optional[Iterable[str]]) -> List[Conversation]:
    """Conversations whose id or class is in `only` (all of them when it is None or empty)."""
    wanted = {w for item in (only or []) for w in str(item).split(",") if w}
    if not wanted:
        return list(conversations)
    return [c for c in conversations if c.id in wanted or c.cls in wanted]


def run_corpus(rasa_url: str, corpus_path: Path = CORPUS_PATH, only: Optional[Iterable[str]] = None,
               workers: int = WORKERS, checker: Optional[Checker] = None) -> Report:
    """Play the corpus (or the conversations/classes named in `only`) concurrently and score it."""
    checker = checker or Checker.from_project()
    conversations = select(load_corpus(corpus_path, checker), only)
    if only and not conversations:
        raise CorpusError(f"no conversation or class named {sorted(only)}")
    started = time.perf_counter()

    def one(conversation: Conversation) -> ConversationResult:
        with requests.Session() as session:
            return play(conversation, rasa_url, checker, session)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(one, conversations))  # corpus order
    return Report(results, rasa_url, time.perf_counter() - started)


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rasa", default="http://127.0.0.1:5005", help="Rasa server URL (default: %(default)s)")
    parser.add_argument("--corpus", type=Path, default=CORPUS_PATH, help="corpus file (default: %(default)s)")
    parser.add_argument("--only", action="append", metavar="ID",
                        help="only this conversation id or class (repeat, or separate with commas)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the full results as JSON")
    parser.add_argument("--workers", type=int, default=WORKERS, help="conversations at a time (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="summary only, no list of failures")


def _run(args: argparse.Namespace) -> int:
    try:
        report = run_corpus(args.rasa, args.corpus, args.only, args.workers)
    except CorpusError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(report.format(show_failures=not args.quiet))
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str),
                                   encoding="utf-8")
        print(f"\nresults written to {args.json}")
    unreachable = [c for c in report.conversations if c.error]
    return 2 if unreachable and len(unreachable) == report.total else 0


def register(subparsers) -> None:
    """`python -m tests.evaluation conversations …` (tests/evaluation/__main__.py)."""
    parser = subparsers.add_parser("conversations", help="the conversation corpus against running servers")
    _add_arguments(parser)
    parser.set_defaults(func=_run)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_arguments(parser)
    return _run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
