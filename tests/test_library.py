"""Adding and removing the user's own reports keeps the corpus and index in step; bad files change nothing."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from docx import Document

from drafting.access import Actor
from drafting.cli import main
from drafting.errors import UserError
from drafting.retrieval import search
from drafting.retrieval.index import SectionIndex
from drafting.retrieval.keyword import KeywordIndex
from drafting.retrieval.library import Library
from drafting.retrieval.search import build_keyword_index

LOCAL = Actor.local()

USER_REPORT = """某市第二医院工会2025年工作总结

2025年，医院工会在医院党委的领导下，围绕医疗中心工作，现将全年工作总结如下：

一、深化院务公开

召开第五届职工代表大会第三次会议，审议通过《医院绩效分配方案》，院务公开栏每月更新。

二、关爱医护人员

开展“医护心理减压”活动，为夜班护士送夜宵，组织职工健康体检。

三、存在的不足

活动覆盖面还不够广。

四、2026年工作打算

继续推进院务公开，办好职工之家。"""


def test_add_list_search_remove_a_docx(tmp_path):
    library = Library(_settings(tmp_path))
    document = Document()
    for paragraph in USER_REPORT.split("\n\n"):
        document.add_paragraph(paragraph)
    path = tmp_path / "我院总结.docx"
    document.save(path)
    # Index only the user report: point the bundled corpus at an empty folder to keep the test quick.
    report = library.add(path, LOCAL)
    assert (
        report.meta.origin == "user" and report.meta.unit_type == "医院" and report.meta.kind == "总结及计划"
    )
    assert report.meta.title == "某市第二医院工会2025年工作总结"
    assert [r.meta.id for r in library.corpus.reports()] == [report.meta.id]
    hits = library.search("医护心理减压 夜班护士", k=3)
    assert hits[0].report == report.meta.id and "夜宵" in hits[0].text
    assert library.build().added == 0  # incremental: nothing new to embed
    library.remove(report.meta.id, LOCAL)
    assert library.corpus.reports() == [] and library.index.count() == 0


OTHER_REPORT = """某区实验学校工会2025年工作总结

一、建设职工书屋

新建职工书屋一处，购置图书八百册，开展读书分享会六场。

二、关心青年教师

举办青年教师联谊活动，组织新教师座谈。"""


def _rows_by_id(keywords: KeywordIndex) -> dict[str, tuple]:
    ids, tokens, columns, vectors = keywords.rows(np.arange(keywords.count))
    return {
        chunk_id: (
            tokens[row],
            [columns[name][row] for name in sorted(columns)],
            vectors[row].round(6).tolist(),
        )
        for row, chunk_id in enumerate(ids)
    }


def _whole_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Notes each read of every stored chunk from chroma."""
    reads: list[int] = []
    records = SectionIndex.records
    monkeypatch.setattr(SectionIndex, "records", lambda *a, **k: reads.append(1) or records(*a, **k))
    return reads


def _same_as_a_whole_rebuild(library: Library, folder: Path) -> bool:
    whole = build_keyword_index(library.index, folder)
    kept = library.searcher.keywords
    queries = (["职工书屋"], ["院务", "公开"], ["职工"])
    same_scores = all(sorted(kept.search(q, 10)) == sorted(whole.search(q, 10)) for q in queries)
    return _rows_by_id(kept) == _rows_by_id(whole) and same_scores


def test_after_an_import_or_a_removal_only_new_chunks_are_read_and_the_index_equals_a_whole_rebuild(
    tmp_path, monkeypatch
):
    """Reading every chunk from chroma again after each import grew the server's memory without end."""
    library = Library(_settings(tmp_path))
    first = library.add_upload("一.txt", USER_REPORT.encode(), LOCAL)
    assert library.search("院务公开", k=1)[0].report == first.meta.id  # a searching process, like the app
    whole_reads = _whole_reads(monkeypatch)
    second = library.add_upload("二.txt", OTHER_REPORT.encode(), LOCAL)
    assert library.search("职工书屋 读书分享会", k=1)[0].report == second.meta.id and whole_reads == []
    assert _same_as_a_whole_rebuild(library, tmp_path / "whole") and whole_reads == [1]
    library.remove(first.meta.id, LOCAL)
    assert whole_reads == [1] and {h.report for h in library.search("院务公开 职工书屋", k=5)} == {
        second.meta.id
    }
    assert _same_as_a_whole_rebuild(library, tmp_path / "whole-2")


@pytest.mark.parametrize("why", ["gone", "damaged", "more new chunks than an import brings"])
def test_every_chunk_is_read_again_when_the_index_before_cannot_be_built_on(why, tmp_path, monkeypatch):
    """Another process's build may have removed the generation this process searched; a damaged one
    carried over would get fresh checksums and hide the damage from `drafting doctor`."""
    library = Library(_settings(tmp_path))
    first = library.add_upload("一.txt", USER_REPORT.encode(), LOCAL)
    library.search("院务公开", k=1)
    generation = library.searcher.keywords.generation
    if why == "gone":
        shutil.rmtree(generation)
    elif why == "damaged":
        values = generation / "tokens.values.json"  # the same number of words, in another order
        values.write_text(json.dumps(json.loads(values.read_text("utf-8"))[::-1]), encoding="utf-8")
    else:
        monkeypatch.setattr(search, "MAX_CHUNKS_PER_IMPORT", 0)
    whole_reads = _whole_reads(monkeypatch)
    second = library.add_upload("二.txt", OTHER_REPORT.encode(), LOCAL)
    assert whole_reads == [1]
    assert {h.report for h in library.search("院务公开 职工书屋", k=5)} == {first.meta.id, second.meta.id}
    assert library.searcher.keywords.damaged_files() == []


def test_bad_file_leaves_corpus_and_index_unchanged(tmp_path):
    library = Library(_settings(tmp_path))
    good = tmp_path / "good.txt"
    good.write_text(USER_REPORT, encoding="gbk")
    library.add(good, LOCAL)
    before = library.index.count()
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(UserError):
        library.add(bad, LOCAL)
    assert library.index.count() == before and len(library.corpus.reports()) == 1
    assert library.search("院务公开", k=1)[0].report.startswith("user-")


def test_bundled_reports_cannot_be_removed(built_library):
    with pytest.raises(UserError, match="内置范文"):
        built_library.remove("seed000-01", LOCAL)


def test_cli_corpus_commands(tmp_path, monkeypatch, capsys):
    settings = _settings(tmp_path)
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(settings.corpus_dir))
    path = tmp_path / "r.md"
    path.write_text(USER_REPORT, encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert main(["corpus", "add", str(path), str(empty)]) == 1  # one imported, one refused
    output = capsys.readouterr()
    assert "已导入 user-" in output.out and "空文件" in output.err
    assert main(["corpus", "list"]) == 0
    listed = capsys.readouterr().out
    assert "医院" in listed and "user-" in listed
    report_id = listed.split()[0]
    assert main(["corpus", "remove", report_id]) == 0
    assert main(["corpus", "remove", report_id]) == 1
    assert "没有编号" in capsys.readouterr().err


def _settings(tmp_path):
    from drafting.settings import load_settings

    empty_bundled = tmp_path / "bundled"
    empty_bundled.mkdir(exist_ok=True)
    return load_settings(data_dir=tmp_path / "data", corpus_dir=empty_bundled)


@pytest.mark.parametrize(
    "name", ["../../escape.txt", "/tmp/abs-escape.txt", "../user_corpus/zz.md", "..\\..\\w.txt"]
)
def test_an_upload_name_never_becomes_a_path(settings, name, tmp_path):
    library = Library(settings.model_copy(update={"corpus_dir": tmp_path / "no-bundled"}))
    (tmp_path / "no-bundled").mkdir()
    body = "某某学校工会2024年工作总结\n\n" + "一、加强民主管理，召开教代会，推进校务公开。" * 5
    before = {p for p in tmp_path.rglob("*")} | set(Path("/tmp").glob("abs-escape*"))
    report = library.add_upload(name, body.encode(), LOCAL)
    created = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert all(settings.data_dir in p.parents for p in created)
    assert not Path("/tmp/abs-escape.txt").exists()
    assert report.meta.id.startswith("user-") and "/" not in report.meta.source
    assert [r.meta.id for r in library.corpus.reports()] == [report.meta.id]
    assert library.search("教代会 校务公开", k=1)[0].report == report.meta.id


def test_a_docx_upload_is_read_as_word(settings, tmp_path):
    """The app used to write the extracted text under the .docx name and read it back as Word."""
    document = Document()
    for line in USER_REPORT.split("\n\n"):
        document.add_paragraph(line)
    document.save(tmp_path / "我院总结.docx")
    library = Library(settings)
    report = library.add_upload("我院总结.docx", (tmp_path / "我院总结.docx").read_bytes(), LOCAL)
    assert report.meta.source == "我院总结.docx" and "院务公开" in report.body
    assert library.search("医护心理减压", k=1)[0].report == report.meta.id


def test_an_unreachable_chroma_server_is_a_chinese_message(tmp_path):
    from drafting.errors import UserError
    from drafting.settings import load_settings
    from tests.conftest import free_port

    settings = load_settings(data_dir=tmp_path / "data", chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(UserError, match="向量库服务器 127.0.0.1"):
        Library(settings).check()


@pytest.mark.slow  # 10 s here
def test_an_upload_too_long_to_index_is_refused_before_anything_is_stored_or_embedded(settings, tmp_path):
    """The probe's legal 5 MB .txt (6,019 chunks) held a CPU embedding for minutes; the budget refuses it at once."""
    from drafting.retrieval.chunking import MAX_CHUNKS_PER_IMPORT

    library = Library(settings)
    paragraph = "开展“安康杯”竞赛，组织安全知识培训，排查整改安全隐患，职工安全意识进一步增强。" * 9
    body = "某某集团工会2025年工作总结汇编\n\n" + "\n\n".join(
        f"{n}. 第{n}项工作：{paragraph}" for n in range(1, 2 * MAX_CHUNKS_PER_IMPORT)
    )
    assert len(body.encode()) < 5 * 1024 * 1024  # within the upload limit
    before = ([r.meta.id for r in library.corpus.reports()], library.check())
    with pytest.raises(UserError, match=f"超过一次导入的上限 {MAX_CHUNKS_PER_IMPORT} 段"):
        library.add_upload("汇编.txt", body.encode(), LOCAL)
    assert ([r.meta.id for r in library.corpus.reports()], library.check()) == before
    short = "\n\n".join(body.split("\n\n")[:4])  # the title and three items: each one is embedded
    assert library.add_upload("前三项.txt", short.encode(), LOCAL).meta.source == "前三项.txt"


def test_indexing_reports_its_total_before_the_first_batch(settings):
    """范文库 shows 正在建立索引 0/N at once: an import of fewer chunks than one batch reported its only
    progress when it was done, so the page showed no count while it embedded. Chunks whose vectors the
    package ships are stored first and together (nothing to embed); the rest are embedded batch by batch."""
    from drafting.models.embedders import E5EmbeddingFunction
    from drafting.retrieval.index import EMBED_BATCH, SectionIndex

    class Flat(E5EmbeddingFunction):
        """Every passage the same vector: what is counted here is batches, not meanings."""

        def __call__(self, input):
            return [np.full(384, 0.05, dtype=np.float32) for _ in input]

    library = Library(settings)
    library.__dict__["index"] = SectionIndex(settings, Flat())
    bundled = list(library.expected.chunks().values())[: EMBED_BATCH + 2]
    own = [
        chunk.model_copy(update={"id": f"mine:{number}", "text": f"本单位第{number}段"})
        for number, chunk in enumerate(bundled)
    ]
    reported: list[tuple[int, int]] = []
    library.index.add_chunks([*own, *bundled[:8]], lambda done, total: reported.append((done, total)))
    total = len(own) + 8
    assert reported == [(0, total), (8, total), (8 + EMBED_BATCH, total), (total, total)]
    assert library.index.count() == total
