"""Imports run in the background: off the page's thread, one at a time, ranked below the pages, and their
outcome (a Chinese message for a failure, never a traceback) kept for their owner alone."""

import os
import shutil
import threading

import pytest

from drafting.background import (
    DONE,
    FAILED,
    INTERNAL_FAILURE,
    QUEUED,
    RUNNING,
    BackgroundJobs,
    Job,
    in_background,
)
from drafting.errors import UserError
from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.text import lexicon, prefixes
from tests.conftest import ROOT

REPORT = "\n\n".join(
    [
        "青松中学工会2024年工作总结",
        "2024年，校工会在学校党总支的领导下扎实开展各项工作。现将有关情况总结如下：",
        "一、教职工之家建设",
        "新建教职工书屋一间，购置图书三百二十册，全年借阅八百余人次。",
    ]
)


def finished(job: Job) -> Job:
    for _ in range(600):
        if job.finished:
            return job
        job.wait(0.1)
    raise AssertionError(f"job {job.title} did not finish")


def test_a_job_runs_off_the_callers_thread_and_reports_progress_and_result() -> None:
    jobs = BackgroundJobs()
    seen: list[str] = []

    def work(progress):  # type: ignore[no-untyped-def]
        seen.append(threading.current_thread().name)
        progress(3, 4)
        return "报告"

    job = finished(jobs.start("alice", "a.docx", work))
    assert job.state == DONE and job.result == "报告" and (job.done, job.total) == (3, 4)
    assert seen and seen[0].startswith("drafting-job") and seen[0] != threading.current_thread().name


def test_jobs_queue_one_at_a_time() -> None:
    jobs = BackgroundJobs()
    release = threading.Event()
    first = jobs.start("alice", "big.txt", lambda progress: release.wait(60))
    second = jobs.start("bob", "small.txt", lambda progress: "ok")
    for _ in range(100):
        if first.state == RUNNING:
            break
        first.wait(0.05)
    assert first.state == RUNNING and second.state == QUEUED
    release.set()
    assert finished(second).state == DONE and first.state == DONE


def test_failures_become_messages_and_the_worker_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    jobs = BackgroundJobs()

    def refused(progress):  # type: ignore[no-untyped-def]
        raise UserError("文件不是有效的 .docx。")

    def broken(progress):  # type: ignore[no-untyped-def]
        raise KeyError("internal")

    assert finished(jobs.start("alice", "a", refused)).error == "文件不是有效的 .docx。"
    bug = finished(jobs.start("alice", "b", broken))
    assert bug.state == FAILED and bug.error == INTERNAL_FAILURE and "KeyError" not in bug.error
    assert "background job" in caplog.text
    assert finished(jobs.start("alice", "c", lambda progress: 1)).state == DONE


def test_each_owner_sees_only_their_jobs_until_the_outcome_is_shown() -> None:
    jobs = BackgroundJobs()
    mine = finished(jobs.start("alice", "mine", lambda progress: 1))
    finished(jobs.start("bob", "theirs", lambda progress: 1))
    assert jobs.of("alice") == [mine]
    mine.seen = True
    assert jobs.of("alice") == []


def test_the_worker_ranks_below_the_pages() -> None:
    jobs = BackgroundJobs()
    page = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    job = finished(
        jobs.start("alice", "x", lambda progress: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    )
    assert job.result == min(page + 10, 19)


def test_a_nicety_ranks_below_the_pages_and_work_a_user_waits_for_does_not() -> None:
    page = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    ranks: dict[str, int] = {}

    def note(name: str) -> None:
        ranks[name] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    in_background("nicety", lambda: note("nicety")).join(30)
    in_background("awaited", lambda: note("awaited"), below_pages=False).join(30)
    assert ranks == {"nicety": min(page + 10, 19), "awaited": page}


def test_an_import_started_by_one_member_is_followed_by_them_alone(tmp_path, sign_in) -> None:
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    shutil.copy(sorted((ROOT / "examples_corpus").glob("*.md"))[0], bundled)
    settings = load_settings(data_dir=tmp_path / "data", corpus_dir=bundled)
    local = DraftingService(settings)
    jobs = BackgroundJobs()
    school = DraftingService(
        settings, sign_in(local.database, "bob", "青松中学工会"), library=local.library, jobs=jobs
    )
    hospital = DraftingService(
        settings, sign_in(local.database, "alice", "红杉医院工会"), library=local.library, jobs=jobs
    )
    job = finished(school.start_import("青松中学总结.txt", REPORT.encode()))
    assert job.state == DONE, job.error
    assert school.import_jobs() == [job] and hospital.import_jobs() == []
    assert job.result.meta.id in [r.id for r in school.list_reports()]
    failed = finished(school.start_import("坏文件.docx", b"not a zip"))
    assert failed.state == FAILED and "docx" in failed.error.lower()


def test_a_background_nicety_that_fails_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise RuntimeError("index away")

    in_background("warm-up", broken).join(30)
    assert "warm-up failed" in caplog.text


def test_warming_up_runs_the_pipeline_and_leaves_nothing_behind(tmp_path) -> None:
    """The app's first draft no longer pays for the process's cold start, and the warm-up itself saves
    no draft and charges nobody."""
    import sys

    bundled = tmp_path / "bundled"
    bundled.mkdir()
    shutil.copy(sorted((ROOT / "examples_corpus").glob("*.md"))[0], bundled)
    service = DraftingService(load_settings(data_dir=tmp_path / "data", corpus_dir=bundled))
    import gc

    gc.unfreeze()
    service.warm_up()
    assert "drafting.models.openai_chat" in sys.modules and "langchain_openai" in sys.modules
    tokenizer = lexicon._tokenizer()  # a server's memory no longer creeps up with new characters
    assert isinstance(tokenizer, prefixes.Tokenizer) and tokenizer._unloaded == {}
    # what it loaded stays for the process: later full collections no longer traverse it
    assert gc.get_freeze_count() > 100_000
    gc.unfreeze()
    assert service.list_drafts() == []


def test_the_warm_up_embeds_the_themes_for_the_indexs_embedder_and_builds_the_model_client(tmp_path):
    """The drafts plan with the index's embedder: its theme vectors are ready before the first outline.
    A configured endpoint's client is built as well, without any request to it."""
    import gc

    from drafting.writing import themes

    bundled = tmp_path / "bundled"
    bundled.mkdir()
    shutil.copy(sorted((ROOT / "examples_corpus").glob("*.md"))[0], bundled)
    settings = load_settings(
        data_dir=tmp_path / "data", corpus_dir=bundled, llm_base_url="http://127.0.0.1:9/v1"
    )
    service = DraftingService(settings)
    service.warm_up()
    gc.unfreeze()
    assert service.library.index.embedder in themes._THEME_VECTORS
    assert service.list_drafts() == []
