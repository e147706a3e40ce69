"""Mechanical proofreading: the errors a government-office proofreader (办公室校对) marks first.

A checker that cries wolf gets switched off, so every rule fires only where the error is unambiguous,
and offers an exact `fix` only where the replacement is mechanical (elsewhere a Chinese hint).
Standards followed: GB/T 15834—2011《标点符号用法》, GB/T 15835—2011《出版物上数字用法》 and the
层次序数 一、（一）1.（1） of GB/T 9704—2012; word norms live in `drafting/data/norms.yaml`.

Decisions worth knowing:
- "1." and "1．" at line start are numbering, never a half-width full stop; "1、" is accepted too, but
  siblings must not mix the two (numbering-mixed).
- Spaces are flagged only between Chinese characters or Chinese punctuation; a line whose every
  character is spaced out (“通  知”, a letter-spaced title) is deliberate layout and left alone.
- Numbers (GB/T 15835): a digit with 十/百/千 as unit (3千 → 3000; 万/亿 are allowed), digit/汉字
  mixes (十5), hyphen ranges (3-5人 → 3～5人), 顿号 between approximate numbers (三、五天 → 三五天),
  full-width commas as thousands separators, the zero of a year in 汉字 (二○二五年 → 二〇二五年), and
  a date mixing the two forms (二〇二五年6月).
- Numbering: 一、（一）1.（1）① by level; a list restarts at 1 anywhere, any other number must follow
  on (the count of a level restarts under each new higher-level heading); "一是……二是……" counts restart
  at every heading. A repeated clause is flagged at 8 Chinese characters inside one paragraph, at 12
  across the paragraphs of a section.
"""

import re
import time
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel

from drafting.resources import load_data

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
_CN_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】〔〕…—～·「」『』"
_HAN_RE = re.compile(f"[{_HAN}]")
_CN_DIGITS = "一二三四五六七八九十"
_SPACES = " \t\u3000\xa0"


class ProofFinding(BaseModel):
    """One marked error. `excerpt` is exactly text[start:end] (offsets into the whole input, `line`
    1-based); `fix` replaces that span when the correction is mechanical, else None and `suggestion`
    is a Chinese hint; `explanation` says why, in Chinese."""

    rule: str
    excerpt: str
    suggestion: str
    line: int
    start: int
    end: int
    explanation: str
    fix: str | None = None


def _han(ch: str) -> bool:
    return bool(ch) and _HAN_RE.match(ch) is not None


def _cjk(ch: str) -> bool:
    """A Chinese character or Chinese punctuation mark: what makes a neighbouring mark 'Chinese text'."""
    return bool(ch) and (ch in _CN_PUNCT or _HAN_RE.match(ch) is not None)


def _cn_number(numeral: str) -> int:
    """一 → 1, 十二 → 12, 二十三 → 23 (numbering up to 99)."""
    if "十" not in numeral:
        return _CN_DIGITS.index(numeral) + 1 if len(numeral) == 1 else 0
    tens, _, ones = numeral.partition("十")
    return (_CN_DIGITS.index(tens) + 1 if tens else 1) * 10 + (_CN_DIGITS.index(ones) + 1 if ones else 0)


def _cn_numeral(n: int) -> str:
    if n <= 10:
        return _CN_DIGITS[n - 1]
    return ("" if n < 20 else _CN_DIGITS[n // 10 - 1]) + "十" + (_CN_DIGITS[n % 10 - 1] if n % 10 else "")


# URLs, e-mail addresses and inline code keep their ASCII punctuation.
_PROTECTED = re.compile(
    r"https?://[^\s，。；）》]+|www\.[^\s，。；）》]+|`[^`\n]*`"
    # an address starts where its run of name characters does: from inside the run, "1.1.1…" is quadratic
    r"|(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]++@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)
_BOOK_TITLE = re.compile(r"《[^《》\n]*》")


class _Doc:
    """The text with its line offsets and the spans some rules must not touch."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self.protected = self._mask(_PROTECTED)
        self.in_title = self._mask(_BOOK_TITLE)
        self._first_han: dict[
            int, int | None
        ] = {}  # by line start: rules ask per mark, the line is read once
        self._number_prefix: dict[int, int | None] = {}

    def _mask(self, pattern: re.Pattern[str]) -> bytearray:
        mask = bytearray(len(self.text))
        for m in pattern.finditer(self.text):
            mask[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        return mask

    def lines(self) -> Iterator[tuple[int, str]]:
        ends = [*self.line_starts[1:], len(self.text) + 1]
        for start, end in zip(self.line_starts, ends, strict=True):
            yield start, self.text[start : end - 1]

    def line_start(self, pos: int) -> int:
        return self.line_starts[bisect_right(self.line_starts, pos) - 1]

    def first_han(self, pos: int) -> int | None:
        """Where the first Chinese character of pos's line is, or None when the line has none."""
        start = self.line_start(pos)
        if start not in self._first_han:
            end = self.text.find("\n", start)
            found = _HAN_RE.search(self.text, start, end if end >= 0 else len(self.text))
            self._first_han[start] = found.start() if found else None
        return self._first_han[start]

    def han_before(self, pos: int) -> bool:
        """Whether pos's line has a Chinese character before pos."""
        first = self.first_han(pos)
        return first is not None and first < pos

    def after_number_prefix(self, pos: int) -> bool:
        """Whether pos directly follows the line's leading "1" / "一" / "## 1" (numbering, not a number)."""
        start = self.line_start(pos)
        if start not in self._number_prefix:
            found = _NUMBER_PREFIX.match(self.text, start)
            self._number_prefix[start] = found.end() if found else None
        return self._number_prefix[start] == pos

    def at(self, pos: int) -> str:
        return self.text[pos] if 0 <= pos < len(self.text) else ""

    def finding(
        self,
        rule: str,
        start: int,
        end: int,
        explanation: str,
        fix: str | None,
        suggestion: str | None = None,
    ) -> ProofFinding:
        return ProofFinding(
            rule=rule,
            excerpt=self.text[start:end],
            suggestion=suggestion if suggestion is not None else (fix or ""),
            line=bisect_right(self.line_starts, start),
            start=start,
            end=end,
            explanation=explanation,
            fix=fix,
        )


Rule = Callable[[_Doc], Iterator[ProofFinding]]

# ---------------------------------------------------------------- punctuation

_HALF_TO_FULL = {",": "，", ".": "。", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_HALF_MARK = re.compile(r"[,.:;?!]")
# "1." / "一." at line start: numbering, judged by the numbering rules, not as a full stop
_NUMBER_PREFIX = re.compile(
    r"[ \t\u3000]*(?:#{1,6}[ \t]+)?(?:\*\*)?(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})"
)


def _halfwidth(doc: _Doc) -> Iterator[ProofFinding]:
    """, . : ; ? ! ( ) written half-width inside Chinese text (not in numbers, URLs or English)."""
    text = doc.text
    for m in _HALF_MARK.finditer(text):
        i, mark = m.start(), m.group()
        prev, nxt = doc.at(i - 1), doc.at(i + 1)
        if doc.protected[i] or (mark == "!" and nxt == "["):
            continue
        if mark == "." and ("." in (prev, nxt) or (nxt.isascii() and nxt.isalpha())):
            continue  # an ellipsis (see _ellipsis), or a file name such as 总结.docx
        if mark in ",.:" and prev.isascii() and prev.isdigit() and nxt.isascii() and nxt.isdigit():
            continue
        if doc.after_number_prefix(i):
            continue
        left = _visible_before(doc, i)
        right_at = _visible_after(doc, i + 1)
        right = doc.at(right_at) if right_at is not None else ""
        at_line_end = right_at is None and doc.han_before(i)
        if _cjk(left) or _cjk(right) or (at_line_end and not (left.isascii() and left.isalpha())):
            # spaces around the mark go with it: "会 , 我们" → "会，我们"
            start = i
            while _cjk(left) and text[start - 1] in _SPACES:
                start -= 1
            end = right_at if right_at is not None and _cjk(right) else i + 1
            yield _halfwidth_finding(doc, start, end, mark)
    yield from _halfwidth_parens(doc)


def _halfwidth_finding(doc: _Doc, start: int, end: int, mark: str) -> ProofFinding:
    full = _HALF_TO_FULL[mark]
    return doc.finding(
        "halfwidth-punctuation", start, end, f"中文行文应使用全角标点“{full}”，不用半角“{mark}”。", full
    )


def _visible_before(doc: _Doc, pos: int) -> str:
    """The nearest non-space character left of pos on the same line."""
    i = pos - 1
    while i >= 0 and doc.text[i] in _SPACES:
        i -= 1
    return "" if i < 0 or doc.text[i] == "\n" else doc.text[i]


def _visible_after(doc: _Doc, pos: int) -> int | None:
    """Position of the nearest non-space character from pos on the same line (None at line end)."""
    i = pos
    while i < len(doc.text) and doc.text[i] in _SPACES:
        i += 1
    return None if i >= len(doc.text) or doc.text[i] in "\r\n" else i


def _next_visible(doc: _Doc, pos: int) -> str:
    at = _visible_after(doc, pos)
    return "" if at is None else doc.text[at]


_ROUND_BRACKET = re.compile("[()（）]")


def _halfwidth_parens(doc: _Doc) -> Iterator[ProofFinding]:
    """Half-width ( ) paired per line with either width; a pair is Chinese if its content or a neighbour is."""
    for base, line in doc.lines():
        if "(" not in line and ")" not in line:
            continue
        stack: list[int] = []
        pairs: list[tuple[int, int]] = []
        lone: list[int] = []
        # Chinese-bearing stretches between brackets, counted up to each bracket: a pair holds Chinese when
        # the count grows between its two ends (searching inside each of 50,000 nested pairs is quadratic)
        han_stretches: dict[int, int] = {}
        stretches = previous = 0
        for bracket in _ROUND_BRACKET.finditer(line):
            k, ch = bracket.start(), bracket.group()
            stretches += _HAN_RE.search(line, previous, k) is not None
            han_stretches[k], previous = stretches, k + 1
            if ch in "(（":
                stack.append(k)
            elif stack:
                pairs.append((stack.pop(), k))
            else:
                lone.append(k)
        lone += stack
        for open_k, close_k in pairs:
            if line[open_k] == "（" and line[close_k] == "）":
                continue
            chinese = (
                han_stretches[close_k] > han_stretches[open_k]
                or _cjk(_visible_before(doc, base + open_k))
                or _cjk(_next_visible(doc, base + close_k + 1))
            )
            if chinese and line[open_k - 1 : open_k] != "]":
                for k in (open_k, close_k):
                    if line[k] in "()" and not doc.protected[base + k]:
                        yield _halfwidth_finding(doc, base + k, base + k + 1, line[k])
        for k in lone:
            if line[k] in "()" and not doc.protected[base + k]:
                neighbours = (_visible_before(doc, base + k), _next_visible(doc, base + k + 1))
                if any(_cjk(ch) for ch in neighbours):
                    yield _halfwidth_finding(doc, base + k, base + k + 1, line[k])


def _quotes(doc: _Doc) -> Iterator[ProofFinding]:
    """ASCII quotes in Chinese text, and “” ‘’ that are reversed or left unpaired within a paragraph."""
    for base, line in doc.lines():
        if _HAN_RE.search(line):
            yield from _quote_marks(doc, base, line, '"', "“", "”")
            yield from _quote_marks(doc, base, line, "'", "‘", "’")


def _quote_marks(
    doc: _Doc, base: int, line: str, plain: str, opening: str, closing: str
) -> Iterator[ProofFinding]:
    marks = []
    for mark in re.finditer(f"[{plain}{opening}{closing}]", line):
        k, ch = mark.start(), mark.group()
        if not doc.protected[base + k]:
            apostrophe = ch != opening and line[k - 1 : k].isascii() and line[k - 1 : k].isalnum()
            if not (apostrophe and line[k + 1 : k + 2].isascii() and line[k + 1 : k + 2].isalpha()):
                marks.append((k, ch))
    ascii_note = f"中文行文应使用中文引号“{opening}{closing}”，不用英文直引号。"
    if len(marks) % 2 == 0:  # alternate: every even mark opens, every odd one closes
        for n, (k, ch) in enumerate(marks):
            want = opening if n % 2 == 0 else closing
            if ch == plain:
                yield doc.finding("ascii-quotes", base + k, base + k + 1, ascii_note, want)
            elif ch != want:
                note = f"引号方向用反了：前引号用“{opening}”，后引号用“{closing}”。"
                yield doc.finding("unpaired-quote", base + k, base + k + 1, note, want)
        return
    open_at: int | None = None
    unpaired: set[int] = set()
    direction: dict[int, str] = {}
    for k, ch in marks:
        if ch == opening or (ch == plain and open_at is None):
            if open_at is not None:
                unpaired.add(open_at)
            open_at = k
        elif open_at is None:
            unpaired.add(k)
        else:
            direction[open_at], direction[k], open_at = opening, closing, None
    if open_at is not None:
        unpaired.add(open_at)
    for k, ch in marks:
        if k in unpaired:
            hint = f"补上对应的“{closing if ch != closing else opening}”，或删去多余的引号"
            note = "本段引号不成对。"
            yield doc.finding("unpaired-quote", base + k, base + k + 1, note, None, hint)
        elif ch == plain:
            yield doc.finding("ascii-quotes", base + k, base + k + 1, ascii_note, direction[k])


_OPENERS = {"（": "（", "(": "（", "【": "【", "〔": "〔", "《": "《", "〈": "〈"}
_CLOSERS = {"）": "（", ")": "（", "】": "【", "〕": "〔", "》": "《", "〉": "〈"}
_BRACKET = re.compile("[（(【〔《〈）)】〕》〉]")
_CLOSE_OF = {"（": "）", "【": "】", "〔": "〕", "《": "》", "〈": "〉"}
# "1）" "a）" as a list marker: a closing bracket with no opening one by design
_ENUMERATOR = re.compile(r"(?:^|[\s，。；：、,;:])[0-9a-zA-Z一二三四五六七八九十]{1,2}$")
_ENUMERATOR_CHARS = 3  # what _ENUMERATOR can match: searched in that window before the bracket, not the line


def _brackets(doc: _Doc) -> Iterator[ProofFinding]:
    """（）【】〔〕《》〈〉 left open or closed without an opening within a paragraph."""
    for base, line in doc.lines():
        stack: list[tuple[int, str]] = []
        open_count: Counter[str] = Counter()  # of each kind on the stack, so a closer need not search it
        for bracket in _BRACKET.finditer(line):
            k, ch = bracket.start(), bracket.group()
            if doc.protected[base + k]:
                continue
            if ch in _OPENERS:
                stack.append((k, _OPENERS[ch]))
                open_count[_OPENERS[ch]] += 1
            elif ch in _CLOSERS:
                kind = _CLOSERS[ch]
                if open_count[kind]:
                    while stack[-1][1] != kind:
                        open_count[stack[-1][1]] -= 1
                        yield _unclosed(doc, base, *stack.pop())
                    stack.pop()
                    open_count[kind] -= 1
                elif not _ENUMERATOR.search(line, max(0, k - _ENUMERATOR_CHARS), k):
                    rule = "unpaired-book-title" if kind in "《〈" else "unpaired-bracket"
                    hint = f"补上对应的“{kind}”，或删去多余的“{ch}”"
                    yield doc.finding(rule, base + k, base + k + 1, f"“{ch}”没有对应的“{kind}”。", None, hint)
        for k, kind in reversed(stack):
            yield _unclosed(doc, base, k, kind)


def _unclosed(doc: _Doc, base: int, k: int, kind: str) -> ProofFinding:
    rule = "unpaired-book-title" if kind in "《〈" else "unpaired-bracket"
    closing = _CLOSE_OF[kind]
    ch = doc.text[base + k]
    return doc.finding(
        rule, base + k, base + k + 1, f"“{ch}”没有对应的“{closing}”。", None, f"补上“{closing}”"
    )


_DOUBLED = re.compile(r"[，。、；：？！,;:?!]{2,}")
_PAUSES, _ENDS = "，、；：", "。？！"


def _doubled(doc: _Doc) -> Iterator[ProofFinding]:
    """Two punctuation marks where one belongs: 。。 ，， ，。 ！！ (？！ and ！？ are allowed)."""
    for m in _DOUBLED.finditer(doc.text):
        run = "".join(_HALF_TO_FULL.get(ch, ch) for ch in m.group())
        if run in ("？！", "！？") or (set(run) == {"。"} and len(run) >= 3) or doc.protected[m.start()]:
            continue
        if m.group().isascii() and not (_cjk(doc.at(m.start() - 1)) or _cjk(doc.at(m.end()))):
            continue
        if len(set(run)) == 1:
            fix: str | None = run[0]
        elif all(ch in _PAUSES for ch in run[:-1]) and run[-1] in _ENDS:
            fix = run[-1]
        else:
            fix = None
        note = "标点重复：此处只应有一个标点。"
        yield doc.finding("doubled-punctuation", m.start(), m.end(), note, fix, fix or "只保留一个恰当的标点")


# each run is tried once, from its start: tried from every dot of 100,000 the search took 52 s
_ELLIPSIS_DENG = re.compile(r"(?:(?<!…)…++|(?<!\.)\.{3,}+|(?<!。)。{3,}+)(等等|等)(?![到待候于同级次])")
_ELLIPSIS = re.compile(r"\.{2,}|。{3,}|…+")


def _ellipsis(doc: _Doc) -> Iterator[ProofFinding]:
    """The ellipsis is six dots ……; "..." "。。。" "…" are not, and …… with 等 says the same thing twice."""
    taken = bytearray(len(doc.text))
    for m in _ELLIPSIS_DENG.finditer(doc.text):
        taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        note = "省略号和“等”“等等”不连用，保留其一。"
        yield doc.finding("ellipsis", m.start(), m.end(), note, "等", "等（或只用“……”）")
    for m in _ELLIPSIS.finditer(doc.text):
        run = m.group()
        if taken[m.start()] or doc.protected[m.start()] or run in ("……", "…………"):
            continue
        if run[0] == "." and not doc.han_before(m.start()):
            continue
        yield doc.finding("ellipsis", m.start(), m.end(), "省略号应为居中的六个点“……”。", "……")


# ---------------------------------------------------------------- spacing and characters

_SPACE_IN_CN = re.compile(f"(?<=[{_HAN}{_CN_PUNCT}])[ \\t\\u3000\\xa0]+(?=[{_HAN}{_CN_PUNCT}])")
_ADJACENT_HAN = re.compile(f"[{_HAN}][{_HAN}]")
_SHORT_QUOTE = re.compile(r"“[^“”\n]{1,30}”|《[^《》\n]{1,40}》")


def _spaces(doc: _Doc) -> Iterator[ProofFinding]:
    """Spaces between Chinese characters (a paragraph's leading indent is not between characters)."""
    for base, line in doc.lines():
        stripped = line.strip(_SPACES)
        if len(stripped) <= 40 and not _ADJACENT_HAN.search(stripped):
            continue  # a letter-spaced title such as “通  知” is deliberate layout
        quoted = [q.span() for q in _SHORT_QUOTE.finditer(line)]  # in order, not overlapping
        quote_starts = [start for start, _ in quoted]
        for m in _SPACE_IN_CN.finditer(line):
            inside = bisect_left(quote_starts, m.start()) - 1
            if inside >= 0 and m.start() < quoted[inside][1]:
                continue  # “知法懂法 维护权益”: a slogan's parts are set apart by a space
            yield doc.finding(
                "space-in-chinese", base + m.start(), base + m.end(), "汉字之间不应有空格。", "", "删去空格"
            )


_FULLWIDTH_ALNUM = re.compile(r"[０-９Ａ-Ｚａ-ｚ]+(?:．[０-９]+)*")


def _fullwidth(doc: _Doc) -> Iterator[ProofFinding]:
    for m in _FULLWIDTH_ALNUM.finditer(doc.text):
        note = "数字和字母应使用半角（如“2025”“A”），不用全角。"
        yield doc.finding(
            "fullwidth-alnum", m.start(), m.end(), note, unicodedata.normalize("NFKC", m.group())
        )


# ---------------------------------------------------------------- numbers and dates

_DATE = re.compile(
    r"(?<![0-9A-Za-z.\-/])((?:19|20)[0-9]{2})([./\-])([0-9]{1,2})\2([0-9]{1,2})(?![0-9]|[./][0-9])"
)


def _dates(doc: _Doc) -> Iterator[ProofFinding]:
    """2025.6.30, 2025/6/30 and 2025-6-30 in Chinese text → 2025年6月30日."""
    for m in _DATE.finditer(doc.text):
        year, _, month, day = m.groups()
        chinese = doc.first_han(m.start()) is not None
        if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31) or doc.protected[m.start()] or not chinese:
            continue
        fix = f"{year}年{int(month)}月{int(day)}日"
        note = "公文正文中的日期写作“××××年×月×日”，不用圆点、斜线或短横线分隔。"
        yield doc.finding("dotted-date", m.start(), m.end(), note, fix)


_DIGIT_UNIT = re.compile(r"(?<![0-9.])([0-9]+(?:\.[0-9]+)?)([十百千])(?![克米瓦伏卡帕焦兆赫分字])")
_TEN_DIGIT = re.compile(r"(?<![0-9一二三四五六七八九十百千万])([一二三四五六七八九]?)十([0-9])(?![0-9.])")
_RANGE = re.compile(
    f"(?<=[{_HAN}])([1-9][0-9]*(?:\\.[0-9]+)?%?)[-－–]([1-9][0-9]*(?:\\.[0-9]+)?%?)(?=[{_HAN}])"
)
_APPROX = re.compile(
    r"([一二三四五六七八九])、([一二三四五六七八九])(?=[十百千万亿个人名天次岁元家户种项件倍])"
)
_THOUSANDS = re.compile(r"(?<![0-9，,.])[0-9]{1,3}(?:，[0-9]{3})+(?![0-9])")
_CN_YEAR = re.compile(r"[一二][〇○Ｏ0零OoＯ一二三四五六七八九]{3}(?=年)")
_CN_YEAR_ARABIC_MONTH = re.compile(r"[一二][〇○Ｏ0零O一二三四五六七八九]{3}年[0-9]{1,2}月")
_YEAR_ZEROS = "○Ｏ0零Oo"
_MULTIPLIER = {"十": 10, "百": 100, "千": 1000}


def _numbers(doc: _Doc) -> Iterator[ProofFinding]:
    """The GB/T 15835—2011 points listed in the module docstring."""
    text = doc.text
    for m in _DIGIT_UNIT.finditer(text):
        value = Decimal(m.group(1)) * _MULTIPLIER[m.group(2)]
        fix = format(value.normalize(), "f")
        note = "阿拉伯数字只可与“万”“亿”连用，不以“十”“百”“千”作单位。"
        yield doc.finding("number-form", m.start(), m.end(), note, fix)
    for m in _TEN_DIGIT.finditer(text):
        tens = _CN_DIGITS.index(m.group(1)) + 1 if m.group(1) else 1
        note = "同一个数不能混用汉字数字和阿拉伯数字。"
        yield doc.finding("number-form", m.start(), m.end(), note, str(tens * 10 + int(m.group(2))))
    for m in _RANGE.finditer(text):
        low, high = m.group(1), m.group(2)
        if doc.protected[m.start()] or float(high.rstrip("%")) <= float(low.rstrip("%")):
            continue
        years = all(len(n) == 4 and n[:2] in ("19", "20") for n in (low, high))
        dash = "—" if years else "～"
        note = "年份起止用一字线“—”。" if years else "数值范围用浪纹线“～”（或写作“至”），不用短横线。"
        yield doc.finding("number-form", m.start(), m.end(), note, f"{low}{dash}{high}")
    for m in _APPROX.finditer(text):
        before = doc.at(m.start() - 1)
        pair = m.group(1) + m.group(2)
        approximate = pair == "三五" or _CN_DIGITS.index(m.group(2)) == _CN_DIGITS.index(m.group(1)) + 1
        if approximate and before not in ("", "\n", "第", "、", *_SPACES, *_CN_DIGITS):
            note = "相邻两数连用表示概数，中间不用顿号。"
            yield doc.finding("number-form", m.start(), m.end(), note, m.group(1) + m.group(2))
    for m in _THOUSANDS.finditer(text):
        groups = m.group().count("，")
        if groups == 1 and not (len(m.group()) == 5 and _han(doc.at(m.end()))):
            continue  # "120，300" may be two numbers; only "3，500人" is surely one
        plain = m.group().replace("，", "")
        note = "数字分节不用全角逗号“，”（可不分节，或用半角“,”）。"
        yield doc.finding("number-form", m.start(), m.end(), note, plain if groups > 1 else None, plain)
    for m in _CN_YEAR.finditer(text):
        if any(ch in _YEAR_ZEROS for ch in m.group()):
            fix = "".join("〇" if ch in _YEAR_ZEROS else ch for ch in m.group())
            note = "汉字数字年份中的零写作“〇”，不用“○”“零”“0”或字母“O”。"
            yield doc.finding("number-form", m.start(), m.end(), note, fix)
    for m in _CN_YEAR_ARABIC_MONTH.finditer(text):
        note = "同一日期的年、月、日应统一用阿拉伯数字或统一用汉字数字。"
        yield doc.finding(
            "number-form", m.start(), m.end(), note, None, "统一为“2025年6月”或“二〇二五年六月”的形式"
        )


# ---------------------------------------------------------------- numbering

_MARKER = re.compile(
    r"(?P<indent>[ \t\u3000]*(?:#{1,6}[ \t]+)?(?:\*\*)?)"
    r"(?:(?P<l1>[一二三四五六七八九十]{1,3})(?P<l1sep>[、，,.．])(?![一二三四五六七八九十])"
    r"|[（(](?P<l2>[一二三四五六七八九十]{1,3})[）)](?P<l2extra>[、，,.．：:])?"
    r"|(?P<l3>[0-9]{1,2})(?:(?P<l3sep>、)|(?P<l3dot>[.．])(?![0-9]))"
    r"|(?P<l4open>[（(])?(?P<l4>[0-9]{1,2})[）)](?P<l4extra>[、，,.．：:])?"
    r"|(?P<l5>[①-⑳])(?P<l5extra>[、，,.．：:])?)"
)


class _Item(NamedTuple):
    level: int
    value: int
    style: str
    start: int
    end: int


def _marker_text(level: int, value: int, style: str) -> str:
    if level == 1:
        return f"{_cn_numeral(value)}、"
    if level == 2:
        return f"（{_cn_numeral(value)}）"
    if level == 3:
        return f"{value}{style}"
    if level == 4:
        return f"（{value}）" if style == "（）" else f"{value}）"
    return chr(0x2460 + value - 1)


def _marker_variants(level: int, value: int) -> tuple[str, ...]:
    """Every way the marker may be written, to recognise a list begun inside a paragraph."""
    if value < 1:
        return ()
    cn = _cn_numeral(value)
    return {
        1: (f"{cn}、",),
        2: (f"（{cn}）", f"({cn})"),
        3: (f"{value}.", f"{value}．", f"{value}、"),
        4: (f"（{value}）", f"({value})", f"{value}）", f"{value})"),
        5: (chr(0x2460 + value - 1),),
    }[level]


def _numbered_lines(doc: _Doc) -> Iterator[tuple[_Item, re.Match[str]]]:
    for base, line in doc.lines():
        m = _MARKER.match(line)
        if not m or not m.group().strip(_SPACES + "#*"):
            continue
        start = base + m.end("indent")
        if m.group("l1"):
            item = _Item(1, _cn_number(m.group("l1")), "、", start, base + m.end("l1sep"))
        elif m.group("l2"):
            item = _Item(2, _cn_number(m.group("l2")), "（）", start, base + m.end("l2") + 1)
        elif m.group("l3"):
            sep = "l3sep" if m.group("l3sep") else "l3dot"
            item = _Item(3, int(m.group("l3")), "、" if sep == "l3sep" else ".", start, base + m.end(sep))
        elif m.group("l4"):
            style = "（）" if m.group("l4open") else "）"
            item = _Item(4, int(m.group("l4")), style, start, base + m.end("l4") + 1)
        else:
            item = _Item(5, ord(m.group("l5")) - 0x2460 + 1, "①", start, base + m.end("l5"))
        if item.value:
            yield item, m


def _numbering(doc: _Doc) -> Iterator[ProofFinding]:
    """Skipped or repeated numbers, mixed styles among siblings, and a level jumped over (一、 → 1.)."""
    numbered = list(_numbered_lines(doc))
    used_levels = {item.level for item, _ in numbered}
    last: dict[int, int] = {}
    style: dict[int, str] = {}
    previous_end = 0
    for item, m in numbered:
        yield from _marker_punctuation(doc, item, m)
        level = item.level
        for deeper in range(level + 1, 6):
            last.pop(deeper, None)
            style.pop(deeper, None)
        before = doc.text[previous_end : item.start]
        if level not in last and any(v in before for v in _marker_variants(level, item.value - 1)):
            last[level] = item.value - 1  # "……：（1）……" inline, then "（2）" on a new line: one list
        previous_end = item.end
        if level not in last and level in (3, 4):
            parent = max((lv for lv in last if lv < level), default=0)
            skipped = [lv for lv in range(max(parent + 1, 2), level) if lv in used_levels]
            if parent and skipped:
                expected = _marker_text(skipped[0], 1, "（）")
                marker = doc.text[item.start : item.end]
                note = f"层次跳级：本文其他地方用了“{expected}”一级，这里却在上一级标题下直接用“{marker}”。"
                hint = f"先加“{expected}”一级标题，或把本组改为“{expected}”式序号"
                yield doc.finding("numbering-level-jump", item.start, item.end, note, None, hint)
        expected_value = last.get(level, 0) + 1
        if item.value not in (expected_value, 1):
            want = _marker_text(level, expected_value, item.style)
            note = f"序号不连续（跳号或重号）：此处应为“{want}”。"
            yield doc.finding(
                "numbering-skip", item.start, item.end, note, None, f"{want}（其后序号依次顺延）"
            )
        if item.value == 1 or level not in style:
            style[level] = item.style
        elif item.style != style[level]:
            want = _marker_text(level, item.value, style[level])
            note = f"同级序号格式不统一：本组前面用的是“{_marker_text(level, 1, style[level])}”式。"
            yield doc.finding("numbering-mixed", item.start, item.end, note, want)
        last[level] = item.value
    yield from _enumerations(doc)
    yield from _ordinal_commas(doc)


def _marker_punctuation(doc: _Doc, item: _Item, m: re.Match[str]) -> Iterator[ProofFinding]:
    """一. / 一， → 一、; （一）、 and ①、 carry no punctuation after the bracket or circle."""
    base = item.start - m.end("indent")
    if item.level == 1 and m.group("l1sep") != "、":
        note = "汉字序号后用顿号“、”。"
        yield doc.finding("numbering-punct", base + m.start("l1sep"), base + m.end("l1sep"), note, "、")
    extra = {2: "l2extra", 4: "l4extra", 5: "l5extra"}.get(item.level)
    if extra and m.group(extra):
        note = "带括号或圆圈的序号后不再加标点。"
        yield doc.finding(
            "numbering-punct", base + m.start(extra), base + m.end(extra), note, "", "删去此标点"
        )


# "一是" follows anything but a character that makes it part of another word (之一是, 统一是, 星期一是)
_ENUM_ITEM = re.compile(
    r"(?<![之统唯第万同专单划均逐再不期周初其十百千零〇])(?P<num>[一二三四五六七八九十])是(?![一二三四五六七八九十])"
)
_HEADING_LINE = re.compile(r"[ \t\u3000]*#")


def _enumerations(doc: _Doc) -> Iterator[ProofFinding]:
    """一是……二是……四是 within a section (the count restarts at every heading or numbered line)."""
    last = 0
    for base, line in doc.lines():
        marker = _MARKER.match(line)
        if _HEADING_LINE.match(line) or (marker and marker.group().strip(_SPACES + "#*")):
            last = 0
        for m in _ENUM_ITEM.finditer(line):
            value = _cn_number(m.group("num"))
            if value not in (last + 1, 1):
                want = f"{_cn_numeral(last + 1)}是"
                note = f"“一是、二是”式列举不连续：此处应为“{want}”。"
                yield doc.finding("numbering-skip", base + m.start(), base + m.end(), note, None, want)
            last = value


_ORDINAL_DUN = re.compile(
    r"(?<![^\s，。；：！？“（）,;:!?.()])第([一二三四五六七八九十]{1,3})、(?![一二三四五六七八九十第])"
)


def _ordinal_commas(doc: _Doc) -> Iterator[ProofFinding]:
    for m in _ORDINAL_DUN.finditer(doc.text):
        note = "“第一”“第二”作序次语时，后面用逗号，不用顿号。"
        yield doc.finding("numbering-punct", m.start(), m.end(), note, f"第{m.group(1)}，")


# ---------------------------------------------------------------- words

_REPEAT = re.compile(r"([\u4e00-\u9fff]{2,4})\1")
# ABAB forms that are normal Chinese, and words that are noun then verb side by side (党组织组织党员)
_REPEAT_OK = frozenset(
    "研究 讨论 商量 考虑 休息 活动 锻炼 学习 交流 打扫 收拾 整理 介绍 了解 体验 尝试 比较 检查 联系 准备 练习 "
    "高兴 热闹 凉快 暖和 轻松 舒服 干净 明白 清楚 雪白 通红 "
    "组织 代表 领导 管理 服务 工作 建设 发展 宣传 教育 培训 保障 要求 规定 安排 计划 总结 监督 帮扶 "
    "慰问 指导 协调 关心 支持 帮助 评选 表彰 生产 经营 审议 通过 分析 报告 "
    "会委员".split()  # 工会委员会委员
)


def _repeated_words(doc: _Doc) -> Iterator[ProofFinding]:
    """不断不断, 进一步进一步: a word of 2–4 characters written twice back to back."""
    for m in _REPEAT.finditer(doc.text):
        unit = m.group(1)
        if len(set(unit)) == 1 or unit in _REPEAT_OK or (len(unit) == 2 and unit[0] == "一"):
            continue
        yield doc.finding("repeated-word", m.start(), m.end(), f"“{unit}”重复了。", unit)


_CLAUSE = re.compile(r"[^，。；！？：,;!?\n]+")
# Chinese characters in a repeated clause: shorter formulas (切实维护职工合法权益) recur legitimately
# across the paragraphs of a section, much less so inside one paragraph.
MIN_REPEATED_CLAUSE = 8
MIN_REPEATED_CLAUSE_APART = 12
HEADING_CHARS = 40  # a numbered line this short is a heading, which the body below may restate


def _repeated_clauses(doc: _Doc) -> Iterator[ProofFinding]:
    """The same clause twice within one section (between headings): a common small-model failure."""
    section: set[str] = set()
    for base, line in doc.lines():
        marker = _MARKER.match(line)
        if _HEADING_LINE.match(line) or (marker and marker.group().strip(_SPACES + "#*")):
            section = set()
            if len(line.strip(_SPACES)) <= HEADING_CHARS:
                continue
        paragraph: set[str] = set()
        for m in _CLAUSE.finditer(line):
            clause = m.group().strip(_SPACES + "“”‘’")
            length = len(_HAN_RE.findall(clause))
            if length < MIN_REPEATED_CLAUSE:
                continue
            if clause in paragraph or (clause in section and length >= MIN_REPEATED_CLAUSE_APART):
                start = base + m.start() + m.group().index(clause)
                note = "同一部分中这句话重复出现。"
                yield doc.finding(
                    "repeated-sentence", start, start + len(clause), note, None, "删去重复的语句"
                )
            paragraph.add(clause)
        section |= paragraph


_ADVERBS = (
    "扎扎实实|认认真真|实实在在|积极主动|认真|积极|切实|扎实|深入|全面|有效|有力|不断|广泛|主动|充分|严格|及时|"
    "稳步|大力|努力|持续|顺利|圆满|有序|妥善|热情|耐心|细致|精心|坚决|迅速|逐步|自觉|牢牢"
)
_VERBS = (
    "做好|开展|推进|落实|完成|贯彻|参与|维护|加强|推动|提高|解决|发挥|实施|执行|履行|抓好|参加|配合|引导|处理|"
    "化解|回应|对待|投入|融入|做到|抓住|完善|促进|把"
)
_DE_BEFORE_VERB = re.compile(f"(?P<adv>{_ADVERBS})的(?P<verb>{_VERBS})")
# where the verb is used as a noun: 在……积极的支持下, 全面的提高和……, 积极的推动作用, 有效的解决办法
_NOMINAL_AFTER = "下中和与及等是的"
_NOMINAL_HEAD = re.compile("作用|办法|方案|方式|措施|意识|机制|能力|效果|途径|渠道|力度|体系|制度|过程|热情")
_LIGHT_VERBS = re.compile(
    "得到|取得|进行|给予|予以|受到|有了|作出|做出|加以|获得|实现|给以|发挥|起到|起了|具有"
)
_DE_COMPLEMENT = re.compile(
    "(?P<verb>开展|落实|完成|组织|执行|贯彻|发挥|推进|实施|坚持|表现|配合|协调|处理|安排|布置|准备|做|搞|干|办)"
    f"的(?P<degree>很|非常|十分|较为|更加|格外|越来越|比较|特别|相当)(?P<adj>[{_HAN}])"
)
# 比较 特别 相当 are also a verb or an adjective (开展的比较研究, 组织的特别活动): only before an evaluation
_AMBIGUOUS_DEGREE = ("比较", "特别", "相当")
_EVALUATIVE = "好突出扎到充顺成圆细规有及周精热认积深快早高强稳严紧实广"
_CLAUSE_LOOKBACK = 200  # characters searched back for the clause's start: one clause, not the whole text


def _de_di_de(doc: _Doc) -> Iterator[ProofFinding]:
    """认真的做好 → 认真地做好; 开展的很好 → 开展得很好 — only the patterns that are never right."""
    text = doc.text
    for m in _DE_BEFORE_VERB.finditer(text):
        after = doc.at(m.end())
        window = max(0, m.start() - _CLAUSE_LOOKBACK)
        clause_start = max(window, *(text.rfind(ch, window, m.start()) + 1 for ch in "，。；：！？\n"))
        nominal = after in _NOMINAL_AFTER or _NOMINAL_HEAD.match(text, m.end())
        if not _han(after) or nominal or _LIGHT_VERBS.search(text, clause_start, m.start()):
            continue
        note = "修饰动词的状语后用“地”。"
        yield doc.finding("de-di-de", m.start(), m.end(), note, f"{m.group('adv')}地{m.group('verb')}")
    for m in _DE_COMPLEMENT.finditer(text):
        if m.group("adj") in "多少" or doc.at(m.start() - 1) == "所":
            continue  # 所做的很多工作: 的 makes a noun phrase here
        if m.group("degree") in _AMBIGUOUS_DEGREE and m.group("adj") not in _EVALUATIVE:
            continue
        note = "动词后接程度补语用“得”。"
        end = m.end("degree")
        yield doc.finding("de-di-de", m.start(), end, note, f"{m.group('verb')}得{m.group('degree')}")


class _Norm(NamedTuple):
    pattern: re.Pattern[str]
    right: str
    note: str


@cache
def _norms() -> tuple[_Norm, ...]:
    return tuple(
        _Norm(re.compile(entry.get("pattern") or re.escape(entry["wrong"])), entry["right"], entry["note"])
        for entry in load_data("norms.yaml")["norms"]
    )


def _norm_findings(doc: _Doc) -> Iterator[ProofFinding]:
    """The wrong forms listed in norms.yaml (never inside 《》: a cited title is quoted as published)."""
    for norm in _norms():
        for m in norm.pattern.finditer(doc.text):
            if not doc.in_title[m.start()]:
                yield doc.finding("norm", m.start(), m.end(), norm.note, m.expand(norm.right))


# ---------------------------------------------------------------- running the rules

_RULES: tuple[Rule, ...] = (
    _halfwidth,
    _quotes,
    _brackets,
    _doubled,
    _ellipsis,
    _spaces,
    _fullwidth,
    _dates,
    _numbers,
    _numbering,
    _repeated_words,
    _repeated_clauses,
    _de_di_de,
    _norm_findings,
)
# Where two mechanical fixes overlap, the more specific rule's fix wins (",。" is one doubled mark, not a comma).
_PRECEDENCE = (
    "ellipsis",
    "doubled-punctuation",
    "dotted-date",
    "numbering-punct",
    "numbering-mixed",
    "number-form",
    "norm",
    "de-di-de",
    "repeated-word",
    "unpaired-quote",
    "ascii-quotes",
    "halfwidth-punctuation",
    "fullwidth-alnum",
    "space-in-chinese",
)


def proofread(text: str) -> list[ProofFinding]:
    """Every finding in the text, sorted by position."""
    doc = _Doc(text)
    findings = [finding for rule in _RULES for finding in rule(doc)]
    rank = {rule: i for i, rule in enumerate(_PRECEDENCE)}
    findings.sort(key=lambda f: (rank.get(f.rule, len(rank)), f.start))
    kept: list[ProofFinding] = []
    claimed = bytearray(len(text))
    for finding in findings:
        if finding.fix is not None:
            if any(claimed[finding.start : finding.end]):
                continue
            claimed[finding.start : finding.end] = b"\x01" * (finding.end - finding.start)
        kept.append(finding)
    return sorted(kept, key=lambda f: (f.start, f.end, f.rule))


def apply_fixes(text: str, findings: list[ProofFinding]) -> str:
    """The text with every mechanical fix applied, right to left.

    Of overlapping fixes the first (by position) wins; findings whose excerpt no longer matches the
    text (it was edited after proofreading) are skipped rather than applied blindly.
    """
    chosen: list[ProofFinding] = []
    end = -1
    for finding in sorted((f for f in findings if f.fix is not None), key=lambda f: (f.start, f.end)):
        if finding.start >= end and text[finding.start : finding.end] == finding.excerpt:
            chosen.append(finding)
            end = finding.end
    for finding in reversed(chosen):
        text = text[: finding.start] + (finding.fix or "") + text[finding.end :]
    return text


# ---------------------------------------------------------------- measuring


def corpus_dir() -> Path:
    """The bundled example reports (one place to change when they become a package resource)."""
    return Path(__file__).resolve().parents[2] / "examples_corpus"


def corpus_bodies() -> dict[str, str]:
    """Report id → body text (the Markdown after its YAML front matter)."""
    return {
        path.stem: path.read_text("utf-8").split("---", 2)[2].strip()
        for path in sorted(corpus_dir().glob("*.md"))
    }


def proof_benchmark() -> dict:
    """Recall on the planted errors of proof_cases.yaml, false alarms on its correct sentences,
    findings per 1,000 characters and per rule on the bundled reports, and speed."""
    data = load_data("proof_cases.yaml")
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    missed = []
    for case in data["cases"]:
        totals[case["rule"]] += 1
        found = any(
            f.rule == case["rule"]
            and f.excerpt == case["excerpt"]
            and ("fix" not in case or f.fix == case["fix"])
            for f in proofread(case["text"])
        )
        hits[case["rule"]] += found
        if not found:
            missed.append(case)
    false_alarms = [
        {"text": text, "findings": [f.model_dump() for f in found]}
        for text in data["clean"]
        if (found := proofread(text))
    ]
    bodies = corpus_bodies()
    chars = sum(len(body) for body in bodies.values())
    started = time.perf_counter()
    corpus_findings = {name: proofread(body) for name, body in bodies.items()}
    elapsed = time.perf_counter() - started
    by_rule = Counter(f.rule for found in corpus_findings.values() for f in found)
    total_findings = sum(by_rule.values())
    return {
        "cases": sum(totals.values()),
        "recall": sum(hits.values()) / max(1, sum(totals.values())),
        "recall_by_rule": {rule: hits[rule] / totals[rule] for rule in sorted(totals)},
        "missed": missed,
        "clean_sentences": len(data["clean"]),
        "false_alarms": false_alarms,
        "corpus_reports": len(bodies),
        "corpus_chars": chars,
        "corpus_findings": total_findings,
        "findings_per_1000_chars": 1000 * total_findings / max(1, chars),
        "corpus_by_rule": dict(by_rule.most_common()),
        "chars_per_second": chars / max(elapsed, 1e-9),
    }
