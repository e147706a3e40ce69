"""Which paragraphs of an edited file belong to which section of the draft.

A section starts at the paragraph carrying its hidden bookmark (set by the export); when an editor
dropped the bookmark, a headed section is found by its heading (“三、……”), the opening is whatever
follows the title, and a closing is found by its own words. Sections are found wherever they stand, so
a reviewer who moved one shows up in `Mapping.order`.

The reviewer may also have changed which sections there are. A heading typed among the work sections
(五、加强安全生产) starts a new part (`Mapping.new`), unless the words under it are a section's whose
heading was retyped (its bookmark lost): then it is that section's new heading. A section found nowhere
whose paragraphs (as they were, or edited) all run on in one part had its heading deleted: it is made
part of that one (`Mapping.joined`). A section whose words cannot be told apart from its neighbour's
(in two parts, or rewritten past knowing) is left out, with that neighbour (both left untouched),
rather than guessed.

The text ends where the 落款 (the unit's name, then the date; a joint 落款 names several units, one to a
line) begins: the export writes it after the draft's last paragraph (END_BOOKMARK), and a unit template's
版记 (and the 附件) may follow it, from AFTER_BOOKMARK on. Nothing left between the two: the reviewer
deleted the 落款.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from drafting.output.docx import AFTER_BOOKMARK, END_BOOKMARK, TITLE_BOOKMARK, bookmark_name
from drafting.output.identity import exported_lines, exported_text, normal_text
from drafting.review.edited import CELL_SEPARATOR, EditedParagraph
from drafting.text.dates import compact_date, is_date_line
from drafting.writing.draft import Draft, DraftSection
from drafting.writing.facts import MAX_ORGANIZATION_CHARS

_HEADING = re.compile(r"^[一二三四五六七八九十]+[、.．]\s*(.+)$")
MAX_NAME_CHARS = MAX_ORGANIZATION_CHARS + 20  # the unit's name as typed, or the full name a reviewer wrote
# punctuation that makes a line a sentence wherever it stands; a "." only at the end (1.5, 2.0 版 are no sentences)
_SENTENCE_MARKS = "。！？；…：，、!?;:,"
_SENTENCE_END = (*_SENTENCE_MARKS, ".")
MAX_SIGNERS = 5  # the units of a joint 落款
NEW_HEADING_CHARS = 40  # a heading a reviewer adds; a longer 一、 line is an item of text
SIMILAR, SIMILAR_MIN_CHARS = 0.6, 10  # a paragraph edited, still the same one (different ones: under 0.3)
# how a unit's name ends (工会, 委员会, 医院, 公司, 中学, 局, 政府, 办公室, 车间, 中心 …): with the end
# bookmark lost, a line above the name over the date is one more unit of a joint 落款 only when it reads as
# one, not as words added below the text (“特此报告”)
_UNIT_ENDINGS = tuple("会委院校学园局厅部处科室站所队厂矿司府办组馆行社团支间心镇乡村区县市省")
# the set phrases that close a text (特此报告, 此致, 敬礼, 妥否，请批示, 以上报告 …): sentences, though
# short and unpunctuated, never a unit's name
_CLOSING_STARTS = tuple("特此 此致 敬礼 以上 妥否 当否 请予 请批 请审 请示".split())
_CLOSING_ENDS = tuple("报告 请示 通知 函告 函复 批复 为盼 为荷 为要 批示 审阅 敬礼".split())
# an item of a list (the 附件's “2．……”, “（2）……”, “二、……”): never a unit's name
_NUMBERED_ITEM = re.compile(r"^(\d+\s*[．.、](?!\d)|[（(]\s*\d+\s*[）)]|[一二三四五六七八九十]+、)")
_ATTACHMENTS = "附件"  # the 附件 note above the 落款: the names of a joint 落款 never reach past it
PARAGRAPHS = "\n\n"  # between a section's paragraphs, as the drafting writes them (Markdown shows each apart)


@dataclass(frozen=True)
class FileSection:
    heading: str
    text: str


@dataclass(frozen=True)
class NewSection:
    """A part the reviewer added under a new heading of its own."""

    key: str
    heading: str
    text: str
    host: str  # the draft's section it was typed in (or after): its facts may go with it ("": none)


@dataclass
class Mapping:
    sections: dict[str, FileSection]  # the draft's sections whose text the file gives
    unplaced: list[str]  # keys of sections whose text cannot be told apart in the file: left alone
    title: str | None = None  # the title paragraph's text, when its bookmark survived the editor
    added: dict[str, list[str]] = field(default_factory=dict)  # key → headings (九、其他工作) typed inside it
    order: list[str] = field(
        default_factory=list
    )  # keys of the parts found (new ones too), in the file's order
    signature: tuple[str, str] | None = None  # the 落款 found: the units' names (one a line), the date
    signature_unread: bool = False  # the text's end was marked, but what follows it is no 落款
    signature_deleted: bool = False  # the text's end was marked, and nothing stands between it and the 版记
    signature_unmarked: bool = False  # no 落款 found, and no bookmark tells whether it was deleted
    joined: dict[str, str] = field(default_factory=dict)  # key of a section whose heading was deleted → the
    # section its words now run on in (`sections` holds that one's text with them)
    new: list[NewSection] = field(default_factory=list)  # parts under headings the reviewer added
    dropped: list[str] = field(default_factory=list)  # headings added over words that cannot be told apart
    after_signature: list[str] = field(default_factory=list)  # lines a reviewer wrote below the 落款
    # (附件：…, （此件公开发布）), before a template's 版记: the draft has no place for them
    missing: list[str] = field(default_factory=list)  # of `unplaced`: the sections the file holds no
    # heading and no words of (the reviewer deleted the whole part, or all of it was retyped past knowing)
    lines: list[str] = field(default_factory=list)  # the file's paragraphs from the title to the 落款


Signing = tuple[list[int], int]  # where a 落款 stands: its names' lines, its date's line


def _signature_after(texts: list[str], end: int, closes: int, current: tuple[str, str]) -> Signing | None:
    """Where the 落款 stands after the draft's last paragraph (END_BOOKMARK): right after it, when its
    first lines are names over a date; every short line there that is no sentence names a unit (a joint
    落款), whatever its name ends in, up to MAX_SIGNERS of them and not past `closes` (the 版记). Further
    down (under lines a reviewer added below the last paragraph, or a section moved there) only one still
    sharing a line with the draft's 落款 is taken: a template's 版记 or the 附件 is never read as one."""
    filled = [i for i in range(end + 1, len(texts)) if texts[i]]
    for names, date in _signings(texts, filled, lambda i: i < closes and _signer_line(texts[i])):
        if names[0] == filled[0] or _shares(texts, names, date, current):
            return names, date
    return None


def _without_signature(texts: list[str], title: int, current: tuple[str, str]) -> Signing | None:
    """With the end bookmark lost, where the 落款 stands (else it reads as words added to the last
    section): the last lines, when they are names over a date, even names the reviewer changed; or,
    before a template's 版记, the last such 落款 still sharing a line with the draft's."""
    filled = [i for i in range(title + 1, len(texts)) if texts[i]]
    found = _signings(texts, filled, lambda i: _unit_line(texts[i]))
    if found and found[-1][1] == filled[-1]:
        return found[-1]
    shared = [(names, date) for names, date in found if _shares(texts, names, date, current)]
    return shared[-1] if shared else None


def _signings(texts: list[str], filled: list[int], signer: Callable[[int], bool]) -> list[Signing]:
    """Every 落款 among the lines `filled`: a date under a unit's name, and under the names of up to
    MAX_SIGNERS units when the lines above that name are `signer`s too (a joint 落款)."""
    found = []
    for n in range(1, len(filled)):
        date = filled[n]
        if not (is_date_line(texts[date]) and _name_line(texts[filled[n - 1]])):
            continue
        first = n - 1
        while first and n - first < MAX_SIGNERS and signer(filled[first - 1]):
            first -= 1
        found.append((filled[first:n], date))
    return found


def _name_line(text: str) -> bool:
    """A unit's name as a reviewer may type it: a short line that is no sentence, heading, numbered item,
    table row or date."""
    return (
        len(text) <= MAX_NAME_CHARS
        and not _NUMBERED_ITEM.match(text.strip())
        and not text.endswith(_SENTENCE_END)
        and CELL_SEPARATOR not in text
        and _heading_of(text) is None
        and not is_date_line(text)
    )


def _signer_line(text: str) -> bool:
    """One more unit of a joint 落款 between the text's marked end and the date: a name line with no
    sentence in it (no “，”, no “附件：”, no set closing phrase such as “特此报告”), and no 附件 line (the
    walk up from the date stops there: the 附件's items above it are no units)."""
    words = text.strip()
    return (
        _name_line(text)
        and not words.startswith(_ATTACHMENTS)
        and not any(mark in words for mark in _SENTENCE_MARKS)
        and not words.startswith(_CLOSING_STARTS)
        and not words.endswith(_CLOSING_ENDS)
    )


def _unit_line(text: str) -> bool:
    """One more unit of a joint 落款 when the text's end is not marked: a signer's line that also ends as
    units' names do (no telling it from words added below the text otherwise)."""
    return _signer_line(text) and text.endswith(_UNIT_ENDINGS)


def _shares(texts: list[str], names: list[int], date: int, current: tuple[str, str]) -> bool:
    """Whether a 落款 keeps one of the draft's lines: one of its units, or its date (Word strips ends)."""
    units = {line.strip() for line in current[0].split("\n") if line.strip()}
    return any(texts[i] in units for i in names) or compact_date(texts[date]) == compact_date(current[1])


def _signature_text(texts: list[str], signed: Signing) -> tuple[str, str]:
    names, date = signed
    return "\n".join(texts[i] for i in names), compact_date(texts[date])


def map_sections(paragraphs: list[EditedParagraph], draft: Draft) -> Mapping:
    """Each placed section's heading and text, and the 落款. Only the paragraphs between the draft's title
    and its 落款 (else its last paragraph) count: a unit template puts its 红头 before them and its 版记
    after."""
    titled = _bookmarked(paragraphs, TITLE_BOOKMARK)
    title = titled or 0
    end = _bookmarked(paragraphs, END_BOOKMARK)
    texts = [p.text for p in paragraphs]
    current = draft.written_signature()
    after = _bookmarked(paragraphs, AFTER_BOOKMARK)
    # the template's 版记 (AFTER_BOOKMARK) closes what is read, also when the end bookmark went with the
    # last paragraph: nothing at or past it is the text, the 落款 or a reviewer's words below the 落款
    closes = after if after is not None and (end is None or after > end) else len(texts)
    signed = (
        _without_signature(texts[:closes], title, current)
        if end is None
        else _signature_after(texts, end, closes, current)
    )
    signature = None if signed is None else _signature_text(texts, signed)
    left = end is not None and signed is None and any(texts[end + 1 : closes])
    below = [] if signed is None else [t for t in texts[signed[1] + 1 : closes] if t]
    if signed is not None and end is None and after is None:
        below = []  # nothing marks where a template's 版记 begins: the lines below may be its
    if signed is not None:
        texts = texts[: signed[0][0]]  # lines added below the last paragraph are the text's too
    elif end is not None:
        # a draft without a 落款: what the reviewer wrote below the text is the text's too
        texts = texts[: closes if draft.unsigned else end + 1]
    else:
        texts = texts[:closes]  # no 落款 found, no end marked: the text still ends before the 版记
    starts: dict[str, int] = {}
    for section in draft.sections:
        at = _bookmarked(paragraphs, bookmark_name(section.key))
        if at is not None and section.heading and at < len(texts) and not texts[at]:
            at = None  # its heading deleted (with track changes on, the emptied paragraph keeps the bookmark)
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
            # found by its words; the opening, edited, is whatever follows the title, unless a section
            # moved there
            at = _found_text(texts, exported_text(section), title + 1)
            if at is None and section is draft.sections[0] and not _heading_under(texts, title):
                at = title + 1
        if at is not None and at < len(texts):  # a bookmark after the text's end: moved past it, not found
            starts[section.key] = at
    new = _new_sections(texts, title, starts, draft)
    regions = sorted([*starts.items(), *((key, at) for at, key in new.items())], key=lambda item: item[1])
    found: dict[str, FileSection] = {}  # what each part of the file holds
    for (key, start), following in zip(regions, [*regions[1:], ("", len(texts))], strict=True):
        lines = [t for t in texts[start : following[1]] if t]
        found[key] = (
            FileSection(_heading_of(lines[0]) or "", PARAGRAPHS.join(lines[1:]))
            if key in new.values()
            else _section_part(draft.section(key), lines)
        )
    located = [key for key, _ in regions]
    unstarted = [
        (index, section)
        for index, section in enumerate(draft.sections)
        if section.key not in starts and located and (section.heading or exported_lines(section))
    ]  # not found by bookmark, heading or words, though something was written for it
    # a section whose heading the reviewer retyped (its bookmark lost too) is the new heading holding its words
    renamed: dict[str, str] = {}
    for _, section in unstarted:
        holding = [key for key in located if _holds_words_of(found[key], section)]
        if section.heading and len(holding) == 1 and holding[0] in new.values() and holding[0] not in renamed:
            renamed[holding[0]] = section.key
    located = [renamed.get(key, key) for key in located]
    found = {renamed.get(key, key): part for key, part in found.items()}
    mapped = dict(found)
    joined: dict[str, str] = {}
    missing: list[str] = []
    for index, section in unstarted:
        if section.key in renamed.values():
            continue
        # its words went into a part found: a heading deleted runs them on in the part above, wherever
        # the reviewer put it, and they are that part's now (two parts made one); a headless one's,
        # edited, stand under the title (the opening) or at the end (the closing). Words in more than
        # one part, or in one that cannot be told apart, leave those parts alone: no paragraph is saved
        # twice.
        holding = [key for key in located if _holds_words_of(found[key], section)]
        if section.heading and len(holding) == 1 and holding[0] not in new.values():
            joined[section.key] = holding[0]
            continue
        before = draft.sections[index - 1] if index else None
        if section.heading and not holding and before is not None and before.key in found:
            # deleted whole, or its heading deleted and its words rewritten past knowing: those would run
            # on in the section above, as paragraphs that are none of that one's, and it is left alone
            # (else they would be saved there and stand here too)
            holding = [before.key] if _gained(found[before.key], before) else []
        if section.heading and not holding:
            missing.append(section.key)  # neither its heading nor its words anywhere: deleted whole
        if not section.heading:
            holding += [located[0] if index == 0 else located[-1], *([before.key] if before else [])]
        for key in holding:
            mapped.pop(key, None)
    joined = _kept_apart(draft, found, mapped, joined)
    unplaced = [s.key for s in draft.sections if s.key not in mapped and s.key not in joined]
    exported = {line for section in draft.sections for line in exported_lines(section)}
    added = {
        key: headings
        for key, placed in mapped.items()
        if key not in new.values() and (headings := _added_headings(placed, exported))
    }
    new_parts = []
    for n, key in enumerate(located):
        if key in new.values():
            host = next((k for k in reversed(located[:n]) if k not in new.values()), "")
            if key in mapped:
                new_parts.append(NewSection(key, found[key].heading, found[key].text, host))
    dropped = [found[key].heading for key in new.values() if key in found and key not in mapped]
    title_text = None if titled is None else paragraphs[titled].text.strip() or None
    return Mapping(
        {key: part for key, part in mapped.items() if key not in new.values()},
        unplaced,
        title_text,
        added,
        located,
        signature,
        signature_unread=left and not draft.unsigned,
        signature_deleted=end is not None and signed is None and not left,
        signature_unmarked=end is None and signed is None and not draft.unsigned,
        joined=joined,
        new=new_parts,
        dropped=dropped,
        missing=[key for key in missing if key in unplaced],
        after_signature=below,
        lines=[text for text in texts[title + 1 :] if text],
    )


def _kept_apart(
    draft: Draft, found: dict[str, FileSection], mapped: dict[str, FileSection], joined: dict[str, str]
) -> dict[str, str]:
    """Leave alone every part holding words of a section left as it is (a heading moved away from its
    text, say): saved there, they would stand twice. Returns the joins still standing."""
    while True:
        joined = {key: into for key, into in joined.items() if into in mapped}
        kept = [s for s in draft.sections if s.key not in mapped and s.key not in joined]
        holding = [
            key for key in mapped if any(s.key != key and _holds_words_of(found[key], s) for s in kept)
        ]
        if not holding:
            return joined
        for key in holding:
            mapped.pop(key)


def _section_part(section: DraftSection, lines: list[str]) -> FileSection:
    """A section's heading and text, from the file's lines of it."""
    heading = section.heading
    if section.heading and lines and (found := _heading_of(lines[0])) is not None:
        heading, lines = found, lines[1:]
        if _joined_to_text(heading, section):
            # the break after the heading was deleted: 四、标题正文…… is the heading, then its text
            heading, lines = section.heading, [heading[len(section.heading) :].lstrip("。，,. "), *lines]
    return FileSection(heading, PARAGRAPHS.join(lines))


def _new_sections(texts: list[str], title: int, starts: dict[str, int], draft: Draft) -> dict[int, str]:
    """Where a reviewer typed a new top-level heading (五、加强安全生产) among the work sections (or in the
    opening), each with the key its section will have. A line of the export, a heading too long or ending
    as a sentence does, or one in the problems, the plan or the closing (whose 一、二、 are often items)
    starts no section: it stays a line of the text."""
    known = {s.heading.strip() for s in draft.sections if s.heading}
    exported = {line for section in draft.sections for line in exported_lines(section)}
    hosts = sorted(starts.items(), key=lambda item: item[1])
    keys = {s.key for s in draft.sections}
    found: dict[int, str] = {}
    for i in range(title + 1, len(texts)):
        heading = _heading_of(texts[i])
        if heading is None or i in starts.values() or heading in known or texts[i] in exported:
            continue
        if len(heading) > NEW_HEADING_CHARS or heading.endswith(_SENTENCE_END):
            continue
        host = next((key for key, at in reversed(hosts) if at < i), None)
        if host is not None and draft.section(host).kind not in ("opening", "work"):
            continue
        number = len(found) + 1
        while f"work-added-{number}" in keys or f"work-added-{number}" in found.values():
            number += 1
        found[i] = f"work-added-{number}"
    return found


def _joined_to_text(found: str, section: DraftSection) -> bool:
    """The heading found is the section's heading run into its first paragraph, not a heading the reviewer
    extended (加强民主管理 → 加强民主管理和厂务公开): what follows it opens that paragraph or ends a sentence."""
    rest = found.removeprefix(section.heading).lstrip("。，,. ")
    if found == rest or not rest:
        return False
    first = next(iter(exported_lines(section)), "")
    return first.startswith(rest[:8]) or rest.endswith(("。", "！", "？", "；"))


def _added_headings(placed: FileSection, exported: set[str]) -> list[str]:
    """Lines shaped like a top-level heading (九、其他工作) that the export did not hold."""
    return [
        line for line in placed.text.split("\n") if _heading_of(line) is not None and line not in exported
    ]


def _holds_words_of(placed: FileSection, section: DraftSection) -> bool:
    """Whether a part of the file holds one of the section's paragraphs, as it was or edited (most of its
    characters still in place)."""
    lines = [line for line in placed.text.split("\n") if line]
    own = exported_lines(section)
    return any(line in lines for line in own) or any(similar(line, other) for line in lines for other in own)


def _gained(placed: FileSection, section: DraftSection) -> bool:
    """Whether a part of the file holds a paragraph that is none of the section's, as it was or edited."""
    own = exported_lines(section)
    return any(
        line not in own and not any(similar(line, other) for other in own)
        for line in placed.text.split("\n")
        if line
    )


def similar(line: str, other: str) -> bool:
    """The same paragraph, edited: most of its characters still there, in order."""
    if min(len(line), len(other)) < SIMILAR_MIN_CHARS:
        return False
    matcher = SequenceMatcher(None, line, other, autojunk=False)
    return matcher.quick_ratio() >= SIMILAR and matcher.ratio() >= SIMILAR


def _bookmarked(paragraphs: list[EditedParagraph], name: str) -> int | None:
    return next((i for i, p in enumerate(paragraphs) if name in p.bookmarks), None)


def _heading_under(texts: list[str], title: int) -> bool:
    """Whether the first paragraph after the title is a 一、 heading: a section moved above the opening
    (or the opening deleted), not the opening's edited words."""
    first = next((text for text in texts[title + 1 :] if text), "")
    return _heading_of(first) is not None


def _heading_of(text: str) -> str | None:
    m = _HEADING.match(text.strip())
    return m.group(1).strip() if m else None


def _found_text(texts: list[str], section_text: str, after: int) -> int | None:
    """Where a headless section's unchanged paragraphs stand, as a run of whole paragraphs."""
    lines = normal_text(section_text).split("\n")
    if lines == [""]:
        return None  # nothing was written for it: any empty paragraph would match
    for i in range(after, len(texts) - len(lines) + 1):
        if texts[i : i + len(lines)] == lines:
            return i
    return None
