"""Hybrid section search: dense vectors from chromadb and BM25 over jieba tokens, fused by reciprocal rank.

Queries and corpus are compared in simplified Chinese; hits show the report's original text.
"""

import math
from collections import Counter, defaultdict
from typing import Literal

import numpy as np

from drafting.corpus.reports import EVERYTHING, Scope
from drafting.retrieval.hit import Hit
from drafting.retrieval.index import SectionIndex
from drafting.text.lexicon import expand_query, tokenize
from drafting.text.script import to_simplified

Mode = Literal["hybrid", "dense", "bm25"]
RRF_K = 60
CANDIDATES = 50


class BM25:
    """Okapi BM25 over an inverted index, scoring only documents that share a query term."""

    def __init__(self, documents: list[list[str]], k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b
        self.lengths = np.array([len(d) for d in documents], dtype=np.float32)
        self.average = float(self.lengths.mean()) if documents else 0.0
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for doc_index, tokens in enumerate(documents):
            for term, tf in Counter(tokens).items():
                postings[term].append((doc_index, tf))
        self.postings = {
            term: (np.array([d for d, _ in p]), np.array([tf for _, tf in p], dtype=np.float32))
            for term, p in postings.items()
        }
        n = len(documents)
        self.idf = {term: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for term, p in postings.items()}

    def scores(self, query: list[str]) -> np.ndarray:
        result = np.zeros(len(self.lengths), dtype=np.float32)
        for term in set(query):
            if term not in self.postings:
                continue
            docs, tf = self.postings[term]
            norm = self.k1 * (1 - self.b + self.b * self.lengths[docs] / self.average)
            result[docs] += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
        return result


class Searcher:
    """Search over a SectionIndex; loads stored chunks once (no embedding) and answers many queries."""

    def __init__(self, index: SectionIndex):
        self.index = index
        stored = index.collection.get(include=["documents", "metadatas"])
        self.ids: list[str] = stored["ids"]
        self.documents: list[str] = stored["documents"] or []
        self.metadatas = stored["metadatas"] or []
        self.position = {chunk_id: i for i, chunk_id in enumerate(self.ids)}
        self.bm25 = BM25([str(m["tokens"]).split() for m in self.metadatas])

    def search(
        self,
        query: str,
        k: int = 5,
        part: str | None = None,
        unit_type: str | None = None,
        mode: Mode = "hybrid",
        scope: Scope = EVERYTHING,
    ) -> list[Hit]:
        if not self.ids or not query.strip():
            return []
        allowed = self._allowed(part, unit_type, scope)
        if not allowed.any():
            return []
        simplified = to_simplified(query)
        rankings: list[list[int]] = []
        if mode in ("hybrid", "bm25"):
            rankings.append(self._bm25_ranking(simplified, allowed))
        if mode in ("hybrid", "dense"):
            rankings.append(self._dense_ranking(simplified, dense_where(part, unit_type, scope), allowed))
        fused: dict[int, float] = defaultdict(float)
        for ranking in rankings:
            for rank, doc in enumerate(ranking):
                fused[doc] += 1 / (RRF_K + rank + 1)
        best = sorted(fused.items(), key=lambda item: -item[1])[:k]
        return [self._hit(doc, score) for doc, score in best]

    def _allowed(self, part: str | None, unit_type: str | None, scope: Scope) -> np.ndarray:
        return np.array(
            [
                (part is None or m["part"] == part)
                and (unit_type is None or m["unit_type"] == unit_type)
                and (
                    scope.owners is None
                    or m.get("owner") in scope.owners
                    or m["report_id"] in scope.published
                )
                for m in self.metadatas
            ],
            dtype=bool,
        )

    def _bm25_ranking(self, query: str, allowed: np.ndarray) -> list[int]:
        scores = self.bm25.scores(expand_query(tokenize(query)))
        scores[~allowed] = 0
        top = np.argsort(-scores)[:CANDIDATES]
        return [int(i) for i in top if scores[i] > 0]

    def _dense_ranking(self, query: str, where: dict | None, allowed: np.ndarray) -> list[int]:
        vector = self.index.embedder.embed_query([query])[0]
        result = self.index.collection.query(
            query_embeddings=[vector], n_results=min(CANDIDATES, int(allowed.sum())), where=where, include=[]
        )
        positions = [self.position.get(chunk_id) for chunk_id in result["ids"][0]]
        return [p for p in positions if p is not None and allowed[p]]

    def _hit(self, doc: int, score: float) -> Hit:
        m = self.metadatas[doc]
        return Hit(
            text=self.documents[doc],
            heading=str(m["heading"]),
            heading_path=str(m["heading_path"]),
            report=str(m["report_id"]),
            report_title=str(m["report_title"]),
            part=str(m["part"]),
            unit_type=str(m["unit_type"]),
            score=round(score, 5),
        )


def dense_where(part: str | None, unit_type: str | None, scope: Scope) -> dict | None:
    """The same filter as `Searcher._allowed`, as a chroma `where`, so the vector side never even
    considers another unit's chunks (a post-filter could leave a unit with too few candidates)."""
    conditions: list[dict] = []
    if part:
        conditions.append({"part": part})
    if unit_type:
        conditions.append({"unit_type": unit_type})
    if scope.owners is not None:
        owned: dict = {"owner": {"$in": sorted(scope.owners)}}
        conditions.append(
            {"$or": [owned, {"report_id": {"$in": sorted(scope.published)}}]} if scope.published else owned
        )
    return conditions[0] if len(conditions) == 1 else ({"$and": conditions} if conditions else None)
