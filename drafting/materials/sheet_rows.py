"""A worksheet's rows with each cell's cached value and its formula, read in one pass.

openpyxl gives either the cached values (`data_only=True`) or the formulas per load, and the ledger needs
both: a formula whose value Excel never cached is reported, and a total row is known by its SUM. Loading
the book twice read a 100,000-row sheet twice, 15–16 s each on a slow two-core machine. This is openpyxl's
own cell parser, asked for the formula as well; it reaches into openpyxl's private reader, so pyproject.toml
keeps openpyxl below 3.2 and the lock pins it (tests/test_materials.py reads formulas, uncached values,
dates and gaps through it).
"""

from collections.abc import Iterator
from typing import Any

from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

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
    """Every row from the first: its cached values and its formulas, as wide as its widest cell or the
    sheet's declared width (when that is at most MAX_COLUMNS), whichever is more. Rows the file leaves
    out come as empty rows, so positions are row numbers. Cells past the declared size are read too:
    openpyxl stops at it, and a stale size hid the data. SheetUnreadable when the sheet's XML is damaged."""
    try:
        yield from _rows(sheet)
    except Exception as error:  # openpyxl's reader raises many kinds on damaged XML, as its loader does
        raise SheetUnreadable(sheet.title) from error


def _rows(sheet: ReadOnlyWorksheet) -> Iterator[tuple[list, list[str]]]:
    book = sheet.parent
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
                values[cell["column"] - 1] = cell["value"]
                formulas[cell["column"] - 1] = cell["formula"]
            yield values, formulas
