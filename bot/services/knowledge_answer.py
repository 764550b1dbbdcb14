"""What the assistant says when it did not understand a question well enough to pick an FAQ answer.

`reply_for(question, misunderstandings, selector_topics)` searches the policy articles and FAQ topics
(bot.knowledge.search, BM25) and either

* answers with the best passage and its citation, when that passage clearly stands out
  (score ≥ ANSWER_MIN_SCORE and ANSWER_MIN_RATIO × the next passage on a different article), or
* offers up to three close FAQ questions as buttons (their payload answers that topic,
  see `faq_payload`), and after HANDOFF_AFTER misunderstandings in a row also a "转人工" button.

The thresholds were calibrated on the 205 held-out questions (tests/data/heldout_questions.yml) and the
123 examples of knowledge/out_of_scope.yml, running every one of them through the search alone: a query
unrelated to heating scores about 6 on its best passage, but near-domain out-of-scope questions share words with
the policy (物业费, 燃气报停, 办房产证 reach 20–45), so the score alone cannot tell them apart. With score ≥ 26 and
a 1.25× lead, 131 of 167 in-scope questions would be answered from the search, 130 of them right (topic or
its article), against 8 of 161 out-of-scope ones; with ≥ 20 and no lead, 158 answered, 7 wrong, 20
out-of-scope. Out-of-scope questions rarely get here anyway: the classifier says `out_of_scope` first.

No Rasa here: the action in actions/knowledge.py only passes the message in and the reply out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

from bot.knowledge.search import Passage, get_index, search

# Answer straight from the search only when the best passage is clearly relevant and clearly the best.
ANSWER_MIN_SCORE = 26.0
ANSWER_MIN_RATIO = 1.25
# A topic is worth offering as a button from this score on (unrelated queries score ≈ 6).
SUGGEST_MIN_SCORE = 9.0
# …or when the ResponseSelector gave it at least this confidence.
SUGGEST_MIN_SELECTOR_CONFIDENCE = 0.05
MAX_SUGGESTIONS = 3
# After this many misunderstandings in a row, offer a person.
HANDOFF_AFTER = 2

CHOOSE_FAQ_INTENT = "choose_faq"
FAQ_TOPIC_ENTITY = "faq_topic"
HUMAN_PAYLOAD = "/request_human"

Searcher = Callable[..., List[Passage]]


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def as_dict(self) -> dict:
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class KnowledgeReply:
    text: str
    buttons: Tuple[Button, ...] = ()
    passage: Optional[Passage] = None  # set when the reply answers from a passage
    misunderstandings: int = 0  # the counter after this turn (0 when answered)
    suggestions: Tuple[str, ...] = field(default=())  # topic ids offered

    @property
    def answered(self) -> bool:
        return self.passage is not None

    @property
    def offers_human(self) -> bool:
        return any(b.payload == HUMAN_PAYLOAD for b in self.buttons)


def faq_payload(topic_id: str) -> str:
    """Button payload that makes the assistant answer one FAQ topic (rule: choose_faq → action_answer_faq_choice)."""
    return f"/{CHOOSE_FAQ_INTENT}{json.dumps({FAQ_TOPIC_ENTITY: topic_id})}"


def topic_questions() -> dict:
    """Topic id → its customer question, from the search index (already rendered and loaded)."""
    return {p.id: p.title.strip() for p in get_index().passages if p.kind == "topic"}


def answer_text(passage: Passage) -> str:
    """The passage as an answer, in the shape of the FAQ responses: text, then the 依据 line."""
    intro = f"您问的可能是“{passage.title.strip().rstrip('？?')}”。"
    return f"{intro}\n{passage.text.strip()}\n依据：{passage.citation}"


def confident_passage(hits: Sequence[Passage]) -> Optional[Passage]:
    """The best hit when it is clearly relevant and clearly ahead of the next hit on another article."""
    if not hits or hits[0].score < ANSWER_MIN_SCORE:
        return None
    best = hits[0]
    rivals = [h for h in hits[1:] if (h.document_id, h.article_number) != (best.document_id, best.article_number)]
    if rivals and best.score < ANSWER_MIN_RATIO * rivals[0].score:
        return None
    return best


def suggested_topics(
    query: str, selector_topics: Sequence[Tuple[str, float]] = (), searcher: Searcher = search
) -> List[str]:
    """Up to three topic ids: the classifier's best guesses and the search's best topics, alternating."""
    from_selector = [t for t, confidence in selector_topics if confidence >= SUGGEST_MIN_SELECTOR_CONFIDENCE]
    from_search = [p.id for p in searcher(query, k=MAX_SUGGESTIONS, kinds=("topic",)) if p.score >= SUGGEST_MIN_SCORE]
    merged: List[str] = []
    for pair in zip(from_selector + [None] * len(from_search), from_search + [None] * len(from_selector)):
        for topic in pair:
            if topic and topic not in merged:
                merged.append(topic)
    return merged[:MAX_SUGGESTIONS]


def reply_for(
    query: str,
    misunderstandings: int = 0,
    selector_topics: Sequence[Tuple[str, float]] = (),
    searcher: Searcher = search,
    questions: Optional[dict] = None,
) -> KnowledgeReply:
    """What to say to a question the classifier could not match confidently (see the module docstring).

    `misunderstandings` is how many turns in a row were not understood before this one; `selector_topics` the
    ResponseSelector's ranking (topic id, confidence) when the question was a weak FAQ match.
    """
    hits = searcher(query, k=5) if query.strip() else []
    best = confident_passage(hits)
    if best is not None:
        return KnowledgeReply(answer_text(best), passage=best, misunderstandings=0)

    count = misunderstandings + 1
    questions = questions if questions is not None else topic_questions()
    topics = [t for t in suggested_topics(query, selector_topics, searcher) if t in questions] if query.strip() else []
    buttons = [Button(questions[t], faq_payload(t)) for t in topics]
    if count >= HANDOFF_AFTER:
        text = "抱歉，我还是没能理解您的问题。需要的话我可以为您转人工客服"
        text += "；您也可以看看是不是下面这些问题：" if buttons else "，或者您换个说法再问我。"
        buttons.append(Button("转人工", HUMAN_PAYLOAD))
    elif buttons:
        text = "抱歉，我没能完全理解您的问题。您想问的是下面哪一个？也可以换个说法再问我。"
    else:
        text = "抱歉，我没能理解您的意思。您可以换个说法，比如“滞纳金怎么算”或“查询欠费”。"
    return KnowledgeReply(text, tuple(buttons), misunderstandings=count, suggestions=tuple(topics))
