import math
import random
from collections import Counter
from itertools import pairwise
from pathlib import Path

import bm25s
import numpy as np
import pytest

from drafting.retrieval import keyword
from drafting.retrieval.keyword import FILTER_COLUMNS, KeywordIndex, TokenTable, nearest

VOCABULARY = [
    "职工",
    "慰问",
    "困难",
    "竞赛",
    "技能",
    "女职工",
    "职代会",
    "经费",
    "安全",
    "文体",
    "书屋",
    "帮扶",
]


def reference_bm25(
    corpus: list[list[str]], query: list[str], k1: float = 1.5, b: float = 0.75
) -> list[float]:
    """Textbook Okapi BM25 with Lucene's non-negative idf, each query term counted once."""
    n = len(corpus)
    average = sum(map(len, corpus)) / n
    df = Counter(term for doc in corpus for term in set(doc))
    scores = []
    for doc in corpus:
        tf = Counter(doc)
        score = 0.0
        for term in set(query):
            if tf[term]:
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                score += idf * tf[term] * (k1 + 1) / (tf[term] + k1 * (1 - b + b * len(doc) / average))
        scores.append(score)
    return scores


def random_corpus(size: int, seed: int = 3) -> list[list[str]]:
    rng = random.Random(seed)
    return [[rng.choice(VOCABULARY) for _ in range(rng.randint(3, 30))] for _ in range(size)]


def columns(size: int, **overrides: list[str]) -> dict[str, list[str]]:
    base = {
        "part": ["work"] * size,
        "unit_type": ["企业"] * size,
        "owner": ["bundled"] * size,
        "report_id": [f"report-{i // 5}" for i in range(size)],
    }
    return base | overrides


def vectors(size: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(size, 8)).astype(np.float32)


def build(directory: Path, corpus: list[list[str]], **overrides: list[str]) -> KeywordIndex:
    ids = [f"chunk-{i}" for i in range(len(corpus))]
    table = TokenTable.of(corpus)
    return KeywordIndex.build(ids, table, columns(len(corpus), **overrides), directory, vectors(len(corpus)))


def test_ranking_and_scores_match_reference_okapi_bm25(tmp_path: Path) -> None:
    corpus = random_corpus(60)
    index = build(tmp_path / "kw", corpus)
    for query in (["慰问", "困难"], ["竞赛"], ["职工", "帮扶", "帮扶", "书屋"], ["安全", "不在词表"]):
        expected = reference_bm25(corpus, query)
        ranked = sorted((i for i, s in enumerate(expected) if s > 0), key=lambda i: (-expected[i], i))[:10]
        hits = index.search(query, k=10)
        assert [chunk_id for chunk_id, _ in hits] == [f"chunk-{i}" for i in ranked]
        assert [score for _, score in hits] == pytest.approx([expected[i] for i in ranked], rel=1e-5)


def test_the_saved_arrays_are_the_ones_bm25s_itself_would_build(tmp_path: Path) -> None:
    """The index writes bm25s's files from its own vectorised build; bm25s loads and searches them, so
    they must hold what `bm25s.BM25.index` computes: the same weight for every term in every chunk."""
    rng = random.Random(8)
    words = [*VOCABULARY, *(f"词{i}" for i in range(300))]
    corpus = [[rng.choice(words) for _ in range(rng.randint(0, 40))] for _ in range(500)]
    build(tmp_path / "kw", corpus)
    ours = bm25s.BM25.load(tmp_path / "kw" / keyword.current_generation(tmp_path / "kw") / keyword.BM25_DIR)
    theirs = bm25s.BM25(k1=keyword.K1, b=keyword.B, method="lucene")
    theirs.index(corpus, show_progress=False)
    assert ours.scores["num_docs"] == theirs.scores["num_docs"] == 500
    assert set(ours.vocab_dict) == set(theirs.vocab_dict) - {""}  # bm25s adds an empty term, unindexed
    for term in ours.vocab_dict:
        assert ours.get_scores([term]) == pytest.approx(theirs.get_scores([term]), rel=1e-6, abs=0), term
    column = ours.scores["indptr"]
    assert all(np.all(np.diff(ours.scores["indices"][a:b]) > 0) for a, b in pairwise(column))


def test_rows_give_back_what_the_index_was_built_from_and_refuse_token_files_that_disagree(
    tmp_path: Path,
) -> None:
    corpus = [*random_corpus(12), [], ["慰问"]]  # a chunk without tokens among them
    index = build(tmp_path / "kw", corpus, part=["work", "plan"] * 7)
    keep = np.array([13, 0, 12, 5])
    ids, tokens, table, stored = index.rows(keep)
    assert ids == [f"chunk-{i}" for i in keep] and [tokens[row] for row in range(4)] == [
        corpus[i] for i in keep
    ]
    assert sorted(tokens.values) == sorted({t for i in keep for t in corpus[i]})  # only the kept rows' terms
    assert tokens[-1] == corpus[5] and tokens[-4] == corpus[13]
    assert table["part"] == [["work", "plan"][i % 2] for i in keep] and table.keys() == set(FILTER_COLUMNS)
    assert np.allclose(stored, index.vectors[keep])
    values = index.generation / "tokens.values.json"
    saved = values.read_text(encoding="utf-8")
    values.write_text(saved.replace('"]', '", "慰问"]'), encoding="utf-8")  # one token twice
    with pytest.raises(ValueError):
        index.rows(keep)
    values.write_text(saved, encoding="utf-8")
    codes = index.generation / "tokens.npy"
    np.save(codes, np.load(codes)[:-1])  # one token short
    with pytest.raises(ValueError):
        index.rows(keep)


def test_an_index_built_from_carried_over_rows_answers_like_one_built_from_scratch(tmp_path: Path) -> None:
    """After an import the kept chunks' token codes are carried over and the new chunks' tokens added to
    them: the result must not depend on that route, down to the scores."""
    corpus = [[*tokens, f"只在第{i}段"] for i, tokens in enumerate(random_corpus(50))]
    before = build(tmp_path / "before", corpus)
    keep = np.array([i for i in range(50) if i % 3])  # a report removed: a third of the chunks, their terms
    ids, tokens, table, stored = before.rows(keep)
    new = [["新词", "慰问"], [], ["竞赛", "新词", "新词"]]
    carried = KeywordIndex.build(
        [*ids, "n0", "n1", "n2"],
        tokens.extended(new),
        {name: [*values, *values[:3]] for name, values in table.items()},
        tmp_path / "carried",
        np.vstack([stored, stored[:3]]),
    )
    whole = KeywordIndex.build(
        [*ids, "n0", "n1", "n2"],
        TokenTable.of([*(corpus[i] for i in keep), *new]),
        {name: [*values, *values[:3]] for name, values in table.items()},
        tmp_path / "whole",
        np.vstack([stored, stored[:3]]),
    )
    for query in (["新词"], ["慰问", "困难"], ["竞赛", "书屋"], ["职工"], ["只在第4段", "只在第3段"]):
        assert carried.search(query, k=60) == whole.search(query, k=60)
    assert len(tokens.values) == len(VOCABULARY) + len(keep)
    assert carried.search(["新词"], k=5)[0][0] == "n2"


def test_open_maps_the_saved_index_and_answers_like_the_built_one(tmp_path: Path) -> None:
    corpus = random_corpus(40)
    built = build(tmp_path / "kw", corpus)
    opened = KeywordIndex.open(tmp_path / "kw")
    assert opened is not None and opened.count == 40
    assert isinstance(opened.chunk_ids, np.memmap)
    assert all(isinstance(column.codes, np.memmap) for column in opened.columns.values())
    assert isinstance(opened._retriever.scores["data"], np.memmap)
    assert opened.search(["技能", "竞赛"], k=8) == built.search(["技能", "竞赛"], k=8)
    assert opened.search(["不在词表"], k=8) == [] and opened.search([], k=8) == []


def test_a_units_private_chunk_never_reaches_another_unit_but_a_published_one_does(tmp_path: Path) -> None:
    corpus = [
        ["职代会", "职代会", "职代会"],
        ["职代会", "经费"],
        ["职代会", "文体", "安全", "书屋"],
        ["经费"],
    ]
    owners = ["unit-a", "unit-a", "bundled", "unit-c"]
    reports = ["a-private", "a-published", "bundled-1", "c-private"]
    index = build(tmp_path / "kw", corpus, owner=owners, report_id=reports)

    def found(**scope: object) -> list[str]:
        return [chunk_id for chunk_id, _ in index.search(["职代会", "经费"], 10, index.mask(**scope))]

    assert found(owners={"bundled", "unit-b"}) == ["chunk-2"]
    assert found(owners={"bundled", "unit-b"}, report_ids={"a-published"}) == ["chunk-1", "chunk-2"]
    assert set(found(owners={"bundled", "unit-a"})) == {"chunk-0", "chunk-1", "chunk-2"}
    assert found(owners=set(), report_ids={"c-private"}) == ["chunk-3"]
    assert found(owners=set()) == []
    assert len(found()) == 4  # owners=None: the single-user mode sees every report


def test_few_allowed_chunks_among_many_better_matches_are_all_found(tmp_path: Path) -> None:
    public = [["慰问", "慰问", "困难"]] * 3000
    private = [["慰问", "职工", "文体", "安全", "书屋", "经费"]] * 3
    owners = ["bundled"] * 3000 + ["unit-12"] * 3
    index = build(tmp_path / "kw", public + private, owner=owners)
    hits = index.search(["慰问"], k=3, allowed=index.mask(owners={"unit-12"}))
    assert [chunk_id for chunk_id, _ in hits] == ["chunk-3000", "chunk-3001", "chunk-3002"]


def test_part_and_unit_type_filters_combine_with_the_owner_filter(tmp_path: Path) -> None:
    corpus = [["安全"]] * 6
    index = build(
        tmp_path / "kw",
        corpus,
        part=["work", "plan", "work", "work", "plan", "work"],
        unit_type=["企业", "企业", "学校", "企业", "企业", "企业"],
        owner=["bundled", "bundled", "bundled", "unit-1", "unit-1", "unit-2"],
    )
    allowed = index.mask(part="work", unit_type="企业", owners={"bundled", "unit-1"})
    assert allowed.tolist() == [True, False, False, True, False, False]
    assert index.mask(part="不存在的部分").sum() == 0


@pytest.mark.parametrize(
    "scope",
    [
        {},
        {"part": "work"},
        {"owners": {"bundled", "unit-1"}},
        {"owners": {"unit-2"}, "report_ids": {"report-0", "report-3"}},
        {"owners": set(), "report_ids": {"report-2"}},
        {"owners": set()},
        {"part": "plan", "unit_type": "学校", "owners": {"bundled"}, "report_ids": {"report-4"}},
    ],
)
def test_the_dense_side_ranks_exactly_the_allowed_chunks_by_cosine(tmp_path: Path, scope: dict) -> None:
    rng = random.Random(5)
    size = 300  # large enough that some scopes take the gathered path and others the full product
    table = columns(
        size,
        part=[rng.choice(["work", "plan"]) for _ in range(size)],
        unit_type=[rng.choice(["企业", "学校"]) for _ in range(size)],
        owner=[rng.choice(["bundled", "unit-1", "unit-2"]) for _ in range(size)],
        report_id=[f"report-{i % 7}" for i in range(size)],
    )
    ids = [f"chunk-{i}" for i in range(size)]
    stored = vectors(size, seed=3) * 5  # not normalised: the index normalises
    index = KeywordIndex.build(ids, TokenTable.of(random_corpus(size)), table, tmp_path / "kw", stored)
    query = np.random.default_rng(9).normal(size=8).astype(np.float32)
    allowed = index.mask(**scope)
    unit = stored / np.linalg.norm(stored, axis=1, keepdims=True)
    cosine = unit @ (query / np.linalg.norm(query))
    expected = sorted(np.flatnonzero(allowed), key=lambda i: -cosine[i])[:10]
    assert nearest(index, query, 10, allowed) == [ids[i] for i in expected]
    assert nearest(KeywordIndex.open(tmp_path / "kw"), query, 10, allowed) == [ids[i] for i in expected]


def test_a_build_that_fails_halfway_leaves_the_previous_index_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "kw"
    build(directory, [["慰问"], ["竞赛"]])

    def crash(self: bm25s.BM25, save_dir: Path, **_: object) -> None:
        Path(save_dir).mkdir(parents=True)
        np.save(Path(save_dir) / "data.csc.index.npy", np.zeros(3, dtype=np.float32))
        raise OSError("disk full")

    monkeypatch.setattr(bm25s.BM25, "save", crash)
    with pytest.raises(OSError):
        build(directory, [["竞赛"], ["竞赛"], ["竞赛"]])
    monkeypatch.undo()

    survivor = KeywordIndex.open(directory)
    assert survivor is not None and survivor.count == 2
    assert survivor.search(["竞赛"], 5) == KeywordIndex.open(directory).search(["竞赛"], 5)
    assert [chunk_id for chunk_id, _ in survivor.search(["竞赛"], 5)] == ["chunk-1"]
    assert not [p for p in directory.iterdir() if p.name.startswith(".building-")]


def test_a_killed_builds_leftovers_are_ignored_and_cleaned_by_the_next_build(tmp_path: Path) -> None:
    directory = tmp_path / "kw"
    old = build(directory, [["慰问"], ["竞赛"]])
    (directory / ".building-killed").mkdir()
    (directory / ".building-killed" / "manifest.json").write_text("{", encoding="utf-8")
    assert KeywordIndex.open(directory).count == 2

    new = build(directory, [["竞赛"]] * 3)
    assert not (directory / ".building-killed").exists() and not old.generation.exists()
    assert not old.is_current() and new.is_current()
    assert [chunk_id for chunk_id, _ in old.search(["竞赛"], 5)] == ["chunk-1"]  # its maps outlive the folder
    assert KeywordIndex.open(directory).count == 3


def _truncate_scores(generation: Path) -> None:
    data = generation / keyword.BM25_DIR / "data.csc.index.npy"
    data.write_bytes(data.read_bytes()[:-8])


@pytest.mark.parametrize(
    "damage",
    [
        _truncate_scores,
        lambda generation: (generation / keyword.MANIFEST).write_text("{不是 JSON", encoding="utf-8"),
        lambda generation: (generation / "column.owner.npy").unlink(),
        lambda generation: (generation / keyword.CHUNK_IDS).write_bytes(b"\x93NUMPY garbage"),
        lambda generation: np.save(generation / "column.part.npy", np.zeros(1, dtype=np.int32)),
        lambda generation: (generation.parent / keyword.CURRENT).write_text("gen-missing", encoding="utf-8"),
        lambda generation: (generation.parent / keyword.CURRENT).write_bytes(b"\xff\xfe"),
    ],
)
def test_a_damaged_index_opens_as_none(tmp_path: Path, damage) -> None:
    index = build(tmp_path / "kw", random_corpus(20))
    damage(index.generation)
    assert KeywordIndex.open(tmp_path / "kw") is None


def test_an_absent_folder_or_an_index_without_tokens_answers_nothing(tmp_path: Path) -> None:
    assert KeywordIndex.open(tmp_path / "nowhere") is None
    empty = build(tmp_path / "kw", [[], []])
    assert KeywordIndex.open(tmp_path / "kw").count == 2 and empty.search(["慰问"], 5) == []
    assert build(tmp_path / "none", []).search(["慰问"], 5) == []


def test_build_refuses_columns_that_do_not_line_up(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        KeywordIndex.build(
            ["a", "b"], TokenTable.of([["慰问"], ["竞赛"]]), columns(3), tmp_path / "kw", vectors(2)
        )
    with pytest.raises(ValueError):
        KeywordIndex.build(["a"], TokenTable.of([["慰问"]]), {"part": ["work"]}, tmp_path / "kw", vectors(1))
    with pytest.raises(ValueError):
        KeywordIndex.build(
            ["a", "b"], TokenTable.of([["慰问"], ["竞赛"]]), columns(2), tmp_path / "kw", vectors(3)
        )
