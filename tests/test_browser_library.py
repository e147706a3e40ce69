"""范文库 in a real browser: import each accepted file format, find it by its own words, and show a
link-shaped title as text. The files are made here: .docx by python-docx, .pdf printed by chromium,
.txt in GBK, .md, and a minimal Word 97 .doc / .wps (read through antiword)."""

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import ROOT
from tests.test_browser import (
    CHROMIUM,
    WAIT_MS,
    App,
    app_page,
    chromium,
    go_to,
    markup_in_main,
    no_exception_shown,
    open_page,
    rerun_after,
    running_app,
    screenshot,
    settled,
    shown,
    uploaded,
)
from tests.test_documents_legacy_doc import word97

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = pytest.mark.server
EVIL_TITLE = "[点此领取工会补贴](http://evil.example/x)工作总结"


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def app(browser, built_library, tmp_path_factory) -> Iterator[App]:
    with running_app(built_library, tmp_path_factory.mktemp("library-app")) as app:
        yield app


@pytest.fixture
def page(browser, app) -> Iterator["Page"]:
    with app_page(browser, app.url) as page:
        go_to(page, "范文库")
        yield page


def report_lines(unit: str, activity: str) -> list[str]:
    """A short annual summary whose one distinctive activity the search must find."""
    return [
        f"{unit}2024年工作总结",
        f"2024年，{unit}在上级工会和党组织的领导下，团结带领广大职工，较好完成了全年各项任务。现将有关情况总结如下。",
        "一、加强职工技能培训",
        f"全年{activity}，参加职工186人次，评出技术能手12名，职工队伍素质进一步提升。",
        "二、做好困难职工帮扶",
        "春节前走访慰问困难职工43户，发放慰问金8.6万元，为职工办实事11件。",
    ]


def as_docx(lines: list[str], folder: Path) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(lines[0], level=1)
    for line in lines[1:]:
        document.add_paragraph(line)
    path = folder / "made.docx"
    document.save(path)
    return path.read_bytes()


def as_pdf(lines: list[str], folder: Path) -> bytes:
    """Printed by headless chromium from an HTML page, as a browser's 'save as PDF' would."""
    page = folder / "report.html"
    body = "".join(f"<h1>{line}</h1>" if i == 0 else f"<p>{line}</p>" for i, line in enumerate(lines))
    page.write_text(f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>", encoding="utf-8")
    target = folder / "made.pdf"
    subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={folder / 'profile'}", f"--print-to-pdf={target}", "--no-pdf-header-footer",
         page.as_uri()],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return target.read_bytes()


def as_gbk_txt(lines: list[str], folder: Path) -> bytes:
    return "\n".join(lines).encode("gbk")


def as_markdown(lines: list[str], folder: Path) -> bytes:
    title, opening, *rest = lines
    parts = [f"# {title}", opening] + [f"## {line}" if line[1] == "、" else line for line in rest]
    return "\n\n".join(parts).encode()


def as_word97(lines: list[str], folder: Path) -> bytes:
    if shutil.which("antiword") is None:
        if os.environ.get("CI"):
            pytest.fail("antiword is required under CI: apt-get install antiword")
        pytest.skip("antiword is not installed")
    return word97(lines)


def import_file(page: "Page", path: Path) -> tuple[str, str]:
    """Upload and press 导入; returns the new report's id and the message as shown."""
    from playwright.sync_api import expect

    message = uploaded(page, page.locator("input[type=file]"), path, "导入")
    assert message.startswith("已导入："), message
    expect(page.get_by_test_id("stProgress")).to_contain_text("已建立索引")  # a bar, not a bare spinner
    return re.search(r"（(user-[0-9a-f]{10})）$", message).group(1), message


def search(page: "Page", words: str, report_id: str) -> tuple["Locator", "Locator"]:
    """Type into 检索范文段落; returns the caption of the report's hit and the passage shown under it."""
    from playwright.sync_api import expect

    box = page.get_by_label("检索范文段落")
    box.fill(words)
    box.press("Enter")
    caption = page.get_by_test_id("stElementContainer").filter(
        has=page.get_by_test_id("stCaptionContainer").filter(has_text=f"（{report_id}，")
    )
    expect(caption).to_have_count(1, timeout=WAIT_MS)
    settled(page)
    return caption, caption.locator("xpath=following-sibling::*[1]")


WRITERS = {
    ".docx": as_docx,
    ".pdf": as_pdf,
    ".txt": as_gbk_txt,
    ".md": as_markdown,
    ".doc": as_word97,
    ".wps": as_word97,  # WPS saves its .wps files in the Word 97 format
}


@pytest.mark.parametrize(
    ("suffix", "unit", "activity"),
    [
        (".docx", "蓝鲸湾港务公司工会", "开展夜间装卸安全技能比武"),
        (".pdf", "青石岭供电所工会", "举办高空带电作业技能擂台赛"),
        (".txt", "红杉镇卫生院工会", "组织职工登山健步走活动"),
        (".md", "白鹭洲人民医院工会", "开展护理岗位静脉穿刺技能竞赛"),
        (".doc", "金川机械厂工会", "举办数控车床操作技能比武"),
        (".wps", "东篱乡中心学校工会", "开展青年教师粉笔字基本功展示"),
    ],
    ids=["docx", "pdf", "txt-gbk", "md", "doc", "wps"],
)
def test_imported_report_is_found_by_its_own_words(page, tmp_path, suffix, unit, activity):
    from playwright.sync_api import expect

    path = tmp_path / f"{unit}2024年工作总结{suffix}"
    path.write_bytes(WRITERS[suffix](report_lines(unit, activity), tmp_path))
    report_id, message = import_file(page, path)
    _, passage = search(page, activity, report_id)
    expect(passage).to_contain_text(activity)
    screenshot(page, f"library-{suffix[1:]}")
    assert message == f"已导入：{unit}2024年工作总结（{report_id}）", "the document's own title, as written"


def test_link_in_an_imported_title_shows_as_text(page, app, tmp_path):
    from drafting.service import DraftingService
    from drafting.settings import load_settings

    lines = report_lines("红杉镇中心小学工会", "举办教职工趣味定向越野赛")
    path = tmp_path / "导入.txt"
    path.write_bytes("\n".join([EVIL_TITLE, *lines[1:]]).encode("gbk"))
    report_id, message = import_file(page, path)
    settings = load_settings(data_dir=app.data_dir)
    title = DraftingService(settings).report(report_id).meta.title
    # the title line was used; whatever of the link remains must show as text
    assert "点此领取工会补贴" in title
    assert message == f"已导入：{title}（{report_id}）"
    screenshot(page, "library-link-title-imported")
    found = markup_in_main(page)
    assert not [href for href in found["links"] if "evil.example" in href], found["links"]

    caption, _ = search(page, "趣味定向越野赛", report_id)
    assert shown(caption.inner_text()).startswith(f"{title}（{report_id}，")
    screenshot(page, "library-link-title-found")
    found = markup_in_main(page)
    assert not [href for href in found["links"] if "evil.example" in href], found["links"]
    assert found["images"] == [] and found["math"] == 0


# The import's thread ranks below the pages' (drafting.background): on a machine busy with other work it gets a
# tenth of a core. This test took 26 s idle, over 60 s beside the other test worker, 344 s beside three busy loops.
IMPORT_WAIT_MS = 600_000


def test_an_import_goes_on_while_the_member_works_elsewhere(page, tmp_path):
    """The import runs in the background: leaving 范文库 mid-way stops only the progress bar, and the outcome
    is waiting on the way back."""
    from playwright.sync_api import expect

    unit = "长湖镇中心小学工会"
    salons = [
        f"第{n}期教职工读书沙龙在图书室举行，参加{n % 40 + 10}人，交流读书心得{n % 7 + 2}篇，"
        f"评出优秀读书笔记{n % 5 + 1}篇，活动记录已归档备查。"
        for n in range(1, 300)
    ]
    path = tmp_path / f"{unit}2024年工作总结.txt"
    path.write_bytes("\n".join([*report_lines(unit, "举办教职工趣味接力赛"), *salons]).encode("gbk"))
    page.locator("input[type=file]").set_input_files(path)
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.get_by_test_id("stProgress")).to_contain_text("正在建立索引", timeout=WAIT_MS)
    go_to(page, "历史")
    expect(page.get_by_test_id("stProgress")).to_have_count(0)
    open_page(page, "范文库")  # the page follows the import again, to its end
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(
        f"已导入：{unit}2024年工作总结", timeout=IMPORT_WAIT_MS
    )
    settled(page)
    no_exception_shown(page)


def test_the_upload_box_speaks_chinese_and_so_does_a_refused_format(page, tmp_path):
    """Streamlit's own words in the box ("Upload", "31MB per file") show in Chinese; a file of another format
    reaches the app, which names the formats it reads, instead of Streamlit's English "… files are not allowed"."""
    from playwright.sync_api import expect

    box = page.get_by_test_id("stFileUploaderDropzone")
    expect(box).to_be_visible(timeout=WAIT_MS)
    shown = box.evaluate(
        """box => [box.querySelector('button p'), box.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span')]
            .map(e => [getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content])"""
    )
    assert shown == [["0px", '"选择文件"'], ["0px", '"或把文件拖到这里"']]
    sheet = tmp_path / "2025年台账.xls"
    sheet.write_bytes(b"\xd0\xcf\x11\xe0 an old Excel file")
    page.locator("input[type=file]").set_input_files(sheet)
    page.get_by_role("button", name="导入", exact=True).click()
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text("格式不支持", timeout=WAIT_MS)
    assert "not allowed" not in page.inner_text("body")
    no_exception_shown(page)


def test_streamlits_other_english_words_show_in_chinese(page, tmp_path):
    """A file over the upload limit (Streamlit refuses it in the browser: "File must be 31.0MB or smaller."),
    the hint under a field being typed in, and a select list's "Select all" and "No results" read in
    Chinese. The limit the words name is the configured one."""
    import tomllib

    from playwright.sync_api import expect

    from app.common import STREAMLIT_WORDS_IN_CHINESE

    # the hint is the only span under a field: one with max_chars puts its count (12/200) there, alone
    # once the field is no longer being typed in, where the style sheet would take it for the hint
    limited = [
        f"{path.name}: {line.strip()}"
        for path in (ROOT / "app").glob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if "max_chars=" in line and "column_config" not in line
    ]
    assert limited == [], limited
    limit = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
    assert f"不能超过 {limit} MB" in STREAMLIT_WORDS_IN_CHINESE
    shown = """e => [getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content]"""
    big = tmp_path / "2024年总结.txt"
    with big.open("wb") as file:
        file.truncate((limit + 1) * 1024 * 1024)
    page.locator("input[type=file]").set_input_files(big)
    refusal = page.get_by_test_id("stFileUploader").get_by_role("alert")
    expect(refusal).to_contain_text("or smaller", timeout=WAIT_MS)  # Streamlit's own words, hidden
    assert refusal.evaluate(shown) == [
        "0px",
        f'"没有上传：单个文件不能超过 {limit} MB（也可能是网络中断），请压缩或拆分后再试"',
    ]

    hint = (
        'e => getComputedStyle(e.querySelector("[data-testid=InputInstructions] > span"), "::after").content'
    )
    search = page.get_by_test_id("stTextInput").filter(has=page.get_by_label("检索范文段落"))
    page.get_by_label("检索范文段落").type("职工")
    expect(search.get_by_test_id("InputInstructions")).to_contain_text("Press Enter to apply")
    assert search.evaluate(hint) == '"按 Enter 确认"'
    rerun_after(page, lambda: page.keyboard.press("Enter"))  # the search runs before the page is left

    go_to(page, "起草")  # a form's fields submit it
    page.get_by_label("单位名称").type("江南区第三中学工会")
    field = page.get_by_test_id("stTextInput").filter(has=page.get_by_label("单位名称"))
    expect(field.get_by_test_id("InputInstructions")).to_contain_text("Press Enter to submit form")
    assert field.evaluate(hint) == '"按 Enter 提交"'
    page.get_by_label("工作要点（一行一条，数字照实填写）").type("召开职代会")
    area = page.get_by_test_id("stTextArea").filter(
        has=page.get_by_label("工作要点（一行一条，数字照实填写）")
    )
    expect(area.get_by_test_id("InputInstructions")).to_contain_text("+Enter to submit form")
    assert area.evaluate(hint) == '"按 Ctrl（苹果电脑 ⌘）+Enter 提交"'

    go_to(page, "语气对比")
    box = page.get_by_test_id("stMultiSelect").locator("input").first
    box.click()
    select_all = page.locator('[role="option"][data-key="__select_all__"] > div')
    expect(select_all).to_have_text("Select all", timeout=WAIT_MS)
    assert select_all.evaluate(shown) == ["0px", '"全选"']
    box.type("没有这样的范文")
    nothing = page.locator('[role="listbox"][data-empty="true"] [role="option"] > span')
    expect(nothing).to_have_text("No results", timeout=WAIT_MS)
    assert nothing.evaluate(shown) == ["0px", '"没有匹配的选项"']


def test_deleting_an_imported_report_asks_first(page, app, tmp_path):
    """An imported report cannot be brought back: 删除这篇范文 asks, 取消 keeps it, 确定删除 removes it. It is
    in the 阅读范文 list as soon as 已导入 shows (the list was drawn before the import ended, and stayed so
    until the next visit)."""
    from playwright.sync_api import expect

    from drafting.service import DraftingService
    from drafting.settings import load_settings

    path = tmp_path / "待删除的范文.txt"
    path.write_bytes("\n".join(report_lines("青溪镇中心小学工会", "举办教职工拔河比赛")).encode())
    report_id, _ = import_file(page, path)
    stored = DraftingService(load_settings(data_dir=app.data_dir))
    title = stored.report(report_id).meta.title
    reading = page.get_by_test_id("stSelectbox").filter(has_text="阅读范文").get_by_role("combobox")
    reading.click()
    page.keyboard.type(title[:8])
    page.get_by_role("option", name=title, exact=False).first.click()
    settled(page)
    remove = page.get_by_role("button", name="删除这篇范文")
    rerun_after(page, remove.click)
    expect(page.get_by_text("删除后不能恢复")).to_be_visible(timeout=WAIT_MS)
    assert stored.report(report_id).meta.id == report_id  # asked, not yet deleted
    rerun_after(page, page.get_by_role("button", name="取消", exact=True).click)
    expect(page.get_by_text("删除后不能恢复")).to_have_count(0)
    rerun_after(page, remove.click)
    rerun_after(page, page.get_by_role("button", name="确定删除").click)
    assert report_id not in {meta.id for meta in stored.list_reports()}
    no_exception_shown(page)
