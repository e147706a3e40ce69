"""chromadb, imported without the `overrides` package's signature checks, for every module that uses it.

chromadb marks about 170 methods `@override`. At import each one walks its base classes and compares
signatures: 0.3–0.4 s of every process's start on a 2-core machine (import and embedded client 1.45 s →
1.03 s). Those checks guard chromadb's own development. The installed version is pinned by the lock and
its classes are not changed at run time, so while chromadb's modules load, the decorator only marks the
method, as the real one does first (it does not copy the base method's docstring onto an undocumented
one, which only `help()` shows). It is put back afterwards; no other installed package uses it, and chromadb
modules first imported later (the HTTP client's, for a chroma server) are checked as before.

Two modules chromadb's import pulls in are not loaded with it (0.2 s on the same machine, about a tenth of
the import): the OpenTelemetry exporter over gRPC, which chromadb constructs only when a trace collector is
configured (never here; the real one is imported then), and httpx's command-line client (rich, click),
which httpx imports if it can and otherwise replaces by a function saying what to install.
"""

import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

import overrides

_EXPORTER = "opentelemetry.exporter.otlp.proto.grpc.trace_exporter"


def _mark(method: Callable[..., Any] | None = None, **_checks: bool) -> Any:
    """`@override` and `@override(check_signature=...)` without the checks."""
    if method is None:
        return _mark
    method.__override__ = True  # type: ignore[attr-defined]
    return method


def _exporter_on_demand() -> ModuleType:
    """Stands for the exporter module while chromadb loads: its one name imports the real class when called."""

    def exporter(*args: Any, **kwargs: Any) -> Any:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(*args, **kwargs)

    module = ModuleType(_EXPORTER)
    module.OTLPSpanExporter = exporter  # type: ignore[attr-defined]
    return module


def _forget(stand_ins: dict[str, ModuleType | None]) -> None:
    """Take the stand-ins out of sys.modules, so that a later import loads the real modules."""
    for name, stand_in in stand_ins.items():
        if sys.modules.get(name, ...) is stand_in:
            del sys.modules[name]


# None makes an import fail with ImportError, as if the module were not installed
_left_out = {
    name: stand_in
    for name, stand_in in ((_EXPORTER, _exporter_on_demand()), ("httpx._main", None))
    if name not in sys.modules
}
_real = overrides.override, overrides.overrides
try:
    sys.modules.update(_left_out)
    overrides.override = overrides.overrides = _mark
    import chromadb
    import chromadb.api.rust  # the embedded client and its telemetry stub, otherwise first imported
    import chromadb.telemetry.product.posthog  # by the first client
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.config import Settings as ChromaSettings
    from chromadb.errors import ChromaError
    from httpx import HTTPError  # what chroma's HTTP client raises for a dropped link
finally:
    overrides.override, overrides.overrides = _real
    _forget(_left_out)

__all__ = [
    "ChromaError",
    "ChromaSettings",
    "ClientAPI",
    "Collection",
    "Documents",
    "EmbeddingFunction",
    "Embeddings",
    "HTTPError",
    "chromadb",
]
