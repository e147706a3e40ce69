"""Parse any 工会 report into a tree of sections, each labelled with the part of the report it is.

Heading styles are recognised by their marker (一、 （一） 第一， 1、 （1） ①) and nested in the order
they first appear, so a report that starts at 1. works as well as one that starts at 一、. Short
unnumbered lines such as "2016年工作总结" are bare headings; they reset the numbering below them.
Enumerations like "一是……二是……" (or 1.……2.…… run on) inside a paragraph are kept as items of the
section. A heading that names a year is a plan's when the year is after the report's own.
"""

import re
from typing import Literal

from pydantic import BaseModel, Field

from drafting.text.dates import is_date_line
from drafting.text.numerals import years_in_digits
from drafting.text.script import to_simplified

Part = Literal["opening", "work", "experience", "problems", "plan", "closing"]
HeadingStyle = Literal["bare", "cn", "cn_paren", "di", "num", "num_paren", "circled"]

_CN = "一二三四五六七八九十"
_MARKERS: list[tuple[HeadingStyle, re.Pattern[str]]] = [
    ("cn", re.compile(rf"^[{_CN}]{{1,3}}\s*[、，,．.]\s*")),
    ("cn_paren", re.compile(rf"^[（(][{_CN}]{{1,3}}[）)]\s*[、，,．.]?\s*")),
    ("di", re.compile(rf"^第[{_CN}]{{1,3}}\s*[、，,．.：:]\s*")),
    ("num", re.compile(r"^\d{1,2}\s*[、．.](?!\d{1,3}(?:\D|$))\s*")),  # "5.2024年计划" yes, "2.5万元" no
    ("num_paren", re.compile(r"^[（(]\d{1,2}[）)]\s*[、，,．.]?\s*")),
    ("circled", re.compile(r"^[①②③④⑤⑥⑦⑧⑨⑩]\s*")),
]
_SENTENCE_END = "。！？；!?;.．"  # pasted text often ends sentences with a half-width full stop
_BARE_WORDS = re.compile(r"总结|计划|要点|安排|问题|不足|经验|体会|感悟|成绩|做法|打算|思路|措施|情况|设想")
_PLAN_INTRO = re.compile(r"(以下|如下|几个方面|几项).{0,12}[:：]$")
_FUTURE = re.compile(r"(?<!现)将|要做好|要抓好|计划|打算|新的一年|明年|下半年|下一步|今后")
_TITLE_END = re.compile(r"(总结|计划|要点|安排|报告|汇报)$")
_OPENING_FORMULA = re.compile(r"(总结|汇报|报告)如下|总结汇报如下")
_PLAN_HEADING = re.compile(
    r"(计划|要点|安排|打算|设想|工作思路|努力方向)$|((19|20)\d\d年|明年|新的一年|下一年).{0,4}(主要|重点)任务$|"
    r"工作思路(和|及|与)重点$|意见和建议|下一步|今后(的)?工作|新的一年|明年|立足明天|^工作展望$"
)
# 2025年重点工作, 2025年工作目标, 关于2025年的工作: a plan only when the year is after the report's own (in a
# 2025 summary, 2025年重点工作 looks back on the year); 下半年工作重点 always
_AHEAD_HEADING = re.compile(
    r"(关于)?((?P<year>(19|20)\d\d)年度?|下半年)的?(工会)?(工作)?"
    r"(重点工作|工作重点|重点|展望|谋划|目标|目标任务|主要工作|工作)"
)
_YEAR = re.compile(r"(19|20)\d\d(?=\s*年)")
_PROBLEM_HEADING = re.compile(r"存在.{0,4}问题|问题(及|和|与)?(不足|差距)|不足|差距|薄弱环节|短板|^问题")
_EXPERIENCE_HEADING = re.compile(r"经验|体会|感悟|启示|收获")
_CLOSING_START = re.compile(
    r"^(总之|总的来说|综上|以上|回顾|展望|在新的一年|新的一年|今后|面对|总结成绩|我们相信|在今后的工作中|"
    r"成绩属于过去|过去的一年|回首)"
)
_CLOSING_PHRASE = re.compile(
    r"新局面|新的更大|新的贡献|应有的贡献|再创|新台阶|新水平|新的成绩|辉煌|新篇章|新业绩"
)
_RUN_IN_END = re.compile(r"[。；;：:]|(?<=\D)[.．](?!\d)")
_BRACKETS = {"【": "】", "“": "”", "（": "）", "(": ")", "《": "》", "〔": "〕"}
# the markers of an enumeration run inside a paragraph, each kind with the number it gives: 一是/一要……,
# and after a colon or a sentence's end 1.…… （1）…… ①……
_ENUM_KINDS = [
    re.compile(rf"(?<![{_CN}])(?P<n>[{_CN}])是"),
    re.compile(rf"(?:^|(?<=[：:；;。，,、\s]))(?P<n>[{_CN}])要"),
    re.compile(r"(?:^|(?<=[：:；;。\s]))(?P<n>\d{1,2})\s*[.．、](?!\d)"),
    re.compile(r"(?:^|(?<=[：:；;。\s]))[（(](?P<n>\d{1,2})[）)]"),
    re.compile(r"(?:^|(?<=[：:；;。\s]))(?P<n>[①②③④⑤⑥⑦⑧⑨⑩])"),
]
_NUMERAL_VALUE = {ch: i + 1 for i, ch in enumerate(_CN)} | {ch: i + 1 for i, ch in enumerate("①②③④⑤⑥⑦⑧⑨⑩")}
MAX_SIGNATURE_CHARS = 40  # a 落款's unit line


class Section(BaseModel):
    """One heading and what stands under it."""

    heading: str = Field(description="the heading line as written, marker included ('' for opening/closing)")
    title: str = Field(description="the heading without its marker and trailing punctuation")
    style: HeadingStyle | Literal["opening", "closing"]
    part: Part
    paragraphs: list[str] = []
    items: list[str] = Field(default=[], description="'一是……二是……' enumeration items in the paragraphs")
    children: list["Section"] = []

    def walk(self, path: tuple[str, ...] = ()) -> "list[tuple[tuple[str, ...], Section]]":
        """This section and all below it, each with its heading path."""
        here = (*path, self.title) if self.title else path
        found = [(here, self)]
        for child in self.children:
            found.extend(child.walk(here))
        return found

    def text(self) -> str:
        """The whole section as plain text, headings included."""
        lines = [self.heading] if self.heading else []
        lines += self.paragraphs
        lines += [child.text() for child in self.children]
        return "\n\n".join(lines)


class ParsedReport(BaseModel):
    """A report as a tree: the opening, the top-level sections, the closing."""

    title: str = ""
    sections: list[Section]

    @property
    def top_level(self) -> list[Section]:
        return [s for s in self.sections if s.style not in ("opening", "closing")]

    def part(self, part: Part) -> list[Section]:
        return [s for _, s in self.walk() if s.part == part]

    def walk(self) -> list[tuple[tuple[str, ...], Section]]:
        return [found for section in self.sections for found in section.walk()]

    def outline(self) -> str:
        """An indented outline, for reading and for tests."""
        lines: list[str] = []

        def emit(section: Section, depth: int) -> None:
            label = section.title or f"〈{section.style}〉"
            lines.append(f"{'  ' * depth}{label} [{section.part}]")
            for child in section.children:
                emit(child, depth + 1)

        for section in self.sections:
            emit(section, 0)
        return "\n".join(lines)


def split_paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def parse_report(text: str, period: str = "") -> ParsedReport:
    """Turn report text (simplified or traditional) into a section tree. `period` is the report's own
    (2024年) when known; else the first year its text names is taken for it."""
    paragraphs = split_paragraphs(text)
    simplified = [to_simplified(p) for p in paragraphs]  # once: every rule reads these, and OpenCC is slow
    title = _document_title(paragraphs, simplified)
    if title:
        paragraphs.pop(0)
        simplified.pop(0)
    own_year = _first_year(period) or _first_year(to_simplified(title))
    roots: list[Section] = []
    stack: list[Section] = []
    opening = Section(heading="", title="", style="opening", part="opening")
    for index, paragraph in enumerate(paragraphs):
        following = simplified[index + 1] if index + 1 < len(paragraphs) else None
        style, heading, body = _classify(paragraph, simplified[index], following)
        year, own_year = own_year, own_year or _first_year(simplified[index])  # the year before this line
        if style is None:
            target = stack[-1] if stack else (roots[-1] if roots else opening)
            target.paragraphs.append(paragraph)
            continue
        parent_part: Part = stack[0].part if stack else "work"
        if style == "bare":
            stack.clear()
        else:
            while stack and style in (s.style for s in stack):
                if stack.pop().style == style:
                    break
            parent_part = stack[-1].part if stack else "work"
        words = _title(heading)
        node = Section(
            heading=heading,
            title=words,
            style=style,
            part=_heading_part(words, simplified[index], parent_part, year),
            paragraphs=[body] if body else [],
        )
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    sections = ([opening] if opening.paragraphs else []) + roots
    if not roots and opening.paragraphs:
        opening.style, opening.part = "opening", "work"
    closing = _split_closing(roots)
    if closing:
        sections.append(closing)
    for _, section in [found for s in sections for found in s.walk()]:
        section.items = [item for p in section.paragraphs for item in enumeration_items(p)]
    return ParsedReport(title=title, sections=sections)


def _document_title(paragraphs: list[str], simplified_paragraphs: list[str]) -> str:
    """The title on the first line of a user's document ('某某工会2025年工作总结', '2023年度工作总结篇1'), or ''.

    A bare '2016年工作总结' followed later by '2017年工作计划' heads the summary part instead; a first
    line the report has no sibling for is its title, not a heading that would hold the whole report.
    """
    from drafting.documents.text import strip_title_suffix

    if not paragraphs:
        return ""
    first = paragraphs[0].strip()
    simplified = simplified_paragraphs[0].strip()
    title = strip_title_suffix(first)
    if (
        len(simplified) > 50
        or any(p.match(simplified) for _, p in _MARKERS)
        or not _TITLE_END.search(to_simplified(title))
    ):
        return ""
    later = list(zip(paragraphs, simplified_paragraphs, strict=True))[1:]
    later_bare = any(
        _classify(p, simple, later[i + 1][1] if i + 1 < len(later) else None)[0] == "bare"
        for i, (p, simple) in enumerate(later)
    )
    return title if title != first or "工会" in simplified or not later_bare else ""


def enumeration_items(paragraph: str) -> list[str]:
    """The items of an enumeration run inside a paragraph (一是……二是……, 一要……二要……,
    ：1.……；2.……, （1）……（2）……, ①……②……), markers kept, when it holds one starting at its first."""
    for kind in _ENUM_KINDS:
        run: list[re.Match[str]] = []
        for m in kind.finditer(paragraph):
            if _number(m.group("n")) == len(run) + 1:
                run.append(m)
        if len(run) >= 2:
            ends = [m.start() for m in run[1:]] + [len(paragraph)]
            return [paragraph[m.start() : end].rstrip("；;，, ") for m, end in zip(run, ends, strict=True)]
    return []


def without_marker(line: str) -> str:
    """The line without its heading marker (一、 （一） 第一， 1. （1） ①)."""
    simplified = to_simplified(line)
    marker = next((m for _, pattern in _MARKERS if (m := pattern.match(simplified))), None)
    return line[marker.end() :] if marker else line


def is_closing_words(paragraph: str) -> bool:
    """A closing's set words (新的一年，……作出新的更大贡献。 让我们……), or a 落款's date: no plan item. A
    paragraph that goes on after such words is more than a closing."""
    simplified = to_simplified(paragraph).strip()
    one_sentence = not any(mark in simplified.rstrip(_SENTENCE_END) for mark in "。！？!?")
    return (
        simplified.startswith("让我们")
        or (one_sentence and bool(_CLOSING_PHRASE.search(simplified)))
        or is_date_line(simplified)
    )


def _number(marker: str) -> int:
    return int(marker) if marker.isdecimal() else _NUMERAL_VALUE.get(marker, 0)  # １ too, not ①


def _first_year(text: str) -> int | None:
    """The first year a text names, in digits or 汉字 (二〇二四年)."""
    m = _YEAR.search(years_in_digits(text))
    return int(m.group()) if m else None


def _classify(paragraph: str, simplified: str, following: str | None) -> tuple[HeadingStyle | None, str, str]:
    """(style, heading, body-after-heading) of a paragraph, or (None, '', '') for body text.

    `simplified` is the paragraph in simplified script, `following` the next one (None at the end).
    """
    for style, pattern in _MARKERS:
        if marker := pattern.match(simplified):
            heading, body = _split_run_in(paragraph, marker.end())
            return style, heading, body
    if following is None:
        return None, "", ""
    compact = re.sub(r"\s+", "", simplified)
    next_is_numbered = any(p.match(following) for _, p in _MARKERS)
    if len(compact) <= 20 and compact[-1] not in _SENTENCE_END + "，," and _BARE_WORDS.search(compact):
        return "bare", paragraph, ""
    if next_is_numbered and _is_plan_intro(compact):
        return "bare", paragraph, ""
    return None, "", ""


def _split_run_in(paragraph: str, marker_end: int) -> tuple[str, str]:
    """A numbered line may carry its body ("第一，加强引领。组织学习12次。"): the first sentence is the heading.
    A colon inside brackets or quotes (【待补充：……】, “……：……”) ends no sentence."""
    end = next(
        (m.end() for m in _RUN_IN_END.finditer(paragraph, marker_end) if not _enclosed(paragraph, m)), 0
    )
    if end and end <= 60 and paragraph[end:].strip():
        return paragraph[:end], paragraph[end:].strip()
    return paragraph, ""


def _enclosed(paragraph: str, mark: re.Match[str]) -> bool:
    before = paragraph[: mark.start()]
    return any(before.count(opening) > before.count(closing) for opening, closing in _BRACKETS.items())


def _title(heading: str) -> str:
    """The heading's words; a numbered paragraph with no early sentence end is titled by its first clause."""
    title = re.sub(r"\s+", " ", without_marker(heading)).strip().rstrip("。.：:；;，,、")
    if len(title) > 60:
        title = re.split(r"[，,。；;：:]", title, maxsplit=1)[0][:30] + "…"
    return title


def _heading_part(title: str, simplified_paragraph: str, parent_part: Part, own_year: int | None) -> Part:
    simplified = years_in_digits(to_simplified(title).replace(" ", "")[:40])
    if _PROBLEM_HEADING.search(simplified):
        return "problems"
    if _PLAN_HEADING.search(simplified) or _is_ahead(simplified, own_year):
        return "plan"
    if _EXPERIENCE_HEADING.search(simplified) and parent_part == "work":
        return "experience"
    if parent_part != "work":
        return parent_part
    if _is_plan_intro(simplified_paragraph):
        return "plan"
    return "work"


def _is_ahead(simplified_title: str, own_year: int | None) -> bool:
    """2025年重点工作 after a 2024 report's own year; 下半年工作重点."""
    m = _AHEAD_HEADING.fullmatch(simplified_title)
    if m is None:
        return False
    return m.group("year") is None or (own_year is not None and int(m.group("year")) > own_year)


def _is_plan_intro(simplified: str) -> bool:
    """'……具体要做好以下几个方面工作：' announces the plan; '现将……总结如下：' opens the report."""
    return bool(
        _PLAN_INTRO.search(simplified)
        and _FUTURE.search(simplified)
        and not _OPENING_FORMULA.search(simplified)
    )


def _split_closing(roots: list[Section]) -> Section | None:
    """Move the report's last paragraphs into a closing section when they read as one."""
    if not roots:
        return None
    last = roots[-1]
    while last.children:
        last = last.children[-1]
    paragraphs = last.paragraphs
    keep = end = len(paragraphs) - _signature_lines(paragraphs)
    while keep > 0:
        candidate = to_simplified(paragraphs[keep - 1])
        is_last = keep == end
        if _CLOSING_START.match(candidate) or (is_last and _CLOSING_PHRASE.search(candidate) and keep > 1):
            keep -= 1
            continue
        break
    if keep == len(paragraphs) or (keep == 0 and not last.heading):
        return None
    closing = Section(heading="", title="", style="closing", part="closing", paragraphs=paragraphs[keep:])
    del paragraphs[keep:]
    return closing


def _signature_lines(paragraphs: list[str]) -> int:
    """How many of the last paragraphs are a 落款: the date alone on the last line and the unit's name
    above it (a line more would as often be the last of an unpunctuated list). None without the date."""
    if not paragraphs or not is_date_line(paragraphs[-1]):
        return 0
    return 2 if len(paragraphs) > 1 and _unit_line(paragraphs[-2]) else 1


def _unit_line(paragraph: str) -> bool:
    """A short line that is no sentence, table row or numbered item: the name of a unit."""
    text = paragraph.strip()
    return (
        len(text) <= MAX_SIGNATURE_CHARS
        and not any(mark in text for mark in "。！？；，：,;:!?｜|")
        and not any(pattern.match(to_simplified(text)) for _, pattern in _MARKERS)
    )
