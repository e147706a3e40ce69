"""The endpoint settings: the API key encrypted at rest, only ever handed out with the URL it was saved for."""

import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from drafting.access import Actor
from drafting.errors import UserError
from drafting.settings import load_settings
from drafting.storage import Database, PermissionDenied, SecretBox, SettingsRepository
from drafting.storage.audit import audit_log
from drafting.storage.models import AuditEntry, SettingRow
from drafting.storage.secrets import SECRET_KEY_ENV, UnreadableSecret

KEY = "sk-test-4f9c2a7d1e8b"
OFFICIAL = "https://api.deepseek.com/v1"
ELSEWHERE = "https://collector.example.net/v1"

SignIn = Callable[..., Actor]  # the sign_in fixture of tests/pg.py


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(Fernet.generate_key())


@pytest.fixture
def settings(db: Database, box: SecretBox) -> SettingsRepository:
    return SettingsRepository(db, box)


def _everything_stored(db: Database) -> str:
    with db.reading() as session:
        rows = [f"{r.key}={r.value}" for r in session.scalars(select(SettingRow))]
        rows += [f"{e.action} {e.detail}" for e in session.scalars(select(AuditEntry))]
    return "\n".join(rows)


def test_the_key_is_stored_encrypted_and_never_listed_or_printed(
    db: Database, box: SecretBox, settings: SettingsRepository
) -> None:
    settings.set_endpoint(OFFICIAL, "deepseek-chat", KEY, "json_mode", Actor.local())
    assert KEY not in _everything_stored(db)
    summary = settings.endpoint_summary()
    assert summary is not None and (summary.base_url, summary.model, summary.has_key) == (
        OFFICIAL,
        "deepseek-chat",
        True,
    )
    endpoint = settings.endpoint_for_use()
    assert endpoint is not None
    assert (endpoint.base_url, endpoint.api_key.get_secret_value()) == (OFFICIAL, KEY)
    for shown in (summary, endpoint, settings, box, db):
        assert KEY not in repr(shown) and KEY not in str(shown)


def test_a_new_url_without_a_key_drops_the_key(settings: SettingsRepository) -> None:
    settings.set_endpoint(OFFICIAL, "deepseek-chat", KEY, "json_mode", Actor.local())
    settings.set_endpoint(OFFICIAL, "deepseek-reasoner", "", "json_mode", Actor.local())  # same URL: kept
    endpoint = settings.endpoint_for_use()
    assert endpoint is not None
    assert (endpoint.model, endpoint.api_key.get_secret_value()) == ("deepseek-reasoner", KEY)
    settings.set_endpoint(ELSEWHERE, "deepseek-chat", "", "json_mode", Actor.local())
    endpoint = settings.endpoint_for_use()
    assert endpoint is not None
    assert (endpoint.base_url, endpoint.api_key.get_secret_value()) == (ELSEWHERE, "")
    assert settings.endpoint_summary().has_key is False  # type: ignore[union-attr]
    settings.set_endpoint(OFFICIAL, "deepseek-chat", "", "json_mode", Actor.local())  # going back: still gone
    assert settings.endpoint_for_use().api_key.get_secret_value() == ""  # type: ignore[union-attr]


def test_a_url_changed_behind_the_programs_back_gets_no_key(
    db: Database, settings: SettingsRepository
) -> None:
    settings.set_endpoint(OFFICIAL, "deepseek-chat", KEY, "json_mode", Actor.local())
    with db.transaction() as session:
        session.execute(update(SettingRow).where(SettingRow.key == "llm_base_url").values(value=ELSEWHERE))
    endpoint = settings.endpoint_for_use()
    assert endpoint is not None
    assert (endpoint.base_url, endpoint.api_key.get_secret_value()) == (ELSEWHERE, "")


def test_changes_are_audited_without_the_key(
    db: Database, settings: SettingsRepository, sign_in: SignIn
) -> None:
    admin = sign_in(db, "admin", "总工会", admin=True)
    settings.set_endpoint(OFFICIAL, "deepseek-chat", KEY, "json_mode", admin)
    settings.clear_endpoint(admin)
    assert settings.endpoint_for_use() is None and settings.endpoint_summary() is None
    entries = [(e.user_name, e.action) for e in audit_log(db, admin) if "接口" in e.action]
    assert entries == [("admin", "清除接口设置"), ("admin", "修改接口设置")]
    assert KEY not in _everything_stored(db)


def test_only_admins_change_the_endpoint(db: Database, settings: SettingsRepository, sign_in: SignIn) -> None:
    member = sign_in(db, "member", "机关工会")
    with pytest.raises(PermissionDenied, match="管理员"):
        settings.set_endpoint(OFFICIAL, "deepseek-chat", KEY, "json_mode", member)
    with pytest.raises(PermissionDenied):
        settings.clear_endpoint(member)
    with pytest.raises(UserError, match="结构化输出方式"):
        settings.set_endpoint(OFFICIAL, "m", KEY, "xml", Actor.local())
    assert settings.endpoint_summary() is None


def test_a_replaced_encryption_key_asks_for_the_api_key_again(
    db: Database, settings: SettingsRepository
) -> None:
    settings.set_endpoint(OFFICIAL, "deepseek-chat", KEY, "json_mode", Actor.local())
    replaced = SettingsRepository(db, SecretBox(Fernet.generate_key()))
    with pytest.raises(UnreadableSecret, match="重新填写接口密钥"):
        replaced.endpoint_for_use()
    replaced.set_endpoint(
        OFFICIAL, "deepseek-chat", "", "json_mode", Actor.local()
    )  # not blocked, key dropped
    assert replaced.endpoint_for_use().api_key.get_secret_value() == ""  # type: ignore[union-attr]
    replaced.set_endpoint(OFFICIAL, "deepseek-chat", "sk-new", "json_mode", Actor.local())
    assert replaced.endpoint_for_use().api_key.get_secret_value() == "sk-new"  # type: ignore[union-attr]


def test_the_key_file_is_created_private_once_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_KEY_ENV, raising=False)
    first = SecretBox.from_settings("", tmp_path / "data")
    key_file = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert list(key_file.parent.iterdir()) == [key_file]  # no temporary file left behind
    sealed = first.encrypt("秘密")
    assert SecretBox.from_settings("", tmp_path / "data").decrypt(sealed) == "秘密"


def test_the_environment_key_wins_and_bad_keys_are_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key()
    monkeypatch.setenv(SECRET_KEY_ENV, key.decode())
    configured = load_settings(data_dir=tmp_path).secret_key.get_secret_value()
    sealed = SecretBox.from_settings(configured, tmp_path).encrypt("秘密")
    assert not (tmp_path / "secret.key").exists()
    assert SecretBox(key).decrypt(sealed) == "秘密"
    with pytest.raises(UserError, match="Fernet.generate_key"):
        SecretBox.from_settings("not-a-fernet-key", tmp_path)
