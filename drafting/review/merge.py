"""Bring a reviewer's sections into the current draft, one section at a time, never over newer work.

Each section is judged against the fingerprint it had when the file was exported:
- the file still matches it: the reviewer left it alone, the draft's section stays as it is;
- the file differs and the draft's section still matches it: the reviewer's text becomes a new version;
- both differ (the section was changed here after the export, and in the file): a conflict, reported
  and left untouched — unless both sides now say the same thing.
A file with no identity (matched by title and content) is taken as exported from the current version.
The title, the order of the sections and the 落款 are judged the same way against what the file left with.
"""

from dataclasses import dataclass, field

from drafting.checks.guard import FACT_GUARD
from drafting.output.identity import (
    ExportIdentity,
    exported_text,
    normal_text,
    section_fingerprint,
    signature_fingerprint,
)
from drafting.review.mapping import FileSection
from drafting.text.dates import compact_date
from drafting.writing.draft import Draft
from drafting.writing.pipeline import edit_section


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


def merge(
    draft: Draft,
    sections: dict[str, FileSection],
    identity: ExportIdentity | None,
    title: str | None = None,
    order: list[str] | None = None,
    signature: tuple[str, str] | None = None,
    unsigned: bool = False,
) -> Merged:
    """`order`: the keys in the file's order, given only when every section was found in the file;
    `signature`: the 落款 found in it (the units' names, the date); `unsigned`: the reviewers deleted it."""
    merged = Merged(draft.model_copy(deep=True))
    _merge_title(merged, title, identity)
    _merge_signature(merged, ("", "") if unsigned else signature, identity)
    if order is not None:
        _merge_order(merged, order, identity)
    for section in merged.draft.sections:
        edited = sections.get(section.key)
        if edited is None:
            continue
        current = section_fingerprint(section.heading, exported_text(section))
        base = identity.fingerprints.get(section.key, current) if identity else current
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
    return merged


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
    was also changed here since the export. The opening stays first and the closing last: a report
    does not open with a work section, and Word's own cut and paste misplaces them easily."""
    draft = merged.draft
    current = [s.key for s in draft.sections]
    if not current or sorted(order) != sorted(current):
        return  # not every section was found once: nothing to go by
    wanted = _framed(order, draft)
    head, tail = _frame(draft)
    merged.kept_in_place = [key for key in head if order[0] != key] + [
        key for key in tail if order[-1] != key
    ]
    exported = list(identity.order) if identity and sorted(identity.order) == sorted(current) else current
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
    draft.sections = [by_key[key] for key in wanted]
    merged.order_changed = True


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
