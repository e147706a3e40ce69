"""Strip web-page boilerplate from scraped reports and split a multi-report page into reports.

Only lines recognised as boilerplate are removed, and a site's watermark within a line (<莲~山 课件>),
which also splits the sentence it lands in; any other line stays exactly as written.
"""

import re

from pydantic import BaseModel

from drafting.text.script import to_simplified

# Whole lines that belong to the web page, not to a report (matched on simplified text).
_BOILERPLATE_LINE = [
    re.compile(r"^(来源|时间|发布时间|发布日期|作者|导语|编辑|责任编辑)\s*[:：]"),
    re.compile(r"^\S{0,12}\s*人气\s*[:：]"),
    re.compile(r"^来源\s*[:：]|范文帮|才智咖"),
    re.compile(r"欢迎阅读|欢迎参考|仅供参考|下载本文|本文由.*(整理|上传)|不代表本站观点|若需要原创"),
    re.compile(r"^(热门标签|相关栏目|相关推荐|推荐阅读|猜你喜欢|延伸阅读|上一篇|下一篇)\s*[:：]?$"),
]
# A heading after which the rest of the page is navigation (link farms, "more articles").
_PAGE_TAIL = re.compile(r"^(热门标签|相关栏目|相关推荐|推荐阅读|猜你喜欢|延伸阅读)\s*[:：]?$")
# "…模板 篇3", "…计划一": the marker a collection page puts before each report.
_REPORT_MARKER = re.compile(
    r"^\s*(?P<title>\S.{2,60}?(篇\s*\d+|(计划|总结|范文)[一二三四五六七八九十]+))\s*$"
)
_LINK_FARM = re.compile(r"(工作总结|工作计划|范文){4,}|(总结){6,}")
_WATERMARK = re.compile(r"<[^<>]{1,16}>\s*")  # a site's mark in angle brackets: reports quote with 《》
_SENTENCE_END = "。！？；.!?;：:"


class ScrapedReport(BaseModel):
    title: str
    body: str


def is_boilerplate(line: str) -> bool:
    simplified = to_simplified(line.strip())
    if not simplified:
        return False
    if any(p.search(simplified) for p in _BOILERPLATE_LINE):
        return True
    return len(_LINK_FARM.findall(simplified)) > 0 and "。" not in simplified


def split_page(page: str) -> list[ScrapedReport]:
    """Split a scraped page into its reports, dropping page furniture.

    The page title (its first line, when short and not a sentence) is dropped wherever it is repeated.
    A page with no per-report markers is one report titled by that line ('' when the text has none).
    """
    lines = [ln.rstrip() for ln in page.replace("\r\n", "\n").split("\n")]
    first_line = next((ln.strip() for ln in lines if ln.strip()), "")
    page_title = first_line if _looks_like_title(first_line) else ""
    reports: list[tuple[str, list[str]]] = []
    for line in lines:
        stripped = line.strip()
        if _PAGE_TAIL.match(to_simplified(stripped)):
            break
        if (
            (page_title and stripped == page_title)
            or is_boilerplate(stripped)
            or _is_collection_title(stripped)
        ):
            continue
        if (m := _REPORT_MARKER.match(to_simplified(stripped))) and m.group("title") and "、" not in stripped:
            reports.append((stripped, []))
            continue
        if not reports:
            reports.append((page_title, []))
        body = reports[-1][1]
        unmarked = _WATERMARK.sub("", stripped)
        if unmarked != stripped and _WATERMARK.match(stripped) and _unfinished(body):
            while not body[-1]:  # the page's blank lines between the two halves
                body.pop()
            body[-1] += unmarked  # 较集中的单位,我 / <莲~山 课件> 们又再次…: one sentence again
            continue
        body.append(unmarked)
    return [ScrapedReport(title=title, body=_join_paragraphs(body)) for title, body in reports if any(body)]


def _unfinished(body: list[str]) -> bool:
    """The last paragraph stops mid-sentence."""
    last = next((line for line in reversed(body) if line), "")
    return bool(last) and last[-1] not in _SENTENCE_END


def _looks_like_title(line: str) -> bool:
    """A title is short and is not a sentence: a text that starts with its body has no title line."""
    return 0 < len(line) <= 60 and line[-1] not in "。！？；.!?;，,：:"


def _is_collection_title(line: str) -> bool:
    """'工会小组年度总结(精选6篇)' — the page's own listing title, not a report."""
    return bool(re.search(r"[(（](精选|实用|通用|优选)?\s*\d+\s*篇[)）]$|[十百]篇$", to_simplified(line)))


def _join_paragraphs(lines: list[str]) -> str:
    """One paragraph per non-empty line, separated by a blank line."""
    return "\n\n".join(ln for ln in lines if ln)
