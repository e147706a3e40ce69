"""Which paragraphs of an edited file belong to which section of the draft.

A section starts at the paragraph carrying its hidden bookmark (set by the export); when an editor
dropped the bookmark, a headed section is found by its heading (“三、……”), the opening is whatever
follows the title, and a closing is found by its own words. A section that cannot be told apart from
its neighbour is left out (and so left untouched) rather than guessed.
"""

import re
from dataclasses import dataclass, field

from drafting.output.docx import END_BOOKMARK, TITLE_BOOKMARK, bookmark_name
from drafting.output.identity import exported_lines, exported_text, normal_text
from drafting.review.edited import EditedParagraph
from drafting.writing.draft import Draft, DraftSection

_HEADING = re.compile(r"^[一二三四五六七八九十]+[、.．]\s*(.+)$")


@dataclass(frozen=True)
class FileSection:
    heading: str
    text: str


@dataclass
class Mapping:
    sections: dict[str, FileSection]
    unplaced: list[str]  # keys of sections the file holds no recognisable place for
    title: str | None = None  # the title paragraph's text, when its bookmark survived the editor
    added: dict[str, list[str]] = field(default_factory=dict)  # key → headings (九、其他工作) typed inside it


_DATE_LINE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")


def _without_signature(texts: list[str], organization: str) -> list[str]:
    """The export closes with 落款 (the unit's name, then a date). With the end bookmark lost, it would
    read as words added to the last section."""
    kept = list(texts)
    while kept and not kept[-1].strip():
        kept.pop()
    if len(kept) >= 2 and _DATE_LINE.fullmatch(kept[-1].strip()) and kept[-2].strip() == organization.strip():
        return kept[:-2]
    return texts


def map_sections(paragraphs: list[EditedParagraph], draft: Draft) -> Mapping:
    """Each placed section's heading and text. Only the paragraphs between the draft's title and its
    last paragraph count: a unit template puts its 红头 before them and its 版记 after."""
    titled = _bookmarked(paragraphs, TITLE_BOOKMARK)
    title = titled or 0
    end = _bookmarked(paragraphs, END_BOOKMARK)
    texts = [p.text for p in paragraphs[: len(paragraphs) if end is None else end + 1]]
    if end is None:
        texts = _without_signature(texts, draft.facts.organization)
    starts: dict[str, int] = {}
    for section in draft.sections:
        at = _bookmarked(paragraphs, bookmark_name(section.key))
        if at is None and section.heading:
            at = next(
                (
                    i
                    for i, text in enumerate(texts[title + 1 :], title + 1)
                    if _heading_of(text) == section.heading.strip()
                ),
                None,
            )
        if at is None and not section.heading:
            first = section is draft.sections[0]
            at = title + 1 if first else _found_text(texts, exported_text(section), title + 1)
        if at is not None:
            starts[section.key] = at
    order = sorted(starts.items(), key=lambda item: item[1])
    mapped: dict[str, FileSection] = {}
    for (key, start), following in zip(order, [*order[1:], (None, len(texts))], strict=True):
        section = draft.section(key)
        lines = [t for t in texts[start : following[1]] if t]
        heading = section.heading
        if section.heading and lines and (found := _heading_of(lines[0])) is not None:
            heading, lines = found, lines[1:]
            if _joined_to_text(heading, section):
                # the break after the heading was deleted: 四、标题正文…… is the heading, then its text
                heading, lines = section.heading, [heading[len(section.heading) :].lstrip("。，,. "), *lines]
        mapped[key] = FileSection(heading, "\n".join(lines))
    for index, section in enumerate(draft.sections):
        if section.key in mapped or index == 0:
            continue
        before = draft.sections[index - 1]
        # a headless section's words sit at the end of `before`; a headed one's, when the editor deleted
        # its heading (merging it into `before`): left alone too, so no paragraph is saved twice
        if before.key in mapped and (not section.heading or _holds_words_of(mapped[before.key], section)):
            mapped.pop(before.key)
    unplaced = [s.key for s in draft.sections if s.key not in mapped]
    added = {
        key: headings
        for key, placed in mapped.items()
        if (headings := _added_headings(placed, draft.section(key)))
    }
    title_text = None if titled is None else paragraphs[titled].text.strip() or None
    return Mapping(mapped, unplaced, title_text, added)


def _joined_to_text(found: str, section: DraftSection) -> bool:
    """The heading found is the section's heading run into its first paragraph, not a heading the reviewer
    extended (加强民主管理 → 加强民主管理和厂务公开): what follows it opens that paragraph or ends a sentence."""
    rest = found.removeprefix(section.heading).lstrip("。，,. ")
    if found == rest or not rest:
        return False
    first = next(iter(exported_lines(section)), "")
    return first.startswith(rest[:8]) or rest.endswith(("。", "！", "？", "；"))


def _added_headings(placed: FileSection, section: DraftSection) -> list[str]:
    """Lines shaped like a top-level heading (九、其他工作) that the export did not hold."""
    exported = set(exported_lines(section))
    return [
        line for line in placed.text.split("\n") if _heading_of(line) is not None and line not in exported
    ]


def _holds_words_of(placed: FileSection, section: DraftSection) -> bool:
    lines = set(placed.text.split("\n"))
    return any(line in lines for line in exported_lines(section))


def _bookmarked(paragraphs: list[EditedParagraph], name: str) -> int | None:
    return next((i for i, p in enumerate(paragraphs) if name in p.bookmarks), None)


def _heading_of(text: str) -> str | None:
    m = _HEADING.match(text.strip())
    return m.group(1).strip() if m else None


def _found_text(texts: list[str], section_text: str, after: int) -> int | None:
    """Where a headless section's unchanged paragraphs stand, as a run of whole paragraphs."""
    lines = normal_text(section_text).split("\n")
    for i in range(after, len(texts) - len(lines) + 1):
        if texts[i : i + len(lines)] == lines:
            return i
    return None
