"""Run the real drafting pipeline on every case for every system, timed, and score each draft.

Drafts go through the same DraftingService the app and the command use, with its database in a
scratch folder, so an evaluation never fills the user's draft list. Cases of one endpoint run side by
side, but never with more requests in flight than the endpoint's LLM_CONCURRENCY: N cases at once
each get LLM_CONCURRENCY // N concurrent sections. One Library (one index, loaded once) serves all.
"""

import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from drafting.errors import UserError
from drafting.evaluation.cases import Case
from drafting.evaluation.metrics import score_draft
from drafting.evaluation.systems import System
from drafting.storage.backup import AFTER_SAVE, EXIT_WAIT_SECONDS

if TYPE_CHECKING:
    from drafting.retrieval.library import Library
    from drafting.service import DraftingService
    from drafting.settings import Settings

# For the up-front time estimate only: a typical hosted model streams ~30 tokens/s after ~1 s.
STREAM_TOKENS_PER_S = 30.0
FIRST_TOKEN_S = 1.0


class CaseResult(BaseModel):
    case: str
    fact_coverage: float | None = None
    invented_values: int | None = None
    altered_values: int | None = None
    status_promotions: int | None = None
    sections_failed: int | None = None
    length_score: float | None = None
    tone_distance: float | None = None
    time_to_first_text_s: float | None = None
    total_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    invented: list[str] = []
    missing_facts: list[str] = []
    problems_without_measure: list[str] = []
    proof_findings: int | None = None
    sections: list[dict[str, str]] = []
    error: str = ""
    # for report.md and the blind pack, not part of the JSON
    altered: list[str] = Field(default=[], exclude=True)
    promoted: list[str] = Field(default=[], exclude=True)
    markdown: str = Field(default="", exclude=True)


class Summary(BaseModel):
    fact_coverage: float | None
    invented_values: int | None
    altered_values: int | None
    status_promotions: int | None
    sections_failed: int | None
    length_score: float | None
    tone_distance: float | None
    time_to_first_text_s: float | None
    total_s: float
    prompt_tokens: int
    completion_tokens: int
    cost: float


class SystemRun(BaseModel):
    system: str
    summary: Summary
    cases: list[CaseResult]


class EvalResult(BaseModel):
    runs: list[SystemRun]


class Estimate(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    cost: float
    seconds: float


OnCase = Callable[[str, CaseResult], None]
CASES_AT_ONCE = 4


def parallelism(settings: "Settings", requested: int | None, cases: int) -> tuple[int, int]:
    """(cases at once, sections at once per case), together within the endpoint's LLM_CONCURRENCY."""
    if not settings.llm_concurrency:  # no limit of our own: sections all at once (the profile still caps)
        return max(1, min(requested or CASES_AT_ONCE, cases)), 0
    limit = settings.llm_concurrency
    at_once = max(1, min(requested or limit, limit, cases))
    return at_once, max(1, limit // at_once)


def estimate_run(settings: "Settings", cases: list[Case]) -> Estimate:
    """Tokens and cost of an endpoint's run by the pipeline's own estimate; time at a typical pace."""
    from drafting.service import DraftingService

    service = DraftingService(settings)
    prompt = completion = calls = 0
    total_cost = 0.0
    for case in cases:
        usage, case_cost = service.estimate(case.facts)
        prompt, completion = prompt + usage.prompt_tokens, completion + usage.completion_tokens
        total_cost += case_cost
        calls += len(service.plan(case.facts, embed=False).sections)
    serial = calls * FIRST_TOKEN_S + completion / STREAM_TOKENS_PER_S
    return Estimate(
        prompt_tokens=prompt,
        completion_tokens=completion,
        cost=total_cost,
        seconds=serial / (settings.llm_concurrency or CASES_AT_ONCE),
    )


def run_eval(
    cases: list[Case],
    systems: list[System],
    library: "Library",
    concurrency: int | None = None,
    on_case: OnCase | None = None,
) -> EvalResult:
    """Every system on every case, one system after another (so their timings do not disturb each other)."""
    library.ensure_built()
    library.search("职工", k=1)  # load the searcher once, before worker threads share it
    references = _references_by_unit(library)
    with tempfile.TemporaryDirectory(prefix="drafting-eval-") as scratch:
        try:
            runs = [
                run_system(system, cases, library, references, Path(scratch) / str(n), concurrency, on_case)
                for n, system in enumerate(systems)
            ]
        finally:  # the scratch folder goes once the copies after its saves are made
            AFTER_SAVE.wait(EXIT_WAIT_SECONDS, under=Path(scratch))
    return EvalResult(runs=runs)


def run_system(
    system: System,
    cases: list[Case],
    library: "Library",
    references: dict[str | None, list[str]],
    scratch: Path,
    concurrency: int | None = None,
    on_case: OnCase | None = None,
) -> SystemRun:
    settings, at_once = library.settings, 1  # the offline engine is CPU-bound: one case at a time
    if system.settings is not None:
        at_once, per_case = parallelism(system.settings, concurrency, len(cases))
        settings = system.settings.model_copy(update={"llm_concurrency": per_case})
    notify = on_case or (lambda system_name, result: None)

    def one(case: Case) -> CaseResult:
        service = _scratch_service(settings, library, scratch / case.name)
        result = run_case(case, service, system.offline, references)
        notify(system.name, result)
        return result

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        results = list(pool.map(one, cases))
    return SystemRun(
        system=system.name, summary=summarize(results, time.perf_counter() - started), cases=results
    )


def _scratch_service(settings: "Settings", library: "Library", folder: Path) -> "DraftingService":
    """A service whose drafts are saved in `folder` (one per case: no two threads share a database)."""
    from drafting.service import DraftingService

    folder.mkdir(parents=True, exist_ok=True)
    return DraftingService(
        settings.model_copy(update={"data_dir": folder, "database_url": ""}), library=library
    )


def run_case(
    case: Case, service: "DraftingService", offline: bool, references: dict[str | None, list[str]]
) -> CaseResult:
    """One draft, timed from the call to its first text and to its end, then scored."""
    from drafting.writing.estimate import cost
    from drafting.writing.outline import unit_type

    started = time.perf_counter()
    first_text: list[float] = []

    def on_event(event) -> None:  # noqa: ANN001 - a drafting Event
        if event.kind in ("delta", "section_done") and not first_text:
            first_text.append(time.perf_counter() - started)

    try:
        draft = service.draft(case.facts, offline=offline, on_event=on_event)
    except UserError as error:
        return CaseResult(case=case.name, total_s=_seconds(started), error=str(error))
    except Exception as error:  # one broken case must not lose the others' results
        return CaseResult(
            case=case.name, total_s=_seconds(started), error=f"意外错误（{type(error).__name__}）：{error}"
        )
    total_s = _seconds(started)
    unit = unit_type(case.facts)
    score = score_draft(draft, references.get(unit) or references[None])
    return CaseResult(
        case=case.name,
        fact_coverage=score.fact_coverage,
        invented_values=len(score.invented),
        altered_values=len(score.altered),
        status_promotions=len(score.promoted),
        sections_failed=score.sections_failed,
        length_score=score.length_score,
        tone_distance=score.tone_distance,
        time_to_first_text_s=round(first_text[0], 3) if first_text else None,
        total_s=total_s,
        prompt_tokens=draft.usage.prompt_tokens,
        completion_tokens=draft.usage.completion_tokens,
        cost=0.0 if offline else round(cost(draft.usage, service.settings), 6),
        invented=score.invented,
        missing_facts=score.missing_facts,
        problems_without_measure=score.problems_without_measure,
        proof_findings=score.proof_findings,
        sections=score.sections,
        altered=score.altered,
        promoted=score.promoted,
        markdown=draft.markdown(),
    )


def summarize(cases: list[CaseResult], wall_seconds: float) -> Summary:
    """Means of the rates, sums of the counts (over cases that produced a draft), wall time of the run."""
    drafted = [c for c in cases if not c.error]

    def mean(name: str) -> float | None:
        values = [getattr(c, name) for c in drafted if getattr(c, name) is not None]
        return round(statistics.mean(values), 3) if values else None

    def total(name: str) -> int | None:
        return sum(getattr(c, name) for c in drafted) if drafted else None

    return Summary(
        fact_coverage=mean("fact_coverage"),
        invented_values=total("invented_values"),
        altered_values=total("altered_values"),
        status_promotions=total("status_promotions"),
        sections_failed=total("sections_failed"),
        length_score=mean("length_score"),
        tone_distance=mean("tone_distance"),
        time_to_first_text_s=mean("time_to_first_text_s"),
        total_s=round(wall_seconds, 3),
        prompt_tokens=sum(c.prompt_tokens for c in cases),
        completion_tokens=sum(c.completion_tokens for c in cases),
        cost=round(sum(c.cost for c in cases), 6),
    )


def _references_by_unit(library: "Library") -> dict[str | None, list[str]]:
    """Corpus report bodies by unit type; None holds them all (for a unit type with no reports)."""
    by_unit: dict[str | None, list[str]] = {None: []}
    for report in library.corpus.reports():
        by_unit.setdefault(report.meta.unit_type, []).append(report.body)
        by_unit[None].append(report.body)
    return by_unit


def _seconds(started: float) -> float:
    return round(time.perf_counter() - started, 3)
