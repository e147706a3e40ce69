"""Long work (importing a report) off the page's own thread: the page shows its progress and stays usable.

A page that starts a job only follows it. Leaving the page, or clicking elsewhere, stops the following,
never the job, and its outcome is shown the next time its owner looks. One job runs at a time per process,
on a thread the operating system ranks below the pages' threads, so a long import queues behind nothing a
colleague is waiting for and one member cannot start ten imports at once.
"""

import itertools
import logging
import os
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from drafting.errors import UserError

logger = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "排队中", "进行中", "已完成", "失败"
KEEP_FINISHED = 20  # per owner: the latest finished jobs, until their outcome has been shown
_NICE = 10  # below the pages' threads (Linux ranks threads one by one)
INTERNAL_FAILURE = "导入时出现程序内部错误，已记入服务器日志；文件没有导入，请把文件发给管理员排查。"

Progress = Callable[[int, int], None]


@dataclass
class Job:
    """One piece of background work and what its owner may read about it."""

    id: int
    owner: Hashable
    title: str
    state: str = QUEUED
    done: int = 0
    total: int = 0
    result: Any = None
    error: str = ""
    seen: bool = False  # the owner has been shown the outcome
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    @property
    def finished(self) -> bool:
        return self.state in (DONE, FAILED)

    def wait(self, seconds: float) -> None:
        """Until the job moves on (or `seconds` pass): a page following it redraws only on news."""
        with self._changed:
            if not self.finished:
                self._changed.wait(seconds)

    def _update(self, **values: Any) -> None:
        with self._changed:
            for name, value in values.items():
                setattr(self, name, value)
            self._changed.notify_all()


class BackgroundJobs:
    def __init__(self, workers: int = 1):
        self._pool = ThreadPoolExecutor(workers, "drafting-job", initializer=_lower_priority)
        self._jobs: list[Job] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def start(self, owner: Hashable, title: str, work: Callable[[Progress], Any]) -> Job:
        """Queue `work(progress)`; its UserError becomes the job's Chinese message, any other error is logged."""
        job = Job(next(self._ids), owner, title)
        with self._lock:
            self._jobs.append(job)
            self._forget_old(owner)
        self._pool.submit(_run, job, work)
        return job

    def of(self, owner: Hashable) -> list[Job]:
        """The owner's jobs still running or not yet shown, oldest first."""
        with self._lock:
            return [job for job in self._jobs if job.owner == owner and not (job.finished and job.seen)]

    def _forget_old(self, owner: Hashable) -> None:
        finished = [job for job in self._jobs if job.owner == owner and job.finished]
        for job in finished[:-KEEP_FINISHED]:
            self._jobs.remove(job)


def in_background(name: str, work: Callable[[], object], below_pages: bool = True) -> threading.Thread:
    """Run `work` once on a thread of its own, ranked below the pages unless it is work a user waits for;
    a failure is logged, never raised."""

    def quietly() -> None:
        if below_pages:
            _lower_priority()
        try:
            work()
        except Exception:  # noqa: BLE001 - a background nicety must not take anything down
            logger.exception("%s failed", name)

    thread = threading.Thread(target=quietly, name=name, daemon=True)
    thread.start()
    return thread


def _run(job: Job, work: Callable[[Progress], Any]) -> None:
    job._update(state=RUNNING)
    try:
        result = work(lambda done, total: job._update(done=done, total=total))
    except UserError as error:
        job._update(state=FAILED, error=str(error))
    except Exception:  # noqa: BLE001 - a bug must not reach the page as a traceback, nor kill the worker
        logger.exception("background job %s (%s) failed", job.id, job.title)
        job._update(state=FAILED, error=INTERNAL_FAILURE)
    else:
        job._update(state=DONE, result=result)


def _lower_priority() -> None:
    with suppress(AttributeError, OSError):  # not Linux, or not allowed: the job still runs, at normal rank
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICE)


JOBS = BackgroundJobs()  # the process's queue, shared by every session of the app
