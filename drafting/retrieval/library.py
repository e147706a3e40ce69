"""The corpus and its index together: what the CLI and the app call to add, remove, index and search."""

from functools import cached_property
from pathlib import Path

from drafting.corpus.reports import Corpus, Report
from drafting.documents import read_document_bytes
from drafting.retrieval.index import BuildResult, Progress, SectionIndex
from drafting.retrieval.search import Hit, Mode, Searcher
from drafting.settings import Settings


class Library:
    """Keeps the index in step with the corpus: a report is indexed when added and unindexed when removed."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.corpus = Corpus(settings.corpus_dir, settings.user_corpus_dir)

    @cached_property
    def index(self) -> SectionIndex:
        return SectionIndex(self.settings)

    @cached_property
    def searcher(self) -> Searcher:
        return Searcher(self.index)

    def build(self, progress: Progress | None = None) -> BuildResult:
        result = self.index.sync(self.corpus.reports(), progress)
        self.__dict__.pop("searcher", None)
        return result

    def ensure_built(self, progress: Progress | None = None) -> None:
        """Build once when the index is empty; never re-embed an index that exists."""
        if self.index.count() == 0:
            self.build(progress)

    def add(self, path: Path, progress: Progress | None = None) -> Report:
        """Store and index a user's report file; if indexing fails the report is taken out again."""
        return self._indexed(self.corpus.add_file(path), progress)

    def add_upload(self, name: str, data: bytes, progress: Progress | None = None) -> Report:
        """Store and index an uploaded file; its name is data only (see Corpus.add_text)."""
        return self._indexed(self.corpus.add_text(read_document_bytes(name, data), name), progress)

    def _indexed(self, report: Report, progress: Progress | None) -> Report:
        try:
            self.build(progress)
        except Exception:
            self.corpus.remove(report.meta.id)
            self.build()
            raise
        return report

    def remove(self, report_id: str) -> Report:
        report = self.corpus.remove(report_id)
        self.index.remove_report(report_id)
        self.__dict__.pop("searcher", None)
        return report

    def search(
        self,
        query: str,
        k: int = 5,
        part: str | None = None,
        unit_type: str | None = None,
        mode: Mode = "hybrid",
    ) -> list[Hit]:
        self.ensure_built()
        return self.searcher.search(query, k=k, part=part, unit_type=unit_type, mode=mode)
