"""Converting to simplified skips text t2s would leave as it is, and is exactly t2s for the rest."""

from opencc import OpenCC

from drafting.corpus.reports import read_bundled
from drafting.text import script
from drafting.text.script import _traditional, detect_script, to_simplified, to_traditional
from tests.conftest import ROOT


def test_to_simplified_is_exactly_t2s_on_every_bundled_paragraph():
    t2s = OpenCC("t2s")
    reports = read_bundled(ROOT / "examples_corpus")
    assert {detect_script(report.body) for report in reports} == {"简体", "繁體"}
    paragraphs = [p for report in reports for p in report.body.split("\n") if p.strip()]
    changed = 0
    for paragraph in paragraphs:
        assert to_simplified(paragraph) == t2s.convert(paragraph)
        changed += to_simplified(paragraph) != paragraph
    assert 0 < changed < len(paragraphs)


def test_a_character_outside_the_bmp_is_still_converted():
    beyond = sorted(char for char in _traditional() if ord(char) > 0xFFFF)
    assert beyond  # why the check is a set: re tested these one by one
    text = f"工会工作{beyond[0]}总结"
    assert to_simplified(text) == OpenCC("t2s").convert(text) != text


def test_simplified_text_is_told_apart_without_converting_it_to_traditional(monkeypatch):
    """The first draft of a process asks for its facts' script; s2t's dictionaries take 0.1 s to load."""

    def refuse(text: str) -> str:
        raise AssertionError(f"converted to traditional: {text}")

    with monkeypatch.context() as patched:
        patched.setattr(script, "to_traditional", refuse)
        assert (
            detect_script("区总工会召开第四届职工代表大会，审议通过集体合同，走访慰问困难职工37户。")
            == "简体"
        )
    assert detect_script("區總工會召開第四屆職工代表大會，走訪慰問困難職工37戶。") == "繁體"
    assert detect_script("工會") == "繁體" and detect_script("工会") == "简体"


def test_a_traditional_users_headings_are_traditional_in_the_common_forms():
    """The offline outline's headings were simplified above a traditional body (一、深化院务公开 over
    工會堅持…), and the body used OpenCC's etymological 爲/羣衆 where 繁體 reports write 為/群眾."""
    from drafting.writing.facts import parse_facts
    from drafting.writing.planner import plan_locally

    facts = parse_facts(
        {
            "organization": "江北市第一人民醫院工會",
            "period": "2025年",
            "facts": ["召開五屆三次職代會，審議通過《醫院績效分配方案》", "春節走訪慰問困難職工23戶"],
            "problems": ["職工文體活動場地不足"],
        }
    )
    headings = [s.heading for s in plan_locally(facts).sections if s.heading]
    assert len(headings) >= 3 and all(to_traditional(h) == h != to_simplified(h) for h in headings), headings
    assert "存在的問題和不足" in headings and "2026年工作計劃" in headings
    assert (
        to_traditional("以职工代表大会为基本形式，做职工群众的贴心人")
        == "以職工代表大會為基本形式，做職工群眾的貼心人"
    )
