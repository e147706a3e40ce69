"""`drafting bench --scale`: search at a city federation's scale (500 units × 10 reports ≈ 250,000 sections).

The synthetic corpus reshuffles sentences of the bundled reports, tokenised once, so 250,000 sections
cost no jieba time. Each section's vector is a noisy copy of a random "topic" vector: embedding 250,000
sections with e5 on a 2-core CPU would take hours, and these figures measure speed, not quality.
Queries are embedded with the real e5 model, so the hybrid figure includes that cost.
"""

import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError

from drafting.corpus.reports import EVERYTHING, Report, Scope
from drafting.resources import load_data
from drafting.retrieval.chunking import chunk_report
from drafting.retrieval.embedders import E5EmbeddingFunction
from drafting.retrieval.filters import dense_where
from drafting.retrieval.keyword import KeywordIndex
from drafting.settings import Settings
from drafting.text.lexicon import expand_query, tokenize

SENTENCES_PER_SECTION = 4
REPORTS_PER_UNIT = 10
PUBLISHING_UNIT_EVERY = 10  # one unit in ten has had a report published for everyone
CANDIDATES = 50  # per side, as in Searcher
K = 5
RRF_K = 60
DIMENSIONS = 384  # e5-small's, so the real query embedder can search the synthetic vectors
NOISE = 0.5
COLLECTION = "sections-scale"
READ_PAGE = 10_000


@dataclass
class SyntheticCorpus:
    ids: list[str]
    texts: list[str]
    tokens: list[list[str]]
    columns: dict[str, list[str]]
    topics: np.ndarray  # which topic vector each section's vector is a noisy copy of
    published: list[str]


def synthetic_corpus(settings: Settings, sections: int, units: int, seed: int = 7) -> SyntheticCorpus:
    """The bundled chunks as they are, then `units` × 10 private reports of reshuffled bundled sentences."""
    reports = [
        Report.from_file_text(f.read_text(encoding="utf-8")) for f in sorted(settings.corpus_dir.glob("*.md"))
    ]
    chunks = [chunk for report in reports for chunk in chunk_report(report)]
    sentences = [(s, n) for n, c in enumerate(chunks) for s in re.split(r"(?<=[。；])", c.text) if len(s) > 8]
    sentence_tokens = [tokenize(sentence) for sentence, _ in sentences]
    rng = random.Random(seed)
    corpus = SyntheticCorpus(
        ids=[c.id for c in chunks],
        texts=[c.text for c in chunks],
        tokens=[tokenize(c.search_text()) for c in chunks],
        columns={
            "part": [c.part for c in chunks],
            "unit_type": [c.unit_type for c in chunks],
            "owner": ["bundled"] * len(chunks),
            "report_id": [c.report_id for c in chunks],
        },
        topics=np.arange(len(chunks)),
        published=[f"unit-{u}-r0" for u in range(0, units, PUBLISHING_UNIT_EVERY)],
    )
    unit_types = [rng.choice(sorted({r.meta.unit_type for r in reports})) for _ in range(units)]
    per_report = max(1, (sections - len(chunks)) // (units * REPORTS_PER_UNIT))
    topics = []
    for n in range(max(0, sections - len(chunks))):
        report = min(n // per_report, units * REPORTS_PER_UNIT - 1)
        unit = report // REPORTS_PER_UNIT
        picks = rng.sample(range(len(sentences)), SENTENCES_PER_SECTION)
        topic = sentences[picks[0]][1]
        corpus.ids.append(f"unit-{unit}-r{report % REPORTS_PER_UNIT}:{n:016x}")
        corpus.texts.append("".join(sentences[p][0] for p in picks))
        corpus.tokens.append([token for p in picks for token in sentence_tokens[p]])
        corpus.columns["part"].append(chunks[topic].part)
        corpus.columns["unit_type"].append(unit_types[unit])
        corpus.columns["owner"].append(f"unit-{unit}")
        corpus.columns["report_id"].append(f"unit-{unit}-r{report % REPORTS_PER_UNIT}")
        topics.append(topic)
    corpus.topics = np.concatenate([corpus.topics, np.array(topics, dtype=int)])
    return corpus


def write_vectors(corpus: SyntheticCorpus, path: Path, seed: int = 7) -> np.ndarray:
    """Unit vectors clustered around one random topic per bundled chunk, in a memory-mapped file."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(int(corpus.topics.max()) + 1, DIMENSIONS)).astype(np.float32)
    vectors = np.lib.format.open_memmap(
        path, mode="w+", dtype=np.float32, shape=(len(corpus.ids), DIMENSIONS)
    )
    for start in range(0, len(corpus.ids), 10_000):
        topics = corpus.topics[start : start + 10_000]
        batch = centres[topics] + rng.normal(0, NOISE, (len(topics), DIMENSIONS)).astype(np.float32)
        vectors[start : start + len(topics)] = batch / np.linalg.norm(batch, axis=1, keepdims=True)
    vectors.flush()
    return vectors


def fill_collection(
    collection: chromadb.Collection, corpus: SyntheticCorpus, vectors: np.ndarray, batch: int
) -> None:
    for start in range(0, len(corpus.ids), batch):
        end = min(start + batch, len(corpus.ids))
        collection.add(
            ids=corpus.ids[start:end],
            documents=corpus.texts[start:end],
            embeddings=np.asarray(vectors[start:end]),
            metadatas=[  # as SectionIndex stores them: filter fields and the space-joined tokens
                {
                    **{name: values[i] for name, values in corpus.columns.items()},
                    "tokens": " ".join(corpus.tokens[i]),
                }
                for i in range(start, end)
            ],
        )


def p95(timed: Callable[[int], object], runs: int) -> float:
    """95th percentile in ms of `timed(i)` over `runs` calls, after one warm-up call."""
    timed(0)
    timings = []
    for i in range(runs):
        started = time.perf_counter()
        timed(i)
        timings.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(timings, 95))


def fuse(*rankings: list[str]) -> list[str]:
    scores: dict[str, float] = defaultdict(float)
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking):
            scores[chunk_id] += 1 / (RRF_K + rank + 1)
    return sorted(scores, key=lambda chunk_id: -scores[chunk_id])[:K]


FRESH_PROCESS = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
import chromadb
from chromadb.config import Settings
from drafting.retrieval.embedders import E5EmbeddingFunction
from drafting.retrieval.filters import dense_where
from drafting.retrieval.keyword import KeywordIndex
from drafting.text.lexicon import expand_query, tokenize
folder, collection_name, query, owners = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
stages = {"imports": time.perf_counter() - started}
index = KeywordIndex.open(Path(folder) / "keyword")
client = chromadb.PersistentClient(path=str(Path(folder) / "chroma"), settings=Settings(anonymized_telemetry=False))
collection = client.get_collection(collection_name)
stages["open both indexes"] = time.perf_counter() - started
keyword_hits = index.search(expand_query(tokenize(query)), 50, index.mask(owners=owners))
stages["first keyword answer (jieba loads)"] = time.perf_counter() - started
vector = E5EmbeddingFunction().embed_query([query])[0]
dense = collection.query(query_embeddings=[vector], n_results=50, where=dense_where(owners=owners), include=[])
stages["first dense answer (e5 loads)"] = time.perf_counter() - started
assert keyword_hits and dense["ids"][0]
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))  # this program's own peak
print(json.dumps({"stages": stages, "peak_mb": int(peak.split()[1]) / 1024}))
"""


def fresh_process(folder: Path, query: str, owners: list[str]) -> tuple[float, dict]:
    """Wall time of a new Python process that opens both indexes and answers one unit-filtered query,
    with the times of its stages and its peak RSS."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, str(folder), COLLECTION, query, json.dumps(owners)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return time.perf_counter() - started, json.loads(result.stdout.strip().splitlines()[-1])


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def read_all_tokens(collection: chromadb.Collection) -> str:
    """What today's Searcher start and a keyword rebuild from chroma must do, measured both ways."""
    try:
        collection.get(include=["metadatas"])
        whole = "one get works"
    except ChromaError as error:  # at 250,000: "too many SQL variables"
        whole = f"one get fails ({error})"
    started = time.perf_counter()
    for offset in range(0, collection.count(), READ_PAGE):
        collection.get(include=["metadatas"], limit=READ_PAGE, offset=offset)
    return f"{whole}; in pages of {READ_PAGE:,}: {time.perf_counter() - started:.1f} s"


def keyword_ranking(index: KeywordIndex, tokens: list[str], scope: Scope) -> list[str]:
    allowed = index.mask(owners=scope.owners, report_ids=scope.published)
    return [chunk_id for chunk_id, _ in index.search(tokens, CANDIDATES, allowed)]


def chroma_ranking(collection: chromadb.Collection, vector: np.ndarray, scope: Scope) -> list[str]:
    where = dense_where(owners=scope.owners, report_ids=scope.published)
    result = collection.query(query_embeddings=[vector], n_results=CANDIDATES, where=where, include=[])
    return result["ids"][0]


def exact_ranking(index: KeywordIndex, vectors: np.ndarray, vector: np.ndarray, scope: Scope) -> list[str]:
    """The alternative to chroma's filtered HNSW: cosine over just the rows the keyword mask allows."""
    rows = np.flatnonzero(index.mask(owners=scope.owners, report_ids=scope.published))
    similarity = vectors[rows] @ vector
    top = rows[np.argpartition(-similarity, min(CANDIDATES, len(rows)) - 1)[:CANDIDATES]]
    return [index.chunk_ids[row].decode() for row in top]


def run_scale_benchmark(settings: Settings, sections: int = 250_000, units: int = 500) -> None:
    started = time.perf_counter()
    corpus = synthetic_corpus(settings, sections, units)
    print(
        f"scale: {len(corpus.ids)} sections, {units} units × {REPORTS_PER_UNIT} reports, "
        f"{len(corpus.published)} published; corpus generated in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    queries = [q["q"] for q in load_data("retrieval_queries.yaml")["queries"]]
    query_tokens = [expand_query(tokenize(q)) for q in queries]
    embedder = E5EmbeddingFunction()
    query_vectors = embedder.embed_query(queries)
    rng = random.Random(11)  # each run asks the queries as random units that also see the published reports
    scopes = [
        Scope(frozenset({"bundled", f"unit-{rng.randrange(units)}"}), frozenset(corpus.published))
        for _ in range(60)
    ]

    with tempfile.TemporaryDirectory(prefix="drafting-scale-") as temporary:
        folder = Path(temporary)
        build_started = time.perf_counter()
        index = KeywordIndex.build(corpus.ids, corpus.tokens, corpus.columns, folder / "keyword")
        print(
            f"keyword build: {time.perf_counter() - build_started:.1f} s, "
            f"index on disk {folder_mb(folder / 'keyword'):.0f} MB",
            flush=True,
        )
        unit_keyword = p95(
            lambda i: keyword_ranking(index, query_tokens[i % len(queries)], scopes[i]), len(scopes)
        )
        every_keyword = p95(
            lambda i: keyword_ranking(index, query_tokens[i % len(queries)], EVERYTHING), len(scopes)
        )
        found = [
            len(keyword_ranking(index, query_tokens[i % len(queries)], scopes[i])) for i in range(len(scopes))
        ]
        print(
            f"keyword search p95 (unit-filtered): {unit_keyword:.1f} ms (median {np.median(found):.0f} hits "
            f"of {CANDIDATES}); everything visible: {every_keyword:.1f} ms",
            flush=True,
        )

        vectors = write_vectors(corpus, folder / "vectors.npy")
        client = chromadb.PersistentClient(
            path=str(folder / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
        )
        try:
            collection = client.create_collection(COLLECTION, configuration={"hnsw": {"space": "cosine"}})
            insert_started = time.perf_counter()
            fill_collection(collection, corpus, vectors, min(5000, client.get_max_batch_size()))
            seconds = time.perf_counter() - insert_started
            print(
                f"dense insert (chroma, vectors given): {seconds:.0f} s, {len(corpus.ids) / seconds:.0f} sections/s, "
                f"store on disk {folder_mb(folder / 'chroma'):.0f} MB",
                flush=True,
            )

            def chroma_dense(vector: np.ndarray, scope: Scope) -> list[str]:
                return chroma_ranking(collection, vector, scope)

            def exact_dense(vector: np.ndarray, scope: Scope) -> list[str]:
                return exact_ranking(index, vectors, vector, scope)

            runs = 30  # chroma's filtered queries take a tenth of a second each at this scale
            unit_chroma = p95(lambda i: chroma_dense(query_vectors[i % len(queries)], scopes[i]), runs)
            every_chroma = p95(lambda i: chroma_dense(query_vectors[i % len(queries)], EVERYTHING), runs)
            unit_exact = p95(lambda i: exact_dense(query_vectors[i % len(queries)], scopes[i]), len(scopes))
            print(
                f"dense search p95 (unit-filtered, chroma where): {unit_chroma:.0f} ms; "
                f"unfiltered: {every_chroma:.1f} ms",
                flush=True,
            )
            print(
                "  for comparison, exact cosine over the mask's rows of a memory-mapped vector file "
                f"(not wired): {unit_exact:.1f} ms",
                flush=True,
            )

            def hybrid(i: int, dense: Callable[[np.ndarray, Scope], list[str]]) -> list[str]:
                query, scope = queries[i % len(queries)], scopes[i]
                keyword = keyword_ranking(index, expand_query(tokenize(query)), scope)
                best = fuse(keyword, dense(embedder.embed_query([query])[0], scope))
                collection.get(ids=best, include=["documents", "metadatas"])
                return best

            embedding = p95(lambda i: embedder.embed_query([queries[i % len(queries)]]), runs)
            print(
                f"hybrid search p95: {p95(lambda i: hybrid(i, chroma_dense), runs):.0f} ms "
                f"(jieba, e5 query embedding [{embedding:.0f} ms alone], keyword, chroma filtered, RRF, "
                f"fetch {K} hits); with the exact dense side: {p95(lambda i: hybrid(i, exact_dense), runs):.0f} ms",
                flush=True,
            )
            print(f"reading every chunk's tokens back from chroma: {read_all_tokens(collection)}", flush=True)
        finally:
            client.close()

        seconds, fresh = fresh_process(folder, queries[0], sorted(scopes[0].owners))
        print(
            f"fresh process ready: {seconds:.1f} s (opens the keyword index and chroma, answers one unit-filtered "
            "query on both sides; files in the page cache)"
        )
        print("  " + "; ".join(f"{stage} at {at:.2f} s" for stage, at in fresh["stages"].items()))

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS: fresh search process {fresh['peak_mb']:.0f} MB; this bench process {own:.0f} MB "
        f"(holds the whole synthetic corpus); total {time.perf_counter() - started:.0f} s"
    )
