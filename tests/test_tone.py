"""Tone metrics: formal 公文 register reads closer to the corpus than the same content said colloquially."""

import json

import pytest

from drafting.checks.tone import compare, load_tone_pairs, measure
from drafting.cli import main
from drafting.corpus.reports import read_bundled
from tests.conftest import ROOT

REFERENCES = [r.body for r in read_bundled(ROOT / "examples_corpus")]

PAIRS = [(p["formal"], p["colloquial"]) for p in load_tone_pairs()]


@pytest.mark.parametrize(("formal", "colloquial"), PAIRS)
def test_formal_register_is_closer_to_the_corpus(formal, colloquial):
    formal_report = compare(formal, REFERENCES)
    colloquial_report = compare(colloquial, REFERENCES)
    assert formal_report.distance < colloquial_report.distance
    # and the metrics say why
    assert colloquial_report.metrics["colloquial_rate"].z > formal_report.metrics["colloquial_rate"].z
    assert any("口语词较多" in s for s in colloquial_report.suggestions)


def test_metrics_of_a_known_text():
    metrics = measure(
        "一、民主管理\n一是召开职代会；二是推进厂务公开。\n我们扎实推进各项工作，比思想，比技能，比贡献。"
    )
    assert metrics["heading_share"] == pytest.approx(1 / 3)
    assert (
        metrics["enumeration_rate"] > 0
        and metrics["first_person_rate"] > 0
        and metrics["colloquial_rate"] == 0
    )


def test_cli_tone_json(tmp_path, capsys):
    path = tmp_path / "t.txt"
    path.write_text(PAIRS[0][1], encoding="utf-8")
    assert main(["tone", str(path), "--ref", "seed000-02", "--ref", "seed002-04", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["distance"] > 0 and "colloquial_rate" in report["metrics"]


def test_nearest_sections_by_embedding(built_library):
    from drafting.checks.tone import nearest_sections

    found = nearest_sections(
        "学校工会认真做好师德师风建设，组织教职工学习《教师职业道德规范》。", built_library
    )
    assert found and found[0].similarity > 0.8 and found[0].report_title


def test_share_of_pairs_ranked_correctly():
    from drafting.checks.tone import ranked_correctly

    assert ranked_correctly(REFERENCES) == 1.0


def test_a_short_paragraph_gets_the_metrics_and_a_note_that_they_are_noisy():
    paragraph = "工会今年组织职工开展健步走和读书活动，大家挺满意的。"
    assert len(paragraph) < 30
    report = compare(paragraph, REFERENCES)
    assert report.metrics["colloquial_rate"].value > 0 and report.metrics["sentence_length"].value > 0
    assert "文字较短" in report.short_text_note and "仅供参考" in report.short_text_note
    # one paragraph has no headings or paragraph structure to judge
    assert "heading_share" not in report.metrics and not any("层次标题" in s for s in report.suggestions)


def test_a_full_report_has_no_short_text_note():
    report = compare(REFERENCES[0], REFERENCES)
    assert report.short_text_note == "" and "heading_share" in report.metrics


@pytest.mark.parametrize("text", ["", "  \n\u3000 \n"])
def test_empty_text_is_a_user_error(text):
    from drafting.errors import UserError

    with pytest.raises(UserError, match="没有可对比的文字"):
        compare(text, REFERENCES)
