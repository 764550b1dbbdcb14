"""Word lists of the understanding layer, loaded from `knowledge/understanding.yml` (data staff can edit).

Fillers of spoken and run-on messages, cancel phrases that end a form, clause connectives of two-question
messages, an English and pinyin glossary for the few customers who write that way, and the neighbouring utilities
whose questions come here by mistake (with who handles them instead).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from bot.settings import KNOWLEDGE_DIR

LEXICON_FILE = KNOWLEDGE_DIR / "understanding.yml"
DICTIONARY_DIR = KNOWLEDGE_DIR / "dictionary"


@dataclass(frozen=True)
class Utility:
    id: str
    name: str
    words: Tuple[str, ...]
    advice: str


@dataclass(frozen=True)
class Lexicon:
    spellings: Dict[str, str]
    leading_fillers: Tuple[str, ...]
    inner_fillers: Tuple[str, ...]
    cancel_phrases: Tuple[str, ...]
    clause_connectives: Tuple[str, ...]
    strong_connectives: Tuple[str, ...]
    alternatives: Tuple[str, ...]
    question_words: Tuple[str, ...]
    english: Dict[str, str]
    pinyin: Dict[str, str]
    utilities: Tuple[Utility, ...]
    heating_words: Tuple[str, ...]
    domain_terms: Tuple[str, ...]


def _strings(data: dict, key: str) -> Tuple[str, ...]:
    values = data.get(key) or []
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{LEXICON_FILE.name}: '{key}' must be a list of non-empty strings")
    return tuple(v.strip() for v in values)


def _mapping(data: dict, key: str) -> Dict[str, str]:
    values = data.get(key) or {}
    if not isinstance(values, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
        raise ValueError(f"{LEXICON_FILE.name}: '{key}' must map strings to strings")
    return {k.lower().strip(): v.strip() for k, v in values.items()}


def _dictionary_terms(directory: Path) -> Tuple[str, ...]:
    terms = set()
    for path in sorted(directory.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            word = line.split(" ")[0].strip()
            if len(word) >= 2:
                terms.add(word)
    return tuple(sorted(terms, key=len, reverse=True))


def load_lexicon(path: Path = LEXICON_FILE, dictionary_dir: Path = DICTIONARY_DIR) -> Lexicon:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    utilities = []
    for entry in data.get("utilities") or []:
        if not {"id", "name", "words", "advice"} <= set(entry):
            raise ValueError(f"{path.name}: every utility needs id, name, words and advice: {entry}")
        utilities.append(Utility(entry["id"], entry["name"], tuple(entry["words"]), entry["advice"].strip()))
    return Lexicon(
        spellings=dict(sorted(_mapping(data, "spellings").items(), key=lambda kv: -len(kv[0]))),
        leading_fillers=tuple(sorted(_strings(data, "leading_fillers"), key=len, reverse=True)),
        inner_fillers=tuple(sorted(_strings(data, "inner_fillers"), key=len, reverse=True)),
        cancel_phrases=_strings(data, "cancel_phrases"),
        clause_connectives=tuple(sorted(set(_strings(data, "clause_connectives") + _strings(data, "strong_connectives")),
                                        key=len, reverse=True)),
        strong_connectives=_strings(data, "strong_connectives"),
        alternatives=tuple(sorted(_strings(data, "alternatives"), key=len, reverse=True)),
        question_words=_strings(data, "question_words"),
        english=_mapping(data, "english"),
        pinyin=_mapping(data, "pinyin"),
        utilities=tuple(utilities),
        heating_words=_strings(data, "heating_words"),
        domain_terms=_dictionary_terms(dictionary_dir) + _strings(data, "extra_domain_terms"),
    )


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return load_lexicon()


def sorted_by_length(items: List[str]) -> List[str]:
    return sorted(items, key=len, reverse=True)
