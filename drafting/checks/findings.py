"""A section's open findings, each tied to the exact words it is about.

One list feeds both the Word comments of an export (`drafting show --comments`) and the findings a
re-imported file reports, so a reviewer sees in Word exactly what the command line reports. Every
finding names its `anchor`: the text it marks. A missing fact has no words in the text, so it is
anchored on the section's heading (or, for a section without one, on its first sentence).
"""

from typing import Literal

from pydantic import BaseModel

from drafting.checks.factguard import guard_section
from drafting.checks.proof import proofread
from drafting.text.script import to_simplified
from drafting.writing.draft import DraftSection
from drafting.writing.facts import Facts

FindingKind = Literal["unsupported", "missing_fact", "plan_as_done", "leak", "proof"]


class OpenFinding(BaseModel):
    section: str
    kind: FindingKind
    anchor: str  # the exact words marked
    message: str  # Chinese, for the reader of the comment
    start: int | None = None  # where `anchor` starts in the section's text; None: on the heading line


def section_findings(section: DraftSection, facts: Facts) -> list[OpenFinding]:
    """The fact guard's and the proofreader's findings on one written section, in that order."""
    if section.status in ("pending", "failed") or not section.text.strip():
        return []
    guard = guard_section(section.text, section.facts, facts)
    leaked = {leak.value for leak in guard.leaks}

    def found(kind: FindingKind, anchor: str, message: str) -> OpenFinding:
        return OpenFinding(
            section=section.key,
            kind=kind,
            anchor=anchor,
            start=_locate(section.text, anchor),
            message=message,
        )

    first_sentence = _first_sentence(section.text)
    return [
        *(
            found("leak", leak.value, f"这里有不该出现在总结里的内容（{leak.describe()}），请删去。")
            for leak in guard.leaks
        ),
        *(
            found(
                "plan_as_done", sentence, "这句把尚未完成的计划写成了已完成，请按计划的口吻写（如“拟”“将”）。"
            )
            for sentence in guard.promotions
        ),
        *(
            found("unsupported", value, f"“{value}”在要点中找不到依据，请核对后改为要点中的原话或删去。")
            for value in guard.flags
            if value not in guard.promotions and value not in leaked
        ),
        *(
            OpenFinding(  # no words to mark: the heading, or the first sentence of a section without one
                section=section.key,
                kind="missing_fact",
                anchor=section.heading or first_sentence,
                start=None if section.heading else section.text.find(first_sentence),
                message=f"本部分漏写了要点：{fact}",
            )
            for fact in guard.missing_facts
        ),
        *(
            OpenFinding(
                section=section.key,
                kind="proof",
                anchor=finding.excerpt,
                start=finding.start,  # the proofreader knows the exact place: a "，" may occur many times
                message=f"校对：{finding.explanation}"
                + (f"建议改为“{finding.suggestion}”。" if finding.suggestion else ""),
            )
            for finding in proofread(section.text)
        ),
    ]


def _locate(text: str, anchor: str) -> int | None:
    """Where the guard's words stand in the text; the guard reads simplified script, so look there too."""
    at = text.find(anchor)
    if at < 0:
        simplified = to_simplified(text)
        if len(simplified) == len(text):
            at = simplified.find(anchor)
    return at if at >= 0 else None


def _first_sentence(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    for mark in "。；！？":
        if mark in line:
            return line[: line.index(mark) + 1]
    return line
