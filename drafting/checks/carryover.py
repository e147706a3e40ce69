"""The plan checked the other way: every item the user carried over from last year stands in the new plan.

(Its twin, every problem having a measure, is factguard.problems_without_measure.) An item stands in
the plan when the plan part holds most of its content words, in either script.
"""

from drafting.checks.status import MIN_SHARE, content_words
from drafting.text.script import to_simplified
from drafting.writing.facts import Facts


def carried_items_missing(plan_text: str, facts: Facts) -> list[str]:
    """Items marked “carry” in the confirmed table that the plan text does not take up."""
    if facts.carryover is None:
        return []
    text = to_simplified(plan_text)
    missing = []
    for row in facts.carryover.rows:
        if row.decision != "carry":
            continue
        words = content_words(row.plan) or [to_simplified(row.plan)]
        if sum(word in text for word in words) / len(words) < MIN_SHARE:
            missing.append(row.plan)
    return missing


def carried_warning(missing: list[str]) -> str:
    return "上年计划中决定延续的事项没有写进新的工作计划，请补上：" + "；".join(missing)
