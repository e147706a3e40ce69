"""A real browser (Debian's chromium through playwright) against `streamlit run serve.py` (the app and its session route).

This module holds the helpers the other `test_browser_*` modules share and the tests of the 起草 and
历史 pages. Each module starts one server for all its tests, on its own copy of the session's built
index (copying is seconds; embedding the bundled corpus again would be minutes), so no module sees
another's drafts or imports. Screenshots go to test-artifacts/ for a person to look at.
"""

import os
import re
import shutil
import sys
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from weakref import WeakKeyDictionary

import pytest

from tests.conftest import APP_START_SECONDS, ROOT, copy_data_folder, free_port, serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
WAIT_MS = 60_000  # a draft or an import takes seconds; on a busy 2-core machine, many
INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")  # zero-width marks a fix may use to stop autolinking
MARKUP_IN_MAIN = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return {
    links: [...main.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    images: [...main.querySelectorAll('img[src="x"], [onerror]')].map(e => e.outerHTML),
    math: main.querySelectorAll('.katex').length,
  };
}"""
EVIL_NAME = "[点此领取工会补贴](http://evil.example/x)**第一**$x^2$<img src=x onerror=alert(1)>"
FACTS = "召开三届二次教代会\n走访慰问困难教职工15人\n举办教职工气排球比赛"
PROBLEMS = "教职工活动场地不足"
PLANS = "建设教职工活动中心"

pytestmark = pytest.mark.server


# --- shared by the test_browser_* modules ----------------------------------------------------------------


class App(NamedTuple):
    url: str
    data_dir: Path  # the server's DRAFTING_DATA_DIR, for a test to read what the app stored


def require_chromium() -> None:
    """Skip without a browser on a developer's machine; under CI a missing browser is a failure."""
    try:
        import playwright.sync_api  # noqa: F401 - only whether it is installed
    except ImportError:
        missing = "the playwright package (pip install playwright)"
    else:
        if CHROMIUM.exists():
            return
        missing = f"{CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"browser tests need {missing}")
    pytest.skip(f"browser tests need {missing}")


@contextmanager
def running_app(built_library, workdir: Path, **env: str) -> Iterator[App]:
    """`streamlit run serve.py` on a copy of the built index, with the project's Streamlit config.

    It runs in an empty folder so no developer `.env` (and no paid endpoint in it) is read.
    """
    data_dir = workdir / "data"
    copy_data_folder(built_library.settings.data_dir, data_dir)
    folder = workdir / "cwd"
    (folder / ".streamlit").mkdir(parents=True)
    shutil.copy(ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]  # fmt: skip
    environment = {"DRAFTING_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "HOME": str(workdir), **env}
    with serving(
        command,
        f"http://127.0.0.1:{port}/_stcore/health",
        "streamlit",
        APP_START_SECONDS,
        cwd=folder,
        env=environment,
    ):
        yield App(f"http://127.0.0.1:{port}", data_dir)


@contextmanager
def chromium() -> Iterator["Browser"]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


def drafting_page_link(page: "Page") -> "Locator":
    return page.get_by_test_id("stSidebar").get_by_text("起草", exact=True)


@contextmanager
def app_page(
    browser: "Browser", url: str, first_drawn: Callable[["Page"], "Locator"] = drafting_page_link
) -> Iterator["Page"]:
    """A fresh browser session on the app, once its first run has drawn `first_drawn` and finished."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = watched_page(context)
    page.goto(url)
    expect(first_drawn(page)).to_be_visible(timeout=WAIT_MS)
    settled(page)
    yield page
    context.close()


def settled(page: "Page") -> None:
    """Wait until the script run has finished, so an element that is absent now stays absent.

    Call it after waiting for something the run shows: just after a click the state may not yet
    have changed to running.
    """
    from playwright.sync_api import expect

    app = page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
    expect(app).to_have_count(1, timeout=WAIT_MS)


class RunCounter:
    """The script runs the server reports to one page, read off its websocket, in order.

    The page's own run state cannot tell: a fragment's run can start and finish within one render,
    so the DOM never shows it running. The server sends `new_session` when every run starts and
    `script_finished` when it ends.
    """

    def __init__(self, page: "Page") -> None:
        self.events: list[str] = []
        page.on("websocket", lambda socket: socket.on("framereceived", self._frame))

    def _frame(self, payload: bytes | str) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, bytes):
            message = ForwardMsg.FromString(payload)
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self.events.append("started")
            elif kind == "script_finished" and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                self.events.append("finished")

    def finished_a_run_since(self, mark: int) -> bool:
        """Whether a run that started after event `mark` has finished. The end of an earlier run may
        reach playwright after the page already shows it ended: it comes before the new start."""
        since = self.events[mark:]
        return "started" in since and "finished" in since[since.index("started") :]


_RUNS: "WeakKeyDictionary[Page, RunCounter]" = WeakKeyDictionary()


def watched_page(context: "BrowserContext") -> "Page":
    """A new page whose script runs are counted, for `rerun_after` (and so `draft`)."""
    page = context.new_page()
    _RUNS[page] = RunCounter(page)
    return page


def rerun_after(page: "Page", action: Callable[[], object]) -> None:
    """Do `action` and wait until the script run it causes has finished.

    For actions whose effect the browser shows before the app has received it (a grid edit), or
    whose effect looks the same as before (a second refused sign-in), where waiting for what the
    page shows proves nothing.
    """
    runs = _RUNS[page]
    mark = len(runs.events)
    action()
    waited = 0
    while not runs.finished_a_run_since(mark):
        assert waited < WAIT_MS, f"no script run finished within {WAIT_MS} ms of the action"
        page.wait_for_timeout(50)  # lets playwright deliver the websocket frames
        waited += 50
    settled(page)


def go_to(page: "Page", name: str) -> None:
    open_page(page, name)
    settled(page)


def open_page(page: "Page", name: str) -> None:
    """Click `name` in the menu and wait for its heading, not for its run to end: a page that follows
    long work runs until the work is done."""
    from playwright.sync_api import expect

    page.get_by_test_id("stSidebar").get_by_text(name, exact=True).click()
    expect(page.get_by_test_id("stHeading").filter(has_text=name).first).to_be_visible(timeout=WAIT_MS)


def shown(text: str) -> str:
    """What a reader sees: without the zero-width marks."""
    return INVISIBLE.sub("", text)


def uploaded(page: "Page", file_input: "Locator", path: Path, button: str) -> str:
    """Put `path` in the file input, press `button`, and return the success or error message as shown."""
    from playwright.sync_api import expect

    file_input.set_input_files(path)
    page.get_by_role("button", name=button, exact=True).click()
    outcome = page.get_by_test_id("stAlertContentSuccess").or_(page.get_by_test_id("stAlertContentError"))
    expect(outcome).to_be_visible(timeout=WAIT_MS)
    settled(page)
    return shown(outcome.inner_text())


def markup_in_main(page: "Page") -> dict:
    """Links, images from user strings and rendered math in the main area (heading anchors included)."""
    return page.evaluate(MARKUP_IN_MAIN)


def no_exception_shown(page: "Page") -> None:
    assert page.get_by_test_id("stException").count() == 0
    text = page.get_by_test_id("stMain").inner_text()
    assert not re.search(r"Traceback|Exception|Error:|This app has encountered an error", text), text[:500]


def screenshot(page: "Page", name: str) -> None:
    """The whole main area (it scrolls inside the window, so a full-page shot would cut it off)."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height, 12_000))})
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size(size)


def module_server(folder: str) -> tuple[Callable, Callable]:
    """The `browser` and `app` fixtures of one test module: one Chromium and one app server for all its
    tests, on its own copy of the built index in a folder named `folder`. Assign both in the module:
    `browser, app = module_server("…")`."""

    @pytest.fixture(scope="module")
    def browser() -> Iterator["Browser"]:
        with chromium() as browser:
            yield browser

    @pytest.fixture(scope="module")
    def app(browser, built_library, tmp_path_factory) -> Iterator[App]:  # noqa: ANN001 - fixtures
        with running_app(built_library, tmp_path_factory.mktemp(folder)) as app:
            yield app

    return browser, app


# --- this module's server and browser -----------------------------------------------------------------------

browser, app = module_server("app")


@pytest.fixture
def page(browser, app) -> Iterator["Page"]:
    with app_page(browser, app.url) as page:
        yield page


def append_to_opening(page: "Page", draft_id: str, words: str) -> None:
    """Open the opening's editor, add `words` at its end and press 保存修改."""
    from playwright.sync_api import expect

    page.locator(f".st-key-more_{draft_id}_opening summary").click()  # drawn once it is open
    text = page.locator(f".st-key-edit_{draft_id}_opening textarea")
    expect(text).to_be_visible(timeout=WAIT_MS)
    text.fill(text.input_value() + words)
    rerun_after(page, text.blur)  # a text area's value reaches the app when it loses focus
    page.locator(f".st-key-save_{draft_id}_opening button").click()


def fill_facts(
    page: "Page", organization: str, facts: str = FACTS, problems: str = PROBLEMS, plans: str = PLANS
) -> None:
    """The form, problems and plans included: left empty, the offline engine writes 【待补充】 there, an
    open finding to confirm before export."""
    page.get_by_label("单位名称").fill(organization)
    page.get_by_label("总结期间").fill("2025年")
    page.get_by_label("工作要点（一行一条，数字照实填写）").fill(facts)
    page.get_by_label("存在的问题（可不填）").fill(problems)
    page.get_by_label("下一步计划（可不填）").fill(plans)


def draft(page: "Page") -> str:
    """Press 生成草稿 and wait for the whole draft; returns its id.

    Waits for the click's own run: a draft shown before the click has the same caption."""
    rerun_after(page, page.get_by_role("button", name="生成草稿").click)
    return shown_draft_id(page)


def shown_draft_id(page: "Page") -> str:
    from playwright.sync_api import expect

    caption = page.get_by_text(re.compile(r"草稿编号 [0-9a-f]{12}"))
    expect(caption).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_test_id("stCode")).to_be_visible(timeout=WAIT_MS)  # the last thing a draft shows
    settled(page)
    return re.search(r"[0-9a-f]{12}", caption.inner_text()).group()


def ask_for_files(page: "Page") -> None:
    """Turn on 导出 Word、Markdown 和事实依据表 (a draft with nothing to confirm makes its files only then)."""
    from playwright.sync_api import expect

    toggle = page.get_by_text("导出 Word、Markdown 和事实依据表")
    rerun_after(page, toggle.click)
    expect(page.get_by_role("button", name="下载 Word (.docx)")).to_be_visible(timeout=WAIT_MS)


def download(page: "Page", button: str, target: Path) -> Path:
    """Download with `button`, asking for the files first when the page does not offer them yet."""
    if not page.get_by_role("button", name=button).count():
        ask_for_files(page)
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    info.value.save_as(target)
    return target


def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("word/document.xml").decode()


# --- 起草 -------------------------------------------------------------------------------------------------------


def test_draft_regenerate_and_download_in_a_real_browser(page, tmp_path):
    from playwright.sync_api import expect

    fill_facts(page, "江南区第三中学工会")
    screenshot(page, "1-form")
    draft(page)
    expect(page.get_by_text("江南区第三中学工会2025年工作总结及2026年工作计划").first).to_be_visible()
    expect(page.get_by_text("走访慰问困难教职工15人").first).to_be_visible()
    screenshot(page, "2-draft")

    paragraphs = page.locator("p")
    expect(paragraphs.filter(has_text="工会始终把职工的冷暖放在心上")).to_have_count(1)
    page.locator("[class*='st-key-regen_'][class*='_work-care'] button").click()
    expect(paragraphs.filter(has_text="工会立足维护职工合法权益")).to_have_count(1, timeout=WAIT_MS)
    settled(page)
    expect(paragraphs.filter(has_text="工会始终把职工的冷暖放在心上")).to_have_count(0)
    screenshot(page, "3-regenerated")

    xml = docx_text(download(page, "下载 Word (.docx)", tmp_path / "draft.docx"))
    assert "江南区第三中学工会2025年工作总结及2026年工作计划" in xml and "工会立足维护职工合法权益" in xml


def test_a_version_saved_elsewhere_is_drawn_before_its_files_are_offered(page, app, tmp_path):
    """Asking for the files reruns the export area alone. A version saved since, in another tab, redraws
    the whole page first, so the text shown, the question asked and the files are of one version."""
    from playwright.sync_api import expect

    from drafting.service import DraftingService
    from drafting.settings import load_settings

    fill_facts(page, "东城区供水公司工会")
    draft_id = draft(page)
    elsewhere = DraftingService(load_settings(data_dir=app.data_dir))
    key = elsewhere.get(draft_id).sections[0].key
    elsewhere.edit(draft_id, key, elsewhere.get(draft_id).section(key).text + "这一句是另一个标签页里加的。")
    code = page.get_by_test_id("stCode")
    expect(code).not_to_contain_text("这一句是另一个标签页里加的。")
    rerun_after(page, page.get_by_text("导出 Word、Markdown 和事实依据表").click)
    expect(code).to_contain_text("这一句是另一个标签页里加的。", timeout=WAIT_MS)
    settled(page)  # the export area below the text is drawn by the same run: wait for all of it
    confirm = page.get_by_text("我已核对，仍要导出")  # the new version's findings, if any, are asked about
    toggle = page.get_by_text("导出 Word、Markdown 和事实依据表")  # or, with none, its files asked for
    expect(confirm.or_(toggle)).to_be_visible(timeout=WAIT_MS)
    if confirm.count():
        rerun_after(page, confirm.click)
        # confirming draws the files; CI twice found them not yet drawn when the run's end arrived
        expect(page.get_by_role("button", name="下载 Word (.docx)")).to_be_visible(timeout=WAIT_MS)
    xml = docx_text(download(page, "下载 Word (.docx)", tmp_path / "draft.docx"))  # asked again
    assert "这一句是另一个标签页里加的。" in xml


def test_a_problem_the_user_listed_is_not_flagged_as_invented(page):
    """The offline plan section answers each problem as 针对“…”的问题; the quote marks are the writer's, the
    words are the user's, so nothing is flagged as invented. The measure it leaves as 【待补充…】 is the
    user's to write: that is asked about, not the quotation."""
    from playwright.sync_api import expect

    fill_facts(page, "江南区第三中学工会", problems="活动经费紧张")
    draft(page)
    expect(page.get_by_text("针对“活动经费紧张”的问题").first).to_be_visible()
    warnings = page.get_by_test_id("stAlertContentWarning").all_inner_texts()
    assert not [w for w in warnings if "找不到依据" in w], warnings
    assert [w for w in warnings if "本节还有待补写的内容" in w and "【待补充：具体改进措施】" in w], warnings


def test_single_user_mode_refuses_a_visitor_through_a_reverse_proxy(browser, app):
    """The app listens on loopback, but a proxy on this host would hand it every visitor: the headers
    a proxy adds keep single-user mode (everything, unsigned) for the person at this machine."""
    from playwright.sync_api import expect

    context = browser.new_context(extra_http_headers={"X-Forwarded-For": "10.20.30.40"})
    try:
        page = context.new_page()
        page.goto(app.url)
        refusal = page.get_by_test_id("stAlertContentError")
        expect(refusal).to_contain_text("经反向代理或从别的地址来的", timeout=WAIT_MS)
        expect(refusal).to_contain_text("drafting users add")
        settled(page)
        expect(page.get_by_test_id("stSidebar").get_by_text("起草", exact=True)).to_have_count(0)
        expect(page.get_by_role("button", name="生成草稿")).to_have_count(0)
    finally:
        context.close()


def test_markup_in_the_unit_name_shows_as_text(page):
    from playwright.sync_api import expect

    from drafting.writing.facts import parse_facts

    kept = parse_facts(
        {"organization": EVIL_NAME, "period": "2025年", "facts": ["召开三届二次教代会"]}
    ).organization
    assert re.search(r"[*$\[\]<>]", kept), f"the sanitiser left no markup to test with: {kept!r}"
    fill_facts(page, EVIL_NAME)
    draft(page)
    screenshot(page, "4-markup-in-name")
    title = page.get_by_test_id("stHeading").filter(has_text="工作总结")
    expect(title).to_have_count(1)
    assert shown(title.inner_text()) == f"{kept}2025年工作总结及2026年工作计划"
    opening = page.get_by_test_id("stMarkdown").filter(has_text="现将2025年工作情况")
    assert f"2025年，{kept}在" in shown(opening.first.inner_text())
    found = markup_in_main(page)
    assert not [href for href in found["links"] if "evil.example" in href]
    assert found["images"] == [] and found["math"] == 0


def test_export_needs_confirmation_after_an_invented_number(page, tmp_path):
    from playwright.sync_api import expect

    fill_facts(page, "北湖区自来水公司工会", facts="召开职工代表大会\n走访慰问困难职工20人")
    draft_id = draft(page)
    word = page.get_by_role("button", name="下载 Word (.docx)")
    expect(word).to_have_count(0)  # nothing to confirm yet: the files come when asked for
    ask_for_files(page)

    append_to_opening(page, draft_id, "全年新建职工书屋99间。")
    expect(page.get_by_text("标红的内容在要点中找不到依据，请核对后编辑或重新生成本节：99")).to_be_visible(
        timeout=WAIT_MS
    )
    settled(page)
    expect(word).to_have_count(0)
    expect(page.get_by_role("button", name="下载 Markdown")).to_have_count(0)
    screenshot(page, "5-export-blocked")

    page.get_by_text("我已核对，仍要导出").click()
    expect(word).to_be_visible(timeout=WAIT_MS)
    assert "全年新建职工书屋99间" in docx_text(download(page, "下载 Word (.docx)", tmp_path / "checked.docx"))


def test_section_editor_stays_open_after_saving(page):
    """The first rerun after drafting drops the drafting status box above the sections; the editor the
    user saved from must stay open, not move to the next section's."""
    from playwright.sync_api import expect

    fill_facts(page, "北湖区自来水公司工会", facts="召开职工代表大会\n走访慰问困难职工20人")
    draft_id = draft(page)
    editor = page.locator(f".st-key-edit_{draft_id}_opening textarea")
    page.locator(f".st-key-more_{draft_id}_opening summary").click()  # drawn once it is open
    expect(editor).to_be_visible(timeout=WAIT_MS)
    editor.fill("2025年，北湖区自来水公司工会团结带领广大职工，较好完成了全年各项任务。")
    rerun_after(
        page, editor.blur
    )  # the text reaches the app (the first rerun after drafting) before the save
    page.locator(f".st-key-save_{draft_id}_opening button").click()
    # the save runs the script twice (st.rerun); only the second shows the saved text as the section's body
    expect(page.locator("p").filter(has_text="较好完成了全年各项任务")).to_have_count(1, timeout=WAIT_MS)
    settled(page)
    expect(editor).to_have_count(1)
    expect(editor).to_be_visible()
    expect(editor).to_have_value("2025年，北湖区自来水公司工会团结带领广大职工，较好完成了全年各项任务。")
    expect(page.locator("details[open]").locator("textarea")).to_have_count(1)


def test_outline_title_edited_in_the_grid_heads_its_section(page):
    """Rename the first section in the glide-data-grid (double-click, type, Enter), then write."""
    from playwright.sync_api import expect

    fill_facts(page, "江南区第三中学工会")
    page.get_by_role("button", name="先看提纲（可调整后再写作）").click()
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid).to_be_visible(timeout=WAIT_MS)
    settled(page)
    expect(page.get_by_test_id("glide-cell-1-0").first).to_have_text("发挥教代会作用，推进学校民主管理")
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.dblclick(box["x"] + 150, box["y"] + 35 + 17)  # header row, then the middle of row 1's 标题
    cell = page.locator("textarea.gdg-input")
    expect(cell).to_have_value("发挥教代会作用，推进学校民主管理")
    cell.press("Control+A")
    page.keyboard.type("深化民主管理，共建和谐校园")
    rerun_after(page, lambda: page.keyboard.press("Enter"))
    expect(page.get_by_test_id("glide-cell-1-0").first).to_have_text("深化民主管理，共建和谐校园")
    screenshot(page, "6-outline-edited")

    page.get_by_role("button", name="写作", exact=True).click()
    shown_draft_id(page)
    screenshot(page, "7-outline-written")
    warnings = page.get_by_test_id("stAlertContentWarning").all_inner_texts()
    assert not [w for w in warnings if "已从提纲中移除" in w], warnings
    heading = page.locator("strong").filter(has_text="深化民主管理，共建和谐校园")
    expect(heading).to_have_text("一、深化民主管理，共建和谐校园")
    section = page.get_by_test_id("stVerticalBlock").filter(has=heading).last
    expect(section).to_contain_text("召开三届二次教代会")


# --- 历史 -------------------------------------------------------------------------------------------------------


def test_history_opens_a_saved_draft_on_the_draft_page(page, browser, app):
    fill_facts(page, "北湖区自来水公司工会", facts="召开职工代表大会\n走访慰问困难职工20人")
    draft_id = draft(page)
    with app_page(browser, app.url) as later:  # another session: the draft comes from storage
        go_to(later, "历史")
        later.locator(f".st-key-open_{draft_id} button").click()
        assert shown_draft_id(later) == draft_id
        assert later.url.rstrip("/") == f"{app.url.rstrip('/')}/?draft={draft_id}", (
            "the draft page (the default page) is at the root, the open draft in its address"
        )
        assert later.get_by_text("北湖区自来水公司工会2025年工作总结及2026年工作计划").count() >= 1
        no_exception_shown(later)
        screenshot(later, "8-history-opened")


def test_a_double_click_on_generate_saves_one_draft(page, app):
    """The second click of a double click arrives while the first draft is being written; Streamlit queues
    it. It must not write the same draft again, while a later click (the user wants another version) does."""
    from drafting.service import DraftingService
    from drafting.settings import load_settings

    organization = "西岭区燃气公司工会"
    fill_facts(page, organization)
    page.get_by_role("button", name="生成草稿").dblclick()
    first = shown_draft_id(page)
    stored = DraftingService(load_settings(data_dir=app.data_dir))

    def drafts_of_unit() -> list[str]:
        return [d.id for d in stored.list_drafts() if d.title.startswith(organization)]

    page.wait_for_timeout(1500)  # a queued second run would have started and saved its first section by now
    settled(page)
    assert drafts_of_unit() == [first]
    again = draft(page)  # a deliberate second version, after the first was shown
    assert again != first
    assert sorted(drafts_of_unit()) == sorted([first, again])


def test_a_double_click_on_regenerate_makes_one_version(page, app):
    """With a model a section takes seconds to regenerate; the second click of a double click is queued
    behind that run and must not regenerate the new version once more (and spend the tokens again). The
    endpoint is saved after the page was drawn: the section's own rerun uses it all the same."""
    from drafting.access import CONSOLE
    from drafting.service import DraftingService
    from drafting.settings import load_settings
    from drafting.simulator import Behaviour, running

    fill_facts(page, "南山区公交公司工会")
    draft_id = draft(page)  # offline
    stored = DraftingService(load_settings(data_dir=app.data_dir))
    with running(Behaviour(first_token_delay=1.0)) as (url, simulator):
        stored.endpoint_store.set_endpoint(url, "simulated", "", "json_mode", CONSOLE)
        try:
            button = page.locator("[class*='st-key-regen_'][class*='_work-care_'] button")
            button.click()
            page.wait_for_timeout(300)  # a person's double click: the second comes while the first runs
            button.click()
            page.wait_for_timeout(4000)  # one regeneration takes over a second; a queued second one as long
            settled(page)
        finally:
            stored.endpoint_store.clear_endpoint(CONSOLE)
    assert simulator.requests, "the section was regenerated by the model"
    assert len(stored.get(draft_id).section("work-care").previous_versions) == 1
