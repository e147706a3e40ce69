"""Show text from users, files and models as text: nothing in it may render as a link, an image, HTML or math.

Markdown specials become numeric character references rather than backslash escapes (a backslash
before a dot shows literally in an autolinked URL). Streamlit links bare URLs after decoding those
references, so an invisible word joiner (U+2060) is put before `://`, inside `www.` and before `@`:
the text looks the same and no link is made.
"""

import re

_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+\-.!|<>~$:&@=\"']")


_AUTOLINK = re.compile(r"(?=://)|(?<=www)(?=\.)|(?=@)", re.I)


def escape_markdown(text: str) -> str:
    text = _AUTOLINK.sub("\u2060", text)
    return "  \n".join(_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", line) for line in text.split("\n"))
