"""chromadb, imported without the `overrides` package's signature checks, for every module that uses it.

chromadb marks about 170 methods `@override`. At import each one walks its base classes and compares
signatures: 0.3–0.4 s of every process's start on a 2-core machine (import and embedded client 1.45 s →
1.03 s). Those checks guard chromadb's own development. The installed version is pinned by the lock and
its classes are not changed at run time, so while chromadb's modules load, the decorator only marks the
method, as the real one does first (it does not copy the base method's docstring onto an undocumented
one, which only `help()` shows). It is put back afterwards; no other installed package uses it, and chromadb
modules first imported later (the HTTP client's, for a chroma server) are checked as before.
"""

from collections.abc import Callable
from typing import Any

import overrides


def _mark(method: Callable[..., Any] | None = None, **_checks: bool) -> Any:
    """`@override` and `@override(check_signature=...)` without the checks."""
    if method is None:
        return _mark
    method.__override__ = True  # type: ignore[attr-defined]
    return method


_real = overrides.override, overrides.overrides
overrides.override = overrides.overrides = _mark
try:
    import chromadb
    import chromadb.api.rust  # the embedded client and its telemetry stub, otherwise first imported
    import chromadb.telemetry.product.posthog  # by the first client
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.config import Settings as ChromaSettings
    from chromadb.errors import ChromaError
finally:
    overrides.override, overrides.overrides = _real

__all__ = [
    "ChromaError",
    "ChromaSettings",
    "ClientAPI",
    "Collection",
    "Documents",
    "EmbeddingFunction",
    "Embeddings",
    "chromadb",
]
