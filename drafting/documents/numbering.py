"""Word automatic numbering (numbering.xml) rendered as the text a reader sees: 一、 （一） 1. （1） ①.

Most Word reports number their headings automatically, so the numbers are not in the paragraph
text; without them the parser cannot see the section structure. Counters follow Word: they belong
to the abstract definition (several w:num instances of one abstractNum continue one sequence), a
level restarts when a higher level advances (w:lvlRestart), and a w:num's w:startOverride restarts
its level the first time that instance is used.

Numbering definitions come from the uploaded file, so rendering is bounded: Word's nine levels
(0-8) only, 32-bit counters, and a label of at most MAX_LABEL_CHARS characters however its level
text repeats the counters; a 6 KB file once rendered gigabytes of labels here.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "〇一二三四五六七八九"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PAREN_DIGITS = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
_FULLSTOP_DIGITS = "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
MAX_LABEL_CHARS = 50  # real labels are "一、" or "第十二章"; the cap only stops hostile level text
LEVELS = range(9)  # w:ilvl 0-8, as in Word
_MAX_COUNTER = 2**31 - 1  # ST_DecimalNumber is a 32-bit integer
_PLACEHOLDER = re.compile("%([1-9])")


def val(element: etree._Element | None, default: str | None = None) -> str | None:
    """The w:val attribute of a WordprocessingML element."""
    return default if element is None else element.get(f"{W}val", default)


@dataclass(frozen=True)
class Level:
    start: int = 0
    number_format: str = "decimal"
    text: str = "%1."
    restart_after: int | None = None  # w:lvlRestart (1-based level); None = any higher level, 0 = never
    legal: bool = False  # w:isLgl: show every level's counter as decimal
    suffix: str = "tab"
    style: str | None = None  # w:pStyle: the paragraph style this level belongs to


@dataclass
class _Instance:
    abstract_id: str
    overrides: dict[int, Level] = field(default_factory=dict)
    start_overrides: dict[int, int] = field(default_factory=dict)


class Numbering:
    """The numbering definitions of one document and the running counters while reading it."""

    def __init__(self, root: etree._Element | None, style_numbering: Callable[[str], str | None]) -> None:
        self._abstract: dict[str, dict[int, Level]] = {}
        self._links: dict[str, str] = {}  # abstractNum id -> numbering style it takes its levels from
        self._instances: dict[str, _Instance] = {}
        self._style_numbering = style_numbering
        self._counters: dict[str, dict[int, int]] = {}
        self._used_levels: set[tuple[str, int]] = set()
        self._resolved: dict[str, tuple[str, dict[int, Level]] | None] = {}  # num_id -> its levels, once
        if root is not None:
            self._load(root)

    def _load(self, root: etree._Element) -> None:
        for abstract in root.iter(f"{W}abstractNum"):
            abstract_id = abstract.get(f"{W}abstractNumId", "")
            levels = ((_ilvl(lvl), lvl) for lvl in abstract.findall(f"{W}lvl"))
            self._abstract[abstract_id] = {ilvl: _level(lvl) for ilvl, lvl in levels if ilvl is not None}
            link = val(abstract.find(f"{W}numStyleLink"))
            if link:
                self._links[abstract_id] = link
        for num in root.iter(f"{W}num"):
            instance = _Instance(abstract_id=val(num.find(f"{W}abstractNumId"), "") or "")
            for override in num.findall(f"{W}lvlOverride"):
                ilvl = _ilvl(override)
                if ilvl is None:
                    continue
                if (level := override.find(f"{W}lvl")) is not None:
                    instance.overrides[ilvl] = _level(level)
                if (start := _int(val(override.find(f"{W}startOverride")))) is not None:
                    instance.start_overrides[ilvl] = start
            self._instances[num.get(f"{W}numId", "")] = instance

    def level_of_style(self, num_id: str, style_id: str) -> int | None:
        """The level whose w:pStyle names this style, for a style that gives a numId but no ilvl."""
        levels = self._levels(self._resolve(num_id))
        return next((ilvl for ilvl, level in levels.items() if level.style == style_id), None)

    def label(self, num_id: str, ilvl: int, shown: bool = True) -> str:
        """Advance the counter of (num_id, ilvl) and return the number text, e.g. '（二）'; '' for bullets.

        `shown=False` only advances (an empty numbered paragraph still counts, as in Word, but has no
        text to carry a label: a file of millions of them then costs no rendering)."""
        if num_id not in self._resolved:
            abstract = self._resolve(num_id)
            self._resolved[num_id] = (
                None
                if abstract is None
                else (abstract, {**self._levels(abstract), **self._instances[num_id].overrides})
            )
        resolved = self._resolved[num_id]
        if resolved is None or ilvl not in resolved[1]:
            return ""
        abstract_id, levels = resolved
        instance = self._instances[num_id]
        counters = self._counters.setdefault(abstract_id, {})
        if (num_id, ilvl) not in self._used_levels:
            self._used_levels.add((num_id, ilvl))
            if ilvl in instance.start_overrides:
                counters[ilvl] = instance.start_overrides[ilvl] - 1
        level = levels[ilvl]
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else level.start
        for deeper in [d for d in counters if d > ilvl] if len(counters) > 1 else ():
            restart_after = levels[deeper].restart_after if deeper in levels else None
            if restart_after is None or (restart_after != 0 and ilvl <= restart_after - 1):
                del counters[deeper]
        if not shown or level.number_format in ("bullet", "none"):
            return ""

        def placeholder_value(placeholder: re.Match[str]) -> str:
            shown_ilvl = int(placeholder.group(1)) - 1
            shown_level = levels.get(shown_ilvl, Level())
            value = counters.get(shown_ilvl, shown_level.start)
            return format_number(value, "decimal" if level.legal else shown_level.number_format)

        text = _PLACEHOLDER.sub(placeholder_value, level.text)[:MAX_LABEL_CHARS]
        if level.suffix != "nothing" and text and text[-1].isascii():
            text += " "  # "1. 加强" reads as a heading; "1.加强" would not after a year ("1.2023年")
        return text

    def _resolve(self, num_id: str, hops: int = 0) -> str | None:
        """The abstractNum holding the levels of num_id, following numStyleLink through styles."""
        instance = self._instances.get(num_id)
        if instance is None or instance.abstract_id not in self._abstract:
            return None
        link = self._links.get(instance.abstract_id)
        if link and hops < 5 and (linked_num := self._style_numbering(link)) and linked_num != num_id:
            return self._resolve(linked_num, hops + 1) or instance.abstract_id
        return instance.abstract_id

    def _levels(self, abstract_id: str | None) -> dict[int, Level]:
        return self._abstract.get(abstract_id or "", {})


def format_number(value: int, number_format: str) -> str:
    """A counter in one of Word's w:numFmt styles; unknown styles fall back to decimal as Word does."""
    formatter = _FORMATS.get(number_format)
    return formatter(value) if formatter else str(value)


def _chinese_counting(value: int) -> str:
    """一 … 十 十一 … 二十 … 九十九 一百 一百零一 …, as Word writes chineseCounting."""
    if value <= 0:
        return _DIGITS[0]
    if value >= 10000:
        return _ideograph_digital(value)
    parts: list[str] = []
    pending_zero = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, value = divmod(value, unit_value)
        if digit:
            if pending_zero:
                parts.append("零")
                pending_zero = False
            parts.append(("" if unit == "十" and digit == 1 and not parts else _DIGITS[digit]) + unit)
        elif parts:
            pending_zero = True
    return "".join(parts)


def _ideograph_digital(value: int) -> str:
    return "".join(_DIGITS[int(d)] for d in str(max(value, 0)))


def _legal(value: int) -> str:
    return "".join(_LEGAL_DIGITS[int(d)] for d in str(max(value, 0)))


def _cycle(symbols: str) -> Callable[[int], str]:
    return lambda value: symbols[(value - 1) % len(symbols)] if value > 0 else str(value)


def _enclosed(symbols: str) -> Callable[[int], str]:
    return lambda value: symbols[value - 1] if 1 <= value <= len(symbols) else str(value)


def _letters(upper: bool) -> Callable[[int], str]:
    def letter(value: int) -> str:
        if value <= 0:
            return str(value)
        char = chr(ord("A" if upper else "a") + (value - 1) % 26)
        return char * min((value - 1) // 26 + 1, MAX_LABEL_CHARS)  # aa, bbb …: 10^12 would be 38 G letters

    return letter


def _roman(upper: bool) -> Callable[[int], str]:
    numerals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L")]
    numerals += [(40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]

    def roman(value: int) -> str:
        if not 0 < value < 4000:
            return str(value)
        out = ""
        for amount, symbol in numerals:
            count, value = divmod(value, amount)
            out += symbol * count
        return out if upper else out.lower()

    return roman


_FORMATS: dict[str, Callable[[int], str]] = {
    "none": lambda value: "",
    "decimal": str,
    "decimalZero": lambda value: f"{value:02d}",
    "decimalFullWidth": lambda value: str(value).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    ),
    "decimalFullWidth2": lambda value: str(value).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    ),
    "decimalHalfWidth": str,
    "decimalEnclosedCircle": _enclosed(_CIRCLED),
    "decimalEnclosedCircleChinese": _enclosed(_CIRCLED),
    "decimalEnclosedParen": _enclosed(_PAREN_DIGITS),
    "decimalEnclosedFullstop": _enclosed(_FULLSTOP_DIGITS),
    "chineseCounting": _chinese_counting,
    "chineseCountingThousand": _chinese_counting,
    "japaneseCounting": _chinese_counting,
    "taiwaneseCounting": _chinese_counting,
    "taiwaneseCountingThousand": _chinese_counting,
    "ideographDigital": _ideograph_digital,
    "taiwaneseDigital": _ideograph_digital,
    "japaneseDigitalTenThousand": _ideograph_digital,
    "chineseLegalSimplified": _legal,
    "ideographTraditional": _cycle(_HEAVENLY_STEMS),
    "ideographZodiac": _cycle(_EARTHLY_BRANCHES),
    "upperLetter": _letters(upper=True),
    "lowerLetter": _letters(upper=False),
    "upperRoman": _roman(upper=True),
    "lowerRoman": _roman(upper=False),
}


def _level(lvl: etree._Element) -> Level:
    restart = lvl.find(f"{W}lvlRestart")
    legal = lvl.find(f"{W}isLgl")
    return Level(
        start=_int(val(lvl.find(f"{W}start"))) or 0,
        number_format=val(lvl.find(f"{W}numFmt"), "decimal") or "decimal",
        text=(val(lvl.find(f"{W}lvlText"), "") or "")[:MAX_LABEL_CHARS],
        restart_after=_int(val(restart)) if restart is not None else None,
        legal=legal is not None and val(legal, "1") not in ("0", "false", "off"),
        suffix=val(lvl.find(f"{W}suff"), "tab") or "tab",
        style=val(lvl.find(f"{W}pStyle")),
    )


def _ilvl(element: etree._Element) -> int | None:
    """The element's w:ilvl (0 when absent), or None when it names no level Word has."""
    return level_number(element.get(f"{W}ilvl", "0"))


def level_number(text: str | None) -> int | None:
    """A w:ilvl value as Word accepts it (0-8), else None."""
    number = _int(text)
    return number if number in LEVELS else None


def _int(text: str | None) -> int | None:
    """A 32-bit integer attribute; None when absent, malformed or out of range (int() of 5,000 digits raises)."""
    try:
        number = int(text) if text is not None and len(text) <= 11 else None
    except ValueError:
        return None
    return number if number is not None and abs(number) <= _MAX_COUNTER else None
