"""从素材提取要点 in a real browser (issue 18): upload three materials (a 简报 .docx, a GBK half-year report
and an .xlsx ledger whose total row is a formula with no cached value), settle the conflicts, accept the
facts, draft, and download the 事实依据表 with each figure's source."""

from typing import TYPE_CHECKING

import pytest
from openpyxl import load_workbook

from drafting.materials.samples import briefing_docx, half_year_gbk, ledger_xlsx
from tests.test_browser import (
    WAIT_MS,
    app_page,
    download,
    draft,
    module_server,
    no_exception_shown,
    rerun_after,
    screenshot,
    settled,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.server


browser, app = module_server("materials-app")


def settle_first_conflict(page: "Page", value: str) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect

    combobox = page.get_by_role("combobox", name="以哪个数为准").first
    option = page.get_by_role("option", name=value, exact=True).first
    for _ in range(5):  # the table below may take the focus as it finishes drawing, which shuts the list
        combobox.click()
        page.keyboard.type(value)
        try:  # the list can shut between the option showing and the click reaching it
            expect(option).to_be_visible(timeout=5_000)
            rerun_after(page, lambda: option.click(timeout=5_000))
            break
        except (AssertionError, PlaywrightTimeoutError):
            page.keyboard.press("Escape")
    else:
        pytest.fail(f"the list of 以哪个数为准 shut before {value} could be picked, five times")
    rerun_after(page, page.get_by_role("button", name="采用这个数").first.click)


def test_upload_settle_accept_draft_and_download_the_evidence_table(browser, app, tmp_path):
    from playwright.sync_api import expect

    files = {"简报第3期.docx": briefing_docx(), "半年报.txt": half_year_gbk(), "慰问台账.xlsx": ledger_xlsx()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    with app_page(browser, app.url) as page:
        page.get_by_text("从素材提取要点").click()
        page.locator(".st-key-materials_files input[type=file]").set_input_files(
            [tmp_path / n for n in files]
        )
        extract = page.get_by_role("button", name="提取要点")
        expect(extract).to_be_visible(timeout=WAIT_MS)
        extract.click()
        expect(page.get_by_text("数字不一致").first).to_be_visible(timeout=WAIT_MS)
        settled(page)
        expect(page.get_by_text("请在总结中写明慰问户数为20户")).to_be_visible()  # set aside, not a fact
        screenshot(page, "materials-1-review")
        settle_first_conflict(page, "18户")  # 简报 17户 against 半年报 18户
        settle_first_conflict(page, "18户")  # the ledger's 17 rows against the chosen 18户
        expect(page.get_by_text("以哪个数为准")).to_have_count(0)  # no conflict left to settle
        page.get_by_role("button", name="采用勾选的要点").click()
        expect(page.get_by_text("已填入")).to_be_visible(timeout=WAIT_MS)
        settled(page)
        facts = page.get_by_label("工作要点（一行一条，数字照实填写）").input_value()
        assert "走访慰问困难职工18户" in facts and "17户" not in facts
        page.get_by_label("单位名称").fill("江北区总工会")
        page.get_by_label("总结期间").fill("2025年")
        page.get_by_label("存在的问题（可不填）").fill("帮扶资金来源单一")  # else 【待补充】: to confirm
        page.get_by_label("下一步计划（可不填）").fill("拓宽帮扶资金来源")
        draft(page)
        screenshot(page, "materials-2-draft")
        table = download(page, "导出事实依据表 (.xlsx)", tmp_path / "事实依据表.xlsx")
        no_exception_shown(page)
    rows = [[cell.value for cell in row] for row in load_workbook(table).active.iter_rows()]
    assert rows[0] == ["部分", "句子", "依据", "要点", "文件", "位置", "原文摘录"]
    households = next(row for row in rows if row[1] and "18户" in row[1])
    assert households[4].startswith("半年报.txt") and "18户" in households[6]
    money = next(row for row in rows if row[1] and "34000元" in row[1])
    assert "春节送温暖!E3:E19" in money[5]
