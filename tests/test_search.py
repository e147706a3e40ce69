"""Hybrid search over the bundled corpus: paraphrases, traditional/simplified, filters, CLI JSON."""

import json

import pytest

from drafting.bench import is_relevant, load_queries, retrieval_quality
from drafting.cli import main
from drafting.memo import Memo
from drafting.models import e5
from drafting.models.e5 import REMEMBERED_QUERIES
from tests.fakes import CountingQueries


def test_paraphrased_query_finds_sections_on_the_theme(built_library):
    hits = built_library.search("逢年过节去看望家里有难处的员工并送上补助", k=5)
    assert len(hits) == 5
    assert sum("温暖" in h.heading_path or "帮" in h.heading_path or "困难" in h.text for h in hits) >= 3


def test_traditional_query_finds_simplified_reports_and_vice_versa(built_library):
    traditional = built_library.search("職工代表大會 民主管理", k=5)
    assert any(h.report.startswith("seed000") for h in traditional)
    simplified = built_library.search("师德师风建设", k=5)
    assert simplified[0].report == "seed003-01"
    assert "師德" in simplified[0].text  # the original traditional text is what is shown


def test_filters_by_part_and_unit_type(built_library):
    plans = built_library.search("明年重点工作", k=5, part="plan")
    assert plans and all(h.part == "plan" for h in plans)
    hospital = built_library.search("职工文体活动", k=5, unit_type="医院")
    assert hospital and all(h.unit_type == "医院" for h in hospital)
    assert built_library.search("职工文体活动", k=5, part="problems", unit_type="地方工会") == []


def test_hybrid_beats_each_retriever_alone_on_the_labelled_set(built_library):
    quality = retrieval_quality(built_library.searcher)
    assert quality["hybrid"]["hit@5"] >= max(quality["bm25"]["hit@5"], quality["dense"]["hit@5"])
    assert quality["hybrid"]["precision@5"] >= quality["dense"]["precision@5"]
    assert quality["hybrid"]["precision@5"] >= 0.6


def test_relevance_judging():
    labelled = load_queries()
    from drafting.retrieval.hit import Hit

    hit = Hit(
        text="",
        heading="",
        heading_path="心系群众,广泛开展扶贫帮困、送温暖活动",
        report="r",
        report_title="",
        part="work",
        unit_type="学校",
        score=0,
    )
    assert is_relevant(hit, {"theme": "care"}, labelled["themes"])
    assert not is_relevant(hit, {"theme": "women"}, labelled["themes"])
    assert not is_relevant(hit, {"part": "plan"}, labelled["themes"])


def test_cli_search_json(built_library, monkeypatch, capsys):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(built_library.settings.data_dir))
    assert main(["search", "女职工权益", "-k", "3", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3
    assert set(hits[0]) >= {"text", "heading", "report", "part", "score"}


def test_cli_empty_query_is_a_chinese_error(built_library, monkeypatch, capsys):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(built_library.settings.data_dir))
    assert main(["search", "  "]) == 1
    assert "检索词不能为空" in capsys.readouterr().err


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_returns_nothing(built_library, query):
    assert built_library.searcher.search(query) == []


def test_bench_cold_start_renders_the_first_page_as_run_sh_serves_it(built_library):
    """The cold-start figure comes from a fresh process that really shows 起草 (single-user mode answers
    on loopback only, so the measuring process must serve as ./run.sh does)."""
    from drafting.bench import app_cold_start

    seconds = app_cold_start(built_library.settings)
    assert 0 < seconds < 120


def test_a_query_asked_again_is_not_embedded_again(monkeypatch):
    from drafting.models import embedders

    memory = Memo(REMEMBERED_QUERIES)  # not the process's: the counts below start from nothing
    monkeypatch.setattr(e5, "QUERIES", memory)
    embedder = embedders.E5EmbeddingFunction()
    fresh = [v.copy() for v in embedder.embed_query(["职工之家建设", "困难职工帮扶", "女职工工作"])]
    embedder._model = counting = CountingQueries(embedder._model)
    again = embedder.embed_query(["女职工工作", "劳动竞赛", "职工之家建设", "劳动竞赛"])
    assert counting.batches == [["劳动竞赛"]]  # the new text once, the remembered ones not at all
    assert (again[0] == fresh[2]).all() and (again[2] == fresh[0]).all() and (again[1] == again[3]).all()
    with pytest.raises(ValueError):
        again[0][0] = 1.0  # shared with every caller of that text: nobody may change it
    memory.size = 2
    embedder.embed_query(["安全生产"])  # only it and the most recently asked 劳动竞赛 are kept
    embedder.embed_query(["劳动竞赛", "女职工工作"])
    assert counting.batches[-1] == ["女职工工作"]


def test_closest_embeds_all_paragraphs_in_one_batch_and_scores_by_cosine(built_library, monkeypatch):
    embedder = built_library.index.embedder
    counting = CountingQueries(embedder._model)
    monkeypatch.setattr(embedder, "_model", counting)
    monkeypatch.setattr(e5, "QUERIES", Memo(REMEMBERED_QUERIES))  # nothing remembered yet
    paragraphs = [
        "学校工会认真做好师德师风建设，组织教职工学习《教师职业道德规范》。",
        "春节前夕走访慰问困难职工，发放慰问金和慰问品。",
        "举办职工技能竞赛，以赛促学，提升职工岗位技能。",
    ]
    hits = built_library.closest(paragraphs)
    assert counting.batches == [paragraphs]
    assert [h.report for h in hits][0] == built_library.search(paragraphs[0], k=1, mode="dense")[0].report
    assert "慰问" in hits[1].text and all(0.8 < h.score <= 1.0 for h in hits)
    assert built_library.closest([]) == []
