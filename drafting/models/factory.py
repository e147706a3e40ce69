"""The one seam where models are built from settings. Tests replace these functions with fakes."""

from typing import TYPE_CHECKING

from chromadb.api.types import Documents, EmbeddingFunction

from drafting.retrieval.embedders import E5EmbeddingFunction, OpenAICompatibleEmbeddingFunction
from drafting.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


def build_embedder(settings: Settings) -> EmbeddingFunction[Documents]:
    if settings.embedder == "openai":
        return OpenAICompatibleEmbeddingFunction(
            base_url=settings.embedding_base_url,
            api_key=settings.embedding_api_key.get_secret_value(),
            model=settings.embedding_model,
        )
    return E5EmbeddingFunction()


def embedder_slug(settings: Settings) -> str:
    """Names the vector space, so switching embedders never mixes vectors in one collection."""
    if settings.embedder == "openai":
        return "oa-" + "".join(ch if ch.isalnum() else "-" for ch in settings.embedding_model)[:40]
    return "e5small"


def build_chat_model(settings: Settings) -> "BaseChatModel | None":
    """The chat model for the configured endpoint, or None when the offline engine should draft."""
    if not settings.llm_configured:
        return None
    import httpx
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.llm_base_url or None,
        api_key=settings.llm_api_key.get_secret_value() or "not-needed",
        model=settings.llm_model,
        timeout=httpx.Timeout(settings.llm_idle_timeout, connect=settings.llm_connect_timeout),
        max_retries=0,  # retries are ours: bounded, 429-aware, per section
        stream_usage=True,
    )
