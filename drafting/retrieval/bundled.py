"""The bundled corpus's index, shipped in the package: each chunk's vector and keyword tokens, by chunk id.

Embedding the 256 bundled sections took 50–60 s on two cores, so the first draft in a new data folder
waited for it. The package ships them instead (`drafting/data/bundled-index`, about 0.6 MB). The files
are committed rather than made when the wheel is built, so building a wheel stays an isolated,
offline, seconds-long setuptools step; tests/test_bundled_index.py proves they match examples_corpus
(every chunk's id and tokens, and a rebuild of a quarter of the vectors), and
`python scripts/build_bundled_index.py` remakes them after the corpus changes.

A build takes a chunk's shipped vector and tokens when its id (a hash of its text and metadata) and
the embedder match, and embeds only the rest. The files are checked by hash when loaded: damaged or
edited, they are ignored with a warning and every chunk is embedded as before.
"""

import functools
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from io import BytesIO
from pathlib import Path

import numpy as np

from drafting.retrieval.chunking import Chunk
from drafting.text.lexicon import tokenize
from drafting.text.script import to_simplified

VECTORS = "vectors.npy"
CHUNKS = "chunks.json"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShippedChunk:
    tokens: str  # space-separated, as a build stores them in chroma's metadata
    vector: np.ndarray


def shipped_folder() -> Traversable:
    return resources.files("drafting") / "data" / "bundled-index"


def search_text(chunk: Chunk) -> str:
    """What is embedded and tokenised, in simplified Chinese (shared with the index build)."""
    return to_simplified(chunk.search_text())


def digest(chunk_ids: list[str], tokens: list[str], vectors: np.ndarray) -> str:
    """The hash the shipped files are checked by: ids, tokens and every vector's bytes."""
    hashed = hashlib.sha256(json.dumps([chunk_ids, tokens], ensure_ascii=False).encode())
    hashed.update(np.ascontiguousarray(vectors, dtype="<f4").tobytes())
    return hashed.hexdigest()


@functools.cache
def shipped_chunks(embedder: str) -> dict[str, ShippedChunk]:
    """The package's shipped chunks for this embedder (empty for another embedder), loaded once."""
    return load(shipped_folder(), embedder)


def load(folder: Traversable | Path, embedder: str) -> dict[str, ShippedChunk]:
    """The shipped chunks by id; empty, with a warning, when the files are missing, damaged or edited."""
    try:
        manifest = json.loads((folder / CHUNKS).read_text(encoding="utf-8"))
        if manifest["embedder"] != embedder:
            return {}
        vectors = np.load(BytesIO((folder / VECTORS).read_bytes()), allow_pickle=False)
        chunk_ids, tokens = list(manifest["chunk_ids"]), list(manifest["tokens"])
        if digest(chunk_ids, tokens, vectors) != manifest["sha256"]:
            raise ValueError("sha256 mismatch")
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.warning(
            "随包附带的范文索引无法使用（%s：%s），改为现场建立索引，首次约需一分钟。", folder, error
        )
        return {}
    return {
        chunk_id: ShippedChunk(words, vector)
        for chunk_id, words, vector in zip(chunk_ids, tokens, vectors, strict=True)
    }


def write(
    folder: Path, chunks: Iterable[Chunk], embed: Callable[[list[str]], Sequence], embedder: str
) -> int:
    """Embed and tokenise `chunks` and save them as the shipped index (the build step, run by hand)."""
    chunks = list(chunks)
    texts = [search_text(chunk) for chunk in chunks]
    chunk_ids = [chunk.id for chunk in chunks]
    tokens = [" ".join(tokenize(text)) for text in texts]
    vectors = np.asarray(embed(texts), dtype=np.float32).reshape(len(chunks), -1)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / VECTORS, vectors)
    manifest = {
        "embedder": embedder,
        "sha256": digest(chunk_ids, tokens, vectors),
        "chunk_ids": chunk_ids,
        "tokens": tokens,
    }
    (folder / CHUNKS).write_text(json.dumps(manifest, ensure_ascii=False, indent=0), encoding="utf-8")
    return len(chunks)
