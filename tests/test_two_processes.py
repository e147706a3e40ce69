"""Two app processes on one PostgreSQL and one `chroma run`, as a deployment for several users runs them.

Each `streamlit run serve.py` gets its own empty data folder, HOME and XDG_DATA_HOME, as if it ran on a
machine of its own; everything the app keeps must reach the shared servers. A draft made through one
process is listed, opened and regenerated through the other, a report imported through one is found
through the other, and afterwards the processes' local folders hold nothing they wrote.
"""

import itertools
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest

from tests.conftest import APP_START_SECONDS, ROOT, free_port, serving
from tests.pg import running_server
from tests.test_browser import (
    WAIT_MS,
    chromium,
    draft,
    fill_facts,
    go_to,
    no_exception_shown,
    screenshot,
    settled,
    shown_draft_id,
    watched_page,
)
from tests.test_browser_library import as_gbk_txt, import_file, report_lines, search
from tests.test_chroma_server import CHROMA

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.server

BIN = Path(sys.executable).parent
TINY_CORPUS = ("seed000-08.md", "seed003-01.md")  # two bundled reports: the shared index builds in seconds
USER, UNIT, PASSWORD = "王晓梅", "北湖区自来水公司工会", "两个进程共用一个库"
STREAMLIT_CONFIG = Path(".streamlit") / "config.toml"


class AppProcess(NamedTuple):
    url: str
    local_folders: tuple[Path, ...]  # data folder, HOME, XDG_DATA_HOME: must stay empty
    cwd: Path  # holds only the Streamlit config the test put there


@pytest.fixture(scope="module")
def shared_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One PostgreSQL and one chroma server, and the environment that points an app process at them."""
    from cryptography.fernet import Fernet

    corpus = tmp_path_factory.mktemp("corpus")
    for name in TINY_CORPUS:
        (corpus / name).write_bytes((ROOT / "examples_corpus" / name).read_bytes())
    port = free_port()
    chroma = [CHROMA, "run", "--path", str(tmp_path_factory.mktemp("chroma")), "--host", "127.0.0.1",
              "--port", str(port)]  # fmt: skip
    with (
        running_server() as postgres,
        serving(chroma, f"http://127.0.0.1:{port}/api/v2/heartbeat", "chroma server", timeout=30),
    ):
        yield {
            "DATABASE_URL": postgres.new_database("drafting"),
            "CHROMA_HOST": "127.0.0.1",
            "CHROMA_PORT": str(port),
            "DRAFTING_SECRET_KEY": Fernet.generate_key().decode(),
            "DRAFTING_CORPUS_DIR": str(corpus),
            "PATH": "/usr/bin:/bin",
        }


@pytest.fixture(scope="module")
def first_admin(shared_servers: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> None:
    """The first account, made the documented way: `drafting users add … --admin --password-stdin`."""
    home = tmp_path_factory.mktemp("cli-home")
    environment = {**shared_servers, "HOME": str(home), "DRAFTING_DATA_DIR": str(home / "data")}
    done = subprocess.run(
        [str(BIN / "drafting"), "users", "add", USER, "--unit", UNIT, "--admin", "--password-stdin"],
        input=PASSWORD + "\n", capture_output=True, text=True, env=environment, cwd=home, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"已创建账户“{USER}”" in done.stdout and PASSWORD not in done.stdout
    assert list(home.iterdir()) == [], "the CLI wrote to the local disk too"


@contextmanager
def app_process(shared: dict[str, str], workdir: Path) -> Iterator[AppProcess]:
    """`streamlit run serve.py` with empty local folders of its own, as on a machine of its own."""
    folders = data, home, xdg = workdir / "data", workdir / "home", workdir / "xdg"
    cwd = workdir / "cwd"
    for folder in (*folders, cwd / STREAMLIT_CONFIG.parent):
        folder.mkdir(parents=True)
    (cwd / STREAMLIT_CONFIG).write_bytes((ROOT / STREAMLIT_CONFIG).read_bytes())
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1"]  # fmt: skip
    environment = {**shared, "DRAFTING_DATA_DIR": str(data), "HOME": str(home), "XDG_DATA_HOME": str(xdg)}
    with serving(
        command,
        f"http://127.0.0.1:{port}/_stcore/health",
        "streamlit",
        APP_START_SECONDS,
        cwd=cwd,
        env=environment,
    ):
        yield AppProcess(f"http://127.0.0.1:{port}", folders, cwd)


@pytest.fixture(scope="module")
def apps(shared_servers, first_admin, tmp_path_factory) -> Iterator[tuple[AppProcess, AppProcess]]:
    with ExitStack() as stack:
        a, b = (
            stack.enter_context(app_process(shared_servers, tmp_path_factory.mktemp(f"app-{name}")))
            for name in "ab"
        )
        yield a, b


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    with chromium() as browser:
        yield browser


@contextmanager
def signed_in(browser: "Browser", app: AppProcess) -> Iterator["Page"]:
    """A browser session of its own (cookies are per host, not per port) signed in through the login page."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = watched_page(context)
    page.goto(app.url)
    page.get_by_label("用户名").fill(USER)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("stSidebar").get_by_text("起草", exact=True)).to_be_visible(timeout=WAIT_MS)
    settled(page)
    yield page
    context.close()


def assert_nothing_written_locally(a: AppProcess, b: AppProcess) -> None:
    """The data folders, HOME and XDG_DATA_HOME are empty; the working folder holds only the Streamlit config."""
    local = [path for app in (a, b) for folder in app.local_folders for path in sorted(folder.rglob("*"))]
    placed = {STREAMLIT_CONFIG.parent, STREAMLIT_CONFIG}
    local += [
        path
        for app in (a, b)
        for path in sorted(app.cwd.rglob("*"))
        if path.relative_to(app.cwd) not in placed
    ]
    assert local == [], "written to the local disk:\n" + "\n".join(map(str, local))


def regenerate_button(page: "Page", draft_id: str, section: str):  # noqa: ANN201 - a playwright Locator
    return page.locator(f"[class*='st-key-regen_{draft_id}_{section}_'] button")  # ends with the version


def open_from_history(page: "Page", draft_id: str) -> None:
    go_to(page, "历史")
    page.locator(f".st-key-open_{draft_id} button").click()
    assert shown_draft_id(page) == draft_id


def test_a_draft_made_in_one_process_is_listed_opened_and_regenerated_in_the_other(browser, apps):
    from playwright.sync_api import expect

    a, b = apps
    with signed_in(browser, a) as page_a, signed_in(browser, b) as page_b:
        fill_facts(page_a, UNIT, facts="召开职工代表大会\n走访慰问困难职工20人\n举办职工气排球比赛")
        draft_id = draft(page_a)
        kept = "工会始终把职工的冷暖放在心上"
        expect(page_a.locator("p").filter(has_text=kept)).to_have_count(1)

        go_to(page_b, "历史")
        listed = page_b.get_by_text(f"{UNIT}2025年工作总结及2026年工作计划（", exact=False)
        expect(listed.filter(has_text=draft_id)).to_have_count(1)
        open_from_history(page_b, draft_id)
        paragraphs = page_b.locator("p")
        expect(paragraphs.filter(has_text=kept)).to_have_count(1)
        regenerate_button(page_b, draft_id, "work-care").click()
        expect(paragraphs.filter(has_text="工会立足维护职工合法权益")).to_have_count(1, timeout=WAIT_MS)
        settled(page_b)
        expect(paragraphs.filter(has_text=kept)).to_have_count(0)
        no_exception_shown(page_b)
        screenshot(page_b, "two-processes-regenerated-in-b")

        open_from_history(page_a, draft_id)  # back in the first process: the stored draft changed
        expect(page_a.locator("p").filter(has_text="工会立足维护职工合法权益")).to_have_count(1)
        expect(page_a.locator("p").filter(has_text=kept)).to_have_count(0)
    assert_nothing_written_locally(a, b)


def index_complete(page: "Page", seconds: float = 300) -> None:
    """Wait until this process has finished the repair it started on its own (both processes embed the
    missing sections when they start, slowly on a busy machine); until then its search says "结果可能不全"
    and answers from the index as it was, which is not what this test is about."""
    deadline = time.monotonic() + seconds
    for name in itertools.cycle(
        ("历史", "范文库")
    ):  # a page change reruns the script, which shows the notice
        go_to(page, name)
        if page.get_by_text("索引正在修复").count() == 0:
            return
        assert time.monotonic() < deadline, "the index repair did not finish"
        time.sleep(2)


def test_a_report_imported_in_one_process_is_found_in_the_other(browser, apps, tmp_path):
    from playwright.sync_api import expect

    a, b = apps
    activity = "开展管网抢修夜间应急技能比武"
    path = tmp_path / f"{UNIT}2024年工作总结.txt"
    path.write_bytes(as_gbk_txt(report_lines(UNIT, activity), tmp_path))
    with signed_in(browser, a) as page_a, signed_in(browser, b) as page_b:
        for page in (page_a, page_b):
            index_complete(page)
        go_to(page_a, "范文库")
        report_id, _ = import_file(page_a, path)
        go_to(page_b, "范文库")
        _, passage = search(page_b, activity, report_id)
        expect(passage).to_contain_text(activity)
        no_exception_shown(page_b)
        screenshot(page_b, "two-processes-found-in-b")
    assert_nothing_written_locally(a, b)
