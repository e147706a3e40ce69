"""Numeric targets: 新发展会员50人 planned, 28人 reported, so 完成56%.

A plan's quantity and a fact's quantity align when they share the unit (人 with 人, 万元 with 元 after
scaling); counts from several facts add up (an item split across two facts), rates do not.
"""

import re

from pydantic import BaseModel, field_serializer

from drafting.checks.factguard import chinese_to_int
from drafting.text.script import to_simplified

_QUANTITY = re.compile(
    r"(?<![\d第.])(?P<num>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)(?P<mult>万)?"
    r"(?P<unit>人次|户次|元|人|名|场|次|项|个|家|户|期|篇|所|支|处|批|%|％)"
)
RATES = ("%",)


class Quantity(BaseModel):
    value: float
    unit: str


class Target(BaseModel):
    """A planned figure and what the facts report against it (None: no fact gives the figure)."""

    planned: float
    achieved: float | None
    unit: str

    @field_serializer("planned", "achieved")
    def _whole_numbers(self, value: float | None) -> float | int | None:
        """50, not 50.0, in the JSON a script reads."""
        return int(value) if value is not None and value.is_integer() else value

    @property
    def met(self) -> bool:
        return self.achieved is not None and self.achieved >= self.planned

    def describe(self) -> str:
        """计划50人、实际28人、完成56%"""
        planned = f"计划{_figure(self.planned, self.unit)}"
        if self.achieved is None:
            return planned + "、实际数字未见于要点"
        share = f"、完成{self.achieved / self.planned:.0%}" if self.planned and self.unit not in RATES else ""
        return f"{planned}、实际{_figure(self.achieved, self.unit)}{share}"


def quantities(text: str) -> list[Quantity]:
    """Every count, sum or rate in the text (years, dates and ordinals are not quantities)."""
    found = []
    for m in _QUANTITY.finditer(to_simplified(text)):
        raw = m.group("num")
        value = float(raw) if raw[0].isdigit() else chinese_to_int(raw)
        if value is None:
            continue
        if m.group("mult"):
            value *= 10_000
        found.append(Quantity(value=round(value, 4), unit=m.group("unit").replace("％", "%")))
    return found


def align(plan: str, facts: list[str]) -> list[Target]:
    """One target per planned quantity, its achieved figure read from the matching facts."""
    targets = []
    for planned in quantities(plan):
        reported = [
            next((q.value for q in quantities(fact) if q.unit == planned.unit), None) for fact in facts
        ]
        values = [v for v in reported if v is not None]
        achieved = (max(values) if planned.unit in RATES else sum(values)) if values else None
        targets.append(Target(planned=planned.value, achieved=achieved, unit=planned.unit))
    return targets


def shares_a_unit(plan: str, fact: str) -> bool:
    units = {q.unit for q in quantities(plan)}
    return bool(units & {q.unit for q in quantities(fact)})


def _figure(value: float, unit: str) -> str:
    if unit == "元" and value >= 10_000:
        value, unit = value / 10_000, "万元"
    return f"{value:g}{unit}"
