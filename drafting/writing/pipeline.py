"""One pipeline for both engines: outline → exemplars → section writer → guard → assembled draft.

The engine is only the choice of parts: the offline engine is the template writer with the local
planner; the LLM engine is the model writer (and, if asked, the model planner). Everything else —
running all sections at once within the writer's concurrency, streaming events, saving as sections
finish, the guard's one rewrite, regenerate, edit and restore — is written once, here.
"""

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

from pydantic import BaseModel

from drafting.errors import JobStopped, UserError
from drafting.models.protocol import Delta, ModelCallError, TokenUsage
from drafting.retrieval.hit import Hit
from drafting.writing.draft import Draft, DraftSection, section_name
from drafting.writing.facts import Facts
from drafting.writing.outline import Outline, PlannedSection, unit_type
from drafting.writing.template_writer import OFFLINE_ENGINE, follows_instruction

T = TypeVar("T")
EXEMPLARS_PER_SECTION = 3


class Event(BaseModel):
    kind: Literal["outline", "section_started", "delta", "section_done", "section_failed", "done"]
    key: str = ""
    text: str = ""
    name: str = ""  # the section as the user calls it (its heading, 开头, 结尾), for progress shown to them


Listener = Callable[[Event], None]


@dataclass
class SectionJob:
    """Everything a writer needs for one section."""

    planned: PlannedSection
    outline: Outline
    facts: Facts
    exemplars: list[Hit] = field(default_factory=list)
    instruction: str = ""
    guard_note: str = ""
    neighbours: list[str] = field(default_factory=list)
    variant: int = 0
    on_retry: Callable[[], None] | None = None


class SectionWriter(Protocol):
    engine: str  # stored on the draft: "offline" or "llm:<model>"
    max_concurrency: int | None  # sections written at once; None: all at once
    revises: bool  # whether a guard finding is worth one rewrite

    async def write(self, job: SectionJob, on_delta: Delta) -> tuple[str, TokenUsage]: ...

    async def aclose(self) -> None: ...


class ExemplarSource(Protocol):
    def search(
        self, query: str, k: int = 5, part: str | None = None, unit_type: str | None = None
    ) -> list[Hit]: ...

    def still_allowed(self, report_ids: set[str]) -> set[str]: ...


class SectionVerdict(Protocol):
    """What a guard found in one section: values it may not state, and its own facts it left out."""

    flags: list[str]
    missing_facts: list[str]

    @property
    def clean(self) -> bool: ...

    def note(self) -> str: ...


class Guard(Protocol):
    """The checks every written section and every finished draft pass through (drafting.checks.guard)."""

    def check_section(self, text: str, own_facts: list[str], facts: Facts) -> SectionVerdict: ...

    def draft_warnings(self, draft: Draft) -> list[str]: ...


class Planner(Protocol):
    """Groups the facts into the outline's sections (drafting.writing.planner)."""

    async def plan(self, facts: Facts) -> tuple[Outline, TokenUsage]: ...


def exemplar_query(planned: PlannedSection) -> str | None:
    """What the section's exemplars are searched by; None for an opening or closing with no facts of its own."""
    if planned.kind in ("opening", "closing") and not planned.facts:
        return None
    return (planned.heading or planned.kind) + "；" + "；".join(planned.facts[:5])


class Pipeline:
    """The stages composed from their parts, as STORM's interface composes its modules: the planner,
    the exemplar source, the writer and the guard are given, and each can be swapped alone."""

    def __init__(
        self,
        writer: SectionWriter,
        guard: Guard,
        exemplars: ExemplarSource | None = None,
        planner: Planner | None = None,
    ):
        self.writer = writer
        self.guard = guard
        self.exemplar_source = exemplars
        self.planner = planner

    def exemplars(self, planned: PlannedSection, facts: Facts) -> list[Hit]:
        """Corpus passages for a section: same part and unit type when there are any, else same part."""
        if self.exemplar_source is None or (query := exemplar_query(planned)) is None:
            return []
        unit = unit_type(facts)
        hits = (
            self.exemplar_source.search(query, k=EXEMPLARS_PER_SECTION, part=planned.kind, unit_type=unit)
            if unit
            else []
        )
        return hits or self.exemplar_source.search(query, k=EXEMPLARS_PER_SECTION, part=planned.kind)

    def allowed_sources(self, hits: list[Hit]) -> list[Hit]:
        """The excerpts whose reports this user may still draft with (a withdrawn report's are dropped)."""
        if self.exemplar_source is None or not hits:
            return hits
        allowed = self.exemplar_source.still_allowed({hit.report for hit in hits})
        return [hit for hit in hits if hit.report in allowed]

    async def write(
        self,
        outline: Outline | None,
        facts: Facts,
        emit: Listener,
        on_partial: Callable[[Draft], None] | None = None,
        warnings: list[str] | None = None,
    ) -> Draft:
        """Every section of the outline (the planner's, when none is given), all started at once within
        the writer's concurrency.

        Sections depend only on the outline, never on each other's text, so nothing waits for a
        neighbour; `on_partial` sees the draft after the outline and after each section, so an
        interrupted generation loses nothing already written.
        """
        record = on_partial or (lambda draft: None)
        planning = TokenUsage()
        if outline is None:
            if self.planner is None:
                raise ValueError("a pipeline without a planner needs the outline")
            outline, planning = await self.planner.plan(facts)
        draft = Draft(
            title=outline.title,
            facts=facts,
            engine=self.writer.engine,
            sections=[_pending(planned) for planned in outline.sections],
            warnings=list(warnings or []),
        )
        draft.usage.add(planning)
        emit(Event(kind="outline", text="\n".join(section_name(s.kind, s.heading) for s in outline.sections)))
        record(draft)
        limit = asyncio.Semaphore(self.writer.max_concurrency or len(outline.sections) or 1)
        # Searches run one at a time on their own thread: the event loop keeps reading the streams
        # already open (a blocked loop would trip their idle timeouts), and the index is never queried
        # from two threads at once.
        searcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="exemplars")
        loop = asyncio.get_running_loop()

        async def write_and_record(index: int, planned: PlannedSection) -> None:
            async with limit:
                hits = await loop.run_in_executor(searcher, self.exemplars, planned, facts)
                section, usage = await self._write_section(SectionJob(planned, outline, facts, hits), emit)
            draft.usage.add(usage)
            draft.sections[index] = section
            record(draft)

        try:
            await asyncio.gather(*(write_and_record(i, p) for i, p in enumerate(outline.sections)))
        finally:
            searcher.shutdown(wait=False, cancel_futures=True)
        draft.warnings += self.guard.draft_warnings(draft)  # the unwritten parts: Draft.notices()
        if draft.warnings:
            record(draft)  # the draft's own warnings, found once every section is in, are saved with it
        emit(Event(kind="done", key=draft.id))
        return draft

    async def _write_section(self, job: SectionJob, emit: Listener) -> tuple[DraftSection, TokenUsage]:
        """Write, guard, and if the writer can revise, rewrite once with the guard's finding."""
        planned = job.planned
        section = _pending(planned).model_copy(update={"sources": job.exemplars, "status": "ok"})
        usage = TokenUsage()
        name = section_name(planned.kind, planned.heading)

        def event(kind: str, text: str = "") -> Event:
            return Event(kind=kind, key=planned.key, text=text, name=name)

        job.on_retry = lambda: emit(event("section_started", "retry"))
        emit(event("section_started"))
        try:
            for attempt in range(2):
                text, call_usage = await self.writer.write(job, lambda delta: emit(event("delta", delta)))
                usage.add(call_usage)
                guard = self.guard.check_section(text, planned.facts, job.facts)
                section.text, section.flags, section.missing_facts = text, guard.flags, guard.missing_facts
                if guard.clean or attempt == 1 or not self.writer.revises:
                    break
                emit(event("section_started", "guard"))
                job.guard_note = guard.note()
        except JobStopped:
            raise  # the whole job stops (quota spent, account disabled): not this section's failure
        except (ModelCallError, UserError) as error:
            section.status, section.error = "failed", str(error)
            emit(event("section_failed", str(error)))
            return section, usage
        section.status = "flagged" if section.has_findings else "ok"
        emit(event("section_done", section.text))
        return section, usage

    async def regenerate(
        self, draft: Draft, key: str, instruction: str = "", emit: Listener | None = None
    ) -> Draft:
        """A new version of one section; every other section is left exactly as it was."""
        section = draft.section(key)
        index = draft.sections.index(section)
        outline = outline_of(draft)
        planned = outline.sections[index]
        neighbours = [
            draft.sections[i].text
            for i in (index - 1, index + 1)
            if 0 <= i < len(draft.sections) and draft.sections[i].text
        ]
        job = SectionJob(
            planned,
            outline,
            draft.facts,
            self.allowed_sources(section.sources) or self.exemplars(planned, draft.facts),
            instruction=instruction,
            neighbours=neighbours,
            variant=len(section.previous_versions) + 1,
        )
        found_before = self.guard.draft_warnings(draft)
        new, usage = await self._write_section(job, emit or (lambda event: None))
        if new.status == "failed":
            raise UserError(
                f"重新生成“{section_name(section.kind, section.heading)}”失败：{new.error}（原文未改动）"
            )
        _replace_text(section, new.text)
        section.status, section.error = new.status, ""
        section.flags, section.missing_facts, section.sources = new.flags, new.missing_facts, new.sources
        _recheck_whole(draft, self.guard, found_before)
        draft.usage.add(usage)
        if instruction and not self.writer.revises and not follows_instruction(instruction):
            draft.warnings.append(
                f"离线引擎不能按“{instruction}”改写，已换一种表述；配置大模型后可按要求改写。"
            )
        return draft


def outline_of(draft: Draft) -> Outline:
    """The outline a saved draft was written from: each section keeps its theme and budget."""
    return Outline(
        title=draft.title,
        sections=[
            PlannedSection(
                key=s.key,
                kind=s.kind,
                heading=s.heading,
                theme=s.theme,
                facts=s.facts,
                budget_chars=s.budget_chars or max(200, len(s.text)),
            )
            for s in draft.sections
        ],
    )


def edit_section(draft: Draft, key: str, text: str, guard: Guard) -> Draft:
    """The user's own text for a section; the old text becomes a previous version, and the guard checks it."""
    section = draft.section(key)
    if text == section.text:
        return draft
    found_before = guard.draft_warnings(draft)
    _replace_text(section, text)
    verdict = guard.check_section(text, section.facts, draft.facts)
    section.flags, section.missing_facts = verdict.flags, verdict.missing_facts
    section.status = "flagged" if section.has_findings else "ok"
    _recheck_whole(draft, guard, found_before)
    return draft


def _recheck_whole(draft: Draft, guard: Guard, found_before: list[str]) -> None:
    """The guard's warnings on the whole draft as they are after a section changed: a plan part written
    since no longer lacks the items carried over from last year (the warning was saved once, and stayed)."""
    draft.warnings = [w for w in draft.warnings if w not in found_before] + guard.draft_warnings(draft)


def restore_version(draft: Draft, key: str, index: int, guard: Guard) -> Draft:
    """Bring back a previous version of a section (the current text becomes a previous version)."""
    section = draft.section(key)
    if not 0 <= index < len(section.previous_versions):
        raise UserError(f"“{key}”没有第 {index + 1} 个历史版本。")
    old = section.previous_versions.pop(index)
    return edit_section(draft, key, old, guard) if old != section.text else draft


def _replace_text(section: DraftSection, text: str) -> None:
    if section.text and section.status != "pending":
        section.previous_versions.append(section.text)
    section.text = text


def _pending(planned: PlannedSection) -> DraftSection:
    return DraftSection(
        key=planned.key,
        kind=planned.kind,
        heading=planned.heading,
        theme=planned.theme,
        budget_chars=planned.budget_chars,
        facts=planned.facts,
        status="pending",
    )


def offline_warnings(facts: Facts, engine: str) -> list[str]:
    """Lines set aside as instructions, and for the offline engine a note that it drafted without a model."""
    warnings = [f"这一行像是给模型的指令，已按数据处理、未写入草稿：{line}" for line in facts.flagged]
    if engine == OFFLINE_ENGINE:
        warnings.append(
            "本草稿由离线引擎生成（未配置大模型）：事实按原文列出，连接语句为通用公文表述，请通读润色。"
        )
    return warnings


class Closeable(Protocol):
    async def aclose(self) -> None: ...


async def closing(client: Closeable, work: Awaitable[T]) -> T:
    """Run `work`, then close the writer's or model's HTTP client inside the same event loop."""
    try:
        return await work
    finally:
        await client.aclose()
