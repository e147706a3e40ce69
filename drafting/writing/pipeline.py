"""Drafting entry points: the LLM pipeline when an endpoint is configured, the offline engine otherwise.

Callers get progress as events: the outline first, then each section as it starts, streams and ends.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

from pydantic import BaseModel

from drafting.corpus.reports import Report
from drafting.errors import UserError
from drafting.models import factory
from drafting.retrieval.library import Library
from drafting.retrieval.search import Hit
from drafting.settings import Settings
from drafting.writing.draft import Draft
from drafting.writing.facts import Facts
from drafting.writing.model_writer import generate_with_model, regenerate_with_model
from drafting.writing.outline import PlannedSection, outline_of, plan_outline, unit_type
from drafting.writing.prompts import tagged
from drafting.writing.template_writer import follows_instruction, write_offline, write_section

T = TypeVar("T")
OFFLINE_ENGINE = "offline"
MANNER_SAMPLE_CHARS = 800
EXEMPLARS_PER_SECTION = 3


class Event(BaseModel):
    kind: Literal["outline", "section_started", "delta", "section_done", "section_failed", "done"]
    key: str = ""
    text: str = ""


Listener = Callable[[Event], None]


def generate_draft(
    facts: Facts,
    library: Library,
    on_event: Listener | None = None,
    offline: bool = False,
    settings: Settings | None = None,
    on_partial: Callable[[Draft], None] | None = None,
) -> Draft:
    """A complete draft for the facts: by the configured model, or by the offline engine.

    `settings` (default: the library's) chooses the model, so one loaded index serves any endpoint.
    `on_partial` receives the draft as sections finish (to save it as it grows).
    """
    emit = on_event or (lambda event: None)
    settings = settings or library.settings
    model = None if offline else factory.build_chat_model(settings)
    if model is not None:
        work = generate_with_model(
            model,
            facts,
            lambda planned: exemplars(planned, facts, library),
            settings,
            lambda kind, key, text: emit(Event(kind=kind, key=key, text=text)),
            on_partial,
        )
        draft = asyncio.run(_closing_client(model, work))
        draft.warnings = _flagged(facts) + draft.warnings
        emit(Event(kind="done", key=draft.id))
        return draft
    outline = plan_outline(facts, library.index.embedder)
    emit(Event(kind="outline", text="\n".join(s.heading or s.key for s in outline.sections)))
    sections = write_offline(outline, facts)
    for planned, section in zip(outline.sections, sections, strict=True):
        section.sources = exemplars(planned, facts, library)
        emit(Event(kind="section_done", key=section.key, text=section.text))
    draft = Draft(
        title=outline.title, facts=facts, sections=sections, engine=OFFLINE_ENGINE, warnings=_warnings(facts)
    )
    emit(Event(kind="done", key=draft.id))
    return draft


def exemplars(planned: PlannedSection, facts: Facts, library: Library) -> list[Hit]:
    """Corpus passages for a section: same part and unit type when there are any, else same part."""
    query = planned.heading + "；" + "；".join(planned.facts[:5])
    unit = unit_type(facts)
    library.ensure_built()
    hits = (
        library.searcher.search(query, k=EXEMPLARS_PER_SECTION, part=planned.kind, unit_type=unit)
        if unit
        else []
    )
    return hits or library.searcher.search(query, k=EXEMPLARS_PER_SECTION, part=planned.kind)


def regenerate_section(
    draft: Draft,
    key: str,
    library: Library,
    instruction: str = "",
    offline: bool = False,
    on_event: Listener | None = None,
    settings: Settings | None = None,
) -> Draft:
    """A new version of one section; every other section is left exactly as it was."""
    section = draft.section(key)
    settings = settings or library.settings
    model = None if offline else factory.build_chat_model(settings)
    if model is not None:
        emit = on_event or (lambda event: None)
        work = regenerate_with_model(
            model,
            draft,
            key,
            settings,
            instruction,
            lambda kind, k, text: emit(Event(kind=kind, key=k, text=text)),
        )
        new, usage = asyncio.run(_closing_client(model, work))
        if new.status == "failed":
            raise UserError(f"重新生成“{section.heading or key}”失败：{new.error}（原文未改动）")
        if section.status == "ok" and section.text:
            section.previous_versions.append(section.text)
        section.text, section.status, section.error, section.flags = new.text, "ok", "", new.flags
        draft.usage.add(usage)
        return draft
    outline = outline_of(draft)
    planned = next(p for p in outline.sections if p.key == key)
    variant = len(section.previous_versions) + 1
    new_text = write_section(planned, draft.facts, outline, variant=variant, instruction=instruction)
    section.previous_versions.append(section.text)
    section.text = new_text
    section.status, section.error = "ok", ""
    if instruction and not follows_instruction(instruction):
        draft.warnings.append(f"离线引擎不能按“{instruction}”改写，已换一种表述；配置大模型后可按要求改写。")
    return draft


def rewrite_toward(
    draft: Draft, key: str, reference: Report, library: Library, settings: Settings | None = None
) -> Draft:
    """Rewrite one section in the manner of a reference report, keeping its facts (the fact guard checks it)."""
    settings = settings or library.settings
    if factory.build_chat_model(settings) is None:
        raise UserError(
            "“按此范文语气改写”需要大模型：请先在“设置”里配置模型接口。离线引擎只能换一种通用表述。"
        )
    section = draft.section(key)
    same_part = reference.parsed().part(section.kind)
    sample = (
        "\n".join(s.text() for s in same_part)[:MANNER_SAMPLE_CHARS] or reference.body[:MANNER_SAMPLE_CHARS]
    )
    instruction = (
        "请参考下面范文的语气、句式和行文节奏改写本节，只学它的写法，不得使用其中的任何事实、数字或单位名称：\n"
        + tagged("manner", [sample], source=reference.meta.title)
    )
    return regenerate_section(draft, key, library, instruction, settings=settings)


def restore_version(draft: Draft, key: str, index: int) -> Draft:
    """Bring back a previous version of a section (the current text becomes a previous version)."""
    section = draft.section(key)
    if not 0 <= index < len(section.previous_versions):
        raise UserError(f"“{key}”没有第 {index + 1} 个历史版本。")
    old = section.previous_versions.pop(index)
    section.previous_versions.append(section.text)
    section.text = old
    return draft


async def _closing_client(model: object, work: Awaitable[T]) -> T:
    """Run `work`, then close the model's async HTTP client inside the same event loop."""
    try:
        return await work
    finally:
        client = getattr(model, "root_async_client", None)
        if client is not None:
            await client.close()


def _flagged(facts: Facts) -> list[str]:
    return [f"这一行像是给模型的指令，已按数据处理、未写入草稿：{line}" for line in facts.flagged]


def _warnings(facts: Facts) -> list[str]:
    warnings = _flagged(facts)
    warnings.append(
        "本草稿由离线引擎生成（未配置大模型）：事实按原文列出，连接语句为通用公文表述，请通读润色。"
    )
    return warnings
