"""The 事实依据表 reviewers ask for: each sentence of a draft, the fact it states and where that fact came from.

A sentence that carries a number is matched to the fact stating the same values (the section's own
facts first); the fact's sources come from extraction, or it is 用户填写 when the user typed it. A
sentence with a figure no fact states (a reviewer changed 800人 to 850人) is 数字与要点不符, beside the
nearest fact, never vouched for by its sources. A sentence with no number and no fact is 通用表述.
"""

import io
import re

from pydantic import BaseModel

from drafting.materials.values import Amount, amounts, stated_values, vague_values
from drafting.text.control import strip_control
from drafting.writing.draft import Draft, section_name

FROM_MATERIALS, TYPED, GENERAL, UNMATCHED = "素材", "用户填写", "通用表述", "无对应要点（请核对）"
CHANGED = "数字与要点不符（请核对）"  # a figure no fact states: changed by hand, or mistyped
APPENDIX_TITLE = "附件：事实依据表"
_SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")


class EvidenceSource(BaseModel):
    file: str
    location: str
    excerpt: str


class EvidenceRow(BaseModel):
    section: str
    sentence: str
    basis: str  # 素材, 用户填写, 通用表述, 无对应要点（请核对） or 数字与要点不符（请核对）
    fact: str = ""
    sources: list[EvidenceSource] = []


def evidence_rows(draft: Draft) -> list[EvidenceRow]:
    headings = draft.numbered_headings()
    rows = []
    for section in draft.sections:
        if section.status in ("pending", "failed"):
            continue
        candidates = list(dict.fromkeys([*section.facts, *draft.facts.facts]))
        stated = {amount for fact in candidates for amount in amounts(fact, approximate=True)}
        for sentence in (s.strip() for s in _SENTENCE.findall(section.text)):
            if len(sentence) < 2:
                continue
            name = headings.get(section.key) or section_name(section.kind, section.heading)
            rows.append(_row(name, sentence, candidates, stated, draft.facts.sources))
    return rows


def _row(
    section: str,
    sentence: str,
    facts: list[str],
    stated: set[Amount],
    sources: dict[str, list[dict[str, str]]],
) -> EvidenceRow:
    values = stated_values(sentence)
    fact = _best_fact(sentence, values, facts) if values else None
    if fact is None:
        return EvidenceRow(section=section, sentence=sentence, basis=UNMATCHED if values else GENERAL)
    changed = any(amount not in stated for amount in amounts(sentence, approximate=True))  # 500余人 too
    if changed or any(not any(v in f for f in facts) for v in vague_values(sentence)):  # 数百人 for 十几人
        return EvidenceRow(section=section, sentence=sentence, basis=CHANGED, fact=fact)
    found = [EvidenceSource(**s) for s in sources.get(fact, [])]
    return EvidenceRow(
        section=section, sentence=sentence, basis=FROM_MATERIALS if found else TYPED, fact=fact, sources=found
    )


def _best_fact(sentence: str, values: list[str], facts: list[str]) -> str | None:
    """The fact sharing most of the sentence's values (as written, or as amounts: 3.4万元 = 34000元)."""
    stated = set(amounts(sentence, approximate=True))
    scored = [
        (
            len(set(values) & set(stated_values(fact))) + len(stated & set(amounts(fact, approximate=True))),
            -i,
            fact,
        )
        for i, fact in enumerate(facts)
    ]
    best = max(scored, default=(0, 0, None))
    return best[2] if best[0] > 0 else None


def evidence_markdown(rows: list[EvidenceRow]) -> str:
    lines = ["| 部分 | 句子 | 依据 | 要点 | 出处 | 原文摘录 |", "| --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        where = "<br>".join(f"{s.file} {s.location}" for s in row.sources)
        excerpts = "<br>".join(s.excerpt for s in row.sources)
        cells = [row.section, row.sentence, row.basis, row.fact, where, excerpts]
        lines.append("| " + " | ".join(c.replace("|", "｜").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def evidence_xlsx(rows: list[EvidenceRow]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "事实依据表"
    sheet.append(["部分", "句子", "依据", "要点", "文件", "位置", "原文摘录"])
    for row in rows:
        for source in row.sources or [EvidenceSource(file="", location="", excerpt="")]:
            sheet.append(
                [row.section, row.sentence, row.basis, row.fact, source.file, source.location, source.excerpt]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def append_evidence(document, rows: list[EvidenceRow], before) -> None:  # noqa: ANN001 - python-docx objects
    """The table as 附件：事实依据表 on a new page of a Word export (only sentences that carry a fact),
    placed just before the paragraph `before` (the text's placeholder: a template's 版记 follows it)."""
    from docx.enum.text import WD_BREAK

    page_break = document.add_paragraph()
    page_break.add_run().add_break(WD_BREAK.PAGE)
    title = document.add_paragraph(APPENDIX_TITLE)
    table = document.add_table(rows=1, cols=4)
    for element in (page_break._element, title._element, table._element):
        before._element.addprevious(element)
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, ("句子", "依据", "出处", "原文摘录"), strict=True):
        cell.text = title
    for row in rows:
        if row.basis == GENERAL:
            continue
        texts = (
            row.sentence,
            row.basis,
            "\n".join(f"{s.file} {s.location}" for s in row.sources),
            "\n".join(s.excerpt for s in row.sources),
        )
        for cell, text in zip(table.add_row().cells, texts, strict=True):
            cell.text = strip_control(text)  # XML forbids control characters; a stored draft may hold them
