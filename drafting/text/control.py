"""Control characters and terminal escape codes: never stored, never printed, never written to Word.

An ESC/OSC/BEL sequence in a title rewrites the terminal that prints it (window title, hidden lines,
a bell), and any character below U+0020 other than tab and line breaks makes Word export fail (XML
forbids them). Stripping them loses nothing a reader could see.
"""

import re

# ESC sequences first (CSI `ESC [ … final`, OSC `ESC ] … BEL or ESC \`, two-byte `ESC x`), so their
# printable tails (`[31m`, `]0;title`) go with them; then their 8-bit forms; then single characters.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_control(text: str) -> str:
    """The text without escape sequences and control characters; tabs and line breaks stay."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def has_control(text: str) -> bool:
    return bool(_CONTROL.search(text))
