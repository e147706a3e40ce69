"""Bringing drafts over from the single-user store (data/drafts.sqlite3) into the database.

Each draft's JSON is copied byte for byte, sections and their previous versions included; the old
file is renamed, never deleted, so nothing is lost if the import is ever questioned.
"""

import sqlite3
from contextlib import closing, suppress
from datetime import UTC, datetime
from pathlib import Path

from drafting.access import Actor
from drafting.errors import UserError
from drafting.storage.audit import record
from drafting.storage.database import Database
from drafting.storage.drafts import parse_created_at
from drafting.storage.models import DraftRow

LEGACY_FILE = "drafts.sqlite3"
MIGRATED_SUFFIX = ".migrated"


def import_legacy_sqlite(path: Path, db: Database) -> int:
    """Copy every draft of an old store that is not in the database yet; returns how many were new.

    Imported drafts have no owner (single-user mode owns them; with accounts, admins see them).
    Running it again, or from two processes at once, adds nothing twice.
    """
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as legacy:
            rows = legacy.execute("SELECT id, title, created_at, updated_at, body FROM drafts").fetchall()
    except sqlite3.Error as error:
        raise UserError(
            f"旧的草稿文件 {path} 无法读取（{error}）。请确认它没有损坏；原文件保持不动。"
        ) from error
    insert = db.insert(DraftRow)
    with db.transaction() as session:
        imported = 0
        for draft_id, title, created_at, updated_at, body in rows:
            created = parse_created_at(created_at or "")
            statement = insert.values(
                id=draft_id,
                owner_id=None,
                unit_id=None,
                shared_with_unit=False,
                title=title or "",
                body=body,
                revision=1,
                open_findings=False,
                created_at=created,
                updated_at=_sqlite_utc(updated_at) or created,
            ).on_conflict_do_nothing(index_elements=["id"])
            imported += len(session.execute(statement.returning(DraftRow.id)).all())  # only new rows return
        if imported:
            record(session, Actor.local(), "导入旧草稿", f"从 {path.name} 导入 {imported} 份草稿")
    return imported


def migrate_legacy_file(data_dir: Path, db: Database) -> int:
    """Import data/drafts.sqlite3 if it is there, then rename it to drafts.sqlite3.migrated."""
    path = data_dir / LEGACY_FILE
    if not path.exists():
        return 0
    imported = import_legacy_sqlite(path, db)
    with suppress(FileNotFoundError):  # another process renamed it first
        path.rename(path.with_name(path.name + MIGRATED_SUFFIX))
    return imported


def _sqlite_utc(text: str | None) -> datetime | None:
    """SQLite's CURRENT_TIMESTAMP: 'YYYY-MM-DD HH:MM:SS' in UTC."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None
    except ValueError:
        return None
