"""Structural edits in Word that a re-import takes: sections moved to a new order. Each is taken only when
the file says for certain what changed, and never over a change made here since the export."""

import io
import json

import pytest
from docx import Document

from drafting.cli import main
from tests.roundtrip_fixtures import example_facts, offline_draft, offline_service  # noqa: F401
from tests.word_edits import WordEdit

WOMEN, CARE = "四、做好女职工工作", "二、关爱医务人员"
WORK_ORDER = ["work-democracy", "work-care", "work-competition", "work-women", "work-culture", "work-self"]
MOVED_ORDER = [  # the draft's parts after moved_women_before_care
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
    assert keys(after) == MOVED_ORDER
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


def test_a_moved_file_with_a_closing_that_cannot_be_found_is_reordered_and_the_closing_stays_last(
    service, draft
):
    """Any part not found used to keep the whole order as it was (the reviewer's moves not taken). The
    closing's place needs no finding: it is always last."""
    closing = draft.sections[-1]
    edit = moved_women_before_care(service.export_docx(draft.id), bookmarks=False)
    edit.paragraph_text(closing.text[:20], "新的结尾。")  # now nothing tells the closing from the plan
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["order"] and keys(after)[1:4] == [
        "work-democracy",
        "work-women",
        "work-care",
    ]
    assert keys(after)[-1] == "closing" and after.sections[-1] == closing
    assert after.section("plan") == draft.section("plan")  # it may hold the closing's new words: left alone
    assert result.notices == [
        "修改稿里分不清“2026年工作计划”“结尾”的文字在哪里（标题被删改，或文字被挪动、改写得认不出了），"
        "修改稿里对它们的改动没有导入，草稿里它们保持原样，请对照修改稿核对。",
        "修改稿调整了各部分的顺序，草稿已照此重排（一、二、三……随之重新编号），"
        "移动的部分：“做好女职工工作，维护女职工特殊权益”。",
    ]


def test_a_section_deleted_in_a_reordered_file_stays_after_its_neighbour_and_the_rest_are_reordered(
    service, draft
):
    """六 deleted whole (heading and text), 四 moved up, 五 edited: the move and the edit are taken, and 六,
    found nowhere, keeps its text and its place after 五, with a notice naming both."""
    self_work = draft.section("work-self")
    edit = moved_women_before_care(service.export_docx(draft.id))
    edit.remove_paragraphs("六、", "七、")
    edit.replace("健步走活动", "健步走和登山活动")
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["order", "work-culture"] and after.section("work-self") == self_work
    assert "健步走和登山活动" in after.section("work-culture").text
    assert keys(after) == MOVED_ORDER
    assert result.notices == [
        "修改稿里没有“六、加强工会自身建设，提升服务职工能力”这一部分（整部分被删去了？）。"
        "为免误删，导入不会删去整个部分，草稿仍保留它，以后导出的 Word 文件里也还有它；"
        "如确实不要这一部分，请在最后定稿的 Word 文件里删去。",
        "修改稿调整了各部分的顺序，草稿已照此重排（一、二、三……随之重新编号），"
        "移动的部分：“做好女职工工作，维护女职工特殊权益”。",
        "“加强工会自身建设，提升服务职工能力”在修改稿里找不到位置，排在“开展丰富多彩的文体活动，建设温馨职工之家”之后"
        "（草稿里它原来就在这一部分之后），请核对。",
    ]


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
    takes the file's words. The move is taken: the opening stays first, 四 comes next."""
    opening = draft.section("opening").text
    edit = WordEdit(service.export_docx(draft.id))
    edit.without_bookmarks()
    edit.move_paragraphs(WOMEN, "五、", opening[:15])
    edit.paragraph_text(opening[:15], "改写过的开头。")
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["order"] and keys(after)[:3] == [
        "opening",
        "work-women",
        "work-democracy",
    ]
    assert after.section("opening") == draft.section("opening")
    assert after.section("work-women") == draft.section("work-women")
    assert "开头" in result.notices[0] and "做好女职工工作" in result.notices[0]
    assert "草稿已照此重排" in result.notices[1]


def test_a_heading_deleted_in_a_reordered_file_joins_the_part_above_it_in_the_file(service, draft):
    """五's words, its heading deleted, run on from 三 (above it in the file), not from 四 (above it in the
    draft, but moved away): 三 takes them, and the move is taken too."""
    competition, culture = draft.section("work-competition"), draft.section("work-culture")
    edit = moved_women_before_care(service.export_docx(draft.id))
    edit.remove_paragraph("五、")
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["order", "work-competition"]
    assert keys(after)[1:6] == ["work-democracy", "work-women", "work-care", "work-competition", "work-self"]
    assert after.section("work-competition").text == f"{competition.text}\n\n{culture.text}"
    assert after.plain_text().count(culture.text) == 1
    assert "开展丰富多彩的文体活动" in result.notices[0] and "以竞赛为平台" in result.notices[0]


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


def test_an_older_file_does_not_undo_an_order_taken_since_a_section_was_added(service, draft):
    """The older file lacks the section added since: its order is still told from the one it left with."""
    older = service.export_docx(draft.id)
    edit = moved_women_before_care(service.export_docx(draft.id))
    edit.paragraph_after(draft.section("work-self").text[:12], "全年开展安全生产检查。")
    edit.paragraph_after(draft.section("work-self").text[:12], "七、加强安全生产")
    assert service.reimport("甲.docx", edit.save()).changed_sections == ["order", "work-added-1"]
    reordered = keys(service.get(draft.id))

    edit = WordEdit(older)
    edit.move_paragraphs("六、", "七、", CARE)
    result = service.reimport("乙.docx", edit.save())
    assert [c.section for c in result.conflicts] == ["order"] and keys(service.get(draft.id)) == reordered

    edit = WordEdit(older)
    edit.replace("23户", "25户")  # the order it left with: nothing to undo
    assert service.reimport("丙.docx", edit.save()).changed_sections == ["work-care"]
    assert keys(service.get(draft.id)) == reordered


def test_the_cli_names_the_changes_as_a_user_calls_them(service, draft, tmp_path, capsys):
    edit = moved_women_before_care(service.export_docx(draft.id))
    edit.replace("23户", "25户")
    path = tmp_path / "修改稿.docx"
    path.write_bytes(edit.save())
    assert main(["reimport", str(path)]) == 0
    printed = capsys.readouterr()
    assert "修改的部分：顺序、关爱医务人员，切实维护职工合法权益（旧文保留为各部分的历史版本）" in printed.out
    assert "提示：修改稿调整了各部分的顺序" in printed.err

    edit = WordEdit(service.export_docx(draft.id))
    edit.move_paragraphs("三、", "四、", "二、")  # 关爱 back above 女职工
    path.write_bytes(edit.save())
    assert main(["reimport", str(path), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["changed_sections"], printed["changed_names"]) == (["order"], ["顺序"])


# --- the 落款: the unit's name and the date (成文日期) under the text ------------------------------------


def signature_lines(data: bytes) -> tuple[str, str]:
    """The 落款 of an export without a template: its last two paragraphs."""
    paragraphs = Document(io.BytesIO(data)).paragraphs
    return paragraphs[-2].text, paragraphs[-1].text


def test_a_corrected_date_and_unit_name_are_kept_and_every_later_export_writes_them(service, draft):
    name, date = draft.default_signature()
    before = service.get(draft.id)
    edit = WordEdit(service.export_docx(draft.id))
    assert signature_lines(edit.save()) == (name, date)
    edit.retype_paragraph(name, "江北市第一人民医院工会委员会")
    edit.replace(date, "2026年1月10日")  # a tracked change, as a reviewer makes it

    result = service.reimport("修改稿.docx", edit.save())

    after = service.get(draft.id)
    assert (result.changed_sections, result.changed_names) == (["signature"], ["落款"])
    assert (after.signed_by, after.signed_on) == ("江北市第一人民医院工会委员会", "2026年1月10日")
    assert after.sections == before.sections  # the text: as it was
    assert after.markdown(signature=False) == before.markdown(signature=False)
    assert "落款按修改稿改为“江北市第一人民医院工会委员会”“2026年1月10日”" in result.notices[-1]
    assert signature_lines(service.export_docx(draft.id)) == ("江北市第一人民医院工会委员会", "2026年1月10日")
    assert service.reimport("原样.docx", service.export_docx(draft.id)).changed_sections == []


def test_a_date_in_chinese_numerals_is_a_date_and_a_line_that_is_none_changes_nothing(service, draft):
    _, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    edit.retype_paragraph(date, "二〇二六年一月十日")
    result = service.reimport("修改稿.docx", edit.save())
    assert result.changed_sections == ["signature"]
    assert (service.get(draft.id).signed_by, service.get(draft.id).signed_on) == ("", "二〇二六年一月十日")

    edit = WordEdit(service.export_docx(draft.id))
    edit.retype_paragraph("二〇二六年一月十日", "2026年1月")  # no day: not a 成文日期
    result = service.reimport("修改稿.docx", edit.save())
    assert result.changed_sections == [] and service.get(draft.id).signed_on == "二〇二六年一月十日"
    assert any("没有认出落款" in notice for notice in result.notices)


def test_the_drafts_own_line_back_in_the_file_follows_the_unit_again(service, draft):
    name, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    edit.retype_paragraph(name, "江北市第一人民医院工会委员会")
    service.reimport("修改稿.docx", edit.save())
    edit = WordEdit(service.export_docx(draft.id))
    edit.retype_paragraph("江北市第一人民医院工会委员会", name)
    edit.retype_paragraph(date, "2026年1月10日")
    assert service.reimport("再改.docx", edit.save()).changed_sections == ["signature"]
    assert (service.get(draft.id).signed_by, service.get(draft.id).signed_on) == ("", "2026年1月10日")


def test_without_the_end_bookmark_a_renamed_unit_is_still_the_signature_not_the_closings_text(service, draft):
    name, _ = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    edit.without_bookmarks()
    edit.retype_paragraph(name, "江北市第一人民医院工会委员会")
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["signature"] and after.signed_by == "江北市第一人民医院工会委员会"
    assert after.sections[-1] == draft.sections[-1]


@pytest.mark.parametrize("bookmarks", [True, False], ids=["bookmarks", "no-bookmarks"])
def test_a_long_unit_name_is_still_the_signature(service, bookmarks):
    """A name over 40 characters (the facts allow 60) was no 落款: without bookmarks it was imported into
    the closing's text, to be printed twice; with them, every import said the 落款 was not found."""
    long_name = "中国石油天然气股份有限公司西南油气田分公司川中油气矿第一采气作业区生产保障中心工会第一分会"
    assert 40 < len(long_name) <= 60
    facts = example_facts().model_copy(update={"organization": long_name})
    drafted = service.draft(facts, offline=True)
    edit = WordEdit(service.export_docx(drafted.id))
    if not bookmarks:
        edit.without_bookmarks()
    result = service.reimport("修改稿.docx", edit.save())
    assert result.changed_sections == [] and not [n for n in result.notices if "落款" in n]
    assert service.get(drafted.id) == drafted


def test_an_older_file_does_not_undo_a_signature_taken_since_and_two_new_ones_are_a_conflict(service, draft):
    _, date = draft.default_signature()
    first, second, third = (service.export_docx(draft.id) for _ in range(3))
    edit = WordEdit(first)
    edit.retype_paragraph(date, "2026年1月10日")
    service.reimport("甲.docx", edit.save())

    untouched = WordEdit(second)
    untouched.replace("23户", "25户")
    assert service.reimport("乙.docx", untouched.save()).changed_sections == ["work-care"]
    assert service.get(draft.id).signed_on == "2026年1月10日"

    other = WordEdit(third)
    other.retype_paragraph(date, "2026年1月12日")
    result = service.reimport("丙.docx", other.save())
    assert [c.section for c in result.conflicts] == ["signature"] and "没有导入落款" in result.conflicts[
        0
    ].message
    assert result.changed_sections == [] and service.get(draft.id).signed_on == "2026年1月10日"


def test_words_added_below_the_last_paragraph_and_a_section_moved_there_are_read(service, draft):
    """They stand after the end bookmark, which stays on the paragraph it was on: they were dropped, and a
    section moved below the closing was read as empty."""
    closing = draft.sections[-1].text.splitlines()[-1]
    edit = WordEdit(service.export_docx(draft.id))
    edit.paragraph_after(closing[:12], "特此报告。")
    result = service.reimport("修改稿.docx", edit.save())
    assert result.changed_sections == ["closing"] and not result.notices
    assert service.get(draft.id).sections[-1].text.endswith("\n特此报告。")

    edit = WordEdit(service.export_docx(draft.id))
    edit.move_paragraphs(
        "七、", "八、", after="特此报告"
    )  # 存在的问题 put below the closing's last paragraph
    edit.retype_paragraph(draft.default_signature()[1], "2026年1月10日")  # one line still the draft's
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["order", "signature"]
    assert keys(after)[-3:] == ["plan", "problems", "closing"]
    assert after.section("problems") == draft.section("problems")
    assert after.section("closing").text.endswith("\n特此报告。")
    assert "结尾不在最后" in result.notices[1]


def test_checking_an_export_with_a_corrected_signature_reads_no_claim_in_it(service, draft, tmp_path, capsys):
    name, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    edit.retype_paragraph(name, "江北市第一人民医院工会委员会")
    edit.retype_paragraph(date, "二○二六年一月十日")  # ○ for 〇, as many type it
    service.reimport("修改稿.docx", edit.save())
    word, facts = tmp_path / "导出.docx", tmp_path / "facts.json"
    word.write_bytes(service.export_docx(draft.id))
    assert signature_lines(word.read_bytes()) == ("江北市第一人民医院工会委员会", "二○二六年一月十日")
    facts.write_text(
        draft.facts.model_dump_json(exclude={"flagged"}, exclude_defaults=True), encoding="utf-8"
    )
    capsys.readouterr()
    main(["check", str(word), "--facts", str(facts), "--json"])
    checked = json.loads(capsys.readouterr().out)
    assert checked["unsupported"] == [], checked["unsupported"]
    assert "二○二六年一月十日" not in service.get(draft.id).plain_text(signature=False)  # not in the text


def test_under_a_templates_colophon_the_signature_is_read_and_the_colophon_never_is(service, draft):
    from tests.test_unit_template import COLOPHON, unit_template

    service.set_unit_template("本院模板.docx", unit_template())
    name, date = draft.default_signature()
    for bookmarks in (True, False):  # without them, the 落款 is the pair before the 版记 still the draft's
        edit = WordEdit(service.export_docx(draft.id))
        if not bookmarks:
            edit.without_bookmarks()
        edit.retype_paragraph(
            date if bookmarks else "2026年1月10日", "2026年1月10日" if bookmarks else "2026年1月9日"
        )
        result = service.reimport("修改稿.docx", edit.save())
        after = service.get(draft.id)
        assert result.changed_sections == ["signature"] and after.sections == draft.sections, bookmarks
        assert (after.signed_by, after.signed_on) == ("", "2026年1月10日" if bookmarks else "2026年1月9日")
    texts = [p.text for p in Document(io.BytesIO(service.export_docx(draft.id))).paragraphs]
    assert texts[-4:] == [name, "2026年1月9日", *COLOPHON]

    exported = service.export_docx(draft.id)
    edit = WordEdit(exported)
    edit.without_bookmark("_drafting_after")  # as in files exported before the 版记 was marked
    edit.retype_paragraph(name, "")
    edit.retype_paragraph("2026年1月9日", "")
    result = service.reimport("修改稿.docx", edit.save())  # nothing tells the 落款 from the 版记: kept
    assert result.changed_sections == [] and service.get(draft.id).signed_on == "2026年1月9日"
    assert any("没有认出落款" in notice for notice in result.notices)

    edit = WordEdit(exported)
    edit.retype_paragraph(name, "")
    edit.retype_paragraph("2026年1月9日", "")  # the 落款 deleted: the 版记 follows the text
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["signature"] and after.unsigned and after.sections == draft.sections
    texts = [p.text for p in Document(io.BytesIO(service.export_docx(draft.id))).paragraphs]
    assert texts[-3:] == [draft.sections[-1].text.splitlines()[-1], *COLOPHON]


def closing_line(draft) -> str:  # noqa: ANN001 - a Draft
    return draft.sections[-1].text.strip().splitlines()[-1]


def test_a_signature_deleted_in_word_is_removed_and_a_new_one_typed_there_is_kept(service, draft):
    """Deleting the 落款 changed nothing (every later export wrote it again); it is gone now, and a reviewer
    who wants one back types it under the text."""
    name, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    edit.delete_last_paragraph(name)  # with track changes on, as a reviewer deletes it
    edit.delete_last_paragraph(date)
    result = service.reimport("修改稿.docx", edit.save())

    after = service.get(draft.id)
    assert (result.changed_sections, result.changed_names) == (["signature"], ["落款"])
    assert after.unsigned and after.sections == draft.sections and result.deleted == 2
    assert result.notices == [
        "修改稿删去了落款（单位名称和成文日期），草稿已去掉落款，以后导出的 Word 文件不再写落款；"
        "如需恢复，在 Word 文件正文之后重新写上单位名称和成文日期，再导入。"
    ]
    exported = service.export_docx(draft.id)
    assert [p.text for p in Document(io.BytesIO(exported)).paragraphs][-1] == closing_line(draft)
    untouched = service.reimport("原样.docx", exported)
    assert untouched.changed_sections == [] and untouched.notices == []

    edit = WordEdit(exported)
    edit.paragraph_after(closing_line(draft)[:12], "2026年1月10日")
    edit.paragraph_after(closing_line(draft)[:12], "江北市第一人民医院工会委员会")
    result = service.reimport("补上落款.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["signature"] and not after.unsigned
    assert (after.signed_by, after.signed_on) == ("江北市第一人民医院工会委员会", "2026年1月10日")
    assert after.sections == draft.sections
    assert signature_lines(service.export_docx(draft.id)) == ("江北市第一人民医院工会委员会", "2026年1月10日")


def test_a_deleted_signature_is_said_and_kept_when_the_file_cannot_tell_or_it_was_changed_here(
    service, draft
):
    name, date = draft.default_signature()
    stale = service.export_docx(draft.id)
    edit = WordEdit(stale)
    edit.without_bookmarks()  # pasted into a new file: the 落款 may simply not have been copied
    edit.retype_paragraph(name, "")
    edit.retype_paragraph(date, "")
    result = service.reimport("修改稿.docx", edit.save())
    assert result.changed_sections == [] and not service.get(draft.id).unsigned
    assert any("无法确定落款是否被删去，落款保持原样" in notice for notice in result.notices)
    assert service.get(draft.id).sections == draft.sections

    corrected = WordEdit(service.export_docx(draft.id))
    corrected.retype_paragraph(date, "2026年1月10日")
    service.reimport("甲.docx", corrected.save())
    edit = WordEdit(stale)  # exported before that correction, and the 落款 deleted there
    edit.retype_paragraph(name, "")
    edit.retype_paragraph(date, "")
    result = service.reimport("乙.docx", edit.save())
    assert [c.section for c in result.conflicts] == ["signature"] and "没有去掉落款" in result.conflicts[
        0
    ].message
    assert not service.get(draft.id).unsigned and service.get(draft.id).signed_on == "2026年1月10日"


@pytest.mark.parametrize("bookmarks", [True, False], ids=["bookmarks", "no-bookmarks"])
def test_a_joint_signature_names_both_units_and_the_closing_keeps_its_words(service, draft, bookmarks):
    """联合落款: a second unit's name above the draft's was imported as a new last line of the closing, and
    the 落款 kept only the second. Both units are the 落款 now, and every later export writes both."""
    name, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    if not bookmarks:
        edit.without_bookmarks()
    edit.paragraph_before_last(name, "江北市卫生健康委员会")
    result = service.reimport("修改稿.docx", edit.save())

    after = service.get(draft.id)
    assert result.changed_sections == ["signature"] and after.sections == draft.sections
    assert after.signed_by == f"江北市卫生健康委员会\n{name}"
    assert (
        result.notices[-1]
        == f"落款按修改稿改为“江北市卫生健康委员会”“{name}”“{date}”，以后导出的 Word 文件都用它。"
    )
    texts = [p.text for p in Document(io.BytesIO(service.export_docx(draft.id))).paragraphs]
    assert texts[-5:] == [closing_line(draft), "", "江北市卫生健康委员会", name, date]
    assert service.reimport("原样.docx", service.export_docx(draft.id)).changed_sections == []


@pytest.mark.parametrize("unit", ["江北市人民大酒店", "江北市滨江街道", "江北市体育场", "江北市国际大厦"])
def test_with_the_end_bookmark_any_unit_above_the_signature_is_a_signer_whatever_its_name_ends_in(
    service, draft, unit
):
    """联合落款 with a unit whose name ends in none of the usual characters (店, 道, 场, 厦): it was imported
    as the closing's last line and the 落款 stayed unchanged. Between the marked end of the text and the
    date, every short line that is no sentence names a unit; “特此报告” above them stays the closing's."""
    name, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    edit.paragraph_before_last(name, unit)
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["signature"] and after.sections == draft.sections
    assert after.signature() == (f"{unit}\n{name}", date)
    texts = [p.text for p in Document(io.BytesIO(service.export_docx(draft.id))).paragraphs]
    assert texts[-5:] == [closing_line(draft), "", unit, name, date]

    edit = WordEdit(service.export_docx(draft.id))
    edit.paragraph_before_last(unit, "江北市万达广场")  # a third unit
    edit.paragraph_before_last("江北市万达广场", "特此报告")  # words below the text, no unit
    result = service.reimport("再改.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["closing", "signature"]
    assert after.sections[-1].text.endswith("\n特此报告")
    assert after.signed_by == f"江北市万达广场\n{unit}\n{name}"


def test_two_new_units_over_a_date_are_the_signature_and_a_line_that_is_no_unit_is_the_closings(
    service, draft
):
    name, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    edit.retype_paragraph(name, "江北市总工会")
    edit.paragraph_after("江北市总工会", "江北市第一人民医院")  # two new units, one date
    edit.retype_paragraph(date, "2026年1月10日")
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["signature"] and after.sections == draft.sections
    assert (after.signed_by, after.signed_on) == ("江北市总工会\n江北市第一人民医院", "2026年1月10日")

    edit = WordEdit(service.export_docx(draft.id))
    edit.paragraph_before_last("江北市总工会", "特此报告")  # words below the text, not a unit
    result = service.reimport("再改.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["closing"] and after.sections[-1].text.endswith("\n特此报告")
    assert after.signed_by == "江北市总工会\n江北市第一人民医院"


def test_a_draft_stored_before_the_signature_was_kept_loads_and_signs_with_its_unit(draft):
    from drafting.writing.draft import Draft

    stored = draft.model_dump_json(exclude={"signed_by", "signed_on", "unsigned"})
    assert "signed_by" not in stored
    loaded = Draft.model_validate_json(stored)
    assert loaded.signature() == (draft.facts.organization, draft.default_signature()[1])
    assert not loaded.unsigned


def test_the_app_names_the_order_and_the_signature_among_the_changes():
    from streamlit.testing.v1 import AppTest

    def page() -> None:
        import streamlit as st

        from app.word_panel import _imported

        _imported(st.session_state["result"])

    app = AppTest.from_function(page)
    app.session_state["result"] = {
        "draft_id": "d1",
        "version": 3,
        "changed_sections": ["order", "work-care", "signature"],
        "changed_names": ["顺序", "关爱医务人员，切实维护职工合法权益", "落款"],
        "revisions": {"inserted": 0, "deleted": 0},
        "comments": [],
        "findings": [],
        "conflicts": [],
        "notices": ["落款按修改稿改为“某工会委员会”“2026年1月10日”，以后导出的 Word 文件都用它。"],
    }
    app.run()
    assert not app.exception
    assert "改动 3 个部分" in app.success[0].value and "版" not in app.success[0].value
    assert [m.value for m in app.markdown if m.value.startswith("改动的部分")] == [
        "改动的部分：顺序、关爱医务人员，切实维护职工合法权益、落款"
    ]
    assert "落款按修改稿改为" in app.info[0].value


def test_lines_written_below_the_signature_are_quoted_as_not_imported_and_the_colophon_never_is(
    service, draft, tmp_path, capsys
):
    """附件：… and （此件公开发布） typed under the date vanished: “没有改动”, no notice, gone from the next
    export (also when the same file corrected the unit's name)."""
    from tests.test_unit_template import COLOPHON, unit_template

    name, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    edit.paragraph_after(date, "附件：2025年工会经费收支情况表")
    path = tmp_path / "修改稿.docx"
    path.write_bytes(edit.save())
    assert main(["reimport", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "没有改动" not in printed and "没有导入" in printed
    assert "“附件：2025年工会经费收支情况表”" in printed

    service.set_unit_template("本院模板.docx", unit_template())
    edit = WordEdit(service.export_docx(draft.id))
    edit.retype_paragraph(name, "江北市第一人民医院工会委员会")
    edit.paragraph_after(date, "（此件公开发布）")
    result = service.reimport("修改稿.docx", edit.save())
    assert result.changed_sections == ["signature"]
    quoted = [notice for notice in result.notices if "落款之后" in notice]
    assert len(quoted) == 1 and quoted[0].startswith("修改稿在落款之后加了“（此件公开发布）”：")
    assert not any(line in notice for line in COLOPHON for notice in result.notices)


def test_without_the_end_bookmark_the_templates_colophon_is_never_quoted_as_words_below_the_signature(
    service, draft
):
    """With a unit template, a file whose end bookmark was lost (the last paragraph of 结尾 deleted with it)
    quoted the 版记 as the reviewer's own words: “修改稿在落款之后加了“抄送：院党委办公室。”…没有导入”."""
    from tests.test_unit_template import COLOPHON, unit_template

    service.set_unit_template("本院模板.docx", unit_template())
    edit = WordEdit(service.export_docx(draft.id))
    edit.without_bookmark("_drafting_end")
    edit.replace("23户", "25户")
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["work-care"] and "25户" in after.section("work-care").text
    assert not any(line in notice for line in COLOPHON for notice in result.notices), result.notices
    assert not any(line in after.plain_text() for line in COLOPHON)

    edit = WordEdit(service.export_docx(draft.id))
    edit.remove_paragraph(closing_line(draft)[:12])  # the end bookmark goes with it
    result = service.reimport("删去末段.docx", edit.save())
    assert not any("落款之后" in notice for notice in result.notices), result.notices
    assert not any(line in notice for line in COLOPHON for notice in result.notices)
    assert not any(line in service.get(draft.id).plain_text() for line in COLOPHON)


@pytest.mark.parametrize("bookmarks", [True, False], ids=["bookmarks", "no-bookmarks"])
def test_a_numbered_attachment_line_above_the_signature_is_never_a_unit_of_a_joint_signature(
    service, draft, bookmarks
):
    """附件：1．… then 2．… typed below the text: the second item became the first unit of a joint 落款
    (“2．江北市职工疗休养工作委员会\\n江北市第一人民医院工会”). The 附件 note is the closing's last lines."""
    name, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    if not bookmarks:
        edit.without_bookmarks()
    edit.paragraph_after(closing_line(draft)[:10], "2．江北市职工疗休养工作委员会")
    edit.paragraph_after(closing_line(draft)[:10], "附件：1．2025年工会经费收支情况表")
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["closing"], result.notices
    assert after.signature() == (name, date) and "疗休养" not in after.signed_by
    assert after.sections[-1].text.endswith(
        "附件：1．2025年工会经费收支情况表\n\n2．江北市职工疗休养工作委员会"
    )

    edit = WordEdit(service.export_docx(draft.id))  # a 附件 line with no “：” is no unit either
    edit.paragraph_before_last(name, "附件 江北市职工疗休养实施方案")
    result = service.reimport("再改.docx", edit.save())
    assert result.changed_sections == ["closing"] and service.get(draft.id).signature() == (name, date)
    assert service.get(draft.id).sections[-1].text.endswith("\n\n附件 江北市职工疗休养实施方案")


def test_a_file_that_only_moved_sections_imported_twice_says_it_was_imported_before(
    service, draft, tmp_path, capsys
):
    """The second import of a file that only moved a section said “修改稿里没有改动” (and, made after a
    save, “又保存过 1 次：已逐部分合并”) as if the file held nothing: its order was not compared."""
    path = tmp_path / "修改稿.docx"
    path.write_bytes(moved_women_before_care(service.export_docx(draft.id)).save())
    assert main(["reimport", str(path)]) == 0
    assert "已保存，修改的部分：顺序" in capsys.readouterr().out
    revision = service.revision(draft.id)

    assert main(["reimport", str(path)]) == 0
    again = capsys.readouterr().out
    assert again.startswith(f"这份修改稿已经导入过，没有新的改动，草稿 {draft.id} 保持原样。\n"), again
    assert "没有改动，草稿" not in again and "又保存过" not in again
    result = service.reimport("修改稿.docx", path.read_bytes())
    assert result.already_imported and result.to_json()["already_imported"] is True
    assert service.revision(draft.id) == revision and keys(service.get(draft.id)) == MOVED_ORDER

    # a section moved above the opening: the opening is kept first, so the file's order, framed, is the
    # draft's and a file that did nothing else was not imported before (only the notice on the opening)
    edit = WordEdit(service.export_docx(draft.id))
    edit.move_paragraphs("一、", "二、", draft.section("opening").text[:15])
    result = service.reimport("开头.docx", edit.save())
    assert result.changed_sections == [] and not result.already_imported
    assert result.notices == [
        "修改稿里开头不在最前：草稿的开头总在最前、结尾总在最后，没有照修改稿移动它们。"
    ]
