from drafting.checks.copyguard import copied_from
from drafting.corpus.reports import read_bundled
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
