"""`drafting bench --browser`: how soon the first model text shows in a real browser after 生成草稿.

`drafting bench --llm` times the pipeline alone; what a user waits for also holds the app's rerun, its
first-draft set-up and the websocket. So this drives headless Chromium against `streamlit run serve.py`,
whose model endpoint is the simulator (0.5 s to the first token), and times in the page itself, from
the click to the first streamed section text, each in a fresh browser session: first on the server
process's first draft, then on later drafts. The server answers only once it has warmed up (serve.py).
Chromium's own first use of the page code costs about 0.6 s more; it is measured first, on a server of
its own, and printed apart.
"""

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from drafting.errors import UserError
from drafting.retrieval.library import Library
from drafting.settings import Settings
from drafting.simulator import Behaviour, running

if TYPE_CHECKING:
    from playwright.sync_api import Browser

APP = Path(__file__).resolve().parent.parent / "serve.py"  # the bench runs from a checkout
CHROMIUM = Path("/usr/bin/chromium")
FIRST_TOKEN_DELAY = 0.5
WAIT_MS = 180_000
FACTS = "召开三届二次教代会\n走访慰问困难教职工15人\n举办教职工气排球比赛"

# Installed before the click: notes when the click lands and when the first section text (a streamed
# stText that is not the outline line) enters the page, both on the page's own clock.
WATCH_FIRST_TEXT = """() => {
  window.__clicked = null; window.__firstText = null;
  document.addEventListener('click', () => { window.__clicked ??= performance.now(); }, true);
  const streamed = () => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stText"]')]
    .some(e => { const t = e.innerText.trim(); return t && !t.startsWith('提纲：'); });
  new MutationObserver(() => {
    if (window.__clicked !== null && window.__firstText === null && streamed()) window.__firstText = performance.now();
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def run_browser_benchmark(settings: Settings, later_drafts: int = 3) -> None:
    browser_available()
    workdir = Path(tempfile.mkdtemp(prefix="drafting-bench-browser-"))
    data_dir = workdir / "data"
    try:
        Library(settings.model_copy(update={"data_dir": data_dir})).ensure_built()
        behaviour = Behaviour(first_token_delay=FIRST_TOKEN_DELAY, tokens_per_second=40)
        with running(behaviour) as (url, _), chromium() as browser:
            # Chromium's own first use of the app's page code, on a server of its own: the figures below
            # are the measured server process's, in a browser that has shown the app before
            with serving_app(workdir / "browser-warm-up", data_dir, url) as app:
                new_browser = first_text_after_click(browser, app)
            with serving_app(workdir / "measured", data_dir, url) as app:
                first = first_text_after_click(browser, app)
                later = statistics.median(first_text_after_click(browser, app) for _ in range(later_drafts))
        print(
            f"browser first model text: {later:.2f} s after the click (endpoint first-token {FIRST_TOKEN_DELAY} s); "
            f"first draft of the process {first:.2f} s"
        )
        print(f"a new Chromium's first draft, its first use of the page code: {new_browser:.2f} s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def browser_available() -> None:
    try:
        import playwright.sync_api  # noqa: F401 - only whether it is installed
    except ImportError:
        raise UserError("浏览器基准需要 playwright：请运行 pip install -e '.[test]'。") from None
    if not CHROMIUM.exists():
        raise UserError(f"浏览器基准需要 {CHROMIUM}：请运行 apt-get install -y chromium fonts-noto-cjk。")
    if not APP.exists():
        raise UserError(f"找不到 {APP}：浏览器基准要驱动源码目录中的应用，请在源码目录中安装后再运行。")


def first_text_after_click(browser: "Browser", app: str) -> float:
    """Seconds from the click on 生成草稿 to the first streamed text, in a new session; waits for the
    whole draft before returning, so runs never overlap."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(app)
        button = page.get_by_role("button", name="生成草稿")
        expect(button).to_be_visible(timeout=WAIT_MS)
        page.get_by_label("单位名称").fill("江北市第一中学工会")
        page.get_by_label("总结期间").fill("2025年")
        page.get_by_label("工作要点（一行一条，数字照实填写）").fill(FACTS)
        page.get_by_label("存在的问题（可不填）").click()  # the facts box loses focus: its value is sent
        page.evaluate(WATCH_FIRST_TEXT)
        button.click()
        page.wait_for_function("() => window.__firstText !== null", timeout=WAIT_MS)
        seconds = page.evaluate("() => (window.__firstText - window.__clicked) / 1000")
        # .first: while the page reruns to draw the draft, the drafting run's status may still show beside it
        expect(page.get_by_text("草稿已生成").first).to_be_visible(timeout=WAIT_MS)
        return float(seconds)
    finally:
        context.close()


@contextmanager
def serving_app(workdir: Path, data_dir: Path, endpoint: str) -> Iterator[str]:
    """`streamlit run serve.py` on loopback with the simulator as its model, in an empty folder (no `.env`)."""
    folder = workdir / "cwd"
    (folder / ".streamlit").mkdir(parents=True)
    shutil.copy(APP.parent / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    port = _free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]  # fmt: skip
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(workdir), "DRAFTING_DATA_DIR": str(data_dir),
           "LLM_BASE_URL": endpoint, "LLM_MODEL": "simulated"}  # fmt: skip
    log = (workdir / "server.log").open("w")
    server = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise UserError(f"应用没有启动（见 {workdir / 'server.log'}）。")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@contextmanager
def chromium() -> Iterator["Browser"]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/_stcore/health", timeout=2, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False
