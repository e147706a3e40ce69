"""Simplified/traditional handling: detect which script a text is in and convert with OpenCC.

Search matches on simplified text so that 繁體 queries and reports find each other; what is shown
to the user is always the original text.
"""

from functools import cache
from typing import Literal

from opencc import OpenCC

Script = Literal["简体", "繁體"]


@cache
def _converter(config: str) -> OpenCC:
    return OpenCC(config)


def detect_script(text: str) -> Script:
    """Which script the text is mostly written in (ties go to simplified)."""
    sample = text[:4000]
    trad = sum(a != b for a, b in zip(sample, to_simplified(sample), strict=False))
    simp = sum(a != b for a, b in zip(sample, to_traditional(sample), strict=False))
    return "繁體" if trad > simp else "简体"


def to_simplified(text: str) -> str:
    return _converter("t2s").convert(text)


def to_traditional(text: str) -> str:
    return _converter("s2t").convert(text)


def to_script(text: str, script: Script) -> str:
    """Render simplified text in the user's script."""
    return to_traditional(text) if script == "繁體" else text
