"""Show text from users, files and models as text: nothing in it may render as a link, an image, HTML or math.

Markdown specials become numeric character references rather than backslash escapes (a backslash
before a dot shows literally in an autolinked URL). Streamlit links bare URLs after decoding those
references, so an invisible word joiner (U+2060) is put before `://`, inside `www.` and before `@`:
the text looks the same and no link is made.
"""

import re

_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+\-.!|<>~$:&@=\"']")


_AUTOLINK = re.compile(r"(?=://)|(?<=www)(?=\.)|(?=@)", re.I)
RUN_SHOWN = 40
_LONG_RUN = re.compile(rf"(.)\1{{{RUN_SHOWN},}}", re.S)


def escape_markdown(text: str) -> str:
    text = _AUTOLINK.sub("\u2060", text)
    return "  \n".join(_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", line) for line in text.split("\n"))


def shorten_runs(text: str) -> str:
    """A long run of one character (60,000 “。”) shown as its start and a count: the browser lays out
    what it is given, and such a run froze a tab for minutes. The stored text is not changed."""
    return _LONG_RUN.sub(
        lambda m: f"{m.group(1) * RUN_SHOWN}……（此处共 {len(m.group(0))} 个“{m.group(1)}”）", text
    )
