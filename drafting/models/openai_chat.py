"""The real ChatModel: any OpenAI-compatible endpoint through LangChain's ChatOpenAI.

Streaming with a per-chunk idle timeout; bounded retries that never retry a 4xx other than 429 and
that wait as long as Retry-After asks; structured output by json_schema, function calling, or JSON
mode with parse-and-repair for providers that have neither. Provider quirks (which field caps the
reply, how many streams a server takes at once) come from the endpoint's profile in presets.py.
"""

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import ValidationError

from drafting.errors import JobStopped
from drafting.models import ensure_model_requests_allowed
from drafting.models.presets import Preset, chat_base_url, shown_url
from drafting.models.protocol import Delta, ModelCallError, Prompt, T, TokenUsage, parse_json_lenient
from drafting.models.tokens import count_tokens
from drafting.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

MAX_RETRY_AFTER = 60.0


class EmptyReply(ValueError):
    pass


class _Retryable(Exception):
    def __init__(self, reason: str, wait: float | None = None):
        super().__init__(reason)
        self.wait = wait


def usage_of(message: Any) -> TokenUsage:
    meta = getattr(message, "usage_metadata", None) or {}
    return TokenUsage(
        prompt_tokens=meta.get("input_tokens", 0), completion_tokens=meta.get("output_tokens", 0)
    )


def _classify(error: Exception) -> Exception:
    """Turn a client error into _Retryable or a final ModelCallError."""
    if isinstance(error, asyncio.TimeoutError | openai.APITimeoutError):
        return _Retryable("模型响应超时")
    if isinstance(error, openai.APIConnectionError):
        return _Retryable("无法连接模型接口")
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        if status == 429:
            return _Retryable("模型接口限流（429）", _retry_after(error))
        if status >= 500:
            return _Retryable(f"模型接口出错（{status}）")
        if status in (401, 403):
            return ModelCallError(f"模型接口拒绝访问（{status}）：请检查 API Key。")
        if status == 404:  # the model name, or a path without /v1 (or with /chat/completions twice)
            return ModelCallError(
                "模型接口拒绝了请求（404）：请核对模型名是否存在，以及接口地址的路径（一般以 /v1 结尾）。"
            )
        return ModelCallError(f"模型接口拒绝了请求（{status}）。")
    if isinstance(error, openai.LengthFinishReasonError):
        return _Retryable("模型输出达到长度上限被截断")
    if isinstance(error, EmptyReply):
        return _Retryable("模型返回了空内容")
    if isinstance(error, json.JSONDecodeError | ValidationError | ValueError):
        return _Retryable("模型返回的内容格式不对")
    if isinstance(error, openai.OpenAIError):
        return ModelCallError(f"模型接口出错：{type(error).__name__}")
    return error


def library_failure(endpoint: str, error: Exception) -> ModelCallError:
    """A client-library error the classifier does not know (a changed argument type, a bug upstream), as
    one Chinese line naming the endpoint, so it fails a section instead of reaching the user as a traceback."""
    shown = shown_url(endpoint)
    detail = (
        " ".join(str(error).replace(endpoint, shown).split())[:300] or "（无说明）"
    )  # it may quote the URL
    return ModelCallError(f"调用模型接口 {shown} 时客户端库出错：{type(error).__name__}: {detail}")


def _retry_after(error: openai.APIStatusError) -> float | None:
    value = error.response.headers.get("retry-after") if error.response is not None else None
    try:
        return min(float(value), MAX_RETRY_AFTER) if value is not None else None
    except ValueError:
        return None


async def with_retries(
    settings: Settings, attempt: Callable[[], Awaitable[Any]], on_retry: Callable[[], None] | None = None
) -> Any:
    """Run `attempt` until it succeeds, at most 1 + llm_max_retries times."""
    last = "未知错误"
    for number in range(settings.llm_max_retries + 1):
        try:
            return await attempt()
        except JobStopped:
            raise  # the quota or the account stopped the job while it streamed: nothing to retry
        except Exception as raw:  # noqa: BLE001 - classified below; unknown errors are re-raised
            error = _classify(raw)
            if error is raw:
                raise library_failure(chat_base_url(settings), raw) from raw
            if not isinstance(error, _Retryable):
                raise error from raw
            last = str(error)
            if number == settings.llm_max_retries:
                break
            if on_retry:
                on_retry()
            await asyncio.sleep(
                error.wait if error.wait is not None else min(8.0, 0.5 * 2**number) + random.random() * 0.2
            )
    raise ModelCallError(f"{last}，已重试 {settings.llm_max_retries} 次仍未成功。")


class OpenAIChatModel:
    """A ChatModel over an OpenAI-compatible endpoint; every request passes ensure_model_requests_allowed."""

    def __init__(
        self,
        settings: Settings,
        profile: Preset,
        client_class: "Callable[..., BaseChatModel] | None" = None,
    ):
        """`client_class` is LangChain's ChatOpenAI unless a test passes another with its signature."""
        self.settings = settings
        self.profile = profile
        self.label = f"llm:{settings.llm_model}"
        self.max_concurrency = _concurrency(settings.llm_concurrency, profile.max_concurrency)
        self._client_class = client_class

    @cached_property
    def client(self) -> "BaseChatModel":
        """Built on first use, inside a section: a client library that refuses its arguments fails the
        sections with a message, and the draft still ends and is saved."""
        if self._client_class is None:
            from langchain_openai import ChatOpenAI  # imported here: the offline path never pays for it

            self._client_class = ChatOpenAI
        endpoint = chat_base_url(self.settings)
        try:
            return self._client_class(
                base_url=endpoint,
                api_key=self.settings.llm_api_key.get_secret_value() or "not-needed",
                model=self.settings.llm_model,
                # openai's own Timeout: the httpx or httpx2 type underneath changes between releases
                timeout=openai.Timeout(
                    self.settings.llm_idle_timeout, connect=self.settings.llm_connect_timeout
                ),
                max_retries=0,  # retries are ours: bounded, 429-aware, per section
                stream_usage=True,
            )
        except Exception as error:  # noqa: BLE001 - any library failure becomes the section's message
            raise library_failure(endpoint, error) from error

    def _limited(self, max_tokens: int) -> "BaseChatModel":
        """A copy of the client that caps reply length in the field this provider reads.

        LangChain sends `max_tokens` as `max_completion_tokens`, which OpenAI wants and llama.cpp,
        older vLLM and Ollama ignore; those get `max_tokens` in the request body instead.
        """
        cap = min(max_tokens, self.settings.llm_max_output_tokens)
        if self.profile.max_tokens_field == "max_completion_tokens":
            return self.client.model_copy(update={"max_tokens": cap})
        extra = getattr(self.client, "extra_body", None) or {}
        return self.client.model_copy(update={"extra_body": {**extra, "max_tokens": cap}})

    async def stream(
        self, prompt: Prompt, on_delta: Delta, max_tokens: int, on_retry: Callable[[], None] | None = None
    ) -> tuple[str, TokenUsage]:
        """The full reply, streamed to `on_delta`; a stall longer than the idle timeout is retried."""
        ensure_model_requests_allowed(f"prompt {prompt.name!r}")
        bound = self._limited(max_tokens)
        settings = self.settings

        async def attempt() -> tuple[str, TokenUsage]:
            pieces: list[str] = []
            usage = TokenUsage()
            stream = bound.astream(prompt.messages).__aiter__()
            while True:
                try:
                    chunk = await asyncio.wait_for(stream.__anext__(), timeout=settings.llm_idle_timeout)
                except StopAsyncIteration:
                    break
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    pieces.append(text)
                    on_delta(text)
                usage.add(usage_of(chunk))
            reply = "".join(pieces).strip()
            if not reply:
                raise EmptyReply("empty reply")
            if not usage.prompt_tokens:  # some servers (llama.cpp) send no usage in streams: count it here
                usage = TokenUsage(
                    prompt_tokens=count_tokens(_joined(prompt.messages), settings.llm_model),
                    completion_tokens=count_tokens(reply, settings.llm_model),
                )
            return reply, usage

        return await with_retries(settings, attempt, on_retry)

    async def structured(self, prompt: Prompt, schema: type[T], max_tokens: int) -> tuple[T, TokenUsage]:
        """A reply validated against `schema`, by the configured method."""
        ensure_model_requests_allowed(f"prompt {prompt.name!r}")
        settings = self.settings
        method = settings.llm_structured_method or self.profile.structured_method
        model = self._limited(max_tokens)
        messages = prompt.messages
        if method in ("json_schema", "function_calling"):
            runnable = model.with_structured_output(schema, method=method, include_raw=True)

            async def native() -> tuple[T, TokenUsage]:
                result = await runnable.ainvoke(messages)
                if result.get("parsed") is None:
                    raw = result["raw"].content if isinstance(result["raw"].content, str) else ""
                    return schema.model_validate(parse_json_lenient(raw)), usage_of(result["raw"])
                return result["parsed"], usage_of(result["raw"])

            return await with_retries(settings, native)

        json_model = model.bind(response_format={"type": "json_object"})
        total = TokenUsage()

        async def json_mode() -> tuple[T, TokenUsage]:
            reply = await json_model.ainvoke(messages)
            total.add(usage_of(reply))
            text = reply.content if isinstance(reply.content, str) else ""
            try:
                return schema.model_validate(parse_json_lenient(text)), total
            except (json.JSONDecodeError, ValidationError) as error:
                repair = [
                    *messages,
                    AIMessage(content=text),
                    HumanMessage(content=f"上面的 JSON 无效：{str(error)[:300]}。请只输出修正后的 JSON。"),
                ]
                fixed = await json_model.ainvoke(repair)
                total.add(usage_of(fixed))
                return schema.model_validate(
                    parse_json_lenient(fixed.content if isinstance(fixed.content, str) else "")
                ), total

        return await with_retries(settings, json_mode)

    async def aclose(self) -> None:
        """Close the async HTTP client inside the event loop that used it."""
        client = getattr(
            self.__dict__.get("client"), "root_async_client", None
        )  # never built: nothing to close
        if client is not None:
            await client.close()


def _concurrency(configured: int, cap: int | None) -> int | None:
    """Streams at once: the setting (0 means no limit of our own), never above what the server takes."""
    limits = [n for n in (configured, cap) if n]
    return min(limits) if limits else None


def _joined(messages: list[BaseMessage]) -> str:
    return "".join(str(m.content) for m in messages)
