"""The address failed sign-ins count against: the peer, or the client a trusted proxy names."""

import pytest

from drafting.accounts.source import UNKNOWN, source_address, trusted_networks
from drafting.errors import UserError

PROXY = trusted_networks("10.0.0.5, 192.168.1.0/24")


def test_a_direct_visitor_is_their_own_address_whatever_headers_they_send() -> None:
    assert source_address("203.0.113.9", {}, PROXY) == "203.0.113.9"
    assert source_address("203.0.113.9", {"X-Forwarded-For": "10.1.2.3"}, PROXY) == "203.0.113.9"


def test_behind_trusted_proxies_the_first_hop_outside_them_counts() -> None:
    headers = {"X-Forwarded-For": "198.51.100.7, 192.168.1.3"}  # client, then an inner proxy
    assert source_address("10.0.0.5", headers, PROXY) == "198.51.100.7"
    assert source_address("192.168.1.77", {"x-forwarded-for": " 2001:db8::1 "}, PROXY) == "2001:db8::1"
    assert source_address("::ffff:10.0.0.5", headers, PROXY) == "198.51.100.7"  # a dual-stack socket


def test_an_address_a_visitor_wrote_into_the_header_is_never_reached() -> None:
    """nginx's $proxy_add_x_forwarded_for appends the real client after whatever the visitor sent."""
    forged = {"X-Forwarded-For": "10.1.2.3, 203.0.113.9"}
    assert source_address("10.0.0.5", forged, PROXY) == "203.0.113.9"


def test_a_proxy_without_a_usable_header_is_counted_as_itself() -> None:
    assert source_address("10.0.0.5", {}, PROXY) == "10.0.0.5"
    assert source_address("10.0.0.5", {"X-Forwarded-For": "1.2.3.4, <script>"}, PROXY) == "10.0.0.5"


def test_without_configured_proxies_forwarded_headers_are_ignored() -> None:
    assert source_address("127.0.0.1", {"X-Forwarded-For": "198.51.100.7"}, ()) == "127.0.0.1"


def test_an_unknown_peer_is_named_as_such() -> None:
    assert source_address(None, {}, PROXY) == source_address("not an address", {}, PROXY) == UNKNOWN


def test_a_misconfigured_proxy_list_is_explained() -> None:
    assert trusted_networks("") == ()
    assert trusted_networks("10.0.0.5，10.0.1.0/24") == trusted_networks("10.0.0.5/32, 10.0.1.0/24")
    with pytest.raises(UserError, match="TRUSTED_PROXIES 里的“proxy.local”不是 IP 地址或网段"):
        trusted_networks("10.0.0.5, proxy.local")
