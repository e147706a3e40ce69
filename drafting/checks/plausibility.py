"""Figures in the facts that cannot be what the user meant: −5户, 1.5次, 参检率150%, 999999999999人.

A typing slip in a fact goes into the report as it is (the draft keeps the user's numbers exactly), so
the draft says which figures to look at again; it changes nothing.
"""

import re

from drafting.checks.factguard import values_with_positions
from drafting.text.script import to_simplified

WHOLE_UNITS = (
    "人次",
    "户次",
    "人",
    "户",
    "名",
    "次",
    "场",
    "个",
    "项",
    "件",
    "家",
    "所",
    "支",
    "队",
    "届",
    "期",
    "篇",
)
MOST_PEOPLE = 100_000_000  # no union counts more people, households or times than this
_RATE_BEFORE = re.compile(r"率(达到|达|为|是|提高到|保持在)?\s*$")


def implausible(fact: str) -> list[str]:
    """The figures of one fact that look like slips, as written."""
    found = []
    text = to_simplified(fact)
    for (number, unit), written, position in values_with_positions(text):
        negative = text[position - 1 : position] in ("-", "－")
        if unit in WHOLE_UNITS and (negative or number != int(number) or number > MOST_PEOPLE):
            found.append(text[position - 1] + written if negative else written)
        elif unit == "%" and number > 100 and _RATE_BEFORE.search(text[:position]):
            found.append(written)  # a rate over 100% (a growth of 150% is fine)
    return found


def plausibility_warnings(facts: list[str]) -> list[str]:
    return [
        f"要点“{fact}”中的 {'、'.join(slips)} 看起来不太对（负数、小数的人数或次数、超过100%的比率或过大的数），"
        "草稿照原样写入了，请核对。"
        for fact in facts
        if (slips := implausible(fact))
    ]
