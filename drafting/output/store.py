"""Drafts saved in SQLite, so they can be reopened and their sections regenerated later."""

import sqlite3
from contextlib import closing
from pathlib import Path

from drafting.errors import UserError
from drafting.writing.draft import Draft


class DraftStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with closing(self._connect()) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS drafts (id TEXT PRIMARY KEY, title TEXT, created_at TEXT, "
                "updated_at TEXT DEFAULT CURRENT_TIMESTAMP, body TEXT NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def save(self, draft: Draft) -> None:
        with closing(self._connect()) as db, db:
            db.execute(
                "INSERT INTO drafts (id, title, created_at, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET title=excluded.title, body=excluded.body, updated_at=CURRENT_TIMESTAMP",
                (draft.id, draft.title, draft.created_at, draft.model_dump_json()),
            )

    def get(self, draft_id: str) -> Draft:
        with closing(self._connect()) as db:
            row = db.execute("SELECT body FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        if row is None:
            raise UserError(f"找不到编号为“{draft_id}”的草稿。可用 `drafting list` 查看已保存的草稿。")
        return Draft.model_validate_json(row[0])

    def list(self) -> list[tuple[str, str, str]]:
        """(id, title, updated_at) of every draft, newest first."""
        with closing(self._connect()) as db:
            return db.execute(
                "SELECT id, title, updated_at FROM drafts ORDER BY updated_at DESC, rowid DESC"
            ).fetchall()

    def delete(self, draft_id: str) -> None:
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM drafts WHERE id = ?", (draft_id,))
