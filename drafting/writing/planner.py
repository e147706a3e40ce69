"""Stage 1, the outline planner. The local planner is instant and always available; the model planner
is an optional improvement on top of it (a button in the app, LLM_PLANNER=true for the command line).

Both group the work facts into themed sections; problems, plan, opening and closing follow the report
type. The model's grouping is repaired: a fact it drops goes where the keyword rules put it.
"""

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from drafting.models.protocol import ChatModel, TokenUsage
from drafting.text.script import to_script
from drafting.writing.facts import Facts
from drafting.writing.outline import Outline, PlannedSection, plan_heading, unit_type, with_budgets
from drafting.writing.prompts import load_prompt
from drafting.writing.themes import assign_themes, keyword_theme, load_themes, theme_by_key


def plan_locally(facts: Facts, embed=None) -> Outline:  # noqa: ANN001 - a chromadb EmbeddingFunction
    """Facts grouped by theme (keywords first, the embedder for the rest when one is given)."""
    has_summary = facts.report_type != "plan"
    work_lines = facts.facts if has_summary else []
    keys = assign_themes(work_lines, embed)
    work = []
    for theme in load_themes():
        mine = [fact for fact, key in zip(work_lines, keys, strict=True) if key == theme.key]
        if mine:
            work.append(_work_section(f"work-{theme.key}", theme.key, mine, facts))
    return with_budgets(_frame(work, facts), facts)


class OutlineSection(BaseModel):
    theme: str
    heading: str
    fact_ids: list[str]


class OutlineReply(BaseModel):
    sections: list[OutlineSection]


@dataclass(frozen=True)
class LocalPlanner:
    """The pipeline's planner without a model; `embed` places facts no keyword claims."""

    embed: Any = None  # a chromadb EmbeddingFunction

    async def plan(self, facts: Facts) -> tuple[Outline, TokenUsage]:
        return plan_locally(facts, self.embed), TokenUsage()


@dataclass(frozen=True)
class ModelPlanner:
    """The pipeline's planner that asks the model for the grouping and headings."""

    model: ChatModel

    async def plan(self, facts: Facts) -> tuple[Outline, TokenUsage]:
        return await plan_with_model(self.model, facts)


async def plan_with_model(model: ChatModel, facts: Facts) -> tuple[Outline, TokenUsage]:
    """The model groups the facts into themed sections with its own headings."""
    if facts.report_type == "plan" or not facts.facts:
        return plan_locally(facts), TokenUsage()
    themes = "；".join(f"{t.key}={t.name}" for t in load_themes())
    numbered = "\n".join(f"F{i}：{fact}" for i, fact in enumerate(facts.facts, start=1))
    prompt = load_prompt("outline").render(
        themes=themes,
        facts=numbered,
        organization=facts.organization,
        unit_type=unit_type(facts) or "未注明",
        period=facts.period,
    )
    reply, usage = await model.structured(prompt, OutlineReply, max_tokens=60 * len(facts.facts) + 400)
    by_id = {f"F{i}": fact for i, fact in enumerate(facts.facts, start=1)}
    theme_keys = {t.key for t in load_themes()}
    used: set[str] = set()
    work: list[PlannedSection] = []
    for item in reply.sections:
        mine = [by_id[i] for i in item.fact_ids if i in by_id and i not in used]
        used.update(i for i in item.fact_ids if i in by_id)
        if mine:
            theme = item.theme if item.theme in theme_keys else keyword_theme(mine[0]) or "other"
            heading = re.sub(r"^[一二三四五六七八九十]+、|\d", "", item.heading).strip()
            work.append(_work_section("", theme, mine, facts, heading))
    for fact_id, fact in by_id.items():  # facts the model left out go where the keyword rules put them
        if fact_id not in used:
            theme = keyword_theme(fact) or "other"
            target = next((s for s in work if s.theme == theme), None)
            if target:
                target.facts.append(fact)
            else:
                work.append(_work_section("", theme, [fact], facts))
    seen: set[str] = set()
    for section in work:  # stable keys from the theme, unique within the draft
        key = f"work-{section.theme}"
        section.key = key if key not in seen else f"{key}-{len(seen)}"
        seen.add(section.key)
    return with_budgets(_frame(work, facts), facts), usage


def _work_section(key: str, theme: str, facts_: list[str], facts: Facts, heading: str = "") -> PlannedSection:
    return PlannedSection(
        key=key,
        kind="work",
        heading=heading or to_script(theme_by_key(theme).heading_for(unit_type(facts)), facts.script),
        theme=theme,
        facts=facts_,
    )


def _frame(work: list[PlannedSection], facts: Facts) -> list[PlannedSection]:
    """Opening, the work sections, problems and plan as the report type needs them, closing."""
    sections = [PlannedSection(key="opening", kind="opening", heading=""), *work]
    has_summary = facts.report_type != "plan"
    if has_summary:
        sections.append(
            PlannedSection(
                key="problems",
                kind="problems",
                heading=to_script("存在的问题和不足", facts.script),
                facts=facts.problems,
            )
        )
    if facts.report_type != "summary":
        plan_lines = facts.plans if has_summary else facts.plans or facts.facts
        sections.append(
            PlannedSection(key="plan", kind="plan", heading=plan_heading(facts), facts=plan_lines)
        )
    sections.append(PlannedSection(key="closing", kind="closing", heading=""))
    return sections
