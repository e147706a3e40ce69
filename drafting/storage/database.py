"""Opening the database: one SQLite file in the data folder by default, or a PostgreSQL server.

`open_database` brings the schema to the newest migration every time it opens, so an upgraded
program never runs against old tables. Database errors that mean "not now" (server down, file
locked too long, disk full, file unreadable) become `StorageUnavailable` at this boundary, and a
damaged SQLite file, whenever a query finds it, `StorageDamaged` naming `drafting doctor --repair`.
"""

import logging
import sqlite3
import zlib
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from drafting.errors import UserError
from drafting.memo import Memo
from drafting.storage.data_version import DataVersion, Version
from drafting.storage.disk import disk_full
from drafting.storage.errors import DiskFull, StorageDamaged, StorageUnavailable
from drafting.storage.models import Base
from drafting.storage.sqlite_files import retry_while_locked

if TYPE_CHECKING:
    from alembic.config import Config

Insert = postgresql.Insert | sqlite.Insert
T = TypeVar("T")

logger = logging.getLogger(__name__)

DATABASE_FILE = "drafting.sqlite3"
# Execution option marking a transaction that will write (on SQLite it takes the write lock up front).
_WRITE = "drafting_write"
_MIGRATION_LOCK = zlib.crc32(b"drafting.storage.migrations")  # pg advisory lock key shared by all processes
# The newest migration (tests/test_storage.py checks it against alembic's head). A database already there
# opens without alembic, whose import alone is a quarter of a second of every command.
HEAD_REVISION = "0006"
# Alembic's own bookkeeping table, as alembic creates it.
_ALEMBIC_VERSION = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)
_SQLITE_BUSY_MS = 30_000
# Remembered reads, of every kind and actor together (a user's page runs keep three or four: titles,
# listings, the shown draft, its reports' units): enough for some 60 users working at once.
_REMEMBERED_READS = 256


def default_database_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / DATABASE_FILE).resolve()}"


def resolve_database_url(data_dir: Path, configured: str = "") -> str:
    """The configured DATABASE_URL, or the SQLite file in the data folder when none is set."""
    return configured.strip() or default_database_url(data_dir)


class Database:
    """An engine plus the ways to use it: a writing transaction, a read-only snapshot, or a read remembered
    until anything is committed."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.file = database_file(engine)
        self._readers = sessionmaker(engine, expire_on_commit=False)
        self._writers = sessionmaker(engine.execution_options(**{_WRITE: True}), expire_on_commit=False)
        self._version = DataVersion(self.file) if self.file is not None else None
        self._remembered: Memo[tuple[Version, object]] = Memo(_REMEMBERED_READS)

    def __repr__(self) -> str:
        return f"Database({self.engine.url!r})"  # SQLAlchemy masks a password in the URL

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session committed at the end (rolled back on any error)."""
        with storage_errors(self.file), self._writers.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for queries only; nothing is committed."""
        with storage_errors(self.file), self._readers() as session:
            yield session

    def remembered(self, key: Hashable, read: Callable[[], T]) -> T:
        """`read()`, or what it gave under `key` before if nothing has been committed since. SQLite only: a
        server database is asked every time. The version is taken before reading, so a commit during the
        read makes the next call read again. The value is shared: keep it immutable."""
        version = self._version.current() if self._version is not None else None
        if version is None:
            return read()
        known = self._remembered.recall([key]).get(key)
        if known is not None and known[0] == version:
            return known[1]  # type: ignore[return-value]
        value = read()
        self._remembered.keep({key: (version, value)})
        return value

    def insert(self, model: type[Base]) -> Insert:
        """An INSERT for this backend, offering on_conflict_do_nothing / on_conflict_do_update."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(model)

    def close(self) -> None:
        if self._version is not None:
            self._version.close()
        self.engine.dispose()


def open_database(url: str) -> Database:
    """Connect and migrate to the newest schema; safe when several processes start at once."""
    engine = _create_engine(url)
    try:
        with storage_errors(database_file(engine)):
            upgrade_to_head(engine)
    except BaseException:
        engine.dispose()
        raise
    return Database(engine)


def alembic_config(connection: Connection) -> "Config":
    """Alembic settings built in code: the migrations ship inside the package, no alembic.ini needed."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "drafting.storage:migrations")
    config.attributes["connection"] = connection
    return config


def schema_revision(engine: Engine) -> str | None:
    """The migration the database is at; None when it has none yet (or cannot say, for alembic to explain).
    A server that cannot be reached fails here, once, not again in alembic."""
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except sa_exc.DBAPIError:
            return None


def upgrade_to_head(engine: Engine) -> None:
    if schema_revision(engine) == HEAD_REVISION:
        return
    with engine.execution_options(**{_WRITE: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            # Held until this transaction ends: a second process waits here, then finds nothing to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        if inspect(connection).get_table_names():
            _run_migrations(connection)
        else:
            _create_at_head(connection)


def _create_at_head(connection: Connection) -> None:
    """A new database gets the models' tables and the newest revision, as alembic's documentation advises:
    the same schema the migrations build (tests/test_storage.py compares them), without importing alembic."""
    Base.metadata.create_all(connection)
    _ALEMBIC_VERSION.create(connection)
    connection.execute(_ALEMBIC_VERSION.insert().values(version_num=HEAD_REVISION))


def _run_migrations(connection: Connection) -> None:
    from alembic import command
    from alembic.util.exc import CommandError

    try:
        command.upgrade(alembic_config(connection), "head")
    except CommandError as error:
        raise UserError(
            "数据库的结构版本比本程序新（可能是较新的版本用过这个数据库）。请把程序升级到最新版本后再打开。"
        ) from error


def database_file(engine: Engine) -> Path | None:
    """The SQLite file behind the engine; None for a database server."""
    return Path(engine.url.database) if engine.dialect.name == "sqlite" and engine.url.database else None


@contextmanager
def storage_errors(file: Path | None = None) -> Iterator[None]:
    """Turn "database not available right now" errors into StorageUnavailable; let real bugs through.

    `file` is the SQLite file, named in the message when a query finds it damaged.
    """
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.InternalError) as error:
        raise _unavailable(error, file) from error
    except sa_exc.TimeoutError as error:
        logger.warning("database connection pool exhausted: %s", error)
        raise StorageUnavailable("同时使用的人太多，等待数据库连接超时") from error
    except sa_exc.DatabaseError as error:
        # Only the bare class ("file is not a database"); its subclasses IntegrityError, DataError and
        # ProgrammingError are for callers to handle, or bugs to see.
        if type(error) is not sa_exc.DatabaseError:
            raise
        raise _unavailable(error, file) from error


def _unavailable(error: sa_exc.DBAPIError, file: Path | None) -> StorageUnavailable:
    # The driver's own message only: the SQLAlchemy text would carry statement parameters (hashes, ciphertext).
    driver_message = str(error.orig)
    logger.warning("database unavailable: %s: %s", type(error.orig).__name__, driver_message)
    lowered = driver_message.lower()
    if "not a database" in lowered or "malformed" in lowered:
        return StorageDamaged(file)
    if "full" in lowered or "no space" in lowered or (file is not None and disk_full(file.parent)):
        return DiskFull(file.parent if file is not None else "数据库服务器")
    if "locked" in lowered or "busy" in lowered:
        reason = "数据库正忙，等待超时"
    elif "unable to open" in lowered or "readonly" in lowered or "read-only" in lowered:
        reason = "无法打开或写入数据库文件，请检查数据目录的权限"
    elif file is not None:  # a file, not a server: nothing to connect to
        reason = "无法读写数据库文件，请检查数据目录的权限和磁盘"
    else:
        reason = "连接不上数据库服务器"
    return StorageUnavailable(reason)


def _create_engine(url: str) -> Engine:
    try:
        parsed = make_url(url.strip())
    except sa_exc.ArgumentError as error:
        raise UserError(
            "数据库地址（DATABASE_URL）格式不对。示例：sqlite:////srv/drafting/drafting.sqlite3 "
            "或 postgresql+psycopg://用户:密码@主机:5432/库名"
        ) from error
    if parsed.drivername in ("postgres", "postgresql", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we ship
        return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    if parsed.drivername not in ("sqlite", "sqlite+pysqlite"):
        raise UserError(
            f"不支持“{parsed.drivername}”数据库。DATABASE_URL 请用 sqlite:///文件路径 或 postgresql+psycopg://…"
        )
    if not parsed.database or parsed.database == ":memory:":
        raise UserError("SQLite 数据库需要一个文件路径，例如 sqlite:////srv/drafting/drafting.sqlite3")
    try:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageUnavailable("无法创建数据库所在的文件夹，请检查数据目录的权限") from error
    engine = create_engine(parsed)
    event.listen(engine, "connect", _configure_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """WAL lets readers work while one process writes; the busy timeout makes writers queue, not fail."""
    dbapi_connection.isolation_level = None  # transactions are begun by _begin_sqlite, not by the driver
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_MS}")
    _use_wal(cursor)
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Switch a new file to WAL once; the mode is stored in the file, so later connections only read it.

    The switch needs the file to itself and SQLite does not queue it behind the busy timeout: several
    processes creating the same file at once get "database is locked" straight away, so retry here.
    """

    def switch() -> None:
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")

    retry_while_locked(switch, sqlite3.OperationalError, _SQLITE_BUSY_MS / 1000, pause=0.02)


def _begin_sqlite(connection: Connection) -> None:
    # A writer takes the write lock at BEGIN: read-then-write transactions then queue behind each other
    # instead of failing with "database is locked" when both try to upgrade their read lock.
    immediate = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
