"""The Word round trip in a real browser (issue 20): download with 带批注, edit the file as Word does
(tracked change and a reviewer's comment), upload it through 历史 → 导入修改稿, and see the changed
section's new version with its findings on 起草."""

from typing import TYPE_CHECKING

import pytest

from tests.test_browser import (
    WAIT_MS,
    app_page,
    append_to_opening,
    download,
    draft,
    fill_facts,
    go_to,
    module_server,
    no_exception_shown,
    rerun_after,
    screenshot,
    settled,
    shown,
    uploaded,
)
from tests.word_edits import WordEdit, comment_anchors

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.server
UNIT = "北湖区自来水公司工会"
FACTS = "召开职工代表大会\n走访慰问困难职工20人"


browser, app = module_server("roundtrip-app")


def add_invented_number(page: "Page", draft_id: str) -> None:
    """Edit the opening in the app so the draft has an open finding (an invented 99间)."""
    from playwright.sync_api import expect

    append_to_opening(page, draft_id, "全年新建职工书屋99间。")
    expect(page.get_by_text("我已核对，仍要导出")).to_be_visible(timeout=WAIT_MS)
    settled(page)


def test_download_with_comments_edit_in_word_and_import_the_reviewed_file(browser, app, tmp_path):
    from playwright.sync_api import expect

    with app_page(browser, app.url) as page:
        fill_facts(page, UNIT, facts=FACTS)
        draft_id = draft(page)
        add_invented_number(page, draft_id)
        rerun_after(page, lambda: page.get_by_text("我已核对，仍要导出").click())
        rerun_after(page, lambda: page.get_by_text("带批注").click())
        exported = download(page, "下载 Word (.docx)", tmp_path / "带批注.docx").read_bytes()
        assert (
            "起草助手",
            "“99”在要点中找不到依据，请核对后改为要点中的原话或删去。",
            "99",
        ) in comment_anchors(exported)

        edit = WordEdit(exported)
        edit.replace("20人", "26人")  # a tracked change by the reviewer, to a figure no fact supports
        edit.comment("召开职工代表大会", "请补充职代会的届次", author="王主席")
        reviewed = tmp_path / "修改稿.docx"
        reviewed.write_bytes(edit.save())

        go_to(page, "历史")
        message = uploaded(
            page, page.locator(".st-key-reimport_file input[type=file]"), reviewed, "导入修改稿"
        )
        assert message.startswith(f"已导入到草稿 {draft_id}"), message
        assert "插入 1 处，删除 1 处" in message and "审阅批注 1 条" in message
        main = shown(page.get_by_test_id("stMain").inner_text())
        assert "请补充职代会的届次" in main and "召开职工代表大会" in main
        assert "改动的部分：心系职工冷暖" in main
        assert "26人" in main and "待核对" in main  # the re-run fact check's finding on the new figure
        screenshot(page, "roundtrip-1-imported")

        page.get_by_role("button", name="打开这份草稿").click()
        expect(page.get_by_text(f"草稿编号 {draft_id}")).to_be_visible(timeout=WAIT_MS)
        settled(page)
        main = shown(page.get_by_test_id("stMain").inner_text())
        assert (
            "困难职工26人" in main
            and "困难职工20人" not in main.split("修改要求 / 编辑 / 参考范文 / 历史版本")[0]
        )
        flagged = page.get_by_test_id("stMain").locator("span", has_text="26人")  # :red-background[…]
        expect(flagged.first).to_be_visible()
        versions = page.locator(f".st-key-more_{draft_id}_work-care")
        versions.locator("summary").click()
        old = versions.get_by_text("版本 1：")
        expect(old).to_be_visible(timeout=WAIT_MS)
        assert "20人" in old.inner_text()  # the text before the import, kept as a version
        screenshot(page, "roundtrip-2-new-version")
        no_exception_shown(page)


def test_the_history_list_shows_what_an_import_changed_at_once(browser, app, tmp_path):
    """历史's list is drawn above 导入修改稿: after an import it showed the draft as it was (here its old
    title) until the next visit."""
    from playwright.sync_api import expect

    from drafting.service import DraftingService
    from drafting.settings import load_settings

    with app_page(browser, app.url) as page:
        fill_facts(page, "西岭区燃气公司工会", facts=FACTS)
        draft_id = draft(page)
        edit = WordEdit(DraftingService(load_settings(data_dir=app.data_dir)).export_docx(draft_id))
        edit.replace("西岭区燃气公司工会", "西岭区燃气有限公司工会")  # the title, the file's first paragraph
        reviewed = tmp_path / "改了标题.docx"
        reviewed.write_bytes(edit.save())
        go_to(page, "历史")
        listed = page.get_by_test_id("stText").filter(has_text=draft_id)
        expect(listed).not_to_contain_text("西岭区燃气有限公司工会")
        uploaded(page, page.locator(".st-key-reimport_file input[type=file]"), reviewed, "导入修改稿")
        expect(listed).to_contain_text("西岭区燃气有限公司工会")
        no_exception_shown(page)
