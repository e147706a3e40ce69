"""The endpoint address where it enters (设置, .env, `eval --endpoint`).

A tester typed `http://127.0.0.1：8765/v1` (a full-width colon from a Chinese input method): 保存 and 测试连接
showed Streamlit's English crash page and `drafting draft` a traceback. Every endpoint here is on 127.0.0.1.
"""

import html
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from streamlit.testing.v1 import AppTest

from drafting.cli import main
from drafting.endpoint_url import endpoint_url
from drafting.errors import UserError
from drafting.evaluation.systems import parse_endpoint
from drafting.service import DraftingService
from drafting.settings import load_settings
from tests.apppages import go
from tests.conftest import ROOT

EXAMPLE_FACTS = ROOT / "drafting" / "data" / "example_facts.yaml"
KEY, MODEL = "sk-right-key", "known-model"


class Endpoint:
    """A tiny OpenAI-compatible server: it wants KEY and knows MODEL, as a provider does."""

    def __init__(self) -> None:
        self.authorizations: list[str] = []
        seen = self.authorizations

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                seen.append(self.headers.get("Authorization", ""))
                if self.path != "/v1/chat/completions":
                    return self.reply(404, b"Not Found", "text/plain")  # a path the API does not serve
                if self.headers.get("Authorization") != f"Bearer {KEY}":
                    error = {"message": "Incorrect API key provided: sk-wr***ey", "code": "invalid_api_key"}
                    return self.reply(401, json.dumps({"error": error}).encode())
                if body.get("model") != MODEL:
                    error = {
                        "message": f"The model `{body.get('model')}` does not exist",
                        "code": "model_not_found",
                    }
                    return self.reply(404, json.dumps({"error": error}).encode())
                answer = {
                    "id": "chk",
                    "object": "chat.completion",
                    "created": 0,
                    "model": MODEL,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "你好"},
                            "finish_reason": "stop",
                        }
                    ],
                }
                return self.reply(200, json.dumps(answer).encode())

            def reply(self, status: int, data: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    threading.Thread(target=served.server.serve_forever, daemon=True).start()
    yield served
    served.server.shutdown()
    served.server.server_close()


# --- the address where it enters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "address", "note"),
    [
        ("http://127.0.0.1：8765/v1", "http://127.0.0.1:8765/v1", "全角字符“：”已改为半角“:”"),
        ("http：／／127。0。0。1：8765／v1", "http://127.0.0.1:8765/v1", "“：”“／”“。”已改为半角“:”“/”“.”"),
        ("  http://127.0.0.1:8765/v1 \u3000", "http://127.0.0.1:8765/v1", ""),
        ("https://api.deepseek.com/v1", "https://api.deepseek.com/v1", ""),
    ],
)
def test_full_width_characters_and_surrounding_spaces_are_repaired_and_said(typed, address, note):
    checked = endpoint_url(typed)
    assert checked.address == address
    assert (note in checked.note) if note else checked.note == ""


@pytest.mark.parametrize(
    ("typed", "told"),
    [
        ("127.0.0.1:8765/v1", "缺少开头的 http:// 或 https://"),
        ("http://127.0.0.1:8765 /v1", "地址中间有空格"),
        ("http://127.0.0.1:87a5/v1", "端口应是 1–65535 之间的数字"),
        ("http://127.0.0.1:99999/v1", "端口 99999 超出范围"),
        ("http://127.0.0.1:/v1", "冒号后面缺少端口号"),
        ("ftp://127.0.0.1/v1", "须以 http:// 或 https:// 开头"),
        ("http://127.0.0.1，8765/v1", "主机名“127.0.0.1,8765”中有不能用的字符“,”"),
    ],
)
def test_an_address_that_is_no_address_is_refused_naming_what_is_wrong(typed, told):
    with pytest.raises(UserError, match="接口地址不是有效的网址") as refused:
        endpoint_url(typed)
    assert told in str(refused.value)


def test_a_password_in_the_address_is_never_quoted_back():
    with pytest.raises(UserError) as refused:
        endpoint_url("http://admin:s3cret-pass@127.0.0.1:port/v1")
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize("variable", ["LLM_BASE_URL", "EMBEDDING_BASE_URL"])
def test_a_full_width_colon_in_the_environment_is_named_not_a_traceback(
    variable, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(variable, "http://127.0.0.1：8765/v1")
    assert main(["draft", str(EXAMPLE_FACTS)]) == 1
    said = capsys.readouterr().err
    assert f"错误：{variable}（.env 或环境变量）中有全角字符“：”，请改成半角“:”" in said
    assert "Traceback" not in said and "NFKC" not in said


def test_surrounding_spaces_in_the_environment_are_dropped(tmp_path, monkeypatch):
    monkeypatch.setenv("LLM_BASE_URL", " http://127.0.0.1:8765/v1 ")
    assert load_settings(data_dir=tmp_path).llm_base_url == "http://127.0.0.1:8765/v1"


def test_eval_endpoint_with_a_full_width_colon_is_refused_in_chinese(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    assert main(["eval", "--endpoint", "http://127.0.0.1：8765/v1@simulated"]) == 1
    said = capsys.readouterr().err
    assert "错误：--endpoint 的接口地址中有全角字符“：”，请改成半角“:”" in said and "Traceback" not in said
    spaced = parse_endpoint(
        " http://127.0.0.1:8765/v1 @simulated", load_settings(data_dir=tmp_path), environ={}
    )
    assert spaced.settings is not None and spaced.settings.llm_base_url == "http://127.0.0.1:8765/v1"


# --- the 设置 page -----------------------------------------------------------------------------------------


@pytest.fixture
def settings_page(tmp_path, monkeypatch) -> AppTest:
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(tmp_path / "corpus"))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    return go(app, "设置")


def fill(app: AppTest, base_url: str, model: str, key: str) -> None:
    address, model_box, key_box = app.text_input[0], app.text_input[1], app.text_input[2]
    address.input(base_url)
    model_box.input(model)
    key_box.input(key)


def shown(app: AppTest) -> list[str]:
    """The page's success and error messages as read (markdown escapes and link breakers taken out)."""
    return [html.unescape(m.value).replace("\u2060", "") for m in [*app.success, *app.error]]


def test_an_address_refused_on_the_settings_page_keeps_what_was_typed(settings_page, endpoint):
    app = settings_page
    typed = f"http://127.0.0.1：{endpoint.port} /v1"  # the colon is repaired, the space is not guessed at
    fill(app, typed, MODEL, KEY)
    app.button(key="FormSubmitter:endpoint-保存").click().run()
    assert not app.exception and not app.success
    assert any("接口地址不是有效的网址：地址中间有空格，请删去。" in m for m in shown(app))
    assert [box.value for box in app.text_input[:3]] == [typed, MODEL, KEY]
    assert DraftingService(load_settings()).endpoint_store.endpoint_summary() is None


def test_the_app_names_a_full_width_colon_in_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1：8765/v1")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    assert shown(app) == [
        "LLM_BASE_URL（.env 或环境变量）中有全角字符“：”，请改成半角“:”（中文输入法容易打成全角）。"
    ]
