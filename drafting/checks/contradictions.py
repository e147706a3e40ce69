"""Two facts that tell one event with different numbers (…慰问困难职工17户 / …18户).

Both would be written into the draft, and the report would contradict itself. The check says so once
per draft and leaves the choice to the user, as extraction does with conflicting materials.
"""

import re

from drafting.checks.factguard import numbers_and_wording

MIN_WORDING_CHARS = 6  # shorter wording (“共17户”) is too little to call two facts one event


def contradicting_facts(facts: list[str]) -> list[tuple[str, str]]:
    """Pairs of facts worded alike, save for the numbers they state, whose numbers differ."""
    first_of: dict[str, tuple[str, frozenset]] = {}
    pairs = []
    for fact in facts:
        numbers, wording = numbers_and_wording(fact)
        if not numbers or len(re.sub(r"\W", "", wording)) < MIN_WORDING_CHARS:
            continue
        if wording not in first_of:
            first_of[wording] = (fact, numbers)
        elif first_of[wording][1] != numbers:
            pairs.append((first_of[wording][0], fact))
    return pairs


def contradiction_warnings(facts: list[str]) -> list[str]:
    return [
        f"要点“{first}”和“{second}”说的像是同一件事，数字却不同，两条都写进了草稿：请核对后只留一条。"
        for first, second in contradicting_facts(facts)
    ]
