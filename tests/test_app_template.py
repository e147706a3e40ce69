"""The unit's Word template on 设置 (issue 20), through AppTest: upload, see it named, export with it, and
remove it; a file with no place for the text is refused in Chinese and nothing changes."""

import html
import io

from docx import Document
from streamlit.testing.v1 import AppTest

from drafting.service import DraftingService
from drafting.settings import load_settings
from drafting.writing.facts import parse_facts
from tests.apppages import go
from tests.conftest import ROOT
from tests.test_unit_template import RED_HEADER, unit_template

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_an_admin_uploads_uses_and_removes_the_units_template(tmp_path, monkeypatch):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    service = DraftingService(load_settings(data_dir=tmp_path / "data"))
    draft = service.draft(
        parse_facts({"organization": "红杉医院工会", "period": "2025年", "facts": ["召开职代会"]}),
        offline=True,
    )
    at = go(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run(), "设置")
    assert any("未上传模板" in c.value for c in at.caption)

    at.file_uploader(key="template_file").upload(
        "没有正文位置.docx", unit_template(placeholder=False), DOCX
    ).run()
    at.button(key="template_save").click().run()
    assert any("没有正文位置" in e.value for e in at.error) and service.unit_template() is None

    at.file_uploader(key="template_file").set_value(("本院模板.docx", unit_template(), DOCX)).run()
    at.button(key="template_save").click().run()
    assert not at.exception and any("正在使用：本院模板.docx" in html.unescape(c.value) for c in at.caption)
    exported = Document(io.BytesIO(service.export_docx(draft.id)))
    assert exported.paragraphs[0].text == RED_HEADER

    at.button(key="template_remove").click().run()
    assert service.unit_template() is None and any("未上传模板" in c.value for c in at.caption)
