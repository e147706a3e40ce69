"""Opening the drafts database so that a damaged file ends in a message naming the fix, not a traceback."""

from pathlib import Path
from typing import TYPE_CHECKING

from drafting.maintenance.backup import sqlite_file
from drafting.maintenance.sqlite_files import sqlite_problem
from drafting.settings import Settings
from drafting.storage.errors import StorageDamaged

if TYPE_CHECKING:
    from drafting.storage import Database


class DatabaseDamaged(StorageDamaged):
    """A drafts file (the database or an old drafts.sqlite3 to import) fails its check before opening."""


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
    for candidate in (path, legacy):
        if candidate is not None and candidate.exists() and (problem := sqlite_problem(candidate)):
            raise DatabaseDamaged(candidate, problem)
    database = open_database(url)
    if legacy is not None:
        migrate_legacy_file(settings.data_dir, database)
    return database
