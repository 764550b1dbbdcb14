"""Text normalisation shared by training-data export, the NLU pipeline and every channel.

Customers type full-width digits (３１００), stray spaces between characters (我 要 缴 费) and ASR
transcripts carry extra blanks; the model should see one canonical form.
"""
from __future__ import annotations

import re
import unicodedata

_SPACE_RUN = re.compile(r"\s+")
# A space between two characters of which at least one is CJK carries no meaning in Chinese text.
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_SPACE_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}]) (?=\S)|(?<=\S) (?=[{_CJK}])")
# Digits read or typed in groups (3100 0000 02, 159 3247 5863): groups of at most 4 digits joined by spaces.
_DIGIT_GROUPS = re.compile(r"(?<!\d)\d{1,4}(?: \d{1,4})+(?!\d)")


def normalize_text(text: str) -> str:
    """NFKC (full-width → ASCII digits/letters), collapse whitespace, drop spaces next to Chinese
    characters and inside digit groups ("3100 0123 45" is one 户号; "3100012345 3月10日" stays two numbers)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _SPACE_RUN.sub(" ", text).strip()
    text = _SPACE_NEXT_TO_CJK.sub("", text)
    return _DIGIT_GROUPS.sub(lambda m: m.group(0).replace(" ", ""), text)
