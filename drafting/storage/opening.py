"""Opening the drafts database so that a damaged, emptied or deleted file ends in a message naming the
fix, not a traceback, and never in a fresh empty database that hides the drafts.

"Existed before" is known two ways, because either alone can be lost: a marker file written next to
the database once it is open (`drafting.sqlite3.created`, so even a database holding no draft yet is
protected), and the automatic backups (a backup holding drafts proves there were drafts, even when
the marker was deleted along with the database or the data folder predates the marker).
"""

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from drafting.settings import Settings
from drafting.storage.backup import newest_sound_backup, sqlite_file
from drafting.storage.errors import StorageDamaged
from drafting.storage.private import make_private
from drafting.storage.sqlite_files import sqlite_problem

if TYPE_CHECKING:
    from drafting.storage import Database


MARKER_SUFFIX = ".created"
MARKER_TEXT = (
    "本文件说明草稿数据库曾经建立过：数据库文件不见了或被清空时，程序据此拒绝当作新库使用，"
    "并提示运行 drafting doctor --repair 从自动备份恢复。请勿删除。\n"
)


class DatabaseDamaged(StorageDamaged):
    """A drafts file (the database or an old drafts.sqlite3 to import) fails its check before opening,
    or the database that existed is gone or emptied."""


def marker_file(database: Path) -> Path:
    return database.with_name(database.name + MARKER_SUFFIX)


def vanished(settings: Settings) -> str | None:
    """Why the SQLite drafts database that existed before is now missing or empty; None when it is not."""
    path = sqlite_file(database_url(settings))
    if path is None or (path.exists() and path.stat().st_size > 0):
        return None
    if not marker_file(path).exists() and newest_sound_backup(settings.data_dir, with_drafts=True) is None:
        return None  # never created here: a first start
    return "文件已被清空（0 字节）" if path.exists() else "文件不见了"


def mark_created(database: Path) -> None:
    """Write the marker once the database holds its schema (a marker that cannot be written is not fatal)."""
    marker = marker_file(database)
    if not marker.exists():
        with contextlib.suppress(OSError):
            marker.write_text(MARKER_TEXT, encoding="utf-8")


def database_url(settings: Settings) -> str:
    from drafting.storage import resolve_database_url

    return resolve_database_url(settings.data_dir, settings.database_url)


def legacy_file(settings: Settings) -> Path | None:
    """The single-user store of earlier versions, imported on open when no DATABASE_URL is set."""
    from drafting.storage.legacy import LEGACY_FILE

    return None if settings.database_url else settings.data_dir / LEGACY_FILE


def open_database_safely(settings: Settings) -> "Database":
    """`open_database` plus the import of an old drafts file; a damaged SQLite file ends in StorageDamaged
    (DatabaseDamaged when the check before opening finds it), naming `drafting doctor --repair`."""
    from drafting.storage import migrate_legacy_file, open_database

    url = database_url(settings)
    path = sqlite_file(url)
    legacy = legacy_file(settings)
    if path is not None and (reason := vanished(settings)):
        raise DatabaseDamaged(path, f"{reason}，之前存有数据；不会当作新库使用")
    for candidate in (path, legacy):
        if candidate is not None and candidate.exists() and (problem := sqlite_problem(candidate)):
            raise DatabaseDamaged(candidate, problem)
    database = open_database(url)
    if path is not None:
        mark_created(path)
        make_private(path.parent)
    if legacy is not None:
        migrate_legacy_file(settings.data_dir, database)
    return database
