"""The status guard: plan items (拟/将/计划 …) written up as already done are found; plans kept as plans are not."""

import pytest

from drafting.checks.status import INTENTION, content_words, measure_status, status_promotions
from drafting.resources import load_data

MARKERS = INTENTION.pattern.split("|")


def test_the_planted_cases_are_all_found_and_nothing_else():
    cases = load_data("status_cases.yaml")["cases"]
    promoted = [c for c in cases if c["promoted"]]
    assert any("拟" in p for c in promoted for p in c["promoted"])
    assert any("将" in p and "已" in c["draft"] for c in promoted for p in c["promoted"])
    assert len(cases) - len(promoted) >= 5  # negatives: plan written as plan, 已 about another bullet …
    assert measure_status() == {"cases": float(len(cases)), "precision": 1.0, "recall": 1.0}


@pytest.mark.parametrize("marker", MARKERS)
def test_every_intention_marker_is_stripped_and_its_plan_guarded(marker):
    plan = f"{marker}于10月举办职工运动会"
    assert not any(INTENTION.search(word) for word in content_words(plan))
    for done in ("10月已举办职工运动会", "10月成功举办了职工运动会", "职工运动会于10月举办，已圆满完成"):
        (finding,) = status_promotions(f"工会工作扎实推进。{done}。", [plan])
        assert finding.plan == plan and finding.marker and finding.marker in finding.sentence
    assert status_promotions(f"（一）{plan}，丰富职工文体生活。", [plan]) == []


def test_only_the_promoted_item_is_reported_with_its_sentence():
    plans = ["拟于10月举办职工运动会", "将开展青年教师成长沙龙活动", "完善提案办理机制"]
    draft = (
        "一、职工文体活动\n10月已举办职工运动会，参与教职工186人。已完善提案办理机制。\n"
        "二、明年工作计划\n（一）将开展青年教师成长沙龙活动。"
    )
    (finding,) = status_promotions(draft, plans)
    assert finding.plan == plans[0] and finding.sentence == "10月已举办职工运动会，参与教职工186人"


def test_a_sentence_with_a_different_count_is_another_fact():
    plan = "拟新建户外劳动者服务站点10个"
    assert status_promotions("全年建成户外劳动者服务站点24个。", [plan]) == []
    assert [f.plan for f in status_promotions("全年建成户外劳动者服务站点10个。", [plan])] == [plan]


def test_traditional_script_is_read_as_simplified():
    plan = "擬於9月舉辦職工運動會"
    assert [f.marker for f in status_promotions("9月已舉辦職工運動會。", [plan])] == ["已"]
    assert status_promotions("擬於9月舉辦職工運動會。", [plan]) == []
