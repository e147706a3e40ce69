"""上年计划对照 on the 起草 page (issue 19), through Streamlit's AppTest: pick last year's report, choose what
to do with each unfinished item, confirm, and draft from the confirmed table."""

import pytest

from drafting.writing.facts import parse_facts
from tests.apppages import carryover_app, generate

LAST_YEAR = {
    "organization": "江北市第一人民医院工会",
    "period": "2024年",
    "facts": ["召开五届二次职代会", "春节走访慰问困难职工20户"],
    "plans": ["新发展会员60人", "建设职工书屋", "举办职工乒乓球比赛"],
}


@pytest.fixture
def app(built_library, monkeypatch, tmp_path):
    return carryover_app(built_library, monkeypatch, tmp_path, LAST_YEAR)


def test_last_years_report_is_offered_first_and_compared(app):
    at, _, last_year, without_plan = app
    picker = at.selectbox(key="f_previous")
    own = {f"{last_year.title}（本单位草稿）", f"{without_plan.title}（本单位草稿）"}
    assert set(picker.options[1:3]) == own  # the unit's own drafts of the year before, first
    assert any(option.endswith("（范文库范文）") for option in picker.options[3:])
    picker.set_value(last_year.id)
    at.button(key="FormSubmitter:facts-对照上年计划").click().run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert list(table["上年计划"]) == LAST_YEAR["plans"]
    assert list(table["情况"]) == ["部分完成", "未提及", "未提及"]
    assert "计划60人、实际45人、完成75%" in table["完成数字"][0]
    assert not at.warning  # its plan was for 2025, the year the form sums up


def test_a_report_whose_plan_was_for_another_year_is_warned_about(app):
    at, service, _, _ = app
    older = service.draft(parse_facts({**LAST_YEAR, "period": "2023年"}), offline=True)
    at.run()  # the list offers it from the next run
    at.selectbox(key="f_previous").set_value(older.id)
    at.button(key="FormSubmitter:facts-对照上年计划").click().run()
    assert not at.exception and not at.error and at.dataframe
    (warning,) = [w.value for w in at.warning]
    assert "里是2024年的计划，而这次总结的是2025年的工作" in warning


def test_the_table_says_which_part_of_an_item_the_facts_do_not_tell_of(app):
    """组织护理技能大赛 is in this year's facts, 开展职工书画展 is not: partly done, and the table says why."""
    at, service, _, _ = app
    plans = ["组织护理技能大赛，开展职工书画展"]
    contest = service.draft(parse_facts({**LAST_YEAR, "plans": plans}), offline=True)
    at.run()  # the list offers it from the next run
    at.selectbox(key="f_previous").set_value(contest.id)
    at.button(key="FormSubmitter:facts-对照上年计划").click().run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert list(table["情况"]) == ["部分完成"]
    assert list(table["说明"]) == ["要点中未见：开展职工书画展"]


def test_choices_go_to_problems_and_plan_and_the_draft_counts_from_the_table(app):
    at, service, last_year, _ = app
    at.selectbox(key="f_previous").set_value(last_year.id)
    at.button(key="FormSubmitter:facts-对照上年计划").click().run()
    at.selectbox(key="carryover_choice_0").set_value("problem")  # 新发展会员60人
    at.text_input(key="carryover_text_0").input("新入职员工较少")
    at.selectbox(key="carryover_choice_1").set_value("problem")  # 建设职工书屋
    at.text_input(key="carryover_text_1").input("选址未落实")
    at.selectbox(key="carryover_choice_2").set_value("carry")  # 举办职工乒乓球比赛
    at.button(key="carryover_confirm").click().run()
    assert not at.exception and not at.error
    assert "建设职工书屋" in at.text_area(key="f_problems").value
    assert "选址未落实" in at.text_area(key="f_problems").value
    assert "举办职工乒乓球比赛" in at.text_area(key="f_plans").value
    assert any("年初确定的3项重点工作" in s.value for s in at.success)
    generate(at)
    assert not at.exception
    draft = service.get(at.session_state["draft_id"])
    text = draft.markdown()
    assert "年初确定的3项重点工作" in text and "部分完成1项" in text
    assert "选址未落实" in draft.section("problems").text
    assert "举办职工乒乓球比赛" in next(s.text for s in draft.sections if s.kind == "plan")


def test_a_report_without_a_plan_says_so(app):
    at, _, _, without_plan = app
    at.selectbox(key="f_previous").set_value(without_plan.id)
    at.button(key="FormSubmitter:facts-对照上年计划").click().run()
    assert not at.exception and not at.dataframe
    assert any("没有找到" in w.value and "计划" in w.value for w in at.warning), [w.value for w in at.warning]
