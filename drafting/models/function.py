"""A ChatModel whose replies come from a Python function: the test double, modelled on pydantic-ai's FunctionModel.

It goes through the same protocol as the real adapter (streamed pieces, usage, structured replies
validated against the schema), so the pipeline cannot tell it apart, and it never opens a socket.
"""

import asyncio
from collections.abc import Callable

from drafting.models.protocol import Delta, Prompt, T, TokenUsage, parse_json_lenient
from drafting.models.tokens import count_tokens

Reply = Callable[[Prompt], str]


class FunctionModel:
    def __init__(self, reply: Reply, label: str = "llm:function", max_concurrency: int | None = None):
        self.reply = reply
        self.label = label
        self.max_concurrency = max_concurrency
        self.prompts: list[Prompt] = []

    def _answer(self, prompt: Prompt) -> tuple[str, TokenUsage]:
        self.prompts.append(prompt)
        text = self.reply(prompt)
        usage = TokenUsage(
            prompt_tokens=count_tokens(prompt.text("system") + prompt.text("human")),
            completion_tokens=count_tokens(text),
        )
        return text, usage

    async def stream(
        self, prompt: Prompt, on_delta: Delta, max_tokens: int, on_retry: Callable[[], None] | None = None
    ) -> tuple[str, TokenUsage]:
        text, usage = self._answer(prompt)
        for start in range(0, len(text), 8):
            on_delta(text[start : start + 8])
            await asyncio.sleep(0)
        return text.strip(), usage

    async def structured(self, prompt: Prompt, schema: type[T], max_tokens: int) -> tuple[T, TokenUsage]:
        text, usage = self._answer(prompt)
        return schema.model_validate(parse_json_lenient(text)), usage

    async def aclose(self) -> None:
        pass
