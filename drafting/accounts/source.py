"""Which address a browser signs in from, for the per-address sign-in lock.

The connection's own address, unless it is one of the configured trusted reverse proxies
(TRUSTED_PROXIES): then the first X-Forwarded-For hop seen from the server that is not a trusted
proxy, the client the proxies served. Hops are read from the right: a proxy appends the address it
was connected from, so what a visitor wrote into the header themselves stands further left and is
never reached. From an untrusted peer the header is ignored, so nobody picks their address.
"""

import ipaddress
from collections.abc import Mapping

from drafting.errors import UserError

UNKNOWN = "未知地址"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(spec: str) -> tuple[Network, ...]:
    """`10.0.0.5, 192.168.1.0/24` → the networks; a UserError names an entry that is not an address."""
    networks = []
    for entry in filter(None, (part.strip() for part in spec.replace("，", ",").split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as error:
            raise UserError(
                f"TRUSTED_PROXIES 里的“{entry[:64]}”不是 IP 地址或网段。示例：TRUSTED_PROXIES=10.0.0.5,192.168.1.0/24"
            ) from error
    return tuple(networks)


def source_address(client: str | None, headers: Mapping[str, str], trusted: tuple[Network, ...]) -> str:
    """The address to count failed sign-ins against (UNKNOWN when the server was not told one)."""
    peer = _address(client)
    if peer is None:
        return UNKNOWN
    forwarded = {name.lower(): value for name, value in headers.items()}.get("x-forwarded-for", "")
    hops = reversed(forwarded.split(","))
    while _trusted(peer, trusted):
        hop = _address(next(hops, None))
        if hop is None:
            break  # the proxy named nobody usable: count it as itself
        peer = hop
    return str(peer)


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: tuple[Network, ...]) -> bool:
    return any(address in network for network in trusted)


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address((text or "").strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:10.0.0.5 from a dual-stack socket
    return mapped or address
