from drafting.checks import copyguard
from drafting.checks.copyguard import copied_from
from drafting.corpus.reports import read_bundled
from drafting.memo import Memo
from tests.conftest import ROOT

REPORTS = read_bundled(ROOT / "examples_corpus")


def test_a_section_lifted_from_a_corpus_report_is_named():
    source = next(r for r in REPORTS if r.meta.id == "seed000-08")
    lifted = source.body[200:600]
    warnings = copied_from(lifted, REPORTS)
    assert warnings and warnings[0].report_id == "seed000-08" and warnings[0].overlap > 0.9


def test_shared_gongwen_phrasing_is_not_copying():
    own = (
        "工会始终把职工的冷暖放在心上，坚持做职工群众的贴心人。春节走访慰问困难职工23户，发放慰问金4.6万元。"
    )
    assert copied_from(own, REPORTS) == []


def test_a_section_is_compared_once_with_each_report_and_again_with_changed_text(monkeypatch):
    """The 起草 page checks a draft after every import: only the new report is compared with it."""
    monkeypatch.setattr(copyguard, "_SHARES", Memo(512))  # what other tests compared is not in the way
    compared: list[str] = []
    grams = copyguard._report_grams
    monkeypatch.setattr(
        copyguard, "_report_grams", lambda *report: compared.append(report[0]) or grams(*report)
    )
    source = next(r for r in REPORTS if r.meta.id == "seed000-08")
    lifted = source.body[300:700]
    others = [r for r in REPORTS if r.meta.id != source.meta.id][:3]
    assert copied_from(lifted, others) == []
    assert [w.report_id for w in copied_from(lifted, [*others, source])] == ["seed000-08"]
    assert compared == [r.meta.id for r in [*others, source]]  # the first three not again
    rewritten = source.model_copy(update={"body": "工会全年开展职工书画展一次。" * 40})
    assert copied_from(lifted, [rewritten]) == []  # the same id with other text is compared anew
    assert compared[4:] == ["seed000-08"]
