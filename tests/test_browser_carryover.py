"""上年计划对照 in a real browser (issue 19): pick last year's report, send one item to 存在的问题 with a
reason, carry one into next year's plan, draft, and find both (and the tally) in the draft."""

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.writing.facts import parse_facts
from tests.test_browser import (
    WAIT_MS,
    app_page,
    draft,
    fill_facts,
    module_server,
    no_exception_shown,
    screenshot,
    settled,
    shown,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.server
UNIT = "北湖区自来水公司工会"
LAST_YEAR = {
    "organization": UNIT,
    "period": "2024年",
    "facts": ["召开职工代表大会", "春节走访慰问困难职工20人"],
    "plans": ["新发展会员60人", "建设职工书屋", "举办职工乒乓球比赛"],
}
THIS_YEAR = "召开职工代表大会\n走访慰问困难职工25人\n全年新发展会员42人"


browser, app = module_server("carryover-app")


@pytest.fixture
def service(app) -> DraftingService:
    return DraftingService(load_settings(data_dir=app.data_dir))


def choose(page: "Page", key: str, option: str) -> None:
    """Pick `option` in the selectbox whose widget key is `key`: type to filter its list, then take it."""
    from playwright.sync_api import expect

    box = page.locator(f".st-key-{key}").get_by_role("combobox")
    box.click()
    page.keyboard.type(option)
    choice = page.get_by_role("option", name=option, exact=False)
    expect(choice.first).to_be_visible(timeout=WAIT_MS)
    choice.first.click()


def test_pick_last_year_decide_and_find_both_in_the_draft(browser, app, service):
    from playwright.sync_api import expect

    with ThreadPoolExecutor(
        1
    ) as other:  # playwright's event loop runs in this thread; the pipeline needs its own
        last_year = other.submit(service.draft, parse_facts(LAST_YEAR), offline=True).result()
    with app_page(browser, app.url) as page:
        fill_facts(page, UNIT, facts=THIS_YEAR)
        choose(page, "f_previous", f"{last_year.title}（本单位草稿）")
        page.get_by_role("button", name="对照上年计划").click()
        table = page.get_by_test_id("stDataFrame")
        expect(table).to_be_visible(timeout=WAIT_MS)
        settled(page)
        screenshot(page, "carryover-1-table")
        choose(page, "carryover_choice_0", "写入存在的问题")  # 新发展会员60人, partly done
        page.locator(".st-key-carryover_text_0 input").fill("新入职员工较少")
        choose(page, "carryover_choice_1", "写入存在的问题")  # 建设职工书屋
        page.locator(".st-key-carryover_text_1 input").fill("选址尚未落实")
        choose(page, "carryover_choice_2", "列入明年计划")  # 举办职工乒乓球比赛
        page.get_by_role("button", name="确认对照表").click()
        expect(page.get_by_text("上年计划对照已确认")).to_be_visible(timeout=WAIT_MS)
        settled(page)
        problems = page.get_by_label("存在的问题（可不填）").input_value()
        assert "建设职工书屋" in problems and "选址尚未落实" in problems
        assert "举办职工乒乓球比赛" in page.get_by_label("下一步计划（可不填）").input_value()
        draft_id = draft(page)
        screenshot(page, "carryover-2-draft")
        main = shown(page.get_by_test_id("stMain").inner_text())
        no_exception_shown(page)
    written = service.get(draft_id)
    assert "年初确定的3项重点工作" in written.markdown()
    assert "选址尚未落实" in written.section("problems").text
    plan = next(s.text for s in written.sections if s.kind == "plan")
    assert "举办职工乒乓球比赛" in plan
    assert "选址尚未落实" in main and "年初确定的3项重点工作" in main
