"""A client library that fails (as openai 3.63 with httpx2 2.17 refused an httpx.Timeout) fails sections with
one Chinese line naming the endpoint; the draft goes on and is saved, the CLI exits 1, the app shows it."""

import functools
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from langchain_core.messages import AIMessageChunk
from streamlit.testing.v1 import AppTest

from drafting import cli
from drafting.errors import NothingWritten
from drafting.models import factory
from drafting.service import DraftingService
from drafting.writing.facts import load_facts_file
from tests.apppages import generate
from tests.conftest import ROOT

EXAMPLE = ROOT / "drafting" / "data" / "example_facts.yaml"
ENDPOINT = "http://127.0.0.1:9/v1"
LIBRARY_ERROR = (
    "Invalid timeout: expected a number, `None`, a tuple or `httpx2.Timeout`, got <class 'httpx.Timeout'>."
)


class RefusingClient:
    """Stands for ChatOpenAI when the library rejects the arguments it is built with."""

    def __init__(self, **options: object):
        raise TypeError(LIBRARY_ERROR)


class FirstCallFailsClient:
    """Built fine; its first stream dies inside the library with an error no classifier knows."""

    streams = 0

    def __init__(self, **options: object):
        self.extra_body = None

    def model_copy(self, update: dict) -> "FirstCallFailsClient":
        return self

    async def astream(self, messages: object) -> AsyncIterator[AIMessageChunk]:
        type(self).streams += 1
        if type(self).streams == 1:
            raise AttributeError("'NoneType' object has no attribute 'choices'")
        yield AIMessageChunk(content="工会扎实推进相关工作。")


@pytest.fixture
def with_client(monkeypatch, allow_model_requests):
    """Puts a client class behind the factory seam; requests are allowed because none leaves the fake."""

    def use(client_class: type) -> None:
        monkeypatch.setattr(
            factory,
            "build_chat_model",
            functools.partial(factory.build_chat_model, client_class=client_class),
        )

    return use


@pytest.fixture
def model_service(built_library):
    settings = built_library.settings.model_copy(update={"llm_base_url": ENDPOINT})
    return DraftingService(settings, library=built_library)


def test_a_client_that_cannot_be_built_fails_every_section_and_no_draft_is_kept(with_client, model_service):
    """Each section says why; a draft of which nothing was written is not kept (each try left one)."""
    with_client(RefusingClient)
    events = []
    before = {row.id for row in model_service.list_drafts()}
    expected = f"调用模型接口 {ENDPOINT} 时客户端库出错：TypeError: {LIBRARY_ERROR}"
    with pytest.raises(NothingWritten, match=re.escape(f"一部分也没有写成：{expected}。没有保存这份草稿")):
        model_service.draft(load_facts_file(EXAMPLE), on_event=events.append)
    failed = [e for e in events if e.kind == "section_failed"]
    assert {e.key for e in failed} == {e.key for e in events if e.kind == "section_started"} and len(
        failed
    ) > 5
    assert all(e.text == expected for e in failed) and "\n" not in expected
    assert events[-1].kind == "done"
    assert {row.id for row in model_service.list_drafts()} == before


def test_a_library_error_in_one_call_fails_that_section_and_the_others_are_written(
    with_client, model_service
):
    FirstCallFailsClient.streams = 0
    with_client(FirstCallFailsClient)
    draft = model_service.draft(load_facts_file(EXAMPLE))
    statuses = [s.status for s in draft.sections]
    assert statuses.count("failed") == 1 and len(statuses) > 2
    (failed,) = [s for s in draft.sections if s.status == "failed"]
    assert (
        failed.error
        == f"调用模型接口 {ENDPOINT} 时客户端库出错：AttributeError: 'NoneType' object has no attribute 'choices'"
    )
    assert all("工会扎实推进相关工作" in s.text for s in draft.sections if s.status != "failed")


def test_the_cli_exits_1_with_the_line_and_no_traceback(with_client, built_library, monkeypatch, capsys):
    with_client(RefusingClient)
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(built_library.settings.data_dir))
    monkeypatch.setenv("LLM_BASE_URL", ENDPOINT)
    assert cli.main(["draft", str(EXAMPLE)]) == 1
    err = capsys.readouterr().err
    assert f"调用模型接口 {ENDPOINT} 时客户端库出错：TypeError: {LIBRARY_ERROR}" in err
    assert "Traceback" not in err


def test_the_app_shows_the_failure_in_the_section_not_streamlits_error_box(
    with_client, built_library, monkeypatch
):
    with_client(RefusingClient)
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(built_library.settings.data_dir))
    monkeypatch.setenv("LLM_BASE_URL", ENDPOINT)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    app.button[0].click().run()  # 载入示例要点
    generate(app)
    assert not app.exception and not app.error
    (status,) = app.get("status")  # nothing was written, so nothing was kept: the reason is on the status
    assert status.label.startswith(f"一部分也没有写成：调用模型接口 {ENDPOINT} 时客户端库出错")


def test_a_library_error_never_quotes_the_credentials_written_into_the_address():
    """The message named the endpoint as configured, user:pass and ?api-key= included."""
    from drafting.models.openai_chat import library_failure

    endpoint = "http://admin:s3cret@127.0.0.1:9/v1?api-key=sk-abc123"
    message = str(library_failure(endpoint, TypeError(f"bad request to {endpoint}")))
    assert message.startswith("调用模型接口 http://127.0.0.1:9/v1 时客户端库出错：TypeError: bad request to ")
    assert "s3cret" not in message and "sk-abc123" not in message and "admin" not in message


def test_an_error_the_command_line_does_not_expect_is_one_line_with_the_details_in_a_file(
    tmp_path, monkeypatch, capsys
):
    """Any other exception (a bug here, or a library's) ends the command with one Chinese line; the traceback,
    which may quote the user's data, goes to a file only this user can read, to send to an administrator."""
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("某厂工会的内部数据")

    monkeypatch.setattr(DraftingService, "list_drafts", broken)
    assert cli.main(["list"]) == 1
    printed = capsys.readouterr().err
    assert printed.startswith("错误：程序内部出错（RuntimeError），命令没有完成。详细记录已写入 ")
    assert "Traceback" not in printed and "某厂工会" not in printed
    record = Path(re.search(r"写入 (\S+)，", printed).group(1))
    assert "某厂工会的内部数据" in record.read_text(encoding="utf-8") and record.stat().st_mode & 0o077 == 0
    record.unlink()
