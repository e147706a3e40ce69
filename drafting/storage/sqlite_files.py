"""SQLite files on disk: is one intact, and how to set a damaged one aside without ever deleting it.

Used for the drafts database and chroma's own `chroma.sqlite3`; nothing here imports the rest of
the program, so the index can check its file before chroma opens (and panics on) a damaged one.
"""

import contextlib
import logging
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import TypeVar

logger = logging.getLogger(__name__)
SIDECARS = ("-wal", "-shm")  # SQLite finds these next to the database by name
R = TypeVar("R")


def retry_while_locked(call: Callable[[], R], error: type[Exception], seconds: float, pause: float) -> R:
    """`call()`, tried again for up to `seconds` while it fails with `error` saying the file is locked.

    For the locks SQLite answers at once instead of queueing them behind its busy timeout: it refuses
    a lock that could deadlock, and a switch of journal mode, rather than wait.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            return call()
        except error as raised:
            if "locked" not in str(raised).lower() or time.monotonic() > deadline:
                raise
            time.sleep(pause)


def sqlite_problem(path: Path, thorough: bool = False) -> str | None:
    """A short Chinese reason when the file is damaged, else None.

    `quick_check` takes about a millisecond per megabyte; `thorough` runs `integrity_check`, which
    also compares every index with its table. A file that is locked, or holds a journal left by a
    killed writer (which only a writer may roll back), is not damaged: that gives None too.
    """
    pragma = "integrity_check" if thorough else "quick_check"
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)) as db:
            rows = db.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.DatabaseError as error:
        message = str(error).lower()
        return "文件已损坏或不是数据库文件" if "not a database" in message or "malformed" in message else None
    return None if rows == [("ok",)] else "文件已损坏（完整性检查发现错误）"


def sqlite_problem_beside_another_sqlite(path: Path) -> str | None:
    """`sqlite_problem` for a file another copy of SQLite may hold open in this process (chroma's, built into
    its Rust extension): POSIX locks belong to the process, so closing our own descriptor of the file would
    drop that copy's locks, and another process could then write over its transaction. When the file is
    open here (so that copy opened it once already) the check runs in a child process; a check that cannot
    run there is logged and passes, leaving the file to that copy's own errors."""
    if not _maybe_open_in_this_process(path):
        return sqlite_problem(path)
    check = (
        "import sys; from pathlib import Path; from drafting.storage.sqlite_files import sqlite_problem; "
        "print(sqlite_problem(Path(sys.argv[1])) or '')"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", check, str(path)], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        logger.warning("could not check %s in a child process: %s", path, error)
        return None
    if done.returncode != 0:
        logger.warning("could not check %s in a child process: %s", path, done.stderr[-2000:])
        return None
    return done.stdout.strip() or None


def _maybe_open_in_this_process(path: Path) -> bool:
    """Whether a descriptor of this process points at the file; True where /proc cannot tell."""
    descriptors = Path("/proc/self/fd")
    if not descriptors.is_dir():
        return True
    target = path.resolve()
    for descriptor in descriptors.iterdir():
        with contextlib.suppress(OSError):
            if Path(os.readlink(descriptor)) == target:
                return True
    return False


def count_drafts(path: Path) -> int:
    """How many drafts the file holds; 0 when it has no drafts table or cannot be read."""
    return count_rows(path, "drafts")


def count_rows(path: Path, table: str) -> int:
    """How many rows `table` holds in the file; 0 when it has no such table or cannot be read."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)) as db:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
                return 0
            return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    except sqlite3.Error:
        return 0


def timestamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def aside_path(path: Path, stamp: str) -> Path:
    """`<name>.damaged-<stamp>`, numbered when that name is taken, so nothing is ever overwritten."""
    candidate = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while candidate.exists() or any(_sidecar(candidate, s).exists() for s in SIDECARS):
        number += 1
        candidate = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    return candidate


def move_aside(path: Path, stamp: str) -> Path:
    """Rename a file or folder out of the way; a database keeps its -wal/-shm next to it under the new name."""
    target = aside_path(path, stamp)
    for suffix in SIDECARS:
        sidecar = _sidecar(path, suffix)
        if sidecar.exists():
            sidecar.rename(_sidecar(target, suffix))
    path.rename(target)
    return target


def remove_with_sidecars(path: Path) -> None:
    """Delete a database file of our own making, with whatever journal SQLite left beside it."""
    for leftover in (path, *(_sidecar(path, suffix) for suffix in (*SIDECARS, "-journal"))):
        leftover.unlink(missing_ok=True)


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)
