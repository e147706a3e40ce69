"""The unit's own Word template: an administrator stores it, every export of the unit uses it (红头 before
the draft, 版记 after, its margins and styles), and GB/T 9704 stays the default."""

import io

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Mm

from drafting.errors import UserError
from drafting.service import DraftingService
from drafting.settings import load_settings
from tests.roundtrip_fixtures import example_facts, offline_draft, offline_service  # noqa: F401
from tests.word_edits import WordEdit

RED_HEADER = "红杉医院工会文件"
COLOPHON = ["抄送：院党委办公室。", "红杉医院工会办公室　　2025年12月1日印发"]


def unit_template(placeholder: bool = True) -> bytes:
    document = Document()
    section = document.sections[0]
    section.left_margin = section.right_margin = Mm(31)
    document.styles.add_style("公文正文", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph(RED_HEADER)
    if placeholder:
        document.add_paragraph("{{正文}}")
    for line in COLOPHON:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def opened(data: bytes) -> Document:
    return Document(io.BytesIO(data))


def test_exports_use_the_stored_template_and_a_reimport_ignores_its_header_and_colophon(service, draft):
    service.set_unit_template("本院模板.docx", unit_template())
    data = service.export_docx(draft.id)

    document = opened(data)
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == RED_HEADER and texts[1] == draft.title and texts[-2:] == COLOPHON
    assert "{{正文}}" not in texts
    assert round(document.sections[0].left_margin.mm) == 31
    body = next(p for p in document.paragraphs if "23户" in p.text)
    assert body.style.name == "公文正文"  # the template's own body style
    title = document.paragraphs[1]
    assert (
        title.style.name != "公文标题" and title.runs[0].font.name == "方正小标宋简体"
    )  # GB/T where it has none

    closing = draft.sections[-1]
    edit = WordEdit(data)
    edit.paragraph_text(closing.text[:20], "新的结尾。")
    result = service.reimport("修改稿.docx", edit.save())
    assert result.changed_sections == [closing.key]
    assert service.get(draft.id).sections[-1].text == "新的结尾。"


def test_without_a_template_exports_keep_the_gbt_9704_layout(service, draft):
    document = opened(service.export_docx(draft.id))
    assert round(document.sections[0].left_margin.mm) == 28 and document.paragraphs[0].text == draft.title
    service.set_unit_template("本院模板.docx", unit_template())
    service.remove_unit_template()
    assert service.unit_template() is None
    assert opened(service.export_docx(draft.id)).paragraphs[0].text == draft.title


def test_a_template_without_a_place_for_the_text_or_with_macros_is_refused(service):
    with pytest.raises(UserError, match=r"单独写一段“\{\{正文\}\}”"):
        service.set_unit_template("没有正文位置.docx", unit_template(placeholder=False))
    with pytest.raises(UserError, match="启用了宏"):
        service.set_unit_template("宏.docm", unit_template())
    with pytest.raises(UserError, match="不是有效的 Word"):
        service.set_unit_template("假的.docx", b"not a zip")
    twice = Document(io.BytesIO(unit_template()))
    twice.add_table(rows=1, cols=1).cell(0, 0).text = "{{正文}}"  # a second place: it would be exported as is
    buffer = io.BytesIO()
    twice.save(buffer)
    with pytest.raises(UserError, match=r"有 2 处“\{\{正文\}\}”，正文只能放在一处"):
        service.set_unit_template("两处.docx", buffer.getvalue())
    assert service.unit_template() is None


def test_only_an_administrator_stores_the_template_and_each_unit_has_its_own(database_url, sign_in, tmp_path):
    (tmp_path / "corpus").mkdir()
    settings = load_settings(
        data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus", database_url=database_url
    )
    local = DraftingService(settings)
    admin = DraftingService(settings, actor=sign_in(local.database, "root", "红杉医院工会", admin=True))
    member = DraftingService(settings, actor=sign_in(local.database, "alice", "红杉医院工会"))
    other_unit = DraftingService(settings, actor=sign_in(local.database, "bob", "青松中学工会"))

    with pytest.raises(UserError, match="只有管理员"):
        member.set_unit_template("本院模板.docx", unit_template())
    admin.set_unit_template("本院模板.docx", unit_template())

    assert member.unit_template().name == "本院模板.docx"
    assert other_unit.unit_template() is None
    mine = member.draft(example_facts(), offline=True)
    theirs = other_unit.draft(example_facts(), offline=True)
    assert opened(member.export_docx(mine.id)).paragraphs[0].text == RED_HEADER
    assert opened(other_unit.export_docx(theirs.id)).paragraphs[0].text == theirs.title


def test_the_evidence_appendix_comes_before_the_templates_colophon(service, draft):
    from drafting.output.evidence import APPENDIX_TITLE

    service.set_unit_template("本院模板.docx", unit_template())
    document = opened(service.export_docx(draft.id, evidence=True))
    body = [
        element.tag.rsplit("}", 1)[1]
        for element in document.element.body
        if not element.tag.endswith("sectPr")
    ]
    texts = [p.text for p in document.paragraphs]
    assert texts[-2:] == COLOPHON  # the 版记 stays the document's last part
    assert texts.index(APPENDIX_TITLE) < texts.index(COLOPHON[0])
    assert body[-3:] == ["tbl", "p", "p"]  # the table, then the two lines of the 版记
