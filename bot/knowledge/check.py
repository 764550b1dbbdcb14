"""The validator staff run after editing knowledge/ (`python -m bot kb check`).

`check_knowledge_base()` returns a list of `Problem`s (file, topic or document id, message); empty means the
knowledge base can be exported and trained. Rules:

- a file is not valid YAML, or an item misses a required field / has an unknown one;
- an id is duplicated, or is not ASCII snake_case (topics and documents); an article number repeats;
- a topic has fewer than MIN_PARAPHRASES distinct paraphrases, or repeats one;
- the same paraphrase (normalised: no case, whitespace or punctuation) appears under two topics, equals the
  question of another topic, or is also an out-of-scope example;
- a source names an unknown document or article;
- a placeholder names an unknown policy key or format, a brace is stray, or a figure / the company name is
  typed into an answer, article or title instead of coming from the policy file;
- a paraphrase holds [ ] (Rasa would read it as entity markup);
- a topic's `reviewed` date is in the future;
- a paraphrase is also a training example of a dialogue intent (data/nlu: the request a dialogue fulfils must
  not be taught as a FAQ question too), or reads the same once values are replaced by placeholders;
- the routing table (routing.yml) names an unknown topic, intent or task, or the understanding word lists
  (understanding.yml) do not load.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from bot.knowledge.loader import Problem, read_knowledge_base
from bot.knowledge.models import SNAKE_CASE, KnowledgeBase, normalize_text
from bot.knowledge.render import derived_values, placeholder_problems
from bot.policy import Policy, default_policy
from bot.settings import KNOWLEDGE_DIR

MIN_PARAPHRASES = 12

__all__ = ["MIN_PARAPHRASES", "Problem", "check_knowledge_base", "validate"]


def _check_ids(kb: KnowledgeBase, problems: List[Problem]) -> None:
    seen: Dict[str, str] = {}
    for topic in kb.topics:
        if not SNAKE_CASE.match(topic.id):
            problems.append(Problem(topic.file, topic.id, "topic id must be ASCII snake_case (e.g. late_fee_rate)"))
        if topic.id in seen:
            problems.append(Problem(topic.file, topic.id, f"duplicate topic id (also in {seen[topic.id]})"))
        else:
            seen[topic.id] = topic.file
    docs: Dict[str, str] = {}
    for doc in kb.documents:
        if not SNAKE_CASE.match(doc.id):
            problems.append(Problem(doc.file, doc.id, "document id must be ASCII snake_case"))
        if doc.id in docs:
            problems.append(Problem(doc.file, doc.id, f"duplicate document id (also in {docs[doc.id]})"))
        else:
            docs[doc.id] = doc.file
        numbers = [a.number for a in doc.articles]
        for n in sorted({n for n in numbers if numbers.count(n) > 1}):
            problems.append(Problem(doc.file, doc.id, f"article number {n} is used more than once"))


def _check_sources(kb: KnowledgeBase, problems: List[Problem]) -> None:
    docs = kb.documents_by_id
    for topic in kb.topics:
        doc = docs.get(topic.source.document)
        if doc is None:
            problems.append(Problem(topic.file, topic.id, f"source: unknown document '{topic.source.document}'"))
        elif doc.article(topic.source.article) is None:
            problems.append(Problem(
                topic.file, topic.id, f"source: document '{doc.id}' has no article {topic.source.article}"))


def _check_paraphrases(kb: KnowledgeBase, problems: List[Problem]) -> None:
    questions = {normalize_text(t.question): t for t in kb.topics}
    owner: Dict[str, Tuple[str, str]] = {}  # key -> (topic id, file)
    for topic in kb.topics:
        keys = set()
        for text in topic.examples:
            key = normalize_text(text)
            if not key:
                problems.append(Problem(topic.file, topic.id, f"paraphrase '{text}' has no words"))
                continue
            if "[" in text or "]" in text:
                problems.append(Problem(topic.file, topic.id, f"paraphrase '{text}' holds [ ] (Rasa entity markup)"))
            if key in keys:
                problems.append(Problem(topic.file, topic.id, f"paraphrase '{text}' is listed twice"))
                continue
            keys.add(key)
            other = questions.get(key)
            if other is not None and other.id != topic.id:
                problems.append(Problem(
                    topic.file, topic.id, f"paraphrase '{text}' equals the question of topic '{other.id}'"))
            if key in owner and owner[key][0] != topic.id:
                problems.append(Problem(
                    topic.file, topic.id, f"paraphrase '{text}' is also under topic '{owner[key][0]}' ({owner[key][1]})"))
            else:
                owner.setdefault(key, (topic.id, topic.file))
        distinct = keys - {normalize_text(topic.question)}
        if len(distinct) < MIN_PARAPHRASES:
            problems.append(Problem(
                topic.file, topic.id, f"only {len(distinct)} distinct paraphrases; at least {MIN_PARAPHRASES} needed"))
    for key, topic in questions.items():
        owner.setdefault(key, (topic.id, topic.file))
    seen_oos = set()
    for text in kb.out_of_scope:
        key = normalize_text(text)
        if not key:
            problems.append(Problem(kb.out_of_scope_file, None, f"example '{text}' has no words"))
        elif key in seen_oos:
            problems.append(Problem(kb.out_of_scope_file, None, f"example '{text}' is listed twice"))
        elif key in owner:
            problems.append(Problem(
                kb.out_of_scope_file, None, f"example '{text}' is also a paraphrase of topic '{owner[key][0]}'"))
        if "[" in text or "]" in text:
            problems.append(Problem(kb.out_of_scope_file, None, f"example '{text}' holds [ ] (Rasa entity markup)"))
        seen_oos.add(key)


def _check_texts(kb: KnowledgeBase, policy: Policy, problems: List[Problem]) -> None:
    derived = derived_values(policy)
    for topic in kb.topics:
        for msg in placeholder_problems(topic.answer, policy, derived):
            problems.append(Problem(topic.file, topic.id, f"answer: {msg}"))
    for doc in kb.documents:
        for msg in placeholder_problems(doc.title, policy, derived):
            problems.append(Problem(doc.file, doc.id, f"title: {msg}"))
        for art in doc.articles:
            for field, text in (("title", art.title), ("text", art.text)):
                for msg in placeholder_problems(text, policy, derived):
                    problems.append(Problem(doc.file, doc.id, f"article {art.number} {field}: {msg}"))


def _check_dates(kb: KnowledgeBase, today: dt.date, problems: List[Problem]) -> None:
    for topic in kb.topics:
        if topic.reviewed > today:
            problems.append(Problem(topic.file, topic.id, f"reviewed date {topic.reviewed} is in the future"))


def validate(kb: KnowledgeBase, policy: Policy, today: Optional[dt.date] = None) -> List[Problem]:
    """The rule problems of an already loaded knowledge base."""
    problems: List[Problem] = []
    _check_ids(kb, problems)
    _check_sources(kb, problems)
    _check_paraphrases(kb, problems)
    _check_texts(kb, policy, problems)
    _check_dates(kb, today or dt.date.today(), problems)
    return problems


def check_knowledge_base(
    root: Path | str = KNOWLEDGE_DIR, policy: Optional[Policy] = None, today: Optional[dt.date] = None
) -> List[Problem]:
    """Load knowledge/ leniently and return every problem found (load errors first, then the rules)."""
    kb, problems = read_knowledge_base(root)
    problems += validate(kb, policy or default_policy(), today)
    problems += check_dialogue_collisions(kb, Path(root).parent / "data" / "nlu")
    problems += check_understanding_files(kb, Path(root))
    return problems


def _dialogue_examples(nlu_dir: Path) -> Dict[str, str]:
    """Training examples of the hand-written (non-FAQ) intents, by delexicalised text → intent."""
    import yaml

    from bot.understanding import understand

    found: Dict[str, str] = {}
    day = dt.date(2026, 1, 1)
    for path in sorted(nlu_dir.glob("*.yml")):
        if path.name.endswith(".generated.yml"):
            continue
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            intent = block.get("intent")
            if not intent or intent in ("inform", "out_of_scope"):
                continue
            for line in str(block.get("examples") or "").splitlines():
                text = line.strip()[2:] if line.strip().startswith("- ") else ""
                if text:
                    key = normalize_text(understand(_strip_markup(text), day).delexicalised)
                    found.setdefault(key, intent)
    return found


def _strip_markup(text: str) -> str:
    import re

    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)


def check_dialogue_collisions(kb: KnowledgeBase, nlu_dir: Path) -> List[Problem]:
    """A FAQ paraphrase that is also a dialogue intent's example teaches the classifier two answers."""
    if not nlu_dir.is_dir():
        return []
    from bot.understanding import understand

    dialogue = _dialogue_examples(nlu_dir)
    problems = []
    day = dt.date(2026, 1, 1)
    for topic in kb.topics:
        for text in topic.training_examples:
            intent = dialogue.get(normalize_text(understand(text, day).delexicalised))
            if intent:
                problems.append(Problem(topic.file, topic.id,
                                        f"paraphrase '{text}' is also an example of the dialogue intent {intent}"))
    return problems


def check_understanding_files(kb: KnowledgeBase, root: Path) -> List[Problem]:
    import yaml

    from bot.understanding.lexicon import load_lexicon
    from bot.understanding.routing import check_routing, load_routing

    problems: List[Problem] = []
    if not (root / "routing.yml").exists() and not (root / "understanding.yml").exists():
        return problems  # a knowledge base without the assistant's own files (e.g. a staff draft): FAQ rules only
    try:
        load_lexicon(root / "understanding.yml", root / "dictionary")
    except (OSError, ValueError, yaml.YAMLError) as exc:
        problems.append(Problem("understanding.yml", "-", str(exc)))
    try:
        table = load_routing(root / "routing.yml")
    except (OSError, ValueError, KeyError, yaml.YAMLError) as exc:
        return problems + [Problem("routing.yml", "-", str(exc))]
    intents = set()
    for path in (root.parent / "domain").glob("*.yml"):
        for intent in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents") or []:
            intents.add(intent if isinstance(intent, str) else next(iter(intent)))
    problems += [Problem("routing.yml", "-", p) for p in check_routing(table, [t.id for t in kb.topics], intents)]
    return problems
