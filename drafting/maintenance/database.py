"""Opening the drafts database so that a damaged file ends in a message naming the fix, not a traceback."""

from pathlib import Path
from typing import TYPE_CHECKING

from drafting.errors import UserError
from drafting.maintenance.backup import sqlite_file
from drafting.maintenance.sqlite_files import sqlite_problem
from drafting.settings import Settings

if TYPE_CHECKING:
    from drafting.storage import Database

DAMAGE_WORDS = ("malformed", "not a database")


class DatabaseDamaged(UserError):
    """A SQLite drafts file fails its check; `drafting doctor --repair` salvages it."""

    def __init__(self, path: Path, reason: str = "文件已损坏"):
        super().__init__(
            f"草稿数据库无法读取（{reason}：{path}）。修复方法：先关闭本程序，再在命令行运行 "
            "`drafting doctor --repair`：它会把损坏的文件改名保存（不删除），救回其中能读出的草稿，"
            "并用最近的自动备份补齐。"
        )
        self.path = path


def database_url(settings: Settings) -> str:
    from drafting.storage import resolve_database_url

    return resolve_database_url(settings.data_dir, settings.database_url)


def legacy_file(settings: Settings) -> Path | None:
    """The single-user store of earlier versions, imported on open when no DATABASE_URL is set."""
    from drafting.storage.legacy import LEGACY_FILE

    return None if settings.database_url else settings.data_dir / LEGACY_FILE


def open_database_safely(settings: Settings) -> "Database":
    """`open_database` plus the import of an old drafts file, with damaged SQLite files as DatabaseDamaged."""
    from drafting.storage import StorageUnavailable, migrate_legacy_file, open_database

    url = database_url(settings)
    path = sqlite_file(url)
    legacy = legacy_file(settings)
    for candidate in (path, legacy):
        if candidate is not None and candidate.exists() and (problem := sqlite_problem(candidate)):
            raise DatabaseDamaged(candidate, problem)
    try:
        database = open_database(url)
    except StorageUnavailable as error:
        if path is not None and any(word in str(error.__cause__).lower() for word in DAMAGE_WORDS):
            raise DatabaseDamaged(path) from error
        raise
    if legacy is not None:
        migrate_legacy_file(settings.data_dir, database)
    return database
