"""Paragraph-level comparison of two drafts, for showing them side by side with changes marked."""

import difflib


def paragraph_diff(left: str, right: str) -> tuple[list[tuple[bool, str]], list[tuple[bool, str]]]:
    """Each side's paragraphs, each flagged True where it differs from the other side."""
    a = [p for p in left.split("\n") if p.strip()]
    b = [p for p in right.split("\n") if p.strip()]
    left_flags = [True] * len(a)
    right_flags = [True] * len(b)
    for block in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks():
        for offset in range(block.size):
            left_flags[block.a + offset] = False
            right_flags[block.b + offset] = False
    return list(zip(left_flags, a, strict=True)), list(zip(right_flags, b, strict=True))
