"""Calls to the chat model with the guarantees the pipeline needs.

Streaming with a per-chunk idle timeout; bounded retries that never retry a 4xx other than 429 and
that wait as long as Retry-After asks; structured output by json_schema, function calling, or JSON
mode with parse-and-repair for providers that have neither.
"""

import asyncio
import json
import random
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from pydantic import BaseModel, ValidationError

from drafting.models.tokens import count_tokens
from drafting.settings import Settings
from drafting.writing.draft import TokenUsage

T = TypeVar("T", bound=BaseModel)
MAX_RETRY_AFTER = 60.0
Delta = Callable[[str], None]


class ModelCallError(Exception):
    """A model call that failed for good; the message is for the user, in Chinese."""


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
        except Exception as raw:  # noqa: BLE001 - classified below; unknown errors are re-raised
            error = _classify(raw)
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


async def stream_text(
    model: BaseChatModel,
    messages: list[BaseMessage],
    settings: Settings,
    on_delta: Delta,
    on_retry: Callable[[], None] | None = None,
    max_tokens: int | None = None,
) -> tuple[str, TokenUsage]:
    """The model's full reply, streamed to `on_delta`; a stall longer than the idle timeout is retried."""
    bound = limit_output(model, max_tokens, settings) if max_tokens else model

    async def attempt() -> tuple[str, TokenUsage]:
        pieces: list[str] = []
        usage = TokenUsage()
        stream = bound.astream(messages).__aiter__()
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
            prompt = "".join(str(m.content) for m in messages)
            usage = TokenUsage(
                prompt_tokens=count_tokens(prompt, settings.llm_model),
                completion_tokens=count_tokens(reply, settings.llm_model),
            )
        return reply, usage

    return await with_retries(settings, attempt, on_retry)


def limit_output(model: BaseChatModel, max_tokens: int, settings: Settings) -> BaseChatModel:
    """A copy of the model that caps reply length. OpenAI reads max_completion_tokens (LangChain renames
    max_tokens to it); most other OpenAI-compatible servers (llama.cpp, older vLLM/Ollama) read max_tokens."""
    if not hasattr(model, "extra_body"):  # not an OpenAI client (a test double): nothing to send
        return model
    if not settings.llm_base_url or "api.openai.com" in settings.llm_base_url:
        return model.model_copy(update={"max_tokens": max_tokens})
    return model.model_copy(
        update={"extra_body": {**(getattr(model, "extra_body", None) or {}), "max_tokens": max_tokens}}
    )


def parse_json_lenient(text: str) -> Any:
    """JSON from a reply that may wrap it in code fences or prose, or leave trailing commas."""
    text = re.sub(r"^```(?:json)?|```$", "", text.strip(), flags=re.M).strip()
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end <= start:
        raise json.JSONDecodeError("no JSON object", text, 0)
    return json.loads(re.sub(r",\s*([}\]])", r"\1", text[start : end + 1]))


async def structured(
    model: BaseChatModel, messages: list[BaseMessage], schema: type[T], settings: Settings, max_tokens: int
) -> tuple[T, TokenUsage]:
    """A reply validated against `schema`, by the configured method."""
    method = settings.llm_structured_method
    model = limit_output(model, min(max_tokens, settings.llm_max_output_tokens), settings)
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
