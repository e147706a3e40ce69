"""Streamlit face of the drafting library, the frame: settings, sign-in, the per-process database and index,
and the menu. Each page is a module in app/ that only adapts DraftingService and OfficeService."""

from typing import TYPE_CHECKING

import streamlit as st
from pydantic import ValidationError

from app import current, resources
from app.common import STREAMLIT_WORDS_IN_CHINESE, refused, streamlit_secrets
from app.run_log import Run, logged_run
from app.widget_memory import forget_widgets_gone
from drafting.access import Actor
from drafting.accounts.cookie_tickets import CookieTickets, cookie_script
from drafting.accounts.signin import (
    SESSION_COOKIE,
    SIGNED_IN_AS,
    TOKEN,
    SignIn,
    actor_while_database_is_away,
)
from drafting.accounts.source import trusted_networks
from drafting.errors import UserError
from drafting.office import OfficeService
from drafting.retrieval.library import Library
from drafting.service import DraftingService
from drafting.settings import Settings, load_settings, settings_problem
from drafting.storage.errors import StorageUnavailable
from drafting.text.markup import escape_markdown

if TYPE_CHECKING:
    from drafting.storage import Database

st.set_page_config(page_title="工会总结起草", page_icon="📝", layout="wide")


def pages_for(actor: Actor) -> list[st.Page]:
    """The menu: every user drafts; administrators also evaluate, and manage accounts when there are any."""
    pages = [
        st.Page("app/draft.py", title="起草", url_path="draft", default=True),
        st.Page("app/tone.py", title="语气对比", url_path="tone"),
        st.Page("app/library.py", title="范文库", url_path="library"),
        st.Page("app/history.py", title="历史", url_path="history"),
    ]
    if actor.is_admin:
        pages.append(st.Page("app/evaluation.py", title="评测", url_path="evaluation"))
    pages.append(st.Page("app/settings.py", title="设置", url_path="settings"))
    if actor.is_admin and not actor.is_local:
        pages.append(st.Page("app/accounts.py", title="账户管理", url_path="accounts"))
    return pages


# --- 登录 ---------------------------------------------------------------------------------------------------


class _StreamlitTab:
    """The browser tab as the sign-in policy (drafting.accounts.signin) sees it."""

    def __init__(self) -> None:
        self.state = st.session_state
        self._cookie: str | None = None  # to write once the page is chosen
        self.tickets: CookieTickets | None = None  # set once the database is open

    def cookie(self) -> str:
        cookie = st.context.cookies.get(SESSION_COOKIE)
        return cookie if isinstance(cookie, str) else ""

    def write_cookie(self, token: str) -> None:
        self._cookie = token

    def flush_cookie(self) -> None:
        """Write the cookie the policy asked for. Called after st.navigation (a script drawn before the first
        page is chosen is dropped with the login page), into a slot always drawn so no later element shifts."""
        slot = st.empty()
        if self._cookie is not None and self.tickets is not None:
            with slot:
                st.html(cookie_script(self.tickets.issue(self._cookie)), unsafe_allow_javascript=True)
            self._cookie = None

    def provider_claims(self) -> dict | None:
        return st.user.to_dict() if _sso_configured() else None

    def server_address(self) -> str:
        return st.get_option("server.address") or "0.0.0.0"  # streamlit's default listens everywhere

    def headers(self) -> dict[str, str]:
        return dict(st.context.headers)

    def client_address(self) -> str | None:
        return st.context.ip_address


def _signed_in(sign_in: SignIn) -> Actor:
    """Who is using this browser. Shows the login page and stops the script when nobody is signed in."""
    visitor = sign_in.visitor()
    if visitor.refusal:
        st.error(visitor.refusal)  # the server's own listening address, not a visitor's text
        st.stop()
    if visitor.error:
        st.error(visitor.error)
    if visitor.notice:
        st.warning(visitor.notice)
    if visitor.actor is None:

        def login() -> None:
            _login_page(sign_in)

        # The only page now, and no menu: the menu of a session that just ended must not stay on screen.
        page = st.navigation(
            [st.Page(login, title="登录", default=True)], position="hidden"
        )  # at the root URL
        sign_in.tab.flush_cookie()
        page.run()
        st.stop()
    return visitor.actor


def _sso_configured() -> bool:
    """Single sign-on is offered when secrets.toml has an [auth] section (what st.login reads)."""
    return bool(streamlit_secrets().get("auth"))


def _shared_library(settings: Settings, database: "Database | None") -> Library | None:
    """The process's index, or None while it cannot open: its message (naming the fix) is shown, the pages
    stay usable, and those that need the index say so again when they use it."""
    if database is None:
        return None
    try:
        return resources.library(settings, database)
    except UserError as error:
        refused(error)
        return None


def _login_page(sign_in: SignIn) -> None:
    st.title("工会总结起草")
    with st.form("login"):
        name = st.text_input("用户名")
        password = st.text_input("密码", type="password")
        submitted = st.form_submit_button("登录", type="primary")
    if _sso_configured() and st.button("使用统一身份认证登录"):
        _start_provider_sign_in()
    st.caption("没有账户或忘记密码，请联系本单位的管理员。")
    if submitted:
        try:
            sign_in.sign_in(name, password)
        except UserError as error:
            refused(error)
            return
        st.rerun()


def _start_provider_sign_in() -> None:
    """Send the browser to the identity provider; it comes back with a new session of this app."""
    from streamlit.errors import StreamlitAuthError, StreamlitMissingAuthlibError

    try:
        st.login()
    except StreamlitMissingAuthlibError:
        st.error(
            "服务器缺少统一身份认证所需的 Authlib 组件。请管理员执行 pip install 'Authlib>=1.3.2' 后重启本应用。"
        )
    except StreamlitAuthError:
        st.error(
            "统一身份认证的设置不完整。请管理员检查 .streamlit/secrets.toml 中 [auth] 的 "
            "redirect_uri、cookie_secret、client_id、client_secret 和 server_metadata_url。"
        )


def _account_sidebar(service: DraftingService, tab: _StreamlitTab) -> None:
    actor = service.actor
    st.sidebar.caption(
        escape_markdown(f"{actor.name} · {actor.unit_name}{' · 管理员' if actor.is_admin else ''}")
    )
    if st.sidebar.button("退出登录", key="logout"):
        SignIn(service.database, tab).sign_out()
        tab.flush_cookie()
        if _sso_configured() and st.user.is_logged_in:
            st.logout()  # the browser goes on to the provider's end_session_endpoint when it offers one
            st.stop()  # a rerun now would cancel that navigation
        st.rerun()
    opened = st.sidebar.expander("修改密码", key="change_password_open", on_change="rerun")
    if not opened.open:  # drawn once opened: its three text boxes cost every run of every page
        return
    with opened, st.form("change_password", clear_on_submit=True):
        old = st.text_input("原密码", type="password")
        new = st.text_input("新密码", type="password")
        again = st.text_input("再输一遍新密码", type="password")
        if st.form_submit_button("修改密码"):
            if new != again:
                st.error("两次输入的新密码不一致。")
            else:
                try:
                    OfficeService(service).change_own_password(
                        old, new, keep_token=st.session_state.get(TOKEN, "")
                    )
                    st.success("密码已修改。")
                except UserError as error:
                    refused(error)


def main() -> None:
    try:
        settings = load_settings(streamlit_secrets())
    except ValidationError as error:  # a malformed .env or secrets value; ours say which and why
        st.error(
            escape_markdown(settings_problem(error) or "配置有误，请检查 .env 或 secrets.toml 中的设置。")
        )
        return
    except Exception:  # noqa: BLE001 - a malformed .env or secrets file
        st.error("配置有误，请检查 .env 或 secrets.toml 中的设置。")
        return
    with logged_run(settings.run_log) as run:
        _frame(settings, run)


def _frame(settings: Settings, run: Run) -> None:
    """Sign-in, the shared database and index, the menu, then the chosen page."""
    forget_widgets_gone()
    database: Database | None = None
    tab = _StreamlitTab()
    try:
        database = resources.database(settings)
        tab.tickets = resources.tickets(settings, database)
        actor = _signed_in(SignIn(database, tab, trusted_networks(settings.trusted_proxies)))
    except StorageUnavailable as error:  # damaged, down or full: the message names the fix
        refused(error)
        if (actor := actor_while_database_is_away(tab, error)) is None:
            st.stop()
    except UserError as error:
        refused(error)
        return
    else:
        st.session_state[SIGNED_IN_AS] = actor
    library = _shared_library(settings, database)
    if library is not None:
        resources.warm_up(DraftingService(settings, library=library, database=database))
    service = DraftingService(settings, actor, library=library, database=database)
    chosen = st.navigation({"功能": pages_for(actor)})  # only the pages this user may open are offered
    run.page = chosen.title
    st.html(STREAMLIT_WORDS_IN_CHINESE)
    tab.flush_cookie()
    current.use(service)
    try:
        if not actor.is_local:
            _account_sidebar(service, tab)
        if library is not None and (repair := library.repair_status()).running:
            st.info(escape_markdown(repair.notice))
        chosen.run()
    except UserError as error:
        refused(error)


main()
