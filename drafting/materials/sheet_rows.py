"""A worksheet's rows with each cell's cached value and its formula, read in one pass.

openpyxl gives either the cached values (`data_only=True`) or the formulas per load, and the ledger needs
both: a formula whose value Excel never cached is reported, and a total row is known by its SUM. Loading
the book twice read a 100,000-row sheet twice, 15–16 s each on a slow two-core machine. This is openpyxl's
own cell parser, asked for the formula as well; it reaches into openpyxl's private reader, so pyproject.toml
keeps openpyxl below 3.2 and the lock pins it (tests/test_materials.py reads formulas, uncached values,
dates and gaps through it).

A cell's number format is part of what it says: 1.2 shown as "1.20万元" is 1.2万元, 0.853 shown as "85.3%"
is a rate, and a date shown as "2025年1月" has no day. Values are given as the cells show them.
"""

import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl.cell.read_only import ReadOnlyCell
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from drafting.materials.ledger_sheet import Month, Year
from drafting.materials.values import MEASURES, cell_amount, plain_number

# No 台账 has this many columns. Cells past it are left out, and rows are padded to the sheet's declared
# width (a merged header's later cells may be missing) only when it is within it: some writers declare
# all 16,384 columns, and every row would then be a list of 16,384 cells.
MAX_COLUMNS = 1024
LAST_ROW = 1_048_576  # Excel's last row: a row numbered past it is no row Excel wrote


class SheetUnreadable(Exception):
    """The sheet's XML is damaged; found only while its rows are read, after the workbook opened."""


class _ValuesAndFormulas(WorkSheetParser):
    """Parses cells for their cached values, and keeps each cell's formula as text ('' for none)."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell = super().parse_cell(element)
        cell["formula"] = (
            _formula_text(self.parse_formula(element)) if element.find(FORMULA_TAG) is not None else ""
        )
        return cell


def _formula_text(formula: object) -> str:
    """An array formula's own text ({=SUM(…)} is still a total); a what-if data table as Excel shows it."""
    if isinstance(formula, str):
        return formula
    return getattr(formula, "text", None) or "=TABLE()"


def sheet_rows(sheet: ReadOnlyWorksheet) -> Iterator[tuple[list, list[str]]]:
    """Every row from the first: its cached values as their number formats show them, and its formulas,
    as wide as its widest cell or the sheet's declared width (when that is at most MAX_COLUMNS), whichever
    is more. Rows the file leaves out come as empty rows, so positions are row numbers. Cells past the
    declared size are read too: openpyxl stops at it, and a stale size hid the data. SheetUnreadable when
    the sheet's XML is damaged."""
    try:
        yield from _rows(sheet)
    except Exception as error:  # openpyxl's reader raises many kinds on damaged XML, as its loader does
        raise SheetUnreadable(sheet.title) from error


def _rows(sheet: ReadOnlyWorksheet) -> Iterator[tuple[list, list[str]]]:
    book = sheet.parent
    shown: dict[int, Callable[[object], object]] = {}  # by style: what its number format makes of a value
    declared = sheet.max_column or 0
    declared = declared if declared <= MAX_COLUMNS else 0
    with sheet._get_source() as source:
        parser = _ValuesAndFormulas(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        expected = 1
        for number, cells in parser.parse():
            if number > LAST_ROW:
                return
            if number < expected:  # a row given twice, or out of order: openpyxl keeps the first
                continue
            for _ in range(expected, number):
                yield [], []
            expected = number + 1
            kept = [cell for cell in cells if cell["column"] <= MAX_COLUMNS]
            width = max([declared, *(cell["column"] for cell in kept)])
            values: list = [None] * width
            formulas = [""] * width
            for cell in kept:
                style = cell["style_id"] or 0
                if style not in shown:
                    shown[style] = _as_shown(_number_format(sheet, style))
                values[cell["column"] - 1] = shown[style](cell["value"])
                formulas[cell["column"] - 1] = cell["formula"]
            yield values, formulas


def _number_format(sheet: ReadOnlyWorksheet, style: int) -> str:
    """As openpyxl reads it for a cell; General for a style the book does not have (Excel writes none)."""
    try:
        return ReadOnlyCell(sheet, 0, 0, None, style_id=style).number_format
    except IndexError:
        return "General"


# A number format's parts: a quoted or escaped literal, [$¥-804] (a currency), [Red] and other brackets,
# _x (a space as wide as x) and *x (x repeated to fill), or one character
_FORMAT_PART = re.compile(r'"[^"]*"|[\\!].|[_*].|\[[^\]]*\]|.', re.S)
_SHOWN_UNIT = re.compile(rf"[万亿]?(?:{MEASURES})?")


def _as_shown(number_format: str) -> Callable[[object], object]:
    """What a cell with this format shows, for the values it changes: a number with the unit the format
    writes after it (0.00"万元" → '1.2万元', ¥#,##0.00 → '1234.5元'), a percent (0.0% → '85.3%'), a date
    without its day (Month) or its month (Year). Numbers stay as exact as the value Excel holds."""
    before, after, percent, scaled, letters = _format_parts(number_format)
    unit = "元" if re.search("[¥￥]", before + after) else "" if before else after
    if percent or (unit and _SHOWN_UNIT.fullmatch(unit) and not scaled):
        suffix, times = ("%", Decimal(100)) if percent else (unit, Decimal(1))

        def number(value: object) -> object:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return value
            shown = f"{plain_number(Decimal(str(value)) * times)}{suffix}"
            return shown if cell_amount(shown) is not None else value  # inf, nan: left as they are

        return number
    if "y" in letters and "d" not in letters:
        kind = Month if "m" in letters else Year

        def day(value: object) -> object:
            return kind(value.year, value.month, value.day) if isinstance(value, date) else value

        return day
    return _same


def _same(value: object) -> object:
    return value


def _format_parts(number_format: str) -> tuple[str, str, bool, bool, str]:
    """A format's first section (the one for positive numbers): the literal text before its digits and
    after them, whether it shows a percent, whether it shows the number scaled (0.0,"万" and 0!.0000"万"
    show 12345 as 1.2万: that unit is not the value's), and its date letters (yyyy, m, d)."""
    parts: list[tuple[str, str]] = []  # (digit | literal | code, text)
    for piece in _FORMAT_PART.findall(number_format):
        if piece == ";":
            break
        if piece.startswith('"'):
            parts.append(("literal", piece[1:-1]))
        elif piece.startswith("[$"):
            parts.append(("literal", piece[2:-1].split("-")[0]))
        elif len(piece) == 2 and piece[0] in "\\!":
            parts.append(("literal", piece[1]))
        elif piece in ("0", "#", "?"):
            parts.append(("digit", piece))
        elif piece[0] not in "[_*":
            parts.append(("code" if piece.isascii() else "literal", piece))  # 万元 typed without quotes
    digits = [i for i, (kind, _) in enumerate(parts) if kind == "digit"] or [len(parts)]
    first, last = digits[0], digits[-1]

    def literal(span: list[tuple[str, str]]) -> str:
        return re.sub(r"\s+", "", "".join(text for kind, text in span if kind == "literal"))

    scaled = bool(literal(parts[first:last])) or parts[last + 1 : last + 2] == [("code", ",")]
    codes = "".join(text for kind, text in parts if kind == "code")
    letters = "".join(c for c in codes.lower() if c.isalpha())
    return literal(parts[:first]), literal(parts[last + 1 :]), "%" in codes, scaled, letters
