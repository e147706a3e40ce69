"""Terminal codes in a report title are never stored nor printed raw, and a reader that quits early
(`drafting … | head`) ends no command with a traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

from drafting.access import Actor
from drafting.cli import main
from drafting.corpus.reports import describe
from drafting.corpus.show import format_report_tree
from drafting.retrieval.library import Library
from drafting.settings import load_settings
from tests.conftest import ROOT

HOSTILE_TITLE = "\x1b]0;已被接管\x07某厂工会\x1b[2J\x1b[31m2025年工作总结\x08\x1f\x9b1m"
BODY = "一、加强职工之家建设\n\n全年开展职工活动12次，覆盖职工600人次。"


def test_terminal_codes_in_a_title_are_neither_stored_nor_printed(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    settings = load_settings()
    library = Library(settings)
    added = library.corpus.add_text(f"{HOSTILE_TITLE}\n\n{BODY}", "report.md", Actor.local())
    stored = library.corpus.get(added.meta.id, Actor.local())
    library.close()
    assert stored.meta.title == "某厂工会2025年工作总结"

    assert main(["corpus", "list"]) == 0
    assert main(["corpus", "show", added.meta.id]) == 0
    printed = capsys.readouterr().out
    assert "某厂工会2025年工作总结" in printed
    assert not any(code in printed for code in "\x1b\x07\x08\x1f\x9b")


def test_a_title_stored_before_the_cleaning_is_shown_clean():
    older = describe("user-0123456789", "x", BODY, "t.txt", "user")
    older.meta.title = HOSTILE_TITLE  # as an earlier version stored it
    shown = format_report_tree(older)
    assert shown.startswith("标题：某厂工会2025年工作总结\n") and "\x1b" not in shown


@pytest.mark.parametrize("command", [["corpus", "show", "seed000-01"], ["corpus", "list"], ["--help"]])
def test_a_reader_quitting_early_is_no_traceback(tmp_path: Path, command: list[str]):
    process = subprocess.Popen(
        [sys.executable, "-m", "drafting.cli", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={"DRAFTING_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # like `| head` that has already quit: every write now meets a closed pipe
    errors = process.stderr.read().decode()
    process.wait(timeout=120)
    assert "Traceback" not in errors and "BrokenPipeError" not in errors, errors
