"""The systems an evaluation compares: the offline engine and OpenAI-compatible endpoints.

An endpoint is named `PRESET:MODEL` (preset matched by its first word: deepseek, openai, ollama …)
or `http(s)://base/v1@MODEL`. A key is only ever sent to the host it belongs to: the configured
LLM_API_KEY to the configured LLM_BASE_URL's host (api.openai.com when none), or a per-host key set as
LLM_API_KEY_<DOMAIN> (LLM_API_KEY_DEEPSEEK for api.deepseek.com). Prices are LLM_PRICE_INPUT/OUTPUT,
or per host LLM_PRICE_INPUT_<DOMAIN>/LLM_PRICE_OUTPUT_<DOMAIN>; a loopback endpoint is free.
"""

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from drafting.endpoint_url import endpoint_url
from drafting.errors import UserError
from drafting.models.presets import chat_base_url

if TYPE_CHECKING:
    from drafting.settings import Settings

OFFLINE = "offline"


@dataclass(frozen=True)
class System:
    name: str
    settings: "Settings | None" = None  # None: the offline engine

    @property
    def offline(self) -> bool:
        return self.settings is None

    @property
    def host(self) -> str:
        if self.settings is None:
            return ""
        return urlsplit(self.settings.llm_base_url).hostname or ""


def offline_system() -> System:
    return System(name=OFFLINE)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def domain_label(host: str) -> str:
    """The environment-variable suffix for a host: api.deepseek.com → DEEPSEEK ('' for an IP address)."""
    try:
        ipaddress.ip_address(host)
        return ""
    except ValueError:
        pass
    parts = host.split(".")
    label = parts[-2] if len(parts) >= 2 else parts[0]
    return re.sub(r"\W", "_", label).upper()


def preset_word(name: str) -> str:
    """A preset's first word, lower-cased: '通义千问（DashScope 兼容模式）' → '通义千问', 'Ollama（本机）' → 'ollama'."""
    return re.split(r"[\s（(]", name.strip(), maxsplit=1)[0].lower()


def parse_endpoint(spec: str, settings: "Settings", environ: Mapping[str, str] | None = None) -> System:
    """A system for `PRESET:MODEL` or `http(s)://base/v1@MODEL`; UserError says which forms work."""
    from drafting.models.presets import PRESETS

    spec = spec.strip()
    structured_method = settings.llm_structured_method
    if re.match(r"https?[:：]", spec, re.I):
        base_url, at, model = spec.rpartition("@")
        model = model.strip()
        if not at or not model:
            raise UserError(f"无法识别接口“{spec}”：网址形式请写成 http://主机:端口/v1@模型名。")
        base_url = endpoint_url(base_url, "--endpoint 的接口地址", repair=False).address
        parts = urlsplit(base_url)
        base_url = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()  # never keep user:pass
        name = f"{base_url}@{model}"
    else:
        word, _, model = spec.partition(":")
        preset = next((p for p in PRESETS if preset_word(p.name) == word.strip().lower()), None)
        if preset is None:
            names = "、".join(preset_word(p.name) for p in PRESETS)
            raise UserError(f"没有名为“{word}”的预设接口。可用：{names}；或写成 http://主机:端口/v1@模型名。")
        base_url, model = preset.base_url, model.strip() or preset.model
        structured_method = preset.structured_method
        name = f"{preset_word(preset.name)}:{model}"
    return System(
        name=name, settings=endpoint_settings(settings, base_url, model, structured_method, environ)
    )


def configured_system(settings: "Settings") -> System | None:
    """The endpoint the settings configure, or None when they configure none (offline only)."""
    if not settings.llm_configured:
        return None
    base_url = chat_base_url(settings)
    return System(
        name=f"{base_url}@{settings.llm_model}",
        settings=endpoint_settings(settings, base_url, settings.llm_model, settings.llm_structured_method),
    )


def endpoint_settings(
    settings: "Settings",
    base_url: str,
    model: str,
    structured_method: str,
    environ: Mapping[str, str] | None = None,
) -> "Settings":
    """The settings with this endpoint, and only the key and prices that belong to its host."""
    from pydantic import SecretStr

    env = os.environ if environ is None else environ
    host = urlsplit(base_url).hostname or ""
    label = domain_label(host)
    own_host = host == (urlsplit(chat_base_url(settings)).hostname or "")
    key = env.get(f"LLM_API_KEY_{label}", "") if label else ""
    key = key or (settings.llm_api_key.get_secret_value() if own_host else "")

    def price(kind: str, configured: float) -> float:
        if is_loopback(host):
            return 0.0
        name = f"LLM_PRICE_{kind}_{label}"
        given = env.get(name, "") if label else ""
        try:
            return float(given) if given else configured
        except ValueError:
            raise UserError(f"{name} 应是数字（每百万 token 的价格），现在是“{given}”。") from None

    return settings.model_copy(
        update={
            "llm_base_url": base_url,
            "llm_model": model,
            "llm_api_key": SecretStr(key),
            "llm_structured_method": structured_method,
            "llm_price_input_per_mtok": price("INPUT", settings.llm_price_input_per_mtok),
            "llm_price_output_per_mtok": price("OUTPUT", settings.llm_price_output_per_mtok),
        }
    )


def missing_key(system: System) -> bool:
    """A remote endpoint that will be called without a key (the user should hear why)."""
    return (
        system.settings is not None
        and not is_loopback(system.host)
        and not system.settings.llm_api_key.get_secret_value()
    )
