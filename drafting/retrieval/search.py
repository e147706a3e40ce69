"""Hybrid section search: BM25 over jieba tokens (an on-disk bm25s index) and dense vectors from chromadb,
fused by reciprocal rank. Both sides apply the same filter (part, unit type, the user's Scope), so one
unit's private chunks are never even candidates for another unit.

Queries and corpus are compared in simplified Chinese; hits show the report's original text. Only the
final k hits are read back from chroma, so a process holds no copy of the corpus in memory.
"""

import hashlib
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Literal

from drafting.corpus.reports import EVERYTHING, Scope
from drafting.models.factory import embedder_slug
from drafting.retrieval.filters import dense_where
from drafting.retrieval.hit import Hit
from drafting.retrieval.index import SectionIndex
from drafting.retrieval.keyword import FILTER_COLUMNS, KeywordIndex
from drafting.settings import Settings
from drafting.text.lexicon import expand_query, tokenize
from drafting.text.script import to_simplified

Mode = Literal["hybrid", "dense", "bm25"]
RRF_K = 60
CANDIDATES = 50


def keyword_dir(settings: Settings) -> Path:
    """Next to a local index; for a chroma server, a cache in the temp folder (rebuilt from the server)."""
    collection = f"sections-{embedder_slug(settings)}"
    if not settings.chroma_host:
        return settings.index_dir / "keyword" / collection
    server = hashlib.sha1(f"{settings.chroma_host}:{settings.chroma_port}/{collection}".encode()).hexdigest()
    return Path(tempfile.gettempdir()) / "drafting-keyword" / server[:16]


def build_keyword_index(index: SectionIndex, directory: Path) -> KeywordIndex:
    """The keyword index of every stored chunk, from the tokens and filter fields in chroma's metadata."""
    ids: list[str] = []
    tokens: list[list[str]] = []
    columns: dict[str, list[str]] = {name: [] for name in FILTER_COLUMNS}
    for chunk_id, metadata in index.metadatas():
        ids.append(chunk_id)
        tokens.append(str(metadata["tokens"]).split())
        for name in FILTER_COLUMNS:
            columns[name].append(str(metadata.get(name, "")))
    return KeywordIndex.build(ids, tokens, columns, directory)


class Searcher:
    """Answers many queries over a SectionIndex; opens (or first builds) the memory-mapped keyword index."""

    def __init__(self, index: SectionIndex, keywords_at: Path, rebuild: bool = False):
        self.index = index
        keywords = None if rebuild else KeywordIndex.open(keywords_at)
        if keywords is None or keywords.count != index.count():
            keywords = build_keyword_index(index, keywords_at)
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
            where = dense_where(part, unit_type, scope.owners, scope.published)
            rankings.append(self._dense_ranking(simplified, where, min(CANDIDATES, candidates)))
        fused: dict[str, float] = defaultdict(float)
        for ranking in rankings:
            for rank, chunk_id in enumerate(ranking):
                fused[chunk_id] += 1 / (RRF_K + rank + 1)
        best = sorted(fused.items(), key=lambda item: -item[1])[:k]
        return self._hits(best)

    def _dense_ranking(self, query: str, where: dict | None, n_results: int) -> list[str]:
        vector = self.index.embedder.embed_query([query])[0]
        result = self.index.collection.query(
            query_embeddings=[vector], n_results=n_results, where=where, include=[]
        )
        return list(result["ids"][0])

    def _hits(self, best: list[tuple[str, float]]) -> list[Hit]:
        if not best:
            return []
        stored = self.index.collection.get(
            ids=[chunk_id for chunk_id, _ in best], include=["documents", "metadatas"]
        )
        found = dict(
            zip(
                stored["ids"],
                zip(stored["documents"] or [], stored["metadatas"] or [], strict=True),
                strict=True,
            )
        )
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
