"""The one service object the app and the command line share: everything both faces do goes through here.

It chooses the engine (model writer when an endpoint is configured, template writer otherwise),
runs the pipeline, saves drafts as they grow, and answers the checks, tone and import questions the
faces ask. Faces only adapt: forms and arguments in, text and files out.
"""

import asyncio
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from threading import Thread
from typing import TYPE_CHECKING

from drafting.access import Actor
from drafting.checks.guard import FACT_GUARD
from drafting.errors import JobStopped, NothingWritten, UserError
from drafting.memo import Memo
from drafting.models import factory
from drafting.models.protocol import ChatModel, TokenUsage
from drafting.settings import Settings
from drafting.storage.errors import DraftNotSaved as DraftNotSaved  # for the faces, which catch it
from drafting.storage.errors import SectionChanged as SectionChanged  # for the faces, which catch it
from drafting.writing.draft import Draft, DraftSection, section_gaps, section_name
from drafting.writing.facts import Facts
from drafting.writing.outline import Outline, checked_outline
from drafting.writing.pipeline import (
    Event,
    Listener,
    Pipeline,
    closing,
    edit_section,
    exemplar_query,
    offline_warnings,
    outline_of,
    restore_version,
)
from drafting.writing.planner import LocalPlanner, ModelPlanner, plan_locally, plan_with_model
from drafting.writing.prompts import tagged

if TYPE_CHECKING:
    from drafting.accounts import Quotas
    from drafting.accounts.metering import QuotaMeter
    from drafting.background import BackgroundJobs, Job
    from drafting.carryover.decisions import Decision
    from drafting.carryover.items import PreviousPlan
    from drafting.carryover.match import Carryover
    from drafting.carryover.sources import PreviousChoice
    from drafting.checks.copyguard import CopyWarning
    from drafting.checks.factguard import CheckResult
    from drafting.checks.proof import ProofFinding
    from drafting.checks.tone import NearSection, ToneReport
    from drafting.corpus.reports import Report, ReportMeta
    from drafting.materials import Extraction, Material
    from drafting.materials import Progress as MaterialProgress
    from drafting.models.factory import ModelFactory
    from drafting.output.evidence import EvidenceRow
    from drafting.retrieval.index import Progress
    from drafting.retrieval.library import Library, ScopedLibrary, SearchResults
    from drafting.retrieval.search import Mode
    from drafting.review.reimport import ReimportResult
    from drafting.storage import Database, DraftRepository, SettingsRepository
    from drafting.storage.claims import Claim, Claims
    from drafting.storage.drafts import DraftListing
    from drafting.storage.templates import StoredTemplate, UnitTemplates

MANNER_SAMPLE_CHARS = 800
MAX_QUERY_CHARS = 500
MERGE_ATTEMPTS = 5  # a rewritten section goes onto a draft saved meanwhile, however busy it is
DRAFT_ID = re.compile(r"[0-9a-f]{12}")
# The 起草 page shows a draft's checks and its Word and Excel files on every click; they are remembered per
# process by what they are made of (a few hundred KB for the files).
_SECTION_REVIEWS: Memo["SectionReview"] = Memo(512)  # without copies: the section and the facts alone
_SECTION_COPIES: Memo[list["CopyWarning"]] = Memo(512)
_FILES: Memo[bytes] = Memo(32)


def _digest(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


@dataclass
class SectionReview:
    """What the checks say about one section, for the app to show beside it."""

    flags: list[str] = field(default_factory=list)
    missing_facts: list[str] = field(default_factory=list)
    copies: list["CopyWarning"] = field(default_factory=list)
    proof: list["ProofFinding"] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)  # 【待补充…】, or the note of a section not written

    @property
    def open_findings(self) -> int:
        """What must be settled (or confirmed) before the files go out; proofreading is advice."""
        return len(self.flags) + len(self.missing_facts) + len(self.gaps)


def _review_section(section: DraftSection, facts: Facts) -> SectionReview:
    """The fact guard and proofreading: what the section's text says against the facts, whatever the
    corpus holds (the copy guard is the part that depends on it)."""
    from drafting.checks.factguard import guard_section
    from drafting.checks.proof import proofread

    if not _written(section):
        return SectionReview(gaps=section_gaps(section))
    guard = guard_section(section.text, section.facts, facts)
    return SectionReview(
        flags=guard.flags,
        missing_facts=guard.missing_facts,
        proof=proofread(section.text),
        gaps=section_gaps(section),
    )


def _written(section: DraftSection) -> bool:
    return section.status not in ("pending", "failed")


def _kept_with(rewritten: DraftSection, meanwhile: DraftSection) -> DraftSection:
    """The rewritten section, keeping as a version what the section became while it was being written (a
    hand edit in another tab) instead of writing over it."""
    based_on = rewritten.previous_versions[-1] if rewritten.previous_versions else ""
    if meanwhile.status == "pending" or meanwhile.text in ("", based_on, rewritten.text):
        return rewritten
    kept = rewritten.model_copy(deep=True)
    kept.previous_versions.append(meanwhile.text)
    return kept


class DraftingService:
    def __init__(
        self,
        settings: Settings,
        actor: Actor | None = None,
        library: "Library | None" = None,
        database: "Database | None" = None,
        models: "ModelFactory | None" = None,
        jobs: "BackgroundJobs | None" = None,
    ):
        """`models` builds the chat model from the settings (None: the offline engine drafts); tests pass
        one that returns a FunctionModel. Without it, the endpoint in the settings is used. `jobs` runs
        imports in the background (the process's queue unless a test passes its own)."""
        self.base_settings = settings
        self.models = models
        self._jobs = jobs
        self.actor = actor or Actor.local()
        if library is not None:  # an index already loaded (the app keeps one per process)
            self.library = library
        if database is not None:  # a database already open (the app's, while its index cannot open)
            self.database = database
        self._looking_ahead: Thread | None = None

    def acting_as(self, actor: Actor) -> "DraftingService":
        """The same parts (index, database, model factory, import queue) for `actor`, its settings read anew
        (an endpoint saved since is used)."""
        return DraftingService(
            self.base_settings,
            actor,
            library=self.__dict__.get("library"),
            database=self.__dict__.get("database"),
            models=self.models,
            jobs=self._jobs,
        )

    @cached_property
    def settings(self) -> Settings:
        """The environment's settings plus the chat endpoint an administrator saved in the app."""
        if self.base_settings.llm_configured:
            return self.base_settings
        from drafting.models.saved_endpoint import with_saved_endpoint

        return with_saved_endpoint(self.base_settings, self.endpoint_store)

    @cached_property
    def endpoint_store(self) -> "SettingsRepository":
        from drafting.models.saved_endpoint import endpoint_store

        return endpoint_store(self.base_settings, self.database)

    # --- parts, built on first use so a command only pays for what it touches -----------------------

    @cached_property
    def library(self) -> "Library":
        from drafting.retrieval.library import Library

        return Library(self.base_settings, self.database)

    @property
    def reports_in_scope(self) -> "ScopedLibrary":
        """The library as this user drafts with it: bundled, published and their own unit's reports."""
        return self.library.scoped(self.actor)

    @cached_property
    def database(self) -> "Database":
        from drafting.storage.opening import database_url, open_database_safely

        library = self.__dict__.get("library")
        if library is not None and database_url(library.settings) == database_url(self.base_settings):
            return library.database  # one connection pool per process: the app's library holds it
        return open_database_safely(self.base_settings)  # imports an old drafts.sqlite3; names the doctor

    @cached_property
    def drafts(self) -> "DraftRepository[Draft]":
        from drafting.storage import DraftRepository

        return DraftRepository(self.database, Draft)

    @cached_property
    def claims(self) -> "Claims":
        """The drafts being written now, by any process on the database."""
        from drafting.storage.claims import Claims

        return Claims(self.database)

    def chat_model(self, offline: bool = False) -> "ChatModel | None":
        """The model to write with, or None when the offline engine drafts."""
        return None if offline else (self.models or factory.build_chat_model)(self.settings)

    def uses_model(self, offline: bool = False) -> bool:
        return not offline and self.settings.llm_configured

    def _counted(self, model: ChatModel, meter: "QuotaMeter") -> ChatModel:
        """`model` with every call it makes counted against the quota as it is sent and streamed."""
        from drafting.accounts.metering import MeteredModel

        return MeteredModel(model, meter, self.settings.llm_model)

    def _pipeline(self, meter: "QuotaMeter", offline: bool, plans: bool = False) -> Pipeline:
        """The stages composed for this call; `plans` adds the planner (a draft with no outline given)."""
        from drafting.writing.model_writer import ModelWriter
        from drafting.writing.template_writer import TemplateWriter

        model = self.chat_model(offline)
        model = self._counted(model, meter) if model is not None else None
        writer = ModelWriter(model, self.settings) if model is not None else TemplateWriter()
        planner = None
        if plans:
            planner = (
                ModelPlanner(model)
                if model and self._may_plan_with_model(offline)
                else LocalPlanner(self._embedder())
            )
        return Pipeline(writer, FACT_GUARD, self.reports_in_scope, planner)

    def warm_up(self) -> None:
        """What a process's first draft would otherwise do while its user waits: import the chat client
        and build it for the configured endpoint (no request is made), load the tokenizer, the word
        segmenter with its whole dictionary, the index's embedder and keyword index, embed the themes for
        that embedder, and run the pipeline once offline on the example facts (nothing is saved, nothing
        charged). The server runs it in the background as it starts; the first streamed text of a
        process's first draft then comes about as soon as later drafts' do.

        What it loaded lives as long as the process, so it is then frozen out of the garbage collector:
        every full collection would otherwise traverse a few hundred thousand objects (0.1 s)."""
        import gc

        from langchain_openai import ChatOpenAI  # noqa: F401 - with openai: over a second of imports

        from drafting.models import openai_chat
        from drafting.models.tokens import count_tokens
        from drafting.resources import load_data
        from drafting.text.lexicon import load_whole_dictionary
        from drafting.writing.facts import parse_facts
        from drafting.writing.template_writer import TemplateWriter
        from drafting.writing.themes import prepare_themes

        count_tokens("工会", self.settings.llm_model)
        load_whole_dictionary()
        if self.uses_model():
            with suppress(UserError):  # a misconfigured endpoint is reported when a draft uses it
                model = self.chat_model()
                if isinstance(model, openai_chat.OpenAIChatModel):
                    model.client  # noqa: B018 - LangChain's client and its TLS set-up, the first build's cost
                    asyncio.run(model.aclose())
        exemplars = self.reports_in_scope  # opens the index, whose embedder the drafts plan with
        exemplars.search("职工之家建设", k=1)
        embed = self._embedder()
        prepare_themes(embed)
        pipeline = Pipeline(TemplateWriter(), FACT_GUARD, exemplars, LocalPlanner(embed))
        example = parse_facts(load_data("example_facts.yaml"))
        asyncio.run(closing(pipeline.writer, pipeline.write(None, example, lambda event: None)))
        gc.collect()
        gc.freeze()

    # --- outline -----------------------------------------------------------------------------------------

    def plan(self, facts: Facts, embed: bool = True) -> Outline:
        """The local outline: instant, no model. `embed` lets the embedder place facts no keyword claims."""
        return plan_locally(facts, self._embedder() if embed else None)

    def _embedder(self):  # noqa: ANN202 - a chromadb EmbeddingFunction
        loaded = "library" in self.__dict__  # the app's open index already holds an embedder: reuse it
        return self.library.index.embedder if loaded else factory.build_embedder(self.settings)

    def improve_outline(self, facts: Facts) -> tuple[Outline, TokenUsage]:
        """The model's grouping and headings (the optional planner)."""
        model = self.chat_model()
        if model is None:
            raise UserError("“请模型改进提纲”需要大模型：请先在“设置”里配置模型接口。")
        with self._metered(1) as meter:  # a short call: its prompt is charged as it is sent
            model = self._counted(model, meter)
            outline, usage = asyncio.run(closing(model, plan_with_model(model, facts)))
        return outline, usage

    # --- drafting ----------------------------------------------------------------------------------------

    def look_ahead(self, facts: Facts, outline: Outline | None = None, offline: bool = False) -> None:
        """Embed the searches a draft of `facts` will make, on a thread of their own, while this process still
        imports and opens the index (over a second): the draft's searches then find them done. Only with the
        bundled embedder, which loads without the index, and an outline given or planned here. A guess: a
        fact only the embedder can place may change a section's search, which is then embedded as usual."""
        if self.base_settings.embedder == "openai" or (
            outline is None and self._may_plan_with_model(offline)
        ):
            return
        from drafting.background import in_background
        from drafting.models import e5
        from drafting.retrieval.query import query_text

        def embed() -> None:
            try:
                planned = checked_outline(outline, facts)[0] if outline is not None else plan_locally(facts)
            except UserError:  # the draft itself says what is wrong with the outline
                return
            texts = [query_text(query) for section in planned.sections if (query := exemplar_query(section))]
            e5.query_vectors(texts, e5.load())

        # ranked as the draft that waits for it: below it, on a busy machine the draft waited 2 s longer
        self._looking_ahead = in_background("drafting-look-ahead", embed, below_pages=False)

    def _may_plan_with_model(self, offline: bool) -> bool:
        """Whether a model plans the outline when one writes: LLM_PLANNER, known without looking up the
        endpoint an administrator may have saved (that needs the database)."""
        return not offline and self.base_settings.llm_planner

    def draft(
        self,
        facts: Facts,
        outline: Outline | None = None,
        offline: bool = False,
        on_event: Listener | None = None,
        on_saved: Callable[[Draft], None] | None = None,
    ) -> Draft:
        """A complete draft, saved after the outline and after every section (nothing written is lost).

        A save the database refuses does not stop the writing: the finished draft is saved once more at
        the end, and if the database is still away, DraftNotSaved carries it to the face.
        """
        from drafting.storage.drafts import PartialSaves

        emit = on_event or (lambda event: None)
        dropped: list[str] = []
        if outline is not None:
            outline, dropped = checked_outline(outline, facts)
        if self._looking_ahead is not None:
            self._looking_ahead.join()  # the searches it embeds are this draft's: not twice at once

        held: list[Claim] = []

        def save(draft: Draft) -> None:
            if not held:  # before the first save: no process sees the draft without its claim
                held.append(self.claims.hold(draft.id))
            self._store(draft)  # copied once the draft is finished: a copy per section cost more than writing
            if on_saved:
                on_saved(draft)

        saves = PartialSaves(save)
        try:
            with self._metered(
                self.estimate(facts, outline)[0].total if self.uses_model(offline) else 0
            ) as meter:
                pipeline = self._pipeline(meter, offline, plans=outline is None)
                warnings = offline_warnings(facts, pipeline.writer.engine) + dropped
                draft = asyncio.run(
                    closing(pipeline.writer, pipeline.write(outline, facts, emit, saves, warnings))
                )
                saves.finish(draft)  # DraftNotSaved while the database is away
        finally:
            for claim in held:
                claim.release()
        self._back_up()
        if draft.sections and all(section.status == "failed" for section in draft.sections):
            stored = self.drafts.get(draft.id, self.actor).draft
            if any(section.status != "failed" for section in stored.sections):
                return stored  # written to meanwhile (a hand edit in another tab): kept as it is
            self.drafts.delete(draft.id, self.actor)  # a wrong key or address: no empty draft piles up
            raise NothingWritten(
                f"一部分也没有写成：{draft.sections[0].error.rstrip('。')}。没有保存这份草稿（要点没有改动）；"
                "请检查模型接口（应用的“设置”页，或 LLM_BASE_URL 等环境变量）后再生成。"
            )
        return draft

    def is_being_written(self, draft_id: str) -> bool:
        """Whether a process (this one or another on the database) is writing it now: its unwritten parts
        are still to come, not cut off."""
        return self.claims.is_held(draft_id)

    def write_unwritten(
        self, draft_id: str, offline: bool = False, on_section: Callable[[str, int, int], None] | None = None
    ) -> list[str]:
        """Write every part still unwritten (failed, or cut off when the page was left), one after another;
        `on_section(name, number, total)` as each starts. The parts that fail again are kept as they were
        and named in the returned messages. Refused (DraftBeingWritten) while another tab or process writes
        the draft: its parts would be paid for twice. Who may change it is asked first, so a draft this user
        may not see or change is neither claimed nor said to be in writing."""
        self.drafts.require_editable(draft_id, self.actor)
        claim = self.claims.hold(draft_id)
        try:
            unwritten = self.get(draft_id).unwritten()
            failures = []
            for number, section in enumerate(unwritten, 1):
                if on_section:
                    on_section(section_name(section.kind, section.heading), number, len(unwritten))
                try:
                    self.regenerate(draft_id, section.key, offline=offline)
                except JobStopped:
                    raise
                except UserError as error:
                    failures.append(str(error))
            return failures
        finally:
            claim.release()

    def regenerate(
        self,
        draft_id: str,
        key: str,
        instruction: str = "",
        offline: bool = False,
        on_event: Listener | None = None,
    ) -> Draft:
        opened = self.drafts.get(draft_id, self.actor)
        if not opened.editable:  # read-only: no model call (and no quota) for a text that cannot be saved
            self.drafts.require_editable(draft_id, self.actor)
        before = opened.draft.usage.model_copy()
        expected = self._section_estimate(opened.draft, key) if self.uses_model(offline) else 0
        with self._metered(expected) as meter:
            pipeline = self._pipeline(meter, offline)
            draft = asyncio.run(
                closing(pipeline.writer, pipeline.regenerate(opened.draft, key, instruction, on_event))
            )
        used = TokenUsage(
            prompt_tokens=draft.usage.prompt_tokens - before.prompt_tokens,
            completion_tokens=draft.usage.completion_tokens - before.completion_tokens,
        )
        return self._save_section(draft, key, opened.revision, used)

    def _save_section(self, draft: Draft, key: str, revision: int, used: TokenUsage) -> Draft:
        """Save one rewritten section. If the draft was saved elsewhere meanwhile (another tab edited
        another section while this one was being written), only this section goes onto that newer
        draft, so neither change erases the other."""
        from drafting.storage import ConflictError

        try:
            self.save(draft, revision)
            return draft
        except ConflictError:
            pass
        tries = 1
        while True:  # a third save may land between reading the latest and saving onto it
            latest = self.drafts.get(draft.id, self.actor)
            merged = latest.draft.model_copy(deep=True)
            merged.sections = [
                _kept_with(draft.section(key), s) if s.key == key else s for s in merged.sections
            ]
            merged.usage.add(used)
            try:
                self.save(merged, latest.revision)
                return merged
            except ConflictError:
                tries += 1
                if tries > MERGE_ATTEMPTS:
                    raise

    def rewrite_toward(self, draft_id: str, key: str, report_id: str) -> Draft:
        """Rewrite one section in the manner of a reference report, keeping its facts (the guard checks it)."""
        if not self.uses_model():
            raise UserError(
                "“按此范文语气改写”需要大模型：请先在“设置”里配置模型接口。离线引擎只能换一种通用表述。"
            )
        draft = self.get(draft_id)
        reference = self.report(report_id)
        same_part = reference.parsed().part(draft.section(key).kind)
        sample = (
            "\n".join(s.text() for s in same_part)[:MANNER_SAMPLE_CHARS]
            or reference.body[:MANNER_SAMPLE_CHARS]
        )
        instruction = (
            "请参考下面范文的语气、句式和行文节奏改写本节，只学它的写法，不得使用其中的任何事实、数字或单位名称：\n"
            + tagged("manner", [sample], source=reference.meta.title)
        )
        return self.regenerate(draft_id, key, instruction)

    def edit(self, draft_id: str, key: str, text: str, based_on: str | None = None) -> Draft:
        """The section's new text, onto the stored draft (other sections changed meanwhile are kept).
        `based_on` is the text the user started from: if the section changed since (a fix, a
        regeneration, a colleague), SectionChanged, so a box opened before never undoes that change."""
        stored, revision = self.get_with_revision(draft_id)
        if based_on is not None and stored.section(key).text != based_on:
            raise SectionChanged()
        draft = edit_section(stored, key, text, FACT_GUARD)
        self.save(draft, revision if based_on is not None else None)
        return draft

    def restore(self, draft_id: str, key: str, index: int) -> Draft:
        draft = restore_version(self.get(draft_id), key, index, FACT_GUARD)
        self.save(draft)
        return draft

    # --- the draft store -----------------------------------------------------------------------------------

    def save(self, draft: Draft, revision: int | None = None) -> int:
        saved = self._store(draft, revision)
        self._back_up()
        return saved

    def _store(self, draft: Draft, revision: int | None = None) -> int:
        return self.drafts.save(draft, self.actor, revision, open_findings=draft.has_findings)

    def _back_up(self) -> None:
        """Ask for the copy after a save (and the hourly backup when one is due), made in the background."""
        from drafting.storage import resolve_database_url
        from drafting.storage.backup import AFTER_SAVE

        AFTER_SAVE.request(
            self.base_settings.data_dir,
            resolve_database_url(self.base_settings.data_dir, self.base_settings.database_url),
        )

    def get(self, draft_id: str) -> Draft:
        """A saved draft, its 参考 excerpts limited to reports this user may still draft with."""
        return self.get_with_revision(draft_id)[0]

    def get_with_revision(self, draft_id: str) -> tuple[Draft, int]:
        """`get`, with the revision it was read at: what the 起草 page keys per-version choices by."""
        stored = self.drafts.get(draft_id, self.actor)
        draft = stored.draft
        cited = {hit.report for section in draft.sections for hit in section.sources}
        if cited:
            allowed = self.reports_in_scope.still_allowed(cited)
            for section in draft.sections:
                section.sources = [hit for hit in section.sources if hit.report in allowed]
        return draft, stored.revision

    def revision(self, draft_id: str) -> int:
        return self.drafts.revision(draft_id, self.actor)

    def list_drafts(self) -> list["DraftListing"]:
        return self.drafts.list(self.actor)

    def delete(self, draft_id: str) -> None:
        self.drafts.delete(draft_id, self.actor)

    def share(self, draft_id: str, shared: bool = True) -> None:
        """Let colleagues of the same unit read a draft (only its owner may still change it)."""
        self.drafts.share(draft_id, self.actor, shared)

    # --- checks -----------------------------------------------------------------------------------------------

    def review(self, draft: Draft) -> dict[str, SectionReview]:
        """Per section: the fact guard (re-run, so edited text counts), copy warnings and proofreading.
        Each section is checked once per process for the same text and facts, and compared once with the
        same reports: after 重新生成 or an edit only that section is checked again, and after an import
        only the copy guard runs again. Callers must not change the lists in the result: they are shared."""
        facts = _digest(draft.facts.model_dump_json())
        keys = {
            section.key: (
                _digest(section.model_dump_json(include={"text", "facts", "status", "error"})),
                facts,
            )
            for section in draft.sections
        }
        known = _SECTION_REVIEWS.recall(keys.values())
        if unchecked := [section for section in draft.sections if keys[section.key] not in known]:
            checked = {keys[section.key]: _review_section(section, draft.facts) for section in unchecked}
            _SECTION_REVIEWS.keep(checked)
            known |= checked
        copies = self._copies(draft)
        return {
            section.key: replace(known[keys[section.key]], copies=copies.get(section.key, []))
            for section in draft.sections
        }

    def _copies(self, draft: Draft) -> dict[str, list["CopyWarning"]]:
        """The copy guard per written section, against the reports this user drafts with."""
        from drafting.checks.copyguard import copied_from

        context = (self.reports_in_scope.scope, self.library.corpus.fingerprint())
        keys = {
            section.key: (_digest(section.text), *context) for section in draft.sections if _written(section)
        }
        known = _SECTION_COPIES.recall(keys.values())
        if unchecked := [key for key in keys if keys[key] not in known]:
            reports = self.reports_in_scope.reports()
            whose = self.reports_in_scope.scope.owners
            found = {keys[key]: copied_from(draft.section(key).text, reports, whose) for key in unchecked}
            _SECTION_COPIES.keep(found)
            known |= found
        return {key: known[digest] for key, digest in keys.items()}

    def check(self, text: str, facts: Facts) -> tuple["CheckResult", list["CopyWarning"]]:
        from drafting.checks.copyguard import copied_from
        from drafting.checks.factguard import check_draft
        from drafting.output.evidence import APPENDIX_TITLE

        # an export's 附件：事实依据表 quotes the sources, not the report
        text, _, _ = text.partition(APPENDIX_TITLE)
        scoped = self.reports_in_scope
        return check_draft(text, facts), copied_from(text, scoped.reports(), scoped.scope.owners)

    def tone(self, text: str, references: list[str] | None = None) -> "ToneReport":
        """Tone against chosen reports (ids or files), or the corpus reports of the text's own unit type."""
        from drafting.checks.tone import compare

        return compare(text, self.tone_references(text, references or []))

    def nearest_sections(self, text: str) -> "list[NearSection]":
        """Each paragraph's closest section among the reports this user may see."""
        from drafting.checks.tone import nearest_sections

        return nearest_sections(text, self.reports_in_scope)

    def tone_references(self, text: str, chosen: list[str]) -> list[str]:
        from drafting.corpus.classify import guess_unit_type
        from drafting.documents import read_document

        if chosen:
            return [
                read_document(Path(ref)) if Path(ref).is_file() else self.report(ref).body for ref in chosen
            ]
        reports = self.reports_in_scope.reports()
        unit = guess_unit_type(text)
        return [r.body for r in reports if r.meta.unit_type == unit] or [r.body for r in reports]

    def text_of(self, value: str) -> str:
        """A file's text, a saved draft's text, or the argument itself."""
        from drafting.documents import SUPPORTED_SUFFIXES, read_document
        from drafting.documents.text import count_chinese

        path = Path(value)
        if path.suffix.lower() in SUPPORTED_SUFFIXES:
            # as written: a half-width comma the reader would tidy away is what the proofreader must flag
            return read_document(path, as_written=True)  # a missing file is a Chinese error
        if len(value.encode()) < 256 and "\n" not in value and path.suffix and path.is_file():
            raise UserError(
                f"“{path.name}”的格式不能核对：可以是 {'、'.join(sorted(SUPPORTED_SUFFIXES))} 文件"
                "（.odt 等请在原软件中另存为 .docx），或已保存的草稿编号。"
            )
        if DRAFT_ID.fullmatch(value):
            return self.get(value).markdown(signature=False)  # the text: its 落款 is not a claim to check
        if not count_chinese(value):  # a mistyped draft number or file name, not a text to check
            raise UserError(
                f"“{value[:40]}”既不是找得到的文件，也不是已保存的草稿编号（12 位，可用 drafting list 查看）；"
                "要核对一段文字，请直接写出这段文字。"
            )
        return value

    # --- the report library ------------------------------------------------------------------------------------

    def import_upload(self, name: str, data: bytes, progress: "Progress | None" = None) -> "Report":
        """Store and index a report for the user's unit (private to it until an admin publishes it)."""
        return self.library.add_upload(name, data, self.actor, progress)

    def start_import(self, name: str, data: bytes) -> "Job":
        """Import an upload in the background; the job's progress and outcome are its owner's to follow
        (`import_jobs`), on this page view or a later one."""
        return self._background.start(
            self.actor.user_id, name, lambda progress: self.import_upload(name, data, progress)
        )

    def import_jobs(self) -> list["Job"]:
        """This user's imports still running, or finished and not yet shown (mark them `seen` once shown)."""
        return self._background.of(self.actor.user_id)

    @property
    def _background(self) -> "BackgroundJobs":
        from drafting.background import JOBS

        return self._jobs or JOBS

    def import_file(self, path: Path, progress: "Progress | None" = None) -> "Report":
        return self.library.add(path, self.actor, progress)

    def search(
        self,
        query: str,
        k: int = 5,
        part: str | None = None,
        unit_type: str | None = None,
        mode: "Mode" = "hybrid",
    ) -> "SearchResults":
        """Passages like `query`; a query over MAX_QUERY_CHARS is refused (one 100,000-character query held
        the server for minutes while a colleague's searches waited)."""
        if len(query) > MAX_QUERY_CHARS:
            raise UserError(
                f"检索的文字有 {len(query)} 字，最多 {MAX_QUERY_CHARS} 字：请用几个关键词或一句话检索。"
            )
        return self.reports_in_scope.search(query, k=k, part=part, unit_type=unit_type, mode=mode)

    def report(self, report_id: str) -> "Report":
        """A report this user drafts with; another unit's private report is "not found", as if absent."""
        return self.library.corpus.get(report_id, self.actor, self.reports_in_scope.scope)

    def list_reports(self) -> list["ReportMeta"]:
        """What 范文库 lists: bundled, published and the user's unit's reports (every unit's for an admin)."""
        return self.library.corpus.listed(self.actor)

    def listed_report(self, report_id: str) -> "Report":
        """One report 范文库 lists, to read (an administrator reads every unit's; drafting uses `report`)."""
        return self.library.corpus.get(report_id, self.actor)

    def remove_report(self, report_id: str) -> "Report":
        return self.library.remove(report_id, self.actor)

    def publish_report(self, report_id: str, published: bool = True) -> None:
        """Share a unit's report with every unit (administrators only); search sees it at once."""
        self.library.corpus.store.publish(report_id, self.actor, published)

    def is_published(self, report_id: str) -> bool:
        return report_id in self.library.corpus.store.published_ids()

    # --- cost -----------------------------------------------------------------------------------------------------

    @cached_property
    def quotas(self) -> "Quotas":
        from drafting.accounts import Quotas

        return Quotas(self.database)

    def remaining_tokens(self) -> int | None:
        """Tokens this user may still use today (None: no quota applies)."""
        return self.quotas.remaining_tokens(self.actor)

    @contextmanager
    def _metered(self, expected_tokens: int) -> Iterator["QuotaMeter"]:
        """Reserve the expected tokens before any model call, then charge what the job really used, however
        it ends: finished, failed, or abandoned when the user clicked elsewhere mid-stream.

        Reserving first means an over-quota user never gets a half-written draft, and tabs started at
        once cannot all spend the same remainder.
        """
        from drafting.accounts.metering import QuotaMeter
        from drafting.storage.errors import StorageUnavailable

        meter = QuotaMeter(self.quotas, self.actor)
        meter.reserve(expected_tokens)
        try:
            yield meter
        except BaseException:
            with suppress(StorageUnavailable):  # the job's own error says more than a failed settlement
                meter.settle()
            raise
        meter.settle()

    def _section_estimate(self, draft: Draft, key: str) -> int:
        """The tokens one section's rewrite is expected to take."""
        from drafting.writing.estimate import estimate

        outline = outline_of(draft)
        one = outline.model_copy(update={"sections": [s for s in outline.sections if s.key == key]})
        return estimate(one, draft.facts, self.settings.model_copy(update={"llm_planner": False})).total

    def estimate(self, facts: Facts, outline: Outline | None = None) -> tuple[TokenUsage, float]:
        from drafting.writing.estimate import cost, estimate

        usage = estimate(outline or self.plan(facts, embed=False), facts, self.settings)
        return usage, cost(usage, self.settings)

    # --- materials: facts with their sources (issue 18) -------------------------------------------------------

    def extract_materials(
        self, materials: list["Material"], offline: bool = False, progress: "MaterialProgress | None" = None
    ) -> "Extraction":
        """Candidate facts, conflicts and set-aside text from uploaded materials (never added to 范文库)."""
        from drafting.materials.extract import extract

        model = self.chat_model(offline)
        if model is None:
            return asyncio.run(extract(materials, progress=progress))[0]
        with self._metered(1) as meter:
            model = self._counted(model, meter)
            extraction, _ = asyncio.run(closing(model, extract(materials, model, progress)))
        return extraction

    def evidence(self, draft_id: str) -> list["EvidenceRow"]:
        """The 事实依据表 of a saved draft: each sentence, its fact and that fact's sources."""
        from drafting.output.evidence import evidence_rows

        return evidence_rows(self.get(draft_id))

    def correct_fact(self, draft_id: str, old: str, new: str, offline: bool = False) -> Draft:
        """Correct a fact once (17户 → 18户): every section that used it is rewritten, old versions kept."""
        from drafting.writing.facts import parse_facts
        from drafting.writing.template_writer import OFFLINE_ENGINE

        draft = self.get(draft_id)
        if old not in draft.facts.facts:
            raise UserError(f"草稿的要点里没有“{old}”，请从要点列表中选择要更正的一条。")
        data = draft.facts.model_dump(exclude={"flagged"})
        data["facts"] = [new if fact == old else fact for fact in draft.facts.facts]
        data["sources"] = {(new if k == old else k): v for k, v in draft.facts.sources.items()}
        for row in (data["carryover"] or {}).get(
            "rows", []
        ):  # the confirmed 对照表 rests on the corrected fact
            row["facts"] = [new if fact == old else fact for fact in row["facts"]]
        draft.facts = parse_facts(data)
        used = [s.key for s in draft.sections if old in s.facts]
        for section in draft.sections:
            section.facts = [new if fact == old else fact for fact in section.facts]
        self.save(draft)
        for key in used:
            draft = self.regenerate(draft_id, key, offline=offline or draft.engine == OFFLINE_ENGINE)
        return draft

    # --- the Word round trip: exports that know their draft, edited files merged back, the unit's template

    def export_docx(self, draft_id: str, comments: bool = False, evidence: bool = False) -> bytes:
        """The saved draft as Word with its id and version inside, in the unit's template if it has one;
        `comments` writes the open findings as Word comments (批注), `evidence` appends 附件：事实依据表."""
        from drafting.output.docx import draft_to_docx
        from drafting.output.identity import ExportIdentity

        stored = self.drafts.get(draft_id, self.actor)  # first: whether this user may have it at all
        template = self.unit_templates.get(self.actor)
        data = template.data if template else None
        draft, revision = stored.draft, stored.revision
        key = ("docx", _digest(draft.model_dump_json()), revision, comments, evidence, _digest(data or b""))
        return _FILES.get(
            key, lambda: draft_to_docx(draft, ExportIdentity.of(draft, revision), comments, data, evidence)
        )

    def export_evidence(self, draft_id: str) -> bytes:
        """The 事实依据表 as an Excel workbook (.xlsx)."""
        from drafting.output.evidence import evidence_rows, evidence_xlsx

        draft = self.get(draft_id)
        return _FILES.get(
            ("xlsx", _digest(draft.model_dump_json())), lambda: evidence_xlsx(evidence_rows(draft))
        )

    def reimport(self, name: str, data: bytes) -> "ReimportResult":
        """Merge a Word file edited by reviewers back into its draft (drafting/review/reimport.py)."""
        from drafting.review.reimport import reimport

        return reimport(name, data, self.drafts, self.actor, self.save)

    @cached_property
    def unit_templates(self) -> "UnitTemplates":
        from drafting.storage.templates import UnitTemplates

        return UnitTemplates(self.database)

    def set_unit_template(self, name: str, data: bytes) -> None:
        """Store the unit's own Word template (administrators); refused in Chinese if exports could not use it."""
        from drafting.output.template import check_template

        check_template(name, data)
        self.unit_templates.put(self.actor, name, data)

    def unit_template(self) -> "StoredTemplate | None":
        return self.unit_templates.get(self.actor)

    def remove_unit_template(self) -> None:
        self.unit_templates.remove(self.actor)

    # --- last year's plan against this year's facts (上年计划对照) ----------------------------------------

    def previous_plan(self, previous: "str | Material") -> "PreviousPlan":
        """Last year's plan items from a file, an upload, a saved draft id, or a 范文库 report id."""
        from drafting.carryover import sources
        from drafting.documents import SUPPORTED_SUFFIXES

        if not isinstance(previous, str):
            return sources.from_upload(previous.name, previous.data)
        path = Path(previous)
        if path.suffix.lower() in SUPPORTED_SUFFIXES or path.is_file():
            return sources.from_file(path)
        if DRAFT_ID.fullmatch(previous):
            return sources.from_draft(self.get(previous))
        return sources.from_report(self.report(previous))

    def previous_choices(self, period: str) -> list["PreviousChoice"]:
        """What the 起草 page offers as last year's report for `period`: own drafts and reports first,
        last year's first."""
        from drafting.carryover.sources import previous_choices

        return previous_choices(period, self.drafts.titles(self.actor), self.list_reports())

    def carryover(self, previous: "str | Material", facts: Facts, offline: bool = False) -> "Carryover":
        """Each of last year's plan items against this year's facts; a configured model settles borderline ones."""
        from drafting.carryover.judge import judge_borderline
        from drafting.carryover.match import compare

        loaded = "library" in self.__dict__  # the app's open index already holds an embedder: reuse it
        embed = self.library.index.embedder if loaded else factory.build_embedder(self.settings)
        result = compare(self.previous_plan(previous), facts.facts, embed)
        model = self.chat_model(offline)
        if model is None or not any(item.candidates for item in result.items):
            return result
        with self._metered(1) as meter:
            model = self._counted(model, meter)
            result, _ = asyncio.run(closing(model, judge_borderline(model, result)))
        return result

    def confirm_carryover(self, facts: Facts, carryover: "Carryover", decisions: list["Decision"]) -> Facts:
        """The facts to draft from: the user's choices applied, the confirmed table attached for the tally."""
        from drafting.carryover.decisions import confirm

        return confirm(facts, carryover, decisions)


__all__ = ["DraftingService", "Event", "SectionReview"]
