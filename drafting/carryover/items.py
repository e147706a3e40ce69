"""Find last year's plan items wherever the report put them.

In order: a 计划/要点/打算 section (its sub-headings, its 一是……二是…… run, the rows of a table in it,
or its sentences); a whole
report that is a plan (《2025年工会工作要点》); a paragraph announcing next year's work with an
enumeration (明年，我们将：一是……二是……). A report with none of these has no plan to check against,
and says so instead of inventing items. Its closing words, its 落款 and a draft's 【待补充】 placeholders
are never items; a year is read in digits or in 汉字 (二〇二四年).
"""

import re

from pydantic import BaseModel

from drafting.corpus.parser import (
    ParsedReport,
    Section,
    enumeration_items,
    is_closing_words,
    parse_report,
    without_marker,
)
from drafting.documents.docx import CELL_SEPARATOR
from drafting.errors import UserError
from drafting.text.numerals import years_in_digits
from drafting.text.script import to_simplified

_PERIOD = re.compile(r"(19|20)\d{2}\s*年\s*(上半年|下半年|度)?")
YEAR = re.compile(r"(?:19|20)\d{2}")  # a year in digits, as both the carry-over and its sources read one
# a year the plan names for itself: 2025年工作计划, …及2025年工作要点; not the year of what a report looks
# back on (2024年工作总结及…, 2024年工作要点落实情况总结, 2024年度目标任务完成情况的报告)
_PLAN_YEAR = re.compile(
    r"((?:19|20)\d{2})\s*年(?:(?!总结|及|和|暨|与|完成|落实|情况|报告|回顾)[^，。；、\d]){0,10}?"
    r"(?:计划|要点|打算|安排|任务|思路)(?!的?(完成|落实|执行|情况))"
)
_NEXT_YEAR = re.compile(r"明年|下一年|下一步|来年|新的一年")  # 2024年工作报告及明年工作安排: the year after
_PLAN_TITLE = re.compile(r"(计划|要点|打算|安排|任务(分解)?表|任务清单|分解表)$")
_NEXT_YEAR_LEAD = re.compile(
    r"(明年|新的一年|下一步|下一年|今后|(19|20)\d{2}年).{0,30}(将|要|计划|打算|重点)"
)
# an enumeration's word that leads an item: 一是 一要 首先， (a heading's marker is the parser's)
_ENUM_WORD = re.compile(r"^([一二三四五六七八九十][是要]|(首先|其次|再次|最后)[，,、：:])")
PLACEHOLDER = re.compile(r"【待补充[^】]*】")  # what a draft leaves to be written (template_writer)
_END_MARKS = "。；;，,：: "
_SENTENCE = re.compile(r"(?<=[。；;！!])")
# a plan table's columns: the one that names the work, and the row numbers that name nothing
_WORK_COLUMN = re.compile(r"内容|事项|任务|项目|工作|措施|目标")
_NUMBER_COLUMN = re.compile(r"^(序号|编号|序|No\.?)$", re.I)
_UNIT_COLUMN = re.compile(r"(计量)?单位")
_COLUMN_NAME = re.compile(  # a header row's cells: 序号, 工作内容, 完成时限, 责任部门, 目标值…
    r"序号|编号|.{0,4}(内容|事项|任务|项目|工作|措施|目标值?|指标|时限|时间|部门|单位|责任人?|牵头|备注|人数|数量)"
)
# what stands for work not named (三是其他, 三是等等, 三是……): never an item, nor a word of one's own
_STAND_INS = re.compile(r"其他|其它|其余|等等|等|省略号|[…⋯]+|\.{3,}|。{3,}")
_WORD_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
MIN_WORK_CHARS = 2  # an item names its work in at least this many 汉字 of its own (召开职代会, not ……)
MIN_ITEM_CHARS = 6  # a loose sentence shorter than this is no item (a lead-in's 为此：)
MIN_CELL_CHARS = 2  # a table's 工作内容 cell, or an enumerated 一是召开职代会, is an item however short
MAX_SHOWN_CHARS = 100  # an item longer than this is shown (and matched) by its first clauses


class NoPlanFound(UserError):
    """Last year's report holds no plan to compare against."""


class PlanItem(BaseModel):
    """One plan item: how the table shows it, and all its words (where a target may stand)."""

    text: str
    detail: str


class PreviousPlan(BaseModel):
    """Last year's report as far as the comparison needs it."""

    title: str
    period: str
    items: list[PlanItem]
    plan_year: str = ""  # the year its plan was for, when the report tells


def year_warning(previous_title: str, plan_year: str, period: str) -> str:
    """A warning when last year's plan was for another year than the one being summed up (a report two
    years old, or this year's own summary picked by mistake); empty when they agree or either is unknown.
    A 学年 period names two years: either will do."""
    years = YEAR.findall(in_digits(period))
    if not plan_year or not years or plan_year in years:
        return ""
    return (
        f"所选的上年报告《{previous_title}》里是{plan_year}年的计划，而这次总结的是{period}的工作："
        "请确认选对了报告（应是上一年的总结，或本年度的工作要点）。"
    )


def find_plan(text: str, title: str = "", period: str = "") -> PreviousPlan:
    """The plan items of a report's text; NoPlanFound (in Chinese) when it has none."""
    period = period or _period_of(title) or _period_of(text[:400])
    parsed = parse_report(text, period)
    title = title or parsed.title or next(iter(text.strip().splitlines()), "").strip()
    document = _from_plan_document(parsed, title)
    items = _from_plan_sections(parsed) or document or _from_next_year_paragraphs(parsed)
    if not items and any(PLACEHOLDER.search(root.text()) for root in _plan_roots(parsed.sections)):
        raise NoPlanFound(
            f"上年报告《{title or '未命名'}》的计划部分只有待补充的占位（【待补充……】），没有写出具体计划，"
            "无法逐项对照。请先在该草稿中补写计划，或选择含有计划的报告、上年单独印发的工作要点。"
        )
    if not items:
        raise NoPlanFound(
            f"上年报告《{title or '未命名'}》中没有找到工作计划（没有“计划”“要点”“打算”部分，"
            "也没有“明年……一是……二是……”这样的安排），无法逐项对照。请选择含有计划部分的报告，"
            "或上年单独印发的工作要点。"
        )
    unique = list({item.text: item for item in items}.values())
    headings = [root.title for root in _plan_roots(parsed.sections)]
    year = _plan_year(title, period, headings, plan_document=bool(document))
    return PreviousPlan(title=title, period=period, items=unique, plan_year=year)


def _plan_year(title: str, period: str, headings: list[str], plan_document: bool) -> str:
    """The year the plan was for: as its own heading or the title names it; else the report's year for a
    plan document or a 上半年 report (its 下半年安排), the year after for a year's summary."""
    for text in (*headings, title):
        if named := _PLAN_YEAR.search(in_digits(text)):
            return named.group(1)
    year = YEAR.match(in_digits(period))
    if year is None:
        return ""
    same_year = (plan_document and not _NEXT_YEAR.search(to_simplified(title))) or "上半年" in period
    return year.group() if same_year else str(int(year.group()) + 1)


def in_digits(text: str) -> str:
    """Simplified, its years in digits (二〇二〇年 → 2020年), as the year patterns read it."""
    return years_in_digits(to_simplified(text))


def _period_of(text: str) -> str:
    m = _PERIOD.search(in_digits(text))
    return re.sub(r"\s+", "", m.group(0)) if m else ""


def _plan_roots(sections: list[Section]) -> list[Section]:
    """The top of each plan subtree (a plan section's children are its items, not more plans)."""
    roots = []
    for section in sections:
        if section.part == "plan":
            roots.append(section)
        else:
            roots += _plan_roots(section.children)
    return roots


def _from_plan_sections(parsed: ParsedReport) -> list[PlanItem]:
    return [item for root in _plan_roots(parsed.sections) for item in items_of(root)]


def _from_plan_document(parsed: ParsedReport, title: str) -> list[PlanItem]:
    """A report that is itself a plan: each top-level section is an item, or each row of its table (a
    重点工作任务分解表 is often a table alone)."""
    title = to_simplified(title)
    if not _PLAN_TITLE.search(title) or "总结" in title:  # …总结及2025年工作计划 is a summary first
        return []
    if items := [item for section in parsed.top_level if section.title for item in _items_under(section)]:
        return items
    rows = [line for _, section in parsed.walk() for line in section.paragraphs if CELL_SEPARATOR in line]
    return items_of(Section(heading="", title="", style="opening", part="plan", paragraphs=rows))


def _from_next_year_paragraphs(parsed: ParsedReport) -> list[PlanItem]:
    return [
        item
        for _, section in parsed.walk()
        for paragraph in section.paragraphs
        if (run := enumeration_items(paragraph))
        and _NEXT_YEAR_LEAD.search(in_digits(paragraph[: paragraph.index(run[0])]))
        for item in _plain_items(run, MIN_CELL_CHARS)
    ]


def items_of(section: Section) -> list[PlanItem]:
    """A plan section's items: its sub-sections (or theirs, when those are the tasks), else its 一是……
    run, else the rows of its tables and its sentences."""
    if section.children:
        return [item for child in section.children if child.title for item in _items_under(child)]
    if section.items:
        return _plain_items(section.items, MIN_CELL_CHARS)
    items: list[PlanItem] = []
    header: list[str] | None = None
    for paragraph in section.paragraphs:
        if CELL_SEPARATOR in paragraph:
            cells = [cell.strip() for cell in paragraph.split(CELL_SEPARATOR)]
            if header is None and any(_COLUMN_NAME.fullmatch(cell) for cell in cells):
                header = cells  # 序号｜工作内容｜完成时限｜责任部门
            elif item := _table_row(cells, header or []):
                items.append(item)
            continue
        header = None  # the table has ended
        if paragraph.rstrip().endswith(("：", ":")):
            continue
        items += _plain_items(_SENTENCE.split(paragraph))
    return items


def _items_under(section: Section) -> list[PlanItem]:
    """（一）加强思想引领 over 1.举办宣讲5场 2.开展读书活动: each task under the heading is an item of its
    own (one the whole heading stood for hid the one not done); a heading over 时间：3月 and the like, or
    with nothing under it, is one item."""
    tasks = [child for child in section.children if child.title]
    if tasks and all(_is_task(child.title) for child in tasks):
        return [item for child in tasks for item in _items_under(child)]
    return [item] if (item := _whole(section)) else []


def _is_task(title: str) -> bool:
    """A sub-heading that names work to do, not a label (时间：3月, 目标：……) nor a word or two."""
    return len(title) >= MIN_ITEM_CHARS and not re.match(r"^.{1,6}[：:]", title)


def _table_row(cells: list[str], header: list[str]) -> PlanItem | None:
    """A row of a plan table: the work it names (the 工作内容 column, else its longest cell), and the
    rest (完成时限：3月；责任部门：工会办公室) as its detail, where a target may stand. A row with fewer
    cells than its header (an empty cell is left out when the row is read) keeps its cells in order."""
    named = len(cells) == len(header)
    columns = header if named else [""] * len(cells)
    cells = _with_units(cells, columns)
    kept = [
        (name, cell)
        for index, (name, cell) in enumerate(zip(columns, cells, strict=True))
        if not _NUMBER_COLUMN.match(name) and not (index == 0 and re.fullmatch(r"\d+[.、．]?", cell))
    ]
    if not kept:
        return None
    work = next((cell for name, cell in kept if _WORK_COLUMN.search(name)), None)
    work = _clean(work or max((cell for _, cell in kept), key=len))
    if len(work) < MIN_CELL_CHARS or not _names_work(work):
        return None
    rest = [f"{name}：{cell}" if name else cell for name, cell in kept if cell and _clean(cell) != work]
    return PlanItem(text=work, detail=_clean("；".join([work, *rest])))


def _with_units(cells: list[str], columns: list[str]) -> list[str]:
    """目标值｜单位 as 20｜户 → 20户｜(blank): a figure and its unit in columns of their own are one target."""
    joined = list(cells)
    for index in range(1, len(cells)):
        if _UNIT_COLUMN.fullmatch(columns[index]) and re.fullmatch(r"[\d,.]+", joined[index - 1]):
            joined[index - 1], joined[index] = joined[index - 1] + joined[index], ""
    return joined


def _whole(section: Section) -> PlanItem | None:
    """A numbered item with what stands under it, its marker dropped and its punctuation as written
    (时间：3月): it is matched by its body's words too (举办劳模工匠宣讲5场 under 坚持政治引领), and its
    target is often in the body. None for a heading that is only a placeholder."""
    lines = [section.heading, *(p for p in section.paragraphs if not is_closing_words(p))]
    parts = [_written(line) for line in lines]
    if not parts[0].strip(_END_MARKS):
        return None
    parts += [item.detail for child in section.children if (item := _whole(child))]
    detail = ""
    for part in filter(None, parts):  # lines that end unpunctuated are joined by "；"
        detail += ("" if not detail or detail.endswith(tuple(_END_MARKS)) else "；") + part
    detail = detail.strip(_END_MARKS)
    return PlanItem(text=_shown(detail), detail=detail) if _names_work(detail) else None


def _shown(detail: str) -> str:
    """A long item up to the last clause that fits in the table, its figures still read from the whole."""
    if len(detail) <= MAX_SHOWN_CHARS:
        return detail
    cut = max(detail.rfind(mark, 0, MAX_SHOWN_CHARS) for mark in "，,；;。")
    return detail[: cut if cut > 0 else MAX_SHOWN_CHARS] + "…"


def _plain_items(texts: list[str], min_chars: int = MIN_ITEM_CHARS) -> list[PlanItem]:
    """Items of a run or of sentences: neither a closing's words nor a date, nor a placeholder. An
    enumerated item (一是召开职代会) is one however short (`MIN_CELL_CHARS`); a loose sentence only from
    `MIN_ITEM_CHARS`."""
    cleaned = (_clean(text) for text in texts if not is_closing_words(text))
    return [
        PlanItem(text=item, detail=item) for item in cleaned if len(item) >= min_chars and _names_work(item)
    ]


def _names_work(item: str) -> bool:
    """召开职代会 names work; 其他, 等等, …… and the like stand for work not named (三是……), so they would
    only add an item 未提及 to the tally that nothing could report."""
    return len(_WORD_CHAR.findall(_STAND_INS.sub("", item))) >= MIN_WORK_CHARS


def _clean(item: str) -> str:
    return _written(item).strip(_END_MARKS)


def _written(line: str) -> str:
    """A line's words as written, its end mark kept, without its marker or placeholders; "" when a
    【待补充】 placeholder stands where its work should be (针对“……”的问题，【待补充：具体改进措施】), not
    when it only adds to it (建成职工书屋1个【待补充：地点】)."""
    words = without_marker(re.sub(r"\s+", "", line).lstrip(_END_MARKS))
    words = _ENUM_WORD.sub("", words).lstrip(_END_MARKS)
    bare = words.rstrip(_END_MARKS)
    start = bare.rfind("【")
    if PLACEHOLDER.fullmatch(bare[start:]) and (start == 0 or bare[start - 1] in _END_MARKS + "、"):
        return ""
    return PLACEHOLDER.sub("", words)
