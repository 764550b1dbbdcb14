"""`python -m bot kb evaluate`: how well the trained model answers the held-out customer questions.

Each question in tests/data/heldout_questions.yml is parsed by the trained model (the whole NLU pipeline,
including the weak-match check in bot/nlu/faq_confidence.py) and reduced to one final label:

* the FAQ topic id when the intent is `faq` (the ResponseSelector's choice),
* `out_of_scope`, `nlu_fallback`, or whatever other intent won.

Top-1 accuracy counts in-scope questions whose label is their topic (a fallback counts as wrong: the customer
did not get the answer directly). Out-of-scope recall counts out-of-scope questions that were *not* answered
as a topic (`out_of_scope` or `nlu_fallback` both count as right).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import yaml

from bot.settings import PROJECT_DIR

HELDOUT_FILE = PROJECT_DIR / "tests" / "data" / "heldout_questions.yml"
MODELS_DIR = PROJECT_DIR / "models"
OUT_OF_SCOPE = "out_of_scope"
FALLBACK = "nlu_fallback"
NOT_ANSWERED = frozenset({OUT_OF_SCOPE, FALLBACK})
WEAK_MATCH_KEY = "faq_weak_match"  # set by bot.nlu.faq_confidence.FaqConfidenceCheck

Parser = Callable[[str], Dict[str, Any]]


@dataclass(frozen=True)
class Question:
    text: str
    expected: str  # a topic id or "out_of_scope"
    # Self-service intents that fulfil the request as well as the topic answers it (e.g. 帮我估一下七十平…:
    # the estimate dialogue computes what the fee_calculation topic explains). Listed per question in the file.
    also: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    question: Question
    got: str  # final label: topic id, out_of_scope, nlu_fallback or another intent
    intent: str  # intent before the weak-match check (what DIET + FallbackClassifier said)
    intent_confidence: float
    selector_topic: Optional[str]  # the ResponseSelector's top topic, even when the final label is a fallback
    selector_confidence: float
    selector_second: float
    reason: Optional[str] = None  # why the weak-match check fell back, if it did
    # what action_search_knowledge does with a fallback: "answered", "suggested" (buttons) or None
    search_reply: Optional[str] = None
    search_right: bool = False  # the search answered the expected topic (or its article) / suggested it

    @property
    def in_scope(self) -> bool:
        return self.question.expected != OUT_OF_SCOPE

    @property
    def correct(self) -> bool:
        if self.in_scope:
            return self.got == self.question.expected or self.got in self.question.also
        return self.got in NOT_ANSWERED


@dataclass
class Evaluation:
    outcomes: List[Outcome] = field(default_factory=list)

    @property
    def in_scope(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.in_scope]

    @property
    def out_of_scope(self) -> List[Outcome]:
        return [o for o in self.outcomes if not o.in_scope]

    @staticmethod
    def _rate(outcomes: Sequence[Outcome]) -> float:
        return sum(o.correct for o in outcomes) / len(outcomes) if outcomes else 0.0

    @property
    def top1_accuracy(self) -> float:
        return self._rate(self.in_scope)

    @property
    def oos_recall(self) -> float:
        return self._rate(self.out_of_scope)

    @property
    def confusions(self) -> List[Outcome]:
        return [o for o in self.outcomes if not o.correct]


def load_questions(path: Path = HELDOUT_FILE) -> List[Question]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [
        Question(str(q["text"]).strip(), str(q["expected"]), tuple(str(a) for a in q.get("also", ())))
        for q in data["questions"]
    ]


def _selector(parse: Dict[str, Any]) -> Dict[str, Any]:
    return (parse.get("response_selector") or {}).get("faq") or {}


def _topic(intent_response_key: Optional[str]) -> Optional[str]:
    if not intent_response_key:
        return None
    return intent_response_key.split("/", 1)[1] if "/" in intent_response_key else intent_response_key


def final_label(parse: Dict[str, Any]) -> str:
    """The topic id for an `faq` prediction, else the intent name (out_of_scope, nlu_fallback, …)."""
    intent = (parse.get("intent") or {}).get("name") or FALLBACK
    if intent == "faq":
        return _topic(_selector(parse).get("response", {}).get("intent_response_key")) or FALLBACK
    return intent


def outcome(question: Question, parse: Dict[str, Any]) -> Outcome:
    weak = parse.get(WEAK_MATCH_KEY) or {}
    ranking = _selector(parse).get("ranking") or []
    intent = parse.get("intent") or {}
    original = weak.get("original_intent") or intent
    return Outcome(
        question=question,
        got=final_label(parse),
        intent=original.get("name") or FALLBACK,
        intent_confidence=float(original.get("confidence") or 0.0),
        selector_topic=_topic(ranking[0].get("intent_response_key")) if ranking else None,
        selector_confidence=float(ranking[0].get("confidence", 0.0)) if ranking else 0.0,
        selector_second=float(ranking[1].get("confidence", 0.0)) if len(ranking) > 1 else 0.0,
        reason=weak.get("reason"),
    )


def with_search(result: Outcome, parse: Dict[str, Any], sources: Dict[str, tuple]) -> Outcome:
    """For a fallback: what the knowledge search would reply (bot.services.knowledge_answer), and if it is right."""
    from dataclasses import replace

    from bot.services.knowledge_answer import reply_for

    if result.got != FALLBACK:
        return result
    ranking = _selector(parse).get("ranking") or [] if parse.get(WEAK_MATCH_KEY) else []
    selector_topics = [(_topic(r.get("intent_response_key")), float(r.get("confidence", 0.0))) for r in ranking]
    reply = reply_for(result.question.text, 0, [(t, c) for t, c in selector_topics if t])
    expected = result.question.expected
    if reply.answered:
        p = reply.passage
        right = p.id == expected if p.kind == "topic" else sources.get(expected) == (p.document_id, p.article_number)
        return replace(result, search_reply="answered", search_right=right)
    return replace(result, search_reply="suggested", search_right=expected in reply.suggestions)


def evaluate(parse: Parser, questions: Sequence[Question], search: bool = True) -> Evaluation:
    """Run every question through `parse`; with `search`, also what the fallback action would do."""
    sources: Dict[str, tuple] = {}
    if search:
        from bot.knowledge.loader import load_knowledge_base
        from bot.settings import KNOWLEDGE_DIR

        sources = {t.id: (t.source.document, t.source.article) for t in load_knowledge_base(KNOWLEDGE_DIR).topics}
    outcomes = []
    for q in questions:
        parsed = parse(q.text)
        result = outcome(q, parsed)
        outcomes.append(with_search(result, parsed, sources) if search else result)
    return Evaluation(outcomes)


def latest_model(models_dir: Path = MODELS_DIR) -> Optional[Path]:
    models = sorted(Path(models_dir).glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def model_parser(model_path: Optional[Path] = None) -> Parser:
    """A function text -> parse data, backed by the trained model (the latest in models/ by default)."""
    import logging
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    from rasa.core.agent import Agent

    path = Path(model_path) if model_path else latest_model()
    if path is None or not path.exists():
        raise FileNotFoundError(f"no trained model ({model_path or MODELS_DIR}): run python -m bot train")
    agent = Agent.load(str(path))
    try:  # Rasa logs every parse at debug level to stdout; keep the report readable
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)
    except ImportError:  # pragma: no cover - older Rasa
        pass
    logging.getLogger().setLevel(logging.WARNING)
    loop = asyncio.new_event_loop()

    def parse(text: str) -> Dict[str, Any]:
        return loop.run_until_complete(agent.parse_message(text))

    return parse


def format_report(evaluation: Evaluation, model: Optional[Path] = None) -> str:
    ins, oos = evaluation.in_scope, evaluation.out_of_scope
    lines = []
    if model:
        lines.append(f"model: {model}")
    lines.append(
        f"top-1 topic accuracy: {evaluation.top1_accuracy:.1%} "
        f"({sum(o.correct for o in ins)}/{len(ins)} in-scope questions)")
    fallbacks = sum(o.got == FALLBACK for o in ins)
    oos_labels = sum(o.got == OUT_OF_SCOPE for o in ins)
    lines.append(f"  in-scope sent to fallback: {fallbacks}; called out of scope: {oos_labels}")
    lines.append(
        f"out-of-scope recall: {evaluation.oos_recall:.1%} "
        f"({sum(o.correct for o in oos)}/{len(oos)} out-of-scope questions not answered as a topic)")
    searched = [o for o in evaluation.outcomes if o.search_reply]
    if searched:
        s_ins = [o for o in searched if o.in_scope]
        answered = [o for o in s_ins if o.search_reply == "answered"]
        suggested = [o for o in s_ins if o.search_reply == "suggested"]
        oos_answered = [o for o in searched if not o.in_scope and o.search_reply == "answered"]
        lines.append(
            f"fallbacks through action_search_knowledge: in-scope {len(s_ins)} → answered from the search "
            f"{len(answered)} ({sum(o.search_right for o in answered)} right), buttons {len(suggested)} "
            f"({sum(o.search_right for o in suggested)} with the right topic); out-of-scope answered from the "
            f"search: {len(oos_answered)}")
        end_to_end = sum(o.correct or (o.search_reply == "answered" and o.search_right) for o in ins)
        lines.append(f"  in-scope answered right directly or from the search: {end_to_end}/{len(ins)} "
                     f"({end_to_end / len(ins):.1%})" if ins else "")
    confusions = evaluation.confusions
    lines.append(f"confusions ({len(confusions)}): expected → got  [intent conf | selector top conf / 2nd]")
    for o in sorted(confusions, key=lambda o: (o.question.expected, o.got)):
        detail = f"{o.intent} {o.intent_confidence:.2f} | {o.selector_topic} {o.selector_confidence:.2f}/{o.selector_second:.2f}"
        if o.reason:
            detail += f" | {o.reason}"
        if o.search_reply:
            detail += f" | search: {o.search_reply}{' (right)' if o.search_right else ''}"
        lines.append(f"  {o.question.expected} → {o.got}  「{o.question.text}」  [{detail}]")
    return "\n".join(lines)
