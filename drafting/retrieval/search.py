"""Hybrid section search: BM25 over jieba tokens and exact cosine over the chunk vectors, both kept in an
on-disk, memory-mapped index built from chromadb, fused by reciprocal rank. Both sides apply the same
mask (part, unit type, the user's Scope), so one unit's private chunks are never even candidates for
another unit.

Queries and corpus are compared in simplified Chinese; hits show the report's original text. Only the
final k hits are read back from chroma, so a process holds no copy of the corpus in memory.
"""

import hashlib
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import numpy as np

from drafting.access import EVERYTHING, Scope
from drafting.models.factory import embedder_slug
from drafting.retrieval.chunking import MAX_CHUNKS_PER_IMPORT
from drafting.retrieval.hit import Hit
from drafting.retrieval.index import SectionIndex
from drafting.retrieval.keyword import (
    FILTER_COLUMNS,
    KeywordIndex,
    Rows,
    TokenTable,
    nearest,
    nearest_with_cosine,
)
from drafting.retrieval.query import query_text
from drafting.settings import Settings
from drafting.text.lexicon import expand_query, tokenize
from drafting.text.script import to_simplified

Mode = Literal["hybrid", "dense", "bm25"]
RRF_K = 60
CANDIDATES = 50
# The dense side embeds at most a passage's length of the query: no stored passage is longer, and e5's
# cost grows with the text (a 5,000-character fact in a query took 8 s, its first 400 characters 0.5 s).


def keyword_dir(settings: Settings) -> Path:
    """Next to a local index; for a chroma server, a cache in the temp folder (rebuilt from the server)."""
    collection = f"sections-{embedder_slug(settings)}"
    if not settings.chroma_host:
        return settings.index_dir / "keyword" / collection
    server = hashlib.sha1(f"{settings.chroma_host}:{settings.chroma_port}/{collection}".encode()).hexdigest()
    return Path(tempfile.gettempdir()) / "drafting-keyword" / server[:16]


def build_keyword_index(
    index: SectionIndex, directory: Path, writes_held: bool = False, previous: KeywordIndex | None = None
) -> KeywordIndex:
    """The search index of every stored chunk: tokens, filter fields and vectors, as stored in chroma.
    `writes_held`: the caller keeps this process's writers out (see SectionIndex.records). `previous`, an
    index from before a change: the chunks it holds are taken from it, and only the others read from
    chroma (after an import, the new report's). Reading every chunk again after each import cost 0.04 s
    and, as the corpus grew, about half a MB of the server's memory that it did not give back."""
    carried = _carried_over(index, previous, writes_held) if previous is not None else None
    kept = None
    if carried is None:
        ids, tokens, columns = [], TokenTable.of([]), {name: [] for name in FILTER_COLUMNS}
        records: Iterable[tuple[str, dict, Any]] = index.records(writes_held)
    else:
        (ids, tokens, columns, kept), records = carried
    read, new_tokens = [], []
    for chunk_id, metadata, vector in records:
        ids.append(chunk_id)
        new_tokens.append(str(metadata["tokens"]).split())
        read.append(vector)
        for name in FILTER_COLUMNS:
            columns[name].append(str(metadata.get(name, "")))
    vectors = np.array(read, dtype=np.float32)
    if kept is not None and len(kept):
        vectors = np.concatenate([kept, vectors.reshape(-1, kept.shape[1])])
    return KeywordIndex.build(ids, tokens.extended(new_tokens), columns, directory, vectors)


def _carried_over(
    index: SectionIndex, previous: KeywordIndex, writes_held: bool
) -> tuple[Rows, list[tuple[str, dict, Any]]] | None:
    """The rows of `previous` still stored, and the records of the stored chunks it lacks (chunk ids name
    their content, so a kept id has its row unchanged). None, to read every chunk instead, when more are
    new than one import brings (a first build, a repair), when the previous index is gone (another
    process's build removed it), damaged (carried over, the damage would get fresh checksums) or holds an
    id twice, or when chroma changed between the reads (another process)."""
    stored = index.ids(writes_held)
    held = [chunk_id.decode() for chunk_id in previous.chunk_ids]
    new = sorted(stored.difference(held))
    if len(new) > MAX_CHUNKS_PER_IMPORT or len(set(held)) != len(held):
        return None
    try:
        if previous.damaged_files():
            return None
        rows = previous.rows(np.flatnonzero([chunk_id in stored for chunk_id in held]))
    except (OSError, ValueError):  # files gone, or cut short
        return None
    records = index.records_of(new)
    return (rows, records) if len(rows[0]) + len(records) == len(stored) else None


def fuse(rankings: list[list[str]], k: int) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: the k chunk ids ranked best across the rankings, with their scores."""
    fused: dict[str, float] = defaultdict(float)
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking):
            fused[chunk_id] += 1 / (RRF_K + rank + 1)
    return sorted(fused.items(), key=lambda item: -item[1])[:k]


class Searcher:
    """Answers many queries over a SectionIndex; opens (or first builds) the memory-mapped keyword index."""

    def __init__(
        self,
        index: SectionIndex,
        keywords_at: Path,
        rebuild: bool = False,
        writes_held: bool = False,
        previous: KeywordIndex | None = None,
    ):
        """`previous`: the keyword index before a change made here, to build the new one from."""
        self.index = index
        keywords = None if rebuild else KeywordIndex.open(keywords_at)
        if keywords is None or keywords.count != index.count():
            keywords = build_keyword_index(index, keywords_at, writes_held, previous)
        self.keywords = keywords

    def search(
        self,
        query: str,
        k: int = 5,
        part: str | None = None,
        unit_type: str | None = None,
        mode: Mode = "hybrid",
        scope: Scope = EVERYTHING,
    ) -> list[Hit]:
        if not self.keywords.count or not query.strip():
            return []
        allowed = self.keywords.mask(part, unit_type, scope.owners, scope.published)
        candidates = int(allowed.sum())
        if not candidates:
            return []
        simplified = to_simplified(query)
        rankings: list[list[str]] = []
        if mode in ("hybrid", "bm25"):
            found = self.keywords.search(expand_query(tokenize(simplified)), CANDIDATES, allowed)
            rankings.append([chunk_id for chunk_id, _ in found])
        if mode in ("hybrid", "dense"):
            vector = self.index.embedder.embed_query([query_text(query)])[0]
            rankings.append(nearest(self.keywords, vector, CANDIDATES, allowed))
        return self._hits(fuse(rankings, k))

    def closest(self, queries: list[str], scope: Scope = EVERYTHING) -> list[Hit | None]:
        """Each query's nearest allowed chunk by embedding, scored by its cosine (None where there is none).
        The queries are embedded in one batch and compared with the stored vectors, so nothing is embedded
        twice: the tone page asks this for every paragraph of a draft."""
        allowed = self.keywords.mask(None, None, scope.owners, scope.published)
        if not queries or not self.keywords.count or not allowed.any():
            return [None] * len(queries)
        vectors = self.index.embedder.embed_query([query_text(q) for q in queries])
        best = [next(iter(nearest_with_cosine(self.keywords, v, 1, allowed)), None) for v in vectors]
        found = self.index.stored([pair[0] for pair in best if pair])
        return [_hit(*found[pair[0]], pair[1]) if pair and pair[0] in found else None for pair in best]

    def _hits(self, best: list[tuple[str, float]]) -> list[Hit]:
        found = self.index.stored([chunk_id for chunk_id, _ in best])
        return [_hit(*found[chunk_id], score) for chunk_id, score in best if chunk_id in found]


def _hit(text: str, m: dict, score: float) -> Hit:
    return Hit(
        text=text,
        heading=str(m["heading"]),
        heading_path=str(m["heading_path"]),
        report=str(m["report_id"]),
        report_title=str(m["report_title"]),
        part=str(m["part"]),
        unit_type=str(m["unit_type"]),
        score=round(score, 5),
    )
