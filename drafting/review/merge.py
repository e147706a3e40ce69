"""Bring a reviewer's sections into the current draft, one section at a time, never over newer work.

Each section is judged against the fingerprint it had when the file was exported:
- the file still matches it: the reviewer left it alone, the draft's section stays as it is;
- the file differs and the draft's section still matches it: the reviewer's text becomes a new version;
- both differ (the section was changed here after the export, and in the file): a conflict, reported
  and left untouched — unless both sides now say the same thing.
A file with no identity (matched by title and content) is taken as exported from the current version.
The title, the order of the sections and the 落款 are judged the same way against what the file left with.

The file may also change which sections there are. A section whose heading the reviewer deleted runs on
in the one above it: the two become one (its facts, its history and its words go with it), when neither
was changed here since the export. A heading the reviewer added among the work sections starts a new
work section there, taking the facts it now tells; unless its paragraphs are still some section's here
(an older file, whose change was taken since), which would print them twice.
"""

from dataclasses import dataclass, field

from drafting.checks.guard import FACT_GUARD
from drafting.output.identity import (
    ExportIdentity,
    exported_lines,
    exported_text,
    normal_text,
    section_fingerprint,
    signature_fingerprint,
)
from drafting.review.mapping import PARAGRAPHS, Mapping, NewSection, similar
from drafting.text.dates import compact_date
from drafting.writing.draft import Draft, DraftSection, section_body, section_name
from drafting.writing.pipeline import edit_section
from drafting.writing.template_writer import WORK_GAP
from drafting.writing.themes import keyword_theme


@dataclass(frozen=True)
class Conflict:
    section: str
    heading: str
    message: str


@dataclass
class Merged:
    draft: Draft
    changed: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    title_changed: bool = False
    order_changed: bool = False
    moved: list[str] = field(default_factory=list)  # keys of the sections the new order moved
    kept_in_place: list[str] = field(default_factory=list)  # the opening or closing a reviewer moved
    signature_changed: bool = False
    signature_deleted: bool = False  # the reviewers deleted the 落款: the draft now has none
    joined: dict[str, list[str]] = field(default_factory=dict)  # key → names of the sections made part of it
    added: list[str] = field(default_factory=list)  # keys of the sections the file added
    anchored: dict[str, str] = field(default_factory=dict)  # a section not found → the one it stays after


def merge(draft: Draft, mapping: Mapping, identity: ExportIdentity | None) -> Merged:
    merged = Merged(draft.model_copy(deep=True))
    _merge_title(merged, mapping.title, identity)
    _merge_signature(merged, ("", "") if mapping.signature_deleted else mapping.signature, identity)
    done = _merge_joined(merged, mapping, identity)
    _merge_order(merged, mapping.order, identity)
    before = {s.key: s.model_copy(deep=True) for s in merged.draft.sections}
    for section in merged.draft.sections:
        edited = mapping.sections.get(section.key)
        if edited is None or section.key in done:
            continue
        current = _fingerprint(section)
        base = _base(section, identity)
        theirs = section_fingerprint(edited.heading, edited.text)
        if theirs in (base, current):
            continue
        if current != base:
            merged.conflicts.append(
                Conflict(
                    section.key,
                    section.heading,
                    f"“{section.heading or section.key}”在导出之后已在本系统中修改过，修改稿里也改了这一部分；"
                    "为免覆盖，没有导入这一部分。请对照修改稿手工合并。",
                )
            )
            continue
        section.heading = edited.heading
        if normal_text(edited.text) != normal_text(exported_text(section)):
            edit_section(merged.draft, section.key, edited.text, FACT_GUARD)
        merged.changed.append(section.key)
    _undo_doubled(merged, {key: part for key, part in before.items() if key not in done}, mapping.lines)
    for new in mapping.new:
        _add_section(merged, new, mapping.order)
    keys = [s.key for s in merged.draft.sections]
    merged.changed.sort(key=keys.index)
    return merged


def _undo_doubled(merged: Merged, before: dict[str, DraftSection], in_file: list[str]) -> None:
    """A paragraph the file moved into a section from one that was changed here too (and so kept as it
    was) would stand in both: the section it moved to is not imported either, and that is said."""
    draft = merged.draft
    while True:
        lines = [(s, line) for s in draft.sections for line in exported_lines(s)]
        doubled = next(
            (
                (section, other)
                for section in draft.sections
                if section.key in merged.changed and section.key in before
                for line in exported_lines(section)
                if not _among(line, exported_lines(before[section.key]))
                for other, kept in lines
                if other is not section
                and _alike(line, kept)
                and sum(_alike(line, theirs) for theirs in in_file)
                < sum(_alike(line, ours) for _, ours in lines)
            ),
            None,
        )
        if doubled is None:
            return
        section, other = doubled
        draft.sections[draft.sections.index(section)] = before[section.key]
        merged.changed.remove(section.key)
        merged.conflicts.append(
            Conflict(
                section.key,
                section.heading,
                f"修改稿把“{section_name(other.kind, other.heading)}”里的段落移进了"
                f"“{section_name(section.kind, section.heading)}”，而前者在导出之后已在本系统中修改过、没有导入；"
                "为免同一段出现两次，后者也没有导入。请对照修改稿手工合并。",
            )
        )


def _alike(line: str, other: str) -> bool:
    return line == other or similar(line, other)


def _among(line: str, lines: list[str]) -> bool:
    return any(_alike(line, other) for other in lines)


def _base(section: DraftSection, identity: ExportIdentity | None) -> str:
    """The section's fingerprint when the file was exported (a file without identity: as it is now)."""
    current = _fingerprint(section)
    return identity.fingerprints.get(section.key, current) if identity else current


def _merge_joined(merged: Merged, mapping: Mapping, identity: ExportIdentity | None) -> set[str]:
    """Sections whose heading the reviewer deleted become part of the one their words now run on in: its
    text is the file's (both parts' words), their facts and histories are its, and their text as it was,
    joined, is its previous version. Not when any of them was changed here since the export: nothing is
    merged then, and the surviving section's text is not imported (it holds the others' words). Returns
    the keys of the surviving sections (their text is settled here)."""
    draft = merged.draft
    groups: dict[str, list[str]] = {}
    for key, into in mapping.joined.items():
        groups.setdefault(into, []).append(key)
    for into, keys in groups.items():
        parts = [draft.section(into), *(s for s in draft.sections if s.key in keys)]
        names = [section_name(s.kind, s.heading) for s in parts]
        changed_here = [
            name for s, name in zip(parts, names, strict=True) if _base(s, identity) != _fingerprint(s)
        ]
        if changed_here:
            merged.conflicts.append(
                Conflict(
                    into,
                    parts[0].heading,
                    f"修改稿删掉了“{'”“'.join(names[1:])}”的标题，把它并进了“{names[0]}”；"
                    f"但“{'”“'.join(changed_here)}”在导出之后已在本系统中修改过，为免覆盖，没有合并，"
                    f"也没有导入“{names[0]}”这一部分。请对照修改稿手工合并。",
                )
            )
            continue
        survivor, gone = parts[0], parts[1:]
        notes = {section_body(s) for s in parts if s.status in ("failed", "pending")}
        text = PARAGRAPHS.join(
            line for line in mapping.sections[into].text.split("\n") if line.strip() and line not in notes
        )
        survivor.facts = list(dict.fromkeys([*survivor.facts, *(f for s in gone for f in s.facts)]))
        survivor.sources = [
            *survivor.sources,
            *(h for s in gone for h in s.sources if h not in survivor.sources),
        ]
        survivor.budget_chars = sum(s.budget_chars for s in parts)
        survivor.previous_versions = [
            *survivor.previous_versions,
            *(v for s in gone for v in s.previous_versions),
        ]
        survivor.text = PARAGRAPHS.join(
            s.text.strip() for s in parts if s.status in ("ok", "flagged") and s.text.strip()
        )
        survivor.status = "ok"
        survivor.heading = mapping.sections[into].heading
        draft.sections = [s for s in draft.sections if s not in gone]
        edit_section(draft, into, text, FACT_GUARD)
        _recheck(survivor, draft)
        merged.changed.append(into)
        merged.joined[into] = names[1:]
    return set(groups)


def _fingerprint(section: DraftSection) -> str:
    return section_fingerprint(section.heading, exported_text(section))


def _recheck(section: DraftSection, draft: Draft) -> None:
    """The fact guard's verdict on a section whose facts changed (its text may not have)."""
    if section.status not in ("ok", "flagged"):
        return
    verdict = FACT_GUARD.check_section(section.text, section.facts, draft.facts)
    section.flags, section.missing_facts = verdict.flags, verdict.missing_facts
    section.status = "flagged" if section.has_findings else "ok"


def _add_section(merged: Merged, new: NewSection, order: list[str]) -> None:
    """A work section under a heading the reviewer added, placed where the file has it (after the part
    before it), with the facts of the section it was typed in that its text now tells and that one's no
    longer does. With no text under the heading, a 【待补充】 stands there to be written."""
    draft = merged.draft
    lines = [line for line in normal_text(new.text).split("\n") if line]
    holding = next(
        (s for s in draft.sections if any(_alike(line, o) for line in lines for o in exported_lines(s))),
        None,
    )
    if holding is not None:
        merged.conflicts.append(
            Conflict(
                new.key,
                new.heading,
                f"修改稿里新加的“{new.heading}”下的段落，草稿里已有（在“{section_name(holding.kind, holding.heading)}”中，"
                "可能是本系统里在导出之后已改过），为免重复，没有把它作为新的一部分导入。请对照修改稿核对。",
            )
        )
        return
    host = next((s for s in draft.sections if s.key == new.host), None)
    facts: list[str] = []
    if host is not None and host.status in ("ok", "flagged"):
        told = set(host.facts) - set(
            FACT_GUARD.check_section(new.text, host.facts, draft.facts).missing_facts
        )
        untold = set(FACT_GUARD.check_section(host.text, host.facts, draft.facts).missing_facts)
        facts = [fact for fact in host.facts if fact in told and fact in untold]
        host.facts = [fact for fact in host.facts if fact not in facts]
        _recheck(host, draft)
    section = DraftSection(
        key=new.key,
        kind="work",
        heading=new.heading,
        text=new.text or WORK_GAP,  # under a heading added with no words (no figure in it)
        facts=facts,
        theme=keyword_theme(new.heading) or "other",
    )
    _recheck(section, draft)
    keys = [s.key for s in draft.sections]
    before = order[: order.index(new.key)] if new.key in order else []
    after = next((key for key in reversed(before) if key in keys), None)
    at = (
        keys.index(after) + 1
        if after is not None
        else int(bool(keys) and draft.sections[0].kind == "opening")
    )
    if at == len(keys) and keys and draft.sections[-1].kind == "closing":
        at -= 1  # the closing stays last
    draft.sections.insert(at, section)
    merged.changed.append(new.key)
    merged.added.append(new.key)


def _merge_title(merged: Merged, title: str | None, identity: ExportIdentity | None) -> None:
    """A title the reviewers changed becomes the draft's, unless it was also changed here since the export."""
    if title is None or title == merged.draft.title.strip():
        return
    current = section_fingerprint("", merged.draft.title)
    base = identity.title if identity and identity.title else current
    if section_fingerprint("", title) == base:
        return  # the file keeps the title it left with; the change is this side's
    if current != base:
        merged.conflicts.append(
            Conflict(
                "title",
                "标题",
                "标题在导出之后已在本系统中修改过，修改稿里也改了标题；为免覆盖，没有导入标题。",
            )
        )
        return
    merged.draft.title = title
    merged.title_changed = True


def _merge_signature(
    merged: Merged, signature: tuple[str, str] | None, identity: ExportIdentity | None
) -> None:
    """A 落款 the reviewers corrected (the unit's full name, a joint 落款's units, the 成文日期) is kept in
    the draft for every later export, and one they deleted (`signature` ("", "")) is written no more,
    unless it was also changed here since the export. Lines that say what the export would write anyway
    are not kept: the draft goes on following its unit's name and its date."""
    draft = merged.draft
    current = signature_fingerprint(draft.written_signature())
    if signature is None or signature_fingerprint(signature) == current:
        return
    base = identity.signature if identity and identity.signature else current
    if signature_fingerprint(signature) == base:
        return  # the file keeps the 落款 it left with; the change is this side's
    deleted = signature == ("", "")
    if current != base:
        merged.conflicts.append(
            Conflict(
                "signature",
                "落款",
                "落款在导出之后已在本系统中改过（导入过别的修改稿，或单位名称改了），修改稿里也"
                + (
                    "删去了落款；为免覆盖，没有去掉落款。"
                    if deleted
                    else "改了落款；为免覆盖，没有导入落款。"
                ),
            )
        )
        return
    merged.signature_changed = True
    if deleted:
        draft.unsigned = merged.signature_deleted = True
        return
    name, date = signature
    default_name, default_date = draft.default_signature()
    draft.signed_by = "" if name == default_name.strip() else name
    draft.signed_on = "" if date == compact_date(default_date) else date
    draft.unsigned = False


def _merge_order(merged: Merged, order: list[str], identity: ExportIdentity | None) -> None:
    """Sections a reviewer moved take their new places (一、二、三 are numbered by place), unless the order
    was also changed here since the export. A section the file gives no place (deleted, or its heading
    and bookmark lost) keeps its place after the section before it in the draft. The opening stays first
    and the closing last: a report does not open with a work section, and Word's own cut and paste
    misplaces them easily."""
    draft = merged.draft
    current = [s.key for s in draft.sections]
    found = [key for key in order if key in current]
    if not found:
        return  # nothing to go by
    placed = _anchored(found, current)
    head, tail = _frame(draft)
    merged.kept_in_place = [key for key in head if placed[0] != key] + [
        key for key in tail if placed[-1] != key
    ]
    wanted = _framed(placed, draft)
    # the order the file left with (a section made part of another since is gone from it, one added
    # since stands after the one before it)
    exported = (
        _anchored([key for key in identity.order if key in current], current)
        if identity and identity.order
        else current
    )
    if wanted in (current, _framed(exported, draft)):
        return  # the same order, or the one the file left with: the change (if any) is this side's
    if current != exported:
        merged.conflicts.append(
            Conflict(
                "order",
                "顺序",
                "各部分的顺序在导出之后已在本系统中调整过，修改稿里也调整了顺序；为免覆盖，没有调整顺序。",
            )
        )
        return
    by_key = {s.key: s for s in draft.sections}
    merged.moved = _moved(current, wanted)
    merged.anchored = {
        key: wanted[wanted.index(key) - 1]
        for key in current
        if key not in found and key not in head + tail and wanted.index(key)
    }
    draft.sections = [by_key[key] for key in wanted]
    merged.order_changed = True


def order_differs(draft: Draft, order: list[str], identity: ExportIdentity) -> bool:
    """Whether the file's order of the sections is other than the one it left with, as a merge takes it
    (the opening first, the closing last, a section the file gives no place after the one before it)."""
    current = [s.key for s in draft.sections]
    found = [key for key in order if key in current]
    if not found or not identity.order:
        return False  # nothing to go by
    exported = _anchored([key for key in identity.order if key in current], current)
    return _framed(_anchored(found, current), draft) != _framed(exported, draft)


def _anchored(found: list[str], current: list[str]) -> list[str]:
    """`found` (keys in the file's order) with each key of `current` it lacks put after the key before it
    in `current` (first, when none is)."""
    placed = list(found)
    for index, key in enumerate(current):
        if key in placed:
            continue
        before = next((k for k in reversed(current[:index]) if k in placed), None)
        placed.insert(placed.index(before) + 1 if before is not None else 0, key)
    return placed


def _frame(draft: Draft) -> tuple[list[str], list[str]]:
    """The draft's opening (when it opens with one) and its closing (when it closes with one)."""
    first, last = draft.sections[0], draft.sections[-1]
    head = [first.key] if first.kind == "opening" else []
    tail = [last.key] if last.kind == "closing" and last is not first else []
    return head, tail


def _framed(order: list[str], draft: Draft) -> list[str]:
    """`order` with the draft's opening put first and its closing last, the others as `order` has them."""
    head, tail = _frame(draft)
    return head + [key for key in order if key not in head + tail] + tail


def _moved(before: list[str], after: list[str]) -> list[str]:
    """The fewest sections whose moving turns `before` into `after`: all but a longest run that kept its
    relative order (swapping two names one of them)."""
    places = [before.index(key) for key in after]
    longest: list[list[int]] = []
    for i, place in enumerate(places):
        runs = [run for run in longest if places[run[-1]] < place]
        longest.append([*max(runs, key=len, default=[]), i])
    kept = set(max(longest, key=len, default=[]))
    return [key for i, key in enumerate(after) if i not in kept]
