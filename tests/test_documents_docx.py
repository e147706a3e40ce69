""".docx files read as a person sees them: automatic numbering typed out, tables, text boxes, no
headers/footers/comments/deleted text; hostile archives (entities, lying zip bombs) refused."""

import io
import json
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from drafting.documents import read_document, read_document_bytes
from drafting.documents.numbering import format_number
from drafting.errors import UserError

W_NS = nsdecls("w")
BODY = "召开教代会，审议通过集体合同，推进校务公开，保障教职工的知情权、参与权和监督权。"

# One outline numbering: 一、 / （一） / 1. / （1） / ①, with levels 0-1 tied to Heading 1-2 styles.
OUTLINE = f"""
<w:abstractNum {W_NS} w:abstractNumId="90">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:pStyle w:val="Heading1"/>
    <w:lvlText w:val="%1、"/><w:suff w:val="nothing"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCountingThousand"/><w:pStyle w:val="Heading2"/>
    <w:lvlText w:val="（%2）"/><w:suff w:val="nothing"/></w:lvl>
  <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>
  <w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="（%4）"/></w:lvl>
  <w:lvl w:ilvl="4"><w:start w:val="1"/><w:numFmt w:val="decimalEnclosedCircle"/><w:lvlText w:val="%5"/></w:lvl>
</w:abstractNum>"""
OTHER_LISTS = f"""
<w:abstractNum {W_NS} w:abstractNumId="91">
  <w:lvl w:ilvl="0"><w:start w:val="3"/><w:numFmt w:val="ideographTraditional"/><w:lvlText w:val="%1、"/></w:lvl>
</w:abstractNum>"""
LETTERS = f"""
<w:abstractNum {W_NS} w:abstractNumId="92">
  <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%1)"/></w:lvl>
  <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/>
    <w:lvlRestart w:val="0"/><w:suff w:val="space"/></w:lvl>
</w:abstractNum>"""
NUMS = [
    f'<w:num {W_NS} w:numId="90"><w:abstractNumId w:val="90"/></w:num>',
    f'<w:num {W_NS} w:numId="91"><w:abstractNumId w:val="91"/></w:num>',
    f'<w:num {W_NS} w:numId="92"><w:abstractNumId w:val="92"/></w:num>',
    f'<w:num {W_NS} w:numId="93"><w:abstractNumId w:val="92"/></w:num>',  # continues list 92
    f'<w:num {W_NS} w:numId="94"><w:abstractNumId w:val="92"/>'
    '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>',  # restarts it
]


def _install_numbering(document) -> None:
    numbering = document.part.numbering_part.element
    for position, xml in enumerate((OUTLINE, OTHER_LISTS, LETTERS)):
        numbering.insert(position, parse_xml(xml))
    for xml in NUMS:
        numbering.append(parse_xml(xml))
    for style_id, level in (("Heading1", 0), ("Heading2", 1)):
        style = document.styles.element.get_by_id(style_id)
        style.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {W_NS}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
        )


def _numbered(paragraph, num_id: int, ilvl: int) -> None:
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W_NS}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')
    )


def _save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_format_number_covers_the_chinese_styles():
    assert [format_number(n, "chineseCounting") for n in (1, 10, 11, 20, 23, 100, 101, 110)] == [
        "一", "十", "十一", "二十", "二十三", "一百", "一百零一", "一百一十",
    ]  # fmt: skip
    assert format_number(12, "chineseCountingThousand") == "十二"
    assert [format_number(n, "ideographTraditional") for n in (1, 3, 10, 11)] == ["甲", "丙", "癸", "甲"]
    assert [format_number(n, "decimalEnclosedCircle") for n in (1, 9, 20, 21)] == ["①", "⑨", "⑳", "21"]
    assert [format_number(n, "lowerLetter") for n in (1, 26, 27)] == ["a", "z", "aa"]
    assert format_number(14, "upperRoman") == "XIV"
    assert format_number(7, "someFutureFormat") == "7"


def test_automatic_numbering_is_typed_out_with_word_counters():
    document = Document()
    _install_numbering(document)
    document.add_paragraph("江南区第三中学工会2023年度工作总结")
    document.add_heading("加强民主管理", level=1)
    document.add_heading("召开教代会", level=2)
    _numbered(document.add_paragraph("审议集体合同"), 90, 2)
    _numbered(document.add_paragraph("落实校务公开"), 90, 2)
    _numbered(document.add_paragraph("收集提案36件"), 90, 3)
    _numbered(document.add_paragraph("全部办结"), 90, 4)
    _numbered(document.add_paragraph("按期答复"), 90, 4)
    document.add_heading("组织劳动竞赛", level=2)
    _numbered(document.add_paragraph("参赛班组52个"), 90, 2)
    document.add_paragraph(BODY)
    document.add_heading("关心职工生活", level=1)
    document.add_heading("开展送温暖活动", level=2)
    _numbered(document.add_paragraph("走访困难职工"), 91, 0)
    _numbered(document.add_paragraph("发放慰问金"), 91, 0)
    _numbered(document.add_paragraph("第一项"), 92, 0)
    _numbered(document.add_paragraph("第一项的细目"), 92, 1)
    _numbered(document.add_paragraph("续前一列表"), 93, 0)
    _numbered(document.add_paragraph("不随上级重新编号"), 93, 1)
    _numbered(document.add_paragraph("重新开始的列表"), 94, 0)

    text = read_document_bytes("numbered.docx", _save(document))

    assert text.split("\n\n") == [
        "江南区第三中学工会2023年度工作总结",
        "一、加强民主管理",
        "（一）召开教代会",
        "1. 审议集体合同",
        "2. 落实校务公开",
        "（1）收集提案36件",
        "①全部办结",
        "②按期答复",
        "（二）组织劳动竞赛",
        "1. 参赛班组52个",
        BODY,
        "二、关心职工生活",
        "（一）开展送温暖活动",
        "丙、走访困难职工",
        "丁、发放慰问金",
        "a) 第一项",
        "a.1 第一项的细目",
        "b) 续前一列表",
        "b.2 不随上级重新编号",
        "a) 重新开始的列表",
    ]


def test_tables_text_boxes_and_tracked_insertions_are_kept_in_order():
    document = Document()
    document.add_paragraph("一、组织劳动竞赛")
    table = document.add_table(rows=3, cols=3)
    rows = [("项目", "数量", ""), ("参赛班组", "52个", ""), ("合理化建议", "143条", "采纳86条")]
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    box_paragraph = document.add_paragraph("二、职工文化")
    box_paragraph._p.append(parse_xml(_text_box_run("文本框：职工书屋新增藏书3000册")))
    edited = document.add_paragraph()
    edited._p.append(
        parse_xml(
            f'<w:del {W_NS} w:id="1" w:author="审稿人"><w:r><w:delText>删掉的旧数字99个</w:delText></w:r></w:del>'
        )
    )
    edited._p.append(
        parse_xml(f'<w:ins {W_NS} w:id="2" w:author="审稿人"><w:r><w:t>新增会员120名</w:t></w:r></w:ins>')
    )
    edited._p.append(parse_xml(f"<w:r {W_NS}><w:rPr><w:vanish/></w:rPr><w:t>隐藏文字</w:t></w:r>"))
    edited.add_run("。")
    document.add_paragraph(BODY * 2)

    text = read_document_bytes("tables.docx", _save(document))

    assert text.split("\n\n") == [
        "一、组织劳动竞赛",
        "项目｜数量",
        "参赛班组｜52个",
        "合理化建议｜143条｜采纳86条",
        "二、职工文化",
        "文本框：职工书屋新增藏书3000册",
        "新增会员120名。",
        BODY * 2,
    ]


def _text_box_run(text: str) -> str:
    """A run holding a DrawingML text box with its VML fallback, as Word 2010+ writes it."""
    namespaces = (
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:v="urn:schemas-microsoft-com:vml"'
    )
    content = f"<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"
    return textwrap.dedent(f"""
        <w:r {namespaces}><mc:AlternateContent>
          <mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>
            <wps:wsp><wps:txbx>{content}</wps:txbx></wps:wsp>
          </a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>
          <mc:Fallback><w:pict><v:shape><v:textbox>{content}</v:textbox></v:shape></w:pict></mc:Fallback>
        </mc:AlternateContent></w:r>""")


def test_headers_footers_comments_and_table_of_contents_are_left_out(tmp_path):
    document = Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "页眉：江南区第三中学工会"
    section.footer.paragraphs[0].text = "页脚：内部资料"
    toc = document.add_paragraph("一、加强民主管理……………3")
    toc.style = document.styles.add_style("toc 1", 1)
    commented = document.add_paragraph(BODY * 2)
    document.add_comment(commented.runs, text="批注：数字需要核实", author="审稿人")
    path = tmp_path / "report.docx"
    document.save(path)

    text = read_document(path)

    assert text == BODY * 2
    with zipfile.ZipFile(path) as archive:  # the parts exist, so leaving them out is the reader's doing
        assert {"word/comments.xml", "word/header1.xml", "word/footer1.xml"} <= set(archive.namelist())


def _docx_with_document_xml(document_xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


BILLION_LAUGHS = (  # with parameter entities: the parser gives up inside the DTD, before the root
    '<!DOCTYPE w:document [<!ENTITY % lol "lol">'
    + "".join(
        f'<!ENTITY % lol{level} "{("%lol" + str(level - 1 or "") + ";") * 10}">' for level in range(1, 10)
    )
    + "%lol9;]>"
)


@pytest.mark.parametrize(
    ("doctype", "reference"),
    [
        ('<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
        (
            '<!DOCTYPE w:document [<!ENTITY a "工会工会工会工会"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
            "&b;",
        ),
        ('<!DOCTYPE w:document [<!ENTITY undeclared-use "x">]>', "&nowhere;"),
        (BILLION_LAUGHS, ""),
    ],
)
def test_xml_entities_are_refused(doctype, reference):
    paragraph = f"<w:p><w:r><w:t>{reference}{BODY * 3}</w:t></w:r></w:p>"
    document_xml = (
        f'<?xml version="1.0"?>{doctype}<w:document {W_NS}><w:body>{paragraph}</w:body></w:document>'
    )
    with pytest.raises(UserError, match="实体声明"):
        read_document_bytes("entity.docx", _docx_with_document_xml(document_xml.encode()))


def test_broken_xml_and_missing_body_are_refused():
    with pytest.raises(UserError, match="无法解析"):
        read_document_bytes("broken.docx", _docx_with_document_xml(b"<w:document"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/other.xml", "<x/>")
    with pytest.raises(UserError, match="不是有效的 Word"):
        read_document_bytes("nobody.docx", buffer.getvalue())


def _lying_zip_bomb(inflated_bytes: int, declared_bytes: int) -> bytes:
    """A real deflated member of zeros whose local and central headers both claim `declared_bytes`."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w") as member,
    ):
        chunk = b"\0" * (1024 * 1024)
        for _ in range(inflated_bytes // len(chunk)):
            member.write(chunk)
    data = bytearray(buffer.getvalue())
    struct.pack_into("<I", data, 22, declared_bytes)  # local header: uncompressed size
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared_bytes)  # central directory: uncompressed size
    return bytes(data)


@pytest.fixture(scope="module")
def lying_bomb(tmp_path_factory):
    path = tmp_path_factory.mktemp("bomb") / "bomb.docx"
    path.write_bytes(_lying_zip_bomb(inflated_bytes=1024 * 1024 * 1024, declared_bytes=200 * 1024))
    return path


@pytest.mark.slow  # its 1 GiB bomb takes 7 s to make
def test_lying_zip_bomb_is_refused_with_small_memory(lying_bomb):
    with zipfile.ZipFile(lying_bomb) as archive:  # the headers really lie
        assert archive.getinfo("word/document.xml").file_size == 200 * 1024
    probe = textwrap.dedent(f"""
        import json, resource, time
        from pathlib import Path
        from drafting.documents import read_document
        from drafting.errors import UserError
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        try:
            read_document(Path({str(lying_bomb)!r}))
            message = None
        except UserError as error:
            message = str(error)
        print(json.dumps({{"message": message, "seconds": time.perf_counter() - started,
                          "growth_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before}}))
    """)
    result = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, check=True).stdout)
    assert "压缩炸弹" in result["message"]
    assert result["growth_kb"] < 50 * 1024, result
    assert result["seconds"] < 5, result


def test_honest_but_huge_member_stops_at_the_budget():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (80 * 1024 * 1024))
    with pytest.raises(UserError, match="压缩炸弹"):
        read_document_bytes("big.docx", buffer.getvalue())


def test_zip_with_a_corrupted_member_is_refused():
    good = bytearray(_docx_with_document_xml(f"<w:document {W_NS}><w:body/></w:document>".encode()))
    start = good.index(b"word/document.xml") + len("word/document.xml")
    good[start + 2] ^= 0xFF  # flip a byte of the deflate stream
    with pytest.raises(UserError, match="不是有效的 Word"):
        read_document_bytes("corrupt.docx", bytes(good))


def test_encrypted_docx_and_renamed_doc_are_recognised():
    ole = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 600
        + "EncryptedPackage".encode("utf-16-le")
        + b"\0" * 1000
    )
    with pytest.raises(UserError, match="打开密码"):
        read_document_bytes("secret.docx", ole)
    with pytest.raises(UserError, match="RTF"):
        read_document_bytes("old.doc", b"{\\rtf1\\ansi " + BODY.encode() * 5)


def test_a_docx_renamed_to_doc_is_read_as_docx():
    document = Document()
    document.add_paragraph(BODY * 2)
    assert read_document_bytes("saved-by-wps.doc", _save(document)) == BODY * 2


def test_crc_mismatch_is_not_silently_accepted():
    data = bytearray(_docx_with_document_xml(f"<w:document {W_NS}><w:body/></w:document>".encode()))
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 16, zlib.crc32(b"other") & 0xFFFFFFFF)
    with pytest.raises(UserError, match="不是有效的 Word"):
        read_document_bytes("crc.docx", bytes(data))


def test_numbering_through_style_links_inheritance_and_legal_levels():
    document = Document()
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {W_NS} w:abstractNumId="96">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:pStyle w:val="PartHeading"/>'
            '<w:lvlText w:val="第%1部分 "/><w:suff w:val="nothing"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:pStyle w:val="SubHeading"/>'
            '<w:isLgl/><w:lvlText w:val="%1.%2"/></w:lvl></w:abstractNum>'
        ),
    )
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {W_NS} w:abstractNumId="95"><w:numStyleLink w:val="Outline"/></w:abstractNum>'
        ),
    )
    numbering.append(parse_xml(f'<w:num {W_NS} w:numId="95"><w:abstractNumId w:val="95"/></w:num>'))
    numbering.append(parse_xml(f'<w:num {W_NS} w:numId="96"><w:abstractNumId w:val="96"/></w:num>'))
    styles = document.styles.element
    styles.append(
        parse_xml(
            f'<w:style {W_NS} w:type="numbering" w:styleId="Outline"><w:name w:val="outline list"/>'
            '<w:pPr><w:numPr><w:numId w:val="96"/></w:numPr></w:pPr></w:style>'
        )
    )
    styles.append(
        parse_xml(
            f'<w:style {W_NS} w:type="paragraph" w:styleId="PartHeading"><w:name w:val="part heading"/>'
            '<w:pPr><w:numPr><w:numId w:val="96"/></w:numPr></w:pPr></w:style>'
        )
    )
    styles.append(
        parse_xml(
            f'<w:style {W_NS} w:type="paragraph" w:styleId="SubHeading"><w:name w:val="sub heading"/>'
            '<w:basedOn w:val="PartHeading"/></w:style>'
        )
    )
    for text, style in (("总体情况", "PartHeading"), ("组织建设", "SubHeading")):
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(parse_xml(f'<w:pStyle {W_NS} w:val="{style}"/>'))
    _numbered(document.add_paragraph("经费管理"), 95, 1)
    document.add_paragraph(BODY * 2)

    text = read_document_bytes("linked.docx", _save(document))

    assert text.split("\n\n") == ["第一部分 总体情况", "1.1 组织建设", "1.2 经费管理", BODY * 2]
