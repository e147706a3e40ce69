"""Model endpoint addresses as people type them, checked where they enter (设置, .env, `eval --endpoint`).

A Chinese input method easily types “：”“／”“．”“。” for “:”“/”“.”; Python's URL parser then raised
`ValueError: … invalid characters under NFKC`, which reached the user as a traceback or Streamlit's crash
page. Here such an address is repaired (where the user is told at once, as on 设置) or refused with a
Chinese sentence naming what is wrong. The whole address is never quoted back: it may carry credentials
(user:pass@host, ?api-key=…). Nothing here imports the rest of the program, so settings can use it.
"""

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from drafting.errors import UserError

EXAMPLES = "如 http://127.0.0.1:8000/v1 或 https://api.deepseek.com/v1"
# Full-width forms of ASCII (U+FF01–U+FF5E) and the ideographic full stop: never meant in an address.
# (The full-width space is whitespace to Python: stripped at the ends, refused inside, like any space.)
_FULL_WIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {"。": "."}
_HOST_CHARACTER = re.compile(r"[\w.-]")  # letters and digits of any script (IDN), “-”, “.”, “_”


@dataclass(frozen=True)
class EndpointUrl:
    """An address requests can go to, and what was changed to make it one (said to the user)."""

    address: str
    repaired: tuple[str, ...] = ()  # the full-width characters replaced, as typed

    @property
    def note(self) -> str:
        """One Chinese sentence on the repair, or "" when the address was used as typed."""
        if not self.repaired:
            return ""
        return (
            f"接口地址中的全角字符{_quoted(self.repaired)}已改为半角{_quoted(self.repaired, _FULL_WIDTH)}。"
        )


def endpoint_url(text: str, what: str = "接口地址", repair: bool = True) -> EndpointUrl:
    """The address in `text`, surrounding spaces removed; full-width characters are replaced when `repair`,
    refused otherwise. A UserError names what is wrong (`what` names the field or the variable)."""
    found = tuple(dict.fromkeys(c for c in text if c in _FULL_WIDTH))
    if found and not repair:
        raise UserError(
            f"{what}中有全角字符{_quoted(found)}，请改成半角{_quoted(found, _FULL_WIDTH)}（中文输入法容易打成全角）。"
        )
    address = "".join(_FULL_WIDTH.get(c, c) for c in text).strip()
    _check(address, what)
    return EndpointUrl(address, found)


def _quoted(characters: tuple[str, ...], mapping: dict[str, str] | None = None) -> str:
    return "".join(f"“{mapping[c] if mapping else c}”" for c in characters)


def _check(address: str, what: str) -> None:
    def refuse(reason: str) -> UserError:
        return UserError(f"{what}不是有效的网址：{reason}。")

    if not address:
        raise refuse(f"地址是空的，请写成完整地址，{EXAMPLES}")
    if re.search(r"\s", address):
        raise refuse("地址中间有空格，请删去")
    if "://" not in address:
        raise refuse(f"缺少开头的 http:// 或 https://，请写成完整地址，{EXAMPLES}")
    try:
        parts = urlsplit(address)
    except ValueError:  # an unbalanced “[”, or a character NFKC turns into “:”“/”“@”“#”“?”
        raise refuse(f"地址中有不能用的字符，请写成完整地址，{EXAMPLES}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise refuse(f"须以 http:// 或 https:// 开头，{EXAMPLES}")
    host_and_port = parts.netloc.rpartition("@")[2]
    try:
        parts.port  # noqa: B018 - raises on a port that is no number or out of range
    except ValueError:
        port = host_and_port.rpartition("]")[2].rpartition(":")[2]
        if port.isdigit():
            raise refuse(f"端口 {port[:12]} 超出范围，应是 1–65535 之间的数字") from None
        raise refuse("冒号后面的端口应是 1–65535 之间的数字") from None  # not quoted: it may be a password
    if host_and_port.endswith(":"):
        raise refuse("冒号后面缺少端口号")
    host = parts.hostname or ""
    if not host:
        raise refuse(f"缺少主机名，{EXAMPLES}")
    if host_and_port.startswith("["):
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise refuse(f"方括号中的“{host[:40]}”不是 IPv6 地址") from None
        return
    wrong = next((c for c in host if not _HOST_CHARACTER.fullmatch(c)), None)
    if wrong is not None:
        raise refuse(f"主机名“{host[:60]}”中有不能用的字符“{wrong}”")
