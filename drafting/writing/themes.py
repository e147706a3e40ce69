"""The theme schema (lines of 工会 work) and the assignment of a user's facts to themes.

Keywords decide first; a fact no keyword claims goes to the theme whose description the embedder
finds nearest, or to "其他工作" when nothing is close.
"""

import weakref
from functools import cache

import numpy as np
from pydantic import BaseModel

from drafting.resources import load_data
from drafting.text.script import to_simplified

MIN_SIMILARITY = (
    0.85  # e5 cosine (unrelated Chinese texts still score ~0.8); below this a fact is not forced into a theme
)
THEME_CHARS = 200  # of a fact, embedded to place it


class Theme(BaseModel):
    key: str
    name: str
    keywords: list[str]
    description: str
    headings: dict[str, str]
    leads: list[str]
    closers: list[str]

    def heading_for(self, unit_type: str | None) -> str:
        return self.headings.get(unit_type or "", self.headings["default"])


@cache
def load_themes() -> tuple[Theme, ...]:
    return tuple(Theme(**item) for item in load_data("themes.yaml")["themes"])


def theme_by_key(key: str) -> Theme:
    return next(theme for theme in load_themes() if theme.key == key)


def keyword_theme(fact: str) -> str | None:
    """The theme whose keywords cover most of the fact (longer words weigh more; earlier themes win ties)."""
    simplified = to_simplified(fact)
    scores = [
        (sum(len(word) * simplified.count(word) for word in t.keywords), -i, t.key)
        for i, t in enumerate(load_themes())
    ]
    best = max(scores)
    return best[2] if best[0] > 0 else None


def assign_themes(facts: list[str], embed) -> list[str]:  # noqa: ANN001 - an EmbeddingFunction
    """A theme key for each fact. `embed` is only called for facts no keyword claims (None: they go to 其他)."""
    keys = [keyword_theme(fact) for fact in facts]
    unclaimed = [i for i, key in enumerate(keys) if key is None]
    if unclaimed and embed is not None:
        themes = _named_themes()
        theme_vectors = _theme_vectors(embed, themes)
        # a fact's opening names its theme; e5's cost grows with the text (8 s for 5,000 characters)
        fact_vectors = np.asarray(
            embed.embed_query([to_simplified(facts[i])[:THEME_CHARS] for i in unclaimed])
        )
        similarity = fact_vectors @ theme_vectors.T
        for row, i in enumerate(unclaimed):
            best = int(np.argmax(similarity[row]))
            keys[i] = themes[best].key if similarity[row, best] >= MIN_SIMILARITY else "other"
    return [key or "other" for key in keys]


def prepare_themes(embed) -> None:  # noqa: ANN001 - an EmbeddingFunction
    """Embed the themes' descriptions for `embed` now (the warm-up), not in a user's first outline."""
    _theme_vectors(embed, _named_themes())


def _named_themes() -> tuple[Theme, ...]:
    return tuple(t for t in load_themes() if t.key != "other")


_THEME_VECTORS: "weakref.WeakKeyDictionary[object, np.ndarray]" = weakref.WeakKeyDictionary()


def _theme_vectors(embed, themes: tuple[Theme, ...]) -> np.ndarray:  # noqa: ANN001 - an EmbeddingFunction
    """The themes' description vectors, embedded once per embedder (the outline must appear at once)."""
    if embed not in _THEME_VECTORS:
        _THEME_VECTORS[embed] = np.asarray(embed([f"{t.name}：{t.description}" for t in themes]))
    return _THEME_VECTORS[embed]
