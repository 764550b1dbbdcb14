"""The routing table (knowledge/routing.yml): classified intent + values → what the assistant does.

Pure data and functions: the NLU router applies `route`, the rule generator reads `tasks`, the evaluation
scores with the same reading, and `kb check` validates the file against the knowledge base.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from bot.settings import KNOWLEDGE_DIR

ROUTING_FILE = KNOWLEDGE_DIR / "routing.yml"
FAQ_PREFIX = "faq/"
MULTI_QUESTION = "multi_question"
NON_CHINESE = "non_chinese"
CANCEL = "cancel"
INFORM = "inform"
FALLBACK = "nlu_fallback"
# Intents that carry no request of their own: a clause of this kind is not a question to answer.
NOT_A_QUESTION = frozenset({"greet", "goodbye", "thanks", "affirm", "deny", INFORM, CANCEL})


@dataclass(frozen=True)
class Task:
    intent: str
    form: str
    name: str
    explains: str  # the FAQ topic with the policy behind it
    offers: Tuple[str, ...] = ()  # FAQ topics whose answer offers this task with a button


@dataclass(frozen=True)
class Route:
    labels: Tuple[str, ...]  # faq/<topic> or intent names
    all: Tuple[str, ...]
    any: Tuple[str, ...]
    none: Tuple[str, ...]
    route: str

    def matches(self, label: str) -> bool:
        return label in self.labels or (label.startswith(FAQ_PREFIX) and f"{FAQ_PREFIX}*" in self.labels)

    def applies(self, label: str, facts: frozenset) -> bool:
        return (self.matches(label) and all(f in facts for f in self.all)
                and (not self.any or any(f in facts for f in self.any))
                and not any(f in facts for f in self.none))


@dataclass(frozen=True)
class RoutingTable:
    tasks: Dict[str, Task]
    routes: Tuple[Route, ...]
    value_only_kinds: Tuple[str, ...]
    value_only_intents: Tuple[str, ...]

    def offer_for_topic(self, topic: str) -> Optional[Task]:
        return next((t for t in self.tasks.values() if topic in t.offers), None)

    def task_for_form(self, form: str) -> Optional[Task]:
        return next((t for t in self.tasks.values() if t.form == form), None)

    def route(self, label: str, facts: Iterable[str]) -> str:
        """The label the dialogue should act on: `label` (an intent or faq/<topic>) rerouted by the table."""
        facts = frozenset(facts)
        for rule in self.routes:
            if rule.applies(label, facts):
                return rule.route
        if label in self.value_only_intents and any(k in facts for k in self.value_only_kinds):
            return INFORM
        return label


def _tuple(entry: dict, key: str) -> Tuple[str, ...]:
    value = entry.get(key) or []
    if not isinstance(value, list):
        raise ValueError(f"routing.yml: '{key}' must be a list in {entry}")
    return tuple(str(v) for v in value)


def load_routing(path: Path = ROUTING_FILE) -> RoutingTable:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    tasks = {}
    for intent, spec in (data.get("tasks") or {}).items():
        if not {"form", "name", "explains"} <= set(spec or {}):
            raise ValueError(f"routing.yml: task {intent} needs form, name and explains")
        tasks[intent] = Task(intent, spec["form"], spec["name"], spec["explains"], _tuple(spec, "offers"))
    routes = tuple(
        Route(_tuple(r, "from"), _tuple(r, "all"), _tuple(r, "any"), _tuple(r, "none"), str(r["route"]))
        for r in data.get("routes") or []
    )
    value_only = data.get("value_only") or {}
    return RoutingTable(tasks, routes, _tuple(value_only, "kinds"), _tuple(value_only, "intents"))


@lru_cache(maxsize=1)
def routing() -> RoutingTable:
    return load_routing()


def check_routing(table: RoutingTable, topic_ids: Iterable[str], intents: Iterable[str]) -> List[str]:
    """Problems with the table: unknown topics, intents or routes."""
    topic_ids, intents = set(topic_ids), set(intents)
    problems = []
    for task in table.tasks.values():
        if task.intent not in intents:
            problems.append(f"task {task.intent}: not an intent of the domain")
        if task.explains not in topic_ids:
            problems.append(f"task {task.intent}: explains unknown topic {task.explains}")
        problems += [f"task {task.intent}: offers unknown topic {t}" for t in task.offers if t not in topic_ids]
    for rule in table.routes:
        for label in rule.labels:
            if label == f"{FAQ_PREFIX}*":
                continue
            known = label[len(FAQ_PREFIX):] in topic_ids if label.startswith(FAQ_PREFIX) else label in intents
            if not known:
                problems.append(f"route from {label}: unknown topic or intent")
        if rule.route not in table.tasks:
            problems.append(f"route to {rule.route}: not a task")
    return problems
