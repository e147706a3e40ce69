"""Cut a parsed report into search chunks that fit the embedder and keep their place in the report."""

import hashlib
import re

from pydantic import BaseModel

from drafting.corpus.parser import Part, Section
from drafting.corpus.reports import Report
from drafting.errors import UserError

MAX_CHUNK_CHARS = 400  # e5-small reads 512 tokens; 400 Chinese characters stay under that
MAX_CHUNKS_PER_IMPORT = 2000  # about 800,000 characters: far beyond any report, and a minute of embedding


class Chunk(BaseModel):
    id: str
    text: str
    heading: str
    heading_path: str
    part: Part
    report_id: str
    report_title: str
    unit_type: str
    kind: str
    script: str
    origin: str
    owner: str  # "bundled", "unit-<id>" or "local": search shows a unit's chunks only to that unit
    position: int

    def search_text(self) -> str:
        """What is embedded and tokenised: the heading path gives a short section its topic."""
        return f"{self.heading_path}\n{self.text}" if self.heading_path else self.text


def within_import_budget(report: Report) -> None:
    """Refuse a report too long to index in one import, before it is stored or embedded."""
    count = len(chunk_report(report))
    if count > MAX_CHUNKS_PER_IMPORT:
        raise UserError(
            f"“{report.meta.source or report.meta.title}”太长：切分后有 {count} 段，超过一次导入的上限 "
            f"{MAX_CHUNKS_PER_IMPORT} 段（约 {MAX_CHUNKS_PER_IMPORT * MAX_CHUNK_CHARS // 10000} 万字），没有导入。"
            "一篇工作总结通常只有几千字：请只导入总结正文，或把合订本拆成单篇分别导入。"
        )


def chunk_report(report: Report) -> list[Chunk]:
    chunks: list[Chunk] = []
    for path, section in report.parsed().walk():
        for text in _pieces(_own_text(section)):
            chunks.append(_make_chunk(report, path, section, text, len(chunks)))
    return chunks


def _own_text(section: Section) -> list[str]:
    """The section's paragraphs plus the headings of its bare list items (children with nothing under them)."""
    lines = list(section.paragraphs)
    lines += [child.heading for child in section.children if not child.paragraphs and not child.children]
    if section.heading and lines:
        lines.insert(0, section.heading)
    return lines


def _pieces(lines: list[str]) -> list[str]:
    """Group lines into pieces of at most MAX_CHUNK_CHARS, splitting long paragraphs at sentence ends."""
    runs: list[tuple[str, bool]] = []  # (text, starts a paragraph)
    for line in lines:
        parts = (
            [line] if len(line) <= MAX_CHUNK_CHARS else [s for s in re.split(r"(?<=[。！？；])", line) if s]
        )
        runs += [(part, i == 0) for i, part in enumerate(parts)]
    pieces: list[str] = []
    current = ""
    for text, new_paragraph in runs:
        if current and len(current) + len(text) > MAX_CHUNK_CHARS:
            pieces.append(current)
            current = text
        else:
            current = f"{current}{chr(10) if new_paragraph else ''}{text}" if current else text
    if current:
        pieces.append(current)
    return [piece[i : i + MAX_CHUNK_CHARS] for piece in pieces for i in range(0, len(piece), MAX_CHUNK_CHARS)]


def _make_chunk(report: Report, path: tuple[str, ...], section: Section, text: str, position: int) -> Chunk:
    meta = report.meta
    heading_path = " > ".join(path)
    digest = hashlib.sha1(
        f"{meta.model_dump_json()}|{heading_path}|{section.part}|{text}".encode()
    ).hexdigest()
    return Chunk(
        id=f"{meta.id}:{digest[:16]}",
        text=text,
        heading=section.title,
        heading_path=heading_path,
        part=section.part,
        report_id=meta.id,
        report_title=meta.title,
        unit_type=meta.unit_type,
        kind=meta.kind,
        script=meta.script,
        origin=meta.origin,
        owner=meta.owner,
        position=position,
    )
