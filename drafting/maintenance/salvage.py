"""Rebuilding a damaged SQLite drafts database from whatever rows can still be read.

Debian's `sqlite3` shell cannot `.recover` (its library lacks the sqlite_dbpage table it needs), so the
rows are read through SQLite itself: each table is scanned forwards, backwards and through every
index (an index holds the rowids of rows whose table pages may be gone), then every row found is
fetched on its own, so one damaged page costs only the rows on it. The rows go into a fresh database
with the current schema; rows only the newest sound backup still has are added back from it.
"""

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from drafting.storage.reports import REVISION_KEY

# Login sessions are never brought back from a backup: one revoked since would come alive again.
NOT_FROM_BACKUP = frozenset({"sessions"})
SCHEMA_TABLE = "alembic_version"  # written when the fresh database is created


@dataclass(frozen=True)
class Salvaged:
    rows: int  # read from the damaged file
    from_backup: int  # added from the backup


def salvage_into(damaged: Path, target: Path, backup: Path | None) -> Salvaged:
    """Fill `target` (a fresh database with the current schema) from `damaged`, then from `backup`."""
    with closing(sqlite3.connect(target)) as fresh:
        fresh.execute("PRAGMA journal_mode = DELETE")  # a single file, ready to be renamed into place
        tables = _tables(fresh)
        rows = _copy_readable(damaged, fresh, tables)
        from_backup = 0
        if backup is not None:
            from_backup = _copy_readable(backup, fresh, [t for t in tables if t not in NOT_FROM_BACKUP])
        if "settings" in tables:
            _forget_reports_revision(fresh)
        fresh.commit()
    return Salvaged(rows, from_backup)


def _forget_reports_revision(fresh: sqlite3.Connection) -> None:
    """The reports now are some of the damaged file's and some of the backup's: neither file's revision
    describes them, so the fingerprint digests them until the next change (storage/reports.py)."""
    fresh.execute("DELETE FROM settings WHERE key = ?", (REVISION_KEY,))


def _tables(db: sqlite3.Connection) -> list[str]:
    names = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [name for (name,) in names if name != SCHEMA_TABLE]


def _copy_readable(source: Path, fresh: sqlite3.Connection, tables: list[str]) -> int:
    """Insert every readable row of `source` the fresh database lacks; returns how many were inserted."""
    try:
        damaged = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        damaged.execute("PRAGMA writable_schema = ON")  # read on past schema entries that point at lost pages
    except sqlite3.Error:
        return 0
    copied = 0
    with closing(damaged):
        for table in tables:
            columns = _shared_columns(damaged, fresh, table)
            if not columns:
                continue
            names = ", ".join(f'"{c}"' for c in columns)
            insert = f'INSERT OR IGNORE INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
            for rowid in sorted(_rowids(damaged, table)):
                row = _one(damaged, f'SELECT {names} FROM "{table}" WHERE rowid = ?', (rowid,))
                if row is not None:
                    copied += fresh.execute(insert, row).rowcount
    return copied


def _shared_columns(damaged: sqlite3.Connection, fresh: sqlite3.Connection, table: str) -> list[str]:
    wanted = [name for _, name, *_ in fresh.execute(f'PRAGMA table_info("{table}")')]
    try:
        present = {name for _, name, *_ in damaged.execute(f'PRAGMA table_info("{table}")')}
    except sqlite3.DatabaseError:  # the schema page itself is unreadable
        return []
    return [name for name in wanted if name in present]


def _rowids(db: sqlite3.Connection, table: str) -> set[int]:
    scans = [
        f'SELECT rowid FROM "{table}" NOT INDEXED ORDER BY rowid',
        f'SELECT rowid FROM "{table}" NOT INDEXED ORDER BY rowid DESC',
    ]
    try:
        indexes = [name for _, name, *_ in db.execute(f'PRAGMA index_list("{table}")')]
    except sqlite3.DatabaseError:
        indexes = []
    scans += [f'SELECT rowid FROM "{table}" INDEXED BY "{index}"' for index in indexes]
    found: set[int] = set()
    for scan in scans:
        found |= _until_damage(db, scan)
    return found


def _until_damage(db: sqlite3.Connection, query: str) -> set[int]:
    """The rowids a scan yields before it reaches a damaged page."""
    found: set[int] = set()
    try:
        for (rowid,) in db.execute(query):
            found.add(rowid)
    except sqlite3.DatabaseError:
        pass
    return found


def _one(db: sqlite3.Connection, query: str, parameters: tuple[int]) -> tuple | None:
    """The row, or None when it cannot be read whole.

    SQLite reads pages past the end of a truncated file as zeros without an error, so a row whose
    overflow pages are gone comes back padded with NUL characters, which no stored text contains.
    """
    try:
        row = db.execute(query, parameters).fetchone()
    except sqlite3.DatabaseError:  # this row's page or overflow chain is damaged
        return None
    if row is None or any(isinstance(value, str) and "\0" in value for value in row):
        return None
    return row
