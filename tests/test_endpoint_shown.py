"""The endpoint as members see it on 起草 and 设置 (issue 21, item 10): scheme, host and port only, never
credentials written into the URL."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from drafting.errors import UserError
from drafting.models.presets import CONNECTION_FAILED, check_connection, endpoint_host
from drafting.settings import load_settings


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://alice:s3cret@llm.example.cn:8443/v1", "https://llm.example.cn:8443"),
        ("http://127.0.0.1:8000/v1?api-key=sk-123456", "http://127.0.0.1:8000"),
        ("https://dashscope.aliyuncs.com/compatible-mode/v1", "https://dashscope.aliyuncs.com"),
        ("", "https://api.openai.com"),
    ],
)
def test_only_scheme_host_and_port_show(url, shown, tmp_path):
    settings = load_settings(data_dir=tmp_path, llm_base_url=url)
    assert endpoint_host(settings) == shown
    assert "s3cret" not in endpoint_host(settings) and "sk-" not in endpoint_host(settings)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the socket is


@contextmanager
def _listening(reply: bytes) -> Iterator[int]:
    """A local TCP server that answers every connection with `reply` and hangs up."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                connection.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def test_the_connection_test_says_the_same_for_every_failure(tmp_path, allow_model_requests):
    """Closed port, a port speaking something else, an HTTP server that is no model API: one message, so the
    admin's 测试连接 cannot be used to tell open ports from closed ones. (A model API's own refusals, a wrong
    key or an unknown model, are told apart: tests/test_endpoint_check.py.)"""
    not_found = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    messages = set()
    with _listening(b"SSH-2.0-OpenSSH_9.2\r\n") as other, _listening(not_found) as http:
        for port in (_closed_port(), other, http):
            settings = load_settings(
                data_dir=tmp_path,
                llm_base_url=f"http://127.0.0.1:{port}/v1",
                llm_model="m",
                llm_connect_timeout=2,
            )
            with pytest.raises(UserError) as refused:
                check_connection(settings)
            messages.add(str(refused.value))
    assert messages == {CONNECTION_FAILED}
