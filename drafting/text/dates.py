"""A date standing alone on a line, as the 成文日期 under a 落款 is written: 2026年1月10日, or in 汉字
二〇二六年一月十日 (二○二六 too, as many type it), January also as 元月. The fact guard passes such a line over (it is no claim),
and a re-import knows the 落款 by it."""

import re

DATE_LINE = re.compile(
    r"(\d{4}|[〇○零一二三四五六七八九]{4})年(元|[\d一二三四五六七八九十]{1,2})月[\d一二三四五六七八九十]{1,3}日"
)


def is_date_line(text: str) -> bool:
    """The whole line is a date (spaces an editor left inside it do not count)."""
    return DATE_LINE.fullmatch(compact_date(text)) is not None


def compact_date(text: str) -> str:
    """The date as Word gives it back and as it is compared: without the spaces an editor left in it."""
    return "".join(text.split())
