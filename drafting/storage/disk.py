"""Free space on the disk holding the data: a full disk is named as such, whatever error it surfaced as.

SQLite and chroma seldom say "disk full": with no byte left SQLite cannot even make its -shm file and
reports "disk I/O error" or "unable to open", chroma panics. So when a write fails, the free space
decides the message.
"""

import shutil
from pathlib import Path

NEARLY_FULL_BYTES = 1024 * 1024  # below this a failed write is taken as the disk being full
LOW_SPACE_BYTES = 200 * 1024 * 1024  # the doctor warns below this: a draft and its backups need room


def free_bytes(path: Path) -> int | None:
    """Free bytes on the disk of `path` (or of its nearest existing parent); None when unknown."""
    for folder in [path, *path.parents]:
        try:
            return shutil.disk_usage(folder).free
        except OSError:  # not there (yet), or not ours to look at
            continue
    return None


def disk_full(path: Path) -> bool:
    free = free_bytes(path)
    return free is not None and free < NEARLY_FULL_BYTES


def shown_size(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"
