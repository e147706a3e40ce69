"""范文库's list after an import, through AppTest with a stand-in service: the page is drawn from the list it
read first, so an import that ends later in the run must make the page run again."""

from dataclasses import dataclass, field

from streamlit.testing.v1 import AppTest

from drafting.access import Actor
from drafting.background import DONE, Job
from drafting.corpus.reports import Report, ReportMeta

BUNDLED = ReportMeta(
    id="seed01-01", title="某校工会2024年工作总结", unit_type="学校", period="2024年", kind="年度总结",
    script="简体", source="示例",
)  # fmt: skip
IMPORTED = Report(
    meta=BUNDLED.model_copy(
        update={"id": "user-0123456789", "title": "某厂工会2024年工作总结", "origin": "user"}
    ),
    body="某厂工会2024年工作总结\n\n召开职代会。",
)


@dataclass
class ImportEndingAfterTheList:
    """The 范文库 calls a page run makes, with an import that ends just after the first list is read
    (as while the user searched): the list misses it, the job says it is done."""

    actor: Actor = field(default_factory=Actor.local)
    job: Job = field(default_factory=lambda: Job(1, "local", "某厂工会2024年工作总结.txt"))
    lists: int = 0

    def list_reports(self) -> list[ReportMeta]:
        self.lists += 1
        listed = [BUNDLED] if self.job.state != DONE else [BUNDLED, IMPORTED.meta]
        if self.job.state != DONE:
            self.job._update(state=DONE, result=IMPORTED)
        return listed

    def listed_report(self, report_id: str) -> Report:
        return IMPORTED if report_id == IMPORTED.meta.id else Report(meta=BUNDLED, body="示例")

    def import_jobs(self) -> list[Job]:
        return [] if self.job.seen else [self.job]

    def is_published(self, report_id: str) -> bool:
        return False


def library_page() -> None:
    import runpy

    import streamlit as st

    from app import current
    from tests.conftest import ROOT

    current.use(st.session_state["service"])
    runpy.run_path(str(ROOT / "app" / "library.py"))


def test_an_import_that_ends_after_the_list_was_read_is_listed_in_the_same_click():
    """The page ran again only when it had followed the import while it ran; one that ended in between
    (between reading the list and following) showed 已导入 with the report missing from 阅读范文."""
    app = AppTest.from_function(library_page, default_timeout=30)
    app.session_state["service"] = service = ImportEndingAfterTheList()
    app.run()
    assert not app.exception
    assert service.lists == 2  # read again by the rerun
    (reading,) = [box for box in app.selectbox if box.label == "阅读范文"]
    assert any(option.startswith("某厂工会2024年工作总结（") for option in reading.options), reading.options
    assert [s.value for s in app.success] == ["已导入：某厂工会2024年工作总结（user-0123456789）"]


def test_a_search_too_long_is_refused_in_chinese(built_library, monkeypatch):
    """The search box has no length limit of its own (its count would stand where the typing hint is
    shown in Chinese): the service's limit answers, as a message, not a traceback."""
    from drafting.service import MAX_QUERY_CHARS
    from tests.apppages import go
    from tests.conftest import ROOT

    monkeypatch.setenv("DRAFTING_DATA_DIR", str(built_library.settings.data_dir))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    go(app, "范文库")
    (box,) = [field for field in app.text_input if field.label == "检索范文段落"]
    box.input("职工" * MAX_QUERY_CHARS).run()
    assert not app.exception
    assert any(f"最多 {MAX_QUERY_CHARS} 字" in error.value for error in app.error), [
        e.value for e in app.error
    ]
