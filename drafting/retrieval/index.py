"""The persistent section index: chunks in chromadb (embedded or server), BM25 tokens in their metadata.

Building is incremental: a chunk's id hashes its text and metadata, so re-running only embeds what is
new and deletes what is gone. Nothing is embedded when the app starts; loading reads stored vectors.
"""

import time
from collections.abc import Callable, Iterable

import chromadb
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.config import Settings as ChromaSettings
from pydantic import BaseModel

from drafting.corpus.reports import Report
from drafting.models import factory
from drafting.retrieval.chunking import Chunk, chunk_report
from drafting.settings import Settings
from drafting.text.lexicon import tokenize
from drafting.text.script import to_simplified

EMBED_BATCH = 32
Progress = Callable[[int, int], None]


class BuildResult(BaseModel):
    added: int
    removed: int
    unchanged: int
    seconds: float


def chroma_client(settings: Settings) -> ClientAPI:
    """PersistentClient in the data folder, or HttpClient when CHROMA_HOST is set."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(
            host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
        )
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.index_dir / "chroma"), settings=chroma_settings)


class SectionIndex:
    """Chunks of every corpus report, with their vectors and BM25 tokens."""

    def __init__(self, settings: Settings, embedder: EmbeddingFunction[Documents] | None = None):
        self.settings = settings
        self.embedder = embedder or factory.build_embedder(settings)
        self.client = chroma_client(settings)
        self.collection: Collection = self.client.get_or_create_collection(
            name=f"sections-{factory.embedder_slug(settings)}",
            embedding_function=self.embedder,  # type: ignore[arg-type]
            configuration={"hnsw": {"space": "cosine"}},
        )

    def count(self) -> int:
        return self.collection.count()

    def sync(self, reports: Iterable[Report], progress: Progress | None = None) -> BuildResult:
        """Make the index hold exactly the chunks of `reports`, embedding only new ones."""
        started = time.perf_counter()
        wanted = {chunk.id: chunk for report in reports for chunk in chunk_report(report)}
        present = set(self.collection.get(include=[])["ids"])
        stale = sorted(present - set(wanted))
        if stale:
            self.collection.delete(ids=stale)
        new = [wanted[i] for i in wanted if i not in present]
        self.add_chunks(new, progress)
        return BuildResult(
            added=len(new),
            removed=len(stale),
            unchanged=len(present & set(wanted)),
            seconds=round(time.perf_counter() - started, 2),
        )

    def add_chunks(self, chunks: list[Chunk], progress: Progress | None = None) -> None:
        for start in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[start : start + EMBED_BATCH]
            texts = [to_simplified(chunk.search_text()) for chunk in batch]
            self.collection.add(
                ids=[chunk.id for chunk in batch],
                documents=[chunk.text for chunk in batch],
                embeddings=self.embedder(texts),  # type: ignore[arg-type]
                metadatas=[_metadata(chunk, text) for chunk, text in zip(batch, texts, strict=True)],
            )
            if progress:
                progress(min(start + EMBED_BATCH, len(chunks)), len(chunks))

    def remove_report(self, report_id: str) -> int:
        ids = self.collection.get(where={"report_id": report_id}, include=[])["ids"]
        if ids:
            self.collection.delete(ids=ids)
        return len(ids)


def _metadata(chunk: Chunk, search_text: str) -> dict[str, str | int]:
    fields = chunk.model_dump(exclude={"id", "text"})
    return {**fields, "tokens": " ".join(tokenize(search_text))}
