"""How often the local outline planner files a bullet under the theme a 工会 office worker would.

The labelled bullets (data/planner_bullets.yaml) are sentences from the bundled reports, so the figure
measures the keyword lists and the embedder on real 工会 wording. A third of them are held out from
keyword tuning; their accuracy shows whether a change to themes.yaml generalises or only fits the set.
"""

from collections import Counter
from typing import Literal

from pydantic import BaseModel

from drafting.resources import load_data

Split = Literal["tuning", "holdout"]


class LabelledBullet(BaseModel):
    text: str
    theme: str
    source: str
    split: Split = "tuning"


def load_bullets() -> list[LabelledBullet]:
    return [LabelledBullet(**item) for item in load_data("planner_bullets.yaml")["bullets"]]


def measure_planner(embed=None) -> dict:  # noqa: ANN001 - a chromadb EmbeddingFunction, as plan_locally takes
    """Accuracy overall, per split and per labelled theme, the confusion pairs and the misplaced bullets.

    The bullets go through `plan_locally` as one user's facts, so the figure is the planner's own
    grouping: keywords alone when `embed` is None, keywords then the embedder when one is given.
    """
    bullets = load_bullets()
    placed = _planned_themes(bullets, embed)
    outcomes = [(bullet, placed[bullet.text]) for bullet in bullets]
    misplaced = [
        {
            "text": bullet.text,
            "source": bullet.source,
            "split": bullet.split,
            "expected": bullet.theme,
            "predicted": predicted,
        }
        for bullet, predicted in outcomes
        if predicted != bullet.theme
    ]
    pairs = Counter((item["expected"], item["predicted"]) for item in misplaced)
    return {
        "mode": "keywords" if embed is None else "keywords+embedder",
        **_score(outcomes),
        "splits": {
            split: _score([o for o in outcomes if o[0].split == split]) for split in ("tuning", "holdout")
        },
        "per_theme": {
            theme: _score([o for o in outcomes if o[0].theme == theme])
            for theme in dict.fromkeys(bullet.theme for bullet in bullets)
        },
        "confusions": [
            {"expected": expected, "predicted": predicted, "count": count}
            for (expected, predicted), count in pairs.most_common()
        ],
        "misplaced": misplaced,
    }


def planner_summary_line(embed) -> str:  # noqa: ANN001
    """One line for `drafting bench`: the planner with the embedder, keywords alone, and the holdout."""
    full = measure_planner(embed)
    keywords = measure_planner(None)
    return (
        f"local planner: {full['accuracy']:.2f} of {full['bullets']} labelled bullets in the right theme "
        f"(keywords only {keywords['accuracy']:.2f}; holdout {full['splits']['holdout']['accuracy']:.2f})"
    )


def _planned_themes(bullets: list[LabelledBullet], embed) -> dict[str, str]:  # noqa: ANN001
    from drafting.writing.facts import Facts
    from drafting.writing.planner import plan_locally

    facts = Facts(
        organization="标注集工会", period="2025年", report_type="summary", facts=[b.text for b in bullets]
    )
    outline = plan_locally(facts, embed)
    return {
        fact: section.theme
        for section in outline.sections
        if section.kind == "work"
        for fact in section.facts
    }


def _score(outcomes: list[tuple[LabelledBullet, str]]) -> dict:
    correct = sum(bullet.theme == predicted for bullet, predicted in outcomes)
    return {
        "bullets": len(outcomes),
        "correct": correct,
        "accuracy": correct / len(outcomes) if outcomes else 0.0,
    }
