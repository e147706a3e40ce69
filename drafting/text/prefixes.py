"""jieba's prefix dictionary, shipped split by first character, so a process loads only what it cuts.

Before its first cut jieba loads its whole prefix dictionary, 498,113 words and prefixes: 1.5 s on a slow
two-core machine, the largest single cost of a fresh `drafting draft --offline`, whose queries use a few
hundred of them. Every key jieba looks up while cutting a sentence starts with one of that sentence's
characters, so loading those characters' buckets first gives exactly jieba's cuts.

`python scripts/build_jieba_prefixes.py` makes the file from the installed jieba; tests/test_prefixes.py
proves it equals jieba's own dictionary. The file is checked by hash and against the jieba it was made
from: missing, damaged or made for another jieba, it is ignored with a warning and jieba loads its whole
dictionary as before.
"""

import hashlib
import logging
import marshal
import threading
import zlib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import jieba

FILE_NAME = "jieba-prefixes.bin"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prefixes:
    """The dictionary's total frequency and its entries by first character, each bucket compressed."""

    total: int
    buckets: dict[str, bytes]


def jieba_identity() -> tuple[str, int]:
    """Which dictionary the buckets were made from: jieba's version and its dict.txt's size."""
    with jieba.Tokenizer().get_dict_file() as dictionary:
        return jieba.__version__, dictionary.seek(0, 2)


def shipped_file() -> Traversable:
    return resources.files("drafting") / "data" / FILE_NAME


def write(path: Path, frequencies: dict[str, int], total: int) -> None:
    """Save jieba's prefix dictionary by first character (the build step, run by hand)."""
    grouped: dict[str, dict[str, int]] = {}
    for word, frequency in frequencies.items():
        grouped.setdefault(word[0], {})[word] = frequency
    payload = marshal.dumps(
        {
            "jieba": jieba_identity(),
            "total": total,
            "buckets": {char: zlib.compress(marshal.dumps(bucket), 9) for char, bucket in grouped.items()},
        }
    )
    path.write_bytes(marshal.dumps((hashlib.sha256(payload).hexdigest(), payload)))


def load(source: Traversable | Path) -> Prefixes | None:
    """The shipped buckets; None, with a warning, when the file is missing, damaged or made for another jieba."""
    try:
        digest, payload = marshal.loads(source.read_bytes())
        if hashlib.sha256(payload).hexdigest() != digest:
            raise ValueError("sha256 mismatch")
        content = marshal.loads(payload)
        if tuple(content["jieba"]) != jieba_identity():
            raise ValueError(f"made for jieba {content['jieba']}, installed {jieba_identity()}")
        return Prefixes(total=content["total"], buckets=dict(content["buckets"]))
    except (OSError, ValueError, EOFError, TypeError, KeyError) as error:
        logger.warning(
            "随包附带的分词词典无法使用（%s：%s），改为读入 jieba 的完整词典，约慢 1–2 秒。", source, error
        )
        return None


class Tokenizer(jieba.Tokenizer):
    """A jieba tokenizer that loads the buckets of a sentence's characters before cutting it."""

    def __init__(self, prefixes: Prefixes):
        super().__init__()
        self.FREQ, self.total, self.initialized = {}, prefixes.total, True
        self._unloaded = dict(prefixes.buckets)
        self._loading = threading.Lock()

    def load_characters(self, text: str) -> None:
        """Load the buckets of `text`'s characters. A bucket leaves `_unloaded` only once its entries are in,
        so a thread that finds none of its characters there can cut without the lock."""
        characters = set(text)
        if not any(char in self._unloaded for char in characters):
            return
        with self._loading:
            for char in characters:
                if (bucket := self._unloaded.get(char)) is not None:
                    self.FREQ.update(marshal.loads(zlib.decompress(bucket)))
                    del self._unloaded[char]

    def load_all(self) -> None:
        """Every bucket (64 MB, 0.2 s): a server loads them as it starts, since its users' texts would load
        most within hours anyway, and its memory then no longer creeps up as texts bring new characters."""
        with self._loading:  # another thread may be taking buckets out of `_unloaded`
            characters = "".join(self._unloaded)
        self.load_characters(characters)

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # noqa: N802 (jieba's name)
        self.load_characters(sentence)
        return super().get_DAG(sentence)

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> None:
        self.load_characters(word)  # a bucket loaded later would overwrite the added word
        super().add_word(word, freq, tag)


def tokenizer() -> jieba.Tokenizer:
    """A tokenizer on the shipped buckets, or jieba's own when they cannot be used."""
    prefixes = load(shipped_file())
    return Tokenizer(prefixes) if prefixes is not None else jieba.Tokenizer()
