"""Each page run's server time, written where `Settings.run_log` says (the soak sets it): a client sees
a page switch's server time and its wait in the queue as one figure."""

import gc
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

LAST_PAGE = "run_log_last_page"
_WRITING = threading.Lock()


class _Collections:
    """The process's garbage-collection time so far, by thread CPU: collections run outside the timed
    part (Streamlit's after each run, when it is on, and serve.py's), and they may cost more than the run."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.full_seconds = 0.0  # the oldest generation's
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.thread_time()
        else:
            spent = time.thread_time() - self._started
            self.seconds += spent
            if info["generation"] == 2:
                self.full_seconds += spent


_COLLECTIONS = _Collections()


@dataclass
class Run:
    page: str = ""  # the title of the page that ran, once the menu chose it


@contextmanager
def logged_run(path: Path | None) -> Iterator[Run]:
    """Time the script run inside; with a `path`, append its page, whether it switched pages, its wall
    time and this thread's CPU time. A rerun or stop ends a run as well as a return does."""
    run = Run()
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        yield run
    finally:
        if path is not None and run.page:
            if _COLLECTIONS not in gc.callbacks:
                gc.callbacks.append(_COLLECTIONS)
            previous = st.session_state.get(LAST_PAGE)
            st.session_state[LAST_PAGE] = run.page
            line = json.dumps(
                {
                    "page": run.page,
                    "switch": previous is not None and previous != run.page,
                    "seconds": round(time.perf_counter() - wall, 4),
                    "cpu": round(time.thread_time() - cpu, 4),
                    "gc_seconds": round(_COLLECTIONS.seconds, 4),
                    "gc_full_seconds": round(_COLLECTIONS.full_seconds, 4),
                },
                ensure_ascii=False,
            )
            with _WRITING, path.open("a", encoding="utf-8") as log:
                log.write(line + "\n")
