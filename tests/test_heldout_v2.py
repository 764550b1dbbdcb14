"""The frozen held-out set v2 (tests/data/heldout_v2.yml, issue 8): its shape, and the model's quality on it.

The set was committed on its own before any tuning and is never mined for training examples; these tests keep
it honest (no message is also a training example, every label exists) and hold the measured quality as floors.
The model test loads the latest model in models/ (scripts/test.sh trains it first).
"""
from __future__ import annotations

from collections import Counter

import pytest
import yaml

from bot.knowledge.loader import load_knowledge_base
from bot.settings import KNOWLEDGE_DIR, PROJECT_DIR
from bot.text import normalize_text
from bot.training import latest_model, model_is_current
from tests.evaluation.heldout import HELDOUT_V2, evaluate, load_items

# Measured on the final model of issue 8 (`python -m tests.evaluation heldout`, 2026-12-02): in-scope top-1
# 88.8 % strict (before: 62.7 %), out of scope not answered as a topic 93.2 % (before: 96.6 %), two questions
# 77.4 % (before: 0 %), values 76/80 (before: 34/80). Retraining moved these by 1–3 points during the issue. Floors sit a few points below so that a retrain's jitter passes and a real
# drop fails.
MIN_IN_SCOPE_STRICT = 0.85
MIN_OUT_OF_SCOPE_NOT_ANSWERED = 0.88
MIN_TWO_QUESTIONS = 0.70
MIN_VALUES = 0.90

SPECIAL_LABELS = {"out_of_scope", "non_chinese", "inform"}
PREEXISTING_OVERLAP = {"明年几号停暖", "我还欠多少暖气费", "我要报修", "你好", "谢谢啊", "再见", "电费怎么交", "水费多少钱一吨",
                       "门禁卡丢了去哪补办", "宽带怎么办理", "给我讲个笑话"}


@pytest.fixture(scope="module")
def items():
    return load_items()[1]


def _intents():
    intents = set()
    for path in (PROJECT_DIR / "domain").glob("*.yml"):
        for intent in yaml.safe_load(path.read_text(encoding="utf-8")).get("intents") or []:
            intents.add(intent if isinstance(intent, str) else next(iter(intent)))
    return intents


def test_size_and_classes(items):
    counts = Counter(i.cls for i in items)
    assert len(items) >= 250
    assert counts["numbers"] >= 50 and counts["colloquial"] >= 40 and counts["two_questions"] >= 20
    assert counts["out_of_scope"] >= 50


def test_every_label_exists_and_every_topic_is_asked(items):
    topics = set(load_knowledge_base(KNOWLEDGE_DIR).topics_by_id)
    intents = _intents()
    labels = {label for i in items for label in (*i.expected, *i.acceptable)}
    unknown = {l for l in labels if (l[4:] not in topics if l.startswith("faq/") else l not in intents | SPECIAL_LABELS)}
    assert unknown == set()
    assert topics <= {l[4:] for l in labels if l.startswith("faq/")}


def test_no_heldout_message_is_a_training_example(items):
    kb = load_knowledge_base(KNOWLEDGE_DIR)
    training = {normalize_text(t) for topic in kb.topics for t in topic.training_examples}
    training |= {normalize_text(t) for t in kb.out_of_scope}
    for path in (PROJECT_DIR / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    training.add(normalize_text(line.strip()[2:]))
    overlap = {i.text for i in items if normalize_text(i.text) in training}
    # Everyday phrases the set's writer happened to write exactly as they already were in the training data
    # before the set existed (checked against the history); nothing was added to the training data from it.
    assert overlap <= PREEXISTING_OVERLAP


def test_model_quality_on_the_frozen_set(items, monkeypatch):
    model = latest_model()
    if model is None or not model_is_current():
        pytest.skip("no current model in models/ (scripts/test.sh trains one first)")
    from bot.knowledge.evaluate import model_parser

    monkeypatch.setenv("BOT_TODAY", load_items(HELDOUT_V2)[0].isoformat())
    report = evaluate(model_parser(model), items)
    print("\n" + report.render())
    by_class = report.by_class()
    right, total = report.values_rate()
    assert report.rate(report.in_scope) >= MIN_IN_SCOPE_STRICT
    assert report.rate(report.out_of_scope, "lenient") >= MIN_OUT_OF_SCOPE_NOT_ANSWERED
    assert report.rate(by_class["two_questions"]) >= MIN_TWO_QUESTIONS
    assert right / total >= MIN_VALUES
