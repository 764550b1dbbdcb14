"""BM25 search over the policy articles and the FAQ topics, for questions the classifier is unsure about.

`search("只纳金怎么算")` returns ranked `Passage`s, each with its citation (《title》第N条) and score. Text is
cut with jieba (plus the domain dictionary in knowledge/dictionary/ when present) and, for robustness to
typos and homophones, also into overlapping two-character pieces; a few common misspellings are mapped to
the right word first. Articles are indexed on their title and text plus the questions of the topics that cite
them; topics on their question, paraphrases and answer, so a customer's wording finds the passage even when
the article uses official language.

The index is built on first use and cached per process (`get_index()`); nothing happens at import time.
"""
from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Sequence

from bot.knowledge.loader import load_knowledge_base
from bot.knowledge.models import KnowledgeBase
from bot.knowledge.render import Renderer
from bot.policy import Policy, default_policy
from bot.settings import KNOWLEDGE_DIR

DICTIONARY_DIR = KNOWLEDGE_DIR / "dictionary"

STOPWORDS = frozenset(
    """的 了 吗 呢 啊 吧 呀 嗯 哦 嘛 么 哈 啦 呗 我 我们 你 你们 您 他 她 它 是 在 有 和 与 及 或 就 都 也 还 要 想 问 问下
    一下 请问 那个 这个 那 这 怎么 怎样 怎么样 什么 啥 如何 多少 可以 能 能不能 会 不会 吧 给 把 被 对 个 下 上 说 知道 麻烦
    请 谢谢 好 一 下子 那么 这么 咋 咱 咱们 俺 吗呀 不 没""".split()
)


@dataclass(frozen=True)
class Passage:
    """One search hit: an article of a policy document or an FAQ topic, with the article it rests on."""

    kind: str  # "article" or "topic"
    id: str  # "charging_rules#5" for an article, the topic id for a topic
    document_id: str
    article_number: int
    title: str  # the article's title, or the topic's question
    text: str  # rendered from the policy
    citation: str  # 《示例热力有限公司供热收费管理办法》第5条
    score: float = 0.0


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def normalize_query(text: str) -> str:
    """NFKC, lower case, and the understanding layer's spellings (knowledge/understanding.yml: 只纳金 → 滞纳金)."""
    from bot.understanding.lexicon import lexicon

    text = unicodedata.normalize("NFKC", text).lower()
    for said, spelling in lexicon().spellings.items():
        text = text.replace(said, spelling)
    return text


class Tokenizer:
    """jieba (own instance, so the global one is left alone) with the domain dictionary, plus CJK bigrams."""

    def __init__(self, dictionary_dir: Optional[Path] = DICTIONARY_DIR):
        import jieba  # imported on first use: loading jieba takes a moment

        jieba.setLogLevel(60)
        self._jieba = jieba.Tokenizer()
        if dictionary_dir is not None and Path(dictionary_dir).is_dir():
            for path in sorted(Path(dictionary_dir).iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    self._jieba.load_userdict(str(path))
        self._lock = threading.Lock()

    def __call__(self, text: str) -> List[str]:
        text = normalize_query(text)
        with self._lock:  # jieba's lazy initialisation is not thread-safe
            words = self._jieba.lcut_for_search(text)
        tokens = [w for w in (w.strip() for w in words) if w and w not in STOPWORDS and any(c.isalnum() for c in w)]
        run = ""
        for ch in text + " ":
            if _is_cjk(ch):
                run += ch
                continue
            tokens += [run[i:i + 2] for i in range(len(run) - 1) if run[i:i + 2] not in STOPWORDS]
            run = ""
        return tokens


class KnowledgeIndex:
    """A BM25 index over the passages of one knowledge base rendered against one policy."""

    def __init__(self, passages: Sequence[Passage], token_lists: Sequence[List[str]], tokenizer: Tokenizer):
        from rank_bm25 import BM25Okapi

        self.passages = list(passages)
        self.tokenize = tokenizer
        self._bm25 = BM25Okapi([tokens or ["∅"] for tokens in token_lists])

    @classmethod
    def build(
        cls, kb: KnowledgeBase, policy: Policy, dictionary_dir: Optional[Path] = DICTIONARY_DIR
    ) -> "KnowledgeIndex":
        renderer, tokenizer = Renderer(policy), Tokenizer(dictionary_dir)
        passages, token_lists = [], []
        # An article is also found by how customers ask about it: the questions of the topics citing it.
        asked: dict = {}
        for topic in kb.topics:
            asked.setdefault((topic.source.document, topic.source.article), []).extend(
                [topic.question, *topic.examples])
        for doc in sorted(kb.documents, key=lambda d: d.id):
            title = renderer(doc.title)
            for art in doc.articles:
                text = renderer(art.text)
                passages.append(Passage(
                    "article", f"{doc.id}#{art.number}", doc.id, art.number, renderer(art.title), text,
                    f"《{title}》第{art.number}条"))
                token_lists.append(tokenizer(" ".join([renderer(art.title), text, *asked.get((doc.id, art.number), [])])))
        docs = kb.documents_by_id
        for topic in sorted(kb.topics, key=lambda t: t.id):
            doc = docs.get(topic.source.document)
            answer = renderer(topic.answer)
            passages.append(Passage(
                "topic", topic.id, topic.source.document, topic.source.article, topic.question, answer,
                f"《{renderer(doc.title) if doc else topic.source.document}》第{topic.source.article}条"))
            token_lists.append(tokenizer(" ".join([topic.question, *topic.examples, answer])))
        return cls(passages, token_lists, tokenizer)

    def search(self, query: str, k: int = 3, kinds: Optional[Sequence[str]] = None) -> List[Passage]:
        """The k best passages with a positive score, best first (ties keep index order)."""
        tokens = self.tokenize(query)
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        ranked = sorted(range(len(self.passages)), key=lambda i: (-scores[i], i))
        out = []
        for i in ranked:
            if scores[i] <= 0:
                break
            passage = self.passages[i]
            if kinds is None or passage.kind in kinds:
                out.append(Passage(**{**passage.__dict__, "score": round(float(scores[i]), 4)}))
            if len(out) >= k:
                break
        return out


_build_lock = threading.Lock()


@lru_cache(maxsize=1)
def _default_index() -> KnowledgeIndex:
    return KnowledgeIndex.build(load_knowledge_base(KNOWLEDGE_DIR), default_policy(), DICTIONARY_DIR)


def get_index() -> KnowledgeIndex:
    """The index of the bundled knowledge base, built on first use and then cached for the process."""
    with _build_lock:
        return _default_index()


def clear_cache() -> None:
    """Forget the cached index (after knowledge/ or the policy file changed)."""
    _default_index.cache_clear()


def search(query: str, k: int = 3, kinds: Optional[Sequence[str]] = None) -> List[Passage]:
    """Search the bundled knowledge base: ranked passages (articles and topics) with citation and score."""
    return get_index().search(query, k=k, kinds=kinds)
