"""The data folder is readable by its owner only: every unit's drafts and the password hashes live there.

SQLite creates its files with the process umask (world-readable by default), so after opening, and after
each backup, the folder is set to 0700 and the database, its sidecars and the backups to 0600. Run at every
start as well, it also tightens a folder an earlier version left open.
"""

import os
import stat
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def make_private(folder: Path) -> None:
    """The folder and the database files and backups in it, owner-only; what cannot be changed is left."""
    for path in (folder, folder / "backups"):
        _chmod(path, FOLDER_MODE)
    for pattern in ("*.sqlite3*", "backups/*", "secret.key", "endpoint.json"):
        for path in folder.glob(pattern):
            if path.is_file():
                _chmod(path, FILE_MODE)


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.exists() and stat.S_IMODE(path.stat().st_mode) != mode:
            os.chmod(path, mode)
    except OSError:
        pass  # a folder the process does not own (a shared mount): its owner sets its rights
