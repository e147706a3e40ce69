"""A chat model that answers the pipeline's prompts like the simulator does, without any network."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from drafting.simulator import scripted_reply


class FakeChatModel(BaseChatModel):
    calls: int = 0

    @property
    def _llm_type(self) -> str:
        return "fake"

    def _reply(self, messages: list[BaseMessage]) -> str:
        self.calls += 1
        system = "\n".join(str(m.content) for m in messages if m.type == "system")
        user = "\n".join(str(m.content) for m in messages if m.type == "human")
        return scripted_reply(system, user)

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        text = self._reply(messages)
        usage = {"input_tokens": 100, "output_tokens": len(text), "total_tokens": 100 + len(text)}
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text, usage_metadata=usage))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        text = self._reply(messages)
        for start in range(0, len(text), 4):
            yield ChatGenerationChunk(message=AIMessageChunk(content=text[start : start + 4]))
        usage = {"input_tokens": 100, "output_tokens": len(text), "total_tokens": 100 + len(text)}
        yield ChatGenerationChunk(message=AIMessageChunk(content="", usage_metadata=usage))

    async def _astream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in self._stream(messages, stop, None, **kwargs):
            yield chunk
