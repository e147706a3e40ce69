"""The app through streamlit's AppTest: load the example, draft offline, regenerate a section."""

import html
import re

import pyarrow.ipc
import pytest
from streamlit.testing.v1 import AppTest

from drafting.service import DraftingService
from tests.apppages import generate, go, offered, open_section_more, regenerate, revision_shown
from tests.conftest import ROOT


def shown(elements) -> str:  # noqa: ANN001 - AppTest element lists
    """What the user reads: the app writes markdown specials as character references."""
    return html.unescape("\n".join(str(e.value) for e in elements))


@pytest.fixture
def app(built_library, monkeypatch):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(built_library.settings.data_dir))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return at.run()


def test_draft_from_the_example_and_regenerate_a_section(app, built_library):
    assert not app.exception
    assert any("离线引擎" in info.value for info in app.info)
    app.button[0].click().run()  # 载入示例要点
    assert app.text_input(key="f_organization").value == "江北市第一人民医院工会"
    generate(app)
    assert not app.exception
    assert any("江北市第一人民医院工会2025年工作总结及2026年工作计划" in s.value for s in app.subheader)
    texts = shown(app.markdown)
    assert "春节走访慰问困难职工23户，发放慰问金4.6万元" in texts
    draft_id = app.session_state["draft_id"]
    store = DraftingService(built_library.settings)
    before = {s.key: s.text for s in store.get(draft_id).sections}
    open_section_more(app, draft_id, "work-care")  # 修改要求 is drawn once the section's 修改… is opened
    app.text_input(key=f"ins_{draft_id}_work-care").input("更简洁")
    regenerate(app, draft_id, "work-care")  # the row's button follows it
    assert not app.exception
    after = store.get(draft_id)
    changed = [s.key for s in after.sections if s.text != before[s.key]]
    assert changed == ["work-care"]
    assert after.section("work-care").text == "春节走访慰问困难职工23户，发放慰问金4.6万元。"
    assert after.section("work-care").previous_versions == [before["work-care"]]
    assert after.section("work-care").text in shown(app.markdown)


def test_a_session_lets_go_of_the_widgets_of_drafts_no_longer_shown(app):
    """Each draft brings its own keyed widgets (重新生成, 修改要求, …); Streamlit keeps a widget's metadata,
    options included, after the widget is gone, and a session that drafted all day grew without end."""
    widgets = app._session_state._state._new_widget_state.widget_metadata
    app.button[0].click().run()  # 载入示例要点
    kept, drafts = [], []
    for _ in range(4):
        generate(app)
        assert not app.exception
        kept.append(len(widgets))
        drafts.append(app.session_state["draft_id"])
    assert kept[3] == kept[1], kept  # the drafts before are let go, not kept one after another
    with_widgets = {draft for draft in drafts if any(f"regen_{draft}_" in w for w in widgets)}
    assert with_widgets == {drafts[-1]} | set(drafts[-2:-1]) and drafts[0] not in with_widgets


def test_empty_facts_give_a_chinese_message(app):
    app.text_input(key="f_organization").input("某工会")
    app.text_input(key="f_period").input("2025年")
    generate(app)
    assert any("工作要点不能为空" in e.value for e in app.error)
    app.text_input(key="f_period").input("明年")
    generate(app)
    (message,) = [e.value for e in app.error]
    assert message.startswith("请检查填写的内容：总结期间无法识别")  # the form's label, not the file's key
    assert "period" not in message and "要点文件" not in message


@pytest.mark.parametrize("page", ["语气对比", "范文库", "历史", "评测", "设置"])
def test_every_page_renders(app, page):
    go(app, page)
    assert not app.exception
    assert app.header[0].value == page


def test_drafting_with_a_model_shows_the_estimate_and_streams(built_library, monkeypatch):
    from drafting.models import factory
    from tests.fakes import scripted_model

    monkeypatch.setenv("DRAFTING_DATA_DIR", str(built_library.settings.data_dir))
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setattr(factory, "build_chat_model", lambda settings: scripted_model())
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not any("离线引擎" in info.value for info in app.info)
    app.button[0].click().run()
    generate(app)
    assert not app.exception
    assert any("预计消耗" in m.value for m in app.markdown)
    assert "引擎：大模型 " in shown(app.caption) and "llm:" not in shown(app.caption)
    assert "春节走访慰问困难职工23户" in shown(app.markdown)


def test_a_draft_whose_sections_failed_says_so_and_asks_before_its_files_go_out(built_library, monkeypatch):
    """A helper's endpoint failed a section: the page said 草稿已生成 in English keys, and the Word file
    went out without a question, its text the failure note. Once the endpoint answers, one click writes
    what is missing, and the notice of the failure goes with it (it stayed, saved with the draft)."""
    from drafting.models import factory
    from drafting.models.protocol import ModelCallError
    from tests.fakes import REPLIES, scripted_model

    down = {"women": True}

    def flaky(prompt):  # noqa: ANN001, ANN202 - the fake model's reply hook
        if down["women"] and "做好女职工工作" in prompt.text("human"):
            raise ModelCallError("无法连接模型接口，已重试 2 次仍未成功。")
        return REPLIES["section"](prompt)

    monkeypatch.setenv("DRAFTING_DATA_DIR", str(built_library.settings.data_dir))
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setattr(factory, "build_chat_model", lambda settings: scripted_model(section=flaky))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    app.button[0].click().run()
    generate(app)
    assert not app.exception
    (status,) = app.get("status")
    assert status.label.startswith("草稿已保存，但有 1 部分没有写成")
    warnings = " ".join(w.value for w in app.warning)
    assert "以下部分生成失败，可单独重新生成：做好女职工工作" in warnings and not re.search(
        r"work-|opening", warnings
    )
    draft_id = app.session_state["draft_id"]
    assert not [t for t in app.toggle if t.key.startswith(f"export_{draft_id}_")]  # the files wait
    assert any("待补写或没有写成的部分" in c.label for c in app.checkbox)

    down["women"] = False
    (write,) = [b for b in app.button if b.label == "重新生成未写成的 1 部分"]
    write.click().run()
    assert not app.exception and not [w for w in app.warning if "生成失败" in w.value]
    assert not [b for b in app.button if b.label.startswith("重新生成未写成的")]
    assert "参与女职工120人" in shown(app.markdown)


def test_a_draft_of_which_nothing_was_written_is_not_kept(built_library, monkeypatch, tmp_path):
    """A wrong key or address failed every section, and each try left another empty draft in 历史."""
    from drafting.models import factory
    from drafting.models.protocol import ModelCallError
    from tests.fakes import scripted_model

    def unreachable(prompt):  # noqa: ANN001, ANN202 - the fake model's reply hook
        raise ModelCallError("模型接口拒绝访问（401）：请检查 API Key。")

    data = built_library.settings.model_copy(update={"data_dir": tmp_path / "data"})
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(data.data_dir))
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:9/v1")
    every_part = dict.fromkeys(("section", "problems", "plan", "opening", "closing"), unreachable)
    monkeypatch.setattr(factory, "build_chat_model", lambda settings: scripted_model(**every_part))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    app.button[0].click().run()
    generate(app)
    assert not app.exception
    (status,) = app.get("status")
    assert (
        status.label.startswith("一部分也没有写成：模型接口拒绝访问（401）：请检查 API Key。没有保存这份草稿")
        and "。。" not in status.label
    )
    assert "draft_id" not in app.session_state and not [c for c in app.caption if "草稿编号" in c.value]
    assert app.text_area(key="f_facts").value  # the facts stay in the form
    assert DraftingService(data).list_drafts() == []

    app.button(key="FormSubmitter:facts-先看提纲（可调整后再写作）").click().run()
    outline = app.session_state["outline"]
    app.button(key="outline_write").click().run()  # 写作 from the outline the user may have edited
    assert app.get("status")[0].label.startswith("一部分也没有写成")
    kept = app.session_state["outline"]  # still there to edit, as it was sent to be written
    assert [s["heading"] for s in kept["sections"]] == [s["heading"] for s in outline["sections"]]
    assert app.button(key="outline_write")


def test_a_placeholder_left_for_the_user_is_an_open_finding(app):
    """No problems typed: the offline engine leaves 【待补充…】, which must not go out unnoticed."""
    app.text_input(key="f_organization").input("东城区供水公司工会")
    app.text_input(key="f_period").input("2025年")
    app.text_area(key="f_facts").input("春节走访慰问困难职工23户")
    generate(app)
    assert any("本节还有待补写的内容" in w.value and "【待补充" in w.value for w in app.warning)
    draft_id = app.session_state["draft_id"]
    assert any(c.key.startswith(f"export_ok_{draft_id}_") for c in app.checkbox)


def test_settings_page_saves_the_endpoint_without_showing_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(tmp_path / "empty-corpus"))
    (tmp_path / "empty-corpus").mkdir()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    go(app, "设置")
    app.selectbox(key="preset").set_value(
        next(p for p in app.selectbox(key="preset").options if "DeepSeek" in p)
    ).run()
    app.text_input[2].input("sk-secret-123")
    app.button(key="FormSubmitter:endpoint-保存").click().run()
    banner = app.success[0].value  # the page's own banner names the endpoint just saved, not the one before
    assert banner.startswith("当前模型接口：") and "deepseek" in banner
    assert any("新的草稿将使用该接口" in message.value for message in app.success)
    from drafting.service import DraftingService
    from drafting.settings import load_settings

    saved = DraftingService(load_settings()).settings
    assert (
        "api.deepseek.com" in saved.llm_base_url and saved.llm_api_key.get_secret_value() == "sk-secret-123"
    )
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    go(app, "设置")
    visible = " ".join(str(e.value) for e in [*app.success, *app.markdown, *app.text_input] if e.value)
    assert "deepseek" in visible and "sk-secret-123" not in visible


def test_an_edited_section_with_an_invented_number_is_flagged(app, built_library):
    app.button[0].click().run()
    generate(app)
    draft_id = app.session_state["draft_id"]
    assert not any("找不到依据" in w.value for w in app.warning)
    assert f"edit_{draft_id}_work-care" not in [t.key for t in app.text_area]  # closed: not drawn
    open_section_more(app, draft_id, "work-care")
    app.text_area(key=f"edit_{draft_id}_work-care").input("春节走访慰问困难职工32户。")
    app.button(key=f"save_{draft_id}_work-care").click().run()
    assert any("找不到依据" in w.value and "32户" in w.value for w in app.warning)
    assert ":red-background[32户]" in shown(app.markdown)


def test_library_history_and_versions(built_library, tmp_path, monkeypatch):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(built_library.settings.data_dir))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    app.button[0].click().run()
    generate(app)
    draft_id = app.session_state["draft_id"]
    regenerate(app, draft_id, "work-care")
    open_section_more(app, draft_id, "work-care")
    app.button(key=f"restore_{draft_id}_work-care_0").click().run()
    store = DraftingService(built_library.settings)
    restored = store.get(draft_id).section("work-care")
    assert restored.text.startswith("工会始终把职工的冷暖放在心上") and len(restored.previous_versions) == 1

    go(app, "历史")
    assert not app.exception and [s.value for s in app.subheader] == ["导入修改稿", "对比两稿"]
    app.selectbox(key="cmp_left").set_value(draft_id).run()
    assert not app.exception

    go(app, "范文库")
    app.text_input[0].input("职代会").run()
    hits = [c.value for c in app.caption if "）·" in c.value]  # title（report id，part）· heading path
    assert hits and any("seed" in c for c in hits)
    assert not any(re.search(r"[（，](work|opening|closing|problems|plan)）", c) for c in hits)


def test_tone_page_compares_the_current_draft(app, built_library):
    app.button[0].click().run()
    generate(app)
    go(app, "语气对比")
    assert not app.exception
    assert "江北市第一人民医院工会" in app.text_area(key="tone_text").value
    assert app.metric[0].value is not None
    [chart] = app.get("vega_lite_chart")  # the gaps, one bar per measure, as an Arrow table
    gaps = pyarrow.ipc.open_stream(chart.proto.data.data).read_all().to_pydict()
    assert len(gaps["指标"]) == len(gaps["差距"]) >= 5 and "口语词" in "".join(gaps["指标"])
    assert not app.dataframe  # each paragraph's nearest section is worked out only once the box is opened
    app.session_state["tone_nearest"] = True
    [nearest] = app.run().dataframe
    titles = {r.meta.title for r in DraftingService(built_library.settings).reports_in_scope.reports()}
    assert len(nearest.value) >= 3 and set(nearest.value["最相近的范文"]) <= titles
    assert nearest.value["相似度"].between(0.5, 1).all()
    app.text_area(key="tone_text").input("今年咱们工会其实干了挺多事，大家挺开心的吧，说实话还行。").run()
    assert any("口语词较多" in m.value for m in app.markdown)


def test_rewrite_toward_a_reference_from_the_tone_page(built_library, monkeypatch):
    from drafting.models import factory
    from tests.fakes import scripted_model

    monkeypatch.setenv("DRAFTING_DATA_DIR", str(built_library.settings.data_dir))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    app.button[0].click().run()
    generate(app)
    draft_id = app.session_state["draft_id"]
    go(app, "语气对比")
    assert not [b for b in app.button if b.key == "manner_go"]  # offline: not offered, and said why
    assert any("需要大模型" in c.value for c in app.caption)
    monkeypatch.setattr(factory, "build_chat_model", lambda settings: scripted_model())
    monkeypatch.setenv("LLM_BASE_URL", "http://fake.invalid/v1")
    app.run()
    app.selectbox(key="manner_key").set_value("work-care").run()
    app.button(key="manner_go").click().run()
    assert not app.exception and any("已改写" in m.value for m in app.success)
    care = DraftingService(built_library.settings).get(draft_id).section("work-care")
    assert len(care.previous_versions) == 1 and "春节走访慰问困难职工23户" in care.text


def test_markup_from_users_is_shown_as_text(app):
    """A title built from 单位名称 used to render as Markdown: links, bold, KaTeX."""
    app.button[0].click().run()
    app.text_input(key="f_organization").input("[点此领取](http://evil.example/x)第一#工会$x^2$")
    generate(app)
    assert not app.exception
    title = next(s.value for s in app.subheader if "点此领取" in s.value)
    assert not any(mark in title for mark in ("](", "http:", "$"))  # markup specials are character references
    assert "第一#工会$x^2$" in shown(app.subheader)  # displayed literally


def test_history_open_switches_to_the_draft_page(app):
    app.button[0].click().run()
    generate(app)
    draft_id = app.session_state["draft_id"]
    go(app, "历史")
    app.button(key=f"open_{draft_id}").click().run()
    assert not app.exception
    assert app.header[0].value == "起草"


def test_the_form_is_kept_while_the_user_visits_another_page(app):
    """A helper filled the form, opened 历史, came back and found it empty."""
    app.text_input(key="f_organization").input("东城区供水公司工会")
    app.text_input(key="f_period").input("2025年")
    app.text_area(key="f_facts").input("春节走访慰问困难职工23户")
    generate(app)
    go(app, "历史")
    go(app, "起草")
    assert app.text_input(key="f_organization").value == "东城区供水公司工会"
    assert app.text_area(key="f_facts").value == "春节走访慰问困难职工23户"
    app.text_input(key="f_organization").input("西城区供水公司工会")  # the kept copy follows new typing
    generate(app)
    go(app, "设置")
    go(app, "起草")
    assert app.text_input(key="f_organization").value == "西城区供水公司工会"


def test_a_refresh_reopens_the_draft_named_in_the_address(app, built_library):
    app.button[0].click().run()
    generate(app)
    draft_id = app.session_state["draft_id"]
    assert app.query_params["draft"] == draft_id
    refreshed = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)  # a new session, same address
    refreshed.query_params["draft"] = draft_id
    refreshed.run()
    assert f"草稿编号 {draft_id}" in shown(refreshed.caption)
    # the new session's empty form is filled from the reopened draft (a helper found it blank after F5)
    assert refreshed.text_input(key="f_organization").value == "江北市第一人民医院工会"
    assert "春节走访慰问困难职工23户" in refreshed.text_area(key="f_facts").value
    assert refreshed.slider(key="f_target").value == 3000
    DraftingService(built_library.settings).delete(draft_id)
    gone = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    gone.query_params["draft"] = draft_id
    gone.run()
    assert not gone.exception and len(gone.warning) == 1 and "draft" not in gone.query_params
    assert "草稿编号" not in shown(gone.caption)


def test_deleting_a_draft_asks_first(app, built_library):
    app.button[0].click().run()
    generate(app)
    draft_id = app.session_state["draft_id"]
    store = DraftingService(built_library.settings)
    go(app, "历史")
    app.button(key=f"del_{draft_id}").click().run()
    assert store.get(draft_id).id == draft_id and "删除后不能恢复" in app.warning[0].value
    app.button(key=f"del_{draft_id}_no").click().run()
    assert not app.warning and store.get(draft_id).id == draft_id
    app.button(key=f"del_{draft_id}").click().run()
    app.button(key=f"del_{draft_id}_yes").click().run()
    assert draft_id not in [row.id for row in store.list_drafts()]


def test_the_outline_can_be_edited_before_writing(app, built_library):
    """Rename a section, move a bullet into another one (merging), drop nothing else, then write."""
    app.button[0].click().run()
    app.button(key="FormSubmitter:facts-先看提纲（可调整后再写作）").click().run()
    assert not app.exception and "outline" in app.session_state
    outline = app.session_state["outline"]
    work = [s for s in outline["sections"] if s["kind"] == "work"]
    assert len(work) >= 5 and "draft_id" not in app.session_state
    sections = [{"标题": s["heading"], "顺序": i + 1, "保留": True} for i, s in enumerate(work)]
    sections[0]["标题"] = "民主管理与院务公开"
    sections[0]["顺序"] = 99  # now last
    # move the women's bullet into the culture section (a merge: the emptied section is dropped)
    owner = {f: s["heading"] for s in work for f in s["facts"]}
    owner = {f: ("民主管理与院务公开" if h == work[0]["heading"] else h) for f, h in owner.items()}
    women = next(s for s in work if s["theme"] == "women")
    culture = next(s for s in work if s["theme"] == "culture")
    for fact in women["facts"]:
        owner[fact] = culture["heading"]
    app.session_state["outline_sections"] = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
    app.session_state["outline_bullets"] = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
    from drafting.writing.outline import Outline, PlannedSection

    edited = Outline(
        title=outline["title"],
        sections=[outline["sections"][0]]
        + [
            PlannedSection(**{**s, "facts": [f for f in owner if owner[f] == s["heading"]]})
            for s in work[1:]
            if s["theme"] != "women"
        ]
        + [PlannedSection(**{**work[0], "heading": "民主管理与院务公开"})]
        + [s for s in outline["sections"] if s["kind"] != "work"][1:],
    )
    service = DraftingService(built_library.settings)
    from drafting.writing.facts import load_facts_file

    draft = service.draft(load_facts_file(ROOT / "drafting" / "data" / "example_facts.yaml"), outline=edited)
    headings = [s.heading for s in draft.sections if s.kind == "work"]
    assert headings[-1] == "民主管理与院务公开" and not any(s.theme == "women" for s in draft.sections)
    culture_text = draft.section(culture["key"]).text
    assert "参与女职工120人" in culture_text and "组织全院职工健步走活动" in culture_text


def test_the_files_are_offered_when_asked_for_and_need_confirmation_while_findings_are_open(app):
    """The buttons carry the files, made as they are drawn: none is made until the user asks for them."""
    app.button[0].click().run()
    generate(app)
    draft_id = app.session_state["draft_id"]
    assert not app.get("download_button")
    asked = app.toggle(key=f"export_{draft_id}_{revision_shown(app, draft_id)}")
    asked.set_value(True).run()
    assert {b.label for b in app.get("download_button")} == {
        "下载 Word (.docx)",
        "下载 Markdown",
        "导出事实依据表 (.xlsx)",
    }
    regenerate(app, draft_id, "work-culture")  # a new version: asked again
    assert not app.get("download_button")
    open_section_more(app, draft_id, "work-care")
    app.text_area(key=f"edit_{draft_id}_work-care").input("春节走访慰问困难职工32户。")
    app.button(key=f"save_{draft_id}_work-care").click().run()
    assert not any(b.label == "下载 Word (.docx)" for b in app.get("download_button"))
    app.checkbox(key=f"export_ok_{draft_id}_{revision_shown(app, draft_id)}").check().run()
    assert any(b.label == "下载 Word (.docx)" for b in app.get("download_button"))


def test_proofreading_findings_get_one_click_fixes(app, built_library):
    app.button[0].click().run()
    generate(app)
    draft_id = app.session_state["draft_id"]
    open_section_more(app, draft_id, "work-care")
    app.text_area(key=f"edit_{draft_id}_work-care").input("春节走访慰问困难职工23户,发放慰问金4.6万元。。")
    app.button(key=f"save_{draft_id}_work-care").click().run()
    assert any("校对" in e.label for e in app.expander)
    app.button(key=f"fixall_{draft_id}_work-care").click().run()
    care = DraftingService(built_library.settings).get(draft_id).section("work-care")
    assert care.text == "春节走访慰问困难职工23户，发放慰问金4.6万元。"
    assert care.previous_versions[-1] == "春节走访慰问困难职工23户,发放慰问金4.6万元。。"


def test_the_app_refuses_to_serve_beyond_loopback_in_single_user_mode(built_library, monkeypatch):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(built_library.settings.data_dir))
    from streamlit import config

    config.set_option("server.address", "0.0.0.0")  # the autouse fixture sets it back
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert any("本机地址" in e.value and "drafting users add" in e.value for e in app.error)
    assert offered(app) == []  # no page is reachable


def test_the_eval_page_runs_a_case_set_and_shows_the_latest_report(app, built_library):
    go(app, "评测")
    first = app.multiselect(key="eval_cases").options[0]
    app.multiselect(key="eval_cases").set_value([first]).run()
    app.button(key="eval_go").click().run()
    assert not app.exception
    table = "\n".join(m.value for m in app.markdown)
    assert "要点覆盖率" in table and "offline" in table
    assert (built_library.settings.data_dir / "eval" / "latest.json").exists()
