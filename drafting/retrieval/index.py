"""The persistent section index: chunks in chromadb (embedded or server), BM25 tokens in their metadata.

Building is incremental: a chunk's id hashes its text and metadata, so re-running only embeds what is
new and deletes what is gone. Nothing is embedded when the app starts; loading reads stored vectors.

Every call into chroma goes through `index_errors`: a damaged local store becomes `IndexDamaged`, a
Chinese message naming `drafting doctor --repair`, never a traceback. `chroma.sqlite3` is checked with
SQLite's own quick_check before chroma opens it, because chroma's Rust core panics on some damage.
"""

import errno
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from pydantic import BaseModel

from drafting.chroma_import import (
    ChromaError,
    ChromaSettings,
    ClientAPI,
    Collection,
    Documents,
    EmbeddingFunction,
    HTTPError,
    chromadb,
)
from drafting.corpus.reports import Report
from drafting.errors import UserError
from drafting.models import factory
from drafting.retrieval.bundled import search_text, shipped_chunks
from drafting.retrieval.chunking import Chunk, chunk_report
from drafting.settings import Settings
from drafting.storage.disk import disk_full
from drafting.storage.errors import DiskFull
from drafting.storage.sqlite_files import retry_while_locked, sqlite_problem_beside_another_sqlite
from drafting.text.lexicon import tokenize

EMBED_BATCH = 32
# Chunks whose vectors the package ships need no embedding, so they are stored this many at a time: a new
# data folder's 256 bundled chunks took 0.9 s to store in 8 adds of EMBED_BATCH, 0.5 s in one add.
STORE_BATCH = 256
LOCK_WAIT_SECONDS = 5.0  # how long a call waits out an immediate "database is locked" (see when_unlocked)
READ_PAGE = 10_000
# Chroma keeps up to this many newly added chunks in its log, and every get, add and query reads through
# them (holding the GIL). At its default of 1000 a 500-chunk index, the bundled corpus and some imports,
# cost 12 ms for each get of a search's hits and 0.1 s for each import's add; at 100, 1 ms and 7 ms.
SYNC_THRESHOLD = 100
CHROMA_FILE = "chroma.sqlite3"
Progress = Callable[[int, int], None]

_DISK_ERRORS = (errno.ENOSPC, errno.EACCES, errno.EPERM, errno.EROFS)

logger = logging.getLogger(__name__)


class IndexDamaged(UserError):
    """The local index cannot be read; `drafting doctor --repair` sets it aside and rebuilds it."""

    def __init__(self, where: Path, reason: str = "文件已损坏"):
        super().__init__(
            f"范文检索索引无法读取（{reason}：{where}）。修复方法：先关闭本程序，再在命令行运行 "
            "`drafting doctor --repair`，它会把损坏的索引移到一边保留（不删除）并重新建立索引。"
        )
        self.where = where


class BuildResult(BaseModel):
    added: int
    removed: int
    unchanged: int
    seconds: float


def chroma_path(settings: Settings) -> Path:
    return settings.index_dir / "chroma"


def chroma_client(settings: Settings) -> ClientAPI:
    """PersistentClient in the data folder, or HttpClient when CHROMA_HOST is set."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(chroma_path(settings)), settings=chroma_settings)


def wanted_chunks(reports: Iterable[Report]) -> dict[str, Chunk]:
    """Every chunk the index should hold for these reports, by id."""
    return {chunk.id: chunk for report in reports for chunk in chunk_report(report)}


@contextmanager
def index_errors(settings: Settings) -> Iterator[None]:
    """Turn chroma's and SQLite's errors about the stored index into Chinese messages that name the fix."""
    try:
        yield
    except UserError:
        raise
    except ChromaError as error:
        raise _explained(settings, error) from error
    except (ValueError, HTTPError) as error:  # chroma's client: "Could not connect…", a dropped link
        if not settings.chroma_host:
            raise
        raise _explained(settings, error) from error
    except OSError as error:
        if error.errno not in _DISK_ERRORS:
            raise
        raise _explained(settings, error) from error
    except BaseException as error:  # pyo3's PanicException derives from BaseException
        if type(error).__name__ != "PanicException":
            raise
        raise _explained(settings, error) from error


def _explained(settings: Settings, error: BaseException) -> UserError:
    logger.warning("index error: %s: %s", type(error).__name__, error)
    message = str(error).lower()
    if settings.chroma_host:
        return UserError(
            f"向量库服务器 {settings.chroma_host}:{settings.chroma_port} 出错或连接不上（{type(error).__name__}）。"
            "请检查 CHROMA_HOST/CHROMA_PORT 和该服务器的运行状态，然后重试。"
        )
    if "full" in message or "no space" in message or disk_full(settings.index_dir):
        return DiskFull(settings.index_dir)  # chroma on a full disk panics or says "I/O error": not damage
    if "database is locked" in message:  # another writer held chroma's SQLite file too long: not damage
        return UserError("范文索引正被另一个程序写入（例如同时在命令行导入范文），请稍后重试。")
    if "readonly" in message or "read-only" in message or "permission" in message:
        return UserError(
            f"没有权限写入范文索引文件夹 {settings.index_dir}。请检查数据目录（DRAFTING_DATA_DIR）的权限。"
        )
    return IndexDamaged(chroma_path(settings))


P = ParamSpec("P")
R = TypeVar("R")


def when_unlocked(call: Callable[[], R]) -> R:
    """`call()`, tried again while chroma's SQLite file answers "database is locked".

    Just after a client opens the store, a call sometimes got that answer at once, not after the busy
    timeout: SQLite refuses a lock that could deadlock with chroma's own work on the file. Under load 1 in
    20 reopened indexes did, and the user read that another program was writing; it was gone after
    0.15 s. Reads are retried too, as any call may take that lock. A lock still held after
    LOCK_WAIT_SECONDS gets that message as before.
    """
    return retry_while_locked(call, ChromaError, LOCK_WAIT_SECONDS, pause=0.05)


def _guarded(
    method: Callable[Concatenate["SectionIndex", P], R],
) -> Callable[Concatenate["SectionIndex", P], R]:
    @functools.wraps(method)
    def wrapper(self: "SectionIndex", *args: P.args, **kwargs: P.kwargs) -> R:
        with index_errors(self.settings), self.one_call:
            return when_unlocked(lambda: method(self, *args, **kwargs))

    return wrapper


class SectionIndex:
    """Chunks of every corpus report, with their vectors and BM25 tokens."""

    def __init__(self, settings: Settings, embedder: EmbeddingFunction[Documents] | None = None):
        self.settings = settings
        self.embedder = embedder or factory.build_embedder(settings)
        # Embedded chroma answers a read that overlaps a delete or add from another thread with
        # "Error finding id" (a search while a repair runs): its calls from this process take turns.
        self.one_call = threading.RLock()
        with index_errors(settings):
            if not settings.chroma_host:
                refuse_damaged_store(settings)
            self.client = chroma_client(settings)
            try:
                self.collection: Collection = when_unlocked(self._open_collection)
            except BaseException:
                self.client.close()  # else chroma keeps this store open for the whole process
                raise

    def _open_collection(self) -> Collection:
        collection = self.client.get_or_create_collection(
            name=f"sections-{factory.embedder_slug(self.settings)}",
            embedding_function=self.embedder,  # type: ignore[arg-type]
            configuration={"hnsw": {"space": "cosine", "sync_threshold": SYNC_THRESHOLD}},
        )
        if collection.configuration_json.get("hnsw", {}).get("sync_threshold") != SYNC_THRESHOLD:
            # an index made before: chroma keeps the setting it was created with
            collection.modify(configuration={"hnsw": {"sync_threshold": SYNC_THRESHOLD}})
        return collection

    @_guarded
    def count(self) -> int:
        return self.collection.count()

    def ids(self, writes_held: bool = False) -> set[str]:
        """The ids of the stored chunks; reads neither vectors nor documents. `writes_held`: as in `records`."""
        with index_errors(self.settings), nullcontext() if writes_held else self.one_call:
            return when_unlocked(lambda: {c for page in self._pages(include=[]) for c in page["ids"]})

    def records(self, writes_held: bool = False) -> Iterator[tuple[str, dict, Any]]:
        """Every stored chunk's id, metadata (tokens and filter fields) and vector, read page by page. No
        change made in this process comes between the pages: the lock is held across them, or, when the
        caller keeps this process's writers out (`writes_held`), taken for each page, so that searches go
        on between the pages (25 of them, with their vectors, at 250,000 chunks)."""
        with index_errors(self.settings), nullcontext() if writes_held else self.one_call:
            for page in self._pages(include=["metadatas", "embeddings"]):
                yield from zip(page["ids"], page["metadatas"], page["embeddings"], strict=True)

    @_guarded
    def records_of(self, chunk_ids: list[str]) -> list[tuple[str, dict, Any]]:
        """`records` of these chunks alone (those still stored)."""
        found = self.collection.get(ids=chunk_ids, include=["metadatas", "embeddings"]) if chunk_ids else None
        return list(zip(found["ids"], found["metadatas"], found["embeddings"], strict=True)) if found else []

    @_guarded
    def stored(self, chunk_ids: list[str]) -> dict[str, tuple[str, dict]]:
        """Text and metadata of these chunks (each id once)."""
        if not chunk_ids:
            return {}
        found = self.collection.get(ids=list(dict.fromkeys(chunk_ids)), include=["documents", "metadatas"])
        return dict(
            zip(
                found["ids"],
                zip(found["documents"] or [], found["metadatas"] or [], strict=True),
                strict=True,
            )
        )

    def _pages(self, include: list) -> Iterator[Any]:
        """chroma answers one `get` of every chunk with "too many SQL variables" from ~40,000 chunks.
        Each page takes the lock (re-entered when the caller holds it across the pages)."""
        offset = 0
        while True:
            with self.one_call:
                page = self.collection.get(include=include, limit=READ_PAGE, offset=offset)
            if not page["ids"]:
                return
            yield page
            offset += len(page["ids"])

    def sync(self, reports: Iterable[Report], progress: Progress | None = None) -> BuildResult:
        """Make the index hold exactly the chunks of `reports`, embedding only new ones."""
        wanted = wanted_chunks(reports)
        return self.sync_chunks(frozenset(wanted), lambda missing: wanted, progress)

    def sync_chunks(
        self,
        wanted: AbstractSet[str],
        chunks_of: Callable[[set[str]], Mapping[str, Chunk]],
        progress: Progress | None = None,
    ) -> BuildResult:
        """Make the index hold exactly the `wanted` chunk ids. `chunks_of(missing)` gives at least the
        missing chunks, so that the build after one import can parse that report rather than the corpus."""
        started = time.perf_counter()
        present = self.ids()
        stale = sorted(present - wanted)
        if stale:
            self._delete(stale)
        missing = set(wanted) - present
        found = chunks_of(missing) if missing else {}
        # Of a report removed meanwhile no chunk is given; the next check finds the manifest changed.
        new = [chunk for chunk_id, chunk in found.items() if chunk_id in missing]
        self.add_chunks(new, progress)
        return BuildResult(
            added=len(new),
            removed=len(stale),
            unchanged=len(present & wanted),
            seconds=round(time.perf_counter() - started, 2),
        )

    def add_chunks(self, chunks: list[Chunk], progress: Progress | None = None) -> None:
        """Store in batches: a killed build keeps whole batches, which a later sync completes. Searches go
        on while a batch is embedded; only storing it makes them wait.

        Chunks of the bundled corpus take the vectors and tokens shipped in the package (bundled.py) and
        are stored first, STORE_BATCH at a time; the rest are embedded EMBED_BATCH at a time."""
        shipped = shipped_chunks(factory.embedder_slug(self.settings))
        ready = [chunk for chunk in chunks if chunk.id in shipped]
        unembedded = [chunk for chunk in chunks if chunk.id not in shipped]
        batches = _in_batches(ready, STORE_BATCH) + _in_batches(unembedded, EMBED_BATCH)
        if progress and chunks:  # the total at once: an import of one batch showed it only when done
            progress(0, len(chunks))
        done = 0
        for batch in batches:
            texts = {chunk.id: search_text(chunk) for chunk in batch if chunk.id not in shipped}
            with index_errors(self.settings):
                embedded = dict(zip(texts, self.embedder(list(texts.values())) if texts else [], strict=True))
            self._add(
                ids=[chunk.id for chunk in batch],
                documents=[chunk.text for chunk in batch],
                embeddings=[  # type: ignore[arg-type]
                    shipped[chunk.id].vector if chunk.id in shipped else embedded[chunk.id] for chunk in batch
                ],
                metadatas=[
                    _metadata(
                        chunk, shipped[chunk.id].tokens if chunk.id in shipped else _tokens(texts[chunk.id])
                    )
                    for chunk in batch
                ],
            )
            done += len(batch)
            if progress:
                progress(done, len(chunks))

    @_guarded
    def _add(self, ids: list[str], documents: list[str], embeddings: list[Any], metadatas: list[Any]) -> None:
        self.collection.add(ids=ids, documents=documents, embeddings=embeddings, metadatas=metadatas)

    @_guarded
    def _delete(self, chunk_ids: list[str]) -> None:
        self.collection.delete(ids=chunk_ids)

    @_guarded
    def remove_report(self, report_id: str) -> int:
        ids = self.collection.get(where={"report_id": report_id}, include=[])["ids"]
        if ids:
            self.collection.delete(ids=ids)
        return len(ids)

    @_guarded
    def probe(self) -> None:
        """Read one stored vector and search with it: touches the vector index files a count may not."""
        sample: Any = self.collection.get(limit=1, include=["embeddings"])["embeddings"]
        if sample is not None and len(sample):
            self.collection.query(query_embeddings=[sample[0]], n_results=1, include=[])

    def close(self) -> None:
        """Release chroma's hold on the files, so a repaired folder is opened afresh next time."""
        with self.one_call:
            self.client.close()


def refuse_damaged_store(settings: Settings) -> None:
    """Raise IndexDamaged when chroma's SQLite file fails its quick check."""
    database = chroma_path(settings) / CHROMA_FILE
    if database.exists() and (problem := sqlite_problem_beside_another_sqlite(database)):
        raise IndexDamaged(chroma_path(settings), problem)


def _in_batches(chunks: list[Chunk], size: int) -> list[list[Chunk]]:
    return [chunks[start : start + size] for start in range(0, len(chunks), size)]


def _tokens(search_text: str) -> str:
    return " ".join(tokenize(search_text))


def _metadata(chunk: Chunk, tokens: str) -> dict[str, str | int]:
    return {**chunk.model_dump(exclude={"id", "text"}), "tokens": tokens}
