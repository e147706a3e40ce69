"""`drafting doctor`: every damaged state gets a Chinese finding naming the fix, and --repair fixes it
without deleting anything the user made."""

import argparse
import json
import os
import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from pydantic import BaseModel

from drafting.access import Actor
from drafting.corpus.reports import describe
from drafting.maintenance.cli import register
from drafting.maintenance.doctor import LEGACY_SCHEMA
from drafting.maintenance.salvage import salvage_into
from drafting.retrieval.library import Library
from drafting.settings import Settings, load_settings
from drafting.storage import DraftRepository, ReportRepository, open_database
from drafting.storage.backup import INTERVAL_SECONDS, KEEP, LAST_SAVE, backups, maybe_backup
from drafting.storage.opening import DatabaseDamaged, database_url, open_database_safely


class Note(BaseModel):
    """A stand-in draft: the repository stores any model with an id, a title and a created_at."""

    id: str
    title: str
    created_at: str
    body: str


def doctor(settings: Settings, *flags: str) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["doctor", *flags])
    return args.handler(args, settings)


def doctor_json(settings: Settings, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, dict]:
    code = doctor(settings, "--json", *flags)
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    body = "\n\n".join(
        ["某学校工会2025年工作总结", "学校工会围绕中心工作，现将全年工作总结如下："]
        + [f"{n}、第{n}项工作\n\n开展第{n}次教职工活动。" for n in range(1, 4)]
    )
    report = describe("seed90-01", "学校总结", body, "t.txt", "bundled")
    (bundled / "seed90-01.md").write_text(report.to_file_text(), encoding="utf-8")
    return load_settings(data_dir=tmp_path / "data", corpus_dir=bundled)


def save_notes(settings: Settings, numbers: range) -> dict[str, str]:
    """Save drafts with bodies long enough to fill many pages; returns id → body."""
    database = open_database(database_url(settings))
    repository = DraftRepository(database, Note)
    saved = {}
    for n in numbers:
        note = Note(
            id=f"note{n:04d}", title=f"草稿{n}", created_at="2025-01-01T08:00:00", body=f"第{n}份。" * 300
        )
        repository.save(note, Actor.local())
        saved[note.id] = note.body
    database.close()
    return saved


def stored_notes(settings: Settings) -> dict[str, str]:
    database = open_database_safely(settings)
    repository = DraftRepository(database, Note)
    notes = {
        listing.id: repository.get(listing.id, Actor.local()).draft.body
        for listing in repository.list(Actor.local())
    }
    database.close()
    return notes


def database_file(settings: Settings) -> Path:
    return settings.data_dir / "drafting.sqlite3"


def truncate(path: Path, keep: int | None = None) -> bytes:
    """The file cut to its first `keep` bytes (two thirds of it unless given)."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3 if keep is None else keep])
    return path.read_bytes()


def test_a_healthy_data_folder(settings, capsys):
    Library(settings).build()
    save_notes(settings, range(3))
    code, found = doctor_json(settings, capsys)
    assert code == 0 and found["healthy"]
    assert found["index"]["chunks_expected"] == found["index"]["chunks_indexed"] > 0
    assert found["database"]["drafts"] == 3 and found["corpus"]["reports"] == 0

    assert doctor(settings) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all("：正常" in line for line in lines)


def test_a_partial_index_is_reported_then_completed(settings, capsys):
    library = Library(settings)
    library.build()
    stored = sorted(library.index.ids())
    library.index.collection.delete(ids=stored[:3])
    library.close()

    code, found = doctor_json(settings, capsys)
    assert code == 1 and not found["index"]["ok"]
    assert (found["index"]["chunks_expected"], found["index"]["chunks_indexed"]) == (
        len(stored),
        len(stored) - 3,
    )
    assert doctor(settings) == 1
    assert f"范文索引：有问题——只有 {len(stored) - 3}/{len(stored)} 段已索引" in capsys.readouterr().out

    assert doctor(settings, "--repair") == 0
    assert "索引已补全：新增 3 段" in capsys.readouterr().out
    assert Library(settings).check().complete


def test_a_truncated_drafts_database_is_salvaged_and_kept_aside(settings, capsys):
    originals = save_notes(settings, range(40))
    assert maybe_backup(settings.data_dir, database_url(settings)).path is not None
    file = database_file(settings)
    backed_up_size = file.stat().st_size
    originals |= save_notes(settings, range(40, 80))
    # cut halfway through the drafts saved since the backup, wherever the tables before them end
    damaged = truncate(file, (backed_up_size + file.stat().st_size) // 2)

    with pytest.raises(DatabaseDamaged, match="drafting doctor --repair"):
        open_database_safely(settings)
    assert doctor(settings) == 1
    assert "草稿数据库：有问题——drafting.sqlite3 文件已损坏" in capsys.readouterr().out

    assert doctor(settings, "--repair") == 0
    output = capsys.readouterr().out
    assert "原文件改名保存为 drafting.sqlite3.damaged-" in output and "草稿数据库：正常" in output
    (aside,) = settings.data_dir.glob("drafting.sqlite3.damaged-*[0-9]")
    assert aside.read_bytes() == damaged  # kept exactly as found
    recovered = stored_notes(settings)
    backed_up = {f"note{n:04d}" for n in range(40)}
    assert backed_up <= recovered.keys()  # what the damaged file lost, the backup had
    assert len(recovered) > 40  # and some drafts newer than the backup were read from the damaged file
    assert all(recovered[draft_id] == originals[draft_id] for draft_id in recovered)


def test_without_a_backup_the_readable_drafts_are_kept(settings, capsys):
    originals = save_notes(settings, range(60))
    truncate(database_file(settings))
    assert doctor(settings, "--repair") == 0
    assert re.search(r"从中读出 [1-9]\d* 行数据。", capsys.readouterr().out)
    recovered = stored_notes(settings)
    assert 0 < len(recovered) < 60
    assert all(recovered[draft_id] == originals[draft_id] for draft_id in recovered)


def test_a_damaged_old_drafts_file_is_salvaged_before_its_import(settings, capsys):
    """data/drafts.sqlite3 of earlier versions is imported on open; damaged, it blocked every start."""
    settings.data_dir.mkdir(parents=True)
    legacy = settings.data_dir / "drafts.sqlite3"
    originals = {}
    with closing(sqlite3.connect(legacy)) as db, db:
        db.execute(LEGACY_SCHEMA)
        for n in range(60):
            note = Note(
                id=f"old{n:04d}", title=f"旧草稿{n}", created_at="2024-05-01T08:00:00", body=f"旧{n}。" * 300
            )
            db.execute(
                "INSERT INTO drafts (id, title, created_at, body) VALUES (?, ?, ?, ?)",
                (note.id, note.title, note.created_at, note.model_dump_json()),
            )
            originals[note.id] = note.body
    truncate(legacy)

    with pytest.raises(DatabaseDamaged, match="drafts.sqlite3"):
        open_database_safely(settings)
    assert doctor(settings, "--repair") == 0
    assert "drafts.sqlite3 已损坏：原文件改名保存为 drafts.sqlite3.damaged-" in capsys.readouterr().out
    recovered = stored_notes(settings)  # opening imports the salvaged old file
    assert 0 < len(recovered) < 60 and all(recovered[i] == originals[i] for i in recovered)
    assert (settings.data_dir / "drafts.sqlite3.migrated").exists()


def test_a_damaged_chroma_folder_is_set_aside_and_rebuilt(settings, capsys):
    library = Library(settings)
    library.build()
    library.close()  # as when the app has stopped: chroma shares one open store per folder and process
    chroma_file = settings.index_dir / "chroma" / "chroma.sqlite3"
    chroma_file.write_bytes(b"\0" * 100 + chroma_file.read_bytes()[100:])
    damaged = chroma_file.read_bytes()

    code, found = doctor_json(settings, capsys)
    assert code == 1 and found["index"]["problems"] == ["索引文件已损坏"]
    assert "drafting doctor --repair" in found["index"]["fix"]

    code, found = doctor_json(settings, capsys, "--repair")
    assert code == 0 and any("index.damaged-" in line for line in found["repairs"])
    (aside,) = settings.data_dir.glob("index.damaged-*")
    assert (aside / "chroma" / "chroma.sqlite3").read_bytes() == damaged
    assert found["index"]["chunks_indexed"] == found["index"]["chunks_expected"] > 0
    assert Library(settings).search("教职工活动", k=1)[0].report == "seed90-01"


def test_overwritten_search_vectors_are_found_by_checksum_and_rebuilt(settings, capsys):
    library = Library(settings)
    library.build()
    before = [hit.text for hit in library.search("第2次教职工活动", k=4, mode="dense")]
    vectors = library.searcher.keywords.generation / "vectors.npy"
    library.close()
    data = bytearray(vectors.read_bytes())
    data[128:] = np.random.default_rng(1).random((len(data) - 128) // 4, dtype=np.float32).tobytes()
    vectors.write_bytes(bytes(data))  # the .npy header intact: the file still loads

    code, found = doctor_json(settings, capsys)
    assert code == 1 and found["index"]["damaged_keyword_files"] == ["vectors.npy"]
    assert doctor(settings) == 1
    assert "检索文件已损坏（vectors.npy 与保存时的校验值不符）" in capsys.readouterr().out

    code, found = doctor_json(settings, capsys, "--repair")
    assert code == 0 and "检索文件已损坏（vectors.npy）：已从向量库重新生成。" in found["repairs"]
    assert [hit.text for hit in Library(settings).search("第2次教职工活动", k=4, mode="dense")] == before


def test_report_files_are_checked_and_set_right(settings, capsys):
    folder = settings.user_corpus_dir
    folder.mkdir(parents=True)
    (folder / "user-0000000000.md").write_text("没有元数据块", encoding="utf-8")
    good = describe("user-abcdef0123", "医院总结", "某医院工会工作总结\n\n开展职工活动。", "x.txt", "user")
    (folder / "我的范文.md").write_text(good.to_file_text(), encoding="utf-8")
    stray = folder / "user-1111111111.part"
    stray.write_text("half", encoding="utf-8")
    os.utime(stray, (time.time() - 3600, time.time() - 3600))
    in_progress = folder / "user-2222222222.part"
    in_progress.write_text("being written", encoding="utf-8")

    code, found = doctor_json(settings, capsys)
    assert code == 1
    assert found["corpus"]["unreadable"] == ["user-0000000000.md"]
    assert found["corpus"]["misnamed"] == ["我的范文.md"] and found["corpus"]["stray_parts"] == [stray.name]
    assert found["index"]["problems"] == ["范文文件有问题，无法核对索引"]

    assert doctor(settings, "--repair") == 0
    # the readable report moved into the database; the old folder is kept, renamed, with what was set aside
    assert [r.meta.id for r in Library(settings).corpus.reports()] == ["seed90-01", "user-abcdef0123"]
    kept = folder.with_name("user_corpus.imported")
    assert not folder.exists()
    assert sorted(p.name for p in kept.iterdir() if not p.name.startswith("user-0000000000.md.damaged-")) == [
        "user-2222222222.part",  # may still be renamed by a running import: left alone
        "user-abcdef0123.md",
    ]
    assert len(list(kept.glob("user-0000000000.md.damaged-*"))) == 1
    assert Library(settings).check().complete
    # counted where it now is: the database line, not the old folder's (which said 正常（0 篇）)
    capsys.readouterr()
    code, found = doctor_json(settings, capsys)
    assert found["database"]["reports"] == 1 and found["corpus"]["reports"] == 0
    assert doctor(settings) == 0
    out = capsys.readouterr().out
    assert "1 篇导入的范文" in out and "旧版的范文文件：正常（没有，导入的范文都在数据库里）" in out


def test_an_unreadable_endpoint_file_is_found_and_set_aside(settings, capsys):
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "endpoint.json").write_text('{"llm_base_url": ', encoding="utf-8")
    code, found = doctor_json(settings, capsys)
    assert code == 1 and "endpoint.json 无法解析" in found["settings"]["problems"][0]
    assert doctor(settings, "--repair") == 0
    assert "请在“设置”页重新填写模型接口" in capsys.readouterr().out
    assert not (settings.data_dir / "endpoint.json").exists()
    assert len(list(settings.data_dir.glob("endpoint.json.damaged-*"))) == 1


@pytest.mark.slow  # 6 s here
def test_backups_are_hourly_keep_five_and_never_copy_damage(settings, capsys):
    save_notes(settings, range(3))
    data_dir, url = settings.data_dir, database_url(settings)
    first = maybe_backup(data_dir, url)
    assert first.path is not None and sqlite3.connect(first.path).execute(
        "SELECT count(*) FROM drafts"
    ).fetchone() == (3,)
    assert maybe_backup(data_dir, url).path is None  # within the hour
    for n in range(KEEP + 1):  # age every backup so the next one is due
        for path in backups(data_dir):
            past = path.stat().st_mtime - INTERVAL_SECONDS - 1
            os.utime(path, (past, past))
        time.sleep(1.01)  # backups are named by the second
        assert maybe_backup(data_dir, url).path is not None, n
    kept = backups(data_dir)
    assert len(kept) == KEEP and first.path not in kept

    truncate(database_file(settings))
    refused = maybe_backup(data_dir, url, force=True)
    assert refused.path is None and "drafting doctor" in refused.note
    assert backups(data_dir) == kept  # a damaged database pushes no good backup out

    assert "pg_dump" in maybe_backup(data_dir, "postgresql+psycopg://u@/drafting?host=/tmp").note


def test_repair_backs_up_a_sound_database_first_and_clears_broken_off_backups(settings, capsys):
    save_notes(settings, range(2))
    leftover = settings.data_dir / "backups" / "drafting-20250101-000000.sqlite3.part"
    leftover.parent.mkdir()
    leftover.write_bytes(b"half a backup")
    os.utime(leftover, (time.time() - 3600, time.time() - 3600))
    code, found = doctor_json(settings, capsys)
    assert code == 1 and found["database"]["problems"] == ["1 个中断备份留下的 .part 临时文件"]

    code, found = doctor_json(settings, capsys, "--repair")
    assert code == 0 and found["backup"].startswith("已备份到")
    assert sorted(path.name for path in (settings.data_dir / "backups").iterdir()) == sorted(
        [backups(settings.data_dir)[0].name, LAST_SAVE]
    )


def test_an_unreachable_postgresql_server_is_reported(settings, capsys, tmp_path):
    unreachable = settings.model_copy(
        update={"database_url": f"postgresql+psycopg://nobody@/drafting?host={tmp_path}/no-server"}
    )
    code, found = doctor_json(unreachable, capsys)
    assert code == 1 and found["database"]["backend"] == "postgresql"
    assert "DATABASE_URL" in found["database"]["fix"] and "pg_dump" in found["database"]["fix"]


@pytest.mark.server
def test_a_postgresql_database_is_checked(settings, capsys, postgres_url):
    on_server = settings.model_copy(update={"database_url": postgres_url})
    Library(on_server).build()
    save_notes(on_server, range(2))
    code, found = doctor_json(on_server, capsys)
    assert code == 0 and found["database"]["drafts"] == 2
    assert "pg_dump" in found["database"]["note"]


def test_a_salvaged_database_does_not_keep_a_reports_revision_that_no_longer_describes_it(tmp_path):
    """One report lost with a damaged page and one the backup brings back: as many reports as before, but
    not the same ones, so the fingerprint (the index manifest's key) must change."""
    live, backup, fresh = (tmp_path / name for name in ("live.sqlite3", "backup.sqlite3", "fresh.sqlite3"))
    database = open_database(f"sqlite:///{live}")
    reports = ReportRepository(database)
    kept = reports.add(Actor.local(), "甲", {}, "甲的正文", "a.txt")
    dropped = reports.add(Actor.local(), "乙", {}, "乙的正文", "b.txt")
    with closing(sqlite3.connect(live)) as source, closing(sqlite3.connect(backup)) as copy:
        source.backup(copy)
    reports.remove(dropped.id, Actor.local())
    lost = reports.add(Actor.local(), "丙", {}, "丙的正文", "c.txt")
    before = reports.fingerprint()
    database.close()
    with closing(sqlite3.connect(live)) as damaged:  # 丙's row is on a page that can no longer be read
        damaged.execute("DELETE FROM reports WHERE id = ?", (lost.id,))
        damaged.commit()
    open_database(f"sqlite:///{fresh}").close()
    salvage_into(live, fresh, backup)
    salvaged = open_database(f"sqlite:///{fresh}")
    assert {r.id for r in ReportRepository(salvaged).list_all()} == {kept.id, dropped.id}
    assert ReportRepository(salvaged).fingerprint() != before
    salvaged.close()
