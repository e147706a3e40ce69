"""Numeric targets: 新发展会员50人 planned, 28人 reported, so 完成56%.

A plan's quantity and a fact's quantity align when they share the unit (人 with 人, 万元 with 元 after
scaling) and the fact tells of the same work (see `Subject`); counts from several such facts add up (an
item split across two facts), rates do not. A figure from a fact about other work is never added in.
"""

import re

from pydantic import BaseModel, field_serializer

from drafting.carryover.subject import FULL_WIDTH, Subject
from drafting.checks.factguard import chinese_to_int
from drafting.text.script import to_simplified

_QUANTITY = re.compile(
    # not after 第 (第3名) nor 届 (五届三次职代会: a session's name, not 3次)
    r"(?<![\d第.届])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)"
    r"(?P<mult>万|千)?(?P<unit>人次|户次|元|人|名|场|次|项|个|家|户|期|篇|所|支|处|批|册|本|件|台|套|起|%)"
)
_MULTIPLIERS = {"万": 10_000, "千": 1_000}
# a ceiling, not a goal: 事故控制在3起以内, 结余率不超过10%
_CEILING_BEFORE = re.compile(r"(控制在|不超过|不高于|(?<!不)低于|(?<!不)少于|不多于)\s*$")  # not 不少于
_CEILING_AFTER = re.compile(r"^\s*(以内|以下|之内)")
RATES = ("%",)
_CLAUSE = re.compile(r"[，；;。]|,(?!\d{3})")  # 1,500 is one number
_SENTENCE = re.compile(r"[；;。！？!?\n]")


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
    text = to_simplified(text).translate(FULL_WIDTH)
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
    its clause is about: 新发展会员50人，开展护理技能竞赛 counts 新发展会员45人, not the contest's 3人获奖.
    Figures are added up only from facts that tell of that same work; a lone fact matched by meaning (a
    model's cited fact: 建成阅览室一处 for 建设职工书屋1处) gives its own figure."""
    targets = []
    whole = Subject(plan)
    for clause in _CLAUSE.split(plan):
        about = Subject(clause)
        telling = [fact for fact in facts if about.told_by(fact)]
        if not telling:  # 目标值：20户 in a table row, 覆盖职工500人次: the work the whole item names
            about = whole
            telling = [fact for fact in facts if about.told_by(fact)]
        if not telling and len(facts) == 1:  # one fact matched by meaning alone
            about, telling = Subject(""), facts
        for planned in quantities(clause):
            reported = [_reported(fact, planned.unit, about) for fact in telling]
            values = [v for v in reported if v is not None]
            achieved = (max(values) if planned.unit in RATES else sum(values)) if values else None
            targets.append(
                Target(planned=planned.value, achieved=achieved, unit=planned.unit, ceiling=planned.ceiling)
            )
    return targets


def _reported(fact: str, unit: str, about: Subject) -> float | None:
    """The fact's figure in `unit` for what a plan clause is about: from a clause of the fact that tells of
    it, else from the rest of that sentence (组织护理技能大赛，138人次参赛), never from another sentence."""
    if about.runs:
        sentences = [s for s in _SENTENCE.split(fact) if about.told_by(s)]
        told = [c for s in sentences for c in _CLAUSE.split(s) if about.told_by(c)]
    else:
        sentences, told = [fact], []
    for clause in [*told, *sentences]:
        found = next((q.value for q in quantities(clause) if q.unit == unit), None)
        if found is not None:
            return found
    return None


def _figure(value: float, unit: str) -> str:
    if unit == "元" and value >= 10_000:
        value, unit = value / 10_000, "万元"
    return f"{value:g}{unit}"
