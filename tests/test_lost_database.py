"""An emptied, deleted or half-cut drafts database is damage, never a fresh start: nothing is served
from it, the doctor names it, and `drafting doctor --repair` brings every draft back."""

import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from drafting.cli import main
from drafting.corpus.reports import describe
from drafting.service import DraftingService
from drafting.settings import Settings, load_settings
from drafting.storage.backup import (
    AFTER_SAVE,
    BACKUP_FOLDER,
    INTERVAL_SECONDS,
    KEEP,
    LAST_SAVE,
    AfterSaveCopies,
    backups,
    maybe_backup,
)
from drafting.storage.opening import database_url
from drafting.storage.sqlite_files import count_drafts
from drafting.writing.draft import Draft, DraftSection
from drafting.writing.facts import Facts, load_facts_file
from tests.conftest import ROOT, copy_data_folder


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A data folder with a one-report corpus (quick to index), also what `drafting …` reads."""
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    body = "\n\n".join(["某学校工会2025年工作总结", "一、第一项工作\n\n开展教职工活动。"])
    report = describe("seed90-01", "学校总结", body, "t.txt", "bundled")
    (bundled / "seed90-01.md").write_text(report.to_file_text(), encoding="utf-8")
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(bundled))
    return load_settings()


def save_drafts(settings: Settings, count: int) -> set[str]:
    """Save drafts the way the app and CLI do (each save asks for a backup). The copy after the first save
    is awaited, so the hourly backup holds that draft alone; the copy after the last one too."""
    service = DraftingService(settings)
    facts = Facts(organization="某学校工会", period="2025年", facts=["开展活动12次"])
    ids = set()
    for n in range(count):
        section = DraftSection(key="opening", kind="opening", heading="", text=f"第{n}份草稿。" * 50)
        draft = Draft(title=f"草稿{n}", facts=facts, sections=[section], engine="template")
        service.save(draft)
        ids.add(draft.id)
        if n == 0:
            assert AFTER_SAVE.wait(timeout=60)
    assert AFTER_SAVE.wait(timeout=60)  # the copy after the last save; the database is then closed last
    service.database.close()
    return ids


def listed(capsys: pytest.CaptureFixture[str]) -> set[str]:
    assert main(["list"]) == 0
    return {line.split("\t")[0] for line in capsys.readouterr().out.splitlines() if line}


@pytest.mark.parametrize("damage", ["emptied", "deleted"])
def test_an_emptied_or_deleted_database_is_refused_and_every_draft_comes_back(settings, capsys, damage):
    saved = save_drafts(settings, 3)
    database = settings.data_dir / "drafting.sqlite3"
    if damage == "emptied":
        database.write_bytes(b"")
    else:
        database.unlink()

    assert main(["list"]) == 1  # refused: never a fresh empty database
    error = capsys.readouterr().err
    assert "drafting doctor --repair" in error and ("清空" in error or "不见了" in error)
    assert not database.exists() or database.stat().st_size == 0  # nothing was created over it
    with pytest.raises(Exception, match="drafting doctor --repair"):
        DraftingService(settings).list_drafts()

    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "草稿数据库：有问题——drafting.sqlite3 " in out and "之前存有数据" in out

    for _ in range(5):
        assert main(["doctor", "--repair"]) == 0
    assert "从备份 last-save.sqlite3 补回" in capsys.readouterr().out
    assert listed(capsys) == saved


@pytest.mark.slow  # 7 s here
def test_rotation_keeps_the_last_backup_holding_more_drafts_than_the_live_database(settings):
    save_drafts(settings, 3)
    service = DraftingService(settings)
    for listing in service.list_drafts():
        service.delete(listing.id)  # the user deletes every draft: a legitimate empty database
    service.database.close()
    for n in range(KEEP + 2):  # many hourly backups of the empty database
        for path in backups(settings.data_dir):
            past = path.stat().st_mtime - INTERVAL_SECONDS - 1
            os.utime(path, (past, past))
        time.sleep(1.01)  # backups are named by the second
        assert maybe_backup(settings.data_dir, database_url(settings)).path is not None, n
    kept = backups(settings.data_dir)
    assert [count_drafts(path) for path in kept] == [0] * KEEP + [1]  # the hourly backup of the first save


@pytest.mark.parametrize("damage", ["cut in half", "header damaged"])
def test_a_damaged_database_gives_back_every_draft_saved_after_the_hourly_backup(settings, capsys, damage):
    saved = save_drafts(settings, 3)  # the first save made the hourly backup; the others came after it
    assert [count_drafts(path) for path in backups(settings.data_dir)] == [1]
    database = settings.data_dir / "drafting.sqlite3"
    data = database.read_bytes()
    if damage == "cut in half":
        database.write_bytes(data[: len(data) // 2])
    else:
        database.write_bytes(b"\0" * 100 + data[100:])

    assert main(["doctor"]) == 1
    assert main(["doctor", "--repair"]) == 0
    capsys.readouterr()
    assert listed(capsys) == saved


def test_a_draft_cut_off_mid_writing_is_marked_unfinished_everywhere(settings, capsys):
    save_drafts(settings, 1)
    service = DraftingService(settings)
    facts = Facts(organization="某学校工会", period="2025年", facts=["开展活动12次"])
    written = DraftSection(key="opening", kind="opening", heading="", text="开头。")
    never_written = DraftSection(key="work-care", kind="work", heading="关爱职工", status="pending")
    cut_off = Draft(title="写到一半", facts=facts, sections=[written, never_written], engine="template")
    service.save(cut_off)  # what the pipeline's save-after-every-section leaves behind a kill -9

    assert {row.id: row.unfinished for row in service.list_drafts()}[cut_off.id]
    assert sum(row.unfinished for row in service.list_drafts()) == 1
    service.database.close()
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines if "\t未完成" in line] == [cut_off.id]
    main(["doctor"])  # the index is not built here: only the database line matters
    assert (
        "草稿数据库：正常（2 份草稿，0 篇导入的范文，1 个自动备份；其中 1 份未完成，"
        in capsys.readouterr().out
    )


CONCURRENT_SAVES = """
import sqlite3, sys, threading
from pathlib import Path
from drafting.storage.backup import maybe_backup

folder = Path(sys.argv[1])
database = folder / "drafting.sqlite3"
with sqlite3.connect(database) as db:
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE saved (thread INTEGER, n INTEGER, body TEXT)")

def save_and_back_up(thread):
    with sqlite3.connect(database, timeout=30) as db:
        for n in range(60):
            db.execute("INSERT INTO saved VALUES (?, ?, ?)", (thread, n, "草稿" * 2000))
            db.commit()
            maybe_backup(folder, f"sqlite:///{database}")

threads = [threading.Thread(target=save_and_back_up, args=(t,)) for t in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
"""


@pytest.mark.slow  # eight processes' 480 saves with their copies, 19 s here
def test_concurrent_saves_back_up_without_killing_the_process_and_keep_the_newest_copy(tmp_path):
    """Eight sessions saving at once: each copy writes its own partial file (two sharing one truncated
    the other's memory-mapped -shm, and the server died of SIGBUS), and the copy after the last save
    holds every save."""
    done = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", CONCURRENT_SAVES, str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    with closing(sqlite3.connect(tmp_path / BACKUP_FOLDER / LAST_SAVE)) as copy:
        assert copy.execute("SELECT count(*) FROM saved").fetchone() == (8 * 60,)
    assert sorted(
        p.name for p in (tmp_path / BACKUP_FOLDER).iterdir() if not p.name.startswith("drafting-")
    ) == [LAST_SAVE]


def test_a_draft_is_copied_once_it_is_finished_not_after_each_section(settings, monkeypatch):
    """Writing saves after the outline and every section; the copy beside them is made once, of the
    finished draft (a copy per section cost the server more than the writing)."""
    from drafting.storage import backup
    from drafting.storage.drafts import PENDING_SECTION

    assert AFTER_SAVE.wait(timeout=60)  # earlier tests' copies are not counted here
    copies: list[str] = []
    copy = backup._copy
    monkeypatch.setattr(
        backup, "_copy", lambda source, folder, name: copies.append(name) or copy(source, folder, name)
    )
    service = DraftingService(settings)
    facts = Facts(
        organization="某学校工会", period="2025年", facts=["开展活动12次", "慰问职工30人", "举办培训5期"]
    )
    draft = service.draft(facts, offline=True)
    service.database.close()
    assert AFTER_SAVE.wait(timeout=60)

    assert len(draft.sections) > 3
    assert copies.count(LAST_SAVE) == 1
    with closing(sqlite3.connect(settings.data_dir / BACKUP_FOLDER / LAST_SAVE)) as copied:
        (body,) = copied.execute("SELECT body FROM drafts WHERE id = ?", (draft.id,)).fetchone()
    assert PENDING_SECTION not in body and "慰问职工30人" in body


def copied_drafts(settings: Settings) -> int:
    return count_drafts(settings.data_dir / BACKUP_FOLDER / LAST_SAVE)


def test_saves_during_a_copy_share_the_next_one_which_waits_its_turn(tmp_path):
    """Twenty saves while a copy runs return at once and are followed by one copy, started after them and
    at least the gap after the one before (the soak's six saves a second each copied the whole file)."""
    started: list[float] = []
    running, release = threading.Event(), threading.Event()

    def back_up(data_dir: Path, url: str) -> None:
        started.append(time.monotonic())
        running.set()
        assert release.wait(timeout=60)

    copies = AfterSaveCopies(back_up, gap=1.0)
    copies.request(tmp_path, "sqlite:///drafting.sqlite3")
    assert running.wait(timeout=60)
    for _ in range(20):
        copies.request(tmp_path, "sqlite:///drafting.sqlite3")
    assert not copies.wait(timeout=0.05)  # the first copy is still held
    release.set()
    assert copies.wait(timeout=60)
    assert len(started) == 2 and started[1] - started[0] >= 1.0


def test_a_copy_that_fails_does_not_stop_the_copies_after_later_saves(tmp_path):
    made: list[str] = []

    def back_up(data_dir: Path, url: str) -> None:
        made.append(url)
        if len(made) == 1:
            raise OSError("磁盘已满")

    copies = AfterSaveCopies(back_up, gap=0)
    for url in ("sqlite:///a.sqlite3", "sqlite:///b.sqlite3"):
        copies.request(tmp_path, url)
        assert copies.wait(timeout=60)
    assert made == ["sqlite:///a.sqlite3", "sqlite:///b.sqlite3"]


def test_a_database_emptied_before_its_copy_leaves_the_copies_of_its_drafts_alone(settings):
    """The copy after a save waits its turn; if the database is emptied meanwhile, the copy made then must
    not replace the one holding the drafts."""
    save_drafts(settings, 2)
    copies = AfterSaveCopies(maybe_backup, gap=1.0)
    copies.request(settings.data_dir, database_url(settings))
    assert copies.wait(timeout=60)
    copies.request(settings.data_dir, database_url(settings))  # within the gap: made a second from now
    (settings.data_dir / "drafting.sqlite3").write_bytes(b"")
    assert copies.wait(timeout=60)

    assert copied_drafts(settings) == 2
    assert [count_drafts(path) for path in backups(settings.data_dir)] == [1]
    made = maybe_backup(settings.data_dir, database_url(settings), force=True)
    assert made.path is None and "损坏" in made.note


def test_waiting_for_one_folders_copies_does_not_wait_for_another_folders(tmp_path):
    """Eval waits for its scratch folder's copies before deleting it, while users keep saving elsewhere."""
    saving = threading.Event()
    saving.set()
    copies: AfterSaveCopies

    def back_up(data_dir: Path, url: str) -> None:
        if data_dir.name == "live" and saving.is_set():
            copies.request(data_dir, url)  # a user saved again during the copy

    copies = AfterSaveCopies(back_up, gap=0)
    copies.request(tmp_path / "live", "sqlite:///live.sqlite3")
    copies.request(tmp_path / "scratch" / "0", "sqlite:///scratch.sqlite3")
    assert copies.wait(timeout=60, under=tmp_path / "scratch")
    assert not copies.wait(timeout=0.05)  # the live folder always has a copy to come
    saving.clear()
    assert copies.wait(timeout=60)


SAVE_AND_END = """
from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.writing.draft import Draft, DraftSection
from drafting.writing.facts import Facts

facts = Facts(organization="某学校工会", period="2025年", facts=["开展活动12次"])
section = DraftSection(key="opening", kind="opening", heading="", text="开头。")
for n in range(2):  # the second copy waits its turn: the process ends before it would start
    DraftingService(load_settings()).save(Draft(title=f"草稿{n}", facts=facts, sections=[section], engine="template"))
"""


def test_a_process_that_ends_right_after_a_save_first_makes_its_copy(settings):
    done = subprocess.run([sys.executable, "-c", SAVE_AND_END], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert copied_drafts(settings) == 2


def test_copying_a_data_folder_in_use_leaves_this_process_s_hold_on_its_database(tmp_path):
    """A data folder copied while this process has its database open (the browser and soak tests copy the
    session's built_library): a child then closing the database must not take itself for its last user.
    With shutil.copytree it did, deleted -wal/-shm, and the next connection here got "disk I/O error"."""
    settings = load_settings(data_dir=tmp_path / "data")
    draft_id = (
        DraftingService(settings)
        .draft(load_facts_file(ROOT / "drafting" / "data" / "example_facts.yaml"), offline=True)
        .id
    )
    assert AFTER_SAVE.wait(60, under=tmp_path)
    copy_data_folder(settings.data_dir, tmp_path / "copy")
    database = settings.data_dir / "drafting.sqlite3"
    reader = "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('SELECT count(*) FROM drafts'); db.close()"
    subprocess.run([sys.executable, "-c", reader, str(database)], check=True, timeout=60)
    assert database.with_name(database.name + "-wal").exists()  # only the last user of the file removes it
    assert DraftingService(settings).get(draft_id).id == draft_id  # a new connection in this process
    assert DraftingService(load_settings(data_dir=tmp_path / "copy")).get(draft_id).id == draft_id
