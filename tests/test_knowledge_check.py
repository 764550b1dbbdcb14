"""The validator (bot.knowledge.check): each rule is caught on a small broken knowledge base in tmp_path."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from bot.knowledge.check import MIN_PARAPHRASES, check_knowledge_base
from bot.knowledge.loader import KnowledgeError, load_knowledge_base
from bot.policy import default_policy

TODAY = dt.date(2026, 11, 26)


def _paraphrases(stem: str, n: int = MIN_PARAPHRASES) -> list:
    return [f"{stem}问法{i}" for i in range(n)]


def _document() -> dict:
    return {
        "id": "rules",
        "title": "{company.name}测试办法",
        "issued": dt.date(2026, 6, 1),
        "articles": [
            {"number": 1, "title": "收费标准", "text": "居民每平方米{area_tariff.residential_price|yuan}。"},
            {"number": 2, "title": "滞纳金", "text": "每日{late_fee.daily_rate|percent}。"},
        ],
    }


def _topic(topic_id: str, stem: str, article: int = 1) -> dict:
    return {
        "id": topic_id,
        "question": f"{stem}是什么？",
        "examples": _paraphrases(stem),
        "answer": f"{stem}的答案，单价{{area_tariff.residential_price|yuan}}。",
        "source": {"document": "rules", "article": article},
        "reviewed": dt.date(2026, 11, 20),
    }


def write_kb(root: Path, topics=None, documents=None, oos=None, faq_files=None) -> Path:
    """A small valid knowledge base; pass replacements to break it."""
    (root / "documents").mkdir(parents=True, exist_ok=True)
    (root / "faq").mkdir(parents=True, exist_ok=True)
    for i, doc in enumerate(documents if documents is not None else [_document()]):
        (root / "documents" / f"doc{i}.yml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    files = faq_files if faq_files is not None else {
        "main.yml": topics if topics is not None else [_topic("price_topic", "价格"), _topic("late_topic", "滞纳", 2)]
    }
    for name, content in files.items():
        text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True)
        (root / "faq" / name).write_text(text, encoding="utf-8")
    oos = oos if oos is not None else ["电费怎么交", "明天天气怎么样"]
    (root / "out_of_scope.yml").write_text(yaml.safe_dump({"examples": oos}, allow_unicode=True), encoding="utf-8")
    return root


def problems_of(root: Path) -> list:
    return check_knowledge_base(root, default_policy(), today=TODAY)


def messages(root: Path) -> str:
    return "\n".join(str(p) for p in problems_of(root))


def test_fixture_is_valid(tmp_path):
    assert problems_of(write_kb(tmp_path)) == []
    kb = load_knowledge_base(tmp_path)
    assert [t.id for t in kb.topics] == ["price_topic", "late_topic"]
    assert kb.topics[0].file == "faq/main.yml"


def _broken_topic(**changes):
    topic = _topic("price_topic", "价格")
    for key, value in changes.items():
        if value is None:
            topic.pop(key)
        else:
            topic[key] = value
    return [topic, _topic("late_topic", "滞纳", 2)]


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"answer": None}, "answer: field required"),
        ({"source": None}, "source: field required"),
        ({"colour": "red"}, "colour: unknown field"),
        ({"answer": "单价{area_tariff.nonexistent|yuan}"}, "unknown policy key 'area_tariff.nonexistent'"),
        ({"answer": "单价{area_tariff.residential_price|euro}"}, "unknown format 'euro'"),
        ({"answer": "单价{derived.no_such_value}"}, "unknown derived value"),
        ({"answer": "开始于{season.start|yuan}"}, "needs a number"),
        ({"answer": "单价{area_tariff}"}, "is a section"),
        ({"answer": "单价{area_tariff.residential_price|yuan"}, "malformed placeholder"),
        ({"answer": "单价是24元。"}, "figure typed in the text"),
        ({"answer": "请联系示例热力有限公司。"}, "company name typed"),
        ({"examples": _paraphrases("价格", MIN_PARAPHRASES - 1)}, f"at least {MIN_PARAPHRASES} needed"),
        ({"examples": _paraphrases("价格") + ["价格问法0！"]}, "is listed twice"),
        ({"examples": _paraphrases("价格") + ["[居民](type)价格"]}, "Rasa entity markup"),
        ({"source": {"document": "nowhere", "article": 1}}, "unknown document 'nowhere'"),
        ({"source": {"document": "rules", "article": 9}}, "document 'rules' has no article 9"),
        ({"id": "PriceTopic"}, "must be ASCII snake_case"),
        ({"id": "价格"}, "must be ASCII snake_case"),
        ({"reviewed": TODAY + dt.timedelta(days=1)}, "is in the future"),
    ],
)
def test_each_rule_is_caught_with_file_and_topic(tmp_path, changes, expected):
    found = problems_of(write_kb(tmp_path, topics=_broken_topic(**changes)))
    hits = [p for p in found if expected in p.message]
    assert hits, f"expected '{expected}' in {[str(p) for p in found]}"
    assert hits[0].file == "faq/main.yml"
    assert hits[0].item == changes.get("id", "price_topic")


def test_same_paraphrase_under_two_topics(tmp_path):
    other = _topic("late_topic", "滞纳", 2)
    other["examples"].append("价格 问法3 ")  # same as a paraphrase of price_topic after normalising
    found = problems_of(write_kb(tmp_path, topics=[_topic("price_topic", "价格"), other]))
    assert any(p.item == "late_topic" and "also under topic 'price_topic'" in p.message for p in found)


def test_paraphrase_equal_to_question_of_another_topic(tmp_path):
    other = _topic("late_topic", "滞纳", 2)
    other["examples"].append("价格是什么")
    found = problems_of(write_kb(tmp_path, topics=[_topic("price_topic", "价格"), other]))
    assert any(p.item == "late_topic" and "equals the question of topic 'price_topic'" in p.message for p in found)


def test_duplicate_topic_id_across_files(tmp_path):
    root = write_kb(tmp_path, faq_files={
        "a.yml": [_topic("price_topic", "价格")],
        "b.yml": [_topic("price_topic", "滞纳", 2)],
    })
    found = problems_of(root)
    assert any(p.file == "faq/b.yml" and "duplicate topic id (also in faq/a.yml)" in p.message for p in found)


def test_duplicate_document_id_and_article_number(tmp_path):
    doc = _document()
    doc["articles"].append({"number": 2, "title": "重复", "text": "重复的条文。"})
    found = messages(write_kb(tmp_path, documents=[doc, _document()]))
    assert "duplicate document id" in found
    assert "article number 2 is used more than once" in found


def test_document_placeholders_are_checked(tmp_path):
    doc = _document()
    doc["articles"][0]["text"] = "居民每平方米{area_tariff.residential_price|rmb}，共121天。"
    found = messages(write_kb(tmp_path, documents=[doc]))
    assert "article 1 text: placeholder {area_tariff.residential_price|rmb}: unknown format 'rmb'" in found
    assert "article 1 text: figure typed in the text" in found


def test_out_of_scope_example_that_is_a_paraphrase(tmp_path):
    found = problems_of(write_kb(tmp_path, oos=["电费怎么交", "价格问法5"]))
    assert any(p.file == "out_of_scope.yml" and "also a paraphrase of topic 'price_topic'" in p.message
               for p in found)


def test_invalid_yaml_and_wrong_shape(tmp_path):
    root = write_kb(tmp_path, faq_files={"bad.yml": "- id: x\n  question: [unclosed\n", "map.yml": "id: x\n"})
    found = messages(root)
    assert "faq/bad.yml: not valid YAML" in found
    assert "faq/map.yml: a FAQ file must hold a list of topics" in found


def test_missing_out_of_scope_file(tmp_path):
    root = write_kb(tmp_path)
    (root / "out_of_scope.yml").unlink()
    assert "out_of_scope.yml: file is missing" in messages(root)


def test_strict_loader_raises_on_problems(tmp_path):
    root = write_kb(tmp_path, topics=_broken_topic(answer=None))
    with pytest.raises(KnowledgeError, match="price_topic"):
        load_knowledge_base(root)


def test_a_paraphrase_that_is_also_a_dialogue_example_is_rejected(tmp_path):
    """A request a dialogue fulfils must not be taught as a FAQ question too (issue 8)."""
    from bot.knowledge.check import check_dialogue_collisions
    from bot.knowledge.loader import load_knowledge_base
    from bot.settings import KNOWLEDGE_DIR as REAL_KNOWLEDGE

    kb = load_knowledge_base(REAL_KNOWLEDGE)
    topic = kb.topics[0]
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "dialogue.yml").write_text(
        f'version: "3.1"\nnlu:\n  - intent: check_balance\n    examples: |\n      - {topic.training_examples[0]}\n',
        encoding="utf-8")
    problems = check_dialogue_collisions(kb, nlu)
    assert [(p.item, "check_balance" in p.message) for p in problems] == [(topic.id, True)]
    assert check_dialogue_collisions(kb, REAL_KNOWLEDGE.parent / "data" / "nlu") == []
