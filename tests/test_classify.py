"""Front matter guessed from real documents: unit type (地方工会 included), period, kind, title — and the import."""

import pytest

from drafting.access import Actor
from drafting.corpus.classify import (
    UNIT_TYPES,
    guess_kind,
    guess_period,
    guess_title,
    guess_unit_type,
    unit_type_of_name,
)
from tests.test_parser import CHINESE_YEAR_PARAGRAPHS, PASTED_LINES, STREET_UNION_LINES

LOCAL = Actor.local()

OPENINGS = {
    "学校": "2023年，我校工会在上级工会和学校党总支的正确领导下，团结带领全体教职工扎实开展工作。",
    "医院": "一年来，院工会紧紧围绕医院中心工作，维护医务人员合法权益。",
    "企业": "2023年，公司工会在集团公司工会的指导下，紧贴企业生产经营中心工作。",
    "机关": "我局工会在县总工会的正确领导下，认真履行工会各项工作职能。",
    "地方工会": "2023年，城关街道总工会在街道党工委的领导下，团结带领辖区广大职工建功立业。",
    "其他": "一年来，我们认真做好各项工作，取得了一定成绩。",
}


@pytest.mark.parametrize("unit", UNIT_TYPES)
def test_unit_type_of_every_kind_from_the_opening(unit):
    assert guess_unit_type(OPENINGS[unit]) == unit


@pytest.mark.parametrize(
    "opening",
    [
        "XX县总工会在省市总的工作指导和县委领导下，各项工作取得新成效。",
        "2023年，XX镇总工会紧紧围绕全镇中心工作。",
        "今年以来，XX区总工会坚持服务职工。",
        "XX市总工会认真贯彻落实上级工会部署。",
        "XX乡镇工会紧紧围绕乡党委中心工作。",
        "XX街道工会团结带领辖区职工。",
        "在市总工会的指导下，全区各级工会扎实开展帮扶工作。",
    ],
)
def test_local_unions_are_地方工会(opening):
    assert guess_unit_type(opening) == "地方工会"


def test_the_union_above_the_writer_does_not_decide():
    assert guess_unit_type("在区总工会的正确领导下，我校工会团结带领教职工。") == "学校"
    assert guess_unit_type("按照市总工会的部署要求，公司工会扎实推进厂务公开。") == "企业"


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("城关街道总工会", "地方工会"),
        ("XX市总工会办公室", "地方工会"),
        ("城关镇工会", "地方工会"),
        ("XX乡镇工会", "地方工会"),
        ("江南区第三中学工会", "学校"),
        ("XX区人民医院工会", "医院"),
        ("XX公司工会", "企业"),
        ("XX局机关工会", "机关"),
        ("某协会", None),
    ],
)
def test_unit_type_of_an_organisation_name(name, unit):
    assert unit_type_of_name(name) == unit


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2023年度，街道总工会扎实开展工作。", "2023年"),
        ("XX镇总工会2024年上半年工作总结\n\n今年以来，镇总工会扎实开展工作。", "2024年上半年"),
        ("二〇二三年，我镇总工会紧紧围绕全镇中心工作。", "2023年"),
        ("二零二二年，公司工会扎实开展工作。", "2022年"),
        ("2022-2023学年，我校工会团结带领教职工。", "2022-2023学年"),
        ("2022—2023学年第一学期学校工会工作总结", "2022-2023学年第一学期"),
        ("20xx年度是我校教育事业稳步发展的一年。", "20xx年"),
        ("在过去的半年里，公司工会扎实开展工作。", "上半年"),
        ("一年来，工会扎实开展工作。", "年度"),
    ],
)
def test_period_as_the_text_states_it(text, period):
    assert guess_period(text) == period


def test_kind_from_the_title_and_the_period():
    assert guess_kind("XX工会2024年工作计划\n\n2024年，工会将……", has_plan=True) == "工作计划"
    assert guess_kind("XX工会2024年上半年工作总结\n\n上半年，工会……", has_plan=True) == "半年总结"
    assert guess_kind("XX工会2023年工作总结\n\n2023年，工会……", has_plan=True) == "总结及计划"
    assert guess_kind("XX工会2023年工作总结\n\n2023年，工会……", has_plan=False) == "年度总结"


def test_title_names_the_report_not_the_web_page_or_the_file():
    body = "2023年，城关街道总工会在街道党工委的领导下，团结带领辖区广大职工。"
    assert guess_title("XX工会2023年度工作总结篇1", body, "x.txt") == "XX工会2023年度工作总结"
    assert guess_title("", body, "新建文本文档.txt") == "城关街道总工会2023年工作总结"
    assert guess_title("", "二〇二三年，我县总工会扎实开展工作。", "x.txt") == "县总工会2023年工作总结"
    nameless = "一年来，我们认真做好各项工作。"
    assert guess_title("", nameless, "城关街道工会总结.docx") == "城关街道工会总结"
    for default_name in ("新建文本文档.txt", "新建 Microsoft Word 文档.docx", "文档1.docx", "Document1.docx"):
        assert guess_title("", nameless, default_name) == "工会年度工作总结"


def test_pasted_text_is_imported_with_a_clean_title_and_every_paragraph(corpus):
    report = corpus.add_text("\n".join(PASTED_LINES), "粘贴的文字", LOCAL)
    meta = report.meta
    assert (meta.title, meta.unit_type, meta.period, meta.kind) == (
        "学校2023年度工作总结",
        "学校",
        "2023年",
        "总结及计划",
    )
    assert report.body.startswith("2023年，学校工会")  # punctuation made full-width; first paragraph kept
    assert len(report.parsed().top_level) == 5


def test_a_street_union_file_saved_as_gbk_with_a_default_name(corpus, tmp_path):
    path = tmp_path / "新建文本文档.txt"
    path.write_bytes("\r\n".join(STREET_UNION_LINES[1:]).encode("gb18030"))  # no title line
    meta = corpus.add_file(path, LOCAL).meta
    assert (meta.title, meta.unit_type, meta.period) == ("城关街道总工会2023年工作总结", "地方工会", "2023年")
    report = corpus.get(meta.id, LOCAL)
    assert report.body.startswith("2023年，城关街道总工会在街道党工委")  # the opening is body, not a title


def test_report_with_a_year_in_chinese_numerals(corpus):
    report = corpus.add_text("\n\n".join(CHINESE_YEAR_PARAGRAPHS), "镇总工会.md", LOCAL)
    meta = report.meta
    assert (meta.unit_type, meta.period, meta.kind) == ("地方工会", "2023年", "总结及计划")
    assert meta.title == "镇总工会2023年工作总结"
    assert report.body.startswith("二〇二三年，我镇总工会")


def test_地方工会_is_accepted_by_the_facts_and_has_its_own_headings():
    from drafting.writing.facts import parse_facts
    from drafting.writing.themes import load_themes

    facts = parse_facts(
        {"organization": "城关街道总工会", "org_type": "地方工会", "period": "2023年", "facts": ["建会"]}
    )
    assert facts.org_type == "地方工会"
    headings = {theme.key: theme.heading_for("地方工会") for theme in load_themes()}
    defaults = {theme.key: theme.heading_for(None) for theme in load_themes()}
    assert headings["self"] != defaults["self"] and "基层组织建设" in headings["self"]
