"""The corpus of example reports: bundled examples plus the user's own, stored as text files with front matter.

A report file is Markdown with a YAML front matter block; the body is the report's original wording,
one paragraph per block. Bundled reports live in `examples_corpus/`, the user's in the data folder.
"""

import hashlib
import re
from pathlib import Path

import yaml
from pydantic import BaseModel

from drafting.corpus.classify import (
    ReportKind,
    UnitType,
    guess_kind,
    guess_period,
    guess_title,
    guess_unit_type,
)
from drafting.corpus.cleaning import split_page
from drafting.corpus.parser import ParsedReport, parse_report
from drafting.documents import normalise_pasted_text, read_document
from drafting.errors import UserError
from drafting.text.script import Script, detect_script

_FORMATTED_SUFFIXES = (".docx", ".doc", ".wps", ".pdf")  # their readers already restore the paragraphs
_FRONT_MATTER = re.compile(r"^---\n(?P<meta>.*?)\n---\n(?P<body>.*)$", re.S)


class ReportMeta(BaseModel):
    id: str
    title: str
    unit_type: UnitType
    period: str
    kind: ReportKind
    script: Script
    source: str
    origin: str = "bundled"


class Report(BaseModel):
    meta: ReportMeta
    body: str

    def parsed(self) -> ParsedReport:
        return parse_report(self.body)

    def to_file_text(self) -> str:
        meta = yaml.safe_dump(self.meta.model_dump(), allow_unicode=True, sort_keys=False).strip()
        return f"---\n{meta}\n---\n{self.body.strip()}\n"

    @classmethod
    def from_file_text(cls, text: str) -> "Report":
        m = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
        if not m:
            raise UserError("范文文件缺少开头的 --- 元数据块。")
        return cls(meta=ReportMeta(**yaml.safe_load(m.group("meta"))), body=m.group("body").strip())


def describe(report_id: str, title: str, body: str, source: str, origin: str) -> Report:
    """Build a report with front matter guessed from its text."""
    has_plan = bool(parse_report(body).part("plan"))
    titled = f"{title}\n\n{body}"  # the title often names the unit and the period the body leaves out
    meta = ReportMeta(
        id=report_id,
        title=title,
        unit_type=guess_unit_type(titled),
        period=guess_period(titled),
        kind=guess_kind(titled, has_plan),
        script=detect_script(body),
        source=source,
        origin=origin,
    )
    return Report(meta=meta, body=body)


def reports_from_seed(path: Path) -> list[Report]:
    """The reports of one scraped page, cleaned of web boilerplate."""
    stem = path.stem.split("_")[0]
    scraped = split_page(path.read_text(encoding="utf-8"))
    return [
        describe(f"seed{stem}-{n:02d}", item.title, item.body, path.name, "bundled")
        for n, item in enumerate(scraped, start=1)
    ]


class Corpus:
    """Bundled examples (read-only) and the user's reports (added and removed here)."""

    def __init__(self, bundled_dir: Path, user_dir: Path):
        self.bundled_dir = bundled_dir
        self.user_dir = user_dir

    def reports(self) -> list[Report]:
        files = sorted(self.bundled_dir.glob("*.md")) + sorted(self.user_dir.glob("*.md"))
        return [Report.from_file_text(f.read_text(encoding="utf-8")) for f in files]

    def get(self, report_id: str) -> Report:
        for report in self.reports():
            if report.meta.id == report_id:
                return report
        raise UserError(f"范文库里没有编号为“{report_id}”的范文。可用 `drafting corpus list` 查看编号。")

    def add_file(self, path: Path) -> Report:
        """Read, clean and store a user's report file; the caller indexes it."""
        return self.add_text(read_document(path), path.name)

    def add_text(self, text: str, source_name: str) -> Report:
        """Store a report's text under an id made from its content.

        `source_name` (a browser's or user's file name) is kept as data only: no path is ever built
        from it, so a name like `../../x` cannot place a file outside the user corpus.
        """
        if Path(source_name.replace("\\", "/")).suffix.lower() not in _FORMATTED_SUFFIXES:
            text = normalise_pasted_text(text)  # pasted or plain text: paragraphs, punctuation, a clean title
        scraped = split_page(text)
        body = "\n\n".join(item.body for item in scraped) if scraped else text
        title = guess_title(scraped[0].title if scraped else "", body, source_name)
        report_id = "user-" + hashlib.sha1(body.encode()).hexdigest()[:10]
        report = describe(report_id, title, body, Path(source_name.replace("\\", "/")).name[:120], "user")
        self.user_dir.mkdir(parents=True, exist_ok=True)
        target = self.user_dir / f"{report_id}.md"
        partial = target.with_suffix(".part")
        partial.write_text(report.to_file_text(), encoding="utf-8")
        partial.replace(target)  # a killed import leaves no half-written report
        return report

    def remove(self, report_id: str) -> Report:
        report = self.get(report_id)
        if report.meta.origin != "user":
            raise UserError(f"“{report_id}”是内置范文，不能删除；只能删除自己导入的范文。")
        (self.user_dir / f"{report_id}.md").unlink()
        return report
