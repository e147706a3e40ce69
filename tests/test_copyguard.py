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


def _strings(text: str) -> set[str]:
    compact = copyguard._compact(text)
    return {compact[i : i + copyguard.GRAM] for i in range(len(compact) - copyguard.GRAM + 1)}


def test_each_report_shares_exactly_the_grams_it_has_in_common_with_the_section():
    """All reports are counted at once through one sorted array: the same shares as one set at a time."""
    pieces = [REPORTS[0].body[:300], REPORTS[5].body[400:700], REPORTS[-1].body[900:1200]]
    for section in [*pieces, "".join(pieces), "坚决维护职工的合法权益，加强工会自身建设。"]:
        counted = copyguard._GramIndex.of(REPORTS).shared(copyguard._grams(section), len(REPORTS))
        assert counted.tolist() == [len(_strings(section) & _strings(r.body)) for r in REPORTS]
    assert sum(n > 0 for n in counted) > 3  # the common phrasing is in many reports at once


def test_after_an_import_only_the_new_report_is_read_and_changed_text_is_read_anew(monkeypatch):
    """The 起草 page checks a draft after every import: the reports already read are not read again."""
    for memo in ("_GRAMS", "_SECTIONS", "_INDEXES"):
        monkeypatch.setattr(copyguard, memo, Memo(512))  # what other tests read is not in the way
    read: list[str] = []
    grams = copyguard._grams
    monkeypatch.setattr(copyguard, "_grams", lambda text: read.append(text) or grams(text))
    source = next(r for r in REPORTS if r.meta.id == "seed000-08")
    lifted = source.body[300:700]
    others = [r for r in REPORTS if r.meta.id != source.meta.id][:3]
    assert copied_from(lifted, others) == []
    assert [w.report_id for w in copied_from(lifted, [*others, source])] == ["seed000-08"]
    assert read == [lifted, *(r.body for r in others), source.body]  # neither the section nor the three again
    rewritten = source.model_copy(update={"body": "工会全年开展职工书画展一次。" * 40})
    assert copied_from(lifted, [rewritten]) == []  # the same id with other text is read anew
    assert read[5:] == [rewritten.body]


def test_an_import_replaces_its_units_index_and_leaves_other_units_alone(monkeypatch):
    """Each import makes a new list of reports; the old list's index (12 bytes a gram of the whole library)
    is dropped, not kept beside the new one, while another unit's index stays."""
    monkeypatch.setattr(copyguard, "_INDEXES", Memo(16))
    built: list[int] = []
    of = copyguard._GramIndex.of
    monkeypatch.setattr(copyguard._GramIndex, "of", lambda reports: built.append(len(reports)) or of(reports))
    source = next(r for r in REPORTS if r.meta.id == "seed000-08")
    lifted = source.body[300:700]
    others = [r for r in REPORTS if r.meta.id != source.meta.id][:3]
    unit, elsewhere = frozenset({"unit-a"}), frozenset({"unit-b"})

    assert copied_from(lifted, others, unit) == []
    assert copied_from(lifted, others, elsewhere) == []
    assert [w.report_id for w in copied_from(lifted, [*others, source], unit)] == ["seed000-08"]  # imported
    assert copied_from(lifted, [*others, source], unit)  # the new list's index is reused
    assert copied_from(lifted, others, elsewhere) == []  # the other unit's is still there
    assert built == [3, 3, 4]
    kept = copyguard._INDEXES.recall([unit, elsewhere])
    assert [len(kept[unit][0]), len(kept[elsewhere][0])] == [4, 3]  # one index each, the newest list's
