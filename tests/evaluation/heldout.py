"""Scores a trained model on the frozen held-out set v2 (tests/data/heldout_v2.yml), per class.

Each message is parsed by the whole NLU pipeline (understanding layer, classifiers, weak-match check, router)
and reduced to what the assistant will act on: the FAQ topic (faq/<id>), the dialogue intent, or for a
two-question message the list of its questions in order. Strict accuracy compares with `expected` only;
lenient also accepts the file's `acceptable` labels. Out-of-scope messages are right when answered as
out_of_scope (strict) or at least not answered as a topic (lenient: out_of_scope, nlu_fallback or non_chinese).
Values (户号, phone, area, amount, date) are scored where the file names them.

    python -m tests.evaluation heldout [--model models/x.tar.gz] [--json out.json]
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import yaml

from bot.settings import PROJECT_DIR

HELDOUT_V2 = PROJECT_DIR / "tests" / "data" / "heldout_v2.yml"
NOT_ANSWERED = frozenset({"out_of_scope", "nlu_fallback", "non_chinese"})
NOT_A_QUESTION = frozenset({"greet", "goodbye", "thanks", "affirm", "deny", "inform", "cancel"})
Parser = Callable[[str], Dict[str, Any]]


@dataclass(frozen=True)
class Item:
    text: str
    cls: str
    expected: tuple  # one label, or the questions in order (two_questions)
    acceptable: tuple = ()
    values: Dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    item: Item
    got: tuple
    strict: bool
    lenient: bool
    values_right: int = 0
    values_total: int = 0
    values_got: Dict[str, str] = field(default_factory=dict)


def load_items(path: Path = HELDOUT_V2) -> tuple[dt.date, List[Item]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    items = []
    for q in data["questions"]:
        expected = q["expected"]
        expected = tuple(expected) if isinstance(expected, list) else (expected,)
        items.append(Item(str(q["text"]), q["class"], expected, tuple(q.get("acceptable") or ()),
                          {k: str(v) for k, v in (q.get("values") or {}).items()}))
    return dt.date.fromisoformat(str(data["reference_date"])), items


def label_of(parse: Dict[str, Any]) -> str:
    intent = (parse.get("intent") or {}).get("name") or "nlu_fallback"
    if intent != "faq":
        return intent
    response = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
    key = response.get("intent_response_key") or ""
    return key if key.startswith("faq/") else "nlu_fallback"


def labels_of(parse: Dict[str, Any]) -> tuple:
    """What the assistant answers: the clauses' questions for multi_question, else the one label."""
    if (parse.get("intent") or {}).get("name") == "multi_question":
        out: List[str] = []
        for clause in parse.get("clauses") or []:
            label = clause.get("label")
            if label and label not in NOT_A_QUESTION and label not in out:
                out.append(label)
        return tuple(out)
    return (label_of(parse),)


def values_of(parse: Dict[str, Any]) -> Dict[str, str]:
    values = dict(((parse.get("understanding") or {}).get("values")) or {})
    values.pop("markers", None)
    for entity in parse.get("entities") or []:  # older models: regex entities only
        values.setdefault(entity.get("entity"), str(entity.get("value")))
    return {k: str(v) for k, v in values.items()}


def _same_value(kind: str, want: str, got: Optional[str]) -> bool:
    if got is None:
        return False
    if kind in ("area_m2", "amount_yuan"):
        try:
            return float(want) == float(got)
        except ValueError:
            return False
    return want == got


def score(item: Item, parse: Dict[str, Any]) -> Result:
    got = labels_of(parse)
    if item.expected == ("out_of_scope",):
        strict = got == ("out_of_scope",)
        lenient = len(got) == 1 and got[0] in NOT_ANSWERED
    else:
        strict = got == item.expected
        lenient = strict or (len(item.expected) == 1 and len(got) == 1 and got[0] in item.acceptable)
    found = values_of(parse)
    right = sum(_same_value(k, v, found.get(k)) for k, v in item.values.items())
    return Result(item, got, strict, lenient, right, len(item.values), found)


@dataclass
class Report:
    results: List[Result]

    def by_class(self) -> Dict[str, List[Result]]:
        groups: Dict[str, List[Result]] = defaultdict(list)
        for r in self.results:
            groups[r.item.cls].append(r)
        return dict(groups)

    @staticmethod
    def rate(results: Sequence[Result], attr: str = "strict") -> float:
        return sum(getattr(r, attr) for r in results) / len(results) if results else 0.0

    @property
    def in_scope(self) -> List[Result]:
        return [r for r in self.results if r.item.expected != ("out_of_scope",)]

    @property
    def out_of_scope(self) -> List[Result]:
        return [r for r in self.results if r.item.expected == ("out_of_scope",)]

    def values_rate(self) -> tuple[int, int]:
        return sum(r.values_right for r in self.results), sum(r.values_total for r in self.results)

    def as_dict(self) -> Dict[str, Any]:
        right, total = self.values_rate()
        return {
            "classes": {cls: {"n": len(rs), "strict": self.rate(rs), "lenient": self.rate(rs, "lenient")}
                        for cls, rs in sorted(self.by_class().items())},
            "in_scope_top1": self.rate(self.in_scope), "in_scope_lenient": self.rate(self.in_scope, "lenient"),
            "out_of_scope": self.rate(self.out_of_scope),
            "out_of_scope_not_answered": self.rate(self.out_of_scope, "lenient"),
            "values": [right, total],
            "errors": [{"text": r.item.text, "class": r.item.cls, "expected": list(r.item.expected),
                        "got": list(r.got)} for r in self.results if not r.strict],
        }

    def render(self) -> str:
        lines = [f"{'class':<14}{'n':>5}{'strict':>9}{'lenient':>9}"]
        for cls, rs in sorted(self.by_class().items()):
            lines.append(f"{cls:<14}{len(rs):>5}{self.rate(rs):>9.1%}{self.rate(rs, 'lenient'):>9.1%}")
        right, total = self.values_rate()
        lines += [
            f"in-scope top-1 {self.rate(self.in_scope):.1%} strict, {self.rate(self.in_scope, 'lenient'):.1%} lenient"
            f" ({len(self.in_scope)} messages)",
            f"out of scope   {self.rate(self.out_of_scope):.1%} answered as out of scope, "
            f"{self.rate(self.out_of_scope, 'lenient'):.1%} not answered as a topic ({len(self.out_of_scope)})",
            f"values         {right}/{total} extracted right",
            "", "confusions (expected → got):",
        ]
        pairs = Counter((" + ".join(r.item.expected), " + ".join(r.got)) for r in self.results if not r.strict)
        for (want, got), count in pairs.most_common(25):
            lines.append(f"  {count:>2} × {want} → {got}")
        lines += ["", "wrong (strict):"]
        for r in self.results:
            if not r.strict:
                lines.append(f"  [{r.item.cls}] {r.item.text}  → {' + '.join(r.got)}  (want {' + '.join(r.item.expected)})")
        return "\n".join(lines)


def evaluate(parse: Parser, items: Sequence[Item]) -> Report:
    return Report([score(item, parse(item.text)) for item in items])
