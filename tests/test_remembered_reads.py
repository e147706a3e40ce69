"""Reads a page asks for on every run are remembered until anything is committed, by any process (SQLite),
and asked every time of a database server."""

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from drafting.errors import UserError
from drafting.storage import Database, DraftRepository, open_database
from drafting.storage.data_version import DataVersion
from drafting.storage.models import SettingRow
from tests.pg import SignIn
from tests.test_storage_drafts import SampleDraft, Section


def counted(values: list[str]) -> tuple[Callable[[], str], list[str]]:
    """A read that gives `values` in turn, and the list of what it gave."""
    calls: list[str] = []

    def read() -> str:
        calls.append(values[len(calls) % len(values)])
        return calls[-1]

    return read, calls


def test_a_read_is_remembered_until_a_commit_on_sqlite_and_never_on_a_server(db: Database):
    read, calls = counted(["a", "b", "c", "d"])
    remembered = db.dialect == "sqlite"
    assert db.remembered("k", read) == "a"
    assert db.remembered("k", read) == ("a" if remembered else "b")
    with db.transaction():  # a transaction that writes nothing changes nothing
        pass
    assert db.remembered("k", read) == ("a" if remembered else "c")
    _commit(db, "x")  # any commit, through another of the pool's connections
    assert db.remembered("k", read) == ("b" if remembered else "d")
    assert db.remembered("other key", lambda: "own") == "own"


def test_a_commit_by_another_process_is_seen(tmp_path: Path):
    file = tmp_path / "drafting.sqlite3"
    db = open_database(f"sqlite:///{file}")
    read, calls = counted(["before", "after"])
    assert db.remembered("k", read) == "before"
    assert db.remembered("k", read) == "before" and len(calls) == 1
    insert = "INSERT INTO settings VALUES ('x', '1', 0)"
    writer = f"import sqlite3; c = sqlite3.connect({str(file)!r}); c.execute({insert!r}); c.commit()"
    subprocess.run([sys.executable, "-c", writer], check=True)
    assert db.remembered("k", read) == "after" and len(calls) == 2
    db.close()


def test_a_commit_made_while_reading_is_read_again(tmp_path: Path):
    db = open_database(f"sqlite:///{tmp_path / 'drafting.sqlite3'}")
    calls = []

    def read() -> int:
        calls.append(1)
        if len(calls) == 1:  # another session saves while this one reads
            _commit(db, "during")
        return len(calls)

    assert db.remembered("k", read) == 1
    assert db.remembered("k", read) == 2  # the version was taken before the read: it is out of date
    assert db.remembered("k", read) == 2
    db.close()


def test_a_file_swapped_in_by_a_repair_is_polled_from_then_on(tmp_path: Path):
    file = tmp_path / "drafting.sqlite3"
    version = DataVersion(file)
    assert version.current() is None  # no file yet: nothing is remembered, and polling creates none
    assert not file.exists()
    open_database(f"sqlite:///{file}").close()
    first = version.current()
    assert first is not None and version.current() == first
    spare = tmp_path / "fresh.sqlite3"
    with sqlite3.connect(spare) as connection:  # not in WAL mode: shares no -shm file with the old one
        connection.execute("CREATE TABLE settings (key, value, encrypted)")
    connection.close()
    spare.replace(file)  # as `drafting doctor --repair` swaps in its rebuilt file
    swapped = version.current()
    assert swapped is not None and swapped != first
    connection = sqlite3.connect(file)
    connection.execute("INSERT INTO settings VALUES ('x', '1', 0)")
    connection.commit()
    connection.close()
    assert version.current() not in (swapped, None)  # a commit to the new file is seen
    version.close()


def test_lists_on_every_run_follow_saves_and_stay_per_user(db: Database, sign_in: SignIn):
    drafts = DraftRepository(db, SampleDraft)
    alice, bob = sign_in(db, "alice", "机关工会"), sign_in(db, "bob", "教育工会")
    assert drafts.titles(alice) == [] and drafts.titles(bob) == []
    drafts.save(SampleDraft(title="机关工会2025年工作总结"), alice)
    assert [t.title for t in drafts.titles(alice)] == ["机关工会2025年工作总结"]
    assert drafts.titles(bob) == []
    shown = drafts.titles(alice)
    shown.clear()  # a caller's list is its own
    assert len(drafts.titles(alice)) == 1


def test_a_commit_made_while_the_poll_was_closed_is_not_missed(tmp_path: Path):
    """The poll's count starts again on a new connection: what was remembered before is read again."""
    file = tmp_path / "drafting.sqlite3"
    db = open_database(f"sqlite:///{file}")
    read, calls = counted(["before", "while away", "after"])
    assert db.remembered("k", read) == "before"
    file.rename(tmp_path / "away.sqlite3")  # the poll fails once (as on a busy file) and lets go
    assert db.remembered("k", read) == "while away"  # asked, not remembered
    (tmp_path / "away.sqlite3").rename(file)
    _commit(db, "meanwhile")
    assert db.remembered("k", read) == "after"
    db.close()


def test_a_file_emptied_behind_sqlites_back_is_read_again(tmp_path: Path):
    """Emptied or overwritten in place, the file itself changes: the read then meets the damage."""
    file = tmp_path / "drafting.sqlite3"
    db = open_database(f"sqlite:///{file}")
    read, calls = counted(["whole", "emptied"])
    assert db.remembered("k", read) == "whole"
    with file.open("r+b") as opened:  # same inode
        opened.truncate(0)
    assert db.remembered("k", read) == "emptied"
    db.close()


def test_a_remembered_draft_is_parsed_afresh_for_each_caller_and_kept_from_other_units(
    db: Database, sign_in: SignIn
):
    drafts = DraftRepository(db, SampleDraft)
    alice, bob = sign_in(db, "alice", "机关工会"), sign_in(db, "bob", "教育工会")
    saved = SampleDraft(title="机关工会2025年工作总结", sections=[Section(key="opening", text="一年来")])
    drafts.save(saved, alice)
    shown = drafts.get(saved.id, alice)
    shown.draft.sections[0].text = "只改在这一份里"
    again = drafts.get(saved.id, alice)
    assert again.draft.sections[0].text == "一年来" and again.revision == shown.revision
    with pytest.raises(UserError):
        drafts.get(saved.id, bob)
    drafts.save(again.draft.model_copy(update={"title": "改了标题"}), alice, again.revision)
    assert drafts.get(saved.id, alice).draft.title == "改了标题"
    assert drafts.revision(saved.id, alice) == drafts.get(saved.id, alice).revision == again.revision + 1


def _commit(db: Database, key: str) -> None:
    with db.transaction() as session:
        session.merge(SettingRow(key=key, value="1", encrypted=False))
