"""The same retrieval against a real `chroma run` server on loopback (CHROMA_HOST/CHROMA_PORT)."""

import shutil
import sys
from pathlib import Path

import pytest

from drafting.corpus.reports import read_bundled
from drafting.retrieval.index import SectionIndex
from drafting.retrieval.search import Searcher, keyword_dir
from drafting.settings import load_settings
from tests.conftest import ROOT, free_port, serving

CHROMA = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    command = [CHROMA, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)]
    with serving(command, f"http://127.0.0.1:{port}/api/v2/heartbeat", "chroma server", timeout=30):
        yield port


@pytest.mark.server
def test_index_and_search_through_a_chroma_server(chroma_server, tmp_path, monkeypatch):
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(chroma_server))
    settings = load_settings(data_dir=tmp_path / "data")
    index = SectionIndex(settings)
    assert type(index.client).__name__ != "PersistentClient" and not (tmp_path / "data" / "index").exists()
    reports = [r for r in read_bundled(ROOT / "examples_corpus") if r.meta.id in ("seed000-08", "seed003-01")]
    first = index.sync(reports)
    assert first.added > 0 and index.sync(reports).added == 0
    searcher = Searcher(index, keyword_dir(index.settings))
    hits = searcher.search("师德师风", k=3)
    assert hits[0].report == "seed003-01"
    problems = searcher.search("工会经费上缴不及时", k=2, part="problems")
    assert problems and all(h.part == "problems" and h.report == "seed000-08" for h in problems)
