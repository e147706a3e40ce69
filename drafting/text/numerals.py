"""Chinese numerals: enumeration (一、二、……十一) for headings and 一是/二是 lists, which are structure,
never facts; the digit-by-digit way a year is written (二〇二五); and numbers as people write them in
figures, words or both (1.2万, 一万二千, 3百), read the same wherever a number is compared."""

import re
from decimal import Decimal, InvalidOperation

_CN = "一二三四五六七八九十"


def chinese_numeral(n: int) -> str:
    """1 → 一, 12 → 十二, 35 → 三十五; beyond 99 the digits."""
    if n <= 10:
        return _CN[n - 1]
    if n >= 100:
        return str(n)
    return ("" if n < 20 else _CN[n // 10 - 1]) + "十" + (_CN[n % 10 - 1] if n % 10 else "")


# 二〇二五 written digit by digit, as a year often is
DIGIT_BY_DIGIT = str.maketrans("〇○零一二三四五六七八九", "000123456789")  # ○ (a circle) as many type 〇
_YEAR_IN_WORDS = re.compile(r"[〇○零一二三四五六七八九]{4}(?=\s*年)")


def years_in_digits(text: str) -> str:
    """Each year written digit by digit (二〇二五年, 二○二五年) in Arabic numerals (2025年)."""
    return _YEAR_IN_WORDS.sub(lambda m: m.group().translate(DIGIT_BY_DIGIT), text)


CN_DIGITS = "零〇一二两三四五六七八九"
RANGE = "[-－—–~～至到]"  # between two numbers, a range (5-8户, 五至八户, 250户至300户): no one figure
ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SMALL_UNITS = {"十": Decimal(10), "百": Decimal(100), "千": Decimal(1_000)}
_WAN, _YI = Decimal(10_000), Decimal(100_000_000)
_NUMERAL_TOKEN = re.compile(rf"{ARABIC}|点[{CN_DIGITS}]+|[{CN_DIGITS}]|[十百千]|[万亿]")
_CN_DIGIT_VALUE = dict(zip(CN_DIGITS, (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))


def read_numeral(text: str) -> Decimal | None:
    """'1,050' → 1050, '1.2万' → 12000, '一万二千' → 12000, '十二万' → 120000, '两千' → 2000, '3百' → 300,
    '一百零五' → 105, '一万二' → 12000, '九十五点五' → 95.5; None when it is no one number (三五)."""
    tokens = _NUMERAL_TOKEN.findall(text)
    if "".join(tokens) != text or not tokens:
        return None
    try:
        if len(tokens) == 1 and tokens[0][0].isdigit():
            return Decimal(tokens[0].replace(",", ""))
        total = section = Decimal(0)
        digit: Decimal | None = None
        previous = ""  # the token before: a unit's name, or "" after a digit
        last_small = Decimal(10_000)
        for token in tokens:
            if token[0].isdigit() or token in _CN_DIGIT_VALUE:
                value = (
                    Decimal(token.replace(",", "")) if token[0].isdigit() else Decimal(_CN_DIGIT_VALUE[token])
                )
                if digit is not None and digit != 0:  # 三五: two digits in a row
                    return None
                digit, previous = value, ""
            elif token.startswith("点"):
                fraction = Decimal("0." + token[1:].translate(DIGIT_BY_DIGIT).replace("两", "2"))
                digit, previous = (digit or Decimal(0)) + fraction, "点"
            elif token in _SMALL_UNITS:
                unit = _SMALL_UNITS[token]
                if unit >= last_small or (digit is None and token != "十"):
                    return None
                section += (digit if digit is not None else Decimal(1)) * unit
                digit, previous, last_small = None, token, unit
            else:  # 万, 亿
                part = section + (digit or 0)
                if token == "亿" and part == 0 and total:  # 一万亿
                    total *= _YI
                elif part == 0:
                    return None
                elif token == "亿":
                    total = (total + part) * _YI
                else:
                    total += part * _WAN
                section, digit, previous, last_small = Decimal(0), None, token, Decimal(10_000)
        if digit is not None and previous == "" and len(tokens) > 1 and tokens[-2] in "百千万亿":
            digit *= {"百": 10, "千": 100, "万": 1_000, "亿": 10_000_000}[tokens[-2]]  # 一万二 is 12000
        return total + section + (digit or 0)
    except InvalidOperation:
        return None
