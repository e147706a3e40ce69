"""The outline: which sections a report has, in what order, which facts each holds, and how long each should be.

A planner makes it (planner.py), the user may edit it, and every writer works from it. Length budgets
are set here, by one formula, whoever made the outline.
"""

from pydantic import BaseModel

from drafting.corpus.classify import unit_type_of_name
from drafting.errors import UserError
from drafting.text.script import to_script, to_simplified
from drafting.writing.draft import SectionKind
from drafting.writing.facts import Facts
from drafting.writing.themes import keyword_theme

OPENING_SHARE, CLOSING_SHARE, PROBLEMS_SHARE, PLAN_SHARE = 0.08, 0.05, 0.10, 0.20
PLAN_ONLY_SHARE = 0.8
MIN_WORK_CHARS = 150

MAX_HEADING_CHARS = 100  # a section heading, checked on the server whatever the grid allowed


class PlannedSection(BaseModel):
    key: str
    kind: SectionKind
    heading: str
    theme: str = ""
    facts: list[str] = []
    budget_chars: int = 0


class Outline(BaseModel):
    title: str
    sections: list[PlannedSection]

    def section(self, key: str) -> PlannedSection:
        return next(s for s in self.sections if s.key == key)


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
    heading = "下半年工作安排" if facts.report_type == "half_year" else f"{facts.next_period}工作计划"
    return to_script(heading, facts.script)


def unit_type(facts: Facts) -> str | None:
    """The unit type, from the facts file or guessed from the organisation's name."""
    if facts.org_type:
        return to_simplified(facts.org_type)
    return unit_type_of_name(facts.organization)


def with_budgets(sections: list[PlannedSection], facts: Facts) -> Outline:
    """The outline with every section's length budget set from the target length.

    Work sections share the work part in proportion to their facts, so a section with more to say
    gets more room; a plan-only report gives most of the length to the plan.
    """
    target = facts.target_chars
    plan_only = facts.report_type == "plan"
    work = [s for s in sections if s.kind == "work"]
    work_facts = sum(len(s.facts) for s in work) or 1
    work_budget = target * (1 - OPENING_SHARE - CLOSING_SHARE - PROBLEMS_SHARE - PLAN_SHARE)
    shares = {
        "opening": OPENING_SHARE,
        "closing": CLOSING_SHARE,
        "problems": PROBLEMS_SHARE,
        "experience": PROBLEMS_SHARE,
        "plan": PLAN_ONLY_SHARE if plan_only else PLAN_SHARE,
    }
    budgeted = [
        s.model_copy(
            update={
                "budget_chars": max(MIN_WORK_CHARS, int(work_budget * len(s.facts) / work_facts))
                if s.kind == "work"
                else int(target * shares[s.kind])
            }
        )
        for s in sections
    ]
    return Outline(title=report_title(facts), sections=budgeted)


def checked_outline(outline: Outline, facts: Facts) -> tuple[Outline, list[str]]:
    """An outline the user edited, made safe to write from; returns it with warnings.

    Every bullet in it must be one of the user's facts (the fact guard's ledger is built from the facts,
    so an edited bullet would be flagged as invented); keys must be unique; budgets are recomputed.
    Facts the user dropped from the outline are named in a warning rather than silently lost.
    """
    known = set(facts.facts) | set(facts.problems) | set(facts.plans)
    seen: set[str] = set()
    sections = []
    for number, section in enumerate(outline.sections, start=1):
        for bullet in section.facts:
            if bullet not in known:
                raise UserError(
                    f"提纲中的要点“{bullet[:40]}”不在要点文件中。请只在各部分之间移动要点，要点的文字请在要点里修改。"
                )
        key = section.key or f"{section.kind}-{number}"
        if key in seen:
            key = f"{key}-{number}"
        seen.add(key)
        if section.kind == "work" and not section.facts:
            continue  # an emptied section is dropped
        sections.append(section.model_copy(update={"key": key, "heading": section.heading.strip()}))
    kinds = [s.kind for s in sections]
    if "opening" not in kinds or "closing" not in kinds:
        raise UserError("提纲必须保留开头和结尾两部分。")
    placed = {bullet for s in sections for bullet in s.facts}
    dropped = [fact for fact in facts.facts if fact not in placed]
    warnings = [f"以下要点已从提纲中移除，未写入草稿：{'；'.join(dropped)}"] if dropped else []
    return with_budgets(sections, facts), warnings


# --- the outline as the app's two editable grids ---------------------------------------------------------
# One grid lists the work sections (a renamed row keeps its hidden key, so its bullets follow it), the other
# the bullets with the section each belongs to. The functions below are pure so the editing rules are tested
# without a browser.

SECTION, HEADING, ORDER, KEEP = "节", "标题", "顺序", "保留"
BULLET, BELONGS_TO = "要点", "所属部分"


def section_rows(outline: Outline) -> list[dict]:
    """The work sections as grid rows, in their current order, all kept."""
    work = [s for s in outline.sections if s.kind == "work"]
    return [{SECTION: s.key, HEADING: s.heading, ORDER: i + 1, KEEP: True} for i, s in enumerate(work)]


def kept_headings(rows: list[dict]) -> list[str]:
    """The headings a bullet may be moved to: the named rows still ticked."""
    return [row[HEADING].strip() for row in _kept(rows)]


def bullet_rows(outline: Outline, rows: list[dict]) -> list[dict]:
    """Each work bullet with the (possibly renamed) heading of the section that holds it."""
    renamed = _renamed(outline, rows)
    work = [s for s in outline.sections if s.kind == "work"]
    return [{BULLET: fact, BELONGS_TO: renamed.get(s.heading, s.heading)} for s in work for fact in s.facts]


def edited_outline(outline: Outline, rows: list[dict], bullets: list[dict]) -> Outline:
    """The outline as the grids now say: kept sections in the chosen order, each with the bullets moved to it.

    The opening stays first and the fixed closing parts last; a new row is a new work section.
    """
    by_key = {s.key: s for s in outline.sections if s.kind == "work"}
    if too_long := [
        row[HEADING].strip() for row in _kept(rows) if len(row[HEADING].strip()) > MAX_HEADING_CHARS
    ]:
        raise UserError(
            f"有 {len(too_long)} 个标题超过 {MAX_HEADING_CHARS} 字（如“{too_long[0][:20]}……”）：公文的小标题请控制在一行之内。"
        )
    renamed = _renamed(outline, rows)
    work = []
    for row in sorted(_kept(rows), key=lambda row: row.get(ORDER) or 0):
        heading, old = row[HEADING].strip(), by_key.get(row.get(SECTION))
        facts = [b[BULLET] for b in bullets if renamed.get(b[BELONGS_TO], b[BELONGS_TO]) == heading]
        work.append(
            PlannedSection(
                key=old.key if old else "",
                kind="work",
                heading=heading,
                theme=_theme(heading, old),
                facts=facts,
            )
        )
    frame = [s for s in outline.sections if s.kind != "work"]
    return Outline(title=outline.title, sections=[frame[0], *work, *frame[1:]])


def _theme(heading: str, old: PlannedSection | None) -> str:
    """A section renamed (or added) by the user is about what its new heading says: renamed to 开展文体活动，
    a 技能竞赛 section was still written, and opened, as one about 劳动和技能竞赛."""
    if old is not None and old.heading == heading:
        return old.theme
    return keyword_theme(heading) or (old.theme if old else "other")


def _kept(rows: list[dict]) -> list[dict]:
    return [row for row in rows if row.get(HEADING) and row[HEADING].strip() and row.get(KEEP, True)]


def _renamed(outline: Outline, rows: list[dict]) -> dict[str, str]:
    """Old heading → new heading, for the rows that still name a section of the outline."""
    by_key = {s.key: s for s in outline.sections if s.kind == "work"}
    return {
        by_key[row[SECTION]].heading: row[HEADING].strip()
        for row in rows
        if row.get(SECTION) in by_key and row.get(HEADING)
    }
