"""Numeric targets: 新发展会员50人 planned, 28人 reported, so 完成56%.

A plan's quantity and a fact's quantity align when they share the unit (人 with 人, 万元 with 元 after
scaling) and the fact tells of the same work (see `Subject`); counts from several such facts add up (an
item split across two facts), rates do not. A figure from a fact about other work is never added in.
"""

import re

from pydantic import BaseModel, field_serializer

from drafting.carryover.subject import FULL_WIDTH, Subject
from drafting.text.numerals import ARABIC, RANGE, read_numeral
from drafting.text.script import to_simplified

_UNIT = r"人次|户次|元|人|名|场|次|项|个|家|户|期|篇|所|支|处|批|册|本|件|台|套|起|%"
_CN_NUMBER = "零〇一二两三四五六七八九十百千"
_QUANTITY = re.compile(
    # not after 第 (第3名) nor 届 (五届三次职代会: a session's name, not 3次)
    rf"(?<![\d第.届])(?P<num>{ARABIC}"
    # 一万二千元, 十二万人: 万 and 亿 inside a numeral, before a unit (一万二千 is no 二千), as the fact guard
    rf"|(?<![{_CN_NUMBER}])[{_CN_NUMBER}][{_CN_NUMBER}万亿]*[万亿][{_CN_NUMBER}]*(?=(?:余|多|来)?(?:{_UNIT}))"
    rf"|[{_CN_NUMBER}]+)"
    # 300余人, 3000多元, 1万余元, 300多万元: at least the figure, so written as it was
    rf"(?P<approx>余|多|来)?(?P<mult>万|千|亿)?(?P<approx_after>余|多)?(?P<unit>{_UNIT})"
)
_MULTIPLIERS = {"万": 10_000, "千": 1_000, "亿": 100_000_000}
AT_LEAST = ("余", "多")  # 300余人: at least 300, so 完成100%以上
# 不足300户, 近300户: below the figure, never a goal met (最近3个月, 附近3家 are no such figure)
_BELOW_BEFORE = re.compile(r"(?P<below>不足|不到|将近|接近|(?<![最附])近)\s*$")
# 250-300户, 二百至三百户, 250户至300户: a range, no one figure (由200户增至300户 is one)
_RANGE_BEFORE = re.compile(rf"[\d{_CN_NUMBER}万千亿]\s*(?:{_UNIT})?\s*{RANGE}\s*$")
_RANGE_AFTER = re.compile(rf"^\s*{RANGE}\s*[\d{_CN_NUMBER}]")
_BARE = {"百": 100, "千": 1_000}  # 百人 千人: a hundred, a thousand
# a ceiling, not a goal: 事故控制在3起以内, 结余率不超过10%
_CEILING_BEFORE = re.compile(r"(控制在|不超过|不高于|(?<!不)低于|(?<!不)少于|不多于)\s*$")  # not 不少于
_CEILING_AFTER = re.compile(r"^\s*(以内|以下|之内)")
RATES = ("%",)
_CLAUSE = re.compile(r"[，；;。]|,(?!\d{3})")  # 1,500 is one number
SENTENCE = re.compile(r"[；;。！？!?\n]")  # where a sentence ends: a plan item's statement, a fact's sentence


class Quantity(BaseModel):
    value: float
    unit: str
    ceiling: bool = False  # at most this much (事故3起以内)
    # as written: 余 or 多 (300余人: at least 300), 来 (300来户: about 300), 不足, 不到, 近… (below it)
    approx: str = ""
    scale: str = ""  # the 万 a marker was written before (300多万元), so it is shown there


class Target(BaseModel):
    """A planned figure and what the facts report against it (None: no fact gives the figure)."""

    planned: float
    achieved: float | None
    unit: str
    ceiling: bool = False  # met at or below the figure (not in the `drafting carryover --json` shape)
    # the achieved figure's marker as written (300余人, 300来户, 不足300户) and the 万 it stood before
    # (300多万元): neither in the JSON
    approx: str = ""
    scale: str = ""

    @field_serializer("planned", "achieved")
    def _whole_numbers(self, value: float | None) -> float | int | None:
        """50, not 50.0, in the JSON a script reads."""
        return int(value) if value is not None and value.is_integer() else value

    @property
    def met(self) -> bool:
        if self.achieved is None:
            return False
        if self.ceiling:  # 3起余 is more than 3: within a ceiling of 3 only when below it
            return self.achieved < self.planned if self.approx in AT_LEAST else self.achieved <= self.planned
        # 不足300户 is less than 300: not the plan's 300, and not surely a plan's 250 either
        return not self._below and self.achieved >= self.planned

    @property
    def _below(self) -> bool:
        return bool(self.approx) and self.approx not in AT_LEAST and self.approx != "来"

    def describe(self) -> str:
        """计划50人、实际28人、完成56%; 计划不超过10%、实际6%; 计划300人、实际300余人、完成100%以上;
        计划300户、实际不足300户、完成不足100%; 计划300户、实际300来户、完成100%"""
        planned = f"计划{'不超过' if self.ceiling else ''}{_figure(self.planned, self.unit)}"
        if self.achieved is None:
            return planned + "、实际数字未见于要点"
        share = (
            f"、完成{self.approx if self._below else ''}{self.achieved / self.planned:.0%}"
            f"{'以上' if self.approx in AT_LEAST else ''}"
            if self.planned and self.unit not in RATES and not self.ceiling
            else ""
        )
        return f"{planned}、实际{_figure(self.achieved, self.unit, self.approx, self.scale)}{share}"


def quantities(text: str) -> list[Quantity]:
    """Every count, sum or rate in the text (years, dates and ordinals are not quantities)."""
    found = []
    text = to_simplified(text).translate(FULL_WIDTH)
    for m in _QUANTITY.finditer(text):
        # 1,200 一万二千 二十三 (三五 is no one number); 千人 as a bare 千
        number = read_numeral(m.group("num"))
        number = _BARE.get(m.group("num")) if number is None else number
        if number is None or m.group(0) == "一起":  # 一起举办: together, no 1起 of anything
            continue
        if _RANGE_BEFORE.search(text[: m.start()]) or _RANGE_AFTER.match(text[m.end() :]):
            continue
        value = float(number) * _MULTIPLIERS.get(m.group("mult") or "", 1)
        ceiling = bool(_CEILING_BEFORE.search(text[: m.start()]) or _CEILING_AFTER.match(text[m.end() :]))
        below = _BELOW_BEFORE.search(text[: m.start()])
        approx = below["below"] if below else m.group("approx") or m.group("approx_after") or ""
        scale = (m.group("mult") or "") if m.group("approx") and not below else ""
        found.append(
            Quantity(value=round(value, 4), unit=m.group("unit"), ceiling=ceiling, approx=approx, scale=scale)
        )
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
            reported = [q for fact in telling if (q := _reported(fact, planned.unit, about)) is not None]
            if planned.unit in RATES and reported:
                reported = [max(reported, key=lambda q: q.value)]
            achieved = sum(q.value for q in reported) if reported else None
            # 300余人 and 20人 make 320余人: more than the sum, as one of them was; one figure below what
            # it names (不足20人) makes the sum one too, so it is never taken for a plan met
            marked = sorted((q for q in reported if q.approx), key=lambda q: q.approx in (*AT_LEAST, "来"))
            approx, scale = (marked[0].approx, marked[0].scale) if marked else ("", "")
            targets.append(
                Target(
                    planned=planned.value,
                    achieved=achieved,
                    unit=planned.unit,
                    ceiling=planned.ceiling,
                    approx=approx,
                    scale=scale,
                )
            )
    return targets


def _reported(fact: str, unit: str, about: Subject) -> Quantity | None:
    """The fact's figure in `unit` for what a plan clause is about: from a clause of the fact that tells of
    it, else from the rest of that sentence (组织护理技能大赛，138人次参赛), never from another sentence."""
    if about.runs:
        sentences = [s for s in SENTENCE.split(fact) if about.told_by(s)]
        told = [c for s in sentences for c in _CLAUSE.split(s) if about.told_by(c)]
    else:
        sentences, told = [fact], []
    for clause in [*told, *sentences]:
        found = next((q for q in quantities(clause) if q.unit == unit), None)
        if found is not None:
            return found
    return None


def _figure(value: float, unit: str, approx: str = "", scale: str = "") -> str:
    """50人, 1.2万元; 300余人, 1.2万余元, 300多万元, 不足300户 when the figure was written so."""
    if approx and approx not in (*AT_LEAST, "来"):
        return approx + _figure(value, unit)
    if approx and scale:
        return f"{value / _MULTIPLIERS[scale]:g}{approx}{scale}{unit}"
    if unit == "元" and value >= 10_000:
        return f"{value / 10_000:g}万{approx}元"
    return f"{value:g}{approx}{unit}"
