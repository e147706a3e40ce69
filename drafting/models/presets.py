"""Model endpoint presets and a connection test.

The chat endpoint saved in the app lives in the database (see saved_endpoint.py); the embedder choice
in the data folder (drafting/endpoint_file.py).
"""

import json
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel

from drafting.endpoint_url import EndpointUrl, endpoint_url
from drafting.errors import UserError
from drafting.models import ensure_model_requests_allowed
from drafting.settings import Settings

if TYPE_CHECKING:
    from openai import APIStatusError

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


# Closed port, another protocol, an HTTP server that is no model API: one message, so 测试连接 cannot map
# which ports are open (#21 item 16). Only a reply an OpenAI-compatible API gives is told apart.
CONNECTION_FAILED = (
    "连接失败：连不上这个地址和端口上的模型接口。请核对接口地址中的主机、端口和路径（一般以 /v1 结尾），"
    "并确认模型服务已经启动。"
)


def check_connection(settings: Settings, key_note: str = "") -> str:
    """Ask the endpoint for one short reply; a Chinese sentence either way, naming the fix for a failure.
    `key_note` says which key was tried (the one typed, the saved one, none), for a refused key."""
    from openai import APIConnectionError, APIStatusError, APITimeoutError, OpenAI, OpenAIError

    if not settings.llm_configured:
        raise UserError("还没有填写模型接口地址。")
    model = settings.llm_model.strip()
    if not model:
        raise UserError("请填写模型名（如 deepseek-chat、qwen-plus），测试连接要用它向模型提一个问题。")
    ensure_model_requests_allowed("connection test")
    timeout = settings.llm_connect_timeout + 20
    client = OpenAI(
        base_url=chat_base_url(settings),
        api_key=settings.llm_api_key.get_secret_value() or "not-needed",
        timeout=timeout,
        max_retries=0,
    )
    try:
        reply = client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "你好"}], max_tokens=5
        )
    except APITimeoutError as error:
        raise UserError(
            f"连接失败：等了 {timeout:.0f} 秒没有应答。请核对地址和端口，确认模型服务已经启动；"
            "本机模型第一次加载可能较慢，可稍后再试。"
        ) from error
    except APIStatusError as error:
        raise UserError(_refusal(error, model, key_note)) from error
    except (APIConnectionError, OpenAIError) as error:
        raise UserError(CONNECTION_FAILED) from error
    answered = f"连接成功：{endpoint_host(settings)} 上的模型“{model}”已应答。"
    if reply.model and reply.model != model:
        answered += f"（接口报告的模型名为“{reply.model[:80]}”。）"
    return answered


def _refusal(error: "APIStatusError", model: str, key_note: str) -> str:
    """What an HTTP error means, when an OpenAI-compatible API gave it; never the server's own text (it
    may echo part of the key)."""
    error_body = _api_error(error.response.text)
    if error_body is None:  # not a model API's reply: said as a closed port is
        return CONNECTION_FAILED
    status = error.status_code
    if status in (401, 403):
        return f"连接失败：API Key 不对或没有权限（接口返回 {status}）。" + (
            key_note or "请核对 API Key 后重新填写。"
        )
    if status == 404 or (status in (400, 422) and _about_missing_model(error_body)):
        return (
            f"连接失败：模型名称“{model[:80]}”不存在（接口返回 {status}），请核对模型名；"
            "模型名无误时，请核对接口地址的路径（一般以 /v1 结尾，不含 /chat/completions）。"
        )
    if status == 429:
        return "连接失败：接口限流或额度已用完（接口返回 429）。请稍后再试，或检查账户余额。"
    if status >= 500:
        return f"连接失败：模型接口自身出错（接口返回 {status}）。请稍后再试，或请接口的管理者查看服务日志。"
    return f"连接失败：接口拒绝了这次请求（接口返回 {status}）。请核对模型名和接口地址。"


def _api_error(text: str) -> dict | None:
    """The error object of an OpenAI-compatible reply ({"error": …} or vLLM's {"object": "error", …})."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    if body.get("object") == "error":
        return body
    error = body.get("error")
    if isinstance(error, dict):
        return error
    return {"message": error} if isinstance(error, str) else None


def _about_missing_model(error_body: dict) -> bool:
    """DeepSeek and 智谱 answer an unknown model with 400, not 404: their message says so."""
    said = f"{error_body.get('code', '')} {error_body.get('message', '')}".lower()
    return "model_not_found" in said or (
        ("model" in said or "模型" in said) and any(w in said for w in ("not exist", "not found", "不存在"))
    )


def endpoint_host(settings: Settings) -> str:
    """Where the facts are sent, as every user may see it: scheme, host and port only. Credentials written
    into the URL (user:pass@host, ?api-key=…) and its path never show."""
    if not settings.llm_base_url:
        return "https://api.openai.com"
    return shown_url(settings.llm_base_url, with_path=False)


def shown_url(url: str, with_path: bool = True) -> str:
    """An address as it may be shown: scheme, host, port (and path), never a user:pass or a ?api-key=."""
    try:
        parts = urlsplit(url)
    except ValueError:  # saved by an earlier version that did not check (a full-width “：”)
        return "（接口地址格式不对）"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is no number: show none rather than fail
        port = ""
    path = parts.path if with_path else ""
    return f"{parts.scheme}://{parts.hostname}{port}{path}" if parts.hostname else "（接口地址格式不对）"


def checked_base_url(base_url: str) -> EndpointUrl:
    """The endpoint address as typed on 设置, full-width characters replaced (the caller says so), or a
    UserError saying what is wrong: an address such as “abc” was saved, and every draft afterwards failed."""
    if not base_url.strip():
        raise UserError("请填写接口地址；要改回离线引擎，请点“清除已保存的接口”。")
    return endpoint_url(base_url)
