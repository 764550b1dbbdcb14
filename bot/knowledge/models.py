"""Typed objects of the knowledge base: policy documents and their articles, FAQ topics, out-of-scope examples.

The models forbid unknown keys, so a misspelt field name in a YAML file is reported instead of ignored.
Text fields are stripped (YAML `|` block scalars end with a newline); questions and paraphrases are
single lines with their whitespace collapsed. Each loaded object remembers the file it came from
(`.file`, relative to the knowledge directory) so problems can name it.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from pydantic import BaseModel, PrivateAttr, conint, validator

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def one_line(text: str) -> str:
    """Collapse all whitespace runs (newlines included) to one space and strip the ends."""
    return " ".join(str(text).split())


def normalize_text(text: str) -> str:
    """The comparison key of a paraphrase: NFKC, lower case, no whitespace, punctuation or symbols.

    `为啥暖气费按面积算？` and `为啥 暖气费按面积算` give the same key, so they count as the same paraphrase.
    """
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in ("P", "S", "Z", "C"))


class _Strict(BaseModel):
    _file: str = PrivateAttr(default="")

    class Config:
        extra = "forbid"

    @property
    def file(self) -> str:
        return self._file

    def with_file(self, file: str):
        self._file = file
        return self


def _block_text(value: str) -> str:
    if not isinstance(value, str):
        raise TypeError("must be text")
    text = "\n".join(line.rstrip() for line in value.strip().splitlines())
    if not text:
        raise ValueError("must not be empty")
    return text


def _line_text(value: str) -> str:
    if not isinstance(value, str):
        raise TypeError("must be text")
    text = one_line(value)
    if not text:
        raise ValueError("must not be empty")
    return text


class Article(_Strict):
    number: conint(ge=1)
    title: str
    text: str

    _title = validator("title", pre=True, allow_reuse=True)(_line_text)
    _text = validator("text", pre=True, allow_reuse=True)(_block_text)


class Document(_Strict):
    """A (sample) policy document: 《title》 with numbered articles. Title and text may hold placeholders."""

    id: str
    title: str
    issued: dt.date
    articles: List[Article]

    _title = validator("title", pre=True, allow_reuse=True)(_line_text)

    @validator("articles")
    def _has_articles(cls, articles):
        if not articles:
            raise ValueError("a document needs at least one article")
        return articles

    def article(self, number: int) -> Optional[Article]:
        return next((a for a in self.articles if a.number == number), None)


class SourceRef(_Strict):
    document: str
    article: conint(ge=1)


class Topic(_Strict):
    """One FAQ topic: the canonical question, how customers really ask it, the answer and its source."""

    id: str
    question: str
    examples: List[str]
    answer: str
    source: SourceRef
    reviewed: dt.date

    _question = validator("question", pre=True, allow_reuse=True)(_line_text)
    _answer = validator("answer", pre=True, allow_reuse=True)(_block_text)

    @validator("examples", pre=True)
    def _examples(cls, values):
        if not isinstance(values, list):
            raise TypeError("must be a list of paraphrases")
        return [_line_text(v) if isinstance(v, str) else v for v in values]

    @property
    def training_examples(self) -> List[str]:
        """The canonical question followed by the paraphrases, each once (first spelling kept)."""
        seen, out = set(), []
        for text in [self.question, *self.examples]:
            key = normalize_text(text)
            if key not in seen:
                seen.add(key)
                out.append(text)
        return out


class OutOfScope(_Strict):
    """knowledge/out_of_scope.yml: requests the assistant does not handle (the boundary of its domain)."""

    examples: List[str]

    @validator("examples", pre=True)
    def _examples(cls, values):
        if not isinstance(values, list):
            raise TypeError("must be a list of examples")
        return [_line_text(v) if isinstance(v, str) else v for v in values]


@dataclass
class KnowledgeBase:
    """Everything under knowledge/ except the policy file (which bot.policy loads)."""

    documents: List[Document] = field(default_factory=list)
    topics: List[Topic] = field(default_factory=list)
    out_of_scope: List[str] = field(default_factory=list)
    out_of_scope_file: str = "out_of_scope.yml"

    @property
    def documents_by_id(self) -> Dict[str, Document]:
        return {d.id: d for d in self.documents}

    @property
    def topics_by_id(self) -> Dict[str, Topic]:
        return {t.id: t for t in self.topics}

    def topic(self, topic_id: str) -> Topic:
        return self.topics_by_id[topic_id]

    def source_of(self, topic: Topic) -> Tuple[Optional[Document], Optional[Article]]:
        doc = self.documents_by_id.get(topic.source.document)
        return doc, (doc.article(topic.source.article) if doc else None)

    def topics_by_file(self) -> Dict[str, List[Topic]]:
        out: Dict[str, List[Topic]] = {}
        for t in self.topics:
            out.setdefault(t.file, []).append(t)
        return out
