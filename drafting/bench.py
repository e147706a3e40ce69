"""`drafting bench`: retrieval quality (hit@5, precision@5) per mode, search latency, build time and memory.

The synthetic corpus reuses the bundled chunks' stored vectors with a little noise and reshuffled
sentences, so 10,000 sections can be indexed in seconds; it measures search speed, not quality.
"""

import random
import re
import resource
import tempfile
import time
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from drafting.index import SectionIndex
from drafting.lexicon import tokenize
from drafting.library import Library
from drafting.script import to_simplified
from drafting.search import Hit, Searcher
from drafting.settings import Settings

K = 5


def load_queries() -> dict:
    return yaml.safe_load(
        (resources.files("drafting") / "data" / "retrieval_queries.yaml").read_text("utf-8")
    )


def is_relevant(hit: Hit, query: dict, themes: dict[str, str]) -> bool:
    if "part" in query:
        return hit.part == query["part"]
    return hit.part not in ("opening", "closing") and bool(
        re.search(themes[query["theme"]], to_simplified(hit.heading_path))
    )


def retrieval_quality(searcher: Searcher) -> dict[str, dict[str, float]]:
    labelled = load_queries()
    results: dict[str, dict[str, float]] = {}
    for mode in ("bm25", "dense", "hybrid"):
        hits_at_k, precision = [], []
        for query in labelled["queries"]:
            hits = searcher.search(query["q"], k=K, mode=mode)
            relevant = [is_relevant(h, query, labelled["themes"]) for h in hits]
            hits_at_k.append(float(any(relevant)))
            precision.append(sum(relevant) / K)
        results[mode] = {"hit@5": float(np.mean(hits_at_k)), "precision@5": float(np.mean(precision))}
    return results


def latency(searcher: Searcher, queries: list[str], rounds: int = 3) -> dict[str, float]:
    searcher.search(queries[0])  # the first call warms caches; it is reported separately
    timings = []
    for _ in range(rounds):
        for query in queries:
            started = time.perf_counter()
            searcher.search(query, k=K)
            timings.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": float(np.percentile(timings, 50)), "p95_ms": float(np.percentile(timings, 95))}


def synthetic_index(source: SectionIndex, settings: Settings, sections: int) -> SectionIndex:
    stored = source.collection.get(include=["documents", "metadatas", "embeddings"])
    rng = random.Random(7)
    sentences = [s for doc in stored["documents"] for s in re.split(r"(?<=[。；])", doc) if len(s) > 8]
    target = SectionIndex(
        settings.model_copy(update={"data_dir": Path(tempfile.mkdtemp(prefix="drafting-bench-"))}),
        source.embedder,
    )
    vectors = np.asarray(stored["embeddings"])
    batch = 1000
    for start in range(0, sections, batch):
        ids, docs, metas, embs = [], [], [], []
        for n in range(start, min(start + batch, sections)):
            pick = rng.randrange(len(stored["ids"]))
            text = "".join(rng.sample(sentences, 4))
            meta = dict(stored["metadatas"][pick])
            meta["report_id"] = f"synthetic-{n // 20}"
            meta["tokens"] = " ".join(tokenize(text))
            noisy = vectors[pick] + np.random.default_rng(n).normal(0, 0.02, vectors.shape[1])
            ids.append(f"syn-{n}")
            docs.append(text)
            metas.append(meta)
            embs.append((noisy / np.linalg.norm(noisy)).astype(np.float32))
        target.collection.add(ids=ids, documents=docs, metadatas=metas, embeddings=embs)
    return target


def run_benchmark(settings: Settings, synthetic_sections: int = 10000) -> None:
    library = Library(settings)
    started = time.perf_counter()
    cold = SectionIndex(
        settings.model_copy(update={"data_dir": Path(tempfile.mkdtemp(prefix="drafting-cold-"))})
    )
    build = cold.sync(library.corpus.reports())
    print(
        f"bundled corpus: {len(library.corpus.reports())} reports, {cold.count()} sections; "
        f"cold index build {build.seconds:.1f} s; rebuild with nothing changed "
        f"{cold.sync(library.corpus.reports()).seconds:.2f} s"
    )
    load_started = time.perf_counter()
    searcher = Searcher(cold)
    print(f"load index for search (no embedding): {(time.perf_counter() - load_started) * 1000:.0f} ms")
    print(
        "\nretrieval quality on labelled paraphrased queries "
        f"({len(load_queries()['queries'])} queries, k={K}):"
    )
    for mode, figures in retrieval_quality(searcher).items():
        print(f"  {mode:7s} hit@5 {figures['hit@5']:.2f}   precision@5 {figures['precision@5']:.2f}")
    queries = [q["q"] for q in load_queries()["queries"]]
    figures = latency(searcher, queries)
    print(f"\nsearch latency, bundled corpus: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms")
    if synthetic_sections:
        build_started = time.perf_counter()
        big = synthetic_index(cold, settings, synthetic_sections)
        big_searcher = Searcher(big)
        print(
            f"synthetic corpus of {big.count()} sections built in {time.perf_counter() - build_started:.1f} s"
        )
        figures = latency(big_searcher, queries)
        print(
            f"search latency, {big.count()} sections: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms"
        )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {rss_mb:.0f} MB; total {time.perf_counter() - started:.0f} s")
