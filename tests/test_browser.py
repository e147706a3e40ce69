"""A real browser against `streamlit run`: fill the form, draft offline, regenerate a section, download the .docx.

Screenshots are saved under test-artifacts/ for a person to look at.
"""

import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port, serving

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def served_app(built_library):
    port = free_port()
    env = {
        "DRAFTING_DATA_DIR": str(built_library.settings.data_dir),
        "PATH": "/usr/bin:/bin",
        "HOME": str(ROOT),
    }
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]  # fmt: skip
    with serving(command, f"http://127.0.0.1:{port}/_stcore/health", "streamlit", cwd=ROOT, env=env):
        yield f"http://127.0.0.1:{port}"


@pytest.mark.server
def test_draft_regenerate_and_download_in_a_real_browser(served_app, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
        page.goto(served_app)
        expect(page.get_by_text("使用离线引擎起草")).to_be_visible(timeout=60_000)
        page.get_by_label("单位名称").fill("江南区第三中学工会")
        page.get_by_label("总结期间").fill("2025年")
        page.get_by_label("工作要点（一行一条，数字照实填写）").fill(
            "召开三届二次教代会\n走访慰问困难教职工15人\n举办教职工气排球比赛"
        )
        page.get_by_label("存在的问题（可不填）").fill("活动经费紧张")
        page.screenshot(path=str(ARTIFACTS / "1-form.png"), full_page=True)
        page.get_by_role("button", name="生成草稿").click()
        expect(page.get_by_text("江南区第三中学工会2025年工作总结及2026年工作计划")).to_be_visible(
            timeout=60_000
        )
        expect(page.get_by_text("走访慰问困难教职工15人").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "2-draft.png"), full_page=True)

        shown = page.locator("p")
        expect(shown.filter(has_text="工会始终把职工的冷暖放在心上")).to_have_count(1)
        page.locator("[class*='st-key-regen_'][class*='_work-care'] button").click()
        expect(shown.filter(has_text="工会立足维护职工合法权益")).to_have_count(1, timeout=30_000)
        expect(shown.filter(has_text="工会始终把职工的冷暖放在心上")).to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / "3-regenerated.png"), full_page=True)

        with page.expect_download() as download_info:
            page.get_by_role("button", name="下载 Word (.docx)").click()
        target = tmp_path / "draft.docx"
        download_info.value.save_as(target)
        browser.close()
    with zipfile.ZipFile(target) as archive:
        xml = archive.read("word/document.xml").decode()
    assert "江南区第三中学工会2025年工作总结及2026年工作计划" in xml and "走访慰问困难教职工15人" in xml
    assert Path(ARTIFACTS / "2-draft.png").stat().st_size > 10_000
