"""Copy guard: warn when a section repeats another unit's report nearly word for word."""

import re
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel

from drafting.corpus.reports import Report
from drafting.memo import Memo
from drafting.text.script import to_simplified

GRAM = 8  # characters; shorter runs are shared 公文 phrasing, not copying
THRESHOLD = 0.3  # share of a section's 8-grams found in one report
# Grams are compared by their 64-bit hashes: a set of 8-character strings took about 120 bytes a gram,
# and a cache of them by report text grew with every import and every edited report for as long as the
# server ran. Two different grams sharing a hash in a whole corpus is about a one-in-a-billion event.
# Per report, by its id and the hash of its text (not the text): as many as a federation's corpus holds,
# else each list's index would hash every report again.
_GRAMS: Memo[np.ndarray] = Memo(32768)
_SECTIONS: Memo[np.ndarray] = Memo(512)  # per section text: an import changes the reports, not the sections
# Per scope (a unit, or everyone when there are no accounts), the index of the list of reports it drafts
# with, 12 bytes a gram of the list: an import makes a new list, whose index replaces the scope's old one
# (kept by list, up to three superseded indexes of the whole library stayed beside the current one).
_INDEXES: Memo[tuple[tuple[tuple[str, int], ...], "_GramIndex"]] = Memo(16)


class CopyWarning(BaseModel):
    report_id: str
    report_title: str
    overlap: float


def _compact(text: str) -> str:
    return re.sub(r"[\s，。；：、,.;:“”\"'（）()《》]", "", to_simplified(text))


def _grams(text: str) -> np.ndarray:
    """The hashes of the text's 8-grams, sorted and each once."""
    compact = _compact(text)
    hashes = {hash(compact[i : i + GRAM]) for i in range(len(compact) - GRAM + 1)}
    return np.sort(np.fromiter(hashes, np.int64, len(hashes)))


@dataclass(frozen=True, eq=False)
class _GramIndex:
    """Every gram of a list of reports, sorted, with the position of the report holding it: a section is
    counted against all the reports at once. After an import only the new report is hashed; the sorted
    array is made again from the remembered ones (9 ms for 140 reports)."""

    hashes: np.ndarray
    owners: np.ndarray

    @classmethod
    def of(cls, reports: list[Report]) -> "_GramIndex":
        arrays = [_GRAMS.get((r.meta.id, hash(r.body)), lambda r=r: _grams(r.body)) for r in reports]
        owners = np.repeat(np.arange(len(arrays), dtype=np.int32), [len(a) for a in arrays])
        hashes = np.concatenate(arrays) if arrays else np.empty(0, np.int64)
        order = np.argsort(hashes, kind="stable")
        return cls(hashes[order], owners[order])

    def shared(self, grams: np.ndarray, reports: int) -> np.ndarray:
        """How many of `grams` (unique) each report holds; a report holds each of its grams once."""
        left = np.searchsorted(self.hashes, grams, "left")
        counts = np.searchsorted(self.hashes, grams, "right") - left
        # positions left[i] .. left[i] + counts[i] - 1 of every gram i, in one array
        before = np.cumsum(counts) - counts
        found = np.repeat(left - before, counts) + np.arange(counts.sum())
        return np.bincount(self.owners[found], minlength=reports)


def copied_from(text: str, reports: list[Report], whose: Hashable = None) -> list[CopyWarning]:
    """Reports whose wording makes up a large share of `text`, most copied first. `whose` names the unit
    (or everyone) whose list `reports` is: its index is kept until that list changes."""
    mine = _SECTIONS.get(text, lambda: _grams(text))
    if len(mine) < 10:
        return []
    listed = tuple((r.meta.id, hash(r.body)) for r in reports)
    known = _INDEXES.recall([whose]).get(whose)
    if known is None or known[0] != listed:
        known = (listed, _GramIndex.of(reports))
        _INDEXES.keep({whose: known})
    index = known[1]
    shares = index.shared(mine, len(reports)) / len(mine)
    warnings = [
        CopyWarning(report_id=report.meta.id, report_title=report.meta.title, overlap=round(float(share), 2))
        for report, share in zip(reports, shares, strict=True)
        if share >= THRESHOLD
    ]
    return sorted(warnings, key=lambda w: -w.overlap)
