"""A file that really went through LibreOffice: exported, converted to .odt and edited there, converted
back with `soffice --headless --convert-to docx`, then re-imported. And a commented export opens in
LibreOffice (it converts to PDF without error)."""

import zipfile
from pathlib import Path

from tests.roundtrip_fixtures import offline_draft, offline_service  # noqa: F401


def edit_odt(path: Path, old: str, new: str) -> Path:
    """Change words in the .odt's content.xml, as typing in LibreOffice Writer does (no tracked change)."""
    edited = path.with_name(f"{path.stem}-edited.odt")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(edited, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "content.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode())
            # the mimetype entry must stay first and stored
            target.writestr(
                info, data, zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            )
    return edited


def test_a_file_edited_in_libreoffice_comes_back_as_a_new_version_of_its_section(
    service, draft, soffice, tmp_path
):
    exported = tmp_path / "draft.docx"
    exported.write_bytes(service.export_docx(draft.id))
    odt = edit_odt(soffice(exported, "odt"), "138人次参赛", "150人次参赛")
    back = soffice(odt, "docx")

    result = service.reimport(back.name, back.read_bytes())

    assert result.draft_id == draft.id and result.from_version == result.version - 1
    assert result.changed_sections == ["work-competition"]
    assert "150人次参赛" in service.get(draft.id).section("work-competition").text
    assert any(f.anchor == "150人次" and f.kind == "unsupported" for f in result.findings)


def test_a_commented_export_opens_in_libreoffice(service, draft, soffice, tmp_path):
    service.edit(draft.id, "work-care", draft.section("work-care").text.replace("23户", "25户"))
    exported = tmp_path / "commented.docx"
    exported.write_bytes(service.export_docx(draft.id, comments=True))
    pdf = soffice(exported, "pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def through_libreoffice(soffice, data: bytes, path: Path) -> bytes:  # noqa: ANN001 - the fixture
    """An edited .docx opened in LibreOffice Writer and saved again (by way of .odt, its own format)."""
    path.write_bytes(data)
    return soffice(soffice(path, "odt"), "docx").read_bytes()


def test_a_deleted_and_a_joint_signature_come_back_from_libreoffice(service, draft, soffice, tmp_path):
    """The bookmarks that mark where the 落款 stands (after the text, before a template's 版记) survive
    LibreOffice: a 落款 deleted there is gone, a joint one names both units."""
    from tests.test_unit_template import COLOPHON, unit_template
    from tests.word_edits import WordEdit

    service.set_unit_template("本院模板.docx", unit_template())
    name, date = draft.default_signature()
    edit = WordEdit(service.export_docx(draft.id))
    edit.paragraph_before_last(name, "江北市卫生健康委员会")
    back = through_libreoffice(soffice, edit.save(), tmp_path / "联合落款.docx")
    result = service.reimport("联合落款.docx", back)
    after = service.get(draft.id)
    assert result.changed_sections == ["signature"] and after.sections == draft.sections
    assert after.signed_by == f"江北市卫生健康委员会\n{name}"

    edit = WordEdit(service.export_docx(draft.id))
    for line in ("江北市卫生健康委员会", name, date):
        edit.retype_paragraph(line, "")
    back = through_libreoffice(soffice, edit.save(), tmp_path / "删去落款.docx")
    result = service.reimport("删去落款.docx", back)
    after = service.get(draft.id)
    assert result.changed_sections == ["signature"] and after.unsigned and after.sections == draft.sections
    assert "修改稿删去了落款" in result.notices[-1]
    assert not any(line in COLOPHON for line in after.plain_text().splitlines())


def test_a_heading_deleted_and_one_added_come_back_from_libreoffice(service, draft, soffice, tmp_path):
    """Two sections made one and a new one added, in a file LibreOffice saved: its bookmarks and
    paragraphs read as Word's do."""
    from tests.word_edits import WordEdit

    headed = [s for s in draft.sections if s.heading]
    edit = WordEdit(service.export_docx(draft.id))
    edit.remove_paragraph(headed[1].heading)
    edit.paragraph_after(draft.section("work-self").text[:12], "全年开展安全生产检查。")
    edit.paragraph_after(draft.section("work-self").text[:12], "七、加强安全生产")
    back = through_libreoffice(soffice, edit.save(), tmp_path / "结构.docx")
    result = service.reimport("结构.docx", back)

    after = service.get(draft.id)
    assert result.changed_sections == [headed[0].key, "work-added-1"]
    assert after.section(headed[0].key).text == f"{headed[0].text}\n\n{headed[1].text}"
    assert (after.section("work-added-1").heading, after.section("work-added-1").text) == (
        "加强安全生产",
        "全年开展安全生产检查。",
    )
    assert after.numbered_headings()["work-added-1"] == "六、加强安全生产"
