"""Open findings written into the exported Word file as comments (批注) by 起草助手, on the exact words.

The exporter writes each paragraph as one run; to anchor a comment on a few words, that run is cut at
every anchor's edges into runs with the same formatting, and the comment range spans the runs of its
words. Comments may overlap (a proofreading mark inside an unsupported sentence): Word draws both.
"""

import copy

from docx.document import Document
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from drafting.checks.findings import OpenFinding

AUTHOR = "起草助手"
INITIALS = "起草"


def comment_on_paragraph(
    document: Document, paragraph: Paragraph, offset: int, findings: list[OpenFinding], home: bool = False
) -> None:
    """Comment the `findings` whose words lie in this paragraph; `offset` is where its text starts in the
    section's text. The section's `home` paragraph (its heading, else its first) also takes the findings
    without a place (start None), marked as a whole."""
    text = paragraph.text
    spans: list[tuple[int, int, OpenFinding]] = []
    for finding in findings:
        if finding.start is None:
            if home:
                spans.append((0, len(text), finding))
            continue
        start = finding.start - offset
        end = min(len(text), start + max(1, len(finding.anchor)))
        if 0 <= start < len(text):
            spans.append((start, end, finding))
    if not spans or not text:
        return
    runs = _cut(
        paragraph.runs[0], sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    )
    starts = [0]
    for run in runs:
        starts.append(starts[-1] + len(run.text))
    for start, end, finding in spans:
        covered = [run for run, at in zip(runs, starts, strict=False) if start <= at < end]
        document.add_comment(covered, text=finding.message, author=AUTHOR, initials=INITIALS)


def _cut(run: Run, cuts: list[int]) -> list[Run]:
    """The run split at `cuts` (offsets into its text, including 0 and its length) into formatted runs."""
    text = run.text
    pieces = [text[a:b] for a, b in zip(cuts, cuts[1:], strict=False) if b > a]
    element = run._element
    runs = [run]
    run.text = pieces[0]
    for piece in pieces[1:]:
        clone = copy.deepcopy(element)
        element.addnext(clone)
        element = clone
        new = Run(clone, run._parent)
        new.text = piece
        runs.append(new)
    return runs
