"""A throwaway PostgreSQL 15 server for the storage tests, and a fixture that runs a test on both backends.

`postgres_url` starts one server per test session (initdb + pg_ctl on a temporary folder, listening
only on a unix socket there) and stops it at the end. `database_url` gives each test a fresh,
empty database: a SQLite file, or a new PostgreSQL database on that server. `postgres_server` gives
a test a server of its own to stop and start again.

Without the PostgreSQL binaries the PostgreSQL cases are skipped on a developer machine, but fail
under CI (CI set), so a CI image that lost PostgreSQL cannot pass unnoticed.
"""

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# Imported where used: pytest-xdist's controller loads this plugin before it starts the workers and needs
# none of these (SQLAlchemy and the accounts held back every worker).
if TYPE_CHECKING:
    from drafting.access import Actor
    from drafting.accounts import Passwords
    from drafting.storage import Database

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
_database_numbers = itertools.count(1)


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; as root, run it as the `postgres` account."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str]) -> None:
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed:\n{done.stdout}\n{done.stderr}")


class PostgresServer:
    """A private PostgreSQL 15 server in a temporary folder, listening only on a unix socket there.

    `stop` and `start` take it down and bring it back on the same data, as an outage would.
    """

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            message = f"PostgreSQL binaries not found in {PG_BIN} (apt-get install postgresql-15)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        self.home = Path(tempfile.mkdtemp(prefix="drafting-pg-"))
        if os.geteuid() == 0:
            server_user = pwd.getpwnam("postgres")
            os.chown(self.home, server_user.pw_uid, server_user.pw_gid)
        self.data = self.home / "data"
        self._pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w"]
        initdb = [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres"]
        _run([*initdb, "--auth=trust", "-E", "UTF8", "--no-sync"])
        self.admin_url = f"postgresql+psycopg://postgres@/postgres?host={self.home}"

    def start(self) -> None:
        options = (
            f"-c listen_addresses='' -k {self.home} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off"
        )
        log = self.home / "server.log"
        _run([*self._pg_ctl, "-l", str(log), "-o", options, "-t", "60", "start"])

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session and shuts down cleanly; `immediate` is a crash."""
        _run([*self._pg_ctl, "-m", mode, "stop"])

    def new_database(self, name: str) -> str:
        return _create_database(self.admin_url, name)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)


@contextmanager
def running_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of an empty database on a private PostgreSQL 15 server, for the whole test session."""
    with running_server() as server:
        yield server.new_database("drafting_test")


@pytest.fixture
def postgres_server() -> Iterator[PostgresServer]:
    """A server of this test's own, which the test may stop and start (the shared one must stay up)."""
    with running_server() as server:
        yield server


def _create_database(server_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh empty database for this test, on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'drafting.sqlite3'}"
    server_url: str = request.getfixturevalue("postgres_url")
    return _create_database(server_url, f"drafting_test_{next(_database_numbers)}")


@pytest.fixture
def db(database_url: str) -> Iterator["Database"]:
    """The database at `database_url`, migrated, closed after the test."""
    from drafting.storage import open_database

    database = open_database(database_url)
    yield database
    database.close()


# Accounts for the storage tests: real users in real units, signed in the way the app signs them in.
TEST_PASSWORD = "correct horse battery"
SignIn = Callable[..., "Actor"]


@pytest.fixture(scope="session")
def fast_passwords() -> "Passwords":
    """argon2 at its cheapest: the tests create many accounts, and hashing strength is not under test."""
    from argon2 import PasswordHasher

    from drafting.accounts import Passwords

    return Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def sign_in(fast_passwords: "Passwords") -> SignIn:
    """`sign_in(db, name, unit, admin=False)`: create the account and return the Actor its session resolves to."""
    from drafting.accounts import Sessions, Users

    def create_and_sign_in(db: "Database", name: str, unit: str, admin: bool = False) -> "Actor":
        Users(db, fast_passwords).create_user(name, unit, TEST_PASSWORD, admin=admin)
        sessions = Sessions(db, fast_passwords, sleep=lambda seconds: None)
        actor = sessions.session_user(sessions.authenticate(name, TEST_PASSWORD))
        if actor is None:
            raise RuntimeError(f"{name} could not sign in")
        return actor

    return create_and_sign_in
