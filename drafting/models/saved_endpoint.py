"""The chat endpoint an administrator saved in the app: in the database, its key encrypted and bound to its URL.

The environment (LLM_BASE_URL / LLM_API_KEY) wins when it configures an endpoint; otherwise drafts use
the saved one. Earlier versions kept it in `endpoint.json` in the data folder: its chat fields move
into the database once, and the file keeps only the embedder choice.
"""

from typing import TYPE_CHECKING

from drafting.access import Actor
from drafting.endpoint_file import endpoint_file, load_endpoint, write_endpoint_file
from drafting.errors import UserError
from drafting.settings import Settings

if TYPE_CHECKING:
    from drafting.storage import Database, SettingsRepository

_CHAT_FIELDS = ("llm_base_url", "llm_model", "llm_structured_method", "llm_api_key", "llm_key_base_url")


def endpoint_store(settings: Settings, database: "Database") -> "SettingsRepository":
    from drafting.storage import SecretBox, SettingsRepository

    store = SettingsRepository(
        database, SecretBox.from_settings(settings.secret_key.get_secret_value(), settings.data_dir)
    )
    _adopt_endpoint_file(settings, store)
    return store


def with_saved_endpoint(settings: Settings, store: "SettingsRepository") -> Settings:
    """Settings with the saved chat endpoint, where the environment configures none."""
    if settings.llm_configured:
        return settings
    saved = store.endpoint_for_use()
    if saved is None:
        return settings
    return settings.model_copy(
        update={
            "llm_base_url": saved.base_url,
            "llm_model": saved.model or settings.llm_model,
            "llm_structured_method": saved.structured_method,
            "llm_api_key": saved.api_key,
        }
    )


def save_endpoint(
    store: "SettingsRepository", actor: Actor, base_url: str, model: str, api_key: str, method: str
) -> str:
    """Save (administrators only) and say, in Chinese, what became of the key and of a repaired address."""
    from drafting.models.presets import checked_base_url

    address = checked_base_url(base_url)
    base_url = address.address
    if not model.strip():
        raise UserError("请填写模型名（如 deepseek-chat、qwen-plus）。")
    before = store.endpoint_summary()
    store.set_endpoint(base_url, model, api_key, method, actor)
    if api_key.strip():
        saved = "已保存（密钥已加密保存，不再显示）。"
    elif before is not None and before.has_key and before.base_url == base_url:
        saved = "已保存，沿用该地址原有的密钥。"
    elif before is not None and before.has_key:
        saved = "已保存。接口地址已更换，原密钥不会发往新地址；如新接口需要密钥，请重新填写。"
    else:
        saved = "已保存。"
    return address.note + saved


def _adopt_endpoint_file(settings: Settings, store: "SettingsRepository") -> None:
    saved = load_endpoint(settings.data_dir)
    if saved.get("llm_base_url") is None:
        return
    bound = saved.get("llm_key_base_url") == saved["llm_base_url"]
    store.set_endpoint(
        saved["llm_base_url"],
        saved.get("llm_model", ""),
        saved.get("llm_api_key", "") if bound else "",
        saved.get("llm_structured_method") or "json_mode",
        Actor.local(),
    )
    kept = {key: value for key, value in saved.items() if key not in _CHAT_FIELDS}
    write_endpoint_file(settings.data_dir, kept)
    if not kept:
        endpoint_file(settings.data_dir).unlink(missing_ok=True)


__all__ = ["endpoint_store", "save_endpoint", "with_saved_endpoint"]
