"""The corpus and its index together: what the CLI and the app call to add, remove, index and search.

One Library serves every user of a process. The index holds every unit's chunks, each marked with its
owner; a search is always given a Scope (the user's unit, the bundled and the published reports), and
both the keyword and the vector side filter by it, so one unit's private text never reaches another.

The index can fall behind the corpus: an import or a build killed halfway leaves reports whose chunks
are missing. So before searching, the Library compares the chunk ids the corpus calls for (cached in
`index/manifest.json`, keyed by the corpus fingerprint) with the ids the collection holds — ids only,
no vectors, no embedding — and repairs any difference in a background thread. Meanwhile results come
back marked incomplete, with a notice the faces show.
"""

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import yaml

from drafting.access import EVERYTHING, Actor, Scope
from drafting.corpus.reports import Corpus, Report
from drafting.documents import read_document_bytes
from drafting.errors import UserError
from drafting.retrieval.chunking import Chunk, chunk_report, within_import_budget
from drafting.retrieval.hit import Hit
from drafting.retrieval.index import (
    BuildResult,
    IndexDamaged,
    Progress,
    SectionIndex,
    index_errors,
)
from drafting.retrieval.keyword import KeywordIndex
from drafting.retrieval.search import Mode, Searcher, keyword_dir
from drafting.settings import Settings

if TYPE_CHECKING:
    from drafting.storage import Database

MANIFEST_FILE = "manifest.json"
RECHECK_SECONDS = 1.0  # how stale a search may take the corpus fingerprint and the stored chunk count

logger = logging.getLogger(__name__)
R = TypeVar("R")


@dataclass(frozen=True)
class IndexStatus:
    """How far the index is from the corpus; `running` while a background repair works on it."""

    chunks_expected: int
    chunks_indexed: int
    chunks_stale: int = 0
    running: bool = False
    problem: str = ""  # why the last repair failed

    @property
    def complete(self) -> bool:
        return not self.running and self.chunks_indexed == self.chunks_expected and not self.chunks_stale

    @property
    def notice(self) -> str:
        """What a face shows next to results from an incomplete index ('' when it is complete)."""
        done = f"{self.chunks_indexed}/{self.chunks_expected}"
        if self.complete:
            return ""
        if self.running:
            return f"索引正在修复（已完成 {done}），结果可能不全。"
        if self.problem:
            return f"索引不完整（已有 {done} 段），自动修复没有成功：{self.problem}"
        return f"索引不完整（已有 {done} 段），结果可能不全。请运行 `drafting index` 补全索引。"


class SearchResults(list[Hit]):
    """The hits, plus the index status when the index was incomplete at the time of the search."""

    def __init__(self, hits: list[Hit], status: IndexStatus | None = None):
        super().__init__(hits)
        self.status = status

    @property
    def incomplete(self) -> bool:
        return self.status is not None and not self.status.complete

    @property
    def notice(self) -> str:
        return self.status.notice if self.status else ""


class CorpusUnreadable(UserError):
    """A report file cannot be read, so neither the corpus nor its index can be loaded."""

    def __init__(self, error: Exception):
        super().__init__(
            f"范文库里有无法读取的范文文件（{str(error)[:200]}）。请运行 `drafting doctor --repair`："
            "它会把无法读取的文件移到一边保留（不删除），其余范文照常使用。"
        )


class ExpectedChunks:
    """The manifest: which chunk ids the corpus calls for, recomputed only when the corpus changes.

    Kept in `index/manifest.json` next to a local index; with a chroma server (nothing on local disk)
    only in memory.
    """

    def __init__(self, corpus: Corpus, path: Path | None):
        self.corpus = corpus
        self.path = path
        self._cached: tuple[str, frozenset[str]] | None = None
        # the chunks behind the last computed ids, kept for the build an incomplete index calls for
        # (parsing every report takes seconds) and let go of otherwise: at scale they are hundreds of MB
        self._parsed: tuple[str, dict[str, Chunk]] | None = None
        # report id -> (digest of its metadata and text, its chunk ids): while an import is being embedded
        # the corpus is ahead of the manifest, and every search in that time would parse every report
        self._ids_of: dict[str, tuple[str, tuple[str, ...]]] = {}

    def fingerprint(self) -> str:
        return self.corpus.fingerprint()

    def ids(self) -> frozenset[str]:
        fingerprint = self.fingerprint()
        cached = self._cached or self._load()
        if cached and cached[0] == fingerprint:
            self._cached = cached
            return cached[1]
        ids, parsed = self._chunk_ids(readable_reports(self.corpus))
        self._parsed = (fingerprint, parsed) if len(parsed) == len(ids) else None
        self.save(fingerprint, ids)
        return ids

    def _chunk_ids(
        self, reports: list[Report], known: dict[str, tuple[str, tuple[str, ...]]] | None = None
    ) -> tuple[frozenset[str], dict[str, Chunk]]:
        """The reports' chunk ids, and the chunks of those parsed now: only the reports new or changed
        since the last time (`known`, by default the ids kept from then), every report the first time.
        Searching threads may run this at once while a build runs: each fills a dict of its own, and the
        kept ids are replaced, never emptied."""
        known, fresh = self._ids_of if known is None else known, {}
        parsed: dict[str, Chunk] = {}
        for report in reports:
            digest = hashlib.sha1(f"{report.meta.model_dump_json()}\0{report.body}".encode()).hexdigest()
            ids = known.get(report.meta.id)
            if ids is None or ids[0] != digest:
                chunks = chunk_report(report)
                parsed.update((chunk.id, chunk) for chunk in chunks)
                ids = (digest, tuple(chunk.id for chunk in chunks))
            fresh[report.meta.id] = ids
        self._ids_of = fresh
        return frozenset(chunk_id for _, chunk_ids in fresh.values() for chunk_id in chunk_ids), parsed

    def chunks(self) -> dict[str, Chunk]:
        """Every chunk the corpus calls for; those parsed for the last ids when the corpus is unchanged."""
        fingerprint = self.fingerprint()
        parsed, self._parsed = self._parsed, None
        if parsed and parsed[0] == fingerprint:
            return parsed[1]
        return self._chunk_ids(readable_reports(self.corpus), known={})[1]  # every report parsed

    def release(self) -> None:
        self._parsed = None

    def save(self, fingerprint: str, ids: frozenset[str]) -> None:
        self._cached = (fingerprint, ids)
        if self.path is None:
            return
        data = json.dumps({"fingerprint": fingerprint, "chunk_ids": sorted(ids)})
        partial = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(data, encoding="utf-8")
            partial.replace(self.path)
        except OSError as error:  # only a cache: the next start computes it again
            logger.warning("could not save the index manifest: %s", error)
            partial.unlink(missing_ok=True)

    def _load(self) -> tuple[str, frozenset[str]] | None:
        if self.path is None:
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return str(data["fingerprint"]), frozenset(data["chunk_ids"])
        except (OSError, ValueError, KeyError, TypeError):
            return None


def readable_reports(corpus: Corpus) -> list[Report]:
    """All reports, or CorpusUnreadable (naming the fix) when one file is broken."""
    try:
        return corpus.reports()
    # pydantic's ValidationError and UnicodeDecodeError are ValueErrors
    except (UserError, ValueError, yaml.YAMLError) as error:
        raise CorpusUnreadable(error) from error


class Library:
    """Keeps the index in step with the corpus: a report is indexed when added and unindexed when removed."""

    def __init__(self, settings: Settings, database: "Database | None" = None):
        self.settings = settings
        if database is not None:
            self.database = database
        self._writing = threading.RLock()  # one build at a time in this process (re-entered by `corpus`)
        self._state = threading.Lock()  # guards _repair and _status
        self._repair: threading.Thread | None = None
        self._status: IndexStatus | None = None
        self._checked: tuple[str, int] | None = None  # (corpus fingerprint, stored chunks) last compared
        self._checked_at = 0.0  # when (time.monotonic()) a search last read them
        self._keywords_stale = False  # chunks changed here: the next searcher rebuilds the keyword index
        self._opening = threading.Lock()  # one searcher opened at a time; the other searches then use it
        self._searcher: tuple[int, Searcher] | None = None  # with the number of changes it has seen
        self._standing_in: Searcher | None = None  # answers searches while a build here opens the next one
        self._changes = 0  # changes to the stored chunks made in this process

    @cached_property
    def database(self) -> "Database":
        from drafting.storage.opening import open_database_safely

        return open_database_safely(self.settings)

    @cached_property
    def corpus(self) -> Corpus:
        """Bundled files plus the database's reports; reports earlier versions kept as files move in once."""
        from drafting.storage import ReportRepository

        corpus = Corpus(self.settings.corpus_dir, ReportRepository(self.database))
        with self._writing:
            try:
                corpus.adopt_files(self.settings.user_corpus_dir, Actor.local())
            except (UserError, ValueError, yaml.YAMLError) as error:
                raise CorpusUnreadable(error) from error
        return corpus

    @cached_property
    def expected(self) -> ExpectedChunks:
        local = None if self.settings.chroma_host else self.settings.index_dir / MANIFEST_FILE
        return ExpectedChunks(self.corpus, local)

    @cached_property
    def index(self) -> SectionIndex:
        return SectionIndex(self.settings)

    @property
    def searcher(self) -> Searcher:
        """The searcher over the chunks as stored. One opened while a build here changed them answers the
        search that opened it but is not kept: kept, it would miss the new chunks until the next change.
        While a build here opens the searcher over its change, the one before answers (`_chunks_changed`)."""
        if (standing_in := self._standing_in) is not None:
            return standing_in
        with self._opening:
            changes = self._changes
            if self._searcher is not None and self._searcher[0] == changes:
                return self._searcher[1]
            with index_errors(self.settings):
                searcher = Searcher(self.index, keyword_dir(self.settings), rebuild=self._keywords_stale)
            if changes == self._changes:
                self._searcher, self._keywords_stale = (changes, searcher), False
            return searcher

    # --- is the index complete? ---------------------------------------------------------------------------

    def check(self) -> IndexStatus:
        """Compare the chunk ids the corpus calls for with those stored (cheap: no vectors are read)."""
        return self._compare()[0]

    def repair_status(self) -> IndexStatus:
        """The last known status, with progress while a background repair runs."""
        with self._state:
            if self._status is not None:
                return self._status
        return self.check()

    def start_repair(self) -> IndexStatus:
        """Check the index and, when it is behind the corpus, complete it in a background thread."""
        if running := self._running_status():
            return running
        status = self.check()
        if status.complete:
            return status
        with self._state:
            if self._repair_alive() and self._status is not None:
                return self._status  # another thread started one meanwhile
            running = self._status = replace(status, running=True, problem="")
            self._repair = threading.Thread(
                target=self._repair_in_background, args=(status,), name="index-repair", daemon=True
            )
            self._repair.start()
        return running

    def wait_for_repair(self, timeout: float | None = None) -> IndexStatus:
        repair = self._repair
        if repair is not None:
            repair.join(timeout)
        return self.repair_status()

    def ensure_built(self, progress: Progress | None = None) -> IndexStatus:
        """Make the index complete now, waiting for a background repair; returns what was found first."""
        self.wait_for_repair()
        status = self.check()
        if not status.complete:
            self.build(progress)
        return status

    # --- changing the index -----------------------------------------------------------------------------------

    def build(self, progress: Progress | None = None, added: Report | None = None) -> BuildResult:
        """Bring the index to what the corpus calls for; `added`, a report just imported, is then all that
        is parsed when its chunks are all that is missing."""
        with self._writing, self._forgetting_damage():
            wanted = self.expected.ids()
            result = self.index.sync_chunks(wanted, lambda missing: self._chunks_of(missing, added), progress)
            if result.added or result.removed:
                self._chunks_changed()
            with self._state:
                self._status = IndexStatus(len(wanted), len(wanted))
        return result

    def _chunks_of(self, missing: set[str], added: Report | None) -> dict[str, Chunk]:
        if added is not None and missing <= (chunks := {c.id: c for c in chunk_report(added)}).keys():
            return chunks
        return self.expected.chunks()  # a new or damaged index: every report

    def add(self, path: Path, actor: Actor, progress: Progress | None = None) -> Report:
        """Store and index a user's report file; if indexing fails the report is taken out again.

        A process killed in between leaves the report stored but not indexed: the next check sees its
        chunks missing and indexes them.
        """
        return self._indexed(self.corpus.add_file(path, actor, within_import_budget), actor, progress)

    def add_upload(self, name: str, data: bytes, actor: Actor, progress: Progress | None = None) -> Report:
        """Store and index an uploaded file; its name is data only (see Corpus.add_text)."""
        return self._indexed(
            self.corpus.add_text(read_document_bytes(name, data), name, actor, within_import_budget),
            actor,
            progress,
        )

    def _indexed(self, report: Report, actor: Actor, progress: Progress | None) -> Report:
        try:
            self.build(progress, added=report)
        except Exception:
            self.corpus.remove(report.meta.id, actor)
            self.build()
            raise
        return report

    def remove(self, report_id: str, actor: Actor) -> Report:
        with self._writing, self._forgetting_damage():
            report = self.corpus.remove(report_id, actor)
            self.index.remove_report(report_id)
            self._chunks_changed()
        return report

    def damaged_keyword_files(self) -> list[str]:
        """Files of the saved keyword index (BM25 and vectors) whose bytes no longer match their
        checksum; none when there is no saved index yet (the next search builds it)."""
        keywords = KeywordIndex.open(keyword_dir(self.settings))
        return keywords.damaged_files() if keywords is not None else []

    def rebuild_keywords(self) -> None:
        """Write the keyword index afresh from the chunks stored in chroma (no embedding)."""
        with self._writing:
            self._forget_searcher()
            self.searcher  # noqa: B018 - opening the searcher is what rebuilds it

    def close(self) -> None:
        """Let go of the index files (before they are moved aside, or after they were found damaged)."""
        index = self.__dict__.pop("index", None)
        self._changes += 1  # a searcher being opened on the closed index is not kept
        self._searcher = self._standing_in = None
        if index is not None:
            index.close()

    # --- searching ------------------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 5,
        part: str | None = None,
        unit_type: str | None = None,
        mode: Mode = "hybrid",
        scope: Scope = EVERYTHING,
    ) -> SearchResults:
        """Hits within the scope from the index as it is; when it is behind the corpus, a repair starts
        and the results say so."""

        def hits() -> SearchResults:
            status = self._status_before_search()
            found = self.searcher.search(query, k=k, part=part, unit_type=unit_type, mode=mode, scope=scope)
            return SearchResults(found, None if status.complete else status)

        return self._reading(hits)

    def closest(self, queries: list[str], scope: Scope = EVERYTHING) -> list[Hit | None]:
        """Each query's nearest chunk in the scope by embedding alone, scored by cosine (see Searcher.closest)."""

        def nearest() -> list[Hit | None]:
            self._status_before_search()
            return self.searcher.closest(queries, scope)

        return self._reading(nearest)

    def _reading(self, read: Callable[[], R]) -> R:
        """`read`, tried once more on a freshly opened index when chroma fails it. Another process that
        writes the same embedded store (`drafting corpus add` while the app runs) leaves this process's
        open client failing every read ("Error finding id") until it is reopened: that is not damage, and
        the user must not be sent to `drafting doctor --repair` for it. Real damage fails again."""
        try:
            with self._forgetting_damage():
                return read()
        except IndexDamaged as error:
            logger.info("index read failed, reopening it once: %s", error)
        with self._forgetting_damage():
            return read()

    def scoped(self, actor: Actor) -> "ScopedLibrary":
        return ScopedLibrary(self, self.corpus.scope_for(actor))

    def _status_before_search(self) -> IndexStatus:
        """Compared with the corpus only when the corpus or the stored chunk count changed (here or in
        another process): a full id comparison reads every id, too slow for each query at scale. The
        fingerprint and the count are read at most every RECHECK_SECONDS while the index is complete
        (chroma's count holds the GIL; it was 4% of the server's Python time in the soak); a change made
        in this process clears them at once, one made by another process is seen within that time."""
        if running := self._running_status():
            return running
        with self._state:
            status = self._status
        recent = time.monotonic() - self._checked_at < RECHECK_SECONDS
        if recent and self._checked is not None and status is not None and status.complete:
            return status
        checked = (self.expected.fingerprint(), self.index.count())
        self._checked_at = time.monotonic()
        opened = self._searcher
        if opened is not None and opened[1].keywords.count != checked[1]:
            self._searcher = None  # the chunks changed since it opened: another process changed them
        if checked != self._checked or status is None:
            status, _ = self._compare()
            self._checked = checked
        return status if status.complete else self.start_repair()

    def _chunks_changed(self) -> None:
        """After a build here changed the stored chunks (under _writing). In a process that searches, the
        next searcher is opened here, in the writer's thread: an import reports done once it is searchable,
        and meanwhile other searches answer from the searcher before rather than wait for the keyword
        index's rebuild (from the index before and the new chunks; about 7 s at 250,000 sections, as
        `drafting bench --scale` measures). A process that has not searched (`drafting corpus add`) leaves
        that to its first search, as does a failure here: the change itself is made."""
        previous = self._searcher
        if previous is not None:
            self._standing_in = previous[1]  # before it is forgotten: no search finds neither
        self._forget_searcher()
        if previous is None:
            return
        changes = self._changes
        try:
            with index_errors(self.settings):
                renewed = Searcher(
                    self.index,
                    keyword_dir(self.settings),
                    rebuild=True,
                    writes_held=True,
                    previous=previous[1].keywords,
                )
            if changes == self._changes:  # else the index was closed meanwhile (damage found by a search)
                self._searcher, self._keywords_stale = (changes, renewed), False
        except Exception:
            logger.exception("opening the searcher after a change failed; the next search opens it")
        finally:
            self._standing_in = None

    def _forget_searcher(self) -> None:
        self._changes += 1  # under _writing: a searcher being opened now will not be kept
        self._searcher = None
        self._keywords_stale = True
        self._checked = None

    # --- internals --------------------------------------------------------------------------------------------------

    def _compare(self) -> tuple[IndexStatus, frozenset[str]]:
        with self._forgetting_damage():
            expected = self.expected.ids()
            stored = frozenset(self.index.ids())
        status = IndexStatus(len(expected), len(expected & stored), len(stored - expected))
        if status.complete:
            self.expected.release()
        with self._state:
            if not self._repair_alive():
                self._status = status
        return status, stored

    def _running_status(self) -> IndexStatus | None:
        """The progress of a background repair, or None when none is running."""
        with self._state:
            return self._status if self._repair_alive() else None

    def _repair_alive(self) -> bool:
        return self._repair is not None and self._repair.is_alive()

    def _repair_in_background(self, found: IndexStatus) -> None:
        def progress(done: int, total: int) -> None:
            with self._state:
                self._status = replace(found, chunks_indexed=found.chunks_indexed + done, running=True)

        try:
            result = self.build(progress)
            logger.info("index repaired: %s", result)
        except UserError as error:
            self._repair_failed(found, str(error))
        except Exception as error:  # a thread's traceback would reach no one; keep it in the log
            logger.exception("index repair failed")
            self._repair_failed(found, f"内部错误（{type(error).__name__}），详见日志")

    def _repair_failed(self, found: IndexStatus, problem: str) -> None:
        with self._state:
            self._status = replace(self._status or found, running=False, problem=problem)

    @contextmanager
    def _forgetting_damage(self) -> Iterator[None]:
        """On IndexDamaged, drop the open index so the next call opens the (perhaps repaired) files anew."""
        try:
            yield
        except IndexDamaged:
            self.close()
            raise


@dataclass(frozen=True)
class ScopedLibrary:
    """The library as one user sees it: what the pipeline's exemplars and the tone page search."""

    library: Library
    scope: Scope

    @property
    def index(self) -> SectionIndex:
        return self.library.index

    def search(
        self,
        query: str,
        k: int = 5,
        part: str | None = None,
        unit_type: str | None = None,
        mode: Mode = "hybrid",
    ) -> SearchResults:
        return self.library.search(query, k=k, part=part, unit_type=unit_type, mode=mode, scope=self.scope)

    def closest(self, queries: list[str]) -> list[Hit | None]:
        return self.library.closest(queries, self.scope)

    def reports(self) -> list[Report]:
        return self.library.corpus.reports(self.scope)

    def still_allowed(self, report_ids: set[str]) -> set[str]:
        return self.library.corpus.still_allowed(report_ids, self.scope)


def open_library_safely(settings: Settings, database: "Database | None" = None) -> Library:
    """The app's start: opens the index at once, so damage shows now as IndexDamaged (a UserError naming
    `drafting doctor --repair`); an index behind the corpus starts repairing in the background."""
    library = Library(settings, database)
    library.start_repair()
    return library
