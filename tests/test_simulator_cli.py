"""`drafting simulator` as a user starts it: a subprocess on a free loopback port, real HTTP, real signals."""

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from drafting.writing.facts import parse_facts
from tests.conftest import ROOT, free_port

COMMAND = [sys.executable, "-m", "drafting.cli", "simulator"]
SECTION_PROMPT = [
    {"role": "system", "content": "你正在撰写《某单位2025年工作总结》中的一节。篇幅约 200 字。"},
    {
        "role": "user",
        "content": "小节标题：关心职工生活\n<facts>\n走访慰问困难职工23户\n组织健步走活动\n</facts>",
    },
]


@contextmanager
def simulator(*flags: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """The simulator started as a command; yields the process and the base URL from the line it prints."""
    port = free_port()
    process = subprocess.Popen(
        [*COMMAND, "--port", str(port), *flags],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()  # printed once the port listens
        assert f"http://127.0.0.1:{port}/v1" in line, process.stderr.read()
        yield process, f"http://127.0.0.1:{port}/v1"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def _chat(url: str, stream: bool = False) -> httpx.Response:
    body = {"model": "simulated", "messages": SECTION_PROMPT, "stream": stream}
    return httpx.post(f"{url}/chat/completions", json=body, timeout=10)


def _streamed(url: str) -> tuple[float, str]:
    """Seconds to the first content chunk, and the whole streamed text."""
    started = time.perf_counter()
    first, text = None, ""
    body = {"model": "simulated", "messages": SECTION_PROMPT, "stream": True}
    with httpx.stream("POST", f"{url}/chat/completions", json=body, timeout=10) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if not line.startswith("data: {"):
                continue
            for choice in json.loads(line[6:]).get("choices", []):
                if piece := choice["delta"].get("content"):
                    first = first or time.perf_counter() - started
                    text += piece
    return first, text


def test_a_429_on_the_first_request_only_then_answers_and_stops_cleanly_on_ctrl_c():
    with simulator("--fault", "429:1", "--first-token", "0.4") as (process, url):
        first = _chat(url)
        assert first.status_code == 429 and float(first.headers["Retry-After"]) > 0
        second = _chat(url)
        assert second.status_code == 200
        assert "走访慰问困难职工23户" in second.json()["choices"][0]["message"]["content"]
        delay, text = _streamed(url)
        assert delay >= 0.4 and "组织健步走活动" in text
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert "已停止" in process.stdout.read()


def test_a_fault_without_a_count_hits_every_request_and_sigterm_is_a_clean_stop():
    with simulator("--fault", "500") as (process, url):
        assert [_chat(url).status_code for _ in range(3)] == [500, 500, 500]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_the_invent_fault_streams_values_that_are_not_in_the_facts():
    from drafting.checks.factguard import check_draft

    facts = parse_facts(
        {
            "organization": "某单位工会",
            "period": "2025年",
            "facts": ["走访慰问困难职工23户", "组织健步走活动"],
        }
    )
    with simulator("--fault", "invent") as (process, url):
        _, text = _streamed(url)
    result = check_draft(text, facts)
    flagged = {f.value for f in result.unsupported + result.changed_levels}
    assert any(re.fullmatch(r"\d+[场名]", v) for v in flagged)  # a number
    assert any(re.fullmatch(r"\d+月\d+日", v) for v in flagged)  # a date
    assert {"省级", "一等奖"} <= flagged  # a level
    assert any(v.startswith("《") for v in flagged)  # a name
    assert result.coverage == 1.0  # the facts are still there: the inventions come on top


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--host", "0.0.0.0"], "只在本机 127.0.0.1"),
        (["--fault", "teapot"], "未知的故障类型"),
        (["--fault", "429:zero"], "正整数"),
    ],
)
def test_refusals_are_chinese_and_never_listen(flags, message):
    port = free_port()
    result = subprocess.run(
        [*COMMAND, "--port", str(port), *flags], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2)


def test_a_port_in_use_is_explained():
    with simulator() as (process, url):
        port = url.split(":")[2].split("/")[0]
        result = subprocess.run(
            [*COMMAND, "--port", port], cwd=ROOT, capture_output=True, text=True, timeout=30
        )
    assert result.returncode == 1 and "请换一个端口" in result.stderr and "Traceback" not in result.stderr
