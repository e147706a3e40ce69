"""Whether anything was committed to the SQLite file since a value was read from it.

Every click reruns a page, and a page asks again for the same small lists (titles, listings, whether
there are accounts). Each such query costs the server more than a lookup, and most runs change nothing.
"""

import sqlite3
import threading
from pathlib import Path

Version = tuple[int, ...]


class DataVersion:
    """SQLite's `PRAGMA data_version`, polled on a read-only connection of its own: its value changes
    whenever another connection, in this process or in another one, commits to the file.

    The count only means something on one connection, and a new connection starts it again, so each
    opening of the connection is numbered and the number is part of the version. So are the file's device,
    inode, size and modification time: a file swapped in by `drafting doctor --repair`, or emptied or
    overwritten without SQLite, counts as a change (commits go to the -wal file, so only checkpoints
    change the file itself)."""

    def __init__(self, file: Path):
        self.file = file
        self._connection: sqlite3.Connection | None = None
        self._opened_on: tuple[int, int] | None = None
        self._openings = 0
        self._lock = threading.Lock()

    def current(self) -> Version | None:
        """The version now; None when the file cannot be polled (the query itself then says why)."""
        with self._lock:
            try:
                stat = self.file.stat()
                identity = (stat.st_dev, stat.st_ino)
                if self._connection is None or self._opened_on != identity:
                    self._open(identity)
                (changes,) = self._connection.execute("PRAGMA data_version").fetchone()  # type: ignore[union-attr]
            except (OSError, sqlite3.Error):  # busy, damaged or gone: ask the database itself this time
                self._close()
                return None
            return (*identity, stat.st_size, stat.st_mtime_ns, self._openings, changes)

    def close(self) -> None:
        with self._lock:
            self._close()

    def _open(self, identity: tuple[int, int]) -> None:
        self._close()
        # Read-only, so a missing database file is never created; no busy wait, as every page run asks.
        self._connection = sqlite3.connect(
            f"{self.file.resolve().as_uri()}?mode=ro", uri=True, timeout=0, check_same_thread=False
        )
        self._opened_on = identity
        self._openings += 1

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = self._opened_on = None
