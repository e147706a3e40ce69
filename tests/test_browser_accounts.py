"""Accounts in a real browser: the login page, two units that never see each other's drafts or reports,
settings by role, the session cookie across reloads and sign-out, failed sign-ins and the lock, a session
that expires in the middle of a generation, and an account disabled while its browser is signed in.

One server for the module, on an index of a single bundled report (built in seconds), with two members of
two units, an administrator and one account each for the tests that lock, expire or disable theirs.
"""

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest
from sqlalchemy import delete, select

from drafting.access import CONSOLE, Actor
from drafting.accounts import Users
from drafting.accounts.sessions import MAX_FAILURES, WRONG_CREDENTIALS
from drafting.retrieval.library import Library
from drafting.settings import Settings, load_settings
from drafting.storage import Database, open_database
from drafting.storage.models import DraftRow, LoginSession, Unit, User
from tests.conftest import ROOT
from tests.test_browser import (
    WAIT_MS,
    App,
    app_page,
    ask_for_files,
    chromium,
    draft,
    fill_facts,
    go_to,
    no_exception_shown,
    rerun_after,
    running_app,
    screenshot,
    settled,
)
from tests.test_browser_library import import_file, report_lines, search

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = pytest.mark.server
PASSWORD = "红杉青松-2025-口令"


class Account(NamedTuple):
    name: str
    unit: str
    admin: bool = False


HOSPITAL = Account("李红", "红杉医院工会")
SCHOOL = Account("王松", "青松中学工会")
ADMIN = Account("赵管", "区总工会", admin=True)
LOCKED = Account("周锁", "青松中学工会")
EXPIRING = Account("孙断", "红杉医院工会")
DISABLED = Account("钱停", "红杉医院工会")
HALTED = Account("吴止", "红杉医院工会")  # disabled while a part of its page reruns alone
ACCOUNTS = [HOSPITAL, SCHOOL, ADMIN, LOCKED, EXPIRING, DISABLED, HALTED]
SESSION_ENDED = "登录已失效，请重新登录。已生成的内容都已保存。"


# --- shared with test_browser_sso ------------------------------------------------------------------------------


def office_library(root: Path, accounts: list[Account]) -> Library:
    """A data folder with an index of one bundled report and these accounts (made before any server starts)."""
    bundled = root / "bundled"
    bundled.mkdir(parents=True)
    shutil.copy(sorted((ROOT / "examples_corpus").glob("*.md"))[0], bundled)
    library = Library(load_settings(data_dir=root / "data", corpus_dir=bundled))
    library.build()
    users = Users(library.database)
    for account in accounts:
        users.create_user(account.name, account.unit, PASSWORD, admin=account.admin)
    library.close()
    library.database.close()
    return library


def app_settings(app: App, library: Library) -> Settings:
    return load_settings(data_dir=app.data_dir, corpus_dir=library.settings.corpus_dir)


@contextmanager
def app_database(app: App) -> Iterator[Database]:
    """The running app's database, opened from the test as an operator would."""
    database = open_database(f"sqlite:///{app.data_dir / 'drafting.sqlite3'}")
    try:
        yield database
    finally:
        database.close()


def visit(browser: "Browser", url: str) -> AbstractContextManager["Page"]:
    """A new browser (no cookies) on the app, once its first page (login or 起草) has been drawn."""
    return app_page(browser, url, lambda page: login_button(page).or_(page_link(page, "起草")))


def login_button(page: "Page") -> "Locator":
    return page.get_by_role("button", name="登录", exact=True)


def page_link(page: "Page", name: str) -> "Locator":
    return page.get_by_test_id("stSidebar").get_by_text(name, exact=True)


def expect_pages(page: "Page", names: list[str]) -> None:
    """The sidebar offers exactly these pages (none on the login page); waits for their labels to render."""
    from playwright.sync_api import expect

    offered = page.get_by_test_id("stSidebarNavLink")
    if names:
        expect(offered).to_have_text(names)
    else:
        expect(offered).to_have_count(0)


def submit_login(page: "Page", name: str, password: str) -> None:
    page.get_by_label("用户名", exact=True).fill(name)
    page.get_by_label("密码", exact=True).fill(password)
    login_button(page).click()


def log_in(page: "Page", account: Account, password: str = PASSWORD) -> None:
    from playwright.sync_api import expect

    submit_login(page, account.name, password)
    expect(signed_in_as(page, account)).to_be_visible(timeout=WAIT_MS)
    settled(page)


def refused_login(page: "Page", name: str, password: str) -> str:
    """Submit the login form and return the error it shows (waits out the server's slow-down)."""
    rerun_after(page, lambda: submit_login(page, name, password))
    expect_pages(page, [])
    return page.get_by_test_id("stAlertContentError").inner_text()


def signed_in_as(page: "Page", account: Account) -> "Locator":
    role = " · 管理员" if account.admin else ""
    return page.get_by_test_id("stSidebar").get_by_text(f"{account.name} · {account.unit}{role}", exact=True)


def expect_login_page(page: "Page") -> None:
    """The login form and nothing of the app: no pages in the sidebar, no drafting form, no draft."""
    from playwright.sync_api import expect

    expect(login_button(page)).to_be_visible(timeout=WAIT_MS)
    settled(page)
    expect_pages(page, [])
    main = page.get_by_test_id("stMain").inner_text()
    for part in ("载入示例要点", "生成草稿", "工作要点", "草稿编号", "范文库", "历史"):
        assert part not in main, part
    no_exception_shown(page)


def session_cookie(page: "Page") -> str:
    return next((c["value"] for c in page.context.cookies() if c["name"] == "drafting_session"), "")


def cleared_session_cookie(page: "Page") -> str:
    """The cookie once signing out has cleared it: like writing it, clearing is the page posting a ticket,
    which may land just after the login page is drawn. Whatever is left after the wait is returned."""
    for _ in range(WAIT_MS // 100):
        if not session_cookie(page):
            break
        page.wait_for_timeout(100)
    return session_cookie(page)


def written_session_cookie(page: "Page") -> str:
    """The cookie once the server has set it (the page posts its ticket after the sign-in has drawn the app),
    checked to be HttpOnly: the browser holds it and no script in the page can read it."""
    for _ in range(WAIT_MS // 100):
        found = [c for c in page.context.cookies() if c["name"] == "drafting_session"]
        if found:
            break
        page.wait_for_timeout(100)
    (cookie,) = found
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie
    assert "drafting_session" not in page.evaluate("document.cookie")
    return cookie["value"]


# --- this module's server -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Library:
    return office_library(tmp_path_factory.mktemp("accounts-built"), ACCOUNTS)


@pytest.fixture(scope="module")
def app(browser, library, tmp_path_factory) -> Iterator[App]:
    workdir = tmp_path_factory.mktemp("accounts-app")
    with running_app(library, workdir, DRAFTING_CORPUS_DIR=str(library.settings.corpus_dir)) as app:
        yield app


@contextmanager
def signed_in(browser: "Browser", app: App, account: Account) -> Iterator["Page"]:
    with visit(browser, app.url) as page:
        log_in(page, account)
        yield page


# --- the login page -----------------------------------------------------------------------------------------------


def test_a_visitor_sees_only_the_login_page(browser, app):
    from playwright.sync_api import expect

    with visit(browser, app.url) as page:
        expect_login_page(page)
        expect(page.get_by_role("button", name="使用统一身份认证登录")).to_have_count(0)  # no [auth] here
        screenshot(page, "accounts-1-login")
        assert session_cookie(page) == ""


# --- two units ----------------------------------------------------------------------------------------------------


def load_example(page: "Page") -> None:
    """Press 载入示例要点 and wait for its run to end (the page is drawn twice over while it runs)."""
    from playwright.sync_api import expect

    rerun_after(page, lambda: page.get_by_role("button", name="载入示例要点").click())
    expect(page.get_by_label("单位名称")).to_have_value("江北市第一人民医院工会")


def draft_as_unit(page: "Page", unit: str) -> str:
    """载入示例要点, the unit's own name as 单位名称, 生成草稿 (offline engine); returns the draft id."""

    load_example(page)
    page.get_by_label("单位名称").fill(unit)
    return draft(page)


def reading_list(page: "Page") -> list[str]:
    """The options of 范文库's 阅读范文 box."""
    from playwright.sync_api import expect

    page.get_by_test_id("stSelectbox").filter(has_text="阅读范文").click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    titles = options.all_inner_texts()
    page.keyboard.press("Escape")
    return titles


def search_misses(page: "Page", words: str, report_id: str) -> None:
    box = page.get_by_label("检索范文段落")
    box.fill(words)
    rerun_after(page, lambda: box.press("Enter"))
    captions = page.get_by_test_id("stCaptionContainer").all_inner_texts()
    assert captions, "the search showed nothing at all: it cannot tell whether the report was hidden"
    assert not [c for c in captions if f"（{report_id}，" in c], captions


def test_two_units_never_see_each_others_drafts_or_reports(browser, app, tmp_path):
    from playwright.sync_api import expect

    activity = {HOSPITAL: "开展夜班护士应急救护技能比武", SCHOOL: "举办青年教师粉笔字基本功展示"}
    with signed_in(browser, app, HOSPITAL) as hospital, signed_in(browser, app, SCHOOL) as school:
        users = {HOSPITAL: hospital, SCHOOL: school}
        drafts, reports = {}, {}
        for account, page in users.items():
            drafts[account] = draft_as_unit(page, account.unit)
            go_to(page, "范文库")
            path = tmp_path / f"{account.unit}总结.txt"
            path.write_bytes("\n".join(report_lines(account.unit, activity[account])).encode("gbk"))
            reports[account] = import_file(page, path)[0]
        screenshot(hospital, "accounts-2-hospital-imported")

        for account, other in ((HOSPITAL, SCHOOL), (SCHOOL, HOSPITAL)):
            page = users[account]
            go_to(page, "历史")
            expect(page.locator(f".st-key-open_{drafts[account]}")).to_have_count(1)
            expect(page.locator(f".st-key-open_{drafts[other]}")).to_have_count(0)
            assert other.unit not in page.get_by_test_id("stMain").inner_text()
            screenshot(page, f"accounts-3-history-{'hospital' if account is HOSPITAL else 'school'}")

            go_to(page, "范文库")
            titles = reading_list(page)
            assert [t for t in titles if t.startswith(f"{account.unit}2024年工作总结")], titles
            assert not [t for t in titles if other.unit in t], titles
            search(page, activity[account], reports[account])  # one's own report is found by its words
            search_misses(page, activity[other], reports[other])
            screenshot(page, f"accounts-4-search-{'hospital' if account is HOSPITAL else 'school'}")


# --- settings by role ---------------------------------------------------------------------------------------------


def test_only_the_administrator_gets_endpoint_fields_and_admin_pages(browser, app):
    from playwright.sync_api import expect

    with signed_in(browser, app, HOSPITAL) as member:
        expect_pages(member, ["起草", "语气对比", "范文库", "历史", "设置"])
        go_to(member, "设置")
        expect(member.get_by_text("模型接口、密钥和向量模型由管理员统一配置。")).to_be_visible()
        for field in ("接口地址（base URL）", "模型名", "常用接口"):
            expect(member.get_by_label(field)).to_have_count(0)
        expect(member.get_by_role("button", name="测试连接")).to_have_count(0)
        screenshot(member, "accounts-5-settings-member")

    with signed_in(browser, app, ADMIN) as admin:
        expect_pages(admin, ["起草", "语气对比", "范文库", "历史", "评测", "设置", "账户管理"])
        go_to(admin, "设置")
        expect(admin.get_by_label("接口地址（base URL）")).to_be_visible()
        expect(admin.get_by_label("模型名")).to_be_visible()
        expect(admin.get_by_role("button", name="测试连接")).to_be_visible()
        screenshot(admin, "accounts-6-settings-admin")


# --- the session cookie -------------------------------------------------------------------------------------------


def test_a_reload_keeps_the_sign_in_and_signing_out_ends_it(browser, app):
    from playwright.sync_api import expect

    with signed_in(browser, app, SCHOOL) as page:
        token = written_session_cookie(page)
        assert len(token) >= 40, "the session cookie was not written"

        page.reload()
        expect(signed_in_as(page, SCHOOL)).to_be_visible(timeout=WAIT_MS)
        settled(page)
        go_to(page, "历史")  # and the session works for an action, not only for drawing the page

        page.get_by_test_id("stSidebar").get_by_role("button", name="退出登录").click()
        expect_login_page(page)
        assert cleared_session_cookie(page) == ""
        screenshot(page, "accounts-7-signed-out")
        page.reload()
        expect_login_page(page)

        page.context.add_cookies([{"name": "drafting_session", "value": token, "url": app.url}])
        page.reload()
        expect_login_page(page)  # the old token was ended on the server, not only forgotten by the browser


def test_a_word_export_opens_only_with_the_session_that_made_it_reachable(browser, app):
    """The /media/ link of a download is not a key of its own: without a signed-in session it opens nothing."""
    with signed_in(browser, app, SCHOOL) as page:
        draft_as_unit(page, SCHOOL.unit)
        ask_for_files(page)
        with page.expect_download() as info:
            page.get_by_role("button", name="下载 Word (.docx)").click()
        url = info.value.url
        assert "/media/" in url and url.endswith(".docx"), url
        assert page.request.get(url).status == 200
        stranger = browser.new_context()
        try:
            refused = stranger.request.get(url)
            assert refused.status == 403 and "请先登录" in refused.text()
        finally:
            stranger.close()
        page.get_by_test_id("stSidebar").get_by_role("button", name="退出登录").click()
        expect_login_page(page)
        assert page.request.get(url).status == 403


# --- failed sign-ins ----------------------------------------------------------------------------------------------


def test_wrong_password_and_unknown_user_look_alike_and_failures_lock(browser, app):
    with visit(browser, app.url) as page:
        unknown = refused_login(page, "不存在的用户", PASSWORD)
        wrong = refused_login(page, LOCKED.name, "not-the-password")
        assert unknown == wrong == WRONG_CREDENTIALS
        for _ in range(MAX_FAILURES - 2):
            assert refused_login(page, LOCKED.name, "not-the-password") == WRONG_CREDENTIALS
        locked = refused_login(page, LOCKED.name, "not-the-password")
        assert "锁定" in locked, locked
        screenshot(page, "accounts-8-locked")
        still = refused_login(page, LOCKED.name, PASSWORD)
        assert "锁定" in still, "the right password opens a locked account"


# --- a session that ends while a draft is being written -----------------------------------------------------------


@contextmanager
def slow_endpoint(settings: Settings, database: Database) -> Iterator[None]:
    """A local model endpoint whose 计划 section stalls mid-stream, saved as the app's endpoint meanwhile."""
    from drafting.models.saved_endpoint import endpoint_store
    from drafting.simulator import Behaviour, Fault, running

    # long enough for the other sections to finish on a busy machine while 计划 stalls
    behaviour = Behaviour(stall_seconds=20, faults=[Fault(kind="stall", match="<plans>", times=None)])
    store = endpoint_store(settings, database)
    with running(behaviour) as (url, _):
        store.set_endpoint(url, "simulated", "", "json_mode", CONSOLE)
        try:
            yield
        finally:
            store.clear_endpoint(CONSOLE)


def owner(database: Database, account: Account) -> Actor:
    with database.reading() as session:
        user, unit = session.execute(select(User, Unit).join(Unit).where(User.name == account.name)).one()
    return Actor(user.id, unit.id, user.is_admin, user.name, unit.name)


def test_a_session_ending_mid_generation_keeps_the_written_sections(browser, app, library):
    from playwright.sync_api import expect

    from drafting.storage import DraftRepository
    from drafting.writing.draft import Draft, section_name

    with (
        app_database(app) as database,
        slow_endpoint(app_settings(app, library), database),
        signed_in(browser, app, EXPIRING) as page,
    ):
        actor = owner(database, EXPIRING)
        load_example(page)
        page.get_by_role("button", name="生成草稿").click()
        status = page.get_by_test_id("stExpander").filter(has_text="正在起草")
        for name in ("开头", "存在的问题和不足", "结尾"):  # progress names sections as the user does
            expect(status.get_by_text(f"{name}：已完成", exact=True)).to_be_visible(timeout=WAIT_MS)
        written = {text.removesuffix("：已完成") for text in status.get_by_text("：已完成").all_inner_texts()}
        assert "2026年工作计划" not in written, (
            "the 计划 section did not stall: nothing was still being written"
        )
        screenshot(page, "accounts-9-generating")

        with database.transaction() as session:  # the session ends, as after the idle timeout
            ended = session.execute(delete(LoginSession).where(LoginSession.user_id == actor.user_id))
        assert ended.rowcount == 1
        page_link(page, "历史").click()  # the user's next action, while the 计划 section still stalls
        expect(page.get_by_text(SESSION_ENDED)).to_be_visible(timeout=WAIT_MS)
        expect_login_page(page)
        screenshot(page, "accounts-10-session-ended")

        with database.reading() as session:
            draft_ids = session.scalars(select(DraftRow.id).where(DraftRow.owner_id == actor.user_id)).all()
        assert len(draft_ids) == 1, "the interrupted draft was not saved"
        saved = DraftRepository(database, Draft).get(draft_ids[0], actor).draft
        kept = {section_name(s.kind, s.heading) for s in saved.sections if s.text.strip()}
        assert written <= kept, f"sections written before the session ended were lost: {written - kept}"
        assert "2026年工作计划" not in kept, "the section cut off mid-stream was saved half-written"

        log_in(page, EXPIRING)  # back on 起草, with the saved part of the draft
        expect(page.get_by_text(f"草稿编号 {draft_ids[0]}")).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("【本部分尚未生成").first).to_be_visible()
        go_to(page, "历史")  # the first page click after signing in again is not lost
        expect(page.get_by_test_id("stHeading").filter(has_text="历史")).to_have_count(1)
        expect(page.locator(f".st-key-open_{draft_ids[0]}")).to_have_count(1)
        screenshot(page, "accounts-11-history-after-sign-in")


# --- an account disabled while signed in --------------------------------------------------------------------------


def test_a_disabled_account_is_refused_on_its_next_action(browser, app, tmp_path):
    from playwright.sync_api import expect

    with signed_in(browser, app, DISABLED) as page:
        go_to(page, "历史")
        disable(app, DISABLED, tmp_path)
        page_link(page, "范文库").click()
        expect(page.get_by_text(SESSION_ENDED)).to_be_visible(timeout=WAIT_MS)
        expect_login_page(page)
        screenshot(page, "accounts-12-disabled")
        assert "已被停用" in refused_login(page, DISABLED.name, PASSWORD)


def test_a_disabled_account_is_refused_in_a_part_of_the_page_that_reruns_alone(browser, app, tmp_path):
    """先看提纲 reruns the form's part of the page alone (a fragment), not the frame that checks the
    sign-in: that part asks too, so a disabled account gets the login page, not an outline."""
    from playwright.sync_api import expect

    with signed_in(browser, app, HALTED) as page:
        fill_facts(page, HALTED.unit)
        outline = page.get_by_role("button", name="先看提纲（可调整后再写作）")
        rerun_after(page, outline.click)
        expect(page.get_by_role("button", name="写作", exact=True)).to_be_visible(
            timeout=WAIT_MS
        )  # while signed in
        disable(app, HALTED, tmp_path)
        rerun_after(page, outline.click)
        expect(page.get_by_text(SESSION_ENDED)).to_be_visible(timeout=WAIT_MS)
        expect_login_page(page)


def disable(app: App, account: Account, tmp_path: Path) -> None:
    """`drafting users disable`, as an administrator runs it on the server."""
    done = subprocess.run(
        [sys.executable, "-m", "drafting.cli", "users", "disable", account.name],
        cwd=tmp_path,  # no developer .env
        env={"DRAFTING_DATA_DIR": str(app.data_dir), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"已停用账户“{account.name}”" in done.stdout
