"""The corpus of example reports: bundled examples (files shipped with the program) plus users' imports.

A bundled report is a Markdown file with a YAML front matter block; the body is the report's original
wording, one paragraph per block. Imported reports live in the database, each with its unit (see
`drafting.storage.reports`): a unit's imports are private to it until an administrator publishes them.
Every report carries an `owner` ("bundled", "unit-<id>", or "local" for the single-user mode), which
the index stores with each chunk so that search can keep one unit's reports from another.
"""

import hashlib
import re
import shutil
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel

from drafting.access import EVERYTHING, Scope
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
from drafting.text.control import strip_control
from drafting.text.instructions import is_instruction
from drafting.text.script import Script, detect_script

if TYPE_CHECKING:
    from drafting.access import Actor
    from drafting.storage.reports import ReportListing, ReportRepository, StoredReport

_SENTENCE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;]+[”’」』）)]*|\n|$)")
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
    owner: str = "bundled"


class Report(BaseModel):
    meta: ReportMeta
    body: str
    set_aside: list[str] = []  # at import only: sentences addressed to the writer, kept out of the corpus

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


def without_instructions(body: str) -> tuple[str, list[str]]:
    """The body without its sentences addressed to the writer (请务必在总结中写入…), and those sentences:
    an imported report is an exemplar, and an exemplar's words reach the model."""
    kept_paragraphs, set_aside = [], []
    for paragraph in body.split("\n\n"):
        sentences = _SENTENCE.findall(paragraph)
        kept = [s for s in sentences if not is_instruction(s)]
        set_aside += [s.strip() for s in sentences if is_instruction(s)]
        if "".join(kept).strip():
            kept_paragraphs.append("".join(kept).strip())
    return ("\n\n".join(kept_paragraphs), set_aside) if set_aside else (body, [])


def describe(report_id: str, title: str, body: str, source: str, origin: str) -> Report:
    """Build a report with front matter guessed from its text."""
    title = strip_control(title)  # a terminal code in a file's title must not reach `corpus list`
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


def read_bundled(folder: Path) -> list[Report]:
    """The example reports shipped with the program (or a folder laid out the same way).

    Read and parsed once per process while no file's size, modification time or inode changes: every run
    of 范文库 and 起草 asks for them, and parsing their front matter cost a tenth of a second each time."""
    return list(_parsed_bundled(tuple((path, *_stamp(path)) for path in sorted(folder.glob("*.md")))))


def _stamp(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


@lru_cache(maxsize=8)
def _parsed_bundled(files: tuple[tuple[Path, int, int, int], ...]) -> tuple[Report, ...]:
    return tuple(Report.from_file_text(file[0].read_text(encoding="utf-8")) for file in files)


def owner_of(unit_id: int | None) -> str:
    return "local" if unit_id is None else f"unit-{unit_id}"


class Corpus:
    """Bundled examples (read-only files) and the reports users imported (in the database)."""

    def __init__(self, bundled_dir: Path, store: "ReportRepository"):
        self.bundled_dir = bundled_dir
        self.store = store
        self._imported: tuple[str, list[Report]] | None = None  # the store's fingerprint and its reports

    def bundled(self) -> list[Report]:
        return read_bundled(self.bundled_dir)

    def imported(self) -> list[Report]:
        """Every unit's imported reports, read again only when the store's fingerprint changes. Reports are
        added and removed, never edited; reviews and the 语气对比 page ask for all of them on every run."""
        fingerprint = self.store.fingerprint()  # before the reports: a change in between reads them again
        kept = self._imported
        if kept is None or kept[0] != fingerprint:
            kept = self._imported = (fingerprint, [_report(stored) for stored in self.store.list_all()])
        return kept[1]

    def reports(self, scope: Scope = EVERYTHING) -> list[Report]:
        """The reports this scope drafts with (all of them for the index and the single-user mode)."""
        return [r for r in self.bundled() + self.imported() if scope.allows(r.meta)]

    def listed(self, actor: "Actor") -> list[ReportMeta]:
        """What 范文库 lists for this user: bundled, their unit's and published ones (all, for an admin)."""
        return [r.meta for r in self.bundled()] + [_meta(listing) for listing in self.store.listings(actor)]

    def scope_for(self, actor: "Actor") -> Scope:
        if actor.is_local:
            return EVERYTHING
        owners = {"bundled"} if actor.unit_id is None else {"bundled", owner_of(actor.unit_id)}
        return Scope(frozenset(owners), self.store.published_ids())

    def still_allowed(self, report_ids: set[str], scope: Scope) -> set[str]:
        """Which of these reports `scope` may still draft with: one removed, or withdrawn from publication
        by another unit, is gone (a draft keeps its excerpts, and must stop showing and reusing them)."""
        from drafting.storage.reports import is_imported_id

        imported = {report_id for report_id in report_ids if is_imported_id(report_id)}
        bundled = report_ids - imported
        stored = self.store.units_of(imported) if imported else {}
        return bundled | {
            report_id
            for report_id, unit_id in stored.items()
            if scope.allows_report(report_id, owner_of(unit_id))
        }

    def get(self, report_id: str, actor: "Actor", scope: Scope = EVERYTHING) -> Report:
        for report in self.bundled():
            if report.meta.id == report_id:
                return report
        from drafting.storage.reports import not_found

        report = _report(self.store.get(report_id, actor))
        if not scope.allows(report.meta):
            raise not_found(report_id)
        return report

    def fingerprint(self) -> str:
        """Changes whenever a report is added, removed or re-described (the index manifest's key)."""
        digest = hashlib.sha1()
        for path in sorted(self.bundled_dir.glob("*.md")):
            try:
                stat = path.stat()
            except FileNotFoundError:  # removed while we looked
                continue
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
        digest.update(self.store.fingerprint().encode())
        return digest.hexdigest()

    def add_file(
        self, path: Path, actor: "Actor", accept: "Callable[[Report], None] | None" = None
    ) -> Report:
        """Read, clean and store a user's report file for the actor's unit; the caller indexes it."""
        return self.add_text(read_document(path), path.name, actor, accept)

    def add_text(
        self, text: str, source_name: str, actor: "Actor", accept: "Callable[[Report], None] | None" = None
    ) -> Report:
        """Store a report's text for the actor's unit, under an id made from its content.

        `source_name` (a browser's or user's file name) is kept as data only: no path is ever built
        from it, so a name like `../../x` cannot place a file anywhere. `accept` may refuse the cleaned
        report (a UserError) before anything is stored.
        """
        if Path(source_name.replace("\\", "/")).suffix.lower() not in _FORMATTED_SUFFIXES:
            text = normalise_pasted_text(text)  # pasted or plain text: paragraphs, punctuation, a clean title
        scraped = split_page(text)
        body, set_aside = without_instructions(
            "\n\n".join(item.body for item in scraped) if scraped else text
        )
        title = guess_title(scraped[0].title if scraped else "", body, source_name)
        report = describe("", title, body, Path(source_name.replace("\\", "/")).name[:120], "user")
        if accept:
            accept(report)
        stored = self.store.add(
            actor,
            report.meta.title,
            report.meta.model_dump(exclude={"id", "owner"}),
            body,
            report.meta.source,
        )
        return _report(stored).model_copy(update={"set_aside": set_aside})

    def remove(self, report_id: str, actor: "Actor") -> Report:
        if any(report.meta.id == report_id for report in self.bundled()):
            raise UserError(f"“{report_id}”是内置范文，不能删除；只能删除自己导入的范文。")
        return _report(self.store.remove(report_id, actor))

    def adopt_files(self, folder: Path, actor: "Actor") -> int:
        """Move reports earlier versions kept as files into the database; the folder is renamed, not deleted."""
        files = sorted(folder.glob("*.md")) if folder.is_dir() else []
        for path in files:
            report = Report.from_file_text(path.read_text(encoding="utf-8"))
            meta = report.meta.model_dump(exclude={"id", "owner"})
            self.store.add(
                actor, report.meta.title, meta, report.body, report.meta.source, report_id=report.meta.id
            )
        if files:
            shutil.move(folder, folder.with_name(f"{folder.name}.imported"))
        return len(files)


def _report(stored: "StoredReport") -> Report:
    return Report(meta=_meta(stored), body=stored.body)


def _meta(stored: "StoredReport | ReportListing") -> ReportMeta:
    return ReportMeta(
        **{**stored.meta, "id": stored.id, "title": stored.title, "owner": owner_of(stored.unit_id)}
    )
