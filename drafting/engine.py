"""Drafting pipeline: outline → exemplars → sections → assemble, with progress events for callers.

This module runs the embedded offline engine; a configured chat model is reported as not yet wired
(the LLM stages are the next piece of work), so every draft today is an offline draft, labelled so.
"""

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel

from drafting.draft import Draft, DraftSection
from drafting.errors import UserError
from drafting.facts import Facts
from drafting.library import Library
from drafting.offline import write_offline, write_section
from drafting.outline import Outline, PlannedSection, plan_outline, unit_type
from drafting.search import Hit

OFFLINE_ENGINE = "offline"
EXEMPLARS_PER_SECTION = 3


class Event(BaseModel):
    kind: Literal["outline", "section_done", "done"]
    key: str = ""
    text: str = ""


Listener = Callable[[Event], None]


def generate_draft(facts: Facts, library: Library, on_event: Listener | None = None) -> Draft:
    """A complete draft for the facts, using the offline engine."""
    emit = on_event or (lambda event: None)
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


def regenerate_section(draft: Draft, key: str, library: Library, instruction: str = "") -> Draft:
    """A new version of one section; every other section is left exactly as it was."""
    section = draft.section(key)
    outline = _outline_of(draft)
    planned = next(p for p in outline.sections if p.key == key)
    variant = len(section.previous_versions) + 1
    new_text = write_section(planned, draft.facts, outline, variant=variant, instruction=instruction)
    section.previous_versions.append(section.text)
    section.text = new_text
    section.status, section.error = "ok", ""
    if instruction and not any(word in instruction for word in ("简洁", "精简", "压缩", "简短", "正式")):
        draft.warnings.append(f"离线引擎不能按“{instruction}”改写，已换一种表述；配置大模型后可按要求改写。")
    return draft


def restore_version(draft: Draft, key: str, index: int) -> Draft:
    """Bring back a previous version of a section (the current text becomes a previous version)."""
    section = draft.section(key)
    if not 0 <= index < len(section.previous_versions):
        raise UserError(f"“{key}”没有第 {index + 1} 个历史版本。")
    old = section.previous_versions.pop(index)
    section.previous_versions.append(section.text)
    section.text = old
    return draft


def _outline_of(draft: Draft) -> Outline:
    return Outline(
        title=draft.title,
        sections=[
            PlannedSection(
                key=s.key,
                kind=s.kind,
                heading=s.heading,
                theme=s.key.removeprefix("work-"),
                facts=s.facts,
                budget_chars=0,
            )
            for s in draft.sections
        ],
    )


def _warnings(facts: Facts) -> list[str]:
    warnings = [f"这一行像是给模型的指令，已按数据处理、未写入草稿：{line}" for line in facts.flagged]
    warnings.append(
        "本草稿由离线引擎生成（未配置大模型）：事实按原文列出，连接语句为通用公文表述，请通读润色。"
    )
    return warnings


def section_by_key(draft: Draft, key: str) -> DraftSection:
    return draft.section(key)
