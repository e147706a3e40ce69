"""The measured accuracy of 上年计划对照 over the hand-built pairs in drafting/data/carryover_cases.yaml.

Item-level: each expected item status is one point; an item found in the wrong number, or a report
with no plan section not recognised as such, costs its points. `drafting bench` prints the figure.
"""

from typing import TYPE_CHECKING

from drafting.carryover.items import NoPlanFound, find_plan
from drafting.carryover.match import compare
from drafting.resources import load_data

if TYPE_CHECKING:
    from chromadb.api.types import Documents, EmbeddingFunction


def load_cases() -> list[dict]:
    return load_data("carryover_cases.yaml")["cases"]


def score_case(case: dict, embed: "EmbeddingFunction[Documents] | None") -> tuple[int, int]:
    """(correct, total) item statuses of one pair; a report without a plan counts as one item."""
    try:
        previous = find_plan(case["previous"])
    except NoPlanFound:
        return (1, 1) if case.get("no_plan") else (0, len(case["expected"]))
    if case.get("no_plan"):
        return 0, 1
    found = [item.status for item in compare(previous, case["facts"], embed).items]
    expected = case["expected"]
    correct = sum(a == b for a, b in zip(found, expected, strict=False))
    return correct, max(len(found), len(expected))


def measure_carryover(embed: "EmbeddingFunction[Documents] | None") -> dict[str, float]:
    scores = [score_case(case, embed) for case in load_cases()]
    correct, total = sum(c for c, _ in scores), sum(t for _, t in scores)
    return {"pairs": len(scores), "items": total, "correct": correct, "accuracy": correct / total}


def carryover_summary_line(embed: "EmbeddingFunction[Documents]") -> str:
    """One line for `drafting bench`: offline status accuracy with the embedder and with keywords alone."""
    full, keywords = measure_carryover(embed), measure_carryover(None)
    return (
        f"上年计划对照 (carryover): {full['accuracy']:.2f} item-level status accuracy "
        f"({full['correct']}/{full['items']} items, {full['pairs']} pairs; keywords and numbers only "
        f"{keywords['accuracy']:.2f})"
    )
