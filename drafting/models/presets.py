"""Model endpoint presets and a connection test.

The chat endpoint saved in the app lives in the database (see saved_endpoint.py); the embedder choice
in the data folder (drafting/endpoint_file.py).
"""

from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel

from drafting.endpoint_url import EndpointUrl, endpoint_url
from drafting.errors import UserError
from drafting.models import ensure_model_requests_allowed
from drafting.settings import Settings

OPENAI_BASE_URL = "https://api.openai.com/v1"


def chat_base_url(settings: Settings) -> str:
    """Where requests go: the configured URL, or OpenAI's written out, never left to the client libraries
    (they would read OPENAI_BASE_URL / OPENAI_API_BASE from the environment and send the key there)."""
    return settings.llm_base_url or OPENAI_BASE_URL


class Preset(BaseModel):
    """A known endpoint and its quirks: the provider profile the chat adapter follows."""

    name: str
    base_url: str
    model: str
    structured_method: Literal["json_schema", "function_calling", "json_mode"] = "json_mode"
    max_tokens_field: Literal["max_tokens", "max_completion_tokens"] = "max_tokens"
    max_concurrency: int | None = None  # streams the server serves at once; None: no limit


PRESETS = [
    Preset(
        name="OpenAI",
        base_url=OPENAI_BASE_URL,
        model="gpt-4o-mini",
        structured_method="json_schema",
        max_tokens_field="max_completion_tokens",
    ),
    Preset(name="DeepSeek", base_url="https://api.deepseek.com/v1", model="deepseek-chat"),
    Preset(
        name="通义千问（DashScope 兼容模式）",
        base_url="https://dashscope.aliyuncs.com/compatible-mode/v1",
        model="qwen-plus",
    ),
    Preset(name="智谱 GLM", base_url="https://open.bigmodel.cn/api/paas/v4", model="glm-4-flash"),
    Preset(name="Moonshot", base_url="https://api.moonshot.cn/v1", model="moonshot-v1-8k"),
    Preset(name="Ollama（本机）", base_url="http://127.0.0.1:11434/v1", model="qwen2.5:7b"),
    Preset(name="vLLM（自建）", base_url="http://127.0.0.1:8000/v1", model="Qwen2.5-7B-Instruct"),
    # llama-cpp-python's server answers one stream at a time; concurrent requests come back empty.
    Preset(name="llama.cpp（本机）", base_url="http://127.0.0.1:8080/v1", model="local", max_concurrency=1),
]
GENERIC = Preset(name="OpenAI 兼容接口", base_url="", model="")


def profile_for(settings: Settings) -> Preset:
    """The profile of the configured endpoint: LLM_PROVIDER names a preset; otherwise the base URL decides."""
    if settings.llm_provider:
        wanted = settings.llm_provider.casefold()
        for preset in PRESETS:
            if preset.name.casefold().startswith(wanted):
                return preset
        raise UserError(
            f"LLM_PROVIDER=“{settings.llm_provider}”不是已知的接口类型。可选："
            + "、".join(p.name for p in PRESETS)
        )
    url = chat_base_url(settings).rstrip("/")
    return next((p for p in PRESETS if p.base_url == url), GENERIC)


CONNECTION_FAILED = "连接失败：没有从这个地址得到模型的应答。请检查接口地址、模型名和密钥。"


def check_connection(settings: Settings) -> str:
    """Ask the endpoint for one short reply; a Chinese sentence either way."""
    from openai import OpenAI, OpenAIError

    ensure_model_requests_allowed("connection test")
    if not settings.llm_configured:
        raise UserError("还没有填写模型接口地址。")
    client = OpenAI(
        base_url=chat_base_url(settings),
        api_key=settings.llm_api_key.get_secret_value() or "not-needed",
        timeout=settings.llm_connect_timeout + 20,
        max_retries=0,
    )
    try:
        reply = client.chat.completions.create(
            model=settings.llm_model, messages=[{"role": "user", "content": "你好"}], max_tokens=5
        )
    except (
        OpenAIError
    ) as error:  # one message for every failure: the test must not tell open ports from closed
        raise UserError(CONNECTION_FAILED) from error
    return f"连接成功：模型 {reply.model or settings.llm_model} 已应答。"


def endpoint_host(settings: Settings) -> str:
    """Where the facts are sent, as every user may see it: scheme, host and port only. Credentials written
    into the URL (user:pass@host, ?api-key=…) and its path never show."""
    if not settings.llm_base_url:
        return "https://api.openai.com"
    try:
        parts = urlsplit(settings.llm_base_url)
    except ValueError:  # saved by an earlier version that did not check (a full-width “：”)
        return "（接口地址格式不对）"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is no number: show none rather than fail
        port = ""
    return f"{parts.scheme}://{parts.hostname}{port}" if parts.hostname else "（接口地址格式不对）"


def checked_base_url(base_url: str) -> EndpointUrl:
    """The endpoint address as typed on 设置, full-width characters replaced (the caller says so), or a
    UserError saying what is wrong: an address such as “abc” was saved, and every draft afterwards failed."""
    if not base_url.strip():
        raise UserError("请填写接口地址；要改回离线引擎，请点“清除已保存的接口”。")
    return endpoint_url(base_url)
