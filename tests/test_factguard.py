"""The fact guard: planted errors are all flagged, values taken from the facts never are."""

import json
from pathlib import Path

import pytest

from drafting.cli import main
from drafting.engine import generate_draft
from drafting.factguard import check_draft, chinese_to_int
from drafting.facts import load_facts_file, parse_facts

EXAMPLE = Path(__file__).resolve().parent.parent / "drafting" / "data" / "example_facts.yaml"

# (planted change, the value that must be flagged): invented counts, altered numbers, promoted levels, invented dates
PLANTED = [
    (("23户", "32户"), "32户"),
    (("4.6万元", "5.6万元"), "5.6万元"),
    (("138人次", "183人次"), "183人次"),
    (("新发展会员45人", "新发展会员54人"), "54人"),
    (("120人", "210人"), "210人"),
    (("市级一等奖", "省级一等奖"), "省级"),
    (("市级一等奖", "市级特等奖"), "特等奖"),
    (("组织全院职工健步走活动", "3月12日组织全院职工健步走活动"), "3月12日"),
    (("组织全院职工健步走活动", "组织全院职工健步走活动8场"), "8场"),
    (("五届三次职代会", "五届三次职代会，收集提案十二件"), "十二件"),
]


@pytest.fixture(scope="module")
def clean(built_library):
    facts = load_facts_file(EXAMPLE)
    return facts, generate_draft(facts, built_library).markdown()


def test_a_clean_offline_draft_has_no_findings(clean):
    facts, text = clean
    result = check_draft(text, facts)
    assert result.unsupported == [] and result.changed_levels == []
    assert result.missing_facts == [] and result.coverage == 1.0
    assert result.problems_without_measure == []


@pytest.mark.parametrize(("change", "flagged"), PLANTED)
def test_every_planted_error_is_flagged(clean, change, flagged):
    facts, text = clean
    assert change[0] in text
    result = check_draft(text.replace(change[0], change[1], 1), facts)
    values = [f.value for f in result.unsupported + result.changed_levels]
    assert any(flagged in value or value in flagged for value in values), values
    # nothing else is flagged: no false alarms on values taken from the facts
    assert len(values) == 1


def test_altered_value_names_the_fact_it_came_from(clean):
    facts, text = clean
    result = check_draft(text.replace("23户", "32户"), facts)
    assert result.unsupported[0].nearest == "春节走访慰问困难职工23户，发放慰问金4.6万元"
    assert "春节走访慰问困难职工23户，发放慰问金4.6万元" in result.missing_facts and result.coverage < 1


def test_chinese_and_arabic_numerals_are_the_same_value():
    facts = parse_facts(
        {"organization": "某工会", "period": "2025年", "facts": ["慰问困难职工23户，发放4.6万元"]}
    )
    assert check_draft("走访慰问困难职工二十三户，发放46000元。", facts).unsupported == []
    assert chinese_to_int("二十三") == 23 and chinese_to_int("一百零五") == 105 and chinese_to_int("十") == 10


def test_problem_without_a_measure_is_reported():
    facts = parse_facts(
        {
            "organization": "某工会",
            "period": "2025年",
            "facts": ["召开职代会"],
            "problems": ["活动场地不足", "会员信息统计不及时"],
        }
    )
    text = "一、民主管理\n召开职代会。\n二、存在的问题\n活动场地不足；会员信息统计不及时。\n三、2026年工作计划\n改善活动场地。"
    assert check_draft(text, facts).problems_without_measure == ["会员信息统计不及时"]


def test_cli_check_json(clean, tmp_path, capsys):
    facts, text = clean
    draft = tmp_path / "d.md"
    draft.write_text(text.replace("23户", "32户"), encoding="utf-8")
    assert main(["check", str(draft), "--facts", str(EXAMPLE), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [f["value"] for f in result["unsupported"]] == ["32户"]
    assert set(result) >= {"unsupported", "missing_facts", "coverage"}
    assert {"value", "context"} <= set(result["unsupported"][0])
