"""Guess a report's unit type, period and kind from its text, for corpus front matter."""

import re
from collections import Counter
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
    "地方工会": ("县总工会", "市总工会", "各级工会", "全县", "全市", "帮扶中心", "基层工会组建"),
}


_NAME_UNIT: list[tuple[UnitType, tuple[str, ...]]] = [
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
    ("地方工会", re.compile(r"[县市区省]总工会|各级工会|帮扶中心")),
    ("学校", re.compile(r"学校|我校|教育工会|教工|教职工")),
    ("医院", re.compile(r"医院|我院|卫生院")),
    ("机关", re.compile(r"我局|[^总]局工会|局党|机关|工委")),
    ("企业", re.compile(r"公司|集团|车间|[矿厂]工会|企业")),
]


def guess_unit_type(text: str) -> UnitType:
    """Who wrote it: the unit named in the opening lines, else the unit type whose words the text uses most."""
    simplified = to_simplified(text)
    head = simplified[:120]
    named = [(m.start(), unit) for unit, pattern in _OPENING_UNIT if (m := pattern.search(head))]
    if named:
        return min(named)[1]
    scores = Counter({unit: sum(simplified.count(w) for w in words) for unit, words in _UNIT_WORDS.items()})
    (best, count), *_ = scores.most_common(1)
    return best if count >= 3 else "其他"  # type: ignore[return-value]


_PERIOD = re.compile(r"(?P<year>(19|20)\d{2}|20[xX×]{2}|[xX]{2}|__)\s*年(?P<half>上半年|下半年|度)?")


def guess_period(text: str) -> str:
    """The period the report covers, as written in its opening ('2016年', '20xx年上半年', '年度')."""
    opening = to_simplified(text[:400])
    half = "上半年" if re.search(r"上半年|过去的半年|半年来", opening) else ""
    if m := _PERIOD.search(opening):
        return f"{m.group('year')}年{half}"
    return half or "年度"


def guess_kind(text: str, has_plan: bool) -> ReportKind:
    """Half-year when the opening says so; 总结及计划 when the parser found a plan part."""
    opening = to_simplified(text[:400])
    if re.search(r"上半年|过去的半年|半年来", opening):
        return "半年总结"
    return "总结及计划" if has_plan else "年度总结"
