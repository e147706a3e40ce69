"""Account and unit names: any visible text is fine (quotes, SQL, HTML are just characters); invisible ones are not."""

import unicodedata

from drafting.errors import UserError
from drafting.storage.models import NAME_LENGTH


def normal_form(text: str) -> str:
    """How a typed name is compared with the stored ones."""
    return unicodedata.normalize("NFC", text).strip()


def clean_name(text: str, what: str = "用户名") -> str:
    """The name as stored: NFC, trimmed, 1–64 characters, no control or invisible format characters."""
    name = normal_form(text)
    if not name:
        raise UserError(f"{what}不能为空。")
    if len(name) > NAME_LENGTH:
        raise UserError(f"{what}最多 {NAME_LENGTH} 个字符，现在有 {len(name)} 个，请缩短。")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise UserError(f"{what}里不能有换行、制表符等控制字符或不可见字符，请删去后重试。")
    return name
