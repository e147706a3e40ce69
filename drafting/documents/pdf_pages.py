"""Turn the text of PDF pages back into the report's lines: no page numbers, no running headers.

Page numbers ("— 1 —", "- 2 -", "第 3 页", "3/10", a bare 4) and lines repeated at the same place
near the top or bottom of most pages (the unit's name, the report title, "内部资料") are print
furniture; left in, they split paragraphs that run across a page break and pollute the sections.
"""

import math
import re
from collections import Counter

EDGE_LINES = 3  # how many lines at the top and bottom of a page can be furniture
_PAGE_NUMBER = re.compile(
    r"^(?:[—–\-－~～·•\s]*\d{1,4}[—–\-－~～·•\s]*"
    r"|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|page\s*\d+(?:\s*(?:of|/)\s*\d+)?)$",
    re.IGNORECASE,
)


def page_lines(pages: list[str]) -> list[str]:
    """All lines of all pages in order, without page numbers and running headers/footers."""
    return [line for page in lines_by_page(pages) for line in page]


def lines_by_page(pages: list[str]) -> list[list[str]]:
    """Each page's lines, without page numbers and running headers/footers (materials cite the page)."""
    pages_lines = [[line.strip() for line in page.split("\n") if line.strip()] for page in pages]
    running = _running_lines(pages_lines)
    kept: list[list[str]] = []
    for page in pages_lines:
        furniture = {p % len(page) for p in _edge_positions(len(page)) if _is_furniture(page, p, running)}
        kept.append([line for index, line in enumerate(page) if index not in furniture])
    return kept


def is_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER.match(line.strip()))


def _key(line: str) -> str:
    """Lines compare equal across pages when only their numbers differ ('第3页' ~ '第4页')."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _edge_positions(length: int) -> list[int]:
    """Positions of the first and last EDGE_LINES lines; negative ones count from the bottom."""
    edge = min(EDGE_LINES, length)
    return [*range(edge), *range(-edge, 0)]


def _running_lines(pages: list[list[str]]) -> set[tuple[int, str]]:
    """(position, key) of lines found at the same place near the top or bottom of most pages."""
    if len(pages) < 2:
        return set()
    seen: Counter[tuple[int, str]] = Counter()
    for page in pages:
        seen.update({(position, _key(page[position])) for position in _edge_positions(len(page))})
    needed = max(2, math.ceil(len(pages) * 0.6))
    return {found for found, count in seen.items() if count >= needed}


def _is_furniture(page: list[str], position: int, running: set[tuple[int, str]]) -> bool:
    line = page[position]
    return is_page_number(line) or (position, _key(line)) in running
