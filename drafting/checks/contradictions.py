"""Two facts that tell one event with different numbers (…慰问困难职工17户 / …18户).

Both would be written into the draft, and the report would contradict itself. The check says so once
per draft and leaves the choice to the user, as extraction does with conflicting materials.
"""

import re

from drafting.checks.factguard import numbers_and_wording

MIN_WORDING_CHARS = 6  # shorter wording (“共17户”) is too little to call two facts one event
SHOWN = 3  # facts quoted from a larger group


def contradicting_facts(facts: list[str]) -> list[list[str]]:
    """Groups of facts worded alike, save for the numbers they state, whose numbers differ: each group in
    the order typed, one fact per set of numbers."""
    groups: dict[str, dict[frozenset, str]] = {}
    for fact in facts:
        numbers, wording = numbers_and_wording(fact)
        if numbers and len(re.sub(r"\W", "", wording)) >= MIN_WORDING_CHARS:
            groups.setdefault(wording, {}).setdefault(numbers, fact)
    return [list(group.values()) for group in groups.values() if len(group) > 1]


def contradiction_warnings(facts: list[str]) -> list[str]:
    """One warning per event, however many times it was typed (300 pasted lines gave 299 warnings)."""
    warnings = []
    for group in contradicting_facts(facts):
        if len(group) == 2:
            told = f"要点“{group[0]}”和“{group[1]}”说的像是同一件事，数字却不同，两条都写进了草稿"
        else:
            shown = "”“".join(group[:SHOWN])
            told = f"要点“{shown}”等 {len(group)} 条说的像是同一件事，数字各不相同，都写进了草稿"
        warnings.append(told + "：请核对后只留一条。")
    return warnings
