"""A full disk gets the same Chinese message wherever the write failed, and the doctor warns before it."""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc

from drafting.cli import main
from drafting.corpus.reports import describe
from drafting.maintenance.doctor import check_settings
from drafting.settings import Settings, load_settings
from drafting.storage import disk
from drafting.storage.database import storage_errors
from drafting.storage.errors import DiskFull

DISK_FULL = "磁盘空间已满"
REAL_DISK_USAGE = shutil.disk_usage


def with_free_space(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    """The disk as the program sees it, with `free` bytes left."""

    def usage(path: os.PathLike[str] | str) -> object:
        total, used, _ = REAL_DISK_USAGE(path)
        return shutil._ntuple_diskusage(total, used, free)  # type: ignore[attr-defined]

    monkeypatch.setattr(disk.shutil, "disk_usage", usage)


def test_the_doctor_warns_below_200_mb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    settings = load_settings(data_dir=tmp_path / "data")
    with_free_space(monkeypatch, 60 * 1024)
    check = check_settings(settings)
    assert check.problems == ["数据目录所在的磁盘只剩 60 KB（低于 200 MB）"] and "200 MB" in check.fix
    with_free_space(monkeypatch, 300 * 1024 * 1024)
    assert check_settings(settings).ok


def test_sqlite_with_no_byte_free_is_a_full_disk_not_an_unreachable_server(tmp_path, monkeypatch):
    file = tmp_path / "drafting.sqlite3"
    failure = sa_exc.OperationalError("BEGIN", {}, sqlite3.OperationalError("disk I/O error"))
    with_free_space(monkeypatch, 0)
    with pytest.raises(DiskFull, match=DISK_FULL), storage_errors(file):
        raise failure
    with_free_space(monkeypatch, 10 * 1024 * 1024 * 1024)
    with pytest.raises(Exception, match="无法读写数据库文件") as raised, storage_errors(file):
        raise failure
    assert "连接不上数据库服务器" not in str(raised.value)


@pytest.fixture
def full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A data folder on a real 8 MB tmpfs that the test fills up (needs root to mount)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], check=True)
    try:
        bundled = tmp_path / "bundled"
        bundled.mkdir()
        body = "某学校工会2025年工作总结\n\n一、第一项工作\n\n开展教职工活动。"
        report = describe("seed90-01", "学校总结", body, "t.txt", "bundled")
        (bundled / "seed90-01.md").write_text(report.to_file_text(), encoding="utf-8")
        monkeypatch.setenv("DRAFTING_DATA_DIR", str(mount / "data"))
        monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(bundled))
        yield load_settings()
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_every_path_on_a_really_full_disk_says_so_in_chinese(full_disk: Settings, tmp_path, capsys):
    assert main(["index"]) == 0
    report = tmp_path / "report.txt"
    report.write_text(
        "某厂工会2024年工作总结\n\n一、加强职工之家建设\n\n" + "全年开展职工活动，覆盖职工。" * 20
    )
    filler = full_disk.data_dir.parent / "filler"
    with filler.open("wb") as out, pytest.raises(OSError):
        while True:
            out.write(b"\0" * 65536)
    capsys.readouterr()

    assert main(["corpus", "add", str(report)]) == 1
    assert DISK_FULL in capsys.readouterr().err  # not "索引已损坏"
    assert main(["doctor", "--repair"]) == 1
    assert DISK_FULL in capsys.readouterr().err
    assert main(["doctor"]) == 1
    assert "数据目录所在的磁盘只剩 0 KB" in capsys.readouterr().out
