"""The values a sentence states (numbers with their units, dates, levels, titles), as written and as numbers.

Values are kept as written ("3.4万元", "17户") so that a reviewer can find them in the excerpt, and
compared as (number, unit) so that "3.4万元" in a briefing and 34000 in a ledger are the same amount.
"""

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from drafting.checks.factguard import CN_NUMBER as _CN  # the fact guard's reading of levels and numerals
from drafting.checks.factguard import LEVEL, chinese_to_int
from drafting.text.numerals import DIGIT_BY_DIGIT

COUNT_UNITS = ("人次", "户次", "户", "人", "名")
MEASURES = "人次|户次|万元|亿元|元|户|人|名|场|次|项|个|件|篇|期|条|份|家|所|支|队|届|天|小时|%|％|台|本|册|批|处|位|组|班"
_NUMBER = re.compile(
    rf"(?P<num>(?<![\d.,第])\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|(?<![\d.,第])\d+(?:\.\d+)?|(?<![\d.第])[{_CN}]{{2,}}|(?<![{_CN}\d.第])[{_CN}])"
    rf"(?P<mult>[万亿千])?(?P<unit>{MEASURES})"
)
_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日")
_TITLE = re.compile(r"《[^》]{1,40}》")
_MULTIPLIER = {"千": Decimal(1_000), "万": Decimal(10_000), "亿": Decimal(100_000_000)}  # 1.2千人


@dataclass(frozen=True)
class Amount:
    """A number with its unit, normalised: 万元 becomes 元, 户次 stays itself."""

    number: Decimal
    unit: str

    def written(self) -> str:
        return f"{plain_number(self.number)}{self.unit}"


def stated_values(text: str) -> list[str]:
    """Every value the text states, as written, in order, each once."""
    found = [m.group(0) for m in _NUMBER.finditer(text) if amount_of(m.group(0)) is not None]
    found += _DATE.findall(text) + LEVEL.findall(text) + _TITLE.findall(text)
    return list(dict.fromkeys(found))


def without_values(text: str) -> str:
    """The wording around the values: what a sentence is about, whatever it counted."""
    return _DATE.sub("", _NUMBER.sub("", text))


def amounts(text: str) -> list[Amount]:
    return [a for m in _NUMBER.finditer(text) if (a := amount_of(m.group(0))) is not None]


def amount_of(written: str) -> Amount | None:
    """'3.4万元' → 34000 元; '2,000元' → 2000 元; '十七户' → 17 户; None for anything else."""
    match = _NUMBER.fullmatch(written.strip())
    if not match:
        return None
    raw = match.group("num").replace(",", "")
    try:
        number = Decimal(raw) if raw[0].isdigit() else Decimal(chinese_to_int(raw) or "NaN")
    except InvalidOperation:
        return None
    if number.is_nan():
        return None
    unit = match.group("unit").replace("％", "%")
    if unit in ("万元", "亿元"):
        number, unit = number * _MULTIPLIER[unit[0]], "元"
    if match.group("mult"):
        number *= _MULTIPLIER[match.group("mult")]
    return Amount(number.normalize(), unit)


def cell_amount(value: object) -> Amount | None:
    """A ledger cell as an exact amount, as people type them: 2000 and '2,000' (no unit), '2,000元',
    '0.2万元' and '￥2,000.00' (2000 元), '12.5万' (125000, no unit), '38人', '96%', '六'; None if it is no
    number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):  # "1e999" cached: Excel cannot hold it
        return None
    if isinstance(value, int | float):
        return Amount(Decimal(str(value)), "")
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
    else:
        amount = amount_of(text)
    if amount is None or not negative:
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
