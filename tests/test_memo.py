"""The 起草 page asks for a draft's checks and files on every click: they are computed once per content
and recomputed as soon as the draft changes (tests/test_unit_isolation.py: and kept per unit)."""

import io
import threading

from openpyxl import load_workbook

from drafting.memo import Memo
from drafting.output.evidence import evidence_rows, evidence_xlsx
from tests.roundtrip_fixtures import FACTS, PLAN, example_facts, offline_draft, offline_service  # noqa: F401


def test_a_memo_computes_each_key_once_and_forgets_the_least_recently_used():
    memo: Memo[str] = Memo(2)
    calls = []

    def compute(value: str):
        return lambda: calls.append(value) or value.upper()

    assert memo.get("a", compute("a")) == "A" and memo.get("a", compute("a")) == "A"
    memo.get("b", compute("b"))
    memo.get("a", compute("a"))  # a is now the most recent
    memo.get("c", compute("c"))  # so b goes
    memo.get("a", compute("a"))
    memo.get("b", compute("b"))
    assert calls == ["a", "b", "c", "b"]


def test_a_memo_shared_by_threads_stays_within_its_size():
    memo: Memo[int] = Memo(8)
    threads = [
        threading.Thread(target=lambda n=n: [memo.get(i % 20, lambda i=i: i) for i in range(n, n + 500)])
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(memo._values) == 8


def test_the_checks_of_an_unchanged_section_are_remembered_and_an_edited_one_is_checked_again(service, draft):
    first = service.review(draft)
    reread = service.review(service.get(draft.id))  # the same text, read again: not checked again
    assert all(reread[key].proof is first[key].proof for key in first)  # the very findings remembered
    key = next(s.key for s in draft.sections if s.key.startswith("work"))
    service.edit(draft.id, key, draft.section(key).text + "全年共慰问职工999人。")
    again = service.review(service.get(draft.id))
    assert again[key].proof is not first[key].proof and "999人" in again[key].flags
    assert all(again[other].proof is first[other].proof for other in first if other != key)  # only it


def test_after_an_import_the_copy_guard_alone_runs_again(service, draft):
    """A new report can make a section a copy; it changes nothing the fact guard or proofreading say."""
    first = service.review(draft)
    key = next(s.key for s in draft.sections if s.key.startswith("work"))
    assert first[key].copies == []
    lifted = "江南区某单位工会2024年工作总结\n\n一、维权帮扶\n\n" + draft.section(key).text
    report = service.import_upload("借来的总结.txt", lifted.encode())
    again = service.review(service.get(draft.id))
    assert [copy.report_id for copy in again[key].copies] == [report.meta.id]
    assert all(again[other].copies == [] for other in first if other != key)
    assert all(again[other].proof is first[other].proof for other in first)  # not proofread again


def test_the_word_file_is_built_once_per_version_and_options(service, draft):
    plain = service.export_docx(draft.id)
    assert service.export_docx(draft.id) is plain
    with_table = service.export_docx(draft.id, evidence=True)  # other options, another file
    assert with_table != plain and service.export_docx(draft.id, evidence=True) is with_table
    key = next(s.key for s in draft.sections if s.key.startswith("work"))
    service.edit(draft.id, key, "工会全年开展职工书画展一次。")
    edited = service.export_docx(draft.id)
    assert edited != plain and "职工书画展".encode() not in plain


def cells(workbook: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(workbook)).active.iter_rows(values_only=True))


def test_the_evidence_workbook_is_the_tables_and_follows_the_draft(service, draft):
    book = service.export_evidence(draft.id)
    # by content: a workbook's saved time is part of its bytes
    assert cells(book) == cells(evidence_xlsx(evidence_rows(service.get(draft.id))))
    assert service.export_evidence(draft.id) is book
    key = next(s.key for s in draft.sections if s.key.startswith("work"))
    service.edit(draft.id, key, "工会全年开展职工书画展一次。")
    assert cells(service.export_evidence(draft.id)) != cells(book)
