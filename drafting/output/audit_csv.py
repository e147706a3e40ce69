"""The audit log as a CSV file for a spreadsheet, where no cell can run as a formula.

Names and details come from anyone who can type at the login form: `=HYPERLINK(…)`, `@SUM(…)` or `+1`
would run in Excel or WPS. Such cells get a leading apostrophe, which spreadsheets show as plain text.
"""

import csv
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drafting.storage.audit import AuditRecord

HEADER = ["时间", "用户", "单位", "操作", "详情"]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def audit_rows(records: Iterable["AuditRecord"]) -> list[list[str]]:
    return [
        [
            f"{r.at:%Y-%m-%d %H:%M:%S}",
            *(spreadsheet_safe(v) for v in (r.user_name, r.unit_name, r.action, r.detail)),
        ]
        for r in records
    ]


def audit_csv(records: Iterable["AuditRecord"]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(audit_rows(records))
    return buffer.getvalue().encode("utf-8-sig")
