"""Copy guard: warn when a section repeats another unit's report nearly word for word."""

import re
from functools import cache

from pydantic import BaseModel

from drafting.corpus.reports import Report
from drafting.memo import Memo
from drafting.text.script import to_simplified

GRAM = 8  # characters; shorter runs are shared 公文 phrasing, not copying
THRESHOLD = 0.3  # share of a section's 8-grams found in one report
# Per section text, its share in each report already compared, by the report's id and the hash of its text
# (not the text: each load of the corpus brings new copies of it, which the keys would keep alive): a report
# imported later is all that is compared again (in the 20-session soak a report came in every two seconds,
# and each one made every shown draft compare every section with every report). Two threads may fill one
# text's shares at once; each entry is one atomic dict write of the same value.
_SHARES: Memo[dict[tuple[str, int], float]] = Memo(512)


class CopyWarning(BaseModel):
    report_id: str
    report_title: str
    overlap: float


def _grams(text: str) -> set[str]:
    compact = re.sub(r"[\s，。；：、,.;:“”\"'（）()《》]", "", to_simplified(text))
    return {compact[i : i + GRAM] for i in range(len(compact) - GRAM + 1)}


@cache
def _report_grams(report_id: str, body: str) -> frozenset[str]:
    return frozenset(_grams(body))


def copied_from(text: str, reports: list[Report]) -> list[CopyWarning]:
    """Reports whose wording makes up a large share of `text`, most copied first."""
    mine = _grams(text)
    if len(mine) < 10:
        return []
    shares = _SHARES.get(text, dict)
    warnings = []
    for report in reports:
        compared = (report.meta.id, hash(report.body))
        if (overlap := shares.get(compared)) is None:
            overlap = shares[compared] = len(mine & _report_grams(report.meta.id, report.body)) / len(mine)
        if overlap >= THRESHOLD:
            warnings.append(
                CopyWarning(
                    report_id=report.meta.id, report_title=report.meta.title, overlap=round(overlap, 2)
                )
            )
    return sorted(warnings, key=lambda w: -w.overlap)
