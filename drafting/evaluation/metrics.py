"""What one draft is scored on: facts kept, values invented or altered, plans promoted to achievements,
problems left without a measure, proofreading findings, length against the target and tone."""

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from drafting.writing.draft import Draft
    from drafting.writing.facts import Facts


class DraftScore(BaseModel):
    fact_coverage: float
    invented: list[str]  # every value the fact guard found no support for
    altered: list[
        str
    ]  # those of them that look like a fact's value changed (a level, or a number with a fact's unit)
    promoted: list[str]  # plan items written as already done
    missing_facts: list[str]
    problems_without_measure: list[str]
    proof_findings: int | None  # None: no proofreader installed
    length_score: float
    tone_distance: float | None  # None: no reference reports
    sections: list[dict[str, str]]
    sections_failed: int


def length_score(required: int, produced: int) -> float:
    """LongBench-Write's length score S_l: 100 on target, 0 at four times or at a third of the target.

    From THUDM/LongWriter, evaluation/eval_length.py (Bai et al. 2024, "LongWriter: Unleashing 10,000+
    Word Generation from Long Context LLMs", arXiv:2408.07055), with l the required and l' the produced length:
    S_l = 100·max(0, 1 − (l'/l − 1)/3) if l' > l, else 100·max(0, 1 − (l/l' − 1)/2).
    """
    if produced <= 0:
        return 0.0
    if produced > required:
        return 100 * max(0.0, 1 - (produced / required - 1) / 3)
    return 100 * max(0.0, 1 - (required / produced - 1) / 2)


NOT_WRITTEN = ("failed", "pending")


def written_text(draft: "Draft") -> str:
    """The draft's Markdown without failed or pending sections, so a failure note is not read as prose.

    Sections the guard flagged are kept: their findings are what is being measured.
    """
    written = [s for s in draft.sections if s.status not in NOT_WRITTEN]
    return draft.model_copy(update={"sections": written}).markdown(signature=False)


def text_length(markdown: str) -> int:
    """Characters as a Chinese word count has them: everything but whitespace and Markdown heading marks."""
    return len(re.sub(r"[\s#]", "", markdown))


def plan_items(facts: "Facts") -> list[str]:
    """The bullets that are intentions: the plans, and for a plan-only report its facts too."""
    return facts.plans + (facts.facts if facts.report_type == "plan" else [])


def proof_findings(markdown: str) -> int | None:
    """How many proofreading findings the text has (headings without their # marks), if a proofreader exists."""
    try:
        from drafting.checks.proof import proofread
    except ImportError:
        return None
    return len(proofread(re.sub(r"^#+\s*", "", markdown, flags=re.M)))


def _distinct(values: Iterable[str]) -> list[str]:
    """Each value once, in order: one invention repeated in every section is one invented value."""
    return list(dict.fromkeys(values))


def score_draft(draft: "Draft", references: list[str]) -> DraftScore:
    from drafting.checks.factguard import check_draft
    from drafting.checks.status import status_promotions
    from drafting.checks.tone import compare

    facts = draft.facts
    text = written_text(draft)
    check = check_draft(text, facts)
    altered = [f.value for f in check.changed_levels] + [f.value for f in check.unsupported if f.nearest]
    return DraftScore(
        fact_coverage=check.coverage,
        invented=_distinct(f.value for f in check.unsupported + check.changed_levels),
        altered=_distinct(altered),
        promoted=[finding.plan for finding in status_promotions(text, plan_items(facts))],
        missing_facts=check.missing_facts,
        problems_without_measure=check.problems_without_measure,
        proof_findings=proof_findings(text),
        length_score=round(length_score(facts.target_chars, text_length(text)), 1),
        tone_distance=compare(text, references).distance if references else None,
        sections=[
            {"key": s.key, "status": s.status, **({"error": s.error} if s.error else {})}
            for s in draft.sections
        ],
        sections_failed=sum(s.status in NOT_WRITTEN for s in draft.sections),
    )
