"""The one protocol every chat model satisfies: stream text, or return a structured reply.

The pipeline only ever talks to a `ChatModel`. The OpenAI-compatible adapter (openai_chat.py) is the
real one; `FunctionModel` (function.py) answers from a Python function, for tests and demos. A prompt
travels with its template name, so a fake can answer by name rather than by matching wording.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel

from drafting.errors import UserError

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

T = TypeVar("T", bound=BaseModel)
Delta = Callable[[str], None]


class TokenUsage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, other: "TokenUsage") -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Prompt:
    name: str  # the template it was rendered from: outline, section, problems, plan, frame
    messages: list["BaseMessage"]

    def text(self, role: str) -> str:
        return "\n".join(str(m.content) for m in self.messages if m.type == role)


class ModelCallError(UserError):
    """A model call that failed for good; the message is for the user, in Chinese, so every face shows it
    as it shows bad input (the optional planner's call fails outside any section)."""


class ChatModel(Protocol):
    label: str  # shown on drafts: "llm:<model>"
    max_concurrency: int | None  # streams the endpoint serves at once (None: no limit)

    async def stream(
        self, prompt: Prompt, on_delta: Delta, max_tokens: int, on_retry: Callable[[], None] | None = None
    ) -> tuple[str, TokenUsage]: ...

    async def structured(self, prompt: Prompt, schema: type[T], max_tokens: int) -> tuple[T, TokenUsage]: ...

    async def aclose(self) -> None: ...


def parse_json_lenient(text: str) -> Any:
    """JSON from a reply that may wrap it in code fences or prose, or leave trailing commas."""
    text = re.sub(r"^```(?:json)?|```$", "", text.strip(), flags=re.M).strip()
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end <= start:
        raise json.JSONDecodeError("no JSON object", text, 0)
    return json.loads(re.sub(r",\s*([}\]])", r"\1", text[start : end + 1]))
