"""Structural edits in Word that a re-import takes: sections moved to a new order. Each is taken only when
the file says for certain what changed, and never over a change made here since the export."""

import io
import json

from docx import Document

from drafting.cli import main
from tests.roundtrip_fixtures import offline_draft, offline_service  # noqa: F401
from tests.word_edits import WordEdit

WOMEN, CARE = "四、做好女职工工作", "二、关爱医务人员"
WORK_ORDER = ["work-democracy", "work-care", "work-competition", "work-women", "work-culture", "work-self"]


def keys(draft) -> list[str]:  # noqa: ANN001 - a Draft
    return [section.key for section in draft.sections]


def moved_women_before_care(data: bytes, bookmarks: bool = True) -> WordEdit:
    """四、做好女职工工作 with its text cut and pasted before 二、关爱医务人员."""
    edit = WordEdit(data)
    if not bookmarks:
        edit.without_bookmarks()
    edit.move_paragraphs(WOMEN, "五、", CARE)
    return edit


def test_a_section_moved_in_word_takes_its_new_place_and_number(service, draft):
    before = service.get(draft.id)
    result = service.reimport("修改稿.docx", moved_women_before_care(service.export_docx(draft.id)).save())

    after = service.get(draft.id)
    assert result.changed_sections == ["order"] and result.changed_names == ["顺序"]
    assert keys(after) == [
        "opening",
        "work-democracy",
        "work-women",
        "work-care",
        "work-competition",
        "work-culture",
        "work-self",
        "problems",
        "plan",
        "closing",
    ]
    assert after.numbered_headings()["work-women"] == "二、做好女职工工作，维护女职工特殊权益"
    assert "## 三、关爱医务人员，切实维护职工合法权益" in after.markdown()
    for section in before.sections:  # moved, not rewritten: no section gains a version or loses a word
        assert after.section(section.key) == section
    assert result.version == service.revision(draft.id) > result.found_version
    assert result.notices == [
        "修改稿调整了各部分的顺序，草稿已照此重排（一、二、三……随之重新编号），"
        "移动的部分：“做好女职工工作，维护女职工特殊权益”。"
    ]
    texts = [p.text for p in Document(io.BytesIO(service.export_docx(draft.id))).paragraphs]
    assert texts.index("二、做好女职工工作，维护女职工特殊权益") < texts.index(
        "三、关爱医务人员，切实维护职工合法权益"
    )


def test_without_bookmarks_a_moved_section_is_found_by_its_heading_and_its_edit_is_taken_too(service, draft):
    edit = moved_women_before_care(service.export_docx(draft.id), bookmarks=False)
    edit.replace("23户", "25户")
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["order", "work-care"]
    assert [k for k in keys(after) if k.startswith("work-")][:3] == [
        "work-democracy",
        "work-women",
        "work-care",
    ]
    assert "25户" in after.section("work-care").text
    assert after.section("work-women").text == draft.section("work-women").text


def test_a_moved_file_with_a_section_that_cannot_be_found_keeps_the_order_and_says_why(service, draft):
    closing = draft.sections[-1]
    edit = moved_women_before_care(service.export_docx(draft.id), bookmarks=False)
    edit.paragraph_text(closing.text[:20], "新的结尾。")  # now nothing tells the closing from the plan
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert keys(after) == keys(draft) and "order" not in result.changed_sections
    assert any("没有调整顺序" in notice and "有部分找不到位置" in notice for notice in result.notices)
    assert after.sections[-1].text == closing.text


def test_a_section_moved_above_the_opening_goes_after_it_and_the_notice_says_so(service, draft):
    opening = draft.section("opening")
    # 五、 is 文体活动, then (once it went first) 女职工; without bookmarks the opening is found by its words
    for bookmarks, fifth in ((True, "work-culture"), (False, "work-women")):
        edit = WordEdit(service.export_docx(draft.id))
        if not bookmarks:
            edit.without_bookmarks()
        edit.move_paragraphs("五、", "六、", opening.text[:15])
        result = service.reimport("修改稿.docx", edit.save())
        after = service.get(draft.id)
        assert keys(after)[:2] == ["opening", fifth] and result.changed_sections == ["order"]
        assert after.section("opening") == opening and after.section(fifth) == draft.section(fifth)
        assert result.notices[-1] == (
            "修改稿里开头不在最前：草稿的开头总在最前、结尾总在最后，没有照修改稿移动它们。"
        )


def test_an_edited_opening_under_a_moved_section_is_left_alone_with_that_section(service, draft):
    """Nothing then tells where the opening's words are: neither it nor the section standing in its place
    takes the file's words, and the order stays."""
    opening = draft.section("opening").text
    edit = WordEdit(service.export_docx(draft.id))
    edit.without_bookmarks()
    edit.move_paragraphs(WOMEN, "五、", opening[:15])
    edit.paragraph_text(opening[:15], "改写过的开头。")
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert keys(after) == keys(draft) and after.section("opening") == draft.section("opening")
    assert after.section("work-women") == draft.section("work-women")
    assert "开头" in result.notices[0] and "做好女职工工作" in result.notices[0]
    assert "没有调整顺序" in result.notices[1]


def test_a_heading_deleted_in_a_reordered_file_saves_no_paragraph_twice(service, draft):
    """五's words, its heading deleted, run on from 三 (above it in the file), not from 四 (above it in the
    draft, but moved away): 三 is the one left alone."""
    edit = moved_women_before_care(service.export_docx(draft.id))
    edit.remove_paragraph("五、")
    result = service.reimport("修改稿.docx", edit.save())
    assert result.changed_sections == [] and service.get(draft.id) == draft
    assert "以竞赛为平台" in result.notices[0] and "开展丰富多彩的文体活动" in result.notices[0]


def test_an_older_file_does_not_undo_an_order_taken_since_and_two_new_orders_are_a_conflict(service, draft):
    first, second, third = (service.export_docx(draft.id) for _ in range(3))  # three reviewers, one version
    service.reimport("甲.docx", moved_women_before_care(first).save())
    reordered = keys(service.get(draft.id))

    untouched = WordEdit(second)
    untouched.replace("23户", "25户")
    result = service.reimport("乙.docx", untouched.save())
    assert result.changed_sections == ["work-care"] and keys(service.get(draft.id)) == reordered

    other = WordEdit(third)
    other.move_paragraphs("六、", "七、", CARE)
    result = service.reimport("丙.docx", other.save())
    assert [c.section for c in result.conflicts] == ["order"] and "没有调整顺序" in result.conflicts[
        0
    ].message
    assert result.changed_sections == [] and keys(service.get(draft.id)) == reordered


def test_the_cli_names_the_changes_as_a_user_calls_them(service, draft, tmp_path, capsys):
    edit = moved_women_before_care(service.export_docx(draft.id))
    edit.replace("23户", "25户")
    path = tmp_path / "修改稿.docx"
    path.write_bytes(edit.save())
    assert main(["reimport", str(path)]) == 0
    printed = capsys.readouterr()
    assert "修改的部分：顺序、关爱医务人员，切实维护职工合法权益（旧文保留为历史版本）" in printed.out
    assert "提示：修改稿调整了各部分的顺序" in printed.err

    edit = WordEdit(service.export_docx(draft.id))
    edit.move_paragraphs("三、", "四、", "二、")  # 关爱 back above 女职工
    path.write_bytes(edit.save())
    assert main(["reimport", str(path), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["changed_sections"], printed["changed_names"]) == (["order"], ["顺序"])
