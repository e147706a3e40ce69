"""Remake the bundled corpus's shipped index (drafting/data/bundled-index) after examples_corpus changes.

Run from the repository: `.venv/bin/python scripts/build_bundled_index.py` (embeds every bundled section,
about a minute on two cores); tests/test_bundled_index.py fails until the shipped files match the corpus.
"""

from pathlib import Path

from drafting.corpus.reports import read_bundled
from drafting.models import factory
from drafting.retrieval import bundled
from drafting.retrieval.index import wanted_chunks
from drafting.settings import Settings

FOLDER = Path(__file__).resolve().parent.parent / "drafting" / "data" / "bundled-index"


def main() -> None:
    settings = Settings()
    chunks = wanted_chunks(read_bundled(settings.corpus_dir)).values()
    count = bundled.write(FOLDER, chunks, factory.build_embedder(settings), factory.embedder_slug(settings))
    print(f"{count} chunks written to {FOLDER}")


if __name__ == "__main__":
    main()
