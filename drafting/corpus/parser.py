"""Parse any 工会 report into a tree of sections, each labelled with the part of the report it is.

Heading styles are recognised by their marker (一、 （一） 第一， 1、 （1） ①) and nested in the order
they first appear, so a report that starts at 1. works as well as one that starts at 一、. Short
unnumbered lines such as "2016年工作总结" are bare headings; they reset the numbering below them.
Enumerations like "一是……二是……" inside a paragraph are kept as items of the section.
"""

import re
from typing import Literal

from pydantic import BaseModel, Field

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
    r"工作思路(和|及|与)重点$|意见和建议|下一步|今后(的)?工作|新的一年|明年|立足明天"
)
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
_ENUM = re.compile(rf"(?<![{_CN}])([{_CN}])是")
_NUMERAL_VALUE = {ch: i + 1 for i, ch in enumerate(_CN)}


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


def parse_report(text: str) -> ParsedReport:
    """Turn report text (simplified or traditional) into a section tree."""
    paragraphs = split_paragraphs(text)
    simplified = [to_simplified(p) for p in paragraphs]  # once: every rule reads these, and OpenCC is slow
    title = _document_title(paragraphs, simplified)
    if title:
        paragraphs.pop(0)
        simplified.pop(0)
    roots: list[Section] = []
    stack: list[Section] = []
    opening = Section(heading="", title="", style="opening", part="opening")
    for index, paragraph in enumerate(paragraphs):
        following = simplified[index + 1] if index + 1 < len(paragraphs) else None
        style, heading, body = _classify(paragraph, simplified[index], following)
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
            part=_heading_part(words, simplified[index], parent_part),
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
    """The items of a '一是……二是……' enumeration, if the paragraph holds a run starting at 一是."""
    matches = [m for m in _ENUM.finditer(paragraph)]
    run: list[re.Match[str]] = []
    for m in matches:
        if _NUMERAL_VALUE[m.group(1)] == len(run) + 1:
            run.append(m)
    if len(run) < 2:
        return []
    ends = [m.start() for m in run[1:]] + [len(paragraph)]
    return [paragraph[m.start() : end].rstrip("；;，, ") for m, end in zip(run, ends, strict=True)]


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
    """A numbered line may carry its body ("第一，加强引领。组织学习12次。"): the first sentence is the heading."""
    m = _RUN_IN_END.search(paragraph, marker_end)
    if m and m.end() <= 60 and paragraph[m.end() :].strip():
        return paragraph[: m.end()], paragraph[m.end() :].strip()
    return paragraph, ""


def _title(heading: str) -> str:
    """The heading's words; a numbered paragraph with no early sentence end is titled by its first clause."""
    simplified = to_simplified(heading)
    for _, pattern in _MARKERS:
        if m := pattern.match(simplified):
            heading = heading[m.end() :]
            break
    title = re.sub(r"\s+", " ", heading).strip().rstrip("。.：:；;，,、")
    if len(title) > 60:
        title = re.split(r"[，,。；;：:]", title, maxsplit=1)[0][:30] + "…"
    return title


def _heading_part(title: str, simplified_paragraph: str, parent_part: Part) -> Part:
    simplified = to_simplified(title).replace(" ", "")[:40]
    if _PROBLEM_HEADING.search(simplified):
        return "problems"
    if _PLAN_HEADING.search(simplified):
        return "plan"
    if _EXPERIENCE_HEADING.search(simplified) and parent_part == "work":
        return "experience"
    if parent_part != "work":
        return parent_part
    if _is_plan_intro(simplified_paragraph):
        return "plan"
    return "work"


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
    keep = len(paragraphs)
    while keep > 0:
        candidate = to_simplified(paragraphs[keep - 1])
        is_last = keep == len(paragraphs)
        if _CLOSING_START.match(candidate) or (is_last and _CLOSING_PHRASE.search(candidate) and keep > 1):
            keep -= 1
            continue
        break
    if keep == len(paragraphs) or (keep == 0 and not last.heading):
        return None
    closing = Section(heading="", title="", style="closing", part="closing", paragraphs=paragraphs[keep:])
    del paragraphs[keep:]
    return closing
