"""Read knowledge/documents/*.yml, knowledge/faq/*.yml and knowledge/out_of_scope.yml.

`read_knowledge_base` is lenient: it loads every well-formed document and topic and returns the rest as
problems (the validator reports them all at once). `load_knowledge_base` is strict and raises on the first
sign of trouble; it is what the exporter and the search index use.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import yaml
from pydantic import ValidationError

from bot.knowledge.models import Document, KnowledgeBase, OutOfScope, Topic
from bot.settings import KNOWLEDGE_DIR

DOCUMENTS_DIR = "documents"
FAQ_DIR = "faq"
OUT_OF_SCOPE_FILE = "out_of_scope.yml"


class KnowledgeError(ValueError):
    """The knowledge base cannot be loaded or does not pass the validator."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the knowledge base, named by file and (where there is one) topic or document id."""

    file: str
    item: Optional[str]
    message: str

    def __str__(self) -> str:
        where = f"{self.file} [{self.item}]" if self.item else self.file
        return f"{where}: {self.message}"


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _read_yaml(path: Path, root: Path, problems: List[Problem]):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        problems.append(Problem(_rel(path, root), None, f"cannot read file: {exc}"))
    except yaml.YAMLError as exc:
        problems.append(Problem(_rel(path, root), None, f"not valid YAML: {exc}"))
    return None


def _errors(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = "field required" if err["type"] == "value_error.missing" else err["msg"]
        if err["type"] == "value_error.extra":
            msg = "unknown field"
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)


def _item_id(raw) -> Optional[str]:
    if isinstance(raw, dict) and raw.get("id") is not None:
        return str(raw["id"])
    return None


def read_knowledge_base(root: Path | str = KNOWLEDGE_DIR) -> Tuple[KnowledgeBase, List[Problem]]:
    """Load what can be loaded; every file or item that cannot is returned as a problem."""
    root = Path(root)
    kb, problems = KnowledgeBase(), []

    for path in sorted((root / DOCUMENTS_DIR).glob("*.yml")):
        rel, raw = _rel(path, root), _read_yaml(path, root, problems)
        if raw is None:
            continue
        try:
            kb.documents.append(Document.parse_obj(raw).with_file(rel))
        except ValidationError as exc:
            problems.append(Problem(rel, _item_id(raw), f"invalid document: {_errors(exc)}"))

    for path in sorted((root / FAQ_DIR).glob("*.yml")):
        rel, raw = _rel(path, root), _read_yaml(path, root, problems)
        if raw is None:
            continue
        if not isinstance(raw, list):
            problems.append(Problem(rel, None, "a FAQ file must hold a list of topics (`- id: …`)"))
            continue
        for index, item in enumerate(raw):
            try:
                kb.topics.append(Topic.parse_obj(item).with_file(rel))
            except ValidationError as exc:
                label = _item_id(item) or f"#{index + 1}"
                problems.append(Problem(rel, label, f"invalid topic: {_errors(exc)}"))

    oos_path = root / OUT_OF_SCOPE_FILE
    kb.out_of_scope_file = OUT_OF_SCOPE_FILE
    if oos_path.exists():
        raw = _read_yaml(oos_path, root, problems)
        if raw is not None:
            try:
                kb.out_of_scope = OutOfScope.parse_obj(raw).examples
            except ValidationError as exc:
                problems.append(Problem(OUT_OF_SCOPE_FILE, None, f"invalid file: {_errors(exc)}"))
    else:
        problems.append(Problem(OUT_OF_SCOPE_FILE, None, "file is missing"))

    if not kb.documents:
        problems.append(Problem(DOCUMENTS_DIR, None, "no policy documents found"))
    if not kb.topics:
        problems.append(Problem(FAQ_DIR, None, "no FAQ topics found"))
    return kb, problems


def load_knowledge_base(root: Path | str = KNOWLEDGE_DIR) -> KnowledgeBase:
    """Load the knowledge base; raise KnowledgeError if any file or item is malformed."""
    kb, problems = read_knowledge_base(root)
    if problems:
        listing = "\n".join(f"  {p}" for p in problems)
        raise KnowledgeError(f"knowledge base {root} cannot be loaded:\n{listing}")
    return kb
