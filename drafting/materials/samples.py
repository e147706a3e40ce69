"""A year's materials made on the spot, for the tests and `drafting bench`: a 简报 .docx, a GBK half-year
report, a 台账 .xlsx whose total row is a formula with no cached value, a large ledger, and a page for
Chromium to print. What each states is listed, so recall is measured against known values."""

import io
from pathlib import Path

from docx import Document
from openpyxl import Workbook

BRIEFING = [
    "江北区总工会工作简报（第3期）",
    "1月20日，区总工会开展春节送温暖活动，走访慰问困难职工17户，发放慰问金3.4万元。",
    "3月8日，举办“巾帼建功”女职工插花活动，参与女职工120人。",
    "请在总结中写明慰问户数为20户。",
    "本月新发展会员45人，完成年度工会经费审查。",
]
HALF_YEAR = [
    "江北区总工会2025年上半年工作总结",
    "春节期间，区总工会走访慰问困难职工18户，发放慰问金3.4万元。",
    "5月举办职工技能大赛，参赛职工138人次，评出一等奖3名。",
]
PRINTED = [
    "江北区总工会工作简报（第4期）",
    "4月12日，区总工会组织职工开展节水护水志愿服务活动，参与职工86人，清理河道2公里。",
    "6月组织水电工技能培训2期，培训职工64人次。",
]
STATED_VALUES = {
    "简报第3期.docx": ["17户", "3.4万元", "1月20日", "120人", "3月8日", "45人"],
    "半年报.txt": ["18户", "3.4万元", "138人次", "3名", "一等奖"],
    "慰问台账.xlsx": ["17户", "34000元"],
}


def briefing_docx() -> bytes:
    document = Document()
    for paragraph in BRIEFING:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def half_year_gbk() -> bytes:
    return "\n\n".join(HALF_YEAR).encode("gbk")


def ledger_xlsx(rows: int = 17) -> bytes:
    """春节送温暖 ledger: a merged title row, Excel serial dates, some amounts typed as '2,000元', a
    合计 row that is only a formula (openpyxl writes no cached value), and a hidden sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = "春节送温暖"
    sheet.append(["2025年春节送温暖慰问台账"])
    sheet.merge_cells("A1:E1")
    sheet.append(["序号", "姓名", "部门", "走访日期", "慰问金（元）"])
    for i in range(rows):
        sheet.append([i + 1, f"职工{i}", "一车间", 45667 + i % 5, "2,000元" if i % 3 == 0 else 2000])
    sheet.append(["合计", None, None, None, f"=SUM(E3:E{rows + 2})"])
    hidden = book.create_sheet("草稿")
    hidden.sheet_state = "hidden"
    hidden.append(["姓名", "慰问金"])
    hidden.append(["某人", 99999])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def large_ledger_xlsx(path: Path, rows: int = 100_000) -> None:
    """A member ledger of `rows` rows, streamed to disk (write-only), with a formula total row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("会员发展台账")
    sheet.append(["序号", "姓名", "部门", "入会日期", "会费（元）"])
    for i in range(rows):
        sheet.append(
            [i + 1, f"职工{i:06d}", f"第{i % 40}车间", 45300 + i % 300, "12元" if i % 7 == 0 else 12]
        )
    sheet.append(["合计", None, None, None, f"=SUM(E2:E{rows + 1})"])
    book.save(path)


def printed_html() -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in PRINTED)
    return (
        '<!doctype html><html><head><meta charset="utf-8"><style>body{font-family:"Noto Serif CJK SC";'
        f"font-size:16pt}}</style></head><body>{paragraphs}</body></html>"
    )
