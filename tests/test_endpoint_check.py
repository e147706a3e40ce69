"""The endpoint address where it enters (设置, .env, `eval --endpoint`) and what 测试连接 says.

A tester typed `http://127.0.0.1：8765/v1` (a full-width colon from a Chinese input method): 保存 and 测试连接
showed Streamlit's English crash page and `drafting draft` a traceback. 测试连接 also ignored the saved key
when the key box was left blank, and said one sentence for a wrong key, an unknown model and a closed port.
Every endpoint here is on 127.0.0.1: a tiny OpenAI-compatible server, the simulator, or a closed port.
"""

import asyncio
import html
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage
from pydantic import SecretStr
from streamlit.testing.v1 import AppTest

from drafting.access import Actor
from drafting.cli import main
from drafting.endpoint_url import endpoint_url
from drafting.errors import UserError
from drafting.evaluation.systems import parse_endpoint
from drafting.models.openai_chat import OpenAIChatModel
from drafting.models.presets import CONNECTION_FAILED, GENERIC
from drafting.models.protocol import ModelCallError, Prompt
from drafting.models.saved_endpoint import save_endpoint
from drafting.office import OfficeService
from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.simulator import running
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


@pytest.fixture(name="endpoint")
def running_endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    threading.Thread(target=served.server.serve_forever, daemon=True).start()
    yield served
    served.server.shutdown()
    served.server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the socket is


def office(data: Path) -> OfficeService:
    return OfficeService(DraftingService(load_settings(data_dir=data)))


def saved(data: Path, base_url: str, key: str) -> str:
    service = DraftingService(load_settings(data_dir=data))
    return save_endpoint(service.endpoint_store, Actor.local(), base_url, MODEL, key, "json_mode")


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


# --- 测试连接 tells failures apart ---------------------------------------------------------------------------


def test_a_wrong_key_an_unknown_model_and_a_closed_port_each_get_their_own_fix(
    tmp_path, endpoint, allow_model_requests
):
    data = tmp_path / "data"
    with pytest.raises(UserError) as refused:
        office(data).check_connection(endpoint.url, MODEL, "sk-wrong")
    assert str(refused.value).startswith("连接失败：API Key 不对或没有权限（接口返回 401）。请核对 API Key")
    assert "sk-wr" not in str(refused.value)  # the provider's own message echoes part of the key
    with pytest.raises(UserError) as refused:
        office(data).check_connection(endpoint.url, "no-such-model", KEY)
    assert "模型名称“no-such-model”不存在（接口返回 404），请核对模型名" in str(refused.value)
    with pytest.raises(UserError) as refused:
        office(data).check_connection(f"http://127.0.0.1:{closed_port()}/v1", MODEL, KEY)
    assert str(refused.value) == CONNECTION_FAILED and "连不上这个地址和端口" in CONNECTION_FAILED
    with pytest.raises(UserError) as refused:  # no /v1: the server answers, but is no model API there
        office(data).check_connection(f"http://127.0.0.1:{endpoint.port}", MODEL, KEY)
    assert str(refused.value) == CONNECTION_FAILED and "/v1" in CONNECTION_FAILED


def test_a_trailing_space_or_a_full_width_colon_is_repaired_and_the_test_says_so(
    tmp_path, endpoint, allow_model_requests
):
    answered = office(tmp_path / "data").check_connection(endpoint.url + " ", MODEL, KEY)
    assert answered == f"连接成功：http://127.0.0.1:{endpoint.port} 上的模型“{MODEL}”已应答。"
    answered = office(tmp_path / "data").check_connection(endpoint.url.replace(":", "：", 2), MODEL, KEY)
    assert answered.startswith("接口地址中的全角字符“：”已改为半角“:”。连接成功")


def test_an_empty_model_name_is_asked_for_not_reported_as_answered(tmp_path, endpoint, allow_model_requests):
    with pytest.raises(UserError, match="请填写模型名"):
        office(tmp_path / "data").check_connection(endpoint.url, " ", KEY)
    assert endpoint.authorizations == []  # nothing was sent


def test_a_blank_key_box_tests_with_the_key_saved_for_that_address(tmp_path, endpoint, allow_model_requests):
    data = tmp_path / "data"
    saved(data, endpoint.url, KEY)
    answered = office(data).check_connection(endpoint.url, MODEL, "")
    assert answered.endswith("已应答。（用的是已保存的密钥。）")
    assert endpoint.authorizations == [f"Bearer {KEY}"]
    other_address = endpoint.url + "/"  # another address: the saved key is not sent there
    with pytest.raises(UserError) as refused:
        office(data).check_connection(other_address, MODEL, "")
    assert "已保存的密钥只发往保存时的地址，不会发往这个地址" in str(refused.value)
    assert all(KEY not in header for header in endpoint.authorizations[1:])


def test_a_blank_key_box_tests_with_the_key_the_environment_gives_that_address(
    tmp_path, endpoint, allow_model_requests
):
    settings = load_settings(data_dir=tmp_path / "data", llm_base_url=endpoint.url, llm_api_key=KEY)
    answered = OfficeService(DraftingService(settings)).check_connection(endpoint.url, MODEL, "")
    assert answered.startswith("连接成功") and endpoint.authorizations == [f"Bearer {KEY}"]


def test_an_unknown_model_while_drafting_says_to_check_the_model_name_and_path(
    tmp_path, allow_model_requests
):
    """Drafting's own message for a 404: the simulator serves /v1 only, so an address without it gets one."""
    prompt = Prompt(name="section", messages=[HumanMessage(content="你好")])
    with running() as (url, _):
        settings = load_settings(data_dir=tmp_path, llm_base_url=url.removesuffix("/v1"), llm_model="m")
        model = OpenAIChatModel(settings.model_copy(update={"llm_api_key": SecretStr("")}), GENERIC)
        with pytest.raises(ModelCallError) as failed:
            asyncio.run(model.stream(prompt, lambda _: None, 50))
    assert "（404）：请核对模型名是否存在，以及接口地址的路径（一般以 /v1 结尾）" in str(failed.value)


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


def test_the_settings_page_repairs_a_full_width_colon_instead_of_crashing(
    settings_page, endpoint, allow_model_requests
):
    app = settings_page
    typed = endpoint.url.replace(":", "：", 2)  # http：//127.0.0.1：port/v1
    fill(app, typed, MODEL, KEY)
    app.button(key="FormSubmitter:endpoint-测试连接").click().run()
    assert not app.exception
    assert any("已改为半角" in m and f"模型“{MODEL}”已应答" in m for m in shown(app))
    app.button(key="FormSubmitter:endpoint-保存").click().run()
    assert not app.exception
    assert any("已改为半角" in m and "已保存" in m for m in shown(app))
    assert DraftingService(load_settings()).settings.llm_base_url == endpoint.url


def test_an_address_refused_on_the_settings_page_keeps_what_was_typed(settings_page, endpoint):
    app = settings_page
    typed = f"http://127.0.0.1：{endpoint.port} /v1"  # the colon is repaired, the space is not guessed at
    fill(app, typed, MODEL, KEY)
    app.button(key="FormSubmitter:endpoint-保存").click().run()
    assert not app.exception and not app.success
    assert any("接口地址不是有效的网址：地址中间有空格，请删去。" in m for m in shown(app))
    assert [box.value for box in app.text_input[:3]] == [typed, MODEL, KEY]
    assert DraftingService(load_settings()).endpoint_store.endpoint_summary() is None


def test_the_settings_page_tests_with_the_saved_key_when_the_key_box_is_blank(
    settings_page, endpoint, allow_model_requests
):
    app = settings_page
    fill(app, endpoint.url, MODEL, KEY)
    app.button(key="FormSubmitter:endpoint-保存").click().run()
    reopened = go(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run(), "设置")
    assert reopened.text_input[0].value == endpoint.url and reopened.text_input[2].value == ""
    reopened.button(key="FormSubmitter:endpoint-测试连接").click().run()
    assert not reopened.error
    assert any("已应答" in m and "用的是已保存的密钥" in m for m in shown(reopened))
    assert endpoint.authorizations == [f"Bearer {KEY}"]


def test_the_app_names_a_full_width_colon_in_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1：8765/v1")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    assert shown(app) == [
        "LLM_BASE_URL（.env 或环境变量）中有全角字符“：”，请改成半角“:”（中文输入法容易打成全角）。"
    ]
