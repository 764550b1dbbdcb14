"""The real knowledge base: validation, coverage, rendering, export, search and the `kb` commands."""
from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from bot.knowledge import export, search as search_module
from bot.knowledge.check import MIN_PARAPHRASES, check_knowledge_base
from bot.knowledge.loader import load_knowledge_base
from bot.knowledge.models import normalize_text
from bot.knowledge.render import (
    RenderError,
    Renderer,
    chinese_numeral,
    derived_values,
    format_value,
    placeholders,
    plain_decimal,
    render,
)
from bot.policy import POLICY_FILE, MonthDay, default_policy, load_policy
from bot.settings import KNOWLEDGE_DIR, PROJECT_DIR
from bot.text import normalize_text as canonical


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base(KNOWLEDGE_DIR)


@pytest.fixture(scope="module")
def policy():
    return default_policy()


# ---------------------------------------------------------------- the real knowledge base


def test_real_knowledge_base_passes_the_validator(policy):
    problems = check_knowledge_base(KNOWLEDGE_DIR, policy)
    assert problems == [], "\n".join(str(p) for p in problems)


def test_size_of_the_knowledge_base(kb):
    assert len(kb.topics) >= 60
    assert all(len(t.examples) >= MIN_PARAPHRASES for t in kb.topics)
    assert len(kb.out_of_scope) >= 80
    assert len(kb.documents) >= 4
    assert "help" in kb.topics_by_id


REQUIRED_TOPICS = {
    # area basis and reasons, areas, prices, storey height
    "why_area_billing", "heat_transfer_between_homes", "price_basis", "metering_where_possible",
    "billing_area", "usable_area_conversion", "residential_price", "non_residential_price",
    "storey_height_surcharge",
    # season, deadline, indoor standard, late fee
    "heating_season_dates", "payment_deadline", "indoor_temperature_standard",
    "late_fee_rate", "late_fee_days", "late_fee_cap", "late_fee_waiver",
    # suspension and vacant homes, metering
    "suspension_window", "suspension_conditions", "suspension_documents", "suspension_fee", "vacant_home_fee",
    "metered_tariff_price", "metered_settlement", "metered_refund", "metered_non_residential", "faulty_meter",
    # discounts, relief, refunds
    "prepayment_discount", "discount_exclusions", "dibao_relief", "installment_plan", "deferral",
    "no_cutoff_dibao", "heating_not_warm", "temperature_refund_rates", "no_refund_cases", "daily_fee",
    # service and payment
    "complaint", "opening_hours", "door_to_door", "heat_station", "hotline", "payment_channels",
    "wechat_payment", "alipay_payment", "app_payment", "child_pays_for_parent", "bank_payment",
    "business_hall_payment", "auto_debit", "ownership_transfer", "second_hand_arrears", "bill_details",
    "payment_status_lookup", "help",
}


def test_every_policy_fact_has_a_topic(kb):
    assert REQUIRED_TOPICS <= set(kb.topics_by_id), sorted(REQUIRED_TOPICS - set(kb.topics_by_id))


# Policy values stated in prose (yes/no rules) or not shown to customers at all.
NOT_PLACEHOLDERS = {
    "version", "company.disclaimer", "area_tariff.storey_height.applies_to_metered",
    "metered_tariff.residential_capped_at_area_fee", "metered_tariff.non_residential_capped_at_area_fee",
    "metered_tariff.faulty_meter_billing", "suspension.requires_per_household_system",
    "suspension.not_in_first_season", "suspension.vacant_home_pays_full_fee", "late_fee.cap_ratio",
    "late_fee.waived_while_plan_kept", "late_fee.waived_for_dibao_on_request",
    "discounts.combined_with_dibao_relief", "discounts.for_suspended_accounts",
    "relief.installment.late_fee_waived", "relief.installment.no_cutoff_for_dibao",
    "relief.deferral.late_fee_waived", "temperature_refund.tiers.2.up_to_degrees_below",
}


def _leaves(node, prefix=""):
    if isinstance(node, list) and any(isinstance(x, BaseModel) for x in node):
        for i, item in enumerate(node):
            yield from _leaves(item, f"{prefix}.{i}")
    elif isinstance(node, BaseModel) and not isinstance(node, MonthDay):
        for name in node.__fields__:
            yield from _leaves(getattr(node, name), f"{prefix}.{name}" if prefix else name)
    else:
        yield prefix


def test_every_policy_figure_is_used_by_a_placeholder(kb, policy):
    texts = [t.answer for t in kb.topics] + [d.title for d in kb.documents]
    texts += [a.text for d in kb.documents for a in d.articles]
    used = {p.path for text in texts for p in placeholders(text)}
    unused = [leaf for leaf in _leaves(policy) if leaf not in used and leaf not in NOT_PLACEHOLDERS]
    assert unused == []
    # late_fee.cap_ratio is shown through a derived phrase
    assert "derived.late_fee_cap" in used


def test_answers_are_chat_sized_and_polite(kb, policy):
    renderer = Renderer(policy)
    for topic in kb.topics:
        text = renderer(topic.answer)
        sentences = [s for s in re.split(r"[。！？]", text) if s.strip()]
        assert 1 <= len(sentences) <= 5, topic.id
        assert len(text) <= 260, topic.id
        assert "{" not in text and "}" not in text


def test_no_paraphrase_is_shared_between_topics(kb):
    owner = {}
    for topic in kb.topics:
        for text in topic.training_examples:
            key = normalize_text(text)
            assert owner.setdefault(key, topic.id) == topic.id, f"{text!r}: {owner[key]} and {topic.id}"
    for text in kb.out_of_scope:
        assert normalize_text(text) not in owner, text


# ---------------------------------------------------------------- rendering


def test_number_formats(policy):
    assert plain_decimal(Decimal("24.00")) == "24"
    assert plain_decimal(Decimal("44.45")) == "44.45"
    assert plain_decimal(Decimal("100")) == "100"
    assert plain_decimal(Decimal("4.0")) == "4"
    assert format_value(Decimal("0.125"), "percent") == "12.5%"
    assert format_value(Decimal("0.015"), "percent") == "1.5%"
    assert format_value(Decimal("1.00"), "percent") == "100%"
    assert format_value(Decimal("0.001"), "permille") == "千分之一"
    assert format_value(Decimal("0.0015"), "permille") == "1.5‰"
    assert format_value(Decimal("24.00"), "yuan") == "24元"
    assert format_value(3, "cn") == "三"
    assert format_value(["低保", "特困"], None) == "低保、特困"
    assert format_value([Decimal("0.5"), Decimal("0.25")], "percent") == "50%、25%"
    assert [chinese_numeral(n) for n in (0, 10, 15, 20, 60, 105, 121)] == [
        "零", "十", "十五", "二十", "六十", "一百零五", "一百二十一"]


def test_render_placeholders(policy):
    text = ("{area_tariff.residential_price|yuan} {late_fee.daily_rate|percent} {late_fee.daily_rate|permille} "
            "{season.start|date} {company.hotline} {suspension.channels} {discounts.prepayment.1.rate|percent} "
            "{metered_tariff.energy_price_per_gj|yuan} {season.indoor_standard_celsius|celsius} {company.name}")
    assert render(text, policy) == (
        "24元 0.1% 千分之一 11月15日 96069 营业厅柜台、公司App、微信公众号 1.5% 44.45元 18℃ 示例热力有限公司")


def test_derived_values_follow_the_policy(policy):
    derived = derived_values(policy)
    assert derived["season_days"] == 121
    assert derived["season_days_leap"] == 122
    assert derived["late_fee_start"].zh() == "1月1日"
    assert derived["late_fee_example_date"].zh() == "1月31日"
    assert derived["late_fee_example_days"] == 31
    assert derived["suspension_fee_example"] == Decimal("480")
    assert derived["storey_cap_height"] == Decimal("12")
    assert derived["late_fee_cap"] == "欠缴的本金"
    assert render("{derived.season_days}天，报停{derived.suspension_fee_example|yuan}", policy) == "121天，报停480元"


@pytest.mark.parametrize(
    "text, error",
    [
        ("{area_tariff.unknown}", "unknown policy key"),
        ("{area_tariff.residential_price|dollars}", "unknown format"),
        ("{season}", "is a section"),
        ("{discounts.prepayment.7.rate|percent}", "no list item 7"),
        ("{season.start|percent}", "needs a number"),
        ("{area_tariff.residential_price|date}", "needs a month/day date"),
        ("{discounts.combined_with_dibao_relief}", "yes/no"),
        ("{derived.nothing}", "unknown derived value"),
        ("价格 {area_tariff.residential_price", "malformed placeholder"),
    ],
)
def test_render_errors(policy, text, error):
    with pytest.raises(RenderError, match=error):
        render(text, policy)


def _policy_copy(tmp_path: Path, old: str, new: str):
    text = POLICY_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "policy.yml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_policy(path)


def test_changing_the_price_in_the_policy_changes_the_answer(kb, policy, tmp_path):
    changed = _policy_copy(tmp_path, 'residential_price: "24.00"', 'residential_price: "26.50"')
    topic = kb.topic("residential_price")
    before = export.render_answer(kb, topic, Renderer(policy))
    after = export.render_answer(kb, topic, Renderer(changed))
    assert "24元" in before and "2400元" in before
    assert "26.5元" in after and "2650元" in after and "24元" not in after
    domain = export.render_domain(kb, changed)
    assert "26.5元" in domain and "每平方米每采暖季24元" not in domain


def test_late_fee_cap_phrase_follows_the_policy(tmp_path):
    changed = _policy_copy(tmp_path, 'cap_ratio: "1.00"', 'cap_ratio: "0.50"')
    assert render("不超过{derived.late_fee_cap}", changed) == "不超过欠缴本金的50%"


# ---------------------------------------------------------------- export


def test_generated_files_are_deterministic_and_valid_yaml(kb, policy):
    first = export.generated_files(kb, policy)
    second = export.generated_files(load_knowledge_base(KNOWLEDGE_DIR), policy)
    assert first == second
    nlu_text, domain_text = first[export.NLU_FILE], first[export.DOMAIN_FILE]
    for text in (nlu_text, domain_text):
        assert text.startswith("# GENERATED by python -m bot kb build from knowledge/ — do not edit by hand\n")
    nlu = yaml.safe_load(nlu_text)
    intents = [block["intent"] for block in nlu["nlu"]]
    assert intents == sorted(f"faq/{t.id}" for t in kb.topics) + ["out_of_scope"]
    by_intent = {block["intent"]: block["examples"] for block in nlu["nlu"]}
    why = by_intent["faq/why_area_billing"].splitlines()
    assert why[0] == "- " + canonical("为什么按面积收费？")
    assert len(why) == len(kb.topic("why_area_billing").training_examples)
    domain = yaml.safe_load(domain_text)
    assert set(domain) == {"version", "responses"}
    assert len(domain["responses"]) == len(kb.topics)
    text = domain["responses"]["utter_faq/why_area_billing"][0]["text"]
    assert text.endswith("依据：《示例热力有限公司供热收费管理办法》第5条")
    assert policy.company.disclaimer.strip() not in domain_text


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_generated_files_load_in_rasa():
    from rasa.shared.core.domain import Domain
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    files = export.generated_files()
    data = RasaYAMLReader().reads(files[export.NLU_FILE])
    assert data.retrieval_intents == {"faq"}
    assert {e.get("intent_response_key") for e in data.training_examples if e.get("intent") == "faq"} == {
        f"faq/{t.id}" for t in load_knowledge_base(KNOWLEDGE_DIR).topics}
    assert all(not e.get("entities") for e in data.training_examples)
    domain = Domain.from_yaml(files[export.DOMAIN_FILE])
    assert "utter_faq/help" in domain.responses


def test_build_writes_then_check_detects_staleness(tmp_path, policy):
    assert export.build(check_only=True, project_dir=tmp_path, policy=policy).stale  # nothing written yet
    result = export.build(project_dir=tmp_path, policy=policy)
    from bot.understanding.rules_export import RULES_FILE

    assert sorted(result.written) == sorted([export.NLU_FILE, export.DOMAIN_FILE, RULES_FILE])
    assert not export.build(check_only=True, project_dir=tmp_path, policy=policy)
    nlu = tmp_path / export.NLU_FILE
    before = nlu.read_bytes()
    nlu.write_text(nlu.read_text(encoding="utf-8") + "    - 手工加的一句\n", encoding="utf-8")
    check = export.build(check_only=True, project_dir=tmp_path, policy=policy)
    assert check.stale == [export.NLU_FILE] and check.written == []
    export.build(project_dir=tmp_path, policy=policy)
    assert nlu.read_bytes() == before


def test_policy_change_makes_generated_files_stale(tmp_path, policy):
    export.build(project_dir=tmp_path, policy=policy)
    changed = _policy_copy(tmp_path, 'residential_price: "24.00"', 'residential_price: "25.00"')
    assert export.build(check_only=True, project_dir=tmp_path, policy=changed).stale == [export.DOMAIN_FILE]


def test_committed_generated_files_are_up_to_date(policy):
    assert export.stale_files(PROJECT_DIR, policy=policy) == [], "run: python -m bot kb build"


# ---------------------------------------------------------------- search


@pytest.mark.parametrize(
    "query, document, article",
    [
        ("只纳金怎么算", "charging_rules", 10),
        ("滞纳金最多收多少", "charging_rules", 10),
        ("报亭要带什么材料", "charging_rules", 12),
        ("空房子不住人要交暖气费吗", "charging_rules", 15),
        ("热表坏了怎么收费", "metering_rules", 6),
        ("低保户免多少平米", "relief_rules", 2),
        ("暖器不热能退钱吗", "service_commitments", 6),
        ("为什么按面积收费", "charging_rules", 5),
    ],
)
def test_search_finds_the_right_article(query, document, article):
    best = search_module.search(query, k=3)[0]
    assert (best.document_id, best.article_number) == (document, article), best
    assert best.citation.startswith("《示例热力有限公司") and best.citation.endswith(f"第{article}条")
    assert best.score > 0


def test_search_over_articles_only():
    hits = search_module.search("只纳金怎么算", k=3, kinds=["article"])
    assert hits and all(h.kind == "article" for h in hits)
    assert hits[0].id == "charging_rules#10"
    assert "0.1%" in hits[0].text  # rendered from the policy
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_search_edge_cases():
    assert search_module.search("，。！", k=3) == []
    assert len(search_module.search("暖气费", k=2)) == 2


def test_search_index_is_lazy_and_cached():
    search_module.clear_cache()
    assert search_module._default_index.cache_info().currsize == 0
    first = search_module.get_index()
    assert search_module.get_index() is first


# ---------------------------------------------------------------- CLI


def _run(argv):
    from bot.knowledge.cli import register

    parser = argparse.ArgumentParser(prog="python -m bot")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_check_ok(capsys):
    assert _run(["kb", "check"]) == 0
    assert "OK" in capsys.readouterr().out


def test_cli_check_lists_problems(tmp_path, capsys):
    shutil.copytree(KNOWLEDGE_DIR, tmp_path / "knowledge")
    faq = tmp_path / "knowledge" / "faq" / "late_fee.yml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("source: {document: charging_rules, article: 10}",
                                                           "source: {document: charging_rules, article: 99}", 1),
                   encoding="utf-8")
    assert _run(["kb", "check", "--dir", str(tmp_path / "knowledge")]) == 1
    out = capsys.readouterr().out
    assert "faq/late_fee.yml [late_fee_rate]: source: document 'charging_rules' has no article 99" in out


def test_cli_build_and_check(tmp_path, capsys):
    assert _run(["kb", "build", "--check", "--project-dir", str(tmp_path)]) == 1
    assert _run(["kb", "build", "--project-dir", str(tmp_path)]) == 0
    assert "wrote data/nlu/faq.generated.yml" in capsys.readouterr().out
    assert _run(["kb", "build", "--check", "--project-dir", str(tmp_path)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_cli_search_and_stats(kb, capsys):
    assert _run(["kb", "search", "只纳金怎么算"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. [") and "第10条" in out and out.count("\n") >= 3
    assert _run(["kb", "stats"]) == 0
    out = capsys.readouterr().out
    assert f"topics: {len(kb.topics)}" in out
    assert f"paraphrases: {sum(len(t.examples) for t in kb.topics)}" in out
    assert "faq/late_fee.yml:" in out and "out_of_scope.yml:" in out


def test_importing_the_package_loads_no_rasa_jieba_or_files():
    import subprocess
    import sys

    code = ("import sys, bot.knowledge.cli, bot.knowledge.search, bot.knowledge.export, bot.knowledge.check; "
            "print(sorted(m for m in ('rasa', 'jieba', 'rank_bm25') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_reviewed_dates_are_not_in_the_future(kb):
    assert all(t.reviewed <= dt.date.today() for t in kb.topics)
