"""Show text from users, files and models as text: nothing in it may render as a link, an image, HTML or math.

Markdown specials become numeric character references rather than backslash escapes: a backslash
before a dot still lets the autolinker turn `http://127\\.0\\.0\\.1` into a link shown with literal
backslashes, while `&#58;` and `&#46;` break URL detection and still display as `:` and `.`.
"""

import re

_SPECIAL = re.compile(r"[\\`*_{}\[\]()#+\-.!|<>~$:&@=\"']")


def escape_markdown(text: str) -> str:
    return "  \n".join(_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", line) for line in text.split("\n"))
