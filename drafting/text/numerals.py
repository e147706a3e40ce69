"""Chinese numerals: enumeration (一、二、……十一) for headings and 一是/二是 lists, which are structure,
never facts; and the digit-by-digit way a year is written (二〇二五)."""

import re

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
