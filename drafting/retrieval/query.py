"""The text a search embeds for a query. A draft embeds its searches' texts ahead of them
(DraftingService.look_ahead), so both take it from here."""

from drafting.retrieval.chunking import MAX_CHUNK_CHARS
from drafting.text.script import to_simplified


def query_text(query: str) -> str:
    """Simplified (the stored vectors are), and no longer than a stored chunk."""
    return to_simplified(query)[:MAX_CHUNK_CHARS]
