"""The section parser on every bundled report (counts checked by reading them) and on unseen styles."""

import os

import pytest

from drafting.corpus.parser import enumeration_items, parse_report
from drafting.corpus.reports import read_bundled
from tests.conftest import ROOT

BUNDLED = {r.meta.id: r for r in read_bundled(ROOT / "examples_corpus")}

# Top-level sections of each report, counted by reading it. A bare heading ("2016年工作总结") or a
# plan lead-in ("2017年我们将重点抓好以下6个方面工作：") is one top-level section with its items under it.
TOP_LEVEL = {
    "seed000-01": 6, "seed000-02": 5, "seed000-03": 5, "seed000-04": 6, "seed000-05": 3,
    "seed000-06": 2, "seed000-07": 7, "seed000-08": 4, "seed000-09": 3, "seed000-10": 3,
    "seed001-01": 6,
    "seed002-01": 4, "seed002-02": 6, "seed002-03": 4, "seed002-04": 4, "seed002-05": 5, "seed002-06": 6,
    "seed003-01": 2, "seed003-02": 7,
}  # fmt: skip


@pytest.mark.parametrize("report_id", sorted(TOP_LEVEL))
def test_top_level_sections_of_every_bundled_report(report_id):
    parsed = BUNDLED[report_id].parsed()
    assert len(parsed.top_level) == TOP_LEVEL[report_id], parsed.outline()


def test_parts_of_a_report_with_problems_and_suggestions():
    parsed = BUNDLED["seed000-08"].parsed()
    assert [(s.title, s.part) for s in parsed.top_level] == [
        ("主要工作完成情况", "work"),
        ("主要做法", "work"),
        ("存在问题", "problems"),
        ("意见和建议", "plan"),
    ]
    assert [s.part for s in parsed.sections][0] == "opening"
    assert parsed.sections[-1].part == "closing"
    assert len(parsed.top_level[2].children) == 3  # （一）（二）（三）


def test_half_year_report_splits_summary_and_arrangements():
    parsed = BUNDLED["seed000-06"].parsed()
    first, second = parsed.top_level
    assert (first.title, first.part, len(first.children)) == ("上半年工作总结", "work", 4)
    assert (second.title, second.part, len(second.children)) == ("下半年工作安排", "plan", 5)


def test_traditional_report_with_bare_headings():
    parsed = BUNDLED["seed003-01"].parsed()
    summary, plan = parsed.top_level
    assert summary.title == "2016年工作總結" and summary.part == "work"
    assert [c.part for c in summary.children] == ["work", "work", "work", "experience"]
    assert plan.part == "plan" and all(c.part == "plan" for c in plan.children)


def test_plan_lead_in_paragraph_heads_the_plan():
    parsed = BUNDLED["seed003-02"].parsed()
    plan = parsed.top_level[-1]
    assert plan.part == "plan" and len(plan.children) == 6
    assert plan.children[0].title == "把職工的智慧和力量凝聚到單位的中心工作上"


UNSEEN_ARABIC_TOP = """某公司工会2025年工作总结

2025年，公司工会在公司党委的领导下，认真履行职责。现将全年工作总结如下：

1. 民主管理

召开职代会一次。一是审议通过集体合同；二是听取工会工作报告；三是开展厂务公开。

（1）职代会提案

收集提案12件。

（2）厂务公开

每季度公开一次。

2. 送温暖

走访困难职工30户。

3. 存在的不足

一是活动形式单一，二是经费紧张。

4. 2026年工作打算

继续做好各项工作。

总之，工会将再接再厉，开创工作新局面。"""

UNSEEN_DI_STYLE = """第一，加强思想引领。组织学习12次。

第二，关爱职工。慰问困难职工8人。

第三，存在问题。宣传不够。

下一步工作计划

（一）深化民主管理。

（二）办好职工之家。"""


def test_unseen_report_that_numbers_from_arabic():
    parsed = parse_report(UNSEEN_ARABIC_TOP)
    assert parsed.title == "某公司工会2025年工作总结"
    assert [s.title for s in parsed.top_level] == ["民主管理", "送温暖", "存在的不足", "2026年工作打算"]
    assert [s.part for s in parsed.top_level] == ["work", "work", "problems", "plan"]
    assert [c.title for c in parsed.top_level[0].children] == ["职代会提案", "厂务公开"]
    assert parsed.top_level[0].items == ["一是审议通过集体合同", "二是听取工会工作报告", "三是开展厂务公开。"]
    assert parsed.sections[0].part == "opening" and "总结如下" in parsed.sections[0].paragraphs[-1]
    assert parsed.sections[-1].part == "closing"


def test_unseen_report_with_di_markers_and_bare_plan_heading():
    parsed = parse_report(UNSEEN_DI_STYLE)
    assert [s.style for s in parsed.top_level] == ["di", "di", "di", "bare"]
    assert [s.part for s in parsed.top_level] == ["work", "work", "problems", "plan"]
    assert parsed.top_level[0].paragraphs == ["组织学习12次。"]
    assert [c.title for c in parsed.top_level[3].children] == ["深化民主管理", "办好职工之家"]


def test_enumeration_items_need_a_run_from_one():
    assert enumeration_items("一是开会；二是慰问。") == ["一是开会", "二是慰问。"]
    assert enumeration_items("这是唯一是非问题") == []
    assert enumeration_items("二是慰问；三是培训") == []


def test_text_is_preserved_by_the_tree():
    report = BUNDLED["seed000-02"]
    joined = "".join(s.text() for s in report.parsed().sections).replace("\n", "")
    assert joined == report.body.replace("\n", "")


# Text as pasted from a web page or WeChat: one line per paragraph, no blank lines, half-width
# punctuation, and the page's "篇1" after the title.
PASTED_LINES = [
    "学校2023年度工作总结篇1",
    "2023年,学校工会在上级工会和学校党总支的正确领导下,团结带领全体教职工扎实开展工作.现将一年来的工作总结如下:",
    "一.加强思想引领.组织教职工开展政治理论学习12次.",
    "二.推进民主管理",
    "(一)召开教代会",
    "3月召开教代会,审议通过《绩效工资分配方案》.",
    "(二)推进校务公开",
    "每学期公开重大事项2次.",
    "三.关心教职工生活",
    "走访慰问困难教职工15人;组织全体教职工健康体检.",
    "四.存在的不足",
    "一是活动形式还不够丰富;二是工会干部业务能力有待提高.",
    "五.2024年工作计划",
    "(一)继续加强教职工思想政治建设.",
    "(二)办好教职工之家.",
    "总之,学校工会将再接再厉,开创工会工作新局面.",
]

STREET_UNION_LINES = [
    "城关街道总工会2023年工作总结",
    "2023年,城关街道总工会在街道党工委和区总工会的正确领导下,团结带领辖区广大职工,各项工作取得了新进展."
    "现将全年工作总结如下:",
    "1.推进基层工会组建",
    "全年新建基层工会12家,新发展会员860人.",
    "2.深化帮扶救助",
    "(1)开展送温暖活动",
    "春节期间走访慰问困难职工30户.",
    "(2)做好新就业形态劳动者服务",
    "建成户外劳动者驿站5个.",
    "3.开展劳动和技能竞赛",
    "举办辖区职工技能竞赛3场,参赛职工420人次.",
    "4.存在的问题",
    "一是部分小微企业工会作用发挥不够;二是工会干部队伍力量薄弱.",
    "5.2024年工作打算",
    "继续扩大工会组织覆盖面,加强基层工会规范化建设.",
]

CHINESE_YEAR_PARAGRAPHS = [
    "二〇二三年，我镇总工会在镇党委和县总工会的领导下，紧紧围绕全镇中心工作，扎实推进各项工作。现将有关情况总结如下：",
    "二〇二三年工作总结",
    "第一，加强职工思想引领。组织职工学习宣讲8场。",
    "第二，维护职工合法权益。调处劳动争议6件。",
    "第三，关心困难职工。慰问困难职工20户。",
    "二〇二四年工作计划",
    "（一）推进乡镇工会规范化建设。",
    "（二）深化职工服务阵地建设。",
    "总之，镇总工会将再接再厉，开创工会工作新局面。",
]


@pytest.mark.parametrize("normalised", [False, True], ids=["as pasted", "normalised"])
def test_pasted_text_with_single_line_breaks_and_a_pian_title(normalised):
    from drafting.documents import normalise_pasted_text

    text = "\n".join(PASTED_LINES)
    parsed = parse_report(normalise_pasted_text(text) if normalised else text)
    assert parsed.title == "学校2023年度工作总结"  # a title, not a heading holding the whole report
    assert [s.part for s in parsed.top_level] == ["work", "work", "work", "problems", "plan"]
    assert parsed.top_level[0].title == "加强思想引领"
    assert parsed.top_level[0].paragraphs == ["组织教职工开展政治理论学习12次."]
    assert [c.title for c in parsed.top_level[1].children] == ["召开教代会", "推进校务公开"]
    assert parsed.top_level[4].title == "2024年工作计划" and len(parsed.top_level[4].children) == 2
    assert parsed.sections[0].part == "opening" and parsed.sections[-1].part == "closing"


def test_street_union_report_numbered_with_half_width_stops():
    parsed = parse_report("\n".join(STREET_UNION_LINES))
    assert parsed.title == "城关街道总工会2023年工作总结"
    assert [s.title for s in parsed.top_level] == [
        "推进基层工会组建",
        "深化帮扶救助",
        "开展劳动和技能竞赛",
        "存在的问题",
        "2024年工作打算",  # "5.2024年…" is heading 5, not the number 5.2024
    ]
    assert [s.part for s in parsed.top_level] == ["work", "work", "work", "problems", "plan"]
    assert [c.title for c in parsed.top_level[1].children] == ["开展送温暖活动", "做好新就业形态劳动者服务"]


def test_report_with_years_in_chinese_numerals_and_bare_part_headings():
    parsed = parse_report("\n\n".join(CHINESE_YEAR_PARAGRAPHS))
    assert parsed.title == ""
    summary, plan = parsed.top_level
    assert (summary.title, summary.part, len(summary.children)) == ("二〇二三年工作总结", "work", 3)
    assert (plan.title, plan.part, len(plan.children)) == ("二〇二四年工作计划", "plan", 2)
    assert all(c.part == "work" for c in summary.children)


def test_a_lone_bare_first_line_is_the_title_but_a_summary_heading_with_a_plan_sibling_is_not():
    body = "一、民主管理\n召开职代会一次。\n二、送温暖\n走访困难职工30户。"
    assert parse_report("2023年度工作总结\n" + body).title == "2023年度工作总结"
    with_plan = parse_report("2023年度工作总结\n" + body + "\n2024年工作计划\n（一）继续做好各项工作。")
    assert with_plan.title == ""
    assert [s.title for s in with_plan.top_level] == ["2023年度工作总结", "2024年工作计划"]


def test_a_decimal_at_the_start_of_a_paragraph_is_not_a_heading():
    parsed = parse_report("一、会员发展\n\n1.2万名职工加入工会。")
    assert len(parsed.top_level) == 1 and parsed.top_level[0].paragraphs == ["1.2万名职工加入工会。"]


def test_bundled_reports_are_read_again_when_a_file_changes(tmp_path):
    """They are read and parsed once per process while the files stay as they are; an edit (its size, or
    a later modification time for an edit of the same size) is never served stale."""
    source = sorted((ROOT / "examples_corpus").glob("*.md"))[0]
    copy = tmp_path / source.name
    copy.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    first = read_bundled(tmp_path)
    assert read_bundled(tmp_path) == first
    assert read_bundled(tmp_path)[0] is first[0]  # not parsed again
    title = first[0].meta.title
    copy.write_text(
        source.read_text(encoding="utf-8").replace(title, "改过的标题：" + title, 1), encoding="utf-8"
    )
    assert read_bundled(tmp_path)[0].meta.title == "改过的标题：" + title

    copy.write_text(
        source.read_text(encoding="utf-8").replace(title, "再改的标题：" + title, 1), encoding="utf-8"
    )
    later = copy.stat().st_mtime_ns + 1_000_000_000
    os.utime(copy, ns=(later, later))  # same size: the time tells the edit, even within one clock tick
    assert read_bundled(tmp_path)[0].meta.title == "再改的标题：" + title
