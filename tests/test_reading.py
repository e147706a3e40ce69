"""Bad input files get a Chinese message; GBK and UTF-16 text is read correctly."""

import io
import zipfile

import pytest
from docx import Document

from drafting.errors import UserError
from drafting.reading import read_document, read_document_bytes

REPORT = (
    "某学校工会2025年工作总结\n\n"
    + "一、民主管理\n\n召开教代会，审议通过集体合同，推进校务公开，保障教职工的知情权、参与权和监督权。" * 3
)


def test_gbk_and_gb18030_text_is_decoded(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(REPORT.encode("gbk"))
    assert read_document(path) == REPORT
    assert read_document_bytes("r.txt", REPORT.encode("gb18030")) == REPORT


def test_utf8_bom_and_utf16_are_decoded():
    assert read_document_bytes("r.txt", b"\xef\xbb\xbf" + REPORT.encode()) == REPORT
    assert read_document_bytes("r.md", REPORT.encode("utf-16")) == REPORT


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"   \n", "空文件"),
        ("bin.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00" + bytes(range(256)) * 10, "二进制"),
        ("huge.txt", "工会".encode() * (3 * 1024 * 1024), "超过 5 MB"),
        ("report.pdf", b"%PDF-1.4", "格式不支持"),
        ("fake.docx", REPORT.encode(), "不是有效的 Word"),
        ("latin.txt", b"hello world, no chinese here at all " * 10, "几乎没有中文"),
    ],
)
def test_bad_files_are_refused_in_chinese(name, data, message):
    with pytest.raises(UserError, match=message):
        read_document_bytes(name, data)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(UserError, match="找不到文件"):
        read_document(tmp_path / "nope.txt")
    with pytest.raises(UserError, match="文件夹"):
        read_document(tmp_path)


def _docx_bytes(paragraphs: list[str]) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_paragraphs_are_read():
    text = read_document_bytes("r.docx", _docx_bytes(REPORT.split("\n\n")))
    assert text == REPORT


def test_docx_zip_bomb_is_refused_without_inflating():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
    with pytest.raises(UserError, match="压缩炸弹"):
        read_document_bytes("bomb.docx", buffer.getvalue())


def test_docx_with_broken_xml_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not xml")
        archive.writestr("word/document.xml", "<not xml")
    with pytest.raises(UserError, match="无法解析|不是有效"):
        read_document_bytes("broken.docx", buffer.getvalue())
