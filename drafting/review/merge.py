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


def merge(draft: Draft, sections: dict[str, FileSection], identity: ExportIdentity | None) -> Merged:
    merged = Merged(draft.model_copy(deep=True))
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
