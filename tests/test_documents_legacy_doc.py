"""Word 97–2003 .doc and WPS .wps files through antiword, and the messages when that cannot work.

No library writes .doc files, so word97() below builds a minimal real one: an OLE compound file
holding a WordDocument stream (FIB + UTF-16 text) and a 1Table stream (piece table, empty style
sheet, font table and document properties), which is what antiword and Word read.
"""

import os
import shutil
import struct
from dataclasses import replace

import pytest

from drafting.documents import legacy_doc, read_document, read_document_bytes
from drafting.errors import UserError

SECTOR = 512
FREE, END_OF_CHAIN, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
PARAGRAPHS = [
    "江南区第三中学工会2023年度工作总结",
    "一、加强民主管理",
    "全年召开教职工代表大会两次，审议通过集体合同。各工会小组共收集提案36件，全部按期办结答复。",
    "二、组织劳动竞赛",
    "开展岗位建功劳动竞赛，参赛班组52个，收到合理化建议143条，为学校节约经费12.5万元。",
]


@pytest.fixture
def antiword() -> None:
    """antiword must be there under CI (the project installs it); a developer without it gets a skip."""
    if shutil.which("antiword") is None:
        if os.environ.get("CI"):
            pytest.fail("antiword is required under CI: apt-get install antiword")
        pytest.skip("antiword is not installed")


def word97(paragraphs: list[str], encrypted: bool = False) -> bytes:
    """A Word 97 document whose body is `paragraphs`, one paragraph each."""
    text = "\r".join(paragraphs) + "\r"
    body = text.encode("utf-16-le")
    text_at = 0x800
    word = bytearray(max(4096, -(-(text_at + len(body)) // SECTOR) * SECTOR))
    piece_table = struct.pack("<II", 0, len(text)) + struct.pack("<HIH", 0, text_at, 0)  # one Unicode piece
    clx = b"\x02" + struct.pack("<I", len(piece_table)) + piece_table
    style_sheet = struct.pack("<H", 18) + bytes(18)
    fonts = struct.pack("<HH", 0, 0)
    properties = bytes(0x220)
    fib = bytearray(0x200)
    struct.pack_into("<HH", fib, 0x00, 0xA5EC, 0x00C1)  # Word 8 magic and nFib
    struct.pack_into("<H", fib, 0x0A, 0x0200 | (0x0100 if encrypted else 0))  # fWhichTblStm=1, fEncrypted
    struct.pack_into("<II", fib, 0x18, text_at, text_at + len(body))  # fcMin, fcMac
    struct.pack_into("<I", fib, 0x4C, len(text))  # ccpText
    offset = 0
    for at, part in ((0x1A2, clx), (0xA2, style_sheet), (0x112, fonts), (0x192, properties)):
        struct.pack_into("<II", fib, at, offset, len(part))  # fc/lcb of each structure in 1Table
        offset += len(part)
    word[: len(fib)] = fib
    word[text_at : text_at + len(body)] = body
    table = (clx + style_sheet + fonts + properties).ljust(4096, b"\0")
    return compound_file({"WordDocument": bytes(word), "1Table": table})


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An OLE2 compound file (v3, 512-byte sectors) holding streams of whole sectors, at least 4096 bytes."""
    fat = [FAT_SECTOR, END_OF_CHAIN]  # sector 0 holds the FAT, sector 1 the directory
    starts, sectors = {}, []
    for name, data in streams.items():
        count = len(data) // SECTOR
        starts[name] = len(fat)
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [END_OF_CHAIN]
        sectors += [data[i * SECTOR : (i + 1) * SECTOR] for i in range(count)]
    fat_sector = b"".join(struct.pack("<I", entry) for entry in fat + [FREE] * (128 - len(fat)))

    def entry(
        name: str, kind: int, child: int = FREE, right: int = FREE, start: int = END_OF_CHAIN, size: int = 0
    ):
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", FREE, right, child)
            + bytes(36)
            + struct.pack("<II", start, size)
            + bytes(4)
        )

    names = list(streams)
    directory = entry("Root Entry", 5, child=1)
    for index, name in enumerate(names):
        right = index + 2 if index + 1 < len(names) else FREE
        directory += entry(name, 2, right=right, start=starts[name], size=len(streams[name]))
    header = bytearray(SECTOR)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<8I", header, 0x2C, 1, 1, 0, 4096, END_OF_CHAIN, 0, END_OF_CHAIN, 0)
    header[0x4C:] = struct.pack("<I", 0) + b"\xff" * (SECTOR - 0x50)
    return bytes(header) + fat_sector + directory.ljust(SECTOR, b"\0") + b"".join(sectors)


@pytest.mark.usefixtures("antiword")
def test_word97_doc_is_read(tmp_path):
    path = tmp_path / "2023年总结.doc"
    path.write_bytes(word97(PARAGRAPHS))
    assert read_document(path) == "\n\n".join(PARAGRAPHS)


@pytest.mark.usefixtures("antiword")
def test_wps_file_in_word_format_is_read():
    assert read_document_bytes("总结.wps", word97(PARAGRAPHS)) == "\n\n".join(PARAGRAPHS)


def test_antiword_table_rows_become_cell_rows():
    assert (
        legacy_doc._paragraphs("[pic]\n|项目 |数量 |\n|参赛班组|52个|\n\n正文")
        == "项目｜数量\n\n参赛班组｜52个\n\n正文"
    )


@pytest.mark.usefixtures("antiword")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (word97(PARAGRAPHS, encrypted=True), "打开密码"),
        (compound_file({"Contents": bytes(4096)}), "不是能识别的 Word 97–2003 文件"),
    ],
)
def test_unreadable_legacy_files_get_a_chinese_message(data, message):
    with pytest.raises(UserError, match=message):
        read_document_bytes("old.wps", data)


def test_a_doc_whose_text_antiword_cannot_find_says_how_to_read_it():
    """A LibreOffice .doc holding only a table, or a short text: antiword finds no text stream; the message
    was 没有正文内容, then blamed an empty file or a table for a short 简报 that had text."""
    stderr = "I'm afraid the text stream of this file is too small to handle."
    assert legacy_doc._explain_failure("表格月报.doc", stderr) == (
        "“表格月报.doc”里读不出正文：读取 .doc 的程序（antiword）读不了空的、正文很短（一两百字）或只有表格的文件，"
        "请在 Word 或 WPS 中打开后另存为 .docx 再导入。"
    )


@pytest.mark.usefixtures("antiword")
def test_antiword_running_too_long_is_stopped(monkeypatch):
    monkeypatch.setattr(legacy_doc, "LIMITS", replace(legacy_doc.LIMITS, wall_seconds=0.001))
    with pytest.raises(UserError, match="处理超时"):
        read_document_bytes("slow.doc", word97(PARAGRAPHS))


def test_missing_antiword_says_how_to_fix_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UserError, match=r"没有安装 antiword.*apt-get install antiword.*另存为 \.docx"):
        read_document_bytes("old.doc", word97(PARAGRAPHS))


def test_a_cell_antiword_wrapped_onto_the_next_line_stays_in_its_row():
    """antiword pads each cell to its column and wraps a longer text onto a line of its own, the row's
    other cells blank there: 参赛不少于200 / 人 is one cell, not a row 人. A blank cell in a row of its own
    (a merged 部门 cell) under a cell that did not fill its column starts a new row."""
    drawn = (
        "|序号 |工作内容                       |完成时限 |\n"
        "|2    |开展职工技能比武，参赛不少于200|9月     |\n"
        "|     |人                             |         |\n"
        "|     |建成职工书屋                   |12月    |\n"
    )
    assert legacy_doc._paragraphs(drawn) == (
        "序号｜工作内容｜完成时限\n\n2｜开展职工技能比武，参赛不少于200人｜9月\n\n建成职工书屋｜12月"
    )


@pytest.mark.usefixtures("antiword")
def test_a_plan_table_saved_by_libreoffice_as_doc_keeps_its_wrapped_cells(soffice, tmp_path):
    """A .doc that went through LibreOffice: the long cell wraps in antiword's drawing of the table."""
    import docx

    document = docx.Document()
    document.add_paragraph("二、2026年工作计划")
    table = document.add_table(rows=0, cols=3)
    for row in (
        ("序号", "工作内容", "完成时限"),
        ("1", "开展职工技能比武，参赛职工不少于两百人次以上", "9月"),
    ):
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value
    document.save(tmp_path / "plan.docx")
    converted = soffice(tmp_path / "plan.docx", "doc")
    text = legacy_doc.read_legacy_word(converted.name, converted.read_bytes())
    assert "1｜开展职工技能比武，参赛职工不少于两百人次以上｜9月" in text.split("\n\n"), text
