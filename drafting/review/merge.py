"""Bring a reviewer's sections into the current draft, one section at a time, never over newer work.

Each section is judged against the fingerprint it had when the file was exported:
- the file still matches it: the reviewer left it alone, the draft's section stays as it is;
- the file differs and the draft's section still matches it: the reviewer's text becomes a new version;
- both differ (the section was changed here after the export, and in the file): a conflict, reported
  and left untouched — unless both sides now say the same thing.
A file with no identity (matched by title and content) is taken as exported from the current version.
"""

from dataclasses import dataclass, field

from drafting.checks.guard import FACT_GUARD
from drafting.output.identity import ExportIdentity, exported_text, normal_text, section_fingerprint
from drafting.review.mapping import FileSection
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


def merge(
    draft: Draft, sections: dict[str, FileSection], identity: ExportIdentity | None, title: str | None = None
) -> Merged:
    merged = Merged(draft.model_copy(deep=True))
    _merge_title(merged, title, identity)
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
