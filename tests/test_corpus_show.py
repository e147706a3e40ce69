"""`corpus show`: what the import understood of a report, as a JSON object and as an indented tree."""

import json

from drafting.access import Actor
from drafting.corpus.reports import read_bundled
from drafting.corpus.show import PART_LABELS, format_report_tree, report_tree
from tests.conftest import ROOT
from tests.test_parser import STREET_UNION_LINES

BUNDLED = {r.meta.id: r for r in read_bundled(ROOT / "examples_corpus")}


def test_json_shape_on_a_bundled_report():
    report = BUNDLED["seed000-01"]
    tree = json.loads(json.dumps(report_tree(report), ensure_ascii=False))
    assert {"title", "unit_type", "period", "kind", "sections", "text"} <= tree.keys()
    assert (tree["title"], tree["unit_type"], tree["period"], tree["kind"]) == (
        "工会年度工作总结模板 篇1",
        "学校",
        "XX年",
        "年度总结",
    )
    assert tree["text"] == report.body
    sections = tree["sections"]
    assert [s["part"] for s in sections] == ["opening"] + ["work"] * 6 + ["closing"]
    assert sections[1]["heading"] == "一、紧紧围绕教学工作,开展岗位立功竞赛活动促进教育事业的振兴发展。"
    assert sections[2]["heading"].startswith("二、贯彻执行《工会法》")
    assert sections[4]["heading"] == "四、心系群众,广泛开展扶贫帮困、送温暖活动。"
    first = sections[1]["children"][0]
    assert first["heading"] == "1、适时典型,以点带面,形成比学、赶、帮、超的竞争氛围。" and first["level"] == 2
    assert first["text"].startswith("在工作中,我们注意适时教学工作过硬")
    assert all({"heading", "part", "children", "text"} <= s.keys() for s in sections)
    # headings and texts, in tree order, are the whole body: nothing lost, nothing twice
    assert "".join(n["heading"] + n["text"] for n in _walk(sections)).replace(
        "\n", ""
    ) == report.body.replace("\n", "")


def _walk(nodes):
    for node in nodes:
        yield node
        yield from _walk(node["children"])


def test_human_tree_shows_parts_in_chinese_and_nesting(corpus):
    report = corpus.add_text("\n".join(STREET_UNION_LINES), "粘贴的文字", Actor.local())
    shown = format_report_tree(report)
    lines = shown.split("\n")
    assert lines[0] == "标题：城关街道总工会2023年工作总结"
    assert "单位类型：地方工会" in lines[1] and "期间：2023年" in lines[1]
    assert "〈开头〉  [开头·第1级]" in lines
    assert "1.推进基层工会组建  [工作·第1级]" in lines
    assert "  （1）开展送温暖活动  [工作·第2级]" in lines
    assert "4.存在的问题  [问题·第1级]" in lines
    assert "5.2024年工作打算  [计划·第1级]" in lines
    assert "      春节期间走访慰问困难职工30户." in lines  # a child's text, indented under it
    assert set(PART_LABELS.values()) == {"开头", "工作", "经验", "问题", "计划", "结尾"}
