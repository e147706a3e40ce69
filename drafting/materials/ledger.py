"""Ledgers (台账: .xlsx and .csv) become computed facts: row counts and column sums, exact, from the cells.

A total row is never read as a figure: it may be stale, or a formula Excel never calculated (no cached
value). Rows are streamed (openpyxl read-only), so a 100,000-row sheet costs little memory; hidden
sheets are reported, not silently read; numbers stored as text with units ("2,000元") and Excel serial
dates are understood.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from drafting.documents.text import decode_text
from drafting.errors import UserError
from drafting.materials.model import Candidate, Computed, Skipped, Source
from drafting.materials.values import parse_cell_number, plain_number, yuan
from drafting.writing.themes import keyword_theme

LEDGER_SUFFIXES = (".xlsx", ".csv")
MAX_LEDGER_BYTES = 5 * 1024 * 1024
# A 100,000-row sheet of 2.7 MB inflates to 27 MB. The sizes checked are the declared ones: Python's
# zipfile (which openpyxl reads through) never inflates a member past its declared size.
MAX_INFLATED_BYTES = 200 * 1024 * 1024
_TOTAL = re.compile(r"^\s*(合\s*计|总\s*计|小\s*计|共\s*计|累\s*计|总\s*数)")
_AGGREGATE = re.compile(r"\b(SUM|SUBTOTAL|SUMIF|COUNTA?|AVERAGE)\(", re.I)  # a total row without a 合计 label
_NOT_SUMMED = re.compile(r"序号|编号|工号|学号|电话|手机|身份证|卡号|账号|年龄|年份|邮编|代码")
_DATE_HEADER = re.compile(r"日期|时间")
_NAME_HEADER = re.compile(r"姓名|户主|名单|会员|职工")
_EXCEL_EPOCH = date(1899, 12, 30)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class _Column:
    header: str
    letter: str
    numbers: int = 0
    texts: int = 0
    total: Decimal = Decimal(0)
    dates: list[date] = field(default_factory=list)
    uncalculated: int = 0


@dataclass
class LedgerResult:
    facts: list[Candidate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    rows: int = 0


def read_ledger(name: str, data: bytes) -> LedgerResult:
    """Computed facts from every visible sheet; UserError when the file as a whole cannot be read."""
    if not data or data.isspace():
        raise UserError(f"“{name}”是空文件，没有可提取的内容。")
    if len(data) > MAX_LEDGER_BYTES:
        raise UserError(
            f"“{name}”有 {len(data) / 1024 / 1024:.1f} MB，超过 {MAX_LEDGER_BYTES // 1024 // 1024} MB 的上限，"
            "请按年度或类别拆分台账后再提取。"
        )
    if Path(name).suffix.lower() == ".csv":
        rows = csv.reader(io.StringIO(decode_text(name, data)))
        return _sheet_result(name, Path(name).stem, ((list(r), [""] * len(r)) for r in rows))
    return _workbook(name, data)


def _workbook(name: str, data: bytes) -> LedgerResult:
    from openpyxl import load_workbook

    if data.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in data[: 1024 * 1024]:
            raise UserError(f"“{name}”设置了打开密码，无法读取。请在 Excel 或 WPS 中取消密码后另存，再提取。")
        raise UserError(f"“{name}”是旧版 Excel（.xls）格式，请在 Excel 或 WPS 中另存为 .xlsx 再提取。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(member.file_size for member in archive.infolist()) > MAX_INFLATED_BYTES:
                raise UserError(f"“{name}”解压后异常庞大，为安全起见没有读取。请另存为 .xlsx 后再试。")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UserError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a damaged or disguised file
        raise _not_a_workbook(name) from error
    from drafting.materials.sheet_rows import SheetUnreadable, sheet_rows

    result = LedgerResult()
    try:
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                result.skipped.append(
                    Skipped(
                        file=f"{name}!{sheet.title}",
                        reason="隐藏的工作表，未读取；如需使用，请在 Excel 中取消隐藏后再提取。",
                    )
                )
                continue
            try:
                sheet_result = _sheet_result(name, sheet.title, sheet_rows(sheet))
            except SheetUnreadable as error:
                raise _not_a_workbook(name) from error
            result.facts += sheet_result.facts
            result.skipped += sheet_result.skipped
            result.rows += sheet_result.rows
    finally:
        book.close()
    return result


def _not_a_workbook(name: str) -> UserError:
    return UserError(
        f"“{name}”不是有效的 Excel 文件（.xlsx），可能已损坏或只是改了扩展名。请在 Excel 或 WPS 中另存后再提取。"
    )


def _sheet_result(name: str, title: str, rows: Iterable[tuple[list, list[str]]]) -> LedgerResult:
    """One pass over a sheet: find the header, then count and sum the data rows below it."""
    result = LedgerResult()
    header: list[str] | None = None
    columns: list[_Column] = []
    first = last = counted = 0
    for number, (cells, formulas) in enumerate(rows, start=1):
        texts = [_cell_text(value) for value in cells]
        if header is None:
            if sum(1 for t in texts if t and parse_cell_number(t) is None) >= 2:
                header = _filled_header(texts)
                columns = [_Column(h, _letter(i)) for i, h in enumerate(header)]
            continue
        if not any(texts) and not any(formulas):
            continue
        if any(_TOTAL.match(t) for t in texts if t) or any(_AGGREGATE.search(f) for f in formulas):
            continue  # a total row: its figure is recomputed from the cells, never trusted
        first, last, counted = first or number, number, counted + 1
        for column, value, formula in zip(columns, cells, formulas, strict=False):
            _count_cell(column, value, bool(formula))
    if header is None or not first:
        result.skipped.append(
            Skipped(file=f"{name}!{title}", reason="没有找到表头和数据行，未生成台账数据。")
        )
        return result
    result.rows = counted
    result.facts = _computed_facts(name, title, columns, (first, last, counted))
    return result


def _count_cell(column: _Column, value: object, formula: bool) -> None:
    if formula and value is None:
        column.uncalculated += 1
        return
    if isinstance(value, datetime | date):
        column.dates.append(value.date() if isinstance(value, datetime) else value)
        return
    number = parse_cell_number(value)
    if number is None:
        column.texts += bool(_cell_text(value))
    elif _DATE_HEADER.search(column.header) and 20_000 <= number <= 80_000:
        column.dates.append(_EXCEL_EPOCH + timedelta(days=int(number)))  # an Excel serial date
    else:
        column.numbers += 1
        column.total += number


def _computed_facts(
    name: str, title: str, columns: list[_Column], span: tuple[int, int, int]
) -> list[Candidate]:
    first, last, rows = span
    # a sheet named just 台账 takes its name from the file: 慰问台账.xlsx → 慰问台账共17户, not 台账台账共17户
    label = _without_kind(title) or _without_kind(Path(name).stem) or title
    named = label + title  # what the sheet is about, by either name
    theme = keyword_theme(named + "".join(c.header for c in columns)) or "other"
    key = next((c for c in columns if _NAME_HEADER.search(c.header)), columns[0])
    unit = "户" if "户" in key.header or re.search("慰问|送温暖|帮扶|困难", named) else "人"
    dates = sorted(d for c in columns for d in c.dates)
    period = f"（{_day(dates[0])}至{_day(dates[-1])}）" if dates else ""
    count_formula = f"{title}!{key.letter}{first}:{key.letter}{last} 计数 = {rows} {unit}"
    facts = [_fact(name, f"{label}台账共{rows}{unit}{period}", [f"{rows}{unit}"], count_formula, theme)]
    for column in columns:
        if column.numbers < max(1, (rows - column.uncalculated) // 2) or _NOT_SUMMED.search(column.header):
            continue
        formula = f"{title}!{column.letter}{first}:{column.letter}{last} 求和 = {_sum_text(column)}"
        if column.uncalculated:
            formula += (
                f"（其中 {column.uncalculated} 格是没有缓存值的公式，未计入，请在 Excel 中重新计算后核对）"
            )
        what = re.sub(r"[（(].*?[）)]", "", column.header)
        facts.append(
            _fact(name, f"{label}{what}合计{_sum_text(column)}", [_value_text(column)], formula, theme)
        )
    return facts


def _without_kind(title: str) -> str:
    return re.sub(r"(台账|明细|名单|统计表?|表)$", "", title)


def _fact(name: str, text: str, values: list[str], formula: str, theme: str) -> Candidate:
    location = formula.split(" ", 1)[0]
    return Candidate(
        text=text.replace(" ", ""),
        theme=theme,
        values=values,
        sources=[Source(file=name, location=location, excerpt=formula)],
        computed=Computed(formula=formula),
    )


def _sum_text(column: _Column) -> str:
    return (
        yuan(column.total) if "元" in column.header or "金" in column.header else plain_number(column.total)
    )


def _value_text(column: _Column) -> str:
    return (
        f"{plain_number(column.total)}元"
        if "元" in column.header or "金" in column.header
        else plain_number(column.total)
    )


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _filled_header(texts: list[str]) -> list[str]:
    """A merged header cell is only in its first cell: the cells it covers take its name."""
    filled, previous = [], ""
    for i, text in enumerate(texts):
        filled.append(text or (f"{previous}（续）" if previous else _letter(i)))
        previous = text or previous
    return filled


def _cell_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
