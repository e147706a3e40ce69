"""Stage 1: plan the outline. Every fact goes to one section; each section gets a heading and a length budget."""

from typing import TYPE_CHECKING

from pydantic import BaseModel

from drafting.corpus.classify import unit_type_of_name
from drafting.text.script import to_script, to_simplified
from drafting.writing.draft import SectionKind
from drafting.writing.facts import Facts
from drafting.writing.themes import assign_themes, load_themes

if TYPE_CHECKING:
    from drafting.writing.draft import Draft

OPENING_SHARE, CLOSING_SHARE, PROBLEMS_SHARE, PLAN_SHARE = 0.08, 0.05, 0.10, 0.20


class PlannedSection(BaseModel):
    key: str
    kind: SectionKind
    heading: str
    theme: str = ""
    facts: list[str] = []
    budget_chars: int


class Outline(BaseModel):
    title: str
    sections: list[PlannedSection]


def report_title(facts: Facts) -> str:
    org, period, following = facts.organization, facts.period, facts.next_period
    t = lambda words: to_script(words, facts.script)  # noqa: E731 - fixed words follow the user's script
    return {
        "summary_and_plan": f"{org}{period}{t('工作总结及')}{following}{t('工作计划')}",
        "summary": f"{org}{period}{t('工作总结')}",
        "half_year": f"{org}{period}{t('工作总结及下半年工作安排')}",
        "plan": f"{org}{following}{t('工作计划')}",
    }[facts.report_type]


def plan_heading(facts: Facts) -> str:
    return "下半年工作安排" if facts.report_type == "half_year" else f"{facts.next_period}工作计划"


def plan_outline(facts: Facts, embed) -> Outline:  # noqa: ANN001 - an EmbeddingFunction
    """Group the facts by theme (in the schema's order) and lay out the report type's sections."""
    target = facts.target_chars
    sections = [
        PlannedSection(key="opening", kind="opening", heading="", budget_chars=int(target * OPENING_SHARE))
    ]
    has_summary = facts.report_type != "plan"
    work_lines = facts.facts if has_summary else []
    if has_summary:
        keys = assign_themes(work_lines, embed)
        work_budget = target * (1 - OPENING_SHARE - CLOSING_SHARE - PROBLEMS_SHARE - PLAN_SHARE)
        for theme in load_themes():
            mine = [fact for fact, key in zip(work_lines, keys, strict=True) if key == theme.key]
            if mine:
                sections.append(
                    PlannedSection(
                        key=f"work-{theme.key}",
                        kind="work",
                        heading=theme.heading_for(unit_type(facts)),
                        theme=theme.key,
                        facts=mine,
                        budget_chars=max(150, int(work_budget * len(mine) / max(1, len(work_lines)))),
                    )
                )
        sections.append(
            PlannedSection(
                key="problems",
                kind="problems",
                heading="存在的问题和不足",
                facts=facts.problems,
                budget_chars=int(target * PROBLEMS_SHARE),
            )
        )
    if facts.report_type != "summary":
        plan_lines = facts.plans if has_summary else facts.plans or facts.facts
        sections.append(
            PlannedSection(
                key="plan",
                kind="plan",
                heading=plan_heading(facts),
                facts=plan_lines,
                budget_chars=int(target * (PLAN_SHARE if has_summary else 0.8)),
            )
        )
    sections.append(
        PlannedSection(key="closing", kind="closing", heading="", budget_chars=int(target * CLOSING_SHARE))
    )
    return Outline(title=report_title(facts), sections=sections)


def unit_type(facts: Facts) -> str | None:
    """The unit type, from the facts file or guessed from the organisation's name."""
    if facts.org_type:
        return to_simplified(facts.org_type)
    return unit_type_of_name(facts.organization)


def outline_of(draft: "Draft") -> Outline:
    """The outline a saved draft was written from, for regenerating one of its sections."""
    keys = {t.key for t in load_themes()}
    sections = []
    for s in draft.sections:
        theme = s.key.removeprefix("work-").split("-")[0]
        sections.append(
            PlannedSection(
                key=s.key,
                kind=s.kind,
                heading=s.heading,
                facts=s.facts,
                budget_chars=max(200, len(s.text)),
                theme=theme if theme in keys else "other",
            )
        )
    return Outline(title=draft.title, sections=sections)
