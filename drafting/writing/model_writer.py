"""The model writer: one section at a time from its prompt, streamed, within the context budget.

Exemplars are trimmed to fit the model's context before anything else (the facts never are); the
reply is cleaned of Markdown and of a repeated heading. Retries and timeouts live in the model adapter.
"""

import re
from typing import TYPE_CHECKING

from drafting.errors import UserError
from drafting.models.protocol import ChatModel, Delta, Prompt, TokenUsage
from drafting.models.tokens import count_tokens, fit_to_budget
from drafting.settings import Settings
from drafting.writing.prompts import load_prompt, tagged
from drafting.writing.template_writer import opening_tally

if TYPE_CHECKING:
    from drafting.writing.pipeline import SectionJob

TOKENS_PER_CHAR = 0.9  # o200k on 公文 Chinese, measured on the bundled corpus
PROMPT_OVERHEAD_TOKENS = 600


class ModelWriter:
    """Writes sections through a ChatModel; a guard finding comes back as `job.guard_note` for one rewrite."""

    revises = True

    def __init__(self, model: ChatModel, settings: Settings):
        self.model = model
        self.settings = settings
        self.engine = model.label
        self.max_concurrency = model.max_concurrency

    async def write(self, job: "SectionJob", on_delta: Delta) -> tuple[str, TokenUsage]:
        prompt = section_prompt(job, self.settings)
        budget = max(job.planned.budget_chars, 100)
        text, usage = await self.model.stream(
            prompt,
            on_delta,
            max_tokens=int(budget * TOKENS_PER_CHAR * 2),
            on_retry=job.on_retry,
        )
        tally = opening_tally(job.planned, job.facts, job.outline)
        return opens_with(clean_reply(text, job.planned.heading), tally), usage

    async def aclose(self) -> None:
        await self.model.aclose()


def section_prompt(job: "SectionJob", settings: Settings) -> Prompt:
    """The prompt for one section, exemplars trimmed to the context budget first (facts are never trimmed)."""
    planned, outline, facts = job.planned, job.outline, job.facts
    headings = [s.heading for s in outline.sections if s.heading and s.key != planned.key]
    instruction = "\n".join(part for part in (job.instruction, job.guard_note) if part)
    extra = instruction and f"修改要求：{instruction}"
    if job.neighbours:
        extra += "\n不要重复以下相邻小节已经写过的内容：\n" + tagged("neighbour", job.neighbours)
    common = {"title": outline.title, "budget_chars": planned.budget_chars, "instruction": extra}
    if planned.kind == "work":
        fact_block = "\n".join(planned.facts)
        blocks = [tagged("exemplar", [h.text], source=h.report_title) for h in job.exemplars]
        completion = int(planned.budget_chars * TOKENS_PER_CHAR * 1.5)
        budget = settings.llm_context_tokens - completion
        fixed = count_tokens(fact_block + "".join(headings) + instruction, settings.llm_model)
        if fixed + PROMPT_OVERHEAD_TOKENS > budget:
            raise UserError(f"“{planned.heading}”这一节的要点太长，超出了模型上下文，请拆分或精简。")
        kept = fit_to_budget(
            [fact_block + "".join(headings)], blocks, budget - PROMPT_OVERHEAD_TOKENS, settings.llm_model
        )
        return load_prompt("section").render(
            **common,
            heading=planned.heading,
            facts=fact_block,
            exemplars="\n".join(kept),
            other_headings="；".join(headings),
            tally=opening_tally(planned, facts, outline),
        )
    work_headings = "；".join(s.heading for s in outline.sections if s.kind == "work") or "（无）"
    problems = next((s.facts for s in outline.sections if s.kind == "problems"), [])
    if planned.kind == "problems":
        return load_prompt("problems").render(**common, problems="\n".join(planned.facts))
    if planned.kind == "plan":
        return load_prompt("plan").render(
            **common,
            heading=planned.heading,
            plans="\n".join(planned.facts) or "（用户未填写，请只围绕问题写改进措施）",
            problems="\n".join(problems) or "（无）",
            work_headings=work_headings,
        )
    return load_prompt(planned.kind).render(  # opening.md or closing.md
        **common,
        organization=facts.organization,
        period=facts.period,
        next_period=facts.next_period or "",
        work_headings=work_headings,
    )


def opens_with(text: str, tally: str) -> str:
    """The confirmed tally as the first paragraph, exactly as counted, wherever the model put it (or not)."""
    if not tally:
        return text
    rest = [p for p in text.split("\n\n") if p.strip() and p.strip() != tally]
    return "\n\n".join([tally, *(p.replace(tally, "") for p in rest)])


def clean_reply(text: str, heading: str) -> str:
    """Drop markdown markers and a repeated heading the model may add; keep paragraphs."""
    lines = [re.sub(r"^\s*(#+\s*|[*-]\s+)", "", line).replace("**", "").strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if lines and heading and heading in lines[0] and len(lines[0]) <= len(heading) + 6:
        lines = lines[1:]
    return "\n\n".join(lines)
