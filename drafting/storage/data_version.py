"""Whether anything was committed to the SQLite file since a value was read from it.

Every click reruns a page, and a page asks again for the same small lists (titles, listings, whether
there are accounts). Each such query costs the server more than a lookup, and most runs change nothing.
"""

import sqlite3
import threading
from pathlib import Path

Version = tuple[int, int, int]


class DataVersion:
    """SQLite's `PRAGMA data_version`, polled on a read-only connection of its own: its value changes
    whenever another connection, in this process or in another one, commits to the file. The file's
    device and inode are part of the version, so a file swapped in by `drafting doctor --repair` counts as
    a change, and the connection is opened again on the new file."""

    def __init__(self, file: Path):
        self.file = file
        self._connection: sqlite3.Connection | None = None
        self._opened_on: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def current(self) -> Version | None:
        """The version now; None when the file cannot be polled (the query itself then says why)."""
        with self._lock:
            try:
                stat = self.file.stat()
                identity = (stat.st_dev, stat.st_ino)
                if self._connection is None or self._opened_on != identity:
                    self._close()
                    # read-only: polling never creates a missing file nor writes to one
                    self._connection = sqlite3.connect(
                        f"{self.file.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
                    )
                    self._opened_on = identity
                (changes,) = self._connection.execute("PRAGMA data_version").fetchone()
            except (OSError, sqlite3.Error):
                self._close()
                return None
            return (*identity, changes)

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = self._opened_on = None
