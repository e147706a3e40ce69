"""A worksheet's rows with each cell's cached value and its formula, read in one pass.

openpyxl gives either the cached values (`data_only=True`) or the formulas per load, and the ledger needs
both: a formula whose value Excel never cached is reported, and a total row is known by its SUM. Loading
the book twice read a 100,000-row sheet twice, 15–16 s each on a slow two-core machine. This is openpyxl's
own cell parser, asked for the formula as well; it reaches into openpyxl's private reader, which the lock
pins (tests/test_materials.py reads formulas, uncached values, dates and gaps through it).
"""

from collections.abc import Iterator
from typing import Any

from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

# Rows are padded to the sheet's declared width (a merged header's later cells may be missing), but not
# to a declared width past this: some writers declare all 16,384 columns, and a 100,000-row sheet padded
# to that width would be 1.6 billion cells.
MAX_PADDED_WIDTH = 1024
# Excel's own limits: a cell numbered past them (A1048577, a hostile "ZZZ1") is no cell Excel wrote, and
# reaching it would mean building a row of millions of cells or yielding billions of empty rows.
LAST_ROW, LAST_COLUMN = 1_048_576, 16_384


class _ValuesAndFormulas(WorkSheetParser):
    """Parses cells for their cached values, and keeps each cell's formula text ('' for none)."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell = super().parse_cell(element)
        cell["formula"] = str(self.parse_formula(element)) if element.find(FORMULA_TAG) is not None else ""
        return cell


def sheet_rows(sheet: ReadOnlyWorksheet) -> Iterator[tuple[list, list[str]]]:
    """Every row from the first: its cached values and its formulas, as wide as the sheet's declared
    width or its last cell. Rows the file leaves out come as empty rows, so positions are row numbers.
    Cells past the declared size are read too: openpyxl stops at it, and a stale size hid the data."""
    book = sheet.parent
    declared = sheet.max_column if (sheet.max_column or 0) <= MAX_PADDED_WIDTH else 0
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
            cells = [cell for cell in cells if cell["column"] <= LAST_COLUMN]
            if number < expected:  # a row given twice, or out of order: openpyxl keeps the first
                continue
            for _ in range(expected, number):
                yield [], []
            expected = number + 1
            width = max([declared or 0, *(cell["column"] for cell in cells)])
            values: list = [None] * width
            formulas = [""] * width
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
                formulas[cell["column"] - 1] = cell["formula"]
            yield values, formulas
