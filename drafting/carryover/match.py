"""Offline matching of plan items to this year's facts: keywords, e5 similarity, numbers and units.

A fact reports an item when it holds most of the item's content words, or some of them and the
embedder finds the two close, or the embedder finds them very close, or it gives a figure in the
item's unit and shares a word. e5 scores even unrelated 工会 sentences around 0.85, so its thresholds
sit high; pairs between BORDERLINE and a sure match are what a model may settle (judge.py).
Both sides are compared in simplified script, so a traditional report matches simplified facts.
"""

import re
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel

from drafting.carryover.items import PlanItem, PreviousPlan, year_warning
from drafting.carryover.targets import GENERIC, Target, align, shares_a_unit
from drafting.checks.status import content_words
from drafting.text.script import to_simplified
from drafting.writing.facts import CarryoverStatus

if TYPE_CHECKING:
    from chromadb.api.types import Documents, EmbeddingFunction

KEYWORD_SHARE = 0.5  # of the item's content words a fact holds to report it on words alone
SIMILAR_WITH_WORD = 0.90  # e5 cosine that, with one shared word, makes a match
SIMILAR_ALONE = 0.93  # e5 cosine that makes a match with no shared word (a reworded item)
BORDERLINE = 0.88  # below this no model is asked
CANDIDATES = 3  # facts shown to the model for one borderline item
_IN_PART = re.compile(r"部分|初步|尚未|未能|未完成|正在|推进中|已启动|启动了|筹备|一半|阶段性")


_JSON_ITEM = {
    "plan": True,
    "status": True,
    "facts": True,
    "targets": {"__all__": {"planned", "achieved", "unit"}},
}


class ItemResult(BaseModel):
    """One plan item: its status, the facts that report it, and its numeric targets."""

    plan: str
    detail: str = ""  # the item's whole text when `plan` shows only its heading
    status: CarryoverStatus
    facts: list[str] = []
    targets: list[Target] = []
    judged_by: str = "offline"  # or the model's label, when a model settled a borderline item
    note: str = ""
    candidates: list[str] = []  # borderline facts, for a model to judge


class Carryover(BaseModel):
    """The comparison the faces show: last year's report and one row per plan item."""

    title: str
    period: str
    items: list[ItemResult]
    plan_year: str = ""  # the year last year's plan was for, when its report tells

    def year_warning(self, period: str) -> str:
        """Non-empty when that plan was for another year than `period`, the one being summed up."""
        return year_warning(self.title, self.plan_year, period)

    def as_json(self) -> dict:
        """The `drafting carryover --json` shape (issue 19)."""
        return {
            "previous": {"title": self.title, "period": self.period},
            "items": [item.model_dump(include=_JSON_ITEM) for item in self.items],
        }

    def counts(self) -> dict[str, int]:
        return {s: sum(i.status == s for i in self.items) for s in CarryoverStatus.__args__}


def words(text: str) -> set[str]:
    return {w for w in content_words(to_simplified(text)) if w not in GENERIC}


def similarities(
    plans: list[str], facts: list[str], embed: "EmbeddingFunction[Documents] | None"
) -> np.ndarray:
    """Cosine similarity of every plan item (as a query) to every fact (as a passage); zeros without an embedder."""
    if embed is None or not plans or not facts:
        return np.zeros((len(plans), len(facts)))
    queries = np.asarray(embed.embed_query([to_simplified(p) for p in plans]), dtype=np.float32)
    passages = np.asarray(embed([to_simplified(f) for f in facts]), dtype=np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    passages /= np.linalg.norm(passages, axis=1, keepdims=True)
    return queries @ passages.T


def reports(plan_words: set[str], fact: str, similarity: float, plan: str) -> bool:
    """Whether a fact reports the item (see the module docstring for the rule)."""
    shared = len(plan_words & words(fact))
    share = shared / len(plan_words) if plan_words else 0.0
    return (
        share >= KEYWORD_SHARE
        or (shared and similarity >= SIMILAR_WITH_WORD)
        or similarity >= SIMILAR_ALONE
        or bool(shared and shares_a_unit(plan, fact))
    )


def status_of(facts: list[str], targets: list[Target]) -> CarryoverStatus:
    """not_mentioned with no fact; partial when a target is short or a fact says it is under way; else done."""
    if not facts:
        return "not_mentioned"
    short = any(t.achieved is not None and not t.met for t in targets)
    under_way = any(_IN_PART.search(to_simplified(fact)) for fact in facts)
    return "partial" if short or under_way else "done"


def judge_item(item: PlanItem, facts: list[str]) -> ItemResult:
    """The row for an item whose reporting facts are known (its figures read from all its words)."""
    targets = align(item.detail, facts)
    return ItemResult(
        plan=item.text, detail=item.detail, status=status_of(facts, targets), facts=facts, targets=targets
    )


def compare(
    previous: PreviousPlan, facts: list[str], embed: "EmbeddingFunction[Documents] | None" = None
) -> Carryover:
    """Every plan item against this year's facts, offline."""
    scores = similarities([item.text for item in previous.items], facts, embed)
    rows = []
    for i, item in enumerate(previous.items):
        plan_words = words(item.text)
        matched = [f for j, f in enumerate(facts) if reports(plan_words, f, float(scores[i, j]), item.detail)]
        row = judge_item(item, matched)
        if not matched:
            order = np.argsort(-scores[i]) if len(facts) else []
            row.candidates = [facts[j] for j in order[:CANDIDATES] if scores[i, j] >= BORDERLINE]
        rows.append(row)
    return Carryover(title=previous.title, period=previous.period, items=rows, plan_year=previous.plan_year)
