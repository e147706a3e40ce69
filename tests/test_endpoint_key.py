"""A saved API key only ever goes to the base URL it was saved with (issue: the key leaked to any typed URL)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from streamlit.testing.v1 import AppTest

from drafting.models.presets import save_endpoint
from drafting.settings import load_settings
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


def test_an_empty_key_keeps_the_saved_key_only_for_the_same_url(tmp_path):
    data = tmp_path / "data"
    save_endpoint(data, "https://api.deepseek.com/v1", "deepseek-chat", "sk-saved", "json_mode")
    assert load_settings(data_dir=data).llm_api_key.get_secret_value() == "sk-saved"
    note = save_endpoint(data, "https://api.deepseek.com/v1", "deepseek-chat", "", "json_mode")
    assert "沿用" in note and load_settings(data_dir=data).llm_api_key.get_secret_value() == "sk-saved"
    note = save_endpoint(data, "http://127.0.0.1:9/v1", "m", "", "json_mode")
    assert "重新填写" in note
    settings = load_settings(data_dir=data)
    assert settings.llm_base_url == "http://127.0.0.1:9/v1" and settings.llm_api_key.get_secret_value() == ""
    assert "sk-saved" not in (data / "endpoint.json").read_text(encoding="utf-8")


def test_a_hand_edited_file_cannot_pair_the_key_with_another_url(tmp_path):
    data = tmp_path / "data"
    save_endpoint(data, "https://api.deepseek.com/v1", "deepseek-chat", "sk-saved", "json_mode")
    path = data / "endpoint.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '"llm_base_url": "https://api.deepseek.com/v1"', '"llm_base_url": "http://evil.example/v1"'
        )
    )
    assert load_settings(data_dir=data).llm_api_key.get_secret_value() == ""


def test_connection_test_and_drafting_never_send_the_saved_key_to_a_new_url(
    tmp_path, monkeypatch, listener, allow_model_requests
):
    url, seen = listener
    data = tmp_path / "data"
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(data))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(tmp_path / "corpus"))
    save_endpoint(data, "https://api.deepseek.com/v1", "deepseek-chat", "sk-saved-key", "json_mode")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    app.sidebar.radio(key="page").set_value("设置").run()
    app.text_input[0].input(url)
    app.button(key="FormSubmitter:endpoint-测试连接").click().run()
    assert seen and all("sk-saved-key" not in header for header in seen)
    app.button(key="FormSubmitter:endpoint-保存").click().run()
    assert any("原密钥不会发往新地址" in s.value for s in app.success)
    assert load_settings().llm_api_key.get_secret_value() == ""
    app.sidebar.radio(key="page").set_value("起草").run()
    assert any("127.0.0.1" in info.value.replace("&#46;", ".") for info in app.info)
