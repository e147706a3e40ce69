"""The values a sentence states (numbers with their units, dates, levels, titles), as written and as numbers.

Values are kept as written ("3.4万元", "17户", "300余人") so that a reviewer can find them in the excerpt,
and compared as (number, unit) so that "3.4万元" in a briefing and 34000 in a ledger are the same amount.
Numbers are read as people write them: 1,050, 1.2万, 一万二千, 十二万, 两千, 3百, 百分之九十五, ￥150,
"36 户" with a space. An approximate amount (300余人, 400多人, 20余万元, 约300人) is a value too, kept as
written, but never taken as exact: `amounts` leaves it out unless asked, so 300余人 and 320人 are no
disagreement and no ledger total is checked against it.
"""

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from drafting.checks.factguard import LEVEL, chinese_to_int
from drafting.text.numerals import ARABIC, CN_DIGITS, DIGIT_BY_DIGIT, RANGE, read_numeral
from drafting.text.script import to_simplified

# longer first: the first alternative that fits is taken (人次 before 人, 万元 before 元, 平方米 before 米)
MEASURES = (
    "人次|户次|万元|亿元|元|户|人|名|场次|场|课时|学时|次|项|个|件|篇|期|条|份|家|所|支|队|届|天|小时|%|％|"
    "台|本|册|批|处|位|组|班|张|套|辆|盒|箱|袋|桶|块|棵|株|间|座|节|首|幅|部|岁|"
    "平方米|平米|㎡|公里|千米|米|吨|公斤|千克|斤"
)
# counted by a lone 一 or 两 these say no number: 一块 (together), 一间 (a moment), 两套 (two ways)
_ONLY_WITH_A_NUMBER = frozenset("张 套 辆 盒 箱 袋 桶 块 棵 株 间 座 节 首 幅 部 岁".split())
_CN_ALL = CN_DIGITS + "十百千万亿"
# a numeral in digits, in Chinese or both (1,050 / 1.2万 / 一万二千 / 3百 / 1万2千 / 九十五点五), read by _numeral
_NUMERAL_REST = rf"(?:[{_CN_ALL}]|点(?=[{CN_DIGITS}])|(?<=[{_CN_ALL}])(?:{ARABIC}))*"
_RANGE_END = rf"(?:[\d.,]+|[{CN_DIGITS}十百千]+)[万千]?"  # 5.5, 1,000, 二百, 3千 in 5.5-8万元, 2—3千人
_AFTER_RANGE = rf"(?<![\d{_CN_ALL}]{RANGE})"  # not the 8户 of 5-8户, nor the 八户 of 五至八户
_NUMERAL = (
    rf"(?:(?<![\d.,第])(?<!第 ){_AFTER_RANGE}(?:{ARABIC})"
    rf"|(?<![\d.第几数{_CN_ALL}点]){_AFTER_RANGE}[{CN_DIGITS}十]){_NUMERAL_REST}"
)
_SPACE = "[ \u3000\u00a0]?"  # "36 户": a space some typists put between a number and its unit
# 约300人, 近300人, 超过300人: approximate (签约3家, 最近3个月 are not)
_ABOUT = r"大约|(?<![签预节特制公合条契邀践失守违履立相])约|将近|(?<![最接附临将])近|逾|超过|不足|不到"
_NUMBER = re.compile(
    rf"(?P<about>{_ABOUT})?(?:"
    rf"百分之(?P<percent>百|{_NUMERAL}|{ARABIC})"  # 百分之九十五 is 95%
    rf"|(?P<yuan>[￥¥]){_SPACE}(?P<price>{_NUMERAL})(?:元)?"  # ￥150 is 150 元
    rf"|(?P<num>{_NUMERAL})(?P<approx>余|多|来)?{_SPACE}(?P<unit>{MEASURES})(?P<around>左右)?"
    r")"
)
_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日")
_TITLE = re.compile(r"《[^》]{1,40}》")
_MULTIPLIER = {"千": Decimal(1_000), "万": Decimal(10_000), "亿": Decimal(100_000_000)}  # 1.2千人

# What is no figure although it has digits or numerals: list numbers ([2] and （1） mid-text too), ordinals,
# years (20xx年 in a template), months and days, durations (90周年, 3年), enumeration (一是), a day named
# by its date (3.8妇女节, “3.12”植树), the 十四五 plan, the 二十大
_NO_FIGURE = re.compile(
    r"[一二三四五六七八九十]{1,3}、|[（(\[［【]\s?(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s?[）)\]］】]?|\d{1,2}(?:、|[.．](?!\d))"
    rf"|[一二三四五六七八九十]+是|第\s?[\d{_CN_ALL}]+"
    r"|\d{4}\s?[-－—~～至到]\s?\d{4}\s?学?年度?|\d{2}[xX×ｘ]{2}\s?年|\d+\s?(?:周年|学?年度?)"
    rf"|[〇○零{_CN_ALL}]+(?:周年|学?年度?)"
    r"|\d{1,2}(?:\s?[-－—~～至到、]\s?\d{1,2})?\s?月份?|\d{1,2}\s?[日号]"
    r"|\d{1,2}[.．·]\d{1,2}(?=\s*[”\"」』]|[^，。；\d]{0,4}节)"
    r"|十[一二三四五]五|[一二三四五六七八九十]+大"
)
# a figure without one number: 十几人, 几十人, 数百人, 近百人, 百余人, 上千人, 数万元, 5-8户. A value as written (the
# sentence is a fact, its figure quoted as is), but no amount: nothing to compare or add up.
_VAGUE = re.compile(
    rf"(?<![\d.,\-－{_CN_ALL}])(?:十几|几[十百千万]|数[十百千万]|[近上成][百千万]|[百千万][余多]"
    rf"|{_RANGE_END}\s?{RANGE}\s?{_RANGE_END})(?:{MEASURES})"
)
_CN_FIGURE = re.compile(rf"百分之|[{CN_DIGITS}十][{_CN_ALL}]*[十百千万亿][{_CN_ALL}]*")


Bound = Literal["", "at_least", "below", "about"]


@dataclass(frozen=True)
class Amount:
    """A number with its unit, normalised: 万元 becomes 元, 户次 stays itself. An approximate amount
    (300余人, 约300人) is a lower bound or an estimate, never equal to an exact one."""

    number: Decimal
    unit: str
    approximate: bool = False
    # which way an approximate figure leans, as its words say: 300余人 and 超过300人 at least, 不足300人
    # below, 约300人 and 300来人 about; not part of what the amount is (300余人 equals 超过300人)
    bound: Bound = field(default="", compare=False)

    def written(self) -> str:
        return f"{'约' if self.approximate else ''}{plain_number(self.number)}{self.unit}"


def stated_values(text: str) -> list[str]:
    """Every value the text states, as written, in order, each once (in a 繁體 text too: 30餘萬元)."""
    found = [w for w in _found(_NUMBER, text) if amount_of(w) is not None] + vague_values(text)
    found += _found(_DATE, text) + _found(LEVEL, text) + _found(_TITLE, text)
    return list(dict.fromkeys(found))


def without_values(text: str) -> str:
    """The wording around the values: what a sentence is about, whatever it counted."""
    for pattern in (_NUMBER, _DATE):
        for start, end in reversed(_spans(pattern, text)):
            text = text[:start] + text[end:]
    return text


def wording(text: str) -> str:
    """What a sentence says around its figures, letters alone: two tellings of one work compare by it."""
    return re.sub(r"[\W\d_]+", "", without_values(text))


def _found(pattern: re.Pattern[str], text: str) -> list[str]:
    return [text[start:end] for start, end in _spans(pattern, text)]


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Where the pattern finds something: a 繁體 text is searched in simplified characters (萬元, 餘, 戶
    are 万元, 余, 户) when that changes no character's place, so that what is found is as written."""
    simplified = to_simplified(text)
    return [m.span() for m in pattern.finditer(simplified if len(simplified) == len(text) else text)]


def amounts(text: str, *, approximate: bool = False) -> list[Amount]:
    """The exact amounts the text states; with approximate=True the approximate ones (300余人) too."""
    found = [a for w in _found(_NUMBER, text) if (a := amount_of(w)) is not None]
    return found if approximate else [a for a in found if not a.approximate]


def vague_values(text: str) -> list[str]:
    """The figures without one number the text states, as written: 十几人, 数百人, 5-8户."""
    return _found(_VAGUE, text)


def states_a_figure(text: str) -> bool:
    """The text states a count, an amount or a share, exact or approximate, or has a number this module
    cannot read; dates, years, ordinals, list numbers and the like are no figure."""
    if amounts(text, approximate=True) or vague_values(text):
        return True
    rest = _NO_FIGURE.sub(" ", to_simplified(text))
    return bool(re.search(r"\d", rest) or _CN_FIGURE.search(rest))


def amount_of(written: str) -> Amount | None:
    """'3.4万元' → 34000 元; '2,000元' → 2000 元; '十七户' → 17 户; '一万二千元' → 12000 元; '百分之九十五'
    → 95 %; '￥150' → 150 元; '300余人' → 300 人, approximate; None for anything else."""
    match = _NUMBER.fullmatch(to_simplified(written.strip()))
    if not match:
        return None
    if (
        match.group("unit") in _ONLY_WITH_A_NUMBER
        and len(match.group("num")) == 1
        and match.group("num") in "一两"
    ):
        return None
    if match.group("percent"):
        raw, unit = match.group("percent"), "%"
        number = Decimal(100) if raw == "百" else read_numeral(raw)
    elif match.group("yuan"):
        number, unit = read_numeral(match.group("price")), "元"
    else:
        number, unit = read_numeral(match.group("num")), match.group("unit").replace("％", "%")
    if number is None:
        return None
    if unit in ("万元", "亿元"):
        number, unit = number * _MULTIPLIER[unit[0]], "元"
    about, approx = match.group("about") or "", match.group("approx") or ""
    approximate = bool(about or approx or match.group("around"))
    if approx in ("余", "多") or about in ("超过", "逾"):
        bound: Bound = "at_least"
    elif about in ("不足", "不到"):
        bound = "below"
    else:
        bound = "about" if approximate else ""
    return Amount(number.normalize(), unit, approximate, bound)


def cell_amount(value: object) -> Amount | None:
    """A ledger cell as an exact amount, as people type them: 2000 and '2,000' (no unit), '2,000元',
    '0.2万元' and '￥2,000.00' (2000 元), '12.5万' (125000, no unit), '38人', '96%', '六', '一万二千'; None
    if it is no number, or no exact one ('约200元', '300余人'). A number the spreadsheet stored as a float
    is the one it shows: 59.699999999999996 (a formula's cached 0.1 + …) is 59.7, as Excel, which keeps
    15 significant digits, displays it."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):  # "1e999" cached: Excel cannot hold it
        return None
    if isinstance(value, int):
        return Amount(Decimal(value), "")
    if isinstance(value, float):
        return Amount(Decimal(repr(float(f"{value:.15g}"))), "")
    text = re.sub(r"\s+", "", str(value))
    negative = text.startswith(("-", "－"))
    text = text.lstrip("-－")
    if text.startswith(("￥", "¥", "RMB")) and not text.endswith("元"):  # ￥1,500.00 is 1500 元
        text = text.lstrip("￥¥RMB") + "元"
    if plain := re.fullmatch(r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)([万亿])?", text):
        number = Decimal(plain.group(1).replace(",", "")) * _MULTIPLIER.get(plain.group(2), 1)
        amount: Amount | None = Amount(number, "")
    elif re.fullmatch("[〇零一二三四五六七八九]{2,}", text):  # 二〇二五, written digit by digit
        amount = Amount(Decimal(text.translate(DIGIT_BY_DIGIT)), "")
    elif (numeral := chinese_to_int(text)) is not None:
        amount = Amount(Decimal(numeral), "")
    elif re.fullmatch(f"[{_CN_ALL}点]+", text) and (number := read_numeral(text)) is not None:  # 一万二千
        amount = Amount(number.normalize(), "")
    else:
        amount = amount_of(text)
    if amount is None or amount.approximate:
        return None
    if not negative:
        return amount
    return Amount(-amount.number, amount.unit)


def yuan(total: Decimal) -> str:
    """34000 → '34000 元（3.4万元）': both ways a briefing may write it."""
    if abs(total) >= 10_000:
        return f"{plain_number(total)} 元（{plain_number(total / 10_000)}万元）"
    return f"{plain_number(total)} 元"


def plain_number(number: Decimal) -> str:
    """34000.00 → '34000', 3.40 → '3.4': as a person writes it."""
    text = format(number.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
