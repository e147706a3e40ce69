"""The data folder is its owner's only (issue 21, item 15): the drafts database, its backups and the secret
key are 0600 and the folders 0700, when created and, for a folder an earlier version left open, at start."""

import os
import stat

from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.storage.backup import AFTER_SAVE
from drafting.writing.facts import parse_facts

FACTS = {"organization": "江北区总工会", "period": "2025年", "facts": ["召开职工代表大会"]}


def modes(folder) -> dict[str, int]:  # noqa: ANN001 - a Path
    return {
        str(path.relative_to(folder)): stat.S_IMODE(path.stat().st_mode)
        for path in [folder, *folder.rglob("*")]
        if path.name.startswith(("drafting.sqlite3", "backups", "secret.key", "last-save")) or path == folder
    }


def test_the_database_its_backups_and_the_folder_are_private(tmp_path):
    (tmp_path / "corpus").mkdir()
    data = tmp_path / "data"
    service = DraftingService(load_settings(data_dir=data, corpus_dir=tmp_path / "corpus"))
    service.draft(parse_facts(FACTS), offline=True)  # opens, saves, asks for the backup
    assert AFTER_SAVE.wait(timeout=60)
    found = modes(data)
    assert found["."] == 0o700 and found["backups"] == 0o700
    files = {name: mode for name, mode in found.items() if name not in (".", "backups")}
    assert "drafting.sqlite3" in files and any(name.startswith("backups/") for name in files)
    assert set(files.values()) == {0o600}, files


def test_an_open_folder_left_by_an_earlier_version_is_tightened_at_start(tmp_path):
    (tmp_path / "corpus").mkdir()
    data = tmp_path / "data"
    settings = load_settings(data_dir=data, corpus_dir=tmp_path / "corpus")
    DraftingService(settings).draft(parse_facts(FACTS), offline=True)
    os.chmod(data, 0o755)
    os.chmod(data / "drafting.sqlite3", 0o644)
    DraftingService(settings).list_drafts()  # the next start
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "drafting.sqlite3").stat().st_mode) == 0o600
