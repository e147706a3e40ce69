"""The Word round trip: exports carry their identity and findings as comments; a file edited in Word comes
back as new versions of the sections it changed, with its tracked changes taken and its comments kept."""

import io
import json
import zipfile

import pytest
from docx import Document

from drafting.cli import main
from drafting.documents.docx import read_docx
from drafting.errors import UserError
from drafting.output.identity import normal_text
from drafting.service import DraftingService
from drafting.settings import load_settings
from tests.roundtrip_fixtures import FACTS, PLAN, example_facts, offline_draft, offline_service  # noqa: F401
from tests.word_edits import WordEdit, comment_anchors

CARE = "春节走访慰问困难职工23户，发放慰问金4.6万元"


def custom_properties(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("docProps/custom.xml").decode()


def test_an_export_carries_its_draft_id_and_version_where_the_reader_does_not_see_them(service, draft):
    data = service.export_docx(draft.id)
    properties = custom_properties(data)
    assert f"<vt:lpwstr>{draft.id}</vt:lpwstr>" in properties
    assert f'name="drafting.version"><vt:lpwstr>{service.revision(draft.id)}</vt:lpwstr>' in properties
    assert draft.id not in read_docx("export.docx", data)


def test_word_files_written_by_draft_and_regen_carry_their_identity_too(service, tmp_path):
    facts = tmp_path / "要点.yaml"
    facts.write_text(FACTS.read_text(encoding="utf-8"), encoding="utf-8")
    drafted, regenerated = tmp_path / "draft.docx", tmp_path / "regen.docx"
    assert main(["draft", str(facts), "--offline", "--format", "docx", "-o", str(drafted)]) == 0
    (listing,) = service.list_drafts()
    assert f"<vt:lpwstr>{listing.id}</vt:lpwstr>" in custom_properties(drafted.read_bytes())
    assert (
        main(["regen", listing.id, "work-care", "--offline", "--format", "docx", "-o", str(regenerated)]) == 0
    )
    version = service.revision(listing.id)
    assert f'name="drafting.version"><vt:lpwstr>{version}</vt:lpwstr>' in custom_properties(
        regenerated.read_bytes()
    )


def test_every_open_finding_becomes_a_comment_by_the_assistant_on_its_exact_words(service, draft):
    care = draft.section("work-care")
    plan = draft.section("plan")
    text = care.text.replace(CARE, "春节走访慰问困难职工25户，发放慰问金4.6万元,惠及家庭").replace(
        "完成年度工会经费审查", ""
    )
    service.edit(draft.id, "work-care", text)
    service.edit(
        draft.id,
        "plan",
        plan.text.replace(PLAN, "10月已成功举办第二届护理技能竞赛"),
    )
    service.edit(draft.id, "work-self", draft.section("work-self").text.replace("新发展会员45人，", ""))

    comments = comment_anchors(service.export_docx(draft.id, comments=True))

    assert {author for author, _, _ in comments} == {"起草助手"}
    by_anchor = {anchor: message for _, message, anchor in comments}
    assert "找不到依据" in by_anchor["25户"]
    assert "全角标点" in by_anchor[","]
    assert any(
        "计划写成了已完成" in m and a == "（二）10月已成功举办第二届护理技能竞赛"
        for a, m in by_anchor.items()
    )
    missing = by_anchor["六、加强工会自身建设，提升服务职工能力"]
    assert "漏写了要点" in missing and "新发展会员45人" in missing


def test_without_the_flag_an_export_has_no_comments(service, draft):
    with zipfile.ZipFile(io.BytesIO(service.export_docx(draft.id))) as archive:
        assert "word/comments.xml" not in archive.namelist()


def test_a_file_edited_with_track_changes_saves_only_the_changed_section_and_checks_it_again(service, draft):
    before = service.get(draft.id)
    edit = WordEdit(service.export_docx(draft.id, comments=True))
    edit.replace("23户", "25户")
    edit.insert_after("4.6万元", "，困难职工人人有慰问")
    edit.delete("丰富了职工的")
    edit.comment("138人次参赛", "请核实参赛人次", author="李主任")

    result = service.reimport("修改稿.docx", edit.save())

    assert result.changed_sections == ["work-care", "work-culture"]
    assert (result.inserted, result.deleted) == (2, 2)
    assert [(c.author, c.text, c.anchor) for c in result.comments] == [
        ("李主任", "请核实参赛人次", "138人次参赛")
    ]
    after = service.get(draft.id)
    care = after.section("work-care")
    assert "春节走访慰问困难职工25户，发放慰问金4.6万元，困难职工人人有慰问" in care.text
    assert care.previous_versions[-1] == before.section("work-care").text
    assert "丰富了职工的" not in after.section("work-culture").text
    for old, new in zip(before.sections, after.sections, strict=True):
        if old.key not in result.changed_sections:
            assert (new.text, new.previous_versions) == (old.text, old.previous_versions)
    assert result.version == service.revision(draft.id)
    assert any(
        f.section == "work-care" and f.kind == "unsupported" and f.anchor == "25户" for f in result.findings
    )
    assert care.flags == ["25户"] and care.status == "flagged"


def test_a_file_from_an_older_version_is_merged_section_by_section_and_a_conflict_is_never_overwritten(
    service, draft
):
    exported = service.export_docx(draft.id)  # version 1 … then the draft moves on in the product
    in_product = draft.section("work-care").text.replace("23户", "23户（含退休职工）")
    service.edit(draft.id, "work-care", in_product)
    edit = WordEdit(exported)
    edit.replace("23户", "二十三户")  # the same section, changed in Word too
    edit.replace("138人次参赛", "138人次参加")  # a section only Word changed

    result = service.reimport("修改稿.docx", edit.save())

    assert result.from_version is not None and result.from_version < result.found_version < result.version
    assert result.changed_sections == ["work-competition"]
    assert [c.section for c in result.conflicts] == ["work-care"]
    assert "没有导入这一部分" in result.conflicts[0].message
    after = service.get(draft.id)
    assert after.section("work-care").text == in_product
    assert "138人次参加" in after.section("work-competition").text


def test_a_title_edited_in_word_becomes_the_drafts_title(service, draft):
    edit = WordEdit(service.export_docx(draft.id))
    edit.replace("2025年工作总结", "2025年度工作总结")

    result = service.reimport("修改稿.docx", edit.save())

    assert result.changed_sections == ["title"] and not result.conflicts
    assert service.get(draft.id).title == draft.title.replace("2025年工作总结", "2025年度工作总结")
    assert service.list_drafts()[0].title == service.get(draft.id).title


def test_a_title_changed_on_both_sides_is_a_conflict_and_kept(service, draft):
    exported = service.export_docx(draft.id)
    retitled = service.get(draft.id)
    retitled.title = "本系统里改过的标题"
    service.save(retitled)
    edit = WordEdit(exported)
    edit.replace("2025年工作总结", "2025年度工作总结")

    result = service.reimport("修改稿.docx", edit.save())

    assert [c.section for c in result.conflicts] == ["title"] and "title" not in result.changed_sections
    assert service.get(draft.id).title == "本系统里改过的标题"


def test_a_file_whose_properties_were_stripped_is_matched_by_title_and_content(service, draft):
    edit = WordEdit(service.export_docx(draft.id))
    edit.without_custom_properties()
    edit.replace("23户", "25户")
    result = service.reimport("另存的.docx", edit.save())
    assert (result.draft_id, result.from_version, result.changed_sections) == (draft.id, None, ["work-care"])
    assert result.notices == [
        f"修改稿里没有草稿编号（文件属性被删除），按标题和内容认定为草稿 {draft.id}（{draft.title}），请确认。"
    ]


def test_a_file_without_identity_that_fits_two_drafts_equally_goes_into_neither(service, draft):
    """Two drafts of the same facts read alike: a stripped file could be either, and the wrong one would
    lose its own edits, so nothing is imported."""
    twin = service.draft(draft.facts, offline=True)
    edit = WordEdit(service.export_docx(draft.id))
    edit.without_custom_properties()
    edit.replace("23户", "25户")
    revisions = (service.revision(draft.id), service.revision(twin.id))
    with pytest.raises(UserError, match="有 2 份草稿与它的标题和内容同样相符") as refused:
        service.reimport("另存的.docx", edit.save())
    assert draft.id in str(refused.value) and twin.id in str(refused.value)
    assert (service.revision(draft.id), service.revision(twin.id)) == revisions


def test_without_bookmarks_sections_are_found_by_heading_and_an_unplaceable_one_is_left_alone(service, draft):
    edit = WordEdit(service.export_docx(draft.id))
    edit.without_bookmarks()
    edit.replace("23户", "25户")
    result = service.reimport("修改稿.docx", edit.save())
    assert (result.changed_sections, result.notices) == (["work-care"], [])

    closing = service.get(draft.id).sections[-1]
    edit = WordEdit(service.export_docx(draft.id))
    edit.without_bookmarks()
    edit.paragraph_text(closing.text[:20], "新的结尾。")  # now nothing tells the closing from the plan
    before = service.get(draft.id)
    result = service.reimport("修改稿.docx", edit.save())
    assert result.changed_sections == []
    assert "“2026年工作计划”“结尾”" in result.notices[0]
    assert service.get(draft.id) == before


def test_reimport_json_has_the_documented_keys(service, draft, tmp_path, capsys):
    edit = WordEdit(service.export_docx(draft.id))
    edit.replace("23户", "25户")
    edit.comment("4.6万元", "金额请与财务核对")
    path = tmp_path / "修改稿.docx"
    path.write_bytes(edit.save())

    assert main(["reimport", str(path), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)

    assert {"draft_id", "version", "changed_sections", "revisions", "comments", "findings"} <= printed.keys()
    assert printed["draft_id"] == draft.id and printed["changed_sections"] == ["work-care"]
    assert printed["revisions"] == {"inserted": 1, "deleted": 1}
    assert printed["comments"] == [{"author": "李主任", "text": "金额请与财务核对", "anchor": "4.6万元"}]
    assert {"section": "work-care", "kind": "unsupported", "anchor": "25户"}.items() <= printed["findings"][
        0
    ].items()


def test_show_writes_a_commented_word_file(service, draft, tmp_path, capsys):
    service.edit(draft.id, "work-care", draft.section("work-care").text.replace("23户", "25户"))
    target = tmp_path / "批注.docx"
    assert main(["show", draft.id, "--format", "docx", "--comments", "-o", str(target)]) == 0
    assert (
        "起草助手",
        "“25户”在要点中找不到依据，请核对后改为要点中的原话或删去。",
        "25户",
    ) in comment_anchors(target.read_bytes())
    assert main(["show", draft.id, "--comments"]) == 1
    assert "--format docx" in capsys.readouterr().err


def test_untouched_file_changes_nothing(service, draft):
    revision = service.revision(draft.id)
    result = service.reimport("原样.docx", service.export_docx(draft.id, comments=True))
    assert (result.changed_sections, result.comments, result.version) == ([], [], revision)
    assert service.revision(draft.id) == revision


# --- bad input: a Chinese message, and nothing changed ------------------------------------------------------


def a_word_file(paragraphs: list[str]) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_word_file_that_did_not_come_from_here_is_refused(service, draft):
    revision = service.revision(draft.id)
    with pytest.raises(UserError, match="不是从本系统导出的草稿"):
        service.reimport("别人的总结.docx", a_word_file(["某某公司2025年工作总结", "今年我们做了很多工作。"]))
    assert service.revision(draft.id) == revision


def test_a_macro_enabled_file_is_refused_by_name_and_by_content(service, draft):
    data = service.export_docx(draft.id)
    with pytest.raises(UserError, match="启用了宏"):
        service.reimport("修改稿.docm", data)
    edit = WordEdit(data)
    edit.parts["word/vbaProject.bin"] = b"\x00macro"
    with pytest.raises(UserError, match="启用了宏"):
        service.reimport("改了扩展名.docx", edit.save())


def test_a_file_that_is_not_a_word_file_is_refused(service):
    with pytest.raises(UserError, match="不是有效的 Word"):
        service.reimport("假的.docx", b"PK\x03\x04 not really a zip")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    with pytest.raises(UserError, match="是旧版 Word（.doc/.wps）格式，这里需要 .docx"):
        service.reimport("修改稿.doc", ole)
    with pytest.raises(UserError, match="设置了打开密码"):
        service.reimport("修改稿.docx", ole + "EncryptedPackage".encode("utf-16-le"))
    with pytest.raises(UserError, match=r"是 OpenDocument 文件（.odt.*另存为 Word \(.docx\)"):
        service.reimport("修改稿.odt", an_odt())


def an_odt() -> bytes:
    """An OpenDocument text as LibreOffice writes it: `mimetype` first and stored, then the content."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as odt:
        odt.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        odt.writestr("content.xml", "<office:document-content/>", compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_checking_a_file_of_another_format_names_the_formats(service, tmp_path):
    odt = tmp_path / "修改稿.odt"
    odt.write_bytes(an_odt())
    with pytest.raises(UserError, match="“修改稿.odt”的格式不能核对：可以是 .doc、.docx、.md"):
        service.text_of(str(odt))


def test_five_hundred_comments_are_all_kept_with_their_anchors(service, draft):
    edit = WordEdit(service.export_docx(draft.id))
    for n in range(500):
        edit.comment_paragraph("138人次参赛", f"第{n + 1}条意见")
    result = service.reimport("批注很多.docx", edit.save())
    assert len(result.comments) == 500 and result.comments[499].text == "第500条意见"
    assert all("138人次参赛" in c.anchor for c in result.comments)
    assert any("500 条批注" in notice for notice in result.notices)
    assert result.changed_sections == []


def test_a_nested_table_is_imported_as_text_with_a_notice(service, draft):
    edit = WordEdit(service.export_docx(draft.id))
    edit.table_after("4.6万元", [["慰问明细", [["困难职工", "23户"]]]])
    result = service.reimport("带表格.docx", edit.save())
    assert result.changed_sections == ["work-care"]
    assert "慰问明细｜困难职工｜23户" in service.get(draft.id).section("work-care").text
    assert any("嵌套表格" in notice for notice in result.notices)


def test_wps_namespaces_and_properties_do_not_get_in_the_way(service, draft):
    edit = WordEdit(service.export_docx(draft.id))
    edit.replace("23户", "25户", author="WPS用户")
    edit.wrap_in_wps_elements("138人次参赛")
    edit.add_wps_property()
    result = service.reimport("WPS修改稿.docx", edit.save())
    assert result.changed_sections == ["work-care"]
    assert "138人次参赛" in service.get(draft.id).section("work-competition").text


def test_a_shared_colleagues_draft_or_another_units_draft_is_refused_as_not_yours(
    database_url, sign_in, tmp_path
):
    (tmp_path / "corpus").mkdir()
    settings = load_settings(
        data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", database_url=database_url
    )
    local = DraftingService(settings)
    owner = DraftingService(settings, actor=sign_in(local.database, "alice", "红杉医院工会"))
    colleague = DraftingService(settings, actor=sign_in(local.database, "carol", "红杉医院工会"))
    stranger = DraftingService(settings, actor=sign_in(local.database, "bob", "青松中学工会"))
    draft = owner.draft(example_facts(), offline=True)
    owner.share(draft.id)
    edit = WordEdit(owner.export_docx(draft.id))
    edit.replace("23户", "25户")
    edited = edit.save()
    revision = owner.revision(draft.id)

    with pytest.raises(UserError, match="不在您的草稿里"):
        stranger.reimport("修改稿.docx", edited)
    with pytest.raises(UserError, match="只能查看"):
        colleague.reimport("修改稿.docx", edited)

    assert owner.revision(draft.id) == revision
    assert owner.reimport("修改稿.docx", edited).changed_sections == ["work-care"]


def test_a_comment_that_ends_inside_a_tracked_deletion_quotes_only_its_words():
    """A helper's LibreOffice round trip ended a comment inside the deletion beside it: the quoted text
    then ran to the end of the document."""
    from lxml import etree

    from drafting.documents.numbering import W
    from drafting.review.edited import _Reader

    ns = W.strip("{}")
    body = etree.fromstring(
        f'<w:body xmlns:w="{ns}"><w:p><w:commentRangeStart w:id="1"/><w:r><w:t>慰问困难职工</w:t></w:r>'
        '<w:del w:id="9"><w:r><w:delText>18户</w:delText></w:r><w:commentRangeEnd w:id="1"/></w:del>'
        "<w:r><w:t>20户。</w:t></w:r></w:p><w:p><w:r><w:t>下一段不属于批注。</w:t></w:r></w:p></w:body>"
    )
    reader = _Reader()
    reader.block(body, 0)
    assert reader.anchors["1"].strip() == "慰问困难职工" and reader.deleted == 1


def test_a_heading_deleted_in_word_makes_two_sections_one_and_loses_no_word(service, draft):
    """Deleting a section's heading runs its paragraphs on in the section above. Both used to be left as
    they were (the reviewer's edits in them lost); now the two are one, as in the file: the reviewer's
    words once each, both sections' facts, and their text as it was kept as a previous version."""
    before = service.get(draft.id)
    headed = [s for s in before.sections if s.heading]
    upper, lower = headed[0], headed[1]
    assert before.sections.index(lower) == before.sections.index(upper) + 1 and "23户" in lower.text
    edit = WordEdit(service.export_docx(draft.id))
    edit.remove_paragraph(lower.heading)
    edit.replace("23户", "25户")  # an edit in the words that ran on
    result = service.reimport("修改稿.docx", edit.save())

    after = service.get(draft.id)
    assert result.changed_sections == [upper.key] and result.changed_names == [upper.heading]
    assert [s.key for s in after.sections] == [s.key for s in before.sections if s is not lower]
    joined = after.section(upper.key)
    assert joined.heading == upper.heading and joined.facts == upper.facts + lower.facts
    assert joined.text == f"{upper.text}\n\n{lower.text.replace('23户', '25户')}"
    assert joined.previous_versions == [f"{upper.text}\n\n{lower.text}"]
    assert joined.flags == ["25户"] and joined.missing_facts == [lower.facts[0]]  # 23户 no longer written
    assert after.numbered_headings()[headed[2].key].startswith("二、")
    assert after.plain_text().count(lower.text[:30]) == 1
    assert result.notices == [
        f"修改稿删掉了“{lower.heading}”的标题，它的文字接在“{upper.heading}”之后：已按修改稿把它并入“{upper.heading}”，"
        f"成为一部分（一、二、三……随之重新编号），“{lower.heading}”的要点也归入这一部分；合并前的文字保留为这一部分的历史版本。"
        "如要分开，在 Word 里把标题加回原处后重新导入。"
    ]
    assert service.reimport("原样.docx", service.export_docx(draft.id)).changed_sections == []


def test_a_heading_deleted_with_track_changes_makes_two_sections_one_too(service, draft):
    """A tracked deletion leaves the heading's paragraph in the file, emptied, with its bookmark: the
    section was still found there, and the deletion was not taken."""
    headed = [s for s in draft.sections if s.heading]
    upper, lower = headed[0], headed[1]
    edit = WordEdit(service.export_docx(draft.id))
    edit.delete_last_paragraph(draft.numbered_headings()[lower.key])
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == [upper.key] and result.deleted == 1
    assert lower.key not in [s.key for s in after.sections]
    assert after.section(upper.key).text == f"{upper.text}\n\n{lower.text}"


def test_a_heading_deleted_over_words_rewritten_past_knowing_leaves_both_sections_alone(service, draft):
    """Nothing tells the rewritten words as the lower section's: saved in the upper one, they would stand
    there and (as they were) in the lower one too."""
    before = service.get(draft.id)
    headed = [s for s in before.sections if s.heading]
    upper, lower = headed[0], headed[1]
    edit = WordEdit(service.export_docx(draft.id))
    edit.remove_paragraph(lower.heading)
    edit.paragraph_text(lower.text[:12], "全年慰问困难职工，把组织的关怀送到每一位职工身边。")
    result = service.reimport("修改稿.docx", edit.save())
    assert result.changed_sections == [] and service.get(draft.id) == before
    assert result.notices == [
        f"修改稿里分不清“{upper.heading}”“{lower.heading}”的文字在哪里（标题被删改，或文字被挪动、改写得认不出了），"
        "修改稿里对它们的改动没有导入，草稿里它们保持原样，请对照修改稿核对。"
    ]


def test_a_paragraph_moved_out_of_a_section_changed_here_since_is_not_saved_twice(service, draft):
    """That section is a conflict and keeps the paragraph; the one it moved to would have it too."""
    exported = service.export_docx(draft.id)
    care, competition = draft.section("work-care"), draft.section("work-competition")
    service.edit(draft.id, "work-care", care.text.replace("23户", "23户（含退休职工）"))
    before = service.get(draft.id)
    edit = WordEdit(exported)
    edit.move_paragraphs(care.text[:12], "三、", after=competition.text[:12])
    result = service.reimport("修改稿.docx", edit.save())
    assert result.changed_sections == [] and service.get(draft.id) == before
    assert [c.section for c in result.conflicts] == ["work-care", "work-competition"]
    assert "为免同一段出现两次" in result.conflicts[1].message


def test_a_heading_moved_off_its_words_leaves_the_part_holding_them_alone(service, draft):
    """一's heading moved below the plan (its words stay under the opening) and the closing deleted:
    一 cannot be told from the end of the text and is left alone, so the opening, holding its words,
    is too (it was saved with them, and they stood twice)."""
    before = service.get(draft.id)
    democracy = draft.section("work-democracy")
    edit = WordEdit(service.export_docx(draft.id))
    edit.remove_paragraph(draft.sections[-1].text[:12])
    edit.move_paragraphs("一、", democracy.text[:12], after="（二）拟于10月")
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert after.section("opening") == before.section("opening")
    assert after.section("work-democracy") == democracy
    assert after.plain_text().count(democracy.text) == 1
    assert "开头" in result.notices[0] and democracy.heading in result.notices[0]


def test_a_heading_moved_below_the_signature_is_no_traceback(service, draft):
    """Its bookmark stands past the text's end (the import stopped there with an IndexError): the words
    it left run on in the part above, as when the heading is deleted."""
    problems, plan = draft.section("problems"), draft.section("plan")
    edit = WordEdit(service.export_docx(draft.id))
    edit.move_paragraphs("八、", "围绕上述工作", after=draft.default_signature()[1])
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["problems"] and "plan" not in [s.key for s in after.sections]
    assert normal_text(after.section("problems").text) == normal_text(f"{problems.text}\n{plan.text}")


def test_two_headings_deleted_in_word_make_each_pair_one(service, draft):
    """Two headings deleted (two pairs merged): the second pass looked up a section the first had already
    left alone, and the import ended in a KeyError traceback."""
    before = service.get(draft.id)
    headed = [s for s in before.sections if s.heading]
    edit = WordEdit(service.export_docx(draft.id))
    edit.remove_paragraph(headed[1].heading)
    edit.remove_paragraph(headed[3].heading)
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == [headed[0].key, headed[2].key]
    assert [s.key for s in after.sections] == [
        s.key for s in before.sections if s not in (headed[1], headed[3])
    ]
    for upper, lower in ((headed[0], headed[1]), (headed[2], headed[3])):
        assert after.section(upper.key).text == f"{upper.text}\n\n{lower.text}"
    assert all(s.heading in "".join(result.notices) for s in headed[:4])


def test_a_heading_deleted_where_either_part_was_changed_since_the_export_merges_nothing(service, draft):
    exported = service.export_docx(draft.id)
    headed = [s for s in draft.sections if s.heading]
    upper, lower = headed[0], headed[1]
    changed_here = lower.text.replace("23户", "23户（含退休职工）")
    service.edit(draft.id, lower.key, changed_here)
    before = service.get(draft.id)
    edit = WordEdit(exported)
    edit.remove_paragraph(lower.heading)
    result = service.reimport("修改稿.docx", edit.save())
    assert result.changed_sections == [] and service.get(draft.id) == before
    assert [c.section for c in result.conflicts] == [upper.key]
    assert "没有合并" in result.conflicts[0].message and lower.heading in result.conflicts[0].message


def test_a_heading_joined_with_its_first_paragraph_is_still_a_heading_and_its_text(service, draft):
    """The reviewer deleted the break after 四、…: the whole paragraph was taken for the heading and the
    section's text was left empty (its facts then reported as 漏写). Heading and text are told apart."""
    before = service.get(draft.id)
    section = next(s for s in before.sections if s.heading and s.text)
    edit = WordEdit(service.export_docx(draft.id))
    edit.join_with_next(section.heading)
    result = service.reimport("修改稿.docx", edit.save())
    assert result.changed_sections == []
    assert service.get(draft.id) == before


def test_a_heading_extended_in_word_is_the_new_heading(service, draft):
    """加强民主管理 → 加强民主管理和厂务公开 is a new heading, not the old one run into its text."""
    section = next(s for s in service.get(draft.id).sections if s.heading and s.text)
    edit = WordEdit(service.export_docx(draft.id))
    edit.insert_after(section.heading, "和厂务公开")
    result = service.reimport("修改稿.docx", edit.save())
    saved = service.get(draft.id).section(section.key)
    assert result.changed_sections == [section.key]
    assert (saved.heading, saved.text) == (section.heading + "和厂务公开", section.text)


def test_a_heading_added_in_word_starts_a_new_work_section_there(service, draft):
    """九、其他工作 typed in Word was imported as words of the section it stood in (and the plan could hold a
    finished activity); it is a work section of its own now, placed where the reviewer put it."""
    before = service.get(draft.id)
    section = before.section("work-democracy")
    edit = WordEdit(service.export_docx(draft.id))
    edit.paragraph_after(section.text[:12], "全年开展其他活动5次。")
    edit.paragraph_after(section.text[:12], "九、其他工作")
    result = service.reimport("修改稿.docx", edit.save())

    after = service.get(draft.id)
    assert result.changed_sections == ["work-added-1"] and result.changed_names == ["其他工作"]
    added = after.section("work-added-1")
    assert (added.kind, added.heading, added.text, added.facts) == (
        "work",
        "其他工作",
        "全年开展其他活动5次。",
        [],
    )
    assert [s.key for s in after.sections][1:3] == ["work-democracy", "work-added-1"]
    assert after.section("work-democracy") == section
    assert after.numbered_headings()["work-added-1"] == "二、其他工作"
    assert added.flags == ["5次"] and [f.anchor for f in result.findings] == ["5次"]
    assert result.notices == [
        f"修改稿新加了标题“其他工作”，已作为新的一部分导入，排在“{section.heading}”之后（一、二、三……随之重新编号）。"
    ]
    texts = [p.text for p in Document(io.BytesIO(service.export_docx(draft.id))).paragraphs]
    assert texts[texts.index("二、其他工作") + 1] == "全年开展其他活动5次。"
    assert service.reimport("原样.docx", service.export_docx(draft.id)).changed_sections == []


def test_a_section_split_under_a_new_heading_takes_the_facts_it_now_tells(service, draft):
    care = draft.section("work-care")
    told = "春节走访慰问困难职工23户，发放慰问金4.6万元，把组织的温暖送到了职工心坎上。"
    edit = WordEdit(service.export_docx(draft.id))
    edit.paragraph_text(care.text[:12], "工会始终把职工的冷暖放在心上，坚持做职工群众的贴心人。")
    edit.paragraph_after(care.text[:12], told)
    edit.paragraph_after(care.text[:12], "三、做好困难职工帮扶")
    edit.replace("三、以竞赛为平台", "四、以竞赛为平台")  # the reviewer numbers the rest anew
    result = service.reimport("修改稿.docx", edit.save())

    after = service.get(draft.id)
    assert result.changed_sections == ["work-care", "work-added-1"]
    assert after.section("work-care").facts == [] and not after.section("work-care").missing_facts
    added = after.section("work-added-1")
    assert (added.heading, added.text, added.facts) == ("做好困难职工帮扶", told, care.facts)
    assert not added.has_findings and added.theme == "care"
    assert result.notices == [
        "修改稿新加了标题“做好困难职工帮扶”，已作为新的一部分导入，排在“关爱医务人员，切实维护职工合法权益”之后"
        "（一、二、三……随之重新编号），“春节走访慰问困难职工23户，发放慰问金4.6万元”这条要点随之归入这一部分。"
    ]
    assert after.numbered_headings()["work-competition"] == "四、以竞赛为平台，提升医务人员业务技能"


def test_a_heading_added_with_nothing_under_it_asks_for_its_words_and_can_be_written(service, draft):
    edit = WordEdit(service.export_docx(draft.id))
    edit.paragraph_after(draft.section("work-self").text[:12], "七、加强安全生产")
    result = service.reimport("修改稿.docx", edit.save())
    added = service.get(draft.id).section("work-added-1")
    assert (added.heading, added.theme) == ("加强安全生产", "safety")
    assert added.text == "【待补充：请填写这部分的工作情况】" and added.has_findings and not added.flags
    assert result.findings == []  # a marked gap to write, no figure to check
    assert "它下面没有文字，已放上【待补充】，请补写或重新生成" in result.notices[0]
    rewritten = service.regenerate(draft.id, "work-added-1", offline=True)  # no facts: no traceback
    assert "【待补充" in rewritten.section("work-added-1").text


def test_a_heading_added_in_the_plan_stays_its_text_and_says_why(service, draft):
    """The plan's and the problems' 一、二、 are often items: a heading there starts no section."""
    plan = draft.section("plan")
    last = plan.text.strip().split("\n")[-1]
    edit = WordEdit(service.export_docx(draft.id))
    edit.paragraph_after(last[:12], "召开职工代表大会。")
    edit.paragraph_after(last[:12], "三、加强民主管理")
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["plan"] and [s.key for s in after.sections] == [
        s.key for s in draft.sections
    ]
    assert after.section("plan").text.endswith("\n\n三、加强民主管理\n\n召开职工代表大会。")
    assert any(
        "新加的“三、加强民主管理”连同其下文字作为这一部分的正文导入" in notice and "多是条目" in notice
        for notice in result.notices
    )


def test_without_bookmarks_a_retyped_heading_is_the_sections_new_heading(service, draft):
    """The bookmark lost and the heading retyped: the section was not found, and the one above it, holding
    its words, was left alone too. The new heading over its words is its heading now."""
    competition = draft.section("work-competition")
    edit = WordEdit(service.export_docx(draft.id))
    edit.without_bookmarks()
    edit.paragraph_text("三、以竞赛为平台", "三、开展劳动和技能竞赛")
    result = service.reimport("修改稿.docx", edit.save())
    after = service.get(draft.id)
    assert result.changed_sections == ["work-competition"] and not result.notices
    assert (after.section("work-competition").heading, after.section("work-competition").text) == (
        "开展劳动和技能竞赛",
        competition.text,
    )
    assert [s.key for s in after.sections] == [s.key for s in draft.sections]


def test_an_older_file_brings_back_no_section_made_one_or_added_since(service, draft):
    """A copy exported before two sections were made one (and a third added) still has the old heading and
    lacks the new one: its 二、 reads as a new heading over words the draft already has, and is not added
    again; the section added since keeps its place."""
    older = service.export_docx(draft.id)
    headed = [s for s in draft.sections if s.heading]
    edit = WordEdit(service.export_docx(draft.id))
    edit.remove_paragraph(headed[1].heading)
    edit.paragraph_after(draft.section("work-self").text[:12], "全年开展安全生产检查。")
    edit.paragraph_after(draft.section("work-self").text[:12], "七、加强安全生产")
    service.reimport("甲.docx", edit.save())
    merged = service.get(draft.id)
    assert headed[1].key not in [s.key for s in merged.sections] and merged.section("work-added-1")

    edit = WordEdit(older)
    edit.replace("138人次参赛", "138人次参加")
    result = service.reimport("乙.docx", edit.save())
    after = service.get(draft.id)
    assert (
        result.changed_sections == ["work-competition"]
        and "138人次参加" in after.section("work-competition").text
    )
    assert [s.key for s in after.sections] == [s.key for s in merged.sections]
    assert [c.section for c in result.conflicts] == ["work-added-2"]
    assert "为免重复，没有把它作为新的一部分导入" in result.conflicts[0].message
    assert after.plain_text().count(headed[1].text) == 1


def test_imported_paragraphs_stand_apart_as_the_drafted_ones_do(service, draft):
    """A paragraph split in Word, a new heading's two paragraphs: stored joined by one newline, they ran
    together in `drafting show`'s Markdown; they are kept a blank line apart, as the drafting writes them."""
    before = service.get(draft.id)
    care = next(line for line in before.section("work-care").text.split("\n") if CARE in line)
    first, rest = care.split("。", 1)
    edit = WordEdit(service.export_docx(draft.id))
    edit.retype_paragraph(care, first + "。")
    edit.paragraph_after(first, rest)
    section = before.section("work-democracy")
    edit.paragraph_after(section.text[:12], "全年开展其他活动5次。")
    edit.paragraph_after(section.text[:12], "参与职工300人次。")
    edit.paragraph_after(section.text[:12], "九、其他工作")
    service.reimport("修改稿.docx", edit.save())

    after = service.get(draft.id)
    assert after.section("work-added-1").text == "参与职工300人次。\n\n全年开展其他活动5次。"
    assert f"{first}。\n\n{rest}" in after.section("work-care").text
    assert "\n" not in after.section("work-care").text.replace("\n\n", "")
    shown = after.markdown()
    assert f"{first}。\n\n{rest}" in shown and "参与职工300人次。\n\n全年开展其他活动5次。" in shown


def test_a_section_deleted_whole_is_kept_and_said_plainly_and_the_cli_claims_no_clean_import(
    service, draft, tmp_path, capsys
):
    """五 deleted with its text, the headings after it renumbered: the part stays (a deletion may be an
    accident), and the notice said only “找不到这些部分的位置（标题或书签被删改）” while stdout said “没有改动”."""
    before = service.get(draft.id)
    edit = WordEdit(service.export_docx(draft.id))
    edit.remove_paragraphs("五、", "六、")
    for old, new in (("六、", "五、"), ("七、", "六、"), ("八、", "七、")):
        edit.replace(old, new)
    path = tmp_path / "修改稿.docx"
    path.write_bytes(edit.save())
    assert main(["reimport", str(path)]) == 0
    printed = capsys.readouterr()
    assert service.get(draft.id) == before
    heading = before.numbered_headings()["work-culture"]
    notice = (
        f"修改稿里没有“{heading}”这一部分（整部分被删去了？）。为免误删，导入不会删去整个部分，草稿仍保留它，"
        "以后导出的 Word 文件里也还有它；如确实不要这一部分，请在最后定稿的 Word 文件里删去。"
    )
    assert heading.startswith("五、") and f"提示：{notice}" in printed.out
    assert "没有改动" not in printed.out and "书签" not in printed.out + printed.err
    assert f"草稿 {draft.id} 没有保存新版本，修改稿里有没有导入的内容" in printed.out

    path.write_bytes(service.export_docx(draft.id))
    assert main(["reimport", str(path)]) == 0
    assert f"修改稿里没有改动，草稿 {draft.id} 保持原样。" in capsys.readouterr().out


def test_the_same_file_imported_twice_says_it_was_imported_before(service, draft, tmp_path, capsys):
    """The second import of one file looked like a new one: “又保存过 1 次：已逐部分合并” on the command
    line (that save was its own first import), a green “已导入到草稿” in the app."""
    from streamlit.testing.v1 import AppTest

    edit = WordEdit(service.export_docx(draft.id))
    edit.replace("23户", "25户")
    edit.comment("4.6万元", "金额请与财务核对")
    path = tmp_path / "修改稿.docx"
    path.write_bytes(edit.save())
    assert main(["reimport", str(path)]) == 0
    first = capsys.readouterr().out
    assert "已保存" in first and "已经导入过" not in first
    revision = service.revision(draft.id)

    assert main(["reimport", str(path)]) == 0
    again = capsys.readouterr().out
    assert again.startswith(f"这份修改稿已经导入过，没有新的改动，草稿 {draft.id} 保持原样。\n")
    assert (
        "又保存过" not in again
        and "已逐部分合并" not in again
        and "批注（李主任）：金额请与财务核对" in again
    )
    assert service.revision(draft.id) == revision
    result = service.reimport("修改稿.docx", path.read_bytes())
    assert result.already_imported and result.to_json()["already_imported"] is True

    untouched = service.reimport("原样.docx", service.export_docx(draft.id))  # nothing in it to import
    assert not untouched.already_imported and untouched.changed_sections == []

    def page() -> None:
        import streamlit as st

        from app.word_panel import _imported

        _imported(st.session_state["result"])

    app = AppTest.from_function(page)
    app.session_state["result"] = result.to_json()
    app.run()
    assert not app.exception and not app.success
    assert (
        app.info[0].value == f"这份修改稿已经导入过，没有新的改动，草稿 {draft.id} 保持原样；审阅批注 1 条。"
    )


def test_the_cli_says_not_imported_only_for_content_not_imported_and_prints_it_under_a_save_too(
    service, draft, tmp_path, capsys
):
    """Any notice made the command line say “没有保存新版本，修改稿里有没有导入的内容”: also an unchanged file
    whose properties were lost (only “按标题和内容认定为草稿…请确认”) and one with only many comments. And
    with a save, the words below the 落款 that were not imported went to stderr only."""
    from drafting.review.reimport import MANY_COMMENTS as MANY

    path = tmp_path / "修改稿.docx"
    edit = WordEdit(service.export_docx(draft.id))
    edit.without_custom_properties()
    path.write_bytes(edit.save())
    assert main(["reimport", str(path)]) == 0
    printed = capsys.readouterr()
    assert f"修改稿里没有改动，草稿 {draft.id} 保持原样。" in printed.out and "没有导入" not in printed.out
    assert "按标题和内容认定为草稿" in printed.err and "按标题和内容认定为草稿" not in printed.out

    edit = WordEdit(service.export_docx(draft.id))
    for n in range(MANY + 1):
        edit.comment("23户", f"第{n}条")
    path.write_bytes(edit.save())
    assert main(["reimport", str(path)]) == 0
    printed = capsys.readouterr()
    assert f"修改稿里没有改动，草稿 {draft.id} 保持原样。" in printed.out and "没有导入" not in printed.out
    assert f"修改稿里有 {MANY + 1} 条批注，已全部收录" in printed.err
    assert main(["reimport", str(path), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["not_imported"] == [] and len(shown["notices"]) == 1

    name, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    edit.replace("23户", "25户")
    edit.paragraph_after(date, "附件：2025年工会经费收支情况表")
    path.write_bytes(edit.save())
    assert main(["reimport", str(path)]) == 0
    printed = capsys.readouterr()
    assert "已保存，修改的部分：" in printed.out and "修改稿里还有没有导入的内容" in printed.out
    assert "提示：修改稿在落款之后加了“附件：2025年工会经费收支情况表”" in printed.out
    assert "落款之后" not in printed.err
    result = service.reimport("修改稿.docx", path.read_bytes())
    assert (
        result.not_imported == [n for n in result.notices if "落款之后" in n]
        and len(result.not_imported) == 1
    )
    assert result.to_json()["not_imported"] == result.not_imported

    from streamlit.testing.v1 import AppTest

    def page() -> None:
        import streamlit as st

        from app.word_panel import _imported

        _imported(st.session_state["result"])

    app = AppTest.from_function(page)
    app.session_state["result"] = result.to_json()
    app.run()
    assert not app.exception and [w.value for w in app.warning] == result.not_imported  # no mere 提示
