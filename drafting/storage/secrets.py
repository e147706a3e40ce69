"""The model endpoint settings, with its API key encrypted at rest and bound to its base URL.

The encryption key comes from DRAFTING_SECRET_KEY (a Fernet key), else from `<data_dir>/secret.key`,
created (mode 0600) on first use. A deployment with several processes or machines MUST set
DRAFTING_SECRET_KEY to the same value everywhere: otherwise each data folder would make its own key
and keys saved by one process could not be read by another.

The API key is encrypted together with the base URL it was entered for, so it is only ever handed
out with that exact URL: changing the URL without giving a key drops the key, and a URL altered in
the database directly cannot lure the key to another server.
"""

import json
import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from drafting.access import Actor
from drafting.errors import UserError
from drafting.storage.audit import record
from drafting.storage.database import Database
from drafting.storage.errors import PermissionDenied
from drafting.storage.models import SettingRow

SECRET_KEY_ENV = "DRAFTING_SECRET_KEY"
SECRET_KEY_FILE = "secret.key"
STRUCTURED_METHODS = ("json_schema", "function_calling", "json_mode")

_BASE_URL, _MODEL, _METHOD, _KEY = "llm_base_url", "llm_model", "llm_structured_method", "llm_api_key"


class UnreadableSecret(UserError):
    """A secret sealed under another encryption key."""


class SecretBox:
    """Encrypts and decrypts short secrets; its repr never shows the key."""

    def __init__(self, key: bytes):
        try:
            self._fernet = Fernet(key)
        except ValueError as error:
            raise UserError(
                f"加密密钥无效（环境变量 {SECRET_KEY_ENV} 或数据目录里的 {SECRET_KEY_FILE}）。"
                f"请用下面的命令生成一个，设为 {SECRET_KEY_ENV}：\n"
                'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
            ) from error

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"

    @classmethod
    def from_settings(cls, configured: str, data_dir: Path) -> "SecretBox":
        """The configured key (DRAFTING_SECRET_KEY from the environment, `.env` or secrets), else the
        data folder's key file, created on first use."""
        configured = configured.strip()
        return cls(configured.encode() if configured else _key_file(data_dir / SECRET_KEY_FILE))

    def encrypt(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def open_fresh(self, token: str, max_age: int, now: float) -> str | None:
        """The plain text of a token sealed at most `max_age` seconds before `now`; None if older or forged."""
        try:
            return self._fernet.decrypt_at_time(token.encode(), max_age, int(now)).decode()
        except (InvalidToken, UnicodeError):
            return None

    def seal_at(self, plain: str, now: float) -> str:
        """Like encrypt, stamped with `now` (for open_fresh)."""
        return self._fernet.encrypt_at_time(plain.encode(), int(now)).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as error:
            raise UnreadableSecret(
                "已保存的接口密钥无法解密：加密密钥（DRAFTING_SECRET_KEY 或数据目录里的 secret.key）已被更换。"
                "请管理员在“设置”页重新填写接口密钥。"
            ) from error


def _key_file(path: Path) -> bytes:
    """Read the key file, or create it; two processes racing here end up with the same key."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.urandom(6).hex()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(Fernet.generate_key())
        file.flush()
        os.fsync(file.fileno())
    with suppress(FileExistsError):  # atomic and refuses to overwrite: the first process's key wins
        os.link(draft, path)
    draft.unlink()
    return path.read_bytes().strip()


@dataclass(frozen=True)
class EndpointSummary:
    """What a settings page may show: never the key itself."""

    base_url: str
    model: str
    structured_method: str
    has_key: bool


@dataclass(frozen=True)
class EndpointForUse:
    base_url: str
    model: str
    structured_method: str
    api_key: SecretStr  # SecretStr prints as '**********'


class SettingsRepository:
    def __init__(self, db: Database, box: SecretBox):
        self.db = db
        self.box = box

    def set_endpoint(
        self, base_url: str, model: str, api_key: str, structured_method: str, actor: Actor
    ) -> None:
        """Save the chat endpoint. An empty key keeps the saved one only if the base URL is unchanged."""
        if not actor.is_admin:
            raise PermissionDenied("只有管理员可以修改模型接口设置。")
        if structured_method not in STRUCTURED_METHODS:
            raise UserError(f"结构化输出方式只能是：{'、'.join(STRUCTURED_METHODS)}。")
        base_url, model, api_key = base_url.strip(), model.strip(), api_key.strip()
        with self.db.transaction() as session:
            if api_key:
                key_note = "已更新"
            else:
                try:
                    api_key = self._bound_key(_values(session).get(_KEY), base_url)
                except UnreadableSecret:  # sealed under a replaced secret key: useless, so dropped
                    api_key = ""
                key_note = "保持不变" if api_key else "未设置"
            _put(session, _BASE_URL, base_url)
            _put(session, _MODEL, model)
            _put(session, _METHOD, structured_method)
            if api_key:
                sealed = self.box.encrypt(json.dumps({"base_url": base_url, "api_key": api_key}))
                _put(session, _KEY, sealed, encrypted=True)
            else:
                session.execute(delete(SettingRow).where(SettingRow.key == _KEY))
            record(
                session,
                actor,
                "修改接口设置",
                f"地址 {base_url or '（默认）'}，模型 {model}，方式 {structured_method}，密钥{key_note}",
            )

    def clear_endpoint(self, actor: Actor) -> None:
        """Forget the endpoint and its key (back to the offline engine)."""
        if not actor.is_admin:
            raise PermissionDenied("只有管理员可以修改模型接口设置。")
        with self.db.transaction() as session:
            session.execute(delete(SettingRow).where(SettingRow.key.in_((_BASE_URL, _MODEL, _METHOD, _KEY))))
            record(session, actor, "清除接口设置")

    def endpoint_summary(self) -> EndpointSummary | None:
        values = self._saved()
        if _BASE_URL not in values:
            return None
        return EndpointSummary(
            values[_BASE_URL], values.get(_MODEL, ""), values.get(_METHOD, ""), _KEY in values
        )

    def endpoint_for_use(self) -> EndpointForUse | None:
        """The saved endpoint with its key; the key only ever comes with the URL it was saved for."""
        values = self._saved()
        base_url = values.get(_BASE_URL)
        if base_url is None:
            return None
        key = self._bound_key(values.get(_KEY), base_url)
        return EndpointForUse(base_url, values.get(_MODEL, ""), values.get(_METHOD, ""), SecretStr(key))

    def _saved(self) -> dict[str, str]:
        """The saved settings as stored (the key still sealed): every run of every page asks for them."""

        def read() -> dict[str, str]:
            with self.db.reading() as session:
                return _values(session)

        return dict(self.db.remembered("saved settings", read))

    def _bound_key(self, sealed_value: str | None, base_url: str) -> str:
        if sealed_value is None:
            return ""
        sealed = json.loads(self.box.decrypt(sealed_value))
        return sealed["api_key"] if sealed["base_url"] == base_url else ""


def _values(session: Session) -> dict[str, str]:
    return {row.key: row.value for row in session.scalars(select(SettingRow))}


def _put(session: Session, key: str, value: str, encrypted: bool = False) -> None:
    session.merge(SettingRow(key=key, value=value, encrypted=encrypted))
