"""Two people (or two tabs) changing one draft at once: neither change silently erases the other."""

import pytest
from streamlit.testing.v1 import AppTest

from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.writing.facts import parse_facts
from tests.apppages import open_section_more
from tests.conftest import ROOT
from tests.fakes import scripted_model

FACTS = {
    "organization": "江北市第一人民医院工会",
    "period": "2025年",
    "facts": ["春节走访慰问困难职工23户，发放慰问金4.6万元", "举办护理技能竞赛，参赛职工120人"],
}


@pytest.fixture
def settings_without_examples(tmp_path, monkeypatch):
    """No bundled reports: nothing to index, so the app starts at once (exemplars are not under test)."""
    (tmp_path / "corpus").mkdir()
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(tmp_path / "corpus"))
    return load_settings()


def test_two_tabs_saving_one_section_never_silently_erase_each_other(settings_without_examples):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    app.button[0].click().run()
    app.button(key="FormSubmitter:facts-生成草稿").click().run()
    draft_id = app.session_state["draft_id"]
    other_tab = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    other_tab.session_state["draft_id"] = draft_id
    other_tab.run()
    editor, save = f"edit_{draft_id}_work-care", f"save_{draft_id}_work-care"
    for tab in (app, other_tab):
        open_section_more(tab, draft_id, "work-care")
    app.text_area(key=editor).input("甲的修改：春节走访慰问困难职工23户。")
    other_tab.text_area(key=editor).input("乙的修改：春节走访慰问困难职工23户。")
    app.button(key=save).click().run()
    other_tab.button(key=save).click().run()
    assert any("已被另存过" in e.value for e in [*other_tab.error, *other_tab.warning])
    kept = DraftingService(settings_without_examples).get(draft_id).section("work-care")
    assert kept.text == "甲的修改：春节走访慰问困难职工23户。"


def test_a_regeneration_keeps_an_edit_saved_while_it_was_writing(settings_without_examples, monkeypatch):
    service = DraftingService(settings_without_examples)
    draft = service.draft(parse_facts(FACTS), offline=True)
    other_tab = DraftingService(service.base_settings, library=service.library)
    edited_opening = "另一个标签页里改好的开头。"

    def section_reply(prompt):  # noqa: ANN001, ANN202 - the fake model's reply hook
        other_tab.edit(draft.id, "opening", edited_opening)  # saved while this section is being written
        return "重新写好的一节：春节走访慰问困难职工23户，发放慰问金4.6万元。"

    with_model = service.base_settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1"})
    model = scripted_model(section=section_reply)
    regenerated = DraftingService(with_model, library=service.library, models=lambda settings: model)
    key = next(s.key for s in draft.sections if s.kind == "work")
    regenerated.regenerate(draft.id, key)
    stored = service.get(draft.id)
    assert stored.section("opening").text == edited_opening
    assert stored.section(key).text.startswith("重新写好的一节")
    assert stored.section(key).previous_versions[-1] == draft.section(key).text
