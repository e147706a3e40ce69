"""The LLM path: outline → exemplars → work sections in parallel → problems, plan → opening, closing.

Each stage is a small async function over pydantic models. A failed section fails alone: it is kept
with status "failed" and its error, and can be regenerated later; the others survive.
"""

import asyncio
import re
from collections.abc import Callable

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from pydantic import BaseModel

from drafting.checks.factguard import check_draft
from drafting.errors import UserError
from drafting.models.openai_chat import ModelCallError, stream_text, structured
from drafting.models.tokens import count_tokens, fit_to_budget
from drafting.retrieval.search import Hit
from drafting.settings import Settings
from drafting.writing.draft import Draft, DraftSection, TokenUsage
from drafting.writing.facts import Facts
from drafting.writing.outline import (
    CLOSING_SHARE,
    OPENING_SHARE,
    PLAN_SHARE,
    PROBLEMS_SHARE,
    Outline,
    PlannedSection,
    outline_of,
    plan_outline,
    report_title,
    unit_type,
)
from drafting.writing.prompts import load_prompt, tagged
from drafting.writing.themes import keyword_theme, load_themes, theme_by_key

Emit = Callable[[str, str, str], None]  # (event kind, section key, text)
TOKENS_PER_CHAR = 0.9  # o200k on 公文 Chinese, measured on the bundled corpus
Exemplars = Callable[[PlannedSection], list[Hit]]


class OutlineSection(BaseModel):
    theme: str
    heading: str
    fact_ids: list[str]


class OutlineReply(BaseModel):
    sections: list[OutlineSection]


async def llm_outline(model: BaseChatModel, facts: Facts, settings: Settings) -> tuple[Outline, TokenUsage]:
    """The model groups facts into themed sections; any fact it drops or invents an id for is repaired here."""
    base = plan_outline_skeleton(facts)
    if facts.report_type == "plan":
        return base, TokenUsage()
    themes = "；".join(f"{t.key}={t.name}" for t in load_themes())
    numbered = "\n".join(f"F{i}：{fact}" for i, fact in enumerate(facts.facts, start=1))
    messages = load_prompt("outline").format_messages(
        themes=themes,
        facts=numbered,
        organization=facts.organization,
        unit_type=unit_type(facts) or "未注明",
        period=facts.period,
    )
    reply, usage = await structured(
        model, messages, OutlineReply, settings, max_tokens=60 * len(facts.facts) + 400
    )
    by_id = {f"F{i}": fact for i, fact in enumerate(facts.facts, start=1)}
    used: set[str] = set()
    work: list[PlannedSection] = []
    for item in reply.sections:
        mine = [by_id[i] for i in item.fact_ids if i in by_id and i not in used]
        used.update(i for i in item.fact_ids if i in by_id)
        if mine:
            theme = (
                item.theme
                if item.theme in {t.key for t in load_themes()}
                else keyword_theme(mine[0]) or "other"
            )
            heading = re.sub(r"^[一二三四五六七八九十]+、|\d", "", item.heading).strip() or theme_by_key(
                theme
            ).heading_for(unit_type(facts))
            work.append(
                PlannedSection(
                    key=f"work-{len(work) + 1}",
                    kind="work",
                    heading=heading,
                    theme=theme,
                    facts=mine,
                    budget_chars=0,
                )
            )
    for fact_id, fact in by_id.items():  # facts the model left out go where the keyword rules put them
        if fact_id not in used:
            theme = keyword_theme(fact) or "other"
            target = next((s for s in work if s.theme == theme), None)
            if target:
                target.facts.append(fact)
            else:
                work.append(
                    PlannedSection(
                        key=f"work-{len(work) + 1}",
                        kind="work",
                        heading=theme_by_key(theme).heading_for(unit_type(facts)),
                        theme=theme,
                        facts=[fact],
                        budget_chars=0,
                    )
                )
    return _with_budgets(base, work, facts), usage


def plan_outline_skeleton(facts: Facts) -> Outline:
    """Opening, problems, plan and closing as the report type needs them; work sections come from the model."""
    return plan_outline(
        facts.model_copy(update={"facts": facts.facts if facts.report_type == "plan" else []}), embed=None
    )


def _with_budgets(base: Outline, work: list[PlannedSection], facts: Facts) -> Outline:
    """Share the work part of the length target by number of facts; give each section a stable theme key."""
    work_budget = facts.target_chars * (1 - OPENING_SHARE - CLOSING_SHARE - PROBLEMS_SHARE - PLAN_SHARE)
    total = sum(len(s.facts) for s in work) or 1
    seen: set[str] = set()
    for section in work:
        section.budget_chars = max(150, int(work_budget * len(section.facts) / total))
        key = f"work-{section.theme}"
        section.key = key if key not in seen else f"{key}-{len(seen)}"
        seen.add(section.key)
    return Outline(title=report_title(facts), sections=[base.sections[0], *work, *base.sections[1:]])


def section_messages(
    planned: PlannedSection,
    outline: Outline,
    facts: Facts,
    hits: list[Hit],
    settings: Settings,
    instruction: str = "",
    neighbours: list[str] | None = None,
) -> list[BaseMessage]:
    """The prompt for one section, exemplars trimmed to the context budget first (facts are never trimmed)."""
    headings = [s.heading for s in outline.sections if s.heading and s.key != planned.key]
    extra = instruction and f"修改要求：{instruction}"
    if neighbours:
        extra += "\n不要重复以下相邻小节已经写过的内容：\n" + tagged("neighbour", neighbours)
    common = {"title": outline.title, "budget_chars": planned.budget_chars, "instruction": extra}
    if planned.kind == "work":
        fact_block = "\n".join(planned.facts)
        blocks = [tagged("exemplar", [h.text], source=h.report_title) for h in hits]
        completion = int(planned.budget_chars * TOKENS_PER_CHAR * 1.5)
        budget = settings.llm_context_tokens - completion
        fixed = count_tokens(fact_block + "".join(headings) + instruction, settings.llm_model) + 600
        if fixed > budget:
            raise UserError(f"“{planned.heading}”这一节的要点太长，超出了模型上下文，请拆分或精简。")
        kept = fit_to_budget([fact_block + "".join(headings)], blocks, budget - 600, settings.llm_model)
        return load_prompt("section").format_messages(
            **common,
            heading=planned.heading,
            facts=fact_block,
            exemplars="\n".join(kept),
            other_headings="；".join(headings),
        )
    work_headings = "；".join(s.heading for s in outline.sections if s.kind == "work") or "（无）"
    problems = next((s.facts for s in outline.sections if s.kind == "problems"), [])
    if planned.kind == "problems":
        return load_prompt("problems").format_messages(**common, problems="\n".join(planned.facts))
    if planned.kind == "plan":
        return load_prompt("plan").format_messages(
            **common,
            heading=planned.heading,
            plans="\n".join(planned.facts) or "（用户未填写，请只围绕问题写改进措施）",
            problems="\n".join(problems) or "（无）",
            work_headings=work_headings,
        )
    part_name, rules = (
        (
            "开头段",
            "写一段开头：上级工会和单位党组织领导下、围绕中心工作、概述本期主要工作条线，以“现将……报告如下：”收尾。",
        )
        if planned.kind == "opening"
        else ("结尾段", "写一段简短结尾：表明下一期间在领导下继续努力、作出新的更大贡献的决心。")
    )
    return load_prompt("frame").format_messages(
        **common,
        part_name=part_name,
        part_rules=rules,
        organization=facts.organization,
        period=facts.period,
        next_period=facts.next_period or "",
        work_headings=work_headings,
    )


def clean_reply(text: str, heading: str) -> str:
    """Drop markdown markers and a repeated heading the model may add; keep paragraphs."""
    lines = [re.sub(r"^\s*(#+\s*|[*-]\s+)", "", line).replace("**", "").strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if lines and heading and heading in lines[0] and len(lines[0]) <= len(heading) + 6:
        lines = lines[1:]
    return "\n\n".join(lines)


async def write_section(
    model: BaseChatModel,
    planned: PlannedSection,
    outline: Outline,
    facts: Facts,
    hits: list[Hit],
    settings: Settings,
    emit: Emit,
    semaphore: asyncio.Semaphore,
    instruction: str = "",
    neighbours: list[str] | None = None,
) -> tuple[DraftSection, TokenUsage]:
    """Write one section; if the fact guard finds a value no fact supports, rewrite it once with the finding.

    A value still unsupported after that stays in the text and is listed in `section.flags`.
    """
    section = DraftSection(
        key=planned.key, kind=planned.kind, heading=planned.heading, facts=planned.facts, sources=hits
    )
    usage = TokenUsage()
    async with semaphore:
        emit("section_started", planned.key, "")
        try:
            for attempt in range(2):
                messages = section_messages(planned, outline, facts, hits, settings, instruction, neighbours)
                text, call_usage = await stream_text(
                    model,
                    messages,
                    settings,
                    lambda delta: emit("delta", planned.key, delta),
                    on_retry=lambda: emit("section_started", planned.key, "retry"),
                    max_tokens=min(
                        settings.llm_max_output_tokens,
                        int(max(planned.budget_chars, 100) * TOKENS_PER_CHAR * 2),
                    ),
                )
                usage.add(call_usage)
                section.text = clean_reply(text, planned.heading)
                section.flags = guard_flags(section.text, facts)
                if not section.flags or attempt == 1:
                    break
                emit("section_started", planned.key, "guard")
                instruction = (instruction + "\n" if instruction else "") + (
                    "上一稿写了要点中没有的内容："
                    + "、".join(section.flags)
                    + "。请删去或改为要点中的原话，其余要求不变。"
                )
        except (ModelCallError, UserError) as error:
            section.status, section.error = "failed", str(error)
            emit("section_failed", planned.key, str(error))
            return section, usage
    emit("section_done", planned.key, section.text)
    return section, usage


def guard_flags(text: str, facts: Facts) -> list[str]:
    """Values in one section's text that no fact supports (see drafting.factguard)."""
    result = check_draft(text, facts)
    return [finding.value for finding in result.unsupported + result.changed_levels]


async def generate_with_model(
    model: BaseChatModel,
    facts: Facts,
    exemplars: Exemplars,
    settings: Settings,
    emit: Emit,
    on_partial: Callable[[Draft], None] | None = None,
) -> Draft:
    """Outline, then every section. `on_partial` sees the draft after the outline and after each section,
    so a caller can save it and an interrupted generation loses nothing already written."""
    record = on_partial or (lambda draft: None)
    draft = Draft(title=report_title(facts), facts=facts, sections=[], engine=f"llm:{settings.llm_model}")
    try:
        outline, outline_usage = await llm_outline(model, facts, settings)
        draft.usage.add(outline_usage)
    except ModelCallError as error:
        draft.warnings.append(f"模型拟定提纲失败（{error}），已按关键词规则分节。")
        outline = plan_outline(facts, embed=None)
    draft.sections = [
        DraftSection(key=s.key, kind=s.kind, heading=s.heading, facts=s.facts, status="pending")
        for s in outline.sections
    ]
    emit("outline", "", "\n".join(s.heading or s.key for s in outline.sections))
    record(draft)
    hits = {s.key: exemplars(s) for s in outline.sections}
    semaphore = asyncio.Semaphore(max(1, settings.llm_concurrency))
    position = {s.key: i for i, s in enumerate(outline.sections)}

    async def write_and_record(planned: PlannedSection) -> None:
        section, usage = await write_section(
            model, planned, outline, facts, hits[planned.key], settings, emit, semaphore
        )
        draft.usage.add(usage)
        draft.sections[position[planned.key]] = section
        record(draft)

    # Every section depends only on the outline (headings, the user's problems and plans), not on
    # another section's text, so all of them are written at once, as the concurrency limit allows.
    await asyncio.gather(*(write_and_record(planned) for planned in outline.sections))
    failed = [s.heading or s.key for s in draft.sections if s.status == "failed"]
    if failed:
        draft.warnings.append(f"以下部分生成失败，可单独重新生成：{'、'.join(failed)}")
    return draft


async def regenerate_with_model(
    model: BaseChatModel, draft: Draft, key: str, settings: Settings, instruction: str, emit: Emit
) -> tuple[DraftSection, TokenUsage]:
    outline = outline_of(draft)
    index = next(i for i, s in enumerate(draft.sections) if s.key == key)
    neighbours = [
        draft.sections[i].text
        for i in (index - 1, index + 1)
        if 0 <= i < len(draft.sections) and draft.sections[i].text
    ]
    planned = outline.sections[index]
    return await write_section(
        model,
        planned,
        outline,
        draft.facts,
        draft.sections[index].sources,
        settings,
        emit,
        asyncio.Semaphore(1),
        instruction,
        neighbours,
    )


def estimate(facts: Facts, settings: Settings) -> TokenUsage:
    """Prompt and completion tokens a draft will take, before any call (exemplars at their typical size)."""
    outline = plan_outline(facts, embed=None)
    exemplar_tokens = 3 * 300
    prompt = completion = 0
    for planned in outline.sections:
        text = "".join(planned.facts) + planned.heading
        prompt += (
            count_tokens(text, settings.llm_model) + 450 + (exemplar_tokens if planned.kind == "work" else 0)
        )
        completion += int(planned.budget_chars * TOKENS_PER_CHAR)
    prompt += count_tokens("".join(facts.facts), settings.llm_model) + 400  # the outline call
    return TokenUsage(prompt_tokens=prompt, completion_tokens=completion + 40 * len(facts.facts))


def cost(usage: TokenUsage, settings: Settings) -> float:
    return (
        usage.prompt_tokens * settings.llm_price_input_per_mtok
        + usage.completion_tokens * settings.llm_price_output_per_mtok
    ) / 1e6
