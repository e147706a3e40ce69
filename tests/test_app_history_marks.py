"""历史 tells an unfinished draft from a finished one, and a section of 60,000 “。” is shown as its start and a
count on 历史 and 起草 instead of freezing the browser tab (issue 22)."""

from streamlit.testing.v1 import AppTest

from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.writing.facts import parse_facts
from tests.apppages import go
from tests.conftest import ROOT

FACTS = {
    "organization": "江北区总工会",
    "period": "2025年",
    "facts": ["召开职工代表大会", "走访慰问困难职工20户"],
}


def test_unfinished_drafts_are_marked_and_long_runs_are_shortened(tmp_path, monkeypatch):
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(tmp_path / "corpus"))
    service = DraftingService(load_settings())
    finished = service.draft(parse_facts(FACTS), offline=True)
    cut_off = service.draft(parse_facts({**FACTS, "organization": "北湖区总工会"}), offline=True)
    cut_off.sections[-1].status, cut_off.sections[-1].text = "pending", ""  # as a killed process leaves it
    service.save(cut_off)
    service.edit(finished.id, "opening", "开头" + "。" * 60_000)

    at = go(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run(), "历史")
    rows = {t.value.split("（")[0]: t.value for t in at.text if "工作总结" in t.value}
    assert "未完成" in rows[cut_off.title] and "未完成" not in rows[finished.title]
    at.selectbox(key="cmp_left").set_value(finished.id).run()
    shown = [m.value for m in at.markdown if "此处共" in m.value]
    assert shown and all(len(value) < 2_000 for value in shown)
    assert "60000" in shown[0]

    at.session_state["draft_id"] = finished.id
    at = go(at, "起草")
    assert not at.exception
    assert any("此处共 60000 个" in m.value and len(m.value) < 2_000 for m in at.markdown)
