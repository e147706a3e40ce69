"""The configured model endpoint in a real browser: shown as typed (no backslashes, not as a link).

Port 9 (discard) on loopback: nothing answers there, and showing these pages sends no request.
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.test_browser import App, app_page, chromium, go_to, markup_in_main, running_app, screenshot, shown

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.server
ENDPOINT = "http://127.0.0.1:9/v1"
MODEL = "qwen2.5_7b-*instruct*"  # markdown specials in the model name must show as typed as well


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def app(browser, built_library, tmp_path_factory) -> Iterator[App]:
    workdir = tmp_path_factory.mktemp("settings-app")
    with running_app(built_library, workdir, LLM_BASE_URL=ENDPOINT, LLM_MODEL=MODEL) as app:
        yield app


@pytest.fixture
def page(browser, app) -> Iterator["Page"]:
    with app_page(browser, app.url) as page:
        yield page


def endpoint_links(page: "Page") -> list[str]:
    return [href for href in markup_in_main(page)["links"] if "127.0.0.1" in href]


def test_configured_endpoint_shows_scheme_host_and_port_as_text(page):
    from playwright.sync_api import expect

    notice = page.get_by_test_id("stAlertContentInfo").filter(has_text="要点将发送到模型接口")
    expect(notice).to_have_count(1)
    assert shown(notice.inner_text()) == f"要点将发送到模型接口 http://127.0.0.1:9（模型 {MODEL}）。"
    assert endpoint_links(page) == []

    go_to(page, "设置")
    current = page.get_by_test_id("stAlertContentSuccess").filter(has_text="当前模型接口")
    expect(current).to_have_count(1)
    screenshot(page, "settings-endpoint")
    assert shown(current.inner_text()) == f"当前模型接口：http://127.0.0.1:9 · 模型 {MODEL}（密钥不显示）"
    expect(page.get_by_label("接口地址（base URL）")).to_have_value(ENDPOINT)
    assert endpoint_links(page) == [], "the endpoint URL is rendered as a clickable link"
