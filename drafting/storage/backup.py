"""Automatic backups of the SQLite drafts database: at most one an hour, the newest five kept, plus a
copy after every save while the database is small, made in the background, usually within a second or two.

The copy is made with SQLite's online backup API (a consistent snapshot even while others write),
checked, and only then given its final name, so a backup in `backups/` is always a sound database
and a damaged database never pushes good backups out. The hourly backups keep history; the copy after
each save (`last-save.sqlite3`) means a file cut in half loses no draft saved since the last hour.
Rotation never deletes the last backup holding more drafts than the live database, so a database
emptied by accident cannot push the drafts out of the backups. PostgreSQL is backed up with its own tools.
"""

import atexit
import logging
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from drafting.storage.private import make_private
from drafting.storage.sqlite_files import count_drafts, remove_with_sidecars, sqlite_problem, timestamp

BACKUP_FOLDER = "backups"
KEEP = 5
INTERVAL_SECONDS = 3600
LAST_SAVE = "last-save.sqlite3"
# Copying takes about 1 ms per MB (see the report in `drafting doctor`), so up to this size every save
# is copied; a larger database relies on the hourly backups and the salvage.
COPY_EVERY_SAVE_BYTES = 64 * 1024 * 1024
# Saves in quick succession share the copy after them: one starts at most this often per database, and
# less often when copying takes more than COPY_SHARE of the time in between.
MIN_GAP_SECONDS = 1.0
COPY_SHARE = 0.1
EXIT_WAIT_SECONDS = 60  # a process that ends waits this long for the copy after its last save
PG_DUMP_NOTE = (
    "PostgreSQL 数据库不做自动备份，请用 pg_dump 定期备份，例如每天运行："
    "pg_dump -Fc -f drafting-$(date +%F).dump 数据库名；恢复用 pg_restore。"
)

_COPYING = threading.Lock()

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backup:
    path: Path | None  # the new backup, None when none was made
    note: str  # what happened, in Chinese


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a sqlite:/// URL; None for other databases."""
    try:
        url = make_url(database_url.strip())
    except ArgumentError:
        return None
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def backups(data_dir: Path) -> list[Path]:
    """The backups in the data folder, newest first."""
    found = (data_dir / BACKUP_FOLDER).glob("drafting-*.sqlite3")
    return sorted(found, key=lambda path: (_mtime(path), path.name), reverse=True)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:  # rotated away by another process meanwhile
        return 0


def maybe_backup(data_dir: Path, database_url: str, *, force: bool = False) -> Backup:
    """Back up the drafts database unless the newest backup is under an hour old (`force` ignores that).

    Call it after a successful save; it never raises, because a failed backup must not fail the save.
    """
    source = sqlite_file(database_url)
    if source is None:
        return Backup(None, PG_DUMP_NOTE)
    if not source.exists():
        return Backup(None, "还没有草稿数据库，无需备份。")
    try:
        if source.stat().st_size <= COPY_EVERY_SAVE_BYTES:
            _copy(source, data_dir / BACKUP_FOLDER, LAST_SAVE)
        existing = backups(data_dir)
        if not force and existing and time.time_ns() - _mtime(existing[0]) < INTERVAL_SECONDS * 1_000_000_000:
            return Backup(None, f"最近一小时内已备份过（{existing[0].name}）。")
        target = _copy(source, data_dir / BACKUP_FOLDER, f"drafting-{timestamp()}.sqlite3")
    except (OSError, sqlite3.Error, _Unsound) as error:
        logger.warning("draft backup failed: %s: %s", type(error).__name__, error)
        reason = "磁盘或文件夹不可写" if isinstance(error, OSError) else "数据库文件可能已损坏"
        return Backup(None, f"自动备份没有完成（{reason}）。请运行 `drafting doctor` 检查。")
    _rotate(data_dir, count_drafts(source))
    return Backup(target, f"已备份到 {target}")


Target = tuple[Path, str]  # (data folder, database URL)


class AfterSaveCopies:
    """The backup after a save, made by one background thread so the save returns without waiting for it.

    Each save is followed by a copy that starts after it, but saves in quick succession share one: in the
    20-session soak six saves a second each copied the whole file. A process that exits normally first
    waits for the copy after its last save (at most EXIT_WAIT_SECONDS)."""

    def __init__(self, back_up: Callable[[Path, str], object], gap: float = MIN_GAP_SECONDS):
        self._back_up, self._gap = back_up, gap
        self._pending: dict[Target, None] = {}  # ordered: the longest waiting first
        self._not_before: dict[Target, float] = {}  # monotonic time of each target's next copy
        self._running: Target | None = None
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def request(self, data_dir: Path, database_url: str) -> None:
        with self._changed:
            self._pending[(data_dir, database_url)] = None
            if self._thread is None:
                thread = threading.Thread(target=self._work, name="drafting-backup", daemon=True)
                try:
                    thread.start()
                except RuntimeError as error:  # no thread to be had: the save stands, the next one asks again
                    logger.warning("draft backup postponed: %s", error)
                    return
                self._thread = thread
                atexit.register(self.wait, EXIT_WAIT_SECONDS)
            self._changed.notify_all()

    def wait(self, timeout: float | None = None, under: Path | None = None) -> bool:
        """Until every requested copy is made (of the data folders in `under` only, if given: another
        folder's saves may keep coming); False if `timeout` seconds passed first."""

        def waiting(target: Target | None) -> bool:
            return target is not None and (under is None or target[0].is_relative_to(under))

        with self._changed:
            return self._changed.wait_for(
                lambda: not any(map(waiting, [*self._pending, self._running])), timeout
            )

    def _work(self) -> None:
        while True:
            with self._changed:
                target, wait = self._due()
                while target is None:
                    self._changed.wait(wait)
                    target, wait = self._due()
                del self._pending[target]
                self._running = target
            started = time.monotonic()
            try:
                self._back_up(*target)
            except Exception:  # noqa: BLE001 - one failed copy must not stop the copies after later saves
                logger.exception("draft backup failed")
            finally:
                took = time.monotonic() - started
                with self._changed:
                    self._not_before = {t: at for t, at in self._not_before.items() if at > started}
                    self._not_before[target] = started + max(self._gap, took / COPY_SHARE)
                    self._running = None
                    self._changed.notify_all()

    def _due(self) -> tuple[Target | None, float | None]:
        """A target whose copy may start now, else how long until one may (None: nothing is pending)."""
        now = time.monotonic()
        waits = []
        for target in self._pending:
            if (wait := self._not_before.get(target, now) - now) <= 0:
                return target, None
            waits.append(wait)
        return None, min(waits, default=None)


AFTER_SAVE = AfterSaveCopies(maybe_backup)


def _rotate(data_dir: Path, live_drafts: int) -> None:
    """Keep the newest KEEP backups, and also the newest one holding more drafts than the live database
    when none of those does: if drafts vanished by accident, that backup is the only way back."""
    found = backups(data_dir)
    kept, older = found[:KEEP], found[KEEP:]
    if not any(count_drafts(path) > live_drafts for path in kept):
        richer = next((path for path in older if count_drafts(path) > live_drafts), None)
        older = [path for path in older if path != richer]
    for old in older:
        old.unlink(missing_ok=True)


class _Unsound(Exception):
    """The copy failed its check: the database itself is probably damaged."""


def _copy(source: Path, folder: Path, name: str) -> Path:
    """A checked snapshot of `source` as folder/name. Copies in this process take turns, so the copy after
    the last save is the newest; each writes its own partial file, because SQLite maps a WAL database's
    `-shm` file into memory, and a second copy truncating a shared one killed the server (SIGBUS)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    with _COPYING:
        handle, partial_name = tempfile.mkstemp(dir=folder, prefix=f"{name}.", suffix=".part")
        os.close(handle)
        partial = Path(partial_name)
        try:
            with (
                closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as origin,
                closing(sqlite3.connect(partial)) as copy,
            ):
                origin.backup(copy)
                if not copy.execute("SELECT 1 FROM sqlite_master").fetchone():  # emptied since the save
                    raise _Unsound("草稿数据库是空的，连表都没有")
                copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            if problem := sqlite_problem(partial):
                raise _Unsound(problem)
            partial.replace(target)
        finally:
            remove_with_sidecars(partial)
    make_private(folder.parent)
    return target


def newest_sound_backup(data_dir: Path, *, with_drafts: bool = False) -> Path | None:
    """The newest copy (the one after the last save, else the hourly ones) that passes SQLite's integrity
    check; `with_drafts` skips copies holding no draft (made of a database already emptied)."""
    last_save = data_dir / BACKUP_FOLDER / LAST_SAVE
    candidates = [last_save] if last_save.exists() else []
    return next(
        (
            path
            for path in candidates + backups(data_dir)
            if sqlite_problem(path, thorough=True) is None and (not with_drafts or count_drafts(path) > 0)
        ),
        None,
    )
