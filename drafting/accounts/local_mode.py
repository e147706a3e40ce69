"""Single-user mode (no account exists yet) serves only the person sitting at this machine.

Listening on loopback is not enough on its own: behind a reverse proxy on the same host every visitor
arrives from 127.0.0.1. A request that came through a proxy says so in its headers, and one typed into
this machine's own browser names a loopback host.
"""

from collections.abc import Mapping

LOOPBACK = ("127.0.0.1", "localhost", "::1")
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "via")
FIRST_ADMIN = "`drafting users add 您的用户名 --unit 单位名称 --admin`"


def local_mode_refusal(address: str, headers: Mapping[str, str]) -> str | None:
    """Why single-user mode must not serve this request (a Chinese message naming the fix), or None.

    `address` is what the server listens on, `headers` the browser's request headers (a missing Host,
    as in a test harness with no HTTP request, is not taken as evidence of a remote visitor)."""
    if address not in LOOPBACK:
        return (
            f"本应用还没有任何账户，只能以单人模式在本机地址（127.0.0.1）上运行，不能监听 {address}："
            "否则同一网络里的任何人都能看到和修改草稿与接口设置。请先在服务器上创建第一个管理员账户，再重新启动：\n\n"
            + FIRST_ADMIN
        )
    named = {name.lower(): value for name, value in headers.items()}
    host = _host_name(named.get("host", "localhost"))
    if any(name in named for name in PROXY_HEADERS) or host not in LOOPBACK:
        return (
            "本应用还没有任何账户，单人模式只给这台电脑前的人使用；这次访问是经反向代理或从别的地址来的，"
            "所以不能打开。请先在服务器上创建第一个管理员账户，之后大家登录使用：\n\n" + FIRST_ADMIN
        )
    return None


def _host_name(host: str) -> str:
    """The Host header without its port: `[::1]:8501` → `::1`, `127.0.0.1:8501` → `127.0.0.1`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
