"""Output scan: what a reply must never carry to the user — the model's instructions, secrets, links.

Bullets and imported reports are data, never instructions. A model that obeyed an instruction hidden
in them shows it in its reply: it echoes the system prompt (and with it the canary planted there),
prints a key, or adds a link or image that can carry the user's text to someone else's server. The
fact guard already flags numbers no fact supports; this scan flags the rest. Each finding is an
exact piece of the reply, so the app can mark it; look-alike spellings (full-width letters,
zero-width characters, spaced-out words) are folded away before matching.
"""

import re
import string
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Literal

from pydantic import BaseModel

from drafting.text.script import to_simplified
from drafting.writing.facts import Facts

SYSTEM_RUN_CHARS = 12  # this many letters in a row copied from a system prompt is an echo, not chance

LeakKind = Literal["canary", "link", "secret", "system"]
_LABELS: dict[LeakKind, str] = {
    "canary": "内部校验码",
    "link": "网址、链接或图片",
    "secret": "疑似密钥",
    "system": "写作要求原文",
}
# Python's \b and \w count Chinese characters as word characters, so ASCII edges are spelled out.
_URL_TAIL = r"[\x21-\x7e]*[A-Za-z0-9/=_]"  # printable ASCII, not ending in punctuation
_LINK = re.compile(
    rf"(?<![a-z0-9])(?:https?|ftp)://{_URL_TAIL}"
    rf"|(?<![a-z0-9.])www\.{_URL_TAIL}"
    r"|!?\[[^\]\n]*\]\([^)\n]*\)"  # markdown link or image
    r"|<\s*(?:a|img|iframe|script|link|svg)\b[^>\n]*>?"
    r"|(?<![a-z0-9.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*"
    r"\.(?:com|cn|net|org|io|xyz|top|info|cc|co|me|ai|app|dev|site|link|ru)(?![a-z0-9])"
    rf"(?:/{_URL_TAIL})?",
    re.I,
)
_TOKEN = r"A-Za-z0-9_.+/=-"
_SECRET = re.compile(
    r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{16,}"
    r"|(?<![A-Za-z0-9_])Bearer\s+[A-Za-z0-9._~+/=-]{12,}"
    rf"|(?<![{_TOKEN}])(?=[{_TOKEN}]*[0-9])(?=[{_TOKEN}]*[A-Za-z])[{_TOKEN}]{{24,}}"  # long hex/base64
)
_QUOTED = re.compile(r"“[^”]*”")  # phrases a prompt asks the model to write, like “现将……报告如下：”


class Leak(BaseModel):
    kind: LeakKind
    value: str  # exactly as it stands in the text

    def describe(self) -> str:
        """How the rewrite note names it: a link is quoted so the model can find it; a secret never is."""
        return f"{_LABELS[self.kind]}“{self.value}”" if self.kind == "link" else _LABELS[self.kind]


class _Folded:
    """The text with look-alike spellings folded, remembering where each folded character came from.

    `plain` keeps punctuation (for links and keys); `core` keeps only letters and digits, lowercased
    (for the canary and copied prompt text, which may come back re-punctuated or spaced out).
    """

    def __init__(self, text: str):
        self.text = text
        simplified = to_simplified(text)
        source = simplified if len(simplified) == len(text) else text
        plain, core = [], []
        self.plain_at: list[int] = []
        self.core_at: list[int] = []
        for index, char in enumerate(source):
            if unicodedata.category(char) == "Cf":  # zero-width spaces and joiners
                continue
            for folded in unicodedata.normalize("NFKC", char):
                plain.append(folded)
                self.plain_at.append(index)
                if folded.isalnum():
                    core.append(folded.lower())
                    self.core_at.append(index)
        self.plain, self.core = "".join(plain), "".join(core)

    def span(self, start: int, end: int, core: bool) -> tuple[int, int]:
        """The span of the original text that folded[start:end] came from."""
        at = self.core_at if core else self.plain_at
        return at[start], at[end - 1] + 1


def scan_output(
    text: str, facts: Facts | None = None, system_texts: Iterable[str] | None = None
) -> list[Leak]:
    """Everything in a reply that is the canary, a link, a secret or copied prompt text, first to last.

    `system_texts` defaults to the system part of every prompt template. Prompt wording and key-like
    tokens that the user's own facts contain are theirs to write; links are always found, since they
    never belong in a 公文 draft (the facts file strips them from bullets).
    """
    from drafting.writing.prompts import CANARY_SHAPE

    folded = _Folded(text)
    facts_core = _Folded(_facts_text(facts)).core if facts else ""
    texts = tuple(system_texts) if system_texts is not None else _prompt_system_texts()
    spans: list[tuple[int, int, LeakKind]] = []
    spans += [(*folded.span(*m.span(), core=True), "canary") for m in CANARY_SHAPE.finditer(folded.core)]
    spans += [(*folded.span(*m.span(), core=False), "link") for m in _LINK.finditer(folded.plain)]
    spans += [
        (*folded.span(*m.span(), core=False), "secret")
        for m in _SECRET.finditer(folded.plain)
        if _Folded(m.group(0)).core not in facts_core
    ]
    spans += [
        (*folded.span(start, end, core=True), "system")
        for start, end in _copied_runs(folded, _system_grams(texts), facts_core)
    ]
    return _outermost(text, spans)


def _facts_text(facts: Facts) -> str:
    return "\n".join([facts.organization, *facts.facts, *facts.problems, *facts.plans])


@cache
def _prompt_system_texts() -> tuple[str, ...]:
    from drafting.writing.prompts import load_prompt, prompt_names

    return tuple(load_prompt(name).system for name in prompt_names())


@cache
def _system_grams(system_texts: tuple[str, ...]) -> frozenset[str]:
    """Every run of SYSTEM_RUN_CHARS letters in the prompts' fixed wording, line by line.

    Variables are not fixed wording, and neither are quoted phrases the prompt asks the model to
    imitate (“在肯定成绩的同时，我们也清醒地认识到……”): writing those is doing as told.
    """
    n = SYSTEM_RUN_CHARS
    grams = set()
    for system in system_texts:
        for literal in _literal_parts(system):
            for piece in _QUOTED.split(literal):
                for line in piece.splitlines():
                    core = _Folded(line).core
                    grams.update(core[i : i + n] for i in range(len(core) - n + 1))
    return frozenset(grams)


def _literal_parts(template: str) -> list[str]:
    """The text between a template's `{variables}`, with `{{ }}` unescaped; plain text as it is."""
    try:
        return [literal for literal, *_ in string.Formatter().parse(template)]
    except ValueError:
        return [template]


def _copied_runs(folded: _Folded, grams: frozenset[str], facts_core: str) -> list[tuple[int, int]]:
    """Spans of `folded.core` copied from the prompts (and not from the facts), cut at line breaks."""
    n, core = SYSTEM_RUN_CHARS, folded.core
    covered = [False] * len(core)
    for i in range(len(core) - n + 1):
        gram = core[i : i + n]
        if gram in grams and gram not in facts_core:
            covered[i : i + n] = [True] * n
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i in range(len(core) + 1):
        new_line = 0 < i < len(core) and "\n" in folded.text[folded.core_at[i - 1] : folded.core_at[i]]
        if start is not None and (i == len(core) or not covered[i] or new_line):
            if i - start >= n // 2:  # the tail of a run that a line break cut short stays marked
                runs.append((start, i))
            start = None
        if i < len(core) and covered[i] and start is None:
            start = i
    return runs


def _outermost(text: str, spans: list[tuple[int, int, LeakKind]]) -> list[Leak]:
    """One finding per piece of text (a key inside a link is the link), in reading order."""
    leaks: list[Leak] = []
    end_of_last = 0
    for start, end, kind in sorted(spans, key=lambda span: (span[0], -span[1])):
        if start < end_of_last:
            continue
        end_of_last = end
        value = text[start:end].strip()
        if value and all(leak.value != value for leak in leaks):
            leaks.append(Leak(kind=kind, value=value))
    return leaks
