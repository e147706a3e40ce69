"""The configured model endpoint in a real browser: shown as typed (no backslashes, not as a link), and
an address typed with a full-width colon tested without a crash page.

Port 9 (discard) on loopback: nothing answers there, and showing these pages sends no request. 测试连接
goes to a tiny OpenAI-compatible server on loopback (tests/test_endpoint_check.py) or a closed port.
"""

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from drafting.models.presets import CONNECTION_FAILED
from tests.test_browser import (
    WAIT_MS,
    App,
    app_page,
    chromium,
    go_to,
    markup_in_main,
    no_exception_shown,
    running_app,
    screenshot,
    shown,
)
from tests.test_endpoint_check import KEY, closed_port, running_endpoint  # noqa: F401 - the fixture
from tests.test_endpoint_check import MODEL as ENDPOINT_MODEL

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


def test_a_full_width_colon_typed_in_the_settings_form_is_repaired_not_a_crash_page(page, endpoint):
    """Typed as a Chinese input method types it: 测试连接 used to show Streamlit's English crash page."""
    from playwright.sync_api import expect

    go_to(page, "设置")
    page.get_by_label("接口地址（base URL）").fill(endpoint.url.replace(":", "：", 2))
    page.get_by_label("模型名").fill(ENDPOINT_MODEL)
    page.get_by_label(re.compile("^API Key")).fill(KEY)
    page.get_by_role("button", name="测试连接").click()
    answered = page.get_by_test_id("stAlertContentSuccess").filter(has_text="连接成功")
    expect(answered).to_have_count(1, timeout=WAIT_MS)
    no_exception_shown(page)
    assert shown(answered.inner_text()) == (
        "接口地址中的全角字符“：”已改为半角“:”。"
        f"连接成功：http://127.0.0.1:{endpoint.port} 上的模型“{ENDPOINT_MODEL}”已应答。"
    )
    assert endpoint.authorizations == [f"Bearer {KEY}"]

    page.get_by_label("接口地址（base URL）").fill(f"http://127.0.0.1：{closed_port()}/v1")
    page.get_by_role("button", name="测试连接").click()
    failed = page.get_by_test_id("stAlertContentError").filter(has_text="连接失败")
    expect(failed).to_have_count(1, timeout=WAIT_MS)
    no_exception_shown(page)
    assert shown(failed.inner_text()) == "接口地址中的全角字符“：”已改为半角“:”。" + CONNECTION_FAILED
    expect(page.get_by_label("模型名")).to_have_value(ENDPOINT_MODEL)  # what else was typed stays
