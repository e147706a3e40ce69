"""Account and unit names: any visible text is fine (quotes, SQL, HTML are just characters); invisible ones are not."""

import unicodedata

from drafting.errors import UserError
from drafting.storage.models import NAME_LENGTH

MAX_NEW_NAME_CHARS = 50  # a new account or unit; names stored before this limit (up to 64) still sign in


def normal_form(text: str) -> str:
    """How a typed name is compared with the stored ones."""
    return unicodedata.normalize("NFC", text).strip()


def clean_name(text: str, what: str = "用户名", limit: int = NAME_LENGTH) -> str:
    """The name as stored: NFC, trimmed, 1–`limit` characters, no control or invisible format characters."""
    name = normal_form(text)
    if not name:
        raise UserError(f"{what}不能为空。")
    if len(name) > limit:
        raise UserError(f"{what}最多 {limit} 个字符，现在有 {len(name)} 个，请缩短。")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise UserError(f"{what}里不能有换行、制表符等控制字符或不可见字符，请删去后重试。")
    return name
