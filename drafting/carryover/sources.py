"""Last year's report from wherever the user keeps it: a saved draft, a 范文库 report, or a file.

Also the list the 起草 page offers: the unit's own drafts and reports first, those of the year
before the one being summarised at the top.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from drafting.carryover.items import YEAR, PreviousPlan, find_plan, in_digits
from drafting.documents import read_document, read_document_bytes
from drafting.documents.text import strip_markdown

if TYPE_CHECKING:
    from drafting.corpus.reports import Report, ReportMeta
    from drafting.storage.drafts import DraftTitle
    from drafting.writing.draft import Draft


@dataclass(frozen=True)
class PreviousChoice:
    """One entry of the 起草 page's “上年报告” list (hundreds of them on every run of the form)."""

    id: str
    title: str
    period: str
    kind: Literal["draft", "report"]
    own: bool  # the unit's own draft or report (offered before bundled examples)


def from_file(path: Path) -> PreviousPlan:
    return find_plan(read_document(path))


def from_upload(name: str, data: bytes) -> PreviousPlan:
    """Last year's report uploaded on the 起草 page (it is read, never kept)."""
    return find_plan(read_document_bytes(name, data))


def from_draft(draft: "Draft") -> PreviousPlan:
    return find_plan(strip_markdown(draft.markdown(signature=False)), draft.title, draft.facts.period)


def from_report(report: "Report") -> PreviousPlan:
    return find_plan(report.body, report.meta.title, report.meta.period)


def previous_choices(
    period: str, drafts: list["DraftTitle"], reports: list["ReportMeta"]
) -> list[PreviousChoice]:
    """Drafts and reports, the unit's own first and, among them, last year's first. `drafts` hold each
    title once, as its most recently changed draft (DraftRepository.titles): the choice is last year's
    report, not one of its versions."""
    choices = [
        PreviousChoice(id=d.id, title=d.title, period=_year_of(d.title), kind="draft", own=True)
        for d in drafts
    ] + [
        PreviousChoice(id=r.id, title=r.title, period=r.period, kind="report", own=r.origin != "bundled")
        for r in reports
    ]
    year = _year_of(period)
    last_year = str(int(year) - 1) if year else ""
    return sorted(choices, key=lambda c: (not c.own, not (last_year and last_year in c.period)))


def _year_of(text: str) -> str:
    m = YEAR.search(in_digits(text))  # 二〇二四年 too; digits read the same in either script
    return m.group(0) if m else ""
