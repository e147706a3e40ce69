"""Single-user mode answers only the person at this machine: not other addresses, not through a proxy."""

import pytest

from drafting.accounts.local_mode import local_mode_refusal


@pytest.mark.parametrize(
    "headers",
    [{"Host": "127.0.0.1:8501"}, {"Host": "localhost:8501"}, {"host": "[::1]:8501"}, {}],
)
def test_this_machines_browser_is_served(headers: dict[str, str]) -> None:
    assert local_mode_refusal("127.0.0.1", headers) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "127.0.0.1:8501", "X-Forwarded-For": "10.1.2.3"},
        {"Host": "127.0.0.1:8501", "Forwarded": "for=10.1.2.3"},
        {"Host": "127.0.0.1:8501", "X-Real-IP": "10.1.2.3"},
        {"Host": "drafting.union.example:443"},
        {"Host": "10.0.0.8:8501"},
        {"Host": "[fe80::1]:8501"},
    ],
)
def test_a_visitor_through_a_proxy_or_by_another_name_is_refused(headers: dict[str, str]) -> None:
    refusal = local_mode_refusal("127.0.0.1", headers)
    assert refusal is not None and "反向代理" in refusal and "drafting users add" in refusal


def test_listening_beyond_loopback_is_refused_whoever_asks() -> None:
    refusal = local_mode_refusal("0.0.0.0", {"Host": "127.0.0.1:8501"})
    assert refusal is not None and "不能监听 0.0.0.0" in refusal and "drafting users add" in refusal
