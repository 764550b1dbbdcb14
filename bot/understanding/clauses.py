"""Splitting a message into the questions it asks (滞纳金怎么算？另外我能不能分期？ → two clauses).

Runs on the text as typed (before spaces next to Chinese characters are dropped), because a space is often the
only separator customers type between two questions (报停要什么材料 在哪办). Only clear boundaries split:
sentence-final punctuation, a connective (另外, 还有, 顺便问一下…), or a space or comma right after a question.
A later clause that names no subject of its own borrows the domain terms of the clause before it
(在哪办 → 报停在哪办), so it can be understood alone.
"""
from __future__ import annotations

import re
from typing import List

from bot.understanding.lexicon import Lexicon

MAX_CLAUSES = 3
MIN_CLAUSE_CHARS = 3
MAX_ELLIPTICAL_CHARS = 6  # 在哪办, 要带啥: longer clauses say what they are about
_HARD_BREAK = re.compile(r"[？?！!；;。\n]+")
_SOFT_BREAK = re.compile(r"[，,、\s]+")


_YES_NO_END = re.compile(r"(?:不|没|没有|不了|没得)$")


def _is_question(text: str, lex: Lexicon) -> bool:
    """A question word, or a yes-no question ending (能交暖气费不, 交了没有)."""
    text = text.strip(" ，,、")
    return any(word in text for word in lex.question_words) or bool(_YES_NO_END.search(text))


def _split_connectives(part: str, lex: Lexicon) -> List[str]:
    pieces = [part]
    for word in lex.clause_connectives:
        next_pieces = []
        for piece in pieces:
            index = piece.find(word)
            # A connective inside the first few characters starts the message, it does not join two questions.
            if index >= MIN_CLAUSE_CHARS and (word in lex.strong_connectives or _is_question(piece[:index], lex)):
                next_pieces.extend([piece[:index], piece[index + len(word):]])
            else:
                next_pieces.append(piece)
        pieces = next_pieces
    return pieces


def _split_soft(part: str, lex: Lexicon) -> List[str]:
    """Split at a space or comma only when the text before it is a question of its own."""
    out: List[str] = []
    current = ""
    last = 0
    for match in _SOFT_BREAK.finditer(part):
        chunk = part[last:match.start()]
        current += chunk
        rest = part[match.end():]
        # Both sides must be questions: 凭什么这么收 一点都不合理 is one complaint, not two questions.
        if (_is_question(current, lex) and len(_cjk(current)) >= MIN_CLAUSE_CHARS
                and len(_cjk(rest)) >= MIN_CLAUSE_CHARS and _is_question(_first_soft_piece(rest), lex)):
            out.append(current)
            current = ""
        else:
            current += match.group(0)
        last = match.end()
    current += part[last:]
    out.append(current)
    return out


def _first_soft_piece(text: str) -> str:
    return _SOFT_BREAK.split(text, maxsplit=1)[0]


def _cjk(text: str) -> str:
    return "".join(c for c in text if "\u4e00" <= c <= "\u9fff")


def _strip_connective(clause: str, lex: Lexicon) -> str:
    for word in lex.clause_connectives:
        if clause.startswith(word) and len(_cjk(clause)) - len(word) >= MIN_CLAUSE_CHARS:
            return clause[len(word):].lstrip(" ，,、")
    return clause


def split_clauses(text: str, lex: Lexicon) -> List[str]:
    """The questions in `text`, in order; a single clause when there is no clear boundary."""
    parts: List[str] = []
    for hard in _HARD_BREAK.split(text or ""):
        for piece in _split_connectives(hard, lex):
            parts.extend(_split_soft(piece, lex))
    clauses = [_strip_connective(p.strip(" ，,、"), lex) for p in parts if len(_cjk(p)) >= MIN_CLAUSE_CHARS]
    if len(clauses) > MAX_CLAUSES:
        clauses = clauses[:MAX_CLAUSES - 1] + ["".join(clauses[MAX_CLAUSES - 1:])]
    return clauses or [text]


_WHAT_ABOUT = re.compile(r"^(?:那)?(.{1,8}?)(?:呢|怎么样|咋样|如何)$")


def _first_term(text: str, terms) -> str:
    found = [(text.find(t), -len(t), t) for t in terms if t in text]
    return min(found)[2] if found else ""


def complete_elliptical(clauses: List[str], lex: Lexicon) -> List[str]:
    """A clause without a domain term of its own gets the previous clause's terms in front; "X呢" asks the
    previous question about X (住宅一平米多少钱，商铺呢 → 商铺一平米多少钱)."""
    completed: List[str] = []
    for index, clause in enumerate(clauses):
        what_about = _WHAT_ABOUT.match(clause) if index > 0 else None
        if what_about:
            previous, subject = completed[-1], what_about.group(1)
            term = _first_term(previous, lex.alternatives + lex.domain_terms)
            clause = previous.replace(term, subject, 1) if term else subject + previous
        elif index > 0 and len(_cjk(clause)) <= MAX_ELLIPTICAL_CHARS and not any(t in clause for t in lex.domain_terms):
            clause = _first_term(completed[-1], lex.domain_terms) + clause
        completed.append(clause)
    return completed
