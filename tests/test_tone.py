"""Tone metrics: formal 公文 register reads closer to the corpus than the same content said colloquially."""

import json

import pytest

from drafting.cli import main
from drafting.corpus import Corpus
from drafting.tone import compare, measure
from tests.conftest import ROOT

REFERENCES = [r.body for r in Corpus(ROOT / "examples_corpus", ROOT / "none").reports()]

PAIRS = [
    (
        "一年来，院工会紧紧围绕医院中心工作，切实履行维护职能。一是扎实开展送温暖活动，春节走访慰问困难职工23户；"
        "二是进一步规范院务公开，召开职代会审议通过绩效方案；三是积极组织文体活动，不断增强职工凝聚力。",
        "今年咱们工会其实干了挺多事。过年的时候去看了23户困难的同事，大家挺感动的吧。"
        "还开了个职代会，说实话绩效方案吵了挺久。另外搞了几场活动，反正大家玩得还行。",
    ),
    (
        "学校工会坚持以教职工为本，充分发挥桥梁纽带作用，认真落实教代会制度，全面推进校务公开，有效维护了教职工合法权益。",
        "我们学校工会嘛，就是帮老师们办点事，开开教代会，把学校的事儿公开一下，老师们有啥问题就来找咱们。",
    ),
    (
        "公司工会深入开展劳动竞赛和技能比武，组织岗位练兵12场，职工参与率达92%，营造了比学赶超的良好氛围。",
        "公司这边搞了好多比赛呀，大概12场吧，差不多九成的人都来了，气氛真的超级好。",
    ),
]


@pytest.mark.parametrize(("formal", "colloquial"), PAIRS)
def test_formal_register_is_closer_to_the_corpus(formal, colloquial):
    formal_report = compare(formal, REFERENCES)
    colloquial_report = compare(colloquial, REFERENCES)
    assert formal_report.distance < colloquial_report.distance
    # and the metrics say why
    assert colloquial_report.metrics["colloquial_rate"].z > formal_report.metrics["colloquial_rate"].z
    assert any("口语词较多" in s for s in colloquial_report.suggestions)


def test_metrics_of_a_known_text():
    metrics = measure(
        "一、民主管理\n一是召开职代会；二是推进厂务公开。\n我们扎实推进各项工作，比思想，比技能，比贡献。"
    )
    assert metrics["heading_share"] == pytest.approx(1 / 3)
    assert (
        metrics["enumeration_rate"] > 0
        and metrics["first_person_rate"] > 0
        and metrics["colloquial_rate"] == 0
    )


def test_cli_tone_json(tmp_path, capsys):
    path = tmp_path / "t.txt"
    path.write_text(PAIRS[0][1], encoding="utf-8")
    assert main(["tone", str(path), "--ref", "seed000-02", "--ref", "seed002-04", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["distance"] > 0 and "colloquial_rate" in report["metrics"]
