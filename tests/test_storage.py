"""Opening the database: migrations, SQLite tuning, concurrent start-up, and "database not available" errors."""

import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, event, inspect, select, text, update
from sqlalchemy.engine import make_url

from drafting.access import Actor
from drafting.errors import UserError
from drafting.storage import StorageUnavailable, open_database, resolve_database_url
from drafting.storage.audit import audit, audit_log
from drafting.storage.database import HEAD_REVISION, alembic_config
from drafting.storage.models import AuditEntry, Base

TABLES = {"units", "users", "sessions", "drafts", "reports", "settings", "quotas", "token_usage", "audit_log"}


def test_default_url_is_a_sqlite_file_in_the_data_folder(tmp_path: Path) -> None:
    url = resolve_database_url(tmp_path / "data")
    assert url == f"sqlite:///{tmp_path / 'data' / 'drafting.sqlite3'}"
    assert resolve_database_url(tmp_path, "  postgresql+psycopg://u@h/db ") == "postgresql+psycopg://u@h/db"
    db = open_database(url)  # the data folder does not exist yet
    assert (tmp_path / "data" / "drafting.sqlite3").exists()
    db.close()


def schema(connection: Connection) -> dict[str, dict[str, object]]:
    """Each table's columns, keys, indexes and constraints, as the database reports them."""
    found = inspect(connection)
    return {
        table: {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(table)],
            "primary key": found.get_pk_constraint(table),
            "foreign keys": sorted(map(repr, found.get_foreign_keys(table))),
            "indexes": sorted(map(repr, found.get_indexes(table))),
            "unique": sorted(map(repr, found.get_unique_constraints(table))),
            "checks": sorted(
                (c["name"], " ".join(c["sqltext"].split())) for c in found.get_check_constraints(table)
            ),
        }
        for table in found.get_table_names()
    }


def test_a_new_database_has_the_schema_the_migrations_build(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no alembic.ini anywhere near: the config is built in code
    db = open_database(database_url)  # new: created from the models and marked as at the newest migration
    again = open_database(database_url)  # reopening finds nothing to do
    with db.engine.begin() as connection:
        created = schema(connection)
        assert set(created) >= TABLES | {"alembic_version"}
        head = ScriptDirectory.from_config(alembic_config(connection)).get_current_head()
        assert MigrationContext.configure(connection).get_current_revision() == head == HEAD_REVISION
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE alembic_version"))
        command.upgrade(alembic_config(connection), "head")  # the same, migration by migration
        assert schema(connection) == created
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert MigrationContext.configure(connection).get_current_revision() == HEAD_REVISION
    db.close()
    again.close()


def test_databases_are_created_and_opened_without_loading_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    child = (
        "import sys\n"
        "from drafting.storage.database import open_database\n"
        f"open_database({url!r}).close()\n"  # new
        f"open_database({url!r}).close()\n"  # at the newest migration
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'alembic'))\n"
    )
    opened = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.strip() == "[]"


def _open_at_once(database_url: str, starters: int = 4) -> list[BaseException]:
    """What went wrong when several starters open (and migrate) the same database together."""
    barrier = threading.Barrier(starters)
    failures: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            open_database(database_url).close()
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=start, daemon=True) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "start-up migrations deadlocked"
    return failures


def test_two_processes_starting_at_once_migrate_once(database_url: str) -> None:
    assert _open_at_once(database_url) == []
    engine = create_engine(database_url)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.close()


def test_processes_creating_a_new_sqlite_file_at_once_all_open_it(tmp_path: Path) -> None:
    """Switching a new file to WAL skips the busy timeout; 1 start in 30 used to fail "database is locked"."""
    for attempt in range(40):
        assert _open_at_once(f"sqlite:///{tmp_path / f'new-{attempt}.sqlite3'}") == []


def test_times_come_back_as_aware_utc(database_url: str) -> None:
    db = open_database(database_url)
    before = datetime.now(UTC)
    audit(db, Actor.local(), "测试", "时间")
    [entry] = audit_log(db, Actor.local())
    assert entry.at.tzinfo is not None
    assert before <= entry.at <= datetime.now(UTC)
    db.close()


def test_plain_postgresql_urls_use_psycopg_3(postgres_url: str) -> None:
    plain = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    db = open_database(plain)
    assert db.engine.url.drivername == "postgresql+psycopg"
    db.close()


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("mysql://u@h/db", "不支持"),
        ("sqlite://", "文件路径"),
        ("not a url", "格式不对"),
    ],
)
def test_unusable_urls_are_explained(url: str, hint: str) -> None:
    with pytest.raises(UserError, match=hint):
        open_database(url)


def test_a_postgresql_server_that_is_down_is_reported_as_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StorageUnavailable, match="数据库暂时无法访问（连接不上数据库服务器）"):
        open_database(f"postgresql+psycopg://postgres@/drafting?host={tmp_path}")


def test_a_postgresql_database_going_away_is_reported_as_unavailable(postgres_url: str) -> None:
    db = open_database(postgres_url)
    audit(db, Actor.local(), "测试", "连接已建立")
    name = db.engine.url.database
    admin = create_engine(make_url(postgres_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name},
        )
    try:
        with pytest.raises(StorageUnavailable, match="已保存的内容不会丢失"):
            audit_log(db, Actor.local())
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
        db.close()


def test_a_full_sqlite_disk_is_reported_and_the_failed_write_leaves_nothing(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with db.engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    db.engine.dispose()  # new connections get a file that may not grow by more than a few pages
    event.listen(db.engine, "connect", lambda dbapi, _: dbapi.execute(f"PRAGMA max_page_count = {pages + 3}"))
    written = 0
    with pytest.raises(StorageUnavailable, match="磁盘空间已满"):
        for number in range(1000):
            audit(db, Actor.local(), "条目", f"{number}" + "字" * 900)
            written += 1
    assert 0 < written < 1000
    assert len(audit_log(db, Actor.local(), limit=2000)) == written
    db.close()


def test_a_damaged_sqlite_file_is_reported_as_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    path.write_bytes(b"this is not a database file at all" * 200)
    with pytest.raises(StorageUnavailable, match="数据库文件已损坏"):
        open_database(f"sqlite:///{path}")


def test_a_database_from_a_newer_program_asks_for_an_upgrade(database_url: str) -> None:
    open_database(database_url).close()
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'fromthefuture'"))
    engine.dispose()
    with pytest.raises(UserError, match="升级到最新版本"):
        open_database(database_url)


def test_integrity_errors_are_not_disguised_as_outages(database_url: str) -> None:
    """A bug (here: a NULL in a NOT NULL column) must surface as itself, not as "try again later"."""
    db = open_database(database_url)
    audit(db, Actor.local(), "测试")
    with pytest.raises(Exception) as caught, db.transaction() as session:
        session.execute(update(AuditEntry).values(action=None))
    assert not isinstance(caught.value, UserError)
    with db.reading() as session:
        assert session.scalar(select(AuditEntry.action)) == "测试"
    db.close()
