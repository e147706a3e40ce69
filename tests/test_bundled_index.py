"""The bundled corpus's index ships in the package: its ids and tokens match examples_corpus and a rebuild of
every fourth chunk matches its vectors, a first build takes it instead of embedding, and damaged or edited
files are refused for an ordinary rebuild."""

import logging
import shutil

import numpy as np
import pytest

from drafting.corpus.reports import read_bundled
from drafting.models.embedders import E5EmbeddingFunction
from drafting.models.factory import build_embedder, embedder_slug
from drafting.retrieval import bundled
from drafting.retrieval.index import SectionIndex, wanted_chunks
from drafting.retrieval.library import Library
from drafting.settings import Settings, load_settings
from drafting.text.lexicon import tokenize

SAMPLE = 6  # chunks re-embedded in the fast check (0.5 s each here); the slow test re-embeds a quarter


@pytest.fixture(scope="module")
def chunks():
    return wanted_chunks(read_bundled(Settings().corpus_dir))


@pytest.fixture(scope="module")
def shipped():
    return bundled.load(bundled.shipped_folder(), "e5small")


class Counting(E5EmbeddingFunction):
    """The real embedder, noting every passage it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def __call__(self, input):
        self.texts += input
        return super().__call__(input)


def test_the_shipped_chunks_are_exactly_the_bundled_corpus_with_its_tokens(chunks, shipped):
    assert list(shipped) == list(chunks)  # ids hash each chunk's text and metadata
    for chunk_id, chunk in chunks.items():
        expected = bundled.search_text(chunk)
        assert shipped[chunk_id].tokens == " ".join(tokenize(expected)), chunk_id


def assert_same_vectors(actual: np.ndarray, desired: np.ndarray) -> None:
    """Row by row, the same vector up to the CPU's rounding. The embedder's arithmetic differs with the
    kernels chosen for the CPU: on an AVX2 machine, vectors shipped from another differed by up to 0.0016
    in a component, a cosine of 0.99996; the vector of another section is at most 0.976 alike."""
    cosine = (actual * desired).sum(axis=1) / np.linalg.norm(actual, axis=1) / np.linalg.norm(desired, axis=1)
    assert cosine.min() > 0.9995, np.argsort(cosine)[:5]


def test_shipped_vectors_match_the_embedder_on_a_sample(chunks, shipped):
    picked = list(chunks)[:: len(chunks) // SAMPLE][:SAMPLE]
    fresh = build_embedder(Settings())([bundled.search_text(chunks[i]) for i in picked])
    assert_same_vectors(np.array([shipped[i].vector for i in picked]), np.array(fresh))


@pytest.mark.slow
def test_a_rebuild_of_every_fourth_chunk_matches_the_shipped_files(chunks, shipped, tmp_path):
    """The build step itself (embed, write, load) on a quarter of the chunks, from every report. The ids
    (hashes of the texts) and tokens of all of them are checked above, so a shipped vector can only be
    stale if the embedder changed, which changes every vector, or if rows were shifted, which moves most of
    them (the files are written in one pass, in order). All 256 took 140 s of the suite."""
    picked = {chunk_id: chunks[chunk_id] for chunk_id in list(chunks)[::4]}
    assert {c.report_id for c in picked.values()} == {c.report_id for c in chunks.values()}
    bundled.write(tmp_path, picked.values(), build_embedder(Settings()), "e5small")
    rebuilt = bundled.load(tmp_path, "e5small")
    assert list(rebuilt) == list(picked)
    assert_same_vectors(
        np.array([v.vector for v in rebuilt.values()]), np.array([shipped[i].vector for i in picked])
    )
    assert all(rebuilt[i].tokens == shipped[i].tokens for i in picked)


def test_a_first_build_takes_the_shipped_index_and_embeds_nothing(tmp_path):
    settings = load_settings(data_dir=tmp_path / "data")
    embedder = Counting()
    library = Library(settings)
    library.__dict__["index"] = SectionIndex(settings, embedder)
    result = library.build()
    assert result.added == len(library.expected.ids()) > 200 and embedder.texts == []
    hits = library.search("春节走访慰问困难职工", k=3, mode="dense")
    assert hits and all("慰问" in hit.text for hit in hits)
    assert library.search("春节走访慰问困难职工", k=1, mode="bm25")[0].text.count("慰问")


def test_only_chunks_the_package_does_not_ship_are_embedded(tmp_path, chunks):
    settings = load_settings(data_dir=tmp_path / "data")
    embedder = Counting()
    index = SectionIndex(settings, embedder)
    own = next(iter(chunks.values())).model_copy(update={"id": "mine:1", "text": "本单位自己的段落"})
    index.add_chunks([*list(chunks.values())[:5], own])
    assert embedder.texts == [bundled.search_text(own)] and index.count() == 6


@pytest.mark.parametrize("damage", ["body", "manifest", "missing"])
def test_damaged_or_edited_shipped_files_fall_back_to_embedding_with_a_message(tmp_path, damage, caplog):
    folder = tmp_path / "shipped"
    shutil.copytree(str(bundled.shipped_folder()), folder)
    vectors = folder / bundled.VECTORS
    if damage == "body":  # the .npy header intact, the numbers overwritten
        data = bytearray(vectors.read_bytes())
        data[200:4000] = bytes(3800)
        vectors.write_bytes(bytes(data))
    elif damage == "manifest":
        manifest = folder / bundled.CHUNKS
        manifest.write_text(manifest.read_text(encoding="utf-8").replace("慰问", "走访", 1), encoding="utf-8")
    else:
        vectors.unlink()
    with caplog.at_level(logging.WARNING):
        assert bundled.load(folder, "e5small") == {}
    assert "随包附带的范文索引无法使用" in caplog.text and "改为现场建立索引" in caplog.text


def test_another_embedder_gets_no_shipped_vectors():
    assert bundled.shipped_chunks("oa-text-embedding-3-small") == {}
    assert embedder_slug(Settings()) == "e5small" and bundled.shipped_chunks("e5small")


def test_a_search_opened_before_the_index_was_filled_finds_it_filled(tmp_path):
    """On a fresh install the app's first search can open the keyword index while the shipped index is
    still going in (another thread, or another process); later searches must not keep that empty view."""
    settings = load_settings(data_dir=tmp_path / "data")
    early = Library(settings)
    assert early.searcher.keywords.count == 0  # opened on the empty index
    Library(settings).build()  # the shipped index goes in meanwhile, not through `early`
    hits = early.search("春节走访慰问困难职工", k=3)
    assert hits and any("慰问" in hit.text for hit in hits)
