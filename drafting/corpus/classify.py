"""Guess a report's unit type, period, kind and title from its text, for corpus front matter."""

import re
from collections import Counter
from pathlib import Path
from typing import Literal

from drafting.text.script import to_simplified

UnitType = Literal["学校", "医院", "企业", "机关", "地方工会", "其他"]
ReportKind = Literal["年度总结", "半年总结", "总结及计划", "工作计划"]
UNIT_TYPES: tuple[str, ...] = ("学校", "医院", "企业", "机关", "地方工会", "其他")

_UNIT_WORDS: dict[str, tuple[str, ...]] = {
    "学校": ("学校", "我校", "教师", "教职工", "教工", "教代会", "校务", "师德", "教学"),
    "医院": ("医院", "我院", "医护", "院务", "护士", "医疗", "病人", "患者"),
    "企业": ("公司", "企业", "集团", "车间", "厂务", "生产经营", "班组", "油矿"),
    "机关": ("我局", "机关", "局党委", "局工会", "政务公开", "局党组", "工委"),
    "地方工会": (
        "县总工会",
        "市总工会",
        "区总工会",
        "镇总工会",
        "街道总工会",
        "街道工会",
        "乡镇工会",
        "各级工会",
        "全县",
        "全市",
        "全区",
        "全镇",
        "全街道",
        "辖区",
        "帮扶中心",
        "基层工会组建",
        "新就业形态",
        "非公企业",
    ),
}

# Names checked in this order: "XX市总工会办公室" is a 地方工会, not a 机关 office.
_NAME_UNIT: list[tuple[UnitType, tuple[str, ...]]] = [
    ("地方工会", ("总工会", "街道工会", "乡镇工会", "镇工会", "乡工会")),
    ("学校", ("学校", "大学", "学院", "中学", "小学", "幼儿园")),
    ("医院", ("医院", "卫生院")),
    ("机关", ("局", "委员会", "政府", "机关", "办公室")),
    ("企业", ("公司", "集团", "厂", "矿")),
]


def unit_type_of_name(organization: str) -> UnitType | None:
    """The unit type an organisation's name shows ('江南区第三中学工会' → 学校), or None."""
    name = to_simplified(organization)
    return next((unit for unit, words in _NAME_UNIT if any(word in name for word in words)), None)


_OPENING_UNIT: list[tuple[UnitType, re.Pattern[str]]] = [
    ("地方工会", re.compile(r"总工会|街道工会|[镇乡]工会|各级工会|帮扶中心")),
    ("学校", re.compile(r"学校|我校|教育工会|教工|教职工")),
    ("医院", re.compile(r"医院|我院|卫生院")),
    ("机关", re.compile(r"我局|[^总]局工会|局党|机关|工委")),
    ("企业", re.compile(r"公司|集团|车间|[矿厂]工会|企业")),
]
# "在县总工会的正确领导下", "按照省总、市总的部署": the unit above the writer, not the writer.
_SUPERIOR_CLAUSE = re.compile(
    r"(在|按照|根据|遵照|依照|依据)[^。；;！!，,]{0,40}?(领导|指导|部署|要求|关心|支持|关怀|帮助)"
)


def guess_unit_type(text: str) -> UnitType:
    """Who wrote it: the unit named in the opening lines, else the unit type whose words the text uses most."""
    simplified = to_simplified(text)
    head = _SUPERIOR_CLAUSE.sub("", simplified[:160])[:120]
    named = [(m.start(), unit) for unit, pattern in _OPENING_UNIT if (m := pattern.search(head))]
    if named:
        return min(named)[1]
    scores = Counter({unit: sum(simplified.count(w) for w in words) for unit, words in _UNIT_WORDS.items()})
    (best, count), *_ = scores.most_common(1)
    return best if count >= 3 else "其他"  # type: ignore[return-value]


_CN_DIGITS = {ch: str(i) for i, ch in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0", "Ｏ": "0"}
_YEAR = r"(?:19|20)\d{2}|20[xX×]{2}|[xX]{2}|__|[一二][〇零○Ｏ一二三四五六七八九]{3}"
_PERIODS = [
    re.compile(
        rf"(?P<first>{_YEAR})\s*年?\s*[-—–－~～至到]\s*(?P<year>{_YEAR})\s*学年度?(?P<term>第[一二]学期)?"
    ),
    re.compile(rf"(?P<year>{_YEAR})\s*年度?\s*(?P<half>[上下]半年)?"),
]
_HALF_YEAR_WORDS = re.compile(r"上半年|过去的半年|半年来")


def guess_period(text: str) -> str:
    """The period the report covers, from its opening: '2016年', '20xx年上半年', '2022-2023学年', or '年度'.

    A year in 汉字 (二〇二三年) is given in digits; '2023年度' and '2023年' are the same period.
    """
    opening = to_simplified(text[:400])
    found = [(m.start(), -len(m.group()), m) for pattern in _PERIODS if (m := pattern.search(opening))]
    half = "上半年" if _HALF_YEAR_WORDS.search(opening) else ""
    if not found:
        return half or "年度"
    _, _, m = min(found, key=lambda item: item[:2])
    year = _digits(m.group("year"))
    if "first" in m.groupdict():
        return f"{_digits(m.group('first'))}-{year}学年{m.group('term') or ''}"
    return f"{year}年{m.group('half') or half}"


def _digits(year: str) -> str:
    return "".join(_CN_DIGITS.get(ch, ch) for ch in year)


def guess_kind(text: str, has_plan: bool) -> ReportKind:
    """A plan when the first line (the title) says 计划/要点 and not 总结; half-year when the period is;
    总结及计划 when the parser found a plan part."""
    first_line = to_simplified(text.strip().split("\n", 1)[0])
    if re.search(r"(计划|要点|安排)$", first_line) and "总结" not in first_line:
        return "工作计划"
    if "半年" in guess_period(text):
        return "半年总结"
    return "总结及计划" if has_plan else "年度总结"


_GENERIC_FILE_NAME = re.compile(
    r"^(新建|未命名|无标题|未标题|副本|粘贴|文档\s*\d*$|document\s*\d*$|untitled|doc\d*$|附件\s*\d*$|"
    r"image|scan|扫描|pasted|\d+$|[0-9a-f]{8,}$)",
    re.I,
)
_TITLE_WORDS = re.compile(r"(总结|计划|要点|安排|报告|汇报|述职)")
_ORGANISATION = re.compile(
    r"(?:^|[，,。；;：:])\s*(?:(?:\d{4}|20[xX]{2}|[xX]{2})年度?|今年|去年|一年来|全年|本年度)?\s*"
    r"(?:我(?!们)|本)?(?P<org>(?![\d在按根我本们各全上下经围坚])[^\s，,。；;：:！!？?、“”\"]{2,24}?(?:总工会|工会委员会|工会))"
)


def guess_title(title_line: str, body: str, source_name: str) -> str:
    """A title for an imported report that names the report, never a web page's '篇1' or a file's '新建文本文档'.

    The document's own title line comes first; then one made from the unit named in the opening and the
    period ('XX街道总工会2023年工作总结'); then the file name, unless it is a default one; then the period alone.
    """
    from drafting.documents.text import strip_title_suffix

    title = strip_title_suffix(title_line.strip())
    if title and len(title) <= 40:
        return title
    opening = to_simplified(body[:300])
    period = guess_period(body)
    label = "工作总结" if period != "年度" else "年度工作总结"
    stated = "" if period == "年度" else period
    if m := _ORGANISATION.search(opening.split("\n", 1)[0]):
        return f"{m.group('org')}{stated}{label}"
    stem = Path(source_name.replace("\\", "/")).stem.strip()[:40]
    if stem and not _GENERIC_FILE_NAME.match(stem):
        return strip_title_suffix(stem)
    return f"{stated}工会{label}"
