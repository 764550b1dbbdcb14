"""The text understanding layer: one reading of a customer's message before any classifier sees it.

    raw text ─┬─ clauses (split on the text as typed: spaces still mark boundaries)
              └─ canonical text: NFKC, spaces next to Chinese dropped, fillers removed, digits ASCII
                   ├─ typed values (户号, phone, area, amount, date, use type, markers) → entities and slots
                   └─ delexicalised text (我家房子NUM平…) → the classifiers

Pure Python, no Rasa: the NLU component (bot.nlu.understanding), the actions (form answers said in words)
and the evaluation all call `understand` / `canonical_text`.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, List, Optional

from bot.text import normalize_text
from bot.understanding.clauses import complete_elliptical, split_clauses
from bot.understanding.lexicon import Lexicon, lexicon
from bot.understanding.numerals import to_digits
from bot.understanding.values import Values, delexicalise, extract

__all__ = ["Understanding", "Clause", "understand", "canonical_text", "is_cancel", "utility_of"]

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_EDGE_PUNCT = " ，,。.！!？?~～…、；;：:\"'“”"
# "不对，我想办报停", "先不分期了，帮我查下欠费": the customer drops what they were doing and asks for something
# else; the classifiers read only the new request (the values are still read from the whole message).
_CHANGE_OF_MIND = re.compile(
    r"^(?:不对|不是这个|不是|等一下|等等|算了|那算了|先不[\u4e00-\u9fff]{1,5}?了|先别[\u4e00-\u9fff]{1,5}?了|"
    r"不(?:查|办|修|算|估|改|问|弄|要|用|申请|分期|缓缴|报停|报修|投诉)了)[,，。.!！\s]*")
_CANCEL_PARTICLES = re.compile(r"[吧啊呀哈嘛呢哦]+$")


@dataclass(frozen=True)
class Clause:
    text: str  # canonical, completed with the subject borrowed from the clause before (if it had none)
    delexicalised: str


@dataclass
class Understanding:
    raw: str
    canonical: str
    delexicalised: str
    values: Values
    clauses: List[Clause] = field(default_factory=list)
    language: str = "zh"  # zh | en | pinyin
    not_chinese: bool = False  # written in another language and not understood
    cancel: bool = False

    def rest(self) -> str:
        """The canonical text without its values: 3100000011近三年交了多少 → 近三年交了多少; 1月31号 → ''."""
        out, last = [], 0
        for value in self.values.found:
            out.append(self.canonical[last:value.start])
            last = value.end
        out.append(self.canonical[last:])
        return "".join(out)

    def as_dict(self) -> Dict[str, object]:
        return {
            "canonical": self.canonical,
            "values": self.values.as_dict(),
            # what the customer said besides the values (empty for a bare 户号, date or area)
            "rest": self.rest(),
            "clauses": [c.text for c in self.clauses],
            "language": self.language,
            "not_chinese": self.not_chinese,
            "cancel": self.cancel,
        }


def _strip_fillers(text: str, lex: Lexicon) -> str:
    for filler in lex.inner_fillers:
        text = text.replace(filler, "")
    changed = True
    while changed:
        changed = False
        for filler in lex.leading_fillers:
            rest = text[len(filler):].lstrip(_EDGE_PUNCT)
            if text.startswith(filler) and len(_CJK.findall(rest)) + len(re.findall(r"\d", rest)) >= 2:
                text, changed = rest, True
                break
    return text


def canonical_text(text: str, lex: Optional[Lexicon] = None) -> str:
    """What the customer said, in one canonical form: the text every parser and classifier reads."""
    lex = lex or lexicon()
    text = normalize_text(text)
    if text.startswith("/"):
        return text  # a button payload (/intent{"slot": …}), not words
    text = to_digits(text)
    for said, spelling in lex.spellings.items():
        text = text.replace(said, spelling)
    return _strip_fillers(text, lex).strip(_EDGE_PUNCT) or text


@lru_cache(maxsize=1)
def _pinyin_terms() -> Dict[str, str]:
    """Pinyin (joined, no tones) → word, for the domain terms and the words of the knowledge base's questions
    (the most frequent word wins a shared pinyin): baoting → 报停, cailiao → 材料."""
    from collections import Counter

    import jieba
    from pypinyin import lazy_pinyin

    from bot.knowledge.loader import load_knowledge_base
    from bot.settings import KNOWLEDGE_DIR

    jieba.setLogLevel(60)
    words: Counter = Counter()
    for topic in load_knowledge_base(KNOWLEDGE_DIR).topics:
        for text in (topic.question, *topic.training_examples):
            words.update(w for w in jieba.lcut(text) if len(w) >= 2 and _CJK.fullmatch(w[0]))
    terms: Dict[str, str] = {}
    for word, _ in words.most_common():
        terms.setdefault("".join(lazy_pinyin(word)), word)
    for term in lexicon().domain_terms:  # the domain's own words win over incidental ones
        if _CJK.search(term):
            terms["".join(lazy_pinyin(term))] = term
    terms.update(lexicon().pinyin)
    return terms


def translate_latin(text: str, lex: Optional[Lexicon] = None) -> tuple[str, str]:
    """English or pinyin words replaced by Chinese where the glossary knows them; (text, language)."""
    lex = lex or lexicon()
    lowered = " " + re.sub(r"[^a-z0-9 ]+", " ", text.lower()) + " "
    english_hits = 0
    for phrase in sorted(lex.english, key=len, reverse=True):
        pattern = f" {phrase} "
        while pattern in lowered:
            lowered = lowered.replace(pattern, f" {lex.english[phrase]} ", 1)
            english_hits += 1
    words = lowered.split()
    pinyin = _pinyin_terms()
    out: List[str] = []
    index, pinyin_hits = 0, 0
    while index < len(words):
        for size in (4, 3, 2, 1):
            joined = "".join(words[index:index + size])
            if index + size <= len(words) and joined in pinyin:
                out.append(pinyin[joined])
                index += size
                pinyin_hits += 1
                break
        else:
            out.append(words[index])
            index += 1
    translated = "".join(w for w in out if _CJK.search(w) or w.isdigit())
    language = "pinyin" if pinyin_hits > english_hits else "en"
    return translated, language


def is_cancel(canonical: str, lex: Optional[Lexicon] = None) -> bool:
    """The whole message says "stop this" (算了, 不用了谢谢, 算了不查了…), not an answer to the question asked."""
    lex = lex or lexicon()
    core = canonical
    for politeness in ("谢谢你", "谢谢", "谢了", "好的", "好吧", "那就", "那", "哎", "唉", "还是"):
        core = core.replace(politeness, " ")
    pieces = [p for p in re.split(r"[\s，,。.！!？?~～…、；;]+", core) if p]
    if not pieces:
        return False
    phrases = sorted(lex.cancel_phrases, key=len, reverse=True)

    def covered(text: str) -> bool:
        text = _CANCEL_PARTICLES.sub("", text)
        if not text:
            return True
        return any(text.startswith(p) and covered(text[len(p):]) for p in phrases)

    # Politeness alone (谢谢你啊) is not a cancel: some piece must name one.
    named = any(_CANCEL_PARTICLES.sub("", p) for p in pieces)
    return named and all(covered(p) for p in pieces)


def utility_of(text: str, lex: Optional[Lexicon] = None):
    """The neighbouring utility a question is about (电费 → electricity), or None when it is (also) about
    heating."""
    lex = lex or lexicon()
    if any(word in text for word in lex.heating_words):
        return None
    for utility in lex.utilities:
        if any(word in text for word in utility.words):
            return utility
    return None


def understand(text: str, today: dt.date, lex: Optional[Lexicon] = None) -> Understanding:
    lex = lex or lexicon()
    raw = text or ""
    spaced = normalize_text(raw) if raw.strip().startswith("/") else re.sub(r"\s+", " ", raw).strip()
    language, not_chinese = "zh", False
    if not spaced.startswith("/") and not _CJK.search(spaced) and _LATIN_WORD.search(spaced):
        translated, language = translate_latin(spaced, lex)
        if len(_CJK.findall(translated)) >= 2:
            spaced = translated
        else:
            not_chinese = True
    canonical = canonical_text(spaced, lex)
    if canonical.startswith("/"):
        return Understanding(raw, canonical, canonical, Values(), [], language, False, False)
    values = extract(canonical, today)
    focus = canonical
    change = _CHANGE_OF_MIND.match(canonical)
    if change and len(_CJK.findall(canonical[change.end():])) >= 4:
        focus = canonical[change.end():]
    clause_texts = [canonical_text(c, lex) for c in split_clauses(spaced, lex)]
    clauses = []
    if len(clause_texts) > 1:
        for clause in complete_elliptical(clause_texts, lex):
            clauses.append(Clause(clause, delexicalise(clause, extract(clause, today))))
    return Understanding(
        raw=raw,
        canonical=canonical,
        delexicalised=delexicalise(canonical, values) if focus == canonical
        else delexicalise(focus, extract(focus, today)),
        values=values,
        clauses=clauses,
        language=language,
        not_chinese=not_chinese,
        cancel=is_cancel(canonical, lex),
    )
