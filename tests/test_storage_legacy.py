"""Moving drafts from the single-user store (drafts.sqlite3, written by DraftStore) into the database."""

import sqlite3
import uuid
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path

import pytest
from pydantic import BaseModel, Field
from sqlalchemy import select

from drafting.access import Actor
from drafting.errors import UserError
from drafting.storage import DraftRepository, import_legacy_sqlite, migrate_legacy_file, open_database
from drafting.storage.audit import audit_log
from drafting.storage.models import DraftRow


class Section(BaseModel):
    key: str
    text: str
    previous_versions: list[str] = []


class LegacyDraft(BaseModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    title: str
    sections: list[Section]
    created_at: str = Field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))


def write_legacy_store(path: Path, drafts: list[LegacyDraft]) -> None:
    """Exactly the SQL of the single-user DraftStore (constructor and save), as it writes drafts.sqlite3."""
    with closing(sqlite3.connect(path, timeout=10)) as db, db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS drafts (id TEXT PRIMARY KEY, title TEXT, created_at TEXT, "
            "updated_at TEXT DEFAULT CURRENT_TIMESTAMP, body TEXT NOT NULL)"
        )
    for draft in drafts:
        with closing(sqlite3.connect(path, timeout=10)) as db, db:
            db.execute(
                "INSERT INTO drafts (id, title, created_at, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET title=excluded.title, body=excluded.body, updated_at=CURRENT_TIMESTAMP",
                (draft.id, draft.title, draft.created_at, draft.model_dump_json()),
            )


def legacy_rows(path: Path) -> dict[str, tuple[str, str]]:
    with closing(sqlite3.connect(path)) as db:
        return {row[0]: (row[1], row[2]) for row in db.execute("SELECT id, title, body FROM drafts")}


def sample_drafts() -> list[LegacyDraft]:
    regenerated = Section(
        key="work-care",
        text="第三版：困难职工帮扶 128 人次。",
        previous_versions=["第一版：帮扶困难职工。", "第二版：帮扶 120 人次，含“引号”与 <标签>。"],
    )
    return [
        LegacyDraft(
            title="2023年度工作总结", sections=[Section(key="opening", text="一年来……"), regenerated]
        ),
        LegacyDraft(title="2024年度工作计划", sections=[Section(key="plan", text="明年将……")]),
        LegacyDraft(title="", sections=[]),
    ]


def test_every_draft_is_copied_with_its_json_untouched(database_url: str, tmp_path: Path) -> None:
    legacy = tmp_path / "drafts.sqlite3"
    drafts = sample_drafts()
    write_legacy_store(legacy, drafts)
    write_legacy_store(legacy, [drafts[0]])  # saved twice: updated_at moves on, as it does in use
    db = open_database(database_url)
    assert import_legacy_sqlite(legacy, db) == 3
    with db.reading() as session:
        copied = {row.id: (row.title, row.body) for row in session.scalars(select(DraftRow))}
    assert copied == legacy_rows(legacy)
    local = Actor.local()
    repository = DraftRepository(db, LegacyDraft)
    for draft in drafts:
        stored = repository.get(draft.id, local)
        assert stored.draft == draft and stored.owner is None
    assert repository.get(drafts[0].id, local).draft.sections[1].previous_versions == [
        "第一版：帮扶困难职工。",
        "第二版：帮扶 120 人次，含“引号”与 <标签>。",
    ]
    assert any(e.action == "导入旧草稿" and "3 份" in e.detail for e in audit_log(db, local))
    db.close()


def test_importing_again_adds_nothing_and_keeps_later_edits(database_url: str, tmp_path: Path) -> None:
    legacy = tmp_path / "drafts.sqlite3"
    drafts = sample_drafts()
    write_legacy_store(legacy, drafts)
    db = open_database(database_url)
    repository = DraftRepository(db, LegacyDraft)
    assert import_legacy_sqlite(legacy, db) == 3
    edited = drafts[1].model_copy(update={"title": "导入后改过"})
    repository.save(edited, Actor.local(), expected_revision=1)
    assert import_legacy_sqlite(legacy, db) == 0
    assert len(repository.list(Actor.local())) == 3
    assert repository.get(edited.id, Actor.local()).draft.title == "导入后改过"
    db.close()


def test_imported_drafts_are_for_admins_once_accounts_exist(
    database_url: str, tmp_path: Path, sign_in: Callable[..., Actor]
) -> None:
    legacy = tmp_path / "drafts.sqlite3"
    write_legacy_store(legacy, sample_drafts())
    db = open_database(database_url)
    import_legacy_sqlite(legacy, db)
    repository = DraftRepository(db, LegacyDraft)
    assert repository.list(sign_in(db, "member", "机关工会")) == []
    assert len(repository.list(sign_in(db, "admin", "机关工会", admin=True))) == 3
    db.close()


def test_the_old_file_is_renamed_never_deleted(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write_legacy_store(data_dir / "drafts.sqlite3", sample_drafts())
    before = legacy_rows(data_dir / "drafts.sqlite3")
    db = open_database(f"sqlite:///{data_dir / 'drafting.sqlite3'}")
    assert migrate_legacy_file(data_dir, db) == 3
    assert not (data_dir / "drafts.sqlite3").exists()
    assert legacy_rows(data_dir / "drafts.sqlite3.migrated") == before
    assert migrate_legacy_file(data_dir, db) == 0  # next start: nothing left to do
    db.close()


def test_an_unreadable_old_file_is_explained_and_left_alone(tmp_path: Path) -> None:
    legacy = tmp_path / "drafts.sqlite3"
    legacy.write_bytes(b"garbage" * 1000)
    db = open_database(f"sqlite:///{tmp_path / 'drafting.sqlite3'}")
    with pytest.raises(UserError, match="旧的草稿文件"):
        migrate_legacy_file(tmp_path, db)
    assert legacy.read_bytes() == b"garbage" * 1000
    db.close()
