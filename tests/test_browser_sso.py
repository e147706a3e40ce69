"""Single sign-on in a real browser, against a local OpenID provider (oidc-provider-mock on loopback).

The app's secrets configure `[auth]`; the login page then offers 使用统一身份认证登录, which goes through the
provider's own form and back. An account that exists here reaches the app as itself; one that does not is
refused with a message; signing out here is not undone by the identity the provider left in the browser.
"""

import re
import secrets
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx
import pytest

from drafting.access import CONSOLE
from drafting.storage.audit import audit_log
from tests.conftest import free_port, serving
from tests.test_browser import WAIT_MS, App, chromium, running_app, screenshot, settled
from tests.test_browser_accounts import (
    ADMIN,
    HOSPITAL,
    app_database,
    cleared_session_cookie,
    expect_login_page,
    expect_pages,
    login_button,
    office_library,
    page_link,
    session_cookie,
    signed_in_as,
    visit,
    written_session_cookie,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.server
SSO_BUTTON = "使用统一身份认证登录"
# Who the provider says they are: 李红 has an account here (by her username), 张三 has none.
IDENTITIES = {
    "u-1001": {"preferred_username": HOSPITAL.name, "email": "lihong@example.org", "name": HOSPITAL.name},
    "u-2002": {"preferred_username": "张三", "email": "zhangsan@example.org", "name": "张三"},
}


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """oidc-provider-mock as its command starts it, on a free loopback port, knowing IDENTITIES."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    with serving(command, f"{url}/.well-known/openid-configuration", "oidc-provider-mock"):
        for subject, claims in IDENTITIES.items():
            httpx.put(f"{url}/users/{quote(subject)}", json=claims, timeout=10).raise_for_status()
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def app(browser, provider, tmp_path_factory) -> Iterator[App]:
    """The app with `[auth]` in the secrets (in HOME/.streamlit, where streamlit reads its global secrets)."""
    root = tmp_path_factory.mktemp("sso")
    library = office_library(root / "built", [HOSPITAL, ADMIN])
    workdir = root / "app"
    (workdir / ".streamlit").mkdir(parents=True)
    (workdir / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        'client_id = "drafting-tests"\n'
        f'client_secret = "{secrets.token_urlsafe(16)}"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    with running_app(library, workdir, DRAFTING_CORPUS_DIR=str(library.settings.corpus_dir)) as app:
        yield app


def sign_in_at_provider(page: "Page", subject: str) -> None:
    """Press the app's SSO button and authorize `subject` on the provider's form; back at the app after."""
    from playwright.sync_api import expect

    page.get_by_role("button", name=SSO_BUTTON).click()
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize", exact=True).click()
    back_at_the_app = login_button(page).or_(page_link(page, "起草"))
    expect(back_at_the_app).to_be_visible(timeout=WAIT_MS)
    settled(page)


def test_an_account_holder_signs_in_through_the_provider(browser, app):
    from playwright.sync_api import expect

    with visit(browser, app.url) as page:
        expect(page.get_by_role("button", name=SSO_BUTTON)).to_be_visible()
        screenshot(page, "sso-1-login")
        sign_in_at_provider(page, "u-1001")
        expect(signed_in_as(page, HOSPITAL)).to_be_visible()
        expect_pages(page, ["起草", "语气对比", "范文库", "历史", "设置"])
        screenshot(page, "sso-2-signed-in")
        assert len(written_session_cookie(page)) >= 40, "a provider sign-in opens an ordinary session"
        with app_database(app) as database:
            newest = audit_log(database, CONSOLE, limit=1)[0]
        assert (newest.user_name, newest.unit_name, newest.action) == (
            HOSPITAL.name,
            HOSPITAL.unit,
            "登录（统一身份认证）",
        )

        page.reload()
        expect(signed_in_as(page, HOSPITAL)).to_be_visible(timeout=WAIT_MS)
        settled(page)

        page.get_by_test_id("stSidebar").get_by_role("button", name="退出登录").click()
        # signing out here signs out at the provider too (its end_session_endpoint, with the ID token)
        expect(page).to_have_url(re.compile(r"/oauth2/end_session\?.*id_token_hint="), timeout=WAIT_MS)
        page.get_by_role("button", name="End session").click()
        expect_login_page(page)
        assert not [c["name"] for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]
        assert cleared_session_cookie(page) == ""
        page.reload()
        expect_login_page(page)
        screenshot(page, "sso-3-signed-out")


def test_an_unknown_user_is_refused(browser, app):
    from playwright.sync_api import expect

    with visit(browser, app.url) as page:
        sign_in_at_provider(page, "u-2002")
        message = page.get_by_test_id("stAlertContentError")
        expect(message).to_have_text(
            "统一身份认证的用户“张三”在本系统中没有账户。请联系本单位的管理员创建同名账户后再登录。"
        )
        expect_login_page(page)
        screenshot(page, "sso-4-unknown-user")
        assert session_cookie(page) == ""
        with app_database(app) as database:
            newest = audit_log(database, CONSOLE, limit=1)[0]
        assert (newest.user_name, newest.action) == ("张三", "登录失败")
