"""`drafting bench`: retrieval quality (hit@5, precision@5) per mode, search latency, build time and memory.

The synthetic corpus reuses the bundled chunks' stored vectors with a little noise and reshuffled
sentences, so 10,000 sections can be indexed in seconds; it measures search speed, not quality.
"""

import random
import re
import resource
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import yaml

from drafting.errors import UserError
from drafting.resources import load_data
from drafting.retrieval.index import SectionIndex
from drafting.retrieval.library import Library
from drafting.retrieval.search import Hit, Searcher, keyword_dir
from drafting.settings import Settings
from drafting.text.lexicon import tokenize
from drafting.text.script import to_simplified
from drafting.writing.draft import Draft
from drafting.writing.pipeline import Event

K = 5
APP = Path(__file__).resolve().parent.parent / "app.py"  # the bench runs from a checkout
SERVER = APP.with_name("serve.py")  # what `streamlit run` serves: the app and its session route


def load_queries() -> dict:
    return load_data("retrieval_queries.yaml")


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


def app_cold_start(settings: Settings) -> float:
    """Seconds from a new Python process to the app's first page rendered, on the already built index."""
    import os
    import subprocess
    import sys

    Library(settings).ensure_built()
    code = (
        "import time; started = time.perf_counter()\n"
        "from streamlit import config\n"
        "from streamlit.testing.v1 import AppTest\n"
        # as ./run.sh serves it: single-user mode only answers on loopback
        "config.set_option('server.address', '127.0.0.1')\n"
        f"app = AppTest.from_file({str(APP)!r}, default_timeout=120).run()\n"
        "shown = [e.value for e in (*app.exception, *app.error)] or [h.value for h in app.header[:1]]\n"
        "print(time.perf_counter() - started if shown == ['起草'] else f'首页显示的是：{shown}')\n"
    )
    env = {**os.environ, "DRAFTING_DATA_DIR": str(settings.data_dir)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    last = (result.stdout.strip() or result.stderr.strip() or "没有输出").splitlines()[-1]
    try:
        return float(last)
    except ValueError:
        raise UserError(f"测量应用冷启动时首页没有正常打开：{last}") from None


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
    searcher = Searcher(cold, keyword_dir(cold.settings))
    print(f"load index for search (no embedding): {(time.perf_counter() - load_started) * 1000:.0f} ms")
    print(
        "\nretrieval quality on labelled paraphrased queries "
        f"({len(load_queries()['queries'])} queries, k={K}):"
    )
    for mode, figures in retrieval_quality(searcher).items():
        print(f"  {mode:7s} hit@5 {figures['hit@5']:.2f}   precision@5 {figures['precision@5']:.2f}")
    from drafting.carryover.accuracy import carryover_summary_line
    from drafting.models.factory import build_embedder
    from drafting.writing.planner_accuracy import planner_summary_line

    embed = build_embedder(settings)
    print(planner_summary_line(embed))
    print(carryover_summary_line(embed))
    queries = [q["q"] for q in load_queries()["queries"]]
    figures = latency(searcher, queries)
    print(f"\nsearch latency, bundled corpus: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms")
    if synthetic_sections:
        build_started = time.perf_counter()
        big = synthetic_index(cold, settings, synthetic_sections)
        big_searcher = Searcher(big, keyword_dir(big.settings))
        print(
            f"synthetic corpus of {big.count()} sections built in {time.perf_counter() - build_started:.1f} s"
        )
        figures = latency(big_searcher, queries)
        print(
            f"search latency, {big.count()} sections: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms"
        )
    print(
        f"app cold start (fresh process, built index, first page rendered): {app_cold_start(settings):.1f} s"
    )
    from drafting.materials.bench import materials_benchmark_lines

    materials_benchmark_lines()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {rss_mb:.0f} MB; total {time.perf_counter() - started:.0f} s")


BENCH_FACTS = {
    "organization": "江北市第一人民医院工会",
    "org_type": "医院",
    "period": "2025年",
    "facts": [
        "组织学习宣讲12场，覆盖职工900人次",
        "召开五届三次职代会，审议通过《医院绩效分配方案》",
        "春节走访慰问困难职工23户，发放慰问金4.6万元",
        "组织护理技能大赛，138人次参赛",
        "举办“三八”插花活动，参与女职工120人",
        "组织全院职工健步走活动",
        "开展“安康杯”知识竞赛",
        "新发展会员45人，完成年度工会经费审查",
    ],
    "problems": ["职工文体活动场地不足"],
    "plans": ["推进职工之家阵地建设"],
}


def run_llm_benchmark(settings: Settings) -> None:
    """The pipeline against the simulated endpoint, the command line's speed, and the checks' figures."""
    from drafting.service import DraftingService
    from drafting.simulator import Behaviour, running
    from drafting.writing.facts import parse_facts

    facts = parse_facts(BENCH_FACTS)
    library = Library(settings)
    library.ensure_built()
    delay, rate = 0.5, 40

    def timed(behaviour: Behaviour, **overrides: object) -> tuple[float, float, Draft]:
        with running(behaviour) as (url, _):
            run_settings = settings.model_copy(
                update={"llm_base_url": url, "llm_model": "simulated", **overrides}
            )
            started = time.perf_counter()
            first: list[float] = []

            def on_event(event: Event) -> None:
                if event.kind == "delta" and not first:
                    first.append(time.perf_counter() - started)

            draft = DraftingService(run_settings, library=library).draft(facts, on_event=on_event)
            return time.perf_counter() - started, first[0] if first else float("nan"), draft

    realistic = Behaviour(first_token_delay=delay, tokens_per_second=rate)
    sequential, _, _ = timed(realistic, llm_concurrency=1)
    default, first_text, draft = timed(realistic)
    instant, _, _ = timed(Behaviour())
    print(
        f"LLM pipeline on the simulated endpoint ({delay} s to first token, {rate} tokens/s per stream), "
        f"{len(draft.sections)} sections:"
    )
    print(f"  time to first streamed text: {first_text:.2f} s (endpoint first-token delay {delay} s)")
    print(
        f"  full draft: sequential {sequential:.1f} s; default {default:.1f} s ({sequential / default:.1f} x)"
    )
    print(
        f"  tokens per draft: prompt {draft.usage.prompt_tokens}, completion {draft.usage.completion_tokens}"
    )
    print(f"  pipeline overhead (same draft, instant endpoint, HTTP included): {instant:.2f} s")
    help_s, offline_s, new_folder_s = command_line_speed(settings)
    print(
        f"drafting --help: {help_s:.2f} s; cold drafting draft --offline: {offline_s:.2f} s (fresh process, built index)"
    )
    print(f"first offline draft in a new data folder: {new_folder_s:.2f} s (fresh process, as after install)")
    from drafting.checks.factguard import measure_guard

    example = parse_facts(load_data("example_facts.yaml"))
    service = DraftingService(settings, library=library)
    figures = measure_guard(service.draft(example, offline=True).markdown(signature=False), example)
    print(
        f"fact guard on {figures['cases']:.0f} planted errors: precision {figures['precision']:.2f}, recall {figures['recall']:.2f}"
    )
    from drafting.checks.tone import load_tone_pairs, ranked_correctly

    references = [r.body for r in library.corpus.reports()]
    print(
        f"tone: formal/colloquial pairs ranked correctly {ranked_correctly(references):.2f} ({len(load_tone_pairs())} pairs)"
    )
    proof_benchmark_lines()
    started = time.perf_counter()
    runs = 20
    for _ in range(runs):
        service.draft(facts, offline=True)
    print(
        f"offline engine: {(time.perf_counter() - started) / runs * 1000:.0f} ms per draft (index loaded, saved)"
    )


def command_line_speed(settings: Settings) -> tuple[float, float, float]:
    """Wall time of `drafting --help`, of an offline draft, and of one in a new data folder (as after install),
    each in a new process (best of three)."""
    import os
    import subprocess
    import sys

    command = str(Path(sys.executable).parent / "drafting")  # the console script beside this interpreter
    example = Path(tempfile.mkdtemp(prefix="drafting-bench-facts-")) / "facts.yaml"
    example.write_text(yaml.safe_dump(BENCH_FACTS, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "DRAFTING_DATA_DIR": str(settings.data_dir)}

    def best(args: list[str], new_folder: bool = False) -> float:
        times = []
        for _ in range(3):
            fresh = tempfile.TemporaryDirectory(prefix="drafting-bench-data-") if new_folder else None
            with fresh or nullcontext(env["DRAFTING_DATA_DIR"]) as data:
                run = {**env, "DRAFTING_DATA_DIR": data}
                started = time.perf_counter()
                subprocess.run([command, *args], env=run, capture_output=True, check=True, timeout=120)
                times.append(time.perf_counter() - started)
        return min(times)

    draft = ["draft", str(example), "--offline"]
    return best(["--help"]), best(draft), best(draft, new_folder=True)


def proof_benchmark_lines() -> None:
    from drafting.checks.proof import proof_benchmark

    f = proof_benchmark()
    other = f["corpus_findings"] - f["corpus_by_rule"].get("halfwidth-punctuation", 0)
    print(
        f"proofreading: recall {f['recall']:.2f} on {f['cases']} planted errors, "
        f"{len(f['false_alarms'])} false alarms on {f['clean_sentences']} correct sentences; "
        f"corpus {f['findings_per_1000_chars']:.1f} findings per 1,000 chars "
        f"({other * 1000 / f['corpus_chars']:.2f} without the scraped half-width commas); "
        f"{f['chars_per_second'] / 1000:.0f}k chars/s"
    )


def run_soak_benchmark(
    minutes: float, users: int = 20, accounts: bool = False, attacker: bool = False
) -> int:
    """`drafting bench --soak`: browser-like sessions on `streamlit run serve.py`, signed in to accounts of
    users/2 units with `accounts`. The exit code is non-zero when a session met an error, a draft was lost,
    a unit saw another's reports or drafts, or the server's memory grew by more than a tenth, so CI can gate on it.
    With `attacker` the soak runs twice, without and with a hostile session, and compares the others' p95."""
    if minutes <= 0 or users < 1:
        raise UserError("压力测试的时长（--soak 分钟数）须大于 0，会话数（--users）至少为 1。")
    if (APP.parent / "loadtest").is_dir() and str(APP.parent) not in sys.path:
        sys.path.insert(0, str(APP.parent))  # the soak's client lives in the checkout, not in the package
    try:
        from loadtest.soak import soak
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith("loadtest"):
            raise
        raise UserError(
            "压力测试需要项目源码中的 loadtest 包，当前安装里没有：请在源码目录中执行 pip install -e . 后再运行 drafting bench --soak。"
        ) from error
    if not APP.exists():
        raise UserError(f"找不到 {APP}：压力测试要驱动源码目录中的应用，请在源码目录中安装后再运行。")
    from loadtest.work import service_cpu_per_action, weighted

    work = service_cpu_per_action()
    pipeline = work["draft offline"]
    results = [soak(SERVER, minutes * 60, users, with_accounts=accounts)]
    if attacker:
        print("\n".join(results[0].lines()))
        print("再跑一遍，这次另有一个攻击会话（超长检索、超长要点、伪造控件、编号放大的 .docx）…", flush=True)
        results.append(soak(SERVER, minutes * 60, users, with_accounts=accounts, with_attacker=True))
    result = results[-1]
    print("\n".join(result.lines()))
    per_action = result.server_cpu_per_action
    print(
        f"server CPU per action: {per_action:.2f} s; pipeline alone {pipeline:.2f} s ({per_action / pipeline:.1f} x)"
    )
    done = {name: len(result.tally.timings.get(name, [])) for name in result.action_names}
    own = weighted(work, done)
    ratio = f"{per_action / own:.1f} x" if own else "no action done"
    print(
        f"each action's own work through the service alone, weighted as the soak did them: {own:.3f} s "
        f"({ratio}); per action: " + ", ".join(f"{name} {work[name]:.3f} s" for name in result.action_names)
    )
    if attacker:
        calm, attacked = results[0].p95(), results[1].p95()
        slower = attacked / calm - 1
        print(
            f"other sessions' p95 with the attacker: {attacked:.2f} s, without: {calm:.2f} s ({slower:+.0%}); "
            f"target within 20%: {'met' if slower <= 0.20 else 'missed'}"
        )
        for action in results[0].action_names:
            pair = [r.p95(action) for r in results]
            print(
                f"  {action}: p95 {pair[1]:.2f} s with, {pair[0]:.2f} s without ({pair[1] / pair[0] - 1:+.0%})"
            )
        print(f"  actions done: {results[1].actions} with, {results[0].actions} without")
    return 1 if any(r.problems for r in results) else 0
