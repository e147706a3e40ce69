"""Numeric targets: 新发展会员50人 planned, 28人 reported, so 完成56%.

A plan's quantity and a fact's quantity align when they share the unit (人 with 人, 万元 with 元 after
scaling); counts from several facts add up (an item split across two facts), rates do not.
"""

import re

from pydantic import BaseModel, field_serializer

from drafting.checks.factguard import chinese_to_int
from drafting.checks.status import content_words
from drafting.text.script import to_simplified

_QUANTITY = re.compile(
    r"(?<![\d第.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)"
    r"(?P<mult>万|千)?(?P<unit>人次|户次|元|人|名|场|次|项|个|家|户|期|篇|所|支|处|批|册|本|件|台|套|起|%)"
)
_MULTIPLIERS = {"万": 10_000, "千": 1_000}
_FULL_WIDTH = str.maketrans("０１２３４５６７８９％．", "0123456789%.")
# a ceiling, not a goal: 事故控制在3起以内, 结余率不超过10%
_CEILING_BEFORE = re.compile(r"(控制在|不超过|不高于|(?<!不)低于|(?<!不)少于|不多于)\s*$")  # not 不少于
_CEILING_AFTER = re.compile(r"^\s*(以内|以下|之内)")
RATES = ("%",)
_CLAUSE = re.compile(r"[，；;。]|,(?!\d{3})")  # 1,500 is one number
# Words every 工会 sentence has: sharing one says nothing about which item, or which work a figure counts.
GENERIC = frozenset(
    "职工 教职工 干部职工 开展 举办 组织 活动 工作 全年 全面 加强 推进 进一步 积极 深入 持续 做好 完成 实现 落实 "
    "全体 广大 单位 本年度 年度 今年 明年 全年度 继续 不断 扎实 切实 努力 重点 目标 任务 力争 确保 达到".split()
)
_PLAIN = GENERIC | {"不少", "少于", "以上", "以下", "不低于"}  # and the words that bound a figure


class Quantity(BaseModel):
    value: float
    unit: str
    ceiling: bool = False  # at most this much (事故3起以内)


class Target(BaseModel):
    """A planned figure and what the facts report against it (None: no fact gives the figure)."""

    planned: float
    achieved: float | None
    unit: str
    ceiling: bool = False  # met at or below the figure (not in the `drafting carryover --json` shape)

    @field_serializer("planned", "achieved")
    def _whole_numbers(self, value: float | None) -> float | int | None:
        """50, not 50.0, in the JSON a script reads."""
        return int(value) if value is not None and value.is_integer() else value

    @property
    def met(self) -> bool:
        if self.achieved is None:
            return False
        return self.achieved <= self.planned if self.ceiling else self.achieved >= self.planned

    def describe(self) -> str:
        """计划50人、实际28人、完成56%; 计划不超过10%、实际6%"""
        planned = f"计划{'不超过' if self.ceiling else ''}{_figure(self.planned, self.unit)}"
        if self.achieved is None:
            return planned + "、实际数字未见于要点"
        share = (
            f"、完成{self.achieved / self.planned:.0%}"
            if self.planned and self.unit not in RATES and not self.ceiling
            else ""
        )
        return f"{planned}、实际{_figure(self.achieved, self.unit)}{share}"


def quantities(text: str) -> list[Quantity]:
    """Every count, sum or rate in the text (years, dates and ordinals are not quantities)."""
    found = []
    text = to_simplified(text).translate(_FULL_WIDTH)
    for m in _QUANTITY.finditer(text):
        raw = m.group("num").replace(",", "")
        value = float(raw) if raw[0].isdigit() else chinese_to_int(raw)
        if value is None or m.group(0) == "一起":  # 一起举办: together, no 1起 of anything
            continue
        value *= _MULTIPLIERS.get(m.group("mult") or "", 1)
        ceiling = bool(_CEILING_BEFORE.search(text[: m.start()]) or _CEILING_AFTER.match(text[m.end() :]))
        found.append(Quantity(value=round(value, 4), unit=m.group("unit"), ceiling=ceiling))
    return found


def align(plan: str, facts: list[str]) -> list[Target]:
    """One target per planned quantity, its achieved figure read from the matching facts that tell of what
    its clause is about: 新发展会员50人，开展护理技能竞赛 counts 新发展会员45人, not the contest's 3人获奖."""
    targets = []
    for clause in _CLAUSE.split(plan):
        about = _words(clause)
        if not any(about & _words(fact) for fact in facts):  # 目标值：20户 in a table row: the row's work
            about = _words(plan)
        if not any(about & _words(fact) for fact in facts):  # facts matched by meaning alone: all of them
            about = set()
        for planned in quantities(clause):
            reported = [_reported(fact, planned.unit, about) for fact in facts]
            values = [v for v in reported if v is not None]
            achieved = (max(values) if planned.unit in RATES else sum(values)) if values else None
            targets.append(
                Target(planned=planned.value, achieved=achieved, unit=planned.unit, ceiling=planned.ceiling)
            )
    return targets


def _reported(fact: str, unit: str, about: set[str]) -> float | None:
    """The fact's figure in `unit` for what a plan clause is about: from a clause of the fact that shares
    a word with it, else the fact's first such figure; None when the fact tells of something else."""
    if about and not about & _words(fact):
        return None
    told = [clause for clause in _CLAUSE.split(fact) if not about or about & _words(clause)]
    for clause in [*told, fact]:
        found = next((q.value for q in quantities(clause) if q.unit == unit), None)
        if found is not None:
            return found
    return None


def _words(text: str) -> set[str]:
    return {w for w in content_words(text) if w not in _PLAIN and not re.search(r"\d", w)}


def shares_a_unit(plan: str, fact: str) -> bool:
    units = {q.unit for q in quantities(plan)}
    return bool(units & {q.unit for q in quantities(fact)})


def _figure(value: float, unit: str) -> str:
    if unit == "元" and value >= 10_000:
        value, unit = value / 10_000, "万元"
    return f"{value:g}{unit}"
