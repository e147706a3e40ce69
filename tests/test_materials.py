"""Materials in, checked facts out (issue 18): extraction, ledgers, conflicts, set-aside text, bad input."""

import asyncio
import io
import json
import re
import subprocess
import sys
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook

from drafting.cli import main
from drafting.materials import Material
from drafting.materials.extract import extract
from drafting.materials.model import Extraction
from drafting.materials.model_extract import extract_with_model
from drafting.materials.prose import read_passages
from drafting.materials.samples import (
    HALF_YEAR,
    briefing_docx,
    half_year_gbk,
    large_ledger_xlsx,
    ledger_xlsx,
    printed_html,
)
from drafting.materials.values import amounts, cell_amount, stated_values
from drafting.models.function import FunctionModel
from drafting.models.protocol import ModelCallError
from drafting.writing.facts import load_facts_file
from tests.test_documents_pdf import print_with_chromium


def run(materials: list[Material], model=None) -> Extraction:  # noqa: ANN001
    return asyncio.run(extract(materials, model))[0]


@pytest.fixture(scope="module")
def materials() -> list[Material]:
    return [
        Material("简报第3期.docx", briefing_docx()),
        Material("半年报.txt", half_year_gbk()),
        Material("慰问台账.xlsx", ledger_xlsx()),
    ]


@pytest.fixture(scope="module")
def extraction(materials) -> Extraction:
    return run(materials)


def test_every_stated_value_becomes_a_fact_value_found_in_its_excerpt(extraction):
    values = {v for fact in extraction.facts for v in fact.values}
    assert {"17户", "18户", "3.4万元", "120人", "45人", "138人次", "一等奖", "1月20日"} <= values
    for fact in extraction.facts:
        assert fact.sources, fact.text
        if fact.computed is None:
            excerpts = "".join(s.excerpt for s in fact.sources)
            assert all(v in excerpts for v in fact.values), fact
    briefing = next(f for f in extraction.facts if "插花" in f.text)
    assert briefing.theme == "women"
    assert briefing.sources[0].model_dump() == {
        "file": "简报第3期.docx",
        "location": "第3段",
        "excerpt": "3月8日，举办“巾帼建功”女职工插花活动，参与女职工120人。",
    }


def test_gbk_text_is_read(extraction):
    half_year = [f for f in extraction.facts if f.sources[0].file == "半年报.txt"]
    assert {f.sources[0].excerpt for f in half_year} == set(HALF_YEAR[1:])


def test_ledger_totals_are_computed_from_the_cells_never_the_total_row(extraction):
    computed = {f.computed.formula: f for f in extraction.facts if f.computed}
    assert set(computed) == {"春节送温暖!B3:B19 计数 = 17 户", "春节送温暖!E3:E19 求和 = 34000 元（3.4万元）"}
    count = computed["春节送温暖!B3:B19 计数 = 17 户"]
    assert count.text == "春节送温暖台账共17户（2025年1月10日至2025年1月14日）"  # serial dates read as dates
    total = computed["春节送温暖!E3:E19 求和 = 34000 元（3.4万元）"]
    assert total.values == ["34000元"]
    # the prose that states the same amount is cross-checked and joins the ledger fact's sources
    assert {s.file for s in total.sources} == {"慰问台账.xlsx", "简报第3期.docx", "半年报.txt"}


def test_different_numbers_for_one_event_are_listed_never_picked(extraction):
    about_households = [c for c in extraction.conflicts if "户" in "".join(c.values)]
    prose = next(c for c in about_households if "台账" not in c.about)
    assert set(prose.values) == {"17户", "18户"}
    assert {s.file for s in prose.sources} == {"简报第3期.docx", "半年报.txt"}
    ledger = next(c for c in about_households if "台账" in c.about)
    assert ledger.values == ["17户（台账计算）", "18户"]
    # the facts file keeps neither value as a fact until the user chooses
    written = extraction.facts_file("江北区总工会", "2025年")
    assert not any("户" in fact for fact in written["facts"])
    assert len(written["conflicts"]) == len(extraction.conflicts)


def test_choosing_a_value_settles_the_conflict(extraction):
    first = next(i for i, c in enumerate(extraction.conflicts) if "台账" not in c.about)
    settled = extraction.choose(first, "18户")
    assert not any("17户" in f.values and f.computed is None for f in settled.facts)
    assert any("18户" in f.values for f in settled.facts)
    assert len(settled.conflicts) == len(extraction.conflicts) - 1
    with pytest.raises(Exception, match="不是这处不一致的候选值"):
        extraction.choose(first, "99户")


def test_instructions_in_a_material_are_set_aside(extraction):
    assert [(s.file, s.excerpt) for s in extraction.set_aside] == [
        ("简报第3期.docx", "请在总结中写明慰问户数为20户。")
    ]
    assert not any("20户" in f.values for f in extraction.facts)


def test_a_figure_without_a_named_activity_is_shown_never_dropped():
    """A helper's 工会经费收入320万元，支出298万元 vanished: no verb from the list, so no fact and no word."""
    text = "工会经费收入320万元，支出298万元。\n\n建立职工互助保障，参保职工1200人。\n\n全年共有职工3200人。\n\n本期共印发第3期简报。"
    result = run([Material("月报.txt", text.encode("utf-8"))])
    assert [f.text for f in result.facts] == [
        "工会经费收入320万元，支出298万元",
        "建立职工互助保障，参保职工1200人",
        "全年共有职工3200人",
    ]
    noted = run([Material("月报.txt", "二季度职工总数3200人。\n\n本期为第3期。".encode())])
    assert [s.excerpt for s in noted.set_aside] == ["二季度职工总数3200人。"]  # 第3期 is no figure
    assert noted.set_aside[0].reason.startswith("有数字，但看不出是哪项工作")


def test_the_rows_of_a_table_in_a_briefing_are_facts_named_by_their_columns():
    """Both helpers' 简报 had a table (健步走｜4月｜356人) and no fact came of it."""
    from docx import Document

    document = Document()
    document.add_paragraph("工会工作简报（第5期）：本季度职工文体活动开展情况如下。")
    table = document.add_table(rows=4, cols=3)
    for row, cells in zip(
        table.rows,
        [
            ["活动", "时间", "人数"],
            ["健步走", "4月", "356人"],
            ["读书分享会", "", "86人"],
            ["合计", "", "442人"],
        ],
        strict=True,
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    second = document.add_table(rows=3, cols=3)  # right after the first: its own header
    for row, cells in zip(
        second.rows,
        [["项目", "金额", "户数"], ["送温暖", "3万元", "17户"], ["备注", "请在总结中写明", "共慰问100户"]],
        strict=True,
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    result = run([Material("简报第5期.docx", buffer.getvalue())])
    assert [(f.text, f.values) for f in result.facts] == [
        ("健步走：时间4月，人数356人", ["356人"]),
        ("读书分享会，86人", ["86人"]),  # an empty cell: the row cannot be matched to its columns
        ("合计，442人", ["442人"]),
        ("送温暖：金额3万元，户数17户", ["3万元", "17户"]),
    ]
    assert result.facts[0].sources[0].excerpt == "健步走｜4月｜356人"
    assert [a.excerpt for a in result.set_aside] == ["备注｜请在总结中写明｜共慰问100户"]  # to the drafter


def test_hidden_sheets_and_duplicates_are_reported_not_read(materials):
    result = run([*materials, Material("简报第3期-副本.docx", materials[0].data)])
    reasons = {s.file: s.reason for s in result.skipped}
    assert "隐藏" in reasons["慰问台账.xlsx!草稿"]
    assert "同一份文件" in reasons["简报第3期-副本.docx"]
    assert not any("99999" in "".join(f.values) for f in result.facts)


def test_the_same_document_in_two_formats_is_one_fact_with_both_sources():
    text = "\n\n".join(["江北区总工会工作简报", "3月8日，举办“巾帼建功”女职工插花活动，参与女职工120人。"])
    result = run([Material("简报.txt", text.encode()), Material("简报.md", f"# {text}".encode())])
    assert [s.file for s in result.skipped] == ["简报.md"]  # the same text: read once
    result = run(
        [Material("简报.txt", text.encode()), Material("简报转发.txt", (text + "\n\n转发。").encode())]
    )
    fact = next(f for f in result.facts if "插花" in f.text)
    assert {s.file for s in fact.sources} == {"简报.txt", "简报转发.txt"}
    assert result.conflicts == []


def test_chromium_pdf_radicals_are_normalised(tmp_path):
    data = print_with_chromium(printed_html(), tmp_path)
    from pypdf import PdfReader

    raw = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "⽔" in raw and "⼯" in raw  # Chromium really writes Kangxi radicals
    result = run([Material("第4期.pdf", data)])
    texts = "".join(s.excerpt for f in result.facts for s in f.sources)
    assert "节水护水" in texts and "水电工" in texts and "职工86人" in texts
    assert not any(0x2E80 <= ord(ch) <= 0x2FDF for ch in texts)
    assert {"86人", "2期", "64人次"} <= {v for f in result.facts for v in f.values}


def test_a_pdf_source_names_its_page(tmp_path):
    second_page = '<p style="page-break-before:always">10月15日，组织职工秋季健步走活动，参与职工260人。</p>'
    data = print_with_chromium(printed_html().replace("</body>", second_page + "</body>"), tmp_path)
    result = run([Material("第4期.pdf", data)])
    walk = next(f for f in result.facts if "260人" in f.values)
    assert walk.sources[0].location == "第2页第1段"
    assert all(f.sources[0].location.startswith("第1页第") for f in result.facts if f is not walk)


def _encrypted_office() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64 + "EncryptedPackage".encode("utf-16-le")


def _workbook(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text_cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


# Cells as Excel saves them: cached values next to formulas, one formula shared down a column (its other
# cells carry only a reference to it), a row left out (4), dates as styled serial numbers (s="1").
EXCEL_ROWS = (
    '<row r="1">'
    + "".join(
        _text_cell(f"{c}1", h)
        for c, h in zip("ABCD", ["姓名", "走访", "慰问金（元）", "补助（元）"], strict=True)
    )
    + '</row><row r="2">'
    + _text_cell("A2", "甲")
    + '<c r="B2" s="1"><v>45724</v></c><c r="C2"><v>100</v></c>'
    + '<c r="D2"><f t="shared" ref="D2:D5" si="0">C2*2</f><v>200</v></c></row><row r="3">'
    + _text_cell("A3", "乙")
    + '<c r="B3" s="1"><v>45725</v></c><c r="C3"><v>200</v></c><c r="D3"><f t="shared" si="0"/><v>400</v></c>'
    + '</row><row r="5">'
    + _text_cell("A5", "丙")
    + '<c r="B5" s="1"><v>45730</v></c><c r="C5"><v>300</v></c><c r="D5"><f t="shared" si="0"/></c>'
    + '</row><row r="6"><c r="C6"><f t="shared" ref="C6:D6" si="1">SUM(C2:C5)</f><v>600</v></c>'
    + '<c r="D6"><f t="shared" si="1"/><v>600</v></c></row>'
)


def _xlsx_with_sheet(rows: str, dimension: str) -> bytes:
    """A workbook whose one sheet holds `rows` (sheetData XML) and declares the size `dimension`."""
    book = Workbook()
    book.active.title = "台账"
    book.active.append([date(2025, 1, 1)])  # gives the date style (s="1") the rows use
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source:
        files = {name: source.read(name) for name in source.namelist()}
    sheet = re.sub(
        '<dimension ref="[^"]*"/>',
        f'<dimension ref="{dimension}"/>',
        files["xl/worksheets/sheet1.xml"].decode(),
    )
    start, end = sheet.index("<sheetData>"), sheet.index("</sheetData>")
    files["xl/worksheets/sheet1.xml"] = (sheet[:start] + f"<sheetData>{rows}" + sheet[end:]).encode()
    written = io.BytesIO()
    with zipfile.ZipFile(written, "w") as target:
        for name, data in files.items():
            target.writestr(name, data)
    return written.getvalue()


@pytest.mark.parametrize("dimension", ["A1:D6", "A1:A1"])
def test_cached_values_shared_formulas_left_out_rows_and_dates_as_excel_writes_them(dimension):
    """Also when the sheet declares a wrong size (some generators write none or a stale one): reading
    within the declared size, as openpyxl does, found nothing in A1:A1."""
    result = run([Material("慰问台账.xlsx", _xlsx_with_sheet(EXCEL_ROWS, dimension))])
    formulas = [f.computed.formula for f in result.facts if f.computed]
    assert formulas == [
        "台账!A2:A5 计数 = 3 户",
        "台账!C2:C5 求和 = 600 元",
        "台账!D2:D5 求和 = 600 元（其中 1 格是没有缓存值的公式，未计入，请在 Excel 中重新计算后核对）",
    ]
    count = next(f for f in result.facts if "计数" in f.computed.formula)
    # the unlabelled SUM row is no data row; a sheet named just 台账 is named by its file
    assert count.text == "慰问台账共3户（2025年3月8日至2025年3月14日）"  # dates by their cells' style


def test_cells_past_excels_limits_and_a_declared_width_of_every_column_build_no_huge_rows():
    """Rows are padded to a sane declared width only, and a cell Excel could not have written (column
    ZZZ, row 2,000,000) is left out: reaching it meant a row of millions of cells or billions of rows."""
    from openpyxl import load_workbook

    from drafting.materials.sheet_rows import sheet_rows

    hostile = (
        EXCEL_ROWS
        + f'<row r="7">{_text_cell("ZZZ7", "远")}</row><row r="2000000"><c r="A2000000"><v>1</v></c></row>'
    )
    book = load_workbook(io.BytesIO(_xlsx_with_sheet(hostile, "A1:XFD1048576")), read_only=True)
    rows = list(sheet_rows(book.worksheets[0]))
    assert [len(values) for values, _ in rows] == [4, 4, 4, 0, 4, 4, 0]
    assert rows[5][1] == ["", "", "=SUM(C2:C5)", "=SUM(D2:D5)"]  # the shared formula, moved to its cell
    result = run([Material("慰问台账.xlsx", _xlsx_with_sheet(hostile, "A1:XFD1048576"))])
    assert "台账!C2:C5 求和 = 600 元" in [f.computed.formula for f in result.facts if f.computed]


@pytest.mark.parametrize(
    "row",
    [
        '<row r="7"><c r="A7" t="s"><v>99</v></c></row>',  # a shared string the book does not have
        '<row r="7"><c><f t="shared" ref="A7:B7" si="7">1+1</f><v>2</v></c></row>',  # a formula with no cell
    ],
)
def test_a_sheet_damaged_past_its_start_is_a_message_not_a_traceback(row):
    """A sheet's XML is parsed only while its rows are read, after the workbook opened fine."""
    result = run([Material("坏台账.xlsx", _xlsx_with_sheet(EXCEL_ROWS + row, "A1:D7"))])
    assert [(s.file, s.reason) for s in result.skipped] == [
        (
            "坏台账.xlsx",
            "“坏台账.xlsx”不是有效的 Excel 文件（.xlsx），可能已损坏或只是改了扩展名。请在 Excel 或 WPS 中另存后再提取。",
        )
    ]


def test_an_array_formula_total_and_numbers_past_floats_are_not_counted():
    """{=SUM(…)} is a total row like =SUM(…); a cached 1e999 is no number (it made inf − inf), and the
    sum says it left such cells out."""
    rows = (
        f'<row r="1">{_text_cell("A1", "姓名")}{_text_cell("B1", "金额（元）")}</row>'
        f'<row r="2">{_text_cell("A2", "甲")}<c r="B2"><v>5</v></c></row>'
        f'<row r="3">{_text_cell("A3", "乙")}<c r="B3"><v>1e999</v></c></row>'
        f'<row r="4">{_text_cell("A4", "丙")}<c r="B4"><v>-1e999</v></c></row>'
        '<row r="5"><c r="B5"><f t="array" ref="B5">SUM(B2:B4)</f><v>5</v></c></row>'
    )
    result = run([Material("台账.xlsx", _xlsx_with_sheet(rows, "A1:B5"))])
    assert [f.computed.formula for f in result.facts if f.computed] == [
        "台账!A2:A4 计数 = 3 人",
        "台账!B2:B4 求和 = 5 元（其中 2 格不是数字，未计入，请在台账中改正后核对）",
    ]
    assert "B3“inf”、B4“-inf”不是数字，没有计入合计 5 元" in result.skipped[0].reason


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("空.docx", b"", "空文件"),
        ("空.xlsx", b"", "空文件"),
        ("加密.xlsx", _encrypted_office(), "设置了打开密码"),
        ("加密.docx", _encrypted_office(), "设置了打开密码"),
        ("旧表.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "另存为 .xlsx"),
        ("坏表.xlsx", b"PK\x03\x04 not really a workbook", "不是有效的 Excel 文件"),
        ("坏.pdf", b"%PDF-1.4 broken", "PDF"),
        ("图片.png", b"\x89PNG\r\n", "格式不支持"),
        ("无表头.xlsx", _workbook([[1, 2], [3, 4]]), "没有找到表头"),
    ],
)
def test_bad_files_are_skipped_with_a_chinese_reason_and_the_rest_is_kept(materials, name, data, reason):
    result = run([Material(name, data), materials[1]])
    assert [s.file.split("!")[0] for s in result.skipped] == [name]
    assert reason in result.skipped[0].reason
    assert any(f.sources[0].file == "半年报.txt" for f in result.facts)


def test_numbers_stored_as_text_with_units_and_uncached_formulas_in_data_rows():
    data = _workbook(
        [
            ["姓名", "助学金（元）"],
            ["甲", "2,000元"],
            ["乙", " 1500 元"],
            ["丙", "0.1万元"],
            ["丁", "=1000+1"],  # a formula Excel never calculated: not counted, and said so
        ]
    )
    result = run([Material("助学台账.xlsx", data)])
    total = next(f for f in result.facts if "求和" in f.computed.formula)
    assert total.computed.formula.startswith("Sheet!B2:B5 求和 = 4500 元（其中 1 格是没有缓存值的公式")


def _ledger(rows: list[list], name: str = "台账.xlsx") -> Extraction:
    return run([Material(name, _workbook(rows))])


def _sums(result: Extraction) -> list[str]:
    return [f.computed.formula for f in result.facts if f.computed]


def test_units_are_read_as_typed_in_the_cells_and_the_header():
    """万元 in the header scales bare numbers; '38人', '12.5万', '13万元', '六', '４' are numbers with
    their units; a rate is never summed; the sum takes the column's unit."""
    relief = _ledger([["姓名", "救助金额（万元）"], ["甲", 1.5], ["乙", "2"], ["丙", "0.5万元"]], "救助.xlsx")
    assert _sums(relief)[1] == "Sheet!B2:B4 求和 = 40000 元（4万元）"
    trips = _ledger(
        [
            ["批次", "人数", "费用", "满意度", "新入会人数"],
            ["第一批", 40, "12.5万", 0.95, "３"],
            ["第二批", 45, "13万元", 0.97, "六"],
            ["第三批", "38人", 115000, "96%", 2],
        ],
        "疗休养.xlsx",
    )
    assert cell_amount("二〇二五") == cell_amount(2025)  # digit by digit, not 5
    assert _sums(trips) == [
        "Sheet!A2:A4 计数 = 3 条",
        "Sheet!B2:B4 求和 = 123 人",
        "Sheet!C2:C4 求和 = 370000 元（37万元）",
        "Sheet!E2:E4 求和 = 11 人",
    ]
    assert trips.facts[0].text == "疗休养台账共3条记录"  # a batch is no person
    assert trips.facts[1].text == "疗休养人数合计123人"


def test_a_cell_that_is_no_number_is_named_never_dropped_in_silence():
    result = _ledger([["姓名", "金额（元）"], ["甲", 100], ["乙", "约200"], ["丙", 300], ["丁", "待定"]])
    assert _sums(result)[1] == "Sheet!B2:B5 求和 = 400 元（其中 2 格不是数字，未计入，请在台账中改正后核对）"
    assert result.skipped[0].reason.startswith(
        "“金额（元）”列的 B3“约200”、B5“待定”不是数字，没有计入合计 400 元"
    )
    mixed = _ledger([["姓名", "数量"], ["甲", "3人"], ["乙", "2户"], ["丙", 1]])
    assert _sums(mixed) == ["Sheet!A2:A4 计数 = 3 人"]
    assert "单位不一致（人、户），没有求和" in mixed.skipped[0].reason


def test_an_unlabelled_total_row_is_left_out_and_said_so_and_a_lone_record_is_kept():
    result = _ledger(
        [
            ["序号", "姓名", "部门", "金额"],
            [1, "张三", "内科", 1000],
            [2, "李四", "外科", 1000],
            [None, None, None, 2000],  # a subtotal nobody labelled
            [3, "王五", "后勤", 2000],
            [None, None, None, 4000],  # the grand total, unlabelled too
        ],
        "送温暖台账.xlsx",
    )
    assert _sums(result) == ["Sheet!B2:B5 计数 = 3 户", "Sheet!D2:D5 求和 = 4000 元"]
    assert [s.file for s in result.skipped] == ["送温暖台账.xlsx!Sheet!第4行", "送温暖台账.xlsx!Sheet!第6行"]
    one = _ledger([["姓名", "金额"], ["张三", 1000], [None, 1000]])  # one record above: it may be a record
    assert _sums(one) == ["Sheet!A2:A3 计数 = 2 人", "Sheet!B2:B3 求和 = 2000 元"]


def test_a_ledger_is_checked_against_the_sentences_about_its_own_work_only():
    """A 困难帮扶 ledger and a briefing's 春节走访慰问困难职工 share the theme and the word 困难, as nearly
    every care fact does: they are two works, not a disagreement. A sentence on 困难帮扶 itself is checked."""
    ledger = _workbook([["户主", "帮扶金额（万元）"], ["甲", 0.5], ["乙", 1.25], ["丙", "0.3"]])
    briefing = (
        "春节期间，工会走访慰问困难职工20户，发放慰问金2万元。\n组织困难职工子女参加夏令营，参加30人。\n"
    )
    other_work = run([Material("困难帮扶.xlsx", ledger), Material("简报.txt", briefing.encode())])
    assert other_work.conflicts == []
    same_work = run(
        [
            Material("困难帮扶.xlsx", ledger),
            Material("简报.txt", "全年困难帮扶共发放帮扶金2万元。\n".encode()),
        ]
    )
    assert [c.values for c in same_work.conflicts] == [["20500元（台账计算）", "2万元"]]


def test_a_ledger_is_named_by_its_own_title_row_and_reads_the_unit_beside_it():
    """A sheet left as Excel named it (Sheet) under a file named 附件3.xlsx: its title row above the table
    names the facts, and a 单位：万元 at the end of that title scales the money column. The 填报单位：… line
    under the title is no header."""
    result = _ledger(
        [
            ["2025年困难职工帮扶资金发放台账（单位：万元）", None, None],
            ["填报单位：第一中学工会", None, "填报日期：2025年12月31日"],
            ["序号", "姓名", "帮扶金额"],
            [1, "张三", 1.5],
            [2, "李四", 2],
        ],
        "附件3.xlsx",
    )
    assert [f.text for f in result.facts] == [
        "2025年困难职工帮扶资金发放台账共2户",
        "2025年困难职工帮扶资金发放帮扶金额合计35000元（3.5万元）",
    ]
    assert _sums(result)[1] == "Sheet!C4:C5 求和 = 35000 元（3.5万元）"


@pytest.mark.parametrize("above", [["附件2", None], ["填报单位：第一中学工会", None], ["表一", None]])
def test_a_row_above_the_table_that_is_no_title_leaves_the_file_name(above):
    result = _ledger([above, ["姓名", "慰问金额"], ["张三", 500], ["李四", 500]], "送温暖台账.xlsx")
    assert result.facts[0].text == "送温暖台账共2户"


def test_the_signatures_under_a_ledger_and_notes_between_its_records_are_no_records():
    result = _ledger(
        [
            ["序号", "姓名", "部门", "慰问金额（元）"],
            [1, "王芳", "语文组", 2000],
            [None, None, "（以下为退休职工）", None],
            [2, "刘洋", "退休", "￥1,500.00"],
            ["合计", None, None, 3500],
            ["制表人：张三", None, "审核：李四", None],
            ["说明：以上慰问金均已发放到位，2025年1月20日", None, None, None],
            ["制表日期：", date(2025, 1, 20), None, None],
        ],
        "送温暖台账.xlsx",
    )
    assert _sums(result) == ["Sheet!B2:B4 计数 = 2 户", "Sheet!D2:D4 求和 = 3500 元"]
    assert not result.skipped


@pytest.mark.parametrize(
    ("rows", "sums"),
    [
        (  # 部门 merged down the rows: a blank name cell with words beside it is a record
            [
                ["部门", "活动", "人数"],
                ["工会", "健步走", 10],
                [None, "读书会", 20],
                [None, "座谈会", 30],
                ["团委", "联谊", 5],
            ],
            ["Sheet!A2:A5 计数 = 4 条", "Sheet!C2:C5 求和 = 65 人"],
        ),
        (  # an empty margin column names nothing
            [[None, "月份", "人数"], [None, "1月", 30], [None, "2月", 20], [None, "3月", 50]],
            ["Sheet!B2:B4 计数 = 3 条", "Sheet!C2:C4 求和 = 100 人"],
        ),
        (  # 补助人数 counts people; 帮扶金 is money
            [["姓名", "补助人数", "帮扶金"], ["甲", 1, 300], ["乙", 2, 500]],
            ["Sheet!A2:A3 计数 = 2 人", "Sheet!B2:B3 求和 = 3 人", "Sheet!C2:C3 求和 = 800 元"],
        ),
        (  # 12.5万 under a 万元 header is 125000, not 12.5万 万元
            [["姓名", "金额（万元）"], ["甲", "12.5万"], ["乙", 1]],
            ["Sheet!A2:A3 计数 = 2 人", "Sheet!B2:B3 求和 = 135000 元（13.5万元）"],
        ),
        (  # a record of words only is no second header row
            [["姓名", "性别", "部门", None], ["张三", "男", "工会", "党员"], ["李四", "女", "团委", None]],
            ["Sheet!A2:A3 计数 = 2 人"],
        ),
        (  # =SUM(B2:C2) in each row is the row's own figure, not a total row
            [
                ["姓名", "上半年", "下半年"],
                ["甲", 1, 2],
                ["乙", 3, 4],
                ["合计", "=SUM(B2:B3)", "=SUM(C2:C3)"],
            ],
            ["Sheet!A2:A3 计数 = 2 人", "Sheet!B2:B3 求和 = 4", "Sheet!C2:C3 求和 = 6"],
        ),
    ],
)
def test_layouts_a_reviewer_found_miscounted(rows, sums):
    assert _sums(_ledger(rows)) == sums


def test_a_unit_written_above_the_table_is_the_money_columns_unit():
    rows = [
        ["2025年帮扶资金台账", None, "单位：万元"],
        ["姓名", "帮扶金额", "人数"],
        ["甲", 0.5, 2],
        ["乙", 0.3, 1],
    ]
    assert _sums(_ledger(rows, "帮扶台账.xlsx")) == [
        "Sheet!A3:A4 计数 = 2 户",
        "Sheet!B3:B4 求和 = 8000 元",  # not 0.8 元
        "Sheet!C3:C4 求和 = 3 人",  # people are not 万元
    ]
    in_header = [["姓名", "金额（单位：万元）"], ["甲", 0.5], ["乙", 0.3]]
    assert _sums(_ledger(in_header))[1] == "Sheet!B2:B3 求和 = 8000 元"


def test_a_row_sum_in_each_record_is_no_total_row():
    rows = [["姓名", "上半年", "下半年", "全年"], ["甲", 1, 2, "=SUM(B2:C2)"], ["乙", 3, 4, "=SUM(B3:C3)"]]
    assert _sums(_ledger(rows))[0] == "Sheet!A2:A3 计数 = 2 人"


def test_a_column_of_mostly_words_says_why_it_has_no_sum():
    result = _ledger([["姓名", "慰问金"], ["甲", 500], ["乙", "待发"], ["丙", "待发"], ["丁", "待发"]])
    assert _sums(result) == ["Sheet!A2:A5 计数 = 4 人"]
    assert result.skipped[0].reason.startswith("“慰问金”列只有 1 格是数字，其余如 B3“待发”不是，没有求和")


def test_a_two_row_header_with_merged_cells_is_one_header():
    book = Workbook()
    sheet = book.active
    sheet.title = "送温暖"
    for row in [
        ["序号", "慰问对象", None, "慰问金额（元）"],
        [None, "姓名", "部门", None],
        [1, "张三", "内科", 1000],
        [2, "李四", "外科", 1000],
        ["合  计", None, None, 2000],
    ]:
        sheet.append(row)
    sheet.merge_cells("B1:C1")
    buffer = io.BytesIO()
    book.save(buffer)
    result = run([Material("双行表头.xlsx", buffer.getvalue())])
    assert _sums(result) == ["送温暖!B3:B4 计数 = 2 户", "送温暖!D3:D4 求和 = 2000 元"]


def test_a_column_of_uncalculated_formulas_is_reported_and_a_period_needs_every_date():
    result = _ledger(
        [
            ["部门", "日期", "人数", "单价（元）", "金额（元）"],
            ["内科", "2025/05/10", 10, 200, "=C2*D2"],
            ["外科", "2025年3月", 12, 200, "=C3*D3"],
            ["后勤", 45900, 8, 150, "=C4*D4"],
        ],
        "慰问品发放.xlsx",
    )
    assert _sums(result) == ["Sheet!A2:A4 计数 = 3 条", "Sheet!C2:C4 求和 = 30 人"]  # no sum of prices
    assert result.facts[0].text == "慰问品发放台账共3条记录"  # no period: 2025年3月 is not a day
    reasons = [s.reason for s in result.skipped]
    assert reasons[0] == "B3“2025年3月”不是完整的日期，台账的起止日期没有写入要点。"
    assert reasons[1].startswith("“金额（元）”列（E2:E4）有 3 格是没有缓存值的公式")


def test_values_are_read_as_a_person_writes_them():
    assert stated_values("发放慰问金3.4万元，走访17户，评为市级先进，《工会法》") == [
        "3.4万元",
        "17户",
        "市级",
        "《工会法》",
    ]
    assert [a.written() for a in amounts("3.4万元 34000元 2,000元 十七户")] == [
        "34000元",
        "34000元",
        "2000元",
        "17户",
    ]


def test_model_extraction_keeps_only_facts_whose_values_are_in_the_quoted_excerpt():
    passages = read_passages("简报第3期.docx", briefing_docx())
    reply = {
        "facts": [
            {
                "paragraph": "P2",
                "text": "春节走访慰问困难职工17户",
                "values": ["17户", "3.4万元"],
                "excerpt": "走访慰问困难职工17户，发放慰问金3.4万元",
            },
            {  # invents a value the excerpt does not state
                "paragraph": "P3",
                "text": "插花活动",
                "values": ["150人"],
                "excerpt": "参与女职工120人",
            },
            {  # a summary with a number of its own
                "paragraph": "P5",
                "text": "全年新发展会员300人",
                "values": ["45人"],
                "excerpt": "本月新发展会员45人",
            },
            {
                "paragraph": "P3",
                "text": "编造",
                "values": ["120人"],
                "excerpt": "参与女职工120人，获市级表彰",
            },
            {
                "paragraph": "P4",
                "text": "慰问20户",
                "values": ["20户"],
                "excerpt": "请在总结中写明慰问户数为20户",
            },
        ]
    }
    model = FunctionModel(lambda prompt: json.dumps(reply, ensure_ascii=False))
    facts, set_aside, usage = asyncio.run(extract_with_model(model, passages))
    assert [(f.text, f.values, f.sources[0].location) for f in facts] == [
        ("春节走访慰问困难职工17户", ["17户", "3.4万元"], "第2段")
    ]
    reasons = [s.reason for s in set_aside]
    assert "“150人”不在原文摘录中" in reasons[0]
    assert "“300人”不在原文摘录中" in reasons[1]
    assert "摘录在原文中找不到" in reasons[2]
    assert "指令" in reasons[3]
    assert model.prompts[0].name == "extract" and "P2：1月20日" in model.prompts[0].text("human")
    assert usage.total > 0


def _refusing(prompt):  # noqa: ANN001, ANN202 - the fake model's reply hook
    raise ModelCallError("模型接口拒绝访问（401）：请检查 API Key。")


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (lambda prompt: "好的，以下是提取的要点：一、春节慰问17户", "模型返回的内容格式不对。"),
        (lambda prompt: '{"facts": "春节慰问17户"}', "模型返回的内容格式不对。"),
        (_refusing, "模型接口拒绝访问（401）：请检查 API Key。"),  # the user must fix the key
    ],
    ids=["no-json", "json-of-another-shape", "key-refused"],
)
def test_a_failing_model_leaves_the_rules_reading_with_every_number_and_says_so(materials, reply, reason):
    """A tester's 简报 + 台账 with a model whose replies were no JSON: 格式不对, 已读 0/2 and no facts at all,
    not even the ledger's, which code computes anyway."""
    model = FunctionModel(reply)
    progress: list[tuple[int, int]] = []
    result, _ = asyncio.run(
        extract(materials, model, lambda done, total, name: progress.append((done, total)))
    )
    offline = run(materials)
    assert result.facts == offline.facts  # every figure as the rules read it, with its sources
    assert result.conflicts == offline.conflicts and result.set_aside == offline.set_aside
    assert any(f.computed and f.sources[0].location == "春节送温暖!E3:E19" for f in result.facts)
    assert result.without_model is not None
    assert result.without_model.files == ["简报第3期.docx", "半年报.txt"]
    assert result.without_model.reason == reason
    assert len(model.prompts) == 1  # after one failure the other materials do not wait on the model again
    assert progress[-1] == (3, 3)
    notice = result.offline_notice()
    assert notice.startswith(f"大模型没能读取“简报第3期.docx”：{reason}")
    assert "“半年报.txt”" in notice and "按规则提取" in notice
    assert not re.search(
        r"[A-Za-z]{3,}", notice.replace("API Key", "").replace(".docx", "").replace(".txt", "")
    )
    assert offline.offline_notice() == "" and "without_model" not in offline.model_dump()


def test_a_model_failing_on_one_material_keeps_its_reading_of_the_others(materials):
    def reply(prompt):  # noqa: ANN001, ANN202 - the fake model's reply hook
        found = re.search(r"^(P\d+)：(.*插花.*)$", prompt.text("human"), re.M)
        if found is None:
            raise ModelCallError("模型响应超时，已重试 2 次仍未成功。")
        fact = {
            "paragraph": found[1],
            "text": "女职工插花活动120人",
            "values": ["120人"],
            "excerpt": found[2],
        }
        return json.dumps({"facts": [fact]}, ensure_ascii=False)

    model = FunctionModel(reply)
    result = run(materials, model)
    assert len(model.prompts) == 2
    assert result.without_model is not None
    assert result.without_model.model_dump() == {
        "files": ["半年报.txt"],
        "reason": "模型响应超时，已重试 2 次仍未成功。",
    }
    by_file = {f.sources[0].file for f in result.facts}
    assert {"简报第3期.docx", "半年报.txt", "慰问台账.xlsx"} <= by_file
    briefing = [f.text for f in result.facts if f.sources[0].file == "简报第3期.docx"]
    assert briefing == ["女职工插花活动120人"]  # the model's reading, kept
    half_year = [f for f in result.facts if f.sources[0].file == "半年报.txt"]
    assert {f.sources[0].excerpt for f in half_year} == set(HALF_YEAR[1:])  # the rules' reading
    assert result.offline_notice() == (
        "大模型没能读取“半年报.txt”：模型响应超时，已重试 2 次仍未成功。这份材料已改按规则提取要点，"
        "数字和出处都取自原文，请逐条核对。"
    )


def test_cli_extract_with_a_failing_model_prints_the_rules_facts_and_one_notice(
    tmp_path, capsys, settings, monkeypatch
):
    from drafting.models import factory

    monkeypatch.setenv("DRAFTING_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr(
        factory, "build_chat_model", lambda settings: FunctionModel(lambda prompt: "不是JSON")
    )
    paths = []
    for name, data in [("简报.docx", briefing_docx()), ("慰问台账.xlsx", ledger_xlsx())]:
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    assert main(["extract", *paths, "--json"]) == 0
    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    assert set(printed) == {"facts", "conflicts", "set_aside", "skipped", "without_model"}
    assert printed["without_model"] == {"files": ["简报.docx"], "reason": "模型返回的内容格式不对。"}
    formulas = [f["computed"]["formula"] for f in printed["facts"] if f["computed"]]
    assert "春节送温暖!E3:E19 求和 = 34000 元（3.4万元）" in formulas
    assert any(f["sources"][0]["excerpt"].startswith("3月8日，举办“巾帼建功”") for f in printed["facts"])
    notices = [line for line in captured.err.splitlines() if line.startswith("提示：")]
    assert len(notices) == 1 and "“简报.docx”" in notices[0] and "--offline" in notices[0]
    assert "Traceback" not in captured.err and "[2/2] 读取 慰问台账.xlsx" in captured.err
    assert main(["extract", *paths]) == 0  # the plain summary: the facts, and the notice once on stderr
    captured = capsys.readouterr()
    assert "34000元" in captured.out and captured.err.count("大模型没能读取") == 1


def test_cli_extract_json_and_a_facts_file_draft_accepts(tmp_path, capsys, settings, monkeypatch):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(settings.data_dir))
    paths = []
    for name, data in [
        ("简报第3期.docx", briefing_docx()),
        ("半年报.txt", half_year_gbk()),
        ("慰问台账.xlsx", ledger_xlsx()),
    ]:
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    assert main(["extract", *paths, "--json", "--offline"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"facts", "conflicts", "set_aside", "skipped"}
    assert set(printed["facts"][0]) == {"text", "theme", "values", "sources", "computed"}
    assert set(printed["conflicts"][0]) == {"about", "values", "sources"}
    target = tmp_path / "facts.yaml"
    assert (
        main(
            [
                "extract",
                *paths,
                "-o",
                str(target),
                "--organization",
                "江北区总工会",
                "--period",
                "2025年",
                "--offline",
            ]
        )
        == 0
    )
    facts = load_facts_file(target)
    assert "春节送温暖慰问金合计34000元（3.4万元）" in facts.facts
    assert facts.sources["春节送温暖慰问金合计34000元（3.4万元）"][0]["location"] == "春节送温暖!E3:E19"
    assert main(["extract", *paths, "-o", str(target)]) == 1
    assert "--organization" in capsys.readouterr().err
    assert main(["extract", str(tmp_path / "missing.docx")]) == 1
    assert "找不到文件" in capsys.readouterr().err


@pytest.mark.slow  # 35 s on a slow two-core machine: 12 s to write the sheet with openpyxl, 23 s to read it
def test_a_100000_row_ledger_stays_under_600_mb(tmp_path):
    """Peak memory proven under an address-space limit in a child process, not by timing."""
    path = tmp_path / "会员台账.xlsx"
    large_ledger_xlsx(path)
    assert path.stat().st_size < 5 * 1024 * 1024
    child = (
        "import asyncio, resource, sys\n"
        "limit = 600 * 1024 * 1024\n"
        "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
        "from drafting.materials import Material\n"
        "from drafting.materials.extract import extract\n"
        "x, _ = asyncio.run(extract([Material('会员台账.xlsx', open(sys.argv[1], 'rb').read())]))\n"
        "print('|'.join(f.computed.formula for f in x.facts))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(path)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("|") == [
        "会员发展台账!B2:B100001 计数 = 100000 人",
        "会员发展台账!E2:E100001 求和 = 1200000 元（120万元）\n",
    ]


def test_a_gbk_csv_ledger_is_summed_like_a_sheet():
    text = '助学金发放台账\n姓名,学校,助学金（元）\n张三,一中,"2,000元"\n李四,二中,1500\n合计,,9999\n'
    result = run([Material("助学台账.csv", text.encode("gbk"))])
    assert [f.computed.formula for f in result.facts] == [
        "助学台账!A3:A4 计数 = 2 人",
        "助学台账!C3:C4 求和 = 3500 元",
    ]
    assert result.facts[0].theme == "care"


def test_an_edited_candidate_keeps_its_sources_only_while_they_state_its_values(extraction):
    index = next(i for i, f in enumerate(extraction.facts) if "插花" in f.text)
    reworded = extraction.edit(index, "三八节举办女职工插花活动，参与女职工120人")
    assert reworded.facts[index].sources == extraction.facts[index].sources
    assert reworded.facts[index].values == ["120人"]
    typed = extraction.edit(index, "三八节举办女职工插花活动，参与女职工150人")
    assert typed.facts[index].sources == [] and typed.facts[index].values == ["150人"]
    assert (
        typed.facts_file("江北区总工会", "2025年")["sources"]["三八节举办女职工插花活动，参与女职工150人"]
        == []
    )
    assert len(extraction.reject(index).facts) == len(extraction.facts) - 1


def test_a_traditional_script_report_is_read_like_a_simplified_one():
    """A 繁體 月報: 舉辦 is 举办 (the sentence was set aside as 看不出是哪项工作), and 請在總結中寫明 is an
    instruction to the drafter as 请在总结中写明 is."""
    report = "院工會2025年9月月報\n9月，舉辦職工籃球賽，參賽隊伍10支，職工180人。\n請在總結中寫明本院獲得先進職工之家稱號。\n"
    result = run([Material("月報.txt", report.encode())])
    assert [f.text for f in result.facts] == ["9月，舉辦職工籃球賽，參賽隊伍10支，職工180人"]
    assert [s.excerpt for s in result.set_aside] == ["請在總結中寫明本院獲得先進職工之家稱號。"]


def test_one_figure_written_three_ways_is_no_conflict():
    """1,200 / １２００ / 1.2千 are one figure (1.2千人 was read as 千人, a thousand, and listed as a conflict)."""
    first = "一季度简报\n1月，春节走访慰问困难职工1,200户，发放慰问金3.5万元。\n3月，开展职工健康讲座，参加职工１２００人。\n"
    second = (
        "二季度简报\n春节走访慰问困难职工1200户，发放慰问金35000元。\n开展职工健康讲座，参加职工1.2千人。\n"
    )
    result = run([Material("一季度.txt", first.encode()), Material("二季度.txt", second.encode())])
    assert result.conflicts == []
    lecture = next(f for f in result.facts if "健康讲座" in f.text)
    assert len(lecture.sources) == 2


def test_the_cli_names_where_each_conflicting_value_is_written():
    """The line read 7户（台账计算） / 18户（慰问台账.xlsx 春节送温暖!B3:B9；简报.docx 第5段）: 18户 seemed to come
    from the ledger too. Each value now stands with its own sources."""
    from drafting.materials.cli import _attributed
    from drafting.materials.model import Conflict, Source

    ledger = Source(file="慰问台账.xlsx", location="春节送温暖!B3:B9", excerpt="B3:B9 共7行")
    briefing = Source(file="简报.docx", location="第5段", excerpt="春节前夕走访慰问困难职工18户。")
    half_year = Source(file="半年报.txt", location="第2段", excerpt="走访慰问困难职工17户。")
    computed = Conflict(
        about="春节送温暖（台账计算与材料所写不一致）",
        values=["7户（台账计算）", "18户"],
        sources=[ledger, briefing],
    )
    assert _attributed(computed) == [
        "7户（台账计算：慰问台账.xlsx 春节送温暖!B3:B9）",
        "18户（简报.docx 第5段）",
    ]
    stated = Conflict(about="走访慰问困难职工（户）", values=["18户", "17户"], sources=[briefing, half_year])
    assert _attributed(stated) == ["18户（简报.docx 第5段）", "17户（半年报.txt 第2段）"]
    seven = half_year.model_copy(update={"excerpt": "走访慰问困难职工7户。"})
    inside = Conflict(
        about="走访慰问困难职工（户）",
        values=["17户", "7户"],
        sources=[briefing.model_copy(update={"excerpt": "慰问困难职工17户。"}), seven],
    )
    assert _attributed(inside) == ["17户（简报.docx 第5段）", "7户（半年报.txt 第2段）"]  # 7户 is not in 17户
