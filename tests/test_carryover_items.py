"""上年计划对照: which lines of last year's report are its plan items (headings that name a later year,
closings and 落款 left out, a draft's placeholders, years in 汉字, items written in one paragraph or
under sub-headings). All offline: no embedder is needed to find the items."""

import io

import docx
import pytest

from drafting.carryover.items import NoPlanFound, find_plan, year_warning
from drafting.carryover.sources import from_upload, previous_choices
from drafting.corpus.parser import parse_report
from drafting.storage.drafts import DraftTitle

SUMMARY = "某县总工会2024年工作总结\n一、2024年工作回顾\n全年新建基层工会12家，发展会员860人。\n二、存在的问题\n经费保障不足。\n"
TASKS = ["深化产业工人队伍建设改革", "举办劳模工匠宣讲5场", "推进新就业形态劳动者入会，新增会员1000人"]


def _texts(report: str, **known: str) -> list[str]:
    return [item.text for item in find_plan(report, **known).items]


@pytest.mark.parametrize(
    "heading",
    [
        "2025年重点工作",
        "2025年工作重点",
        "2025年工作展望",
        "2025年工作谋划",
        "2025年工作目标",
        "关于2025年的工作",
        "二〇二五年重点工作",
        "下半年工作重点",
    ],
)
def test_a_heading_that_names_a_later_year_heads_the_plan(heading):
    report = f"{SUMMARY}三、{heading}\n" + "".join(f"{n}. {task}。\n" for n, task in enumerate(TASKS, 1))
    assert _texts(report) == TASKS


def test_the_year_a_summary_looks_back_on_is_no_plan():
    """In a 2025 summary, 2025年重点工作 reviews the year: its work is no plan, whatever the title says
    or (when the text names no year before it) the period the report is known for."""
    review = (
        "某公司工会2025年工作总结\n一、2025年重点工作\n1. 开展安康杯竞赛活动。\n2. 组织职工技能培训12期。\n"
    )
    with pytest.raises(NoPlanFound):
        find_plan(review)
    untitled = "一、2025年重点工作\n1. 开展安康杯竞赛活动。\n2. 组织职工技能培训12期。\n"
    with pytest.raises(NoPlanFound):
        find_plan(untitled, period="2025年")
    assert parse_report(untitled, period="2024年").top_level[0].part == "plan"


def test_a_closing_and_the_signature_are_no_plan_items():
    """Unnumbered plan lines, then the closing words, the unit and the date: only the work is an item."""
    report = (
        f"{SUMMARY}三、2025年工作计划\n"
        + "\n".join(TASKS)
        + "\n新的一年，县总工会将在县委和上级工会的坚强领导下，团结带领全县职工，为全县高质量发展作出新的更大贡献。"
        + "\n让我们携手并进，共创工会工作新局面！\n江北市第一人民医院工会\n二〇二四年十二月二十八日\n"
    )
    assert _texts(report) == TASKS
    unpunctuated = f"{SUMMARY}三、2025年工作计划\n" + "\n".join(TASKS) + "\n某县总工会\n2024年12月28日\n"
    assert _texts(unpunctuated) == TASKS  # the last task above the 落款 is no unit's name


def test_the_signature_under_a_plan_table_is_no_item():
    document = docx.Document()
    for line in ("某区总工会2024年工作总结", "一、主要工作", "全年新建基层工会12家。", "二、2025年工作计划"):
        document.add_paragraph(line)
    table = document.add_table(rows=0, cols=3)
    for row in (
        ("序号", "工作内容", "目标值"),
        ("1", "新建基层工会", "15家"),
        ("2", "开展职工技能大赛", "1次"),
    ):
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value
    document.add_paragraph("某区总工会")
    document.add_paragraph("2024年12月30日")
    buffer = io.BytesIO()
    document.save(buffer)
    plan = from_upload("上年总结.docx", buffer.getvalue())
    assert [item.text for item in plan.items] == ["新建基层工会", "开展职工技能大赛"]


# the plan part of an offline draft made without plans, as the carry-over reads a saved draft
DRAFT = (
    "江北市第一人民医院工会2024年工作总结及2025年工作计划\n\n"
    "2024年，江北市第一人民医院工会团结带领广大医务职工扎实开展工作。\n\n"
    "一、关爱医务人员\n\n春节走访慰问困难职工20户。\n\n"
    "二、2025年工作计划\n\n围绕上述工作，我们将在巩固已有成效的基础上，重点做好以下工作：\n\n{plan}\n\n"
    "2025年，江北市第一人民医院工会将团结带领广大医务职工，为医院高质量发展作出新的更大贡献。"
)


@pytest.mark.parametrize(
    "plan",
    [
        "【待补充：请填写下一阶段的工作计划，可围绕民主管理、维权帮扶、工会自身建设等方面逐条填写】",
        "（一）针对“职工文体活动场地不足”的问题，【待补充：具体改进措施】。",
    ],
)
def test_a_plan_of_placeholders_only_is_no_plan(plan):
    with pytest.raises(NoPlanFound, match="只有待补充的占位"):
        find_plan(DRAFT.format(plan=plan))


def test_an_item_keeps_its_punctuation_and_loses_its_placeholder():
    plan = "（一）开展“安康杯：安全生产月”竞赛活动，覆盖班组30个。\n\n（二）建成职工书屋1个【待补充：地点】。"
    assert _texts(DRAFT.format(plan=plan)) == [
        "开展“安康杯：安全生产月”竞赛活动，覆盖班组30个",
        "建成职工书屋1个",
    ]


def test_years_in_hanzi_give_the_period_and_the_warning():
    report = (
        "江北市第一人民医院工会二〇二〇年工作总结\n一、二〇二〇年主要工作\n召开五届二次职代会。\n"
        "二、二〇二一年工作思路\n二〇二一年，院工会将重点抓好以下工作：一是建成职工书屋1个；二是开展护理技能竞赛。"
    )
    plan = find_plan(report)
    assert (plan.period, plan.plan_year) == ("2020年", "2021")
    assert "2021年的计划" in year_warning(plan.title, plan.plan_year, "二〇二五年")
    drafts = [
        DraftTitle(id="a", title="某工会2023年工作总结"),
        DraftTitle(id="b", title="某工会二〇二四年工作总结"),
    ]
    assert previous_choices("2025年", drafts, [])[0].id == "b"  # last year's first


@pytest.mark.parametrize(
    "plan",
    [
        "2025年，县总工会将着力做好以下工作：1.深化产业工人队伍建设改革；2.举办劳模工匠宣讲5场；"
        "3.推进新就业形态劳动者入会，新增会员1000人。",
        "一要深化产业工人队伍建设改革；二要举办劳模工匠宣讲5场；三要推进新就业形态劳动者入会，新增会员1000人。",
        "首先，深化产业工人队伍建设改革。其次，举办劳模工匠宣讲5场。最后，推进新就业形态劳动者入会，新增会员1000人。",
    ],
    ids=["numbers_in_a_paragraph", "yao", "shouxian"],
)
def test_markers_and_the_lead_in_are_not_part_of_an_item(plan):
    assert _texts(f"{SUMMARY}三、2025年工作计划\n{plan}\n") == TASKS


def test_a_long_item_is_matched_by_its_body_too():
    """坚持政治引领 is the heading; the 宣讲5场 this year's fact answers stands in its body, so the text the
    item is matched by holds the body (it held the heading alone); a longer one is cut at a clause."""
    body = "深入学习贯彻党的二十届三中全会精神，举办劳模工匠宣讲5场，组织职工读书活动"
    report = (
        f"{SUMMARY}三、2025年工作计划\n（一）坚持政治引领，深化职工思想政治工作。{body}。\n"
        f"（二）坚持服务大局，深化劳动和技能竞赛。{'组织职工技能大赛，培养县级技术能手20名，' * 5}全面提升技能。\n"
    )
    short, long = find_plan(report).items
    assert short.text == short.detail == f"坚持政治引领，深化职工思想政治工作。{body}"
    assert long.text.startswith("坚持服务大局，深化劳动和技能竞赛。组织职工技能大赛") and long.text.endswith(
        "…"
    )
    assert len(long.text) <= 101 and long.detail.endswith("全面提升技能")


def test_tasks_under_a_sub_heading_are_items_of_their_own():
    """（一）/1. levels: each task is an item (the one not done was hidden in its group); 时间：3月 and the
    like under a heading are its details."""
    report = (
        f"{SUMMARY}三、2025年工作计划\n（一）加强思想引领\n1.举办劳模工匠宣讲5场。\n2.开展职工读书活动。\n"
        "（二）加强维权服务\n1.推进新就业形态劳动者入会，新增会员1000人。\n2.开展职工技能大赛。\n"
        "（三）召开职工代表大会\n1.时间：3月。\n2.参加：代表120人。\n"
    )
    assert _texts(report) == [
        "举办劳模工匠宣讲5场",
        "开展职工读书活动",
        "推进新就业形态劳动者入会，新增会员1000人",
        "开展职工技能大赛",
        "召开职工代表大会；时间：3月；参加：代表120人",
    ]


@pytest.mark.parametrize(
    "plan",
    [
        "2025年，我们将重点做好以下工作：一是召开职代会，二是新发展会员50人，三是组织春秋游。",
        "二、2025年工作计划\n一是召开职代会；二是新发展会员50人；三是组织春秋游。",
        "二、2025年工作计划\n2025年，工会将做好以下工作：1.召开职代会；2.新发展会员50人；3.组织春秋游。",
        "二、2025年工作计划\n工会将做好以下工作：①召开职代会；②新发展会员50人；③组织春秋游。",
    ],
    ids=["next_year_paragraph", "plan_section", "numbers", "circled"],
)
def test_a_short_enumerated_item_is_an_item(plan):
    """召开职代会 (5 characters) was dropped from a 一是……二是…… run as too short for a sentence, so the
    tally counted 1 item of 3 and never raised the two not done: an enumerated item counts however short."""
    report = "某县总工会2024年工作总结\n一、2024年工作回顾\n全年新建基层工会12家，发展会员860人。\n"
    assert _texts(report + plan + "\n") == ["召开职代会", "新发展会员50人", "组织春秋游"]


@pytest.mark.parametrize("rest", ["……", "其他", "其它", "等等", "其余等", "...", "⋯⋯"])
@pytest.mark.parametrize(
    "plan",
    [
        "二、2025年工作计划\n一是召开职代会；二是新发展会员50人；三是{rest}。",
        "2025年，我们将重点做好以下工作：一是召开职代会，二是新发展会员50人，三是{rest}。",
        "二、2025年工作计划\n1.召开职代会。\n2.新发展会员50人。\n3.{rest}",
        "二、2025年工作计划\n序号｜工作内容｜完成时限\n1｜召开职代会｜3月\n2｜新发展会员50人｜全年\n3｜{rest}｜全年",
    ],
    ids=["run", "next_year_paragraph", "numbered", "table"],
)
def test_a_placeholder_is_no_item(plan, rest):
    """三是…… (or 其他, 等等) was kept as an item once short enumerated items were: it named no work, so it
    stood 未提及 in the table, counted in the tally and held up confirming until the user decided on it.
    An item names its work in two 汉字 of its own."""
    report = "某县总工会2024年工作总结\n一、2024年工作回顾\n全年新建基层工会12家，发展会员860人。\n"
    assert _texts(report + plan.format(rest=rest) + "\n") == ["召开职代会", "新发展会员50人"]
