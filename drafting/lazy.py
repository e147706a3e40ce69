"""Package names that load on first use, so importing a light name does not load a heavy library."""

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(exports: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `exports[name]` (a module path) when `name` is first used."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(name)
        return getattr(import_module(exports[name]), name)

    return __getattr__
