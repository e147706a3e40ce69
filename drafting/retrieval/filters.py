"""The search filter in chroma's terms, so the dense side keeps the same units apart as the keyword side.

Semantics match `KeywordIndex.mask` and `drafting.corpus.reports.Scope`: part and unit type must match,
and with `owners` given a chunk is visible when its owner is one of them or its report is one of
`report_ids` (published reports); `owners=None` sees everything.
"""

from collections.abc import Collection
from typing import Any

_NO_OWNER = ""  # every chunk has an owner ("bundled", "unit-…", "local"); `$in` must not be empty


def dense_where(
    part: str | None = None,
    unit_type: str | None = None,
    owners: Collection[str] | None = None,
    report_ids: Collection[str] | None = None,
) -> dict[str, Any] | None:
    """A chroma `where` for this filter; None when nothing is restricted."""
    conditions: list[dict[str, Any]] = []
    if part is not None:
        conditions.append({"part": part})
    if unit_type is not None:
        conditions.append({"unit_type": unit_type})
    if owners is not None:
        visible = [{"owner": {"$in": sorted(owners)}}] if owners else []
        if report_ids:
            visible.append({"report_id": {"$in": sorted(report_ids)}})
        # an empty scope must match nothing, never fall back to "no restriction"
        conditions.append(_joined("$or", visible or [{"owner": {"$in": [_NO_OWNER]}}]))
    return _joined("$and", conditions) if conditions else None


def _joined(operator: str, conditions: list[dict[str, Any]]) -> dict[str, Any]:
    """chroma rejects `$and`/`$or` over fewer than two conditions."""
    return conditions[0] if len(conditions) == 1 else {operator: conditions}
