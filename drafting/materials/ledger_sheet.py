"""One ledger sheet (台账) read into computed facts: its header, its records, their count and column sums.

The figures go into a report as the user's own numbers, so a cell is never dropped or guessed in silence:
units are read as typed ("38人", "12.5万", "0.3万元", or 万元 in the header), a cell that is no number is
named in a note, and so is a row taken for an unlabelled total. Total rows are never read as figures: a
total may be stale, or a formula Excel never calculated.
"""

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from drafting.materials.model import Candidate, Computed, Skipped, Source
from drafting.materials.values import MEASURES, Amount, cell_amount, plain_number, yuan
from drafting.writing.themes import keyword_theme

_TOTAL = re.compile(r"^\s*(合\s*计|总\s*计|小\s*计|共\s*计|累\s*计|总\s*数)")
_AGGREGATE = re.compile(r"\b(SUM|SUBTOTAL|SUMIF|COUNTA?|AVERAGE)\(", re.I)  # a total row without a 合计 label
_RANGE = re.compile(r"\$?[A-Z]{1,3}\$?(\d+):\$?[A-Z]{1,3}\$?(\d+)", re.I)
# Columns whose sum means nothing: identifiers, ages, rates, prices per unit, averages, scores
_NOT_SUMMED = re.compile(
    r"序号|编号|工号|学号|电话|手机|身份证|卡号|账号|年龄|年份|邮编|代码|率|比例|占比|满意度|百分比|%|％|单价|价格|"
    r"标准|平均|均值|[人户次月日]均|排名|名次|得分|分数|评分|等级|级别"
)
_MONEY = re.compile(r"元|金|费|款|资金|补助|补贴|奖励")
_DATE_HEADER = re.compile(r"日期|时间")
_SHEET_UNIT = re.compile(r"^\s*[（(]?\s*单位[:：]\s*(万元|亿元|元)")
_UNIT_NOTE = re.compile(r"[（(]?\s*单位[:：]\s*(万元|亿元|元)\s*[）)]?")  # at the end of a title
_SIGNED = re.compile(
    r"(制表|填表|审核|审批|复核|负责人|经办|联系人|联系电话|说明|备注|注|单位|日期)\S{0,4}[:：]"
)
_TEXT_DATE = re.compile(r"(\d{4})\s*[年/.-]\s*(\d{1,2})\s*[月/.-]\s*(\d{1,2})\s*日?")
_PERSON = re.compile(r"姓名|户主|名单|名字|人员|(会员|职工|对象)$")
_HOUSEHOLDS = re.compile(r"慰问|送温暖|帮扶|困难")
_HEADER_UNITS = (
    ("人次", "人次"),
    ("户次", "户次"),
    ("户数", "户"),
    ("人数", "人"),
    ("场次", "场"),
    ("次数", "次"),
)
_BRACKET_UNIT = re.compile(rf"[（(]\s*(?:单位[:：]\s*)?({MEASURES})\s*[）)]")  # 物品（件）, 出勤（%）
_COUNT_WORDS = re.compile("数量|个数|件数|项数|名额")
# What a sheet's 单位：万元 is never the unit of: a column that counts or measures something other than money,
# by the last word of its header (家庭人口, 工龄, 面积, 课时数); 工龄补贴 and 人口补助 are money all the same
_MEASURED_WORDS = re.compile(
    r"(?:人口|年龄|工龄|会龄|党龄|岁|人数|户数|人次|户次|次数|场次|天数|日数|课时|学时|时长|小时|面积|亩|平方|"
    r"长度|里程|公里|重量|体重|身高|数量|件数|册数|个数|项数)(?:总?数)?$"
)
_TRAILING_BRACKETS = re.compile(r"(?:\s*[（(][^（()）]*[）)])+\s*$")  # 家庭人口（人）, 课时（节）
_MONEY_UNITS = {"亿元": Decimal(100_000_000), "万元": Decimal(10_000), "元": Decimal(1)}
# A copy's mark on a file name: 台账(1) (a second download), 台账 - 副本 (a copy in Windows)
_COPY_MARK = re.compile(r"\s*(?:[(（]\d{1,3}[)）]|[-－_]?\s*副本(?:\s*[(（]\d{1,3}[)）])?)$")
_UNNAMED_SHEET = re.compile(r"(sheet|工作表)\s*\d*", re.I)
_FORM_LINE = re.compile(r"[^：:（(]{1,8}[：:]\s*\S")  # 填报单位：第一中学工会
_ATTACHMENT = re.compile(r"(附件|附表|表)[\d一二三四五六七八九十]*")
_EXCEL_EPOCH = date(1899, 12, 30)
_SHOWN_CELLS = 5  # cells named in a note; the rest are counted


class Month(date):
    """A date whose cell shows no day (yyyy"年"m"月"): the day Excel holds is no fact."""


class Year(date):
    """A date whose cell shows its year only (yyyy"年")."""


@dataclass
class _Column:
    header: str
    letter: str
    money_unit: str  # 元, 万元 or 亿元 its bare numbers are in, from its header or the sheet's 单位; else ''
    numbers: int = 0
    total: Decimal = Decimal(0)
    units: Counter[str] = field(default_factory=Counter)
    not_numbers: list[str] = field(default_factory=list)  # "C4 “约38人”"
    dates: list[date] = field(default_factory=list)
    uncalculated: int = 0

    @property
    def scale(self) -> Decimal:
        """What a bare number in the column is worth in 元."""
        return _MONEY_UNITS.get(self.money_unit, Decimal(1))

    @property
    def money(self) -> bool:
        """A money unit for it (its header's or the sheet's) or 元 in a cell; else a money word (助学金,
        费用) unless it counts (补助人数)."""
        return bool(self.money_unit) or "元" in self.units or _money_words(self.header)

    def unit(self) -> str | None:
        """The one unit of the column's numbers ('' for none); None when its cells disagree."""
        units = {u for u in self.units if u} - ({"元"} if self.money else set())
        if len(units) > 1 or (self.money and units):
            return None
        if self.money:
            return "元"
        if units:
            return units.pop()
        return _header_unit(self.header)


@dataclass
class LedgerResult:
    facts: list[Candidate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    rows: int = 0


@dataclass
class _Records:
    """The data rows so far: where they are, and each column's sum since the last total row."""

    first: int = 0
    last: int = 0
    count: int = 0
    since_total: int = 0
    segment: dict[int, Decimal] = field(default_factory=dict)
    grand: dict[int, Decimal] = field(default_factory=dict)

    def add(self, number: int, sums: dict[int, Decimal]) -> None:
        self.first, self.last, self.count = self.first or number, number, self.count + 1
        self.since_total += 1
        for index, value in sums.items():
            self.segment[index] = self.segment.get(index, Decimal(0)) + value
            self.grand[index] = self.grand.get(index, Decimal(0)) + value

    def total_row(self) -> None:
        self.since_total, self.segment = 0, {}


def sheet_facts(name: str, title: str, rows: Iterable[tuple[list, list[str]]]) -> LedgerResult:
    """One pass over a sheet: find the header (two rows when it has merged cells), then count and sum
    the records below it."""
    result = LedgerResult()
    where = f"{name}!{title}"
    raw_header: list[str] | None = None
    sheet_unit = ""
    heading = ""  # the sheet's own title row above the table (2025年困难职工帮扶台账)
    columns: list[_Column] = []
    key = 0
    records = _Records()
    for number, (cells, formulas) in enumerate(rows, start=1):
        texts = [_cell_text(value) for value in cells]
        if raw_header is None:
            words = [t for t in texts if t]
            found = next((m for t in words if (m := _SHEET_UNIT.search(t))), None)
            if found := found or (_UNIT_NOTE.search(words[0]) if len(words) == 1 else None):
                sheet_unit = found.group(1)  # 单位：万元 above the table, often in its title row
            elif all(_FORM_LINE.match(t) for t in words):
                continue  # 填报单位：…  填报日期：…, between the title and the table
            elif sum(1 for t in words if cell_amount(t) is None) >= 2:
                raw_header = texts
                columns, key = _columns(_filled_header(texts), sheet_unit)
                continue
            heading = heading or _heading(words)
            continue
        if not any(texts) and not any(formulas):
            continue
        if not records.count and _sub_header(raw_header, texts):
            columns, key = _columns(_joined_header(raw_header, texts), sheet_unit)
            continue
        if _footer(texts, cells):
            continue  # 制表人：张三  审核：李四, 说明：…, 制表日期：(a date): the sheet's footer, no record
        if any(_TOTAL.match(t) for t in texts if t) or any(_sums_a_column(f) for f in formulas):
            records.total_row()  # its figure is recomputed from the cells, never trusted
            continue
        readings = [
            _reading(column, value, bool(formula))
            for column, value, formula in zip(columns, cells, formulas, strict=False)
        ]
        sums = {
            i: r.number
            for i, r in enumerate(readings)
            if isinstance(r, Amount) and not _NOT_SUMMED.search(columns[i].header)
        }
        worded = [
            i
            for i, t in enumerate(texts)
            if t and not isinstance(readings[i] if i < len(readings) else None, Amount)
        ]
        if not worded and _unlabelled_total(sums, records):
            records.total_row()
            result.skipped.append(Skipped(file=f"{where}!第{number}行", reason=_TOTAL_TAKEN))
            continue
        if not sums and len(worded) == 1 and worded[0] != key:
            continue  # one line of words and no figure: a note or a section title between the records
        records.add(number, sums)
        for column, reading in zip(columns, readings, strict=False):
            _count(column, reading, number)
    if raw_header is None or not records.count:
        result.skipped.append(Skipped(file=where, reason="没有找到表头和数据行，未生成台账数据。"))
        return result
    result.rows = records.count
    result.facts, notes = _computed_facts(name, title, heading, columns, key, records)
    result.skipped += [Skipped(file=where, reason=note) for note in notes]
    return result


_TOTAL_TAKEN = "这一行没有“合计”字样，但它的数等于上面各行之和，按合计行处理，没有计入。如果它是一条记录，请补上姓名等再提取。"


class _Uncalculated:
    """A formula cell with no cached value: the file was not last saved by Excel or WPS."""


UNCALCULATED = _Uncalculated()


def _reading(column: _Column, value: object, formula: bool) -> object:
    """A cell as the ledger reads it: None (empty), UNCALCULATED, a date, an Amount, or its text."""
    if formula and value is None:
        return UNCALCULATED
    if isinstance(value, datetime | date):
        return value.date() if isinstance(value, datetime) else value
    text = _cell_text(value)
    amount = cell_amount(value)
    if _DATE_HEADER.search(column.header):
        if (found := _TEXT_DATE.fullmatch(text)) and (day := _date(*map(int, found.groups()))):
            return day
        if amount is not None and not amount.unit and 20_000 <= amount.number <= 80_000:
            return _EXCEL_EPOCH + timedelta(days=int(amount.number))  # an Excel serial date
    if amount is None or amount.unit or re.search("[万亿]", text):  # 12.5万 says its own scale
        return amount or text or None
    return Amount(amount.number * column.scale, "")


def _count(column: _Column, reading: object, row: int) -> None:
    if reading is UNCALCULATED:
        column.uncalculated += 1
    elif isinstance(reading, date):
        column.dates.append(reading)
    elif isinstance(reading, Amount):
        column.numbers += 1
        column.total += reading.number
        column.units[reading.unit] += 1
    elif reading is not None:
        column.not_numbers.append(f"{column.letter}{row}“{str(reading)[:20]}”")


def _unlabelled_total(sums: dict[int, Decimal], records: _Records) -> bool:
    """A row of numbers only (no name, no words) whose every number is the sum of the rows above it,
    since the last total or in all: a total row nobody labelled. Over two records at least, or it may be
    a record itself."""
    if not sums:
        return False
    segment = records.since_total >= 2 and all(v == records.segment.get(i) for i, v in sums.items())
    grand = records.count >= 2 and all(v == records.grand.get(i) for i, v in sums.items())
    return segment or grand


def _footer(texts: list[str], cells: list) -> bool:
    """制表人：张三  审核：李四, 说明：…, 制表日期：(a date cell): words that sign the sheet, no record."""
    signed = [t for t in texts if t and _SIGNED.match(t)]
    others = [value for value, t in zip(cells, texts, strict=False) if t and not _SIGNED.match(t)]
    return bool(signed) and all(isinstance(value, datetime | date) for value in others)


def _sums_a_column(formula: str) -> bool:
    """=SUM(E3:E19) under the records is a total; =SUM(B2:C2) in each row is a record's own figure."""
    if not _AGGREGATE.search(formula):
        return False
    ranges = _RANGE.findall(formula)
    return not ranges or any(first != last for first, last in ranges)


def _columns(header: list[str], sheet_unit: str = "") -> tuple[list[_Column], int]:
    """The columns, and which one names a record: the person's or household's name, else the first.
    `sheet_unit` is the 单位：万元 written above the table, for money columns whose header names no unit."""
    columns = [_Column(h, _letter(i), _money_unit(h, sheet_unit)) for i, h in enumerate(header)]
    named = [
        i for i, h in enumerate(header) if h != _letter(i)
    ]  # a column the header left blank names nothing
    key = next((i for i in named if _PERSON.search(columns[i].header)), named[0] if named else 0)
    return columns, key


def _money_words(header: str) -> bool:
    """A money word (助学金, 费用) in a header that does not count something (补助人数)."""
    return bool(_MONEY.search(header)) and not _header_unit(header)


def _money_unit(header: str, sheet_unit: str) -> str:
    """The money unit a header names; else the sheet's 单位：万元, for every column it may sum (预算数, 实际支出,
    资助额, 物资价值, 一季度), but never for one that counts or measures something else: 参加人数, 数量（件）,
    执行率, or a header whose last word is a measure (家庭人口, 工龄). 工龄补贴 is money, 补助人数 is people."""
    if own := next((unit for unit in _MONEY_UNITS if unit in header), ""):
        return own
    counts = _header_unit(header) or _COUNT_WORDS.search(header) or _NOT_SUMMED.search(header)
    measured = _MEASURED_WORDS.search(_TRAILING_BRACKETS.sub("", header).strip())
    return "" if counts or measured else sheet_unit


def _header_unit(header: str) -> str:
    """The unit a header names for what it counts: 参加人数 → 人, 物品（件） → 件; '' for none."""
    if word := next((unit for word, unit in _HEADER_UNITS if word in header), ""):
        return word
    return found.group(1) if (found := _BRACKET_UNIT.search(header)) else ""


def _filled_header(texts: list[str]) -> list[str]:
    """A merged header cell is only in its first cell: the cells it covers take its name."""
    filled, previous = [], ""
    for i, text in enumerate(texts):
        filled.append(text or (f"{previous}（续）" if previous else _letter(i)))
        previous = text or previous
    return filled


def _sub_header(header: list[str], texts: list[str]) -> bool:
    """The second row of a two-row header (姓名, 部门 under a merged 慰问对象): no numbers, text under a
    cell the first row left empty, and nothing under a header cell that merges nothing (序号, merged
    down, is empty below). A record of words only (张三｜男｜工会) has text under such a cell."""
    if any(cell_amount(t) is not None for t in texts if t):
        return False
    width = len(header)
    merges = {i for i in range(width) if header[i] and i + 1 < width and not header[i + 1]}
    alone = {i for i in range(width) if header[i] and i not in merges}
    if any(t and i in alone for i, t in enumerate(texts)):
        return False
    return any(t and i < width and not header[i] for i, t in enumerate(texts))


def _joined_header(header: list[str], texts: list[str]) -> list[str]:
    """Each column named by both rows: 慰问对象姓名, 慰问对象部门; a cell merged down keeps its one name."""
    groups = [h.removesuffix("（续）") for h in _filled_header(header)]
    width = max(len(groups), len(texts))
    groups += [_letter(i) for i in range(len(groups), width)]
    below = texts + [""] * (width - len(texts))
    return [group + sub if sub else group for group, sub in zip(groups, below, strict=True)]


def _computed_facts(
    name: str, title: str, heading: str, columns: list[_Column], key: int, records: _Records
) -> tuple[list[Candidate], list[str]]:
    """The count of records and each summable column's sum, with notes on what was left out and why."""
    first, last, rows = records.first, records.last, records.count
    # named by the sheet's name; a sheet named just 台账, or left as Excel named it (Sheet1), by its title
    # row, else by the file: 慰问台账.xlsx → 慰问台账共17户, not 台账台账共17户 or Sheet1台账共17户
    # A CSV's one sheet is its file: 慰问台账(1).csv, as a browser saves a second download, is 慰问台账
    stem = Path(name).stem
    file_label = _without_kind(_COPY_MARK.sub("", stem))
    own = "" if _UNNAMED_SHEET.fullmatch(title) else file_label if title == stem else _without_kind(title)
    label = own or _without_kind(heading) or file_label or title
    named = label + title  # what the sheet is about, by either name
    theme = keyword_theme(named + "".join(c.header for c in columns)) or "other"
    counted = columns[key]
    unit = _record_unit(counted.header, named)
    dated = [c for c in columns if c.dates]
    dates = sorted(d for c in dated for d in c.dates)
    undated = [cell for c in dated for cell in c.not_numbers]
    # a period stated is a fact too: none when a date cell could not be read (2025年3月 is not a day)
    period = f"（{_day(dates[0])}至{_day(dates[-1])}）" if dates and not undated else ""
    count_formula = f"{title}!{counted.letter}{first}:{counted.letter}{last} 计数 = {rows} {unit or '条'}"
    text = f"{label}台账共{rows}{unit or '条记录'}{period}"
    facts = [_fact(name, text, [f"{rows}{unit or '条'}"], count_formula, theme)]
    notes = (
        [f"{'、'.join(undated[:_SHOWN_CELLS])}不是完整的日期，台账的起止日期没有写入要点。"]
        if undated
        else []
    )
    for column in columns:
        span = f"{column.letter}{first}:{column.letter}{last}"
        if _NOT_SUMMED.search(column.header) or column is counted and not column.numbers:
            continue
        if column.uncalculated and column.uncalculated >= column.numbers:
            notes.append(
                f"“{column.header}”列（{span}）有 {column.uncalculated} 格是没有缓存值的公式（文件最后不是由 Excel "
                "或 WPS 保存的），算不出合计。请在 Excel 或 WPS 中打开、保存后再提取。"
            )
            continue
        if "%" in column.units:
            continue
        if column.numbers < max(1, rows // 2):
            if column.numbers and column.not_numbers:  # figures among words: say why there is no sum
                notes.append(
                    f"“{column.header}”列只有 {column.numbers} 格是数字，其余如 {column.not_numbers[0]}不是，"
                    "没有求和。如需合计，请在台账中填成数字后再提取。"
                )
            continue
        unit_of_sum = column.unit()
        if unit_of_sum is None:
            notes.append(
                f"“{column.header}”列（{span}）的单位不一致（{'、'.join(u for u in column.units if u)}），"
                "没有求和。请统一单位后再提取。"
            )
            continue
        total = (
            yuan(column.total)
            if unit_of_sum == "元"
            else f"{plain_number(column.total)} {unit_of_sum}".strip()
        )
        formula = f"{title}!{span} 求和 = {total}" + _left_out(column)
        if column.not_numbers:
            shown = "、".join(column.not_numbers[:_SHOWN_CELLS])
            more = f"等 {len(column.not_numbers)} 格" if len(column.not_numbers) > _SHOWN_CELLS else ""
            notes.append(
                f"“{column.header}”列的 {shown}{more}不是数字，没有计入合计 {total}。请在台账中改正后再提取，"
                "或在要点中手工改正这个合计。"
            )
        what = re.sub(r"[（(].*?[）)]", "", column.header)
        value = f"{plain_number(column.total)}{unit_of_sum}"
        facts.append(_fact(name, f"{_joined(label, what)}合计{total}", [value], formula, theme))
    return facts, notes


def _left_out(column: _Column) -> str:
    """What the sum leaves out, in its formula, where the evidence table shows it."""
    parts = [f"{column.uncalculated} 格是没有缓存值的公式"] if column.uncalculated else []
    parts += [f"{len(column.not_numbers)} 格不是数字"] if column.not_numbers else []
    if not parts:
        return ""
    fix = "在 Excel 中重新计算" if column.uncalculated and not column.not_numbers else "在台账中改正"
    return f"（其中 {'，'.join(parts)}，未计入，请{fix}后核对）"


def _record_unit(header: str, named: str) -> str:
    """户 or 人 when a record is a household or a person; '' (条记录) when it is a month, a department…"""
    if "户" in header:
        return "户"
    if _PERSON.search(header):
        return "户" if _HOUSEHOLDS.search(named) else "人"
    return ""


def _heading(words: list[str]) -> str:
    """A title row: one cell of words (2025年困难职工帮扶资金发放台账（单位：万元）, its unit read apart),
    not 填报单位：… nor 附件2."""
    heading = re.sub(r"\s+", "", _UNIT_NOTE.sub("", words[0])) if len(words) == 1 else ""
    if not heading or cell_amount(heading) is not None or re.search(r"[:：]", heading):
        return ""
    if _ATTACHMENT.fullmatch(heading) or len(re.findall(r"[\u4e00-\u9fff]", heading)) < 4:
        return ""
    return heading


def _joined(label: str, header: str) -> str:
    """送温暖慰问 + 慰问金 → 送温暖慰问金: the words the two share are written once."""
    shared = next((n for n in range(min(len(label), len(header)), 1, -1) if label.endswith(header[:n])), 0)
    return label + header[shared:]


def _without_kind(title: str) -> str:
    return re.sub(r"(台账|明细|名单|统计表?|表)$", "", title)


def _fact(name: str, text: str, values: list[str], formula: str, theme: str) -> Candidate:
    location = formula.split(" ", 1)[0]
    return Candidate(
        text=text.replace(" ", ""),
        theme=theme,
        values=values,
        sources=[Source(file=name, location=location, excerpt=formula)],
        computed=Computed(formula=formula),
    )


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day(day: date) -> str:
    """As the cell shows it: 2025年1月 for a month (yyyy"年"m"月"), no made-up day."""
    if isinstance(day, Year):
        return f"{day.year}年"
    if isinstance(day, Month):
        return f"{day.year}年{day.month}月"
    return f"{day.year}年{day.month}月{day.day}日"


def _cell_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
