"""Text, Markdown and pasted text: encodings, the common refusals, and paragraphs restored from pasted lines."""

from pathlib import Path

import pytest

from drafting.documents import SUPPORTED_SUFFIXES, normalise_pasted_text, read_document, read_document_bytes
from drafting.errors import UserError

REPORT = (
    "某学校工会2025年工作总结\n\n"
    + "一、民主管理\n\n召开教代会，审议通过集体合同，推进校务公开，保障教职工的知情权、参与权和监督权。" * 3
)


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".docx", ".pdf", ".doc", ".wps")


def test_gbk_gb18030_utf8_bom_and_utf16_are_decoded(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(REPORT.encode("gbk"))
    assert read_document(path) == REPORT
    assert read_document_bytes("r.txt", REPORT.encode("gb18030")) == REPORT
    assert read_document_bytes("r.txt", b"\xef\xbb\xbf" + REPORT.encode()) == REPORT
    assert read_document_bytes("r.md", REPORT.encode("utf-16")) == REPORT


def test_big5_and_utf16_without_a_byte_order_mark_are_decoded():
    traditional = (
        "江北區總工會2025年工作總結\n\n一、加強民主管理，召開職工代表大會，審議通過集體合同，"
        "走訪慰問困難職工20戶，發放慰問金4.6萬元，組織職工技能競賽，參賽職工138人次。"
    )
    assert read_document_bytes("台灣.txt", traditional.encode("big5")) == traditional
    assert read_document_bytes("le.txt", REPORT.encode("utf-16-le")) == REPORT
    assert read_document_bytes("be.txt", REPORT.encode("utf-16-be")) == REPORT


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"   \n", "空文件"),
        ("bin.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00" + bytes(range(256)) * 10, "二进制"),
        ("huge.txt", "工会".encode() * (3 * 1024 * 1024), "超过 5 MB"),
        ("report.xlsx", b"PK\x03\x04", "格式不支持"),
        ("fake.docx", REPORT.encode(), "不是有效的 Word"),
        ("latin.txt", b"hello world, no chinese here at all " * 10, "几乎没有中文"),
        ("undecodable.txt", bytes(range(0x80, 0x100)) * 50, "编码无法识别"),
    ],
)
def test_bad_files_are_refused_in_chinese(name, data, message):
    with pytest.raises(UserError, match=message):
        read_document_bytes(name, data)


def test_missing_file_folder_and_oversized_file(tmp_path):
    with pytest.raises(UserError, match="找不到文件"):
        read_document(tmp_path / "nope.txt")
    with pytest.raises(UserError, match="文件夹"):
        read_document(tmp_path)
    with pytest.raises(UserError, match="不是普通文件"):
        read_document(Path("/dev/zero"))  # would never finish reading
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024))
    with pytest.raises(UserError, match="超过 20 MB"):
        read_document(big)


PASTED = """XX学校工会2023年度工作总结篇1
一、加强民主管理
全年召开教代会两次,审议通过集体合同和学校章程修正
案,推进校务公开,保障教职工的知情权、参与权和监督权。各
工会小组共收集提案36件(含重点提案5件),全部按期办结答
复。
(一)组织劳动竞赛
开展岗位建功劳动竞赛,参赛班组52个,收到合理化建议143条
,采纳并实施合理化建议86条,为学校节约经费12.5万元。是否
完成全年目标?已经全部完成!
二、存在的问题
一是会员活动形式单一;二是经费使用不够规范。"""


def test_pasted_lines_become_paragraphs_with_chinese_punctuation():
    assert normalise_pasted_text(PASTED).split("\n\n") == [
        "XX学校工会2023年度工作总结",
        "一、加强民主管理",
        "全年召开教代会两次，审议通过集体合同和学校章程修正案，推进校务公开，保障教职工的知情权、参与权和监督权。"
        "各工会小组共收集提案36件（含重点提案5件），全部按期办结答复。",
        "（一）组织劳动竞赛",
        "开展岗位建功劳动竞赛，参赛班组52个，收到合理化建议143条，采纳并实施合理化建议86条，为学校节约经费12.5万元。"
        "是否完成全年目标？已经全部完成！",
        "二、存在的问题",
        "一是会员活动形式单一；二是经费使用不够规范。",
    ]


def test_one_paragraph_per_line_is_not_joined():
    lines = [
        "江南区第三中学工会2023年工作总结",
        "一、加强民主管理",
        "全年召开教代会两次，审议通过集体合同",
        "推进校务公开工作，保障教职工的知情权、参与权和监督权，效果良好",
        "二、组织劳动竞赛",
    ]
    assert normalise_pasted_text("\n".join(lines)).split("\n\n") == lines


def test_indented_lines_start_paragraphs_and_blank_lines_are_kept():
    text = "　　全年召开教代会两次，审议通过集体合同\n　　推进校务公开，保障知情权\n\n\n第三段"
    assert normalise_pasted_text(text).split("\n\n") == [
        "全年召开教代会两次，审议通过集体合同",
        "推进校务公开，保障知情权",
        "第三段",
    ]


@pytest.mark.parametrize(
    ("title", "clean"),
    [
        ("XX学校工会2023年度工作总结篇1", "XX学校工会2023年度工作总结"),
        ("某某中学工会工作总结范文一", "某某中学工会工作总结"),
        ("某某中学工会工作计划（一）", "某某中学工会工作计划"),
        ("工会小组年度总结(精选6篇)", "工会小组年度总结"),
        ("加强民主管理（一）", "加强民主管理（一）"),
        ("第一篇", "第一篇"),
    ],
)
def test_title_suffixes_from_web_collections_are_removed(title, clean):
    assert normalise_pasted_text(f"{title}\n全年召开教代会两次。") == f"{clean}\n\n全年召开教代会两次。"


def test_ascii_punctuation_outside_chinese_is_left_alone():
    assert normalise_pasted_text("比例为1:2, see IEEE(2020) at 10:30") == "比例为1:2, see IEEE(2020) at 10:30"


def test_pdf_radicals_are_mapped_back_to_ideographs():
    assert normalise_pasted_text("⼀、加强⺠主管理，⼯会⼩组") == "一、加强民主管理，工会小组"


def test_markdown_marks_are_removed():
    markdown = (
        "# 某学校工会2025年工作总结\n\n## 一、民主管理\n\n- **召开教代会**，审议通过集体合同。\n\n" + REPORT
    )
    text = read_document_bytes("r.md", markdown.encode())
    assert text.split("\n\n")[:3] == [
        "某学校工会2025年工作总结",
        "一、民主管理",
        "召开教代会，审议通过集体合同。",
    ]
