"""Two people (or two tabs) changing one draft at once: neither change silently erases the other."""

import pytest
from streamlit.testing.v1 import AppTest

from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.writing.facts import parse_facts
from tests.apppages import generate, open_section_more
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
    generate(app)
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
    assert any("本节在您开始修改之后已被改过" in w.value for w in other_tab.warning)
    service = DraftingService(settings_without_examples)
    assert service.get(draft_id).section("work-care").text == "甲的修改：春节走访慰问困难职工23户。"
    assert other_tab.text_area(key=editor).value == "乙的修改：春节走访慰问困难职工23户。"  # kept, not lost
    other_tab.button(key=f"edit_over_{draft_id}_work-care").click().run()  # 乙 chooses to replace it
    assert service.get(draft_id).section("work-care").text == "乙的修改：春节走访慰问困难职工23户。"
    assert not any("本节在您开始修改之后已被改过" in w.value for w in other_tab.warning)


def test_an_untouched_box_follows_the_section_and_a_typed_one_never_undoes_a_fix(settings_without_examples):
    """The helper's case: 全部修正 after the box was opened; saving the box then undid the fixes."""
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    app.button[0].click().run()
    generate(app)
    draft_id = app.session_state["draft_id"]
    editor = f"edit_{draft_id}_work-care"
    open_section_more(app, draft_id, "work-care")
    service = DraftingService(settings_without_examples)
    service.edit(draft_id, "work-care", "修正后的文字：春节走访慰问困难职工23户。")  # as 全部修正 saves it
    app.run()
    assert app.text_area(key=editor).value == "修正后的文字：春节走访慰问困难职工23户。"
    app.text_area(key=editor).input("我改的文字：春节走访慰问困难职工23户。").run()
    service.edit(draft_id, "work-care", "又一次修正：春节走访慰问困难职工23户。")
    app.run()
    assert any("本节在您开始修改之后已被改过" in w.value for w in app.warning)
    assert app.text_area(key=editor).value == "我改的文字：春节走访慰问困难职工23户。"
    app.button(key=f"edit_reload_{draft_id}_work-care").click().run()
    assert app.text_area(key=editor).value == "又一次修正：春节走访慰问困难职工23户。"
    app.text_area(key=editor).input("最后的文字：春节走访慰问困难职工23户。").run()
    app.button(key=f"save_{draft_id}_work-care").click().run()
    assert service.get(draft_id).section("work-care").text == "最后的文字：春节走访慰问困难职工23户。"
    assert app.text_area(key=editor).value == "最后的文字：春节走访慰问困难职工23户。"


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


def test_a_regeneration_is_saved_however_many_saves_land_while_it_merges(
    settings_without_examples, monkeypatch
):
    """Two 重新生成 of different sections at once, and a third save between reading the newest draft and
    saving onto it: the rewritten section (model tokens paid for) was thrown away with 已被另存过."""
    service = DraftingService(settings_without_examples)
    draft = service.draft(parse_facts(FACTS), offline=True)
    other_tab = DraftingService(service.base_settings, library=service.library)
    with_model = service.base_settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1"})
    model = scripted_model(
        section=lambda prompt: "重新写好的一节：春节走访慰问困难职工23户，发放慰问金4.6万元。"
    )
    regenerated = DraftingService(with_model, library=service.library, models=lambda settings: model)
    reads, get = [], regenerated.drafts.get

    def read_then_another_save(draft_id, actor):  # noqa: ANN001, ANN202 - wraps DraftRepository.get
        opened = get(draft_id, actor)
        reads.append(draft_id)
        if len(reads) <= 3:  # the read before writing, then two reads each overtaken by another save
            other_tab.edit(draft_id, "opening", f"另一个标签页第{len(reads)}次改的开头。")
        return opened

    monkeypatch.setattr(regenerated.drafts, "get", read_then_another_save)
    key = next(s.key for s in draft.sections if s.kind == "work")
    regenerated.regenerate(draft.id, key)
    stored = service.get(draft.id)
    assert stored.section(key).text.startswith("重新写好的一节")
    assert stored.section("opening").text == "另一个标签页第3次改的开头。"


def test_an_edit_based_on_an_older_text_of_its_section_is_refused_and_other_sections_are_not_in_the_way(
    settings_without_examples,
):
    """What 保存修改 and 全部修正 pass as based_on: the text they started from."""
    from drafting.storage.errors import SectionChanged

    service = DraftingService(settings_without_examples)
    draft = service.draft(parse_facts(FACTS), offline=True)
    seen = draft.section("work-care").text
    service.edit(draft.id, "opening", "别人改的开头。")  # another section: no obstacle
    service.edit(draft.id, "work-care", "我的修改：春节走访慰问困难职工23户。", based_on=seen)
    with pytest.raises(SectionChanged):  # the section changed since `seen`
        service.edit(draft.id, "work-care", "更早的一稿：春节走访慰问困难职工23户。", based_on=seen)
    stored = service.get(draft.id)
    assert stored.section("work-care").text == "我的修改：春节走访慰问困难职工23户。"
    assert stored.section("opening").text == "别人改的开头。"


def test_a_hand_edit_of_the_section_being_regenerated_is_kept_as_a_version(settings_without_examples):
    """The rewritten section went over the newest draft's: an edit of the same section made meanwhile in
    another tab was gone. It is kept among the section's versions, to restore."""
    service = DraftingService(settings_without_examples)
    draft = service.draft(parse_facts(FACTS), offline=True)
    other_tab = DraftingService(service.base_settings, library=service.library)
    key = next(s.key for s in draft.sections if s.kind == "work")
    by_hand = "我在另一个标签页里手写的一节：春节走访慰问困难职工23户。"

    def section_reply(prompt):  # noqa: ANN001, ANN202 - the fake model's reply hook
        other_tab.edit(draft.id, key, by_hand)  # the same section, edited while it is being written
        return "重新写好的一节：春节走访慰问困难职工23户，发放慰问金4.6万元。"

    with_model = service.base_settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1"})
    model = scripted_model(section=section_reply)
    DraftingService(with_model, library=service.library, models=lambda settings: model).regenerate(
        draft.id, key
    )
    stored = service.get(draft.id).section(key)
    assert stored.text.startswith("重新写好的一节") and by_hand in stored.previous_versions
