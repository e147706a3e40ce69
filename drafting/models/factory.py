"""The one place models are built from settings: the chat model (None means the offline engine) and the embedder.

Heavy clients (LangChain, openai, chromadb) are imported only when a model is actually built, so the
command line answers fast and the offline path never loads them.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from drafting.settings import Settings

if TYPE_CHECKING:
    from chromadb.api.types import Documents, EmbeddingFunction
    from langchain_core.language_models import BaseChatModel

    from drafting.models.protocol import ChatModel

ModelFactory = Callable[[Settings], "ChatModel | None"]
"""What DraftingService builds its chat model with: `build_chat_model`, or a test's FunctionModel."""


def build_chat_model(
    settings: Settings, client_class: "Callable[..., BaseChatModel] | None" = None
) -> "ChatModel | None":
    """The chat model for the configured endpoint, or None when the offline engine should draft.
    `client_class` replaces LangChain's ChatOpenAI (tests pass one that fails as a library would)."""
    if not settings.llm_configured:
        return None
    from drafting.models.openai_chat import OpenAIChatModel
    from drafting.models.presets import profile_for

    return OpenAIChatModel(settings, profile_for(settings), client_class)


def build_embedder(settings: Settings) -> "EmbeddingFunction[Documents]":
    from drafting.models.embedders import E5EmbeddingFunction, OpenAICompatibleEmbeddingFunction

    if settings.embedder == "openai":
        return OpenAICompatibleEmbeddingFunction(
            base_url=settings.embedding_base_url,
            api_key=settings.embedding_api_key.get_secret_value(),
            model=settings.embedding_model,
            timeout=settings.embedding_timeout,
        )
    return E5EmbeddingFunction()


def embedder_slug(settings: Settings) -> str:
    """Names the vector space, so switching embedders never mixes vectors in one collection."""
    if settings.embedder == "openai":
        return "oa-" + "".join(ch if ch.isalnum() else "-" for ch in settings.embedding_model)[:40]
    return "e5small"
