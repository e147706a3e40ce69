"""Simplified/traditional handling: detect which script a text is in and convert with OpenCC.

Search matches on simplified text so that 繁體 queries and reports find each other; what is shown
to the user is always the original text.
"""

from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

import opencc
from opencc import OpenCC

Script = Literal["简体", "繁體"]


@cache
def _converter(config: str) -> OpenCC:
    return OpenCC(config)


def detect_script(text: str) -> Script:
    """Which script the text is mostly written in (ties go to simplified)."""
    return _script_of(text[:4000])


@lru_cache(maxsize=256)
def _script_of(sample: str) -> Script:
    """Kept per sample: the offline writer asks for the facts' script at each section, and the conversion
    to traditional runs in pure Python (~2 µs a character), 15 ms of each offline draft. Text with nothing
    traditional in it is simplified without that conversion, whose dictionaries take 0.1 s to load."""
    trad = sum(a != b for a, b in zip(sample, to_simplified(sample), strict=False))
    if not trad:
        return "简体"
    simp = sum(a != b for a, b in zip(sample, to_traditional(sample), strict=False))
    return "繁體" if trad > simp else "简体"


def to_simplified(text: str) -> str:
    if _traditional().isdisjoint(text):
        return text  # OpenCC here is pure Python (~2 µs a character); most text has nothing to convert
    return _converter("t2s").convert(text)


@cache
def _traditional() -> frozenset[str]:
    """The characters t2s would change, and the first character of each phrase it would change that has none.

    Text without any of them comes out of t2s unchanged, so the conversion can be skipped. A set, not a
    regex character class: some are outside the BMP, so re tested each character against all 4,114 of
    them (0.6 µs a character; a 5 MB upload spent 9 s here); the set takes 0.08 µs.
    """
    folder = Path(opencc.__file__).with_name("dictionary")
    triggers: set[str] = set()
    phrases: list[str] = []
    for name in ("TSCharacters.txt", "TSPhrases.txt"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            if not key or all(value == key for value in values.split()):
                continue
            if len(key) == 1:
                triggers.add(key)
            else:
                phrases.append(key)
    triggers.update(phrase[0] for phrase in phrases if not triggers.intersection(phrase))
    return frozenset(triggers)


def to_traditional(text: str) -> str:
    """In the forms traditional-script reports use (為, 群眾, as the bundled 繁體 reports do), not OpenCC's
    etymological standard (爲, 羣衆)."""
    return _converter("s2tw").convert(text)


def to_script(text: str, script: Script) -> str:
    """Render simplified text in the user's script."""
    return to_traditional(text) if script == "繁體" else text
