"""A small per-process memory of computed values: a page that reruns on every click asks again for the
same draft's checks and files, which cost far more to compute than to look up."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    """Least recently used values by key, at most `size` of them; safe to share between sessions' threads.
    Two threads missing the same key both compute it: the values are equal, so either may stay."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        if key in (found := self.recall([key])):
            return found[key]
        value = compute()  # outside the lock: other sessions' lookups do not wait for it
        self.keep({key: value})
        return value

    def recall(self, keys: Iterable[Hashable]) -> dict[Hashable, T]:
        """The values known for these keys (each now the most recently used)."""
        with self._lock:
            found = {key: self._values[key] for key in keys if key in self._values}
            for key in found:
                self._values.move_to_end(key)
        return found

    def keep(self, values: Mapping[Hashable, T]) -> None:
        """Remember these values, forgetting the least recently used beyond `size`."""
        with self._lock:
            self._values.update(values)
            while len(self._values) > self.size:
                self._values.popitem(last=False)
