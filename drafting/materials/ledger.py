"""Ledgers (台账: .xlsx and .csv) become computed facts: row counts and column sums, exact, from the cells.

This module reads the file: limits, encodings, passwords, hidden sheets. Rows are streamed (openpyxl
read-only), so a 100,000-row sheet costs little memory. What one sheet's rows add up to is
`ledger_sheet.py`'s job.
"""

import csv
import io
import zipfile
from pathlib import Path

from drafting.documents.ole import has_password, is_ole
from drafting.documents.text import decode_text
from drafting.errors import UserError
from drafting.materials.ledger_sheet import LedgerResult, sheet_facts
from drafting.materials.model import Skipped

LEDGER_SUFFIXES = (".xlsx", ".csv")
MAX_LEDGER_BYTES = 5 * 1024 * 1024
# A 100,000-row sheet of 2.7 MB inflates to 27 MB. The sizes checked are the declared ones: Python's
# zipfile (which openpyxl reads through) never inflates a member past its declared size.
MAX_INFLATED_BYTES = 200 * 1024 * 1024


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
        return sheet_facts(name, Path(name).stem, ((list(r), [""] * len(r)) for r in rows))
    return _workbook(name, data)


def _workbook(name: str, data: bytes) -> LedgerResult:
    from openpyxl import load_workbook

    if is_ole(data):
        if has_password(data):
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
                sheet_result = sheet_facts(name, sheet.title, sheet_rows(sheet))
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
